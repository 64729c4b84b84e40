/*
 * hv/mm-core.c - pvmm-hv's glue to the memory-management core (include/pvmm/pvmm.h).
 *
 * The core owns every rule about guest page tables; this file gives it the machine:
 *   - the frame table and the M2P over all RAM frames (allocated from the boot allocator,
 *     the M2P mapped read-only for guests at 0xffff800000000000);
 *   - the platform callbacks: frames through the direct map, TLB flushes on the CPUs the
 *     vCPUs' dirty masks name (by IPI, flush.c), CR3 loads on this CPU, copies through the
 *     guest's current page tables, log lines on COM1, spin-waits that answer IPIs;
 *   - the hand-over of free RAM (everything above the boot allocator) and the reservation
 *     of every frame the hypervisor keeps, so a privileged guest cannot map them (the first
 *     MiB stays I/O memory; the M2P is shared read-only with privileged guests);
 *   - the template of L4 slots 256..271 and dom0's per-domain L3 (slot 260);
 *   - the memory-management hypercalls and trapped page-table writes, routed to the core,
 *     with the per-domain GDT/LDT window re-synchronised after descriptor changes.
 * When the core refuses an operation, its reason is printed on the console.
 */
#include "hv.h"
#include "boot.h"
#include "events.h"
#include <xen/xen.h>
#include <xen/memory.h>
#include <pvmm/audit.h>
#include "domains.h"
#include "guest-access.h"

static struct pvmm_state core_state;
uint64_t hv_m2p_mfn;                    /* first frame of the M2P (machine-contiguous) */

static void *plat_map_frame(void *ctx, mfn_t mfn)
{
    (void)ctx;
    rec_touch(mfn);
    return mfn_to_virt(mfn);
}

/* Flush the vCPUs in mask: every CPU that may hold their translations, done on return. */
static void plat_flush_tlb(void *ctx, struct domain *d, uint64_t mask, uint64_t va)
{
    (void)ctx;
    flush_tlb_cpus(vcpu_dirty_cpus(d, mask), va);
}

/* A spin-wait of the core: answer a cross-CPU call meanwhile (ipi.c), then pause. */
static void plat_cpu_relax(void *ctx)
{
    (void)ctx;
    smp_call_poll();
    cpu_relax();
}

static void plat_write_ptbase(void *ctx, struct vcpu *v)
{
    mfn_t m;
    (void)ctx;
    if (v != current)
        return;
    m = v->kernel_mode ? v->guest_table : v->guest_table_user;
    if (m != INVALID_MFN)
        write_cr3(m << PAGE_SHIFT);
}

static void plat_log(void *ctx, enum pvmm_log_level lvl, const char *msg)
{
    (void)ctx;
    if (lvl >= PVMM_LOG_INFO)
        printk("pvmm: core: %s\n", msg);
}

static bool plat_preempt_check(void *ctx, struct vcpu *v)
{
    (void)ctx;
    return rec_preempt(hv_preempt_check(v));
}

/* The longest stretch between two preemption checks while measuring (preempt_gap_start). */
static struct {
    uint64_t last, max;
    unsigned long checks;
} gap;

/* plat_preempt_check while measuring: the stretch since the last check, then the check. */
static bool plat_preempt_check_measured(void *ctx, struct vcpu *v)
{
    uint64_t t = rdtsc();

    if (t - gap.last > gap.max)
        gap.max = t - gap.last;
    gap.last = t;
    gap.checks++;
    return plat_preempt_check(ctx, v);
}

void preempt_gap_start(void)
{
    gap.max = gap.checks = 0;
    gap.last = rdtsc();
    hv_platform.preempt_check = plat_preempt_check_measured;
}

uint64_t preempt_gap_stop(unsigned long *checks)
{
    uint64_t t = rdtsc();

    hv_platform.preempt_check = plat_preempt_check;
    if (t - gap.last > gap.max)
        gap.max = t - gap.last;
    *checks = gap.checks;
    return gap.max;
}

/* A copy of two or three words (an mmu_update request, an mmuext_op, read once per element
 * of every batch) is done in place (guest-access.h); anything else through
 * copy_from_guest_va. */
static int plat_copy_from_guest(void *ctx, struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
    const uint64_t *g = (const uint64_t *)gva;
    uint64_t w[3];
    int rc;

    (void)ctx;
    (void)v;
    if (len == 16 && guest_range_ok(gva, len)) {
        guest_access_begin();
        guest_get(w[0], &g[0], fault);
        guest_get(w[1], &g[1], fault);
        guest_access_end();
        __builtin_memcpy(dst, w, 16);   /* word stores: dst may be unaligned */
        rc = 0;
    } else if (len == 24 && guest_range_ok(gva, len)) {
        guest_access_begin();
        guest_get(w[0], &g[0], fault);
        guest_get(w[1], &g[1], fault);
        guest_get(w[2], &g[2], fault);
        guest_access_end();
        __builtin_memcpy(dst, w, 24);
        rc = 0;
    } else {
        rc = copy_from_guest_va(dst, gva, len);
    }
    if (!rc)
        rec_guest_read(gva, dst, len);
    return rc;
fault:
    guest_access_end();
    return -XEN_EFAULT;
}

static int plat_copy_to_guest(void *ctx, struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
    (void)ctx;
    (void)v;
    return copy_to_guest_va(gva, src, len);
}

/* The core reads frames through the direct map (mfn_to_virt), except while the recorder
 * needs to see each frame mapped (plat_map_frame; record.c clears direct_map then). */
struct pvmm_platform hv_platform = {
    .map_frame = plat_map_frame,
    .direct_map = (uint8_t *)DIRECTMAP_VIRT_START,
    .flush_tlb = plat_flush_tlb,
    .write_ptbase = plat_write_ptbase,
    .log = plat_log,
    .preempt_check = plat_preempt_check,
    .copy_from_guest = plat_copy_from_guest,
    .copy_to_guest = plat_copy_to_guest,
    .cpu_relax = plat_cpu_relax,
};

static void handover_add(uint64_t first, uint64_t nr)
{
    rec_ram(first, nr);
    pvmm_add_ram(&core_state, first, nr);
}

/*
 * A RAM frame the hypervisor keeps.  The first MiB is left as the core starts every frame,
 * I/O memory of dom_io, as in Xen: the hypervisor keeps nothing there after boot, and the
 * hardware domain may map it (BIOS data area, EBDA) like the ROMs and VGA window above it.
 */
static void handover_reserve(uint64_t mfn)
{
    if (mfn >= 0x100) {
        rec_reserve(mfn);
        pvmm_reserve_frame(&core_state, mfn);
    }
}

static void *audit_scratch;     /* the auditor's working memory, from the boot allocator */

unsigned int mmglue_audit(const char *when)
{
    static struct pvmm_audit_report rep;
    char line[200];
    unsigned int n = pvmm_audit(&core_state, audit_scratch, &rep);

    if (!n) {
        printk("pvmm: audit %s: clean (%lu frames, %lu free)\n", when, core_state.nr_frames,
               core_state.nr_free);
        return 0;
    }
    printk("pvmm: audit %s: %u violations\n", when, n);
    for (unsigned int i = 0; i < rep.nr_recorded; i++) {
        pvmm_audit_format(&rep.v[i], line, sizeof(line));
        printk("pvmm:   %s\n", line);
    }
    return n;
}

void mmglue_init(void)
{
    static struct pvmm_config cfg;
    uint64_t nr = max_ram_pfn, first, ft_first;

    cfg.plat = &hv_platform;
    cfg.nr_frames = nr;
    cfg.frame_table = alloc_boot_pages((unsigned int)((nr * sizeof(struct page_info) +
                                        PAGE_SIZE - 1) >> PAGE_SHIFT), &ft_first);
    cfg.m2p = alloc_boot_pages((unsigned int)((nr * 8 + PAGE_SIZE - 1) >> PAGE_SHIFT),
                               &hv_m2p_mfn);
    mm_map_ro_mpt(cfg.m2p, nr);
    cfg.free_in_block = alloc_boot_pages((unsigned int)((PVMM_HEAP_BLOCKS(nr) * 2 + PAGE_SIZE - 1)
                                                         >> PAGE_SHIFT), NULL);
    memcpy(cfg.xen_l4_slots, xen_l4_slots, sizeof(cfg.xen_l4_slots));
    cfg.linear_pt = true;
    hv_shared_info_mfn = alloc_boot_frame();
    domains_reserve_frames();
    pvmm_init(&core_state, &cfg);
    /* A replay puts its own hypervisor tables in the frames of this frame table. */
    rec_init(nr, hv_m2p_mfn, ft_first);
    audit_scratch = alloc_boot_pages((unsigned int)((pvmm_audit_scratch_size(&core_state) +
                                     PAGE_SIZE - 1) >> PAGE_SHIFT), &first);
    mm_handover(handover_add, handover_reserve);
    /* As Xen: privileged domains may map the M2P's frames read-only (DOMID_XEN). */
    for (uint64_t i = 0; i < (nr * 8 + PAGE_SIZE - 1) >> PAGE_SHIFT; i++) {
        rec_share_privileged(hv_m2p_mfn + i);
        pvmm_share_xen_page_with_privileged_guests(&core_state, hv_m2p_mfn + i);
    }
    printk("pvmm: memory-management core: %lu frames, %lu free for domains\n",
           core_state.nr_frames, core_state.nr_free);
}

struct pvmm_state *mmglue_core(void)
{
    return &core_state;
}

void mmglue_release_modules(void)
{
    uint64_t before = core_state.nr_free, first;

    mm_release_module(&boot_module, handover_add);
    if (!mm_module_whole(&boot_initrd, &first))      /* else dom0 has its frames */
        mm_release_module(&boot_initrd, handover_add);
    printk("pvmm: boot modules freed: %lu frames\n", core_state.nr_free - before);
}

bool mmglue_have_core(void)
{
    return true;
}

struct domain *mmglue_create_dom0(uint64_t nr_pages, unsigned int nr_vcpus)
{
    struct domain *d = pvmm_domain_create(&core_state, 0, true, nr_pages, nr_vcpus);
    if (!d)
        panic("cannot create domain 0 in the core");
    d->perdomain_l3 = mm_perdomain_l3_mfn();
    dom0_setup_permissions(d);
    return d;
}

/* Print the core's reason for the last refusal on v; `what` names the refused operation. */
void mmglue_report_refusal(struct vcpu *v, const char *what, long rc)
{
    char buf[600];
    pvmm_reason_format(pvmm_last_reason(v), buf, sizeof(buf));
    printk("pvmm: %s refused (%ld):\n", what, rc);
    for (char *line = buf; *line;) {
        char *end = line;
        bool more;
        while (*end && *end != '\n')
            end++;
        more = *end != '\0';
        *end = '\0';
        if (*line)
            printk("pvmm:   %s\n", line);
        line = more ? end + 1 : end;
    }
}

void mmglue_share_xen_page(struct domain *d, uint64_t mfn)
{
    rec_share(d, mfn, true);
    pvmm_share_xen_page(&core_state, mfn, d, true);
}

/* Map v's GDT frames and LDT shadow pages into its window in the per-domain area: every
 * entry (all), or only the entries that changed (mm_update_gdt_frame, sync_descriptor_tables). */
static void map_descriptor_window(struct vcpu *v, bool all)
{
    struct hv_vcpu *h = hvv(v);

    for (unsigned int i = 0; i < PVMM_GDT_FRAMES + PVMM_LDT_PAGES; i++) {
        bool ldt = i >= PVMM_GDT_FRAMES;
        unsigned int l = i - PVMM_GDT_FRAMES, idx = ldt ? 16 + l : i;
        mfn_t mfn = ldt ? v->ldt_shadow[l] : v->gdt_frames[i];

        if (ldt && mfn == INVALID_MFN && !((h->ldt_mapped >> l) & 1))
            continue;                   /* neither wanted nor mapped */
        if (all)
            mm_set_gdt_frame(desc_window(v), idx, mfn, true);
        else
            mm_update_gdt_frame(desc_window(v), idx, mfn, true);
        if (ldt)
            h->ldt_mapped = (uint16_t)(mfn != INVALID_MFN ? h->ldt_mapped | (1u << l)
                                                          : h->ldt_mapped & ~(1u << l));
    }
    h->desc_gen_loaded = v->desc_gen;
}

/* Map the vCPU's descriptor window and load its GDT and LDT on this CPU (after a lazy LDT
 * mapping, and when v is switched to). */
void mmglue_load_descriptor_tables(struct vcpu *v)
{
    struct hv_vcpu *h = hvv(v);

    map_descriptor_window(v, true);
    desc_load_vcpu_gdt(desc_window(v));
    desc_set_ldt(LDT_VIRT_START(desc_window(v)), v->ldt_ents);
    h->ldt_loaded_ents = v->ldt_ents;
}

/*
 * After a hypercall of v, the running vCPU, that may change its descriptor tables (set_gdt,
 * mmuext_op): nothing to do if the core's desc_gen is the one last mapped (most mmuext_ops:
 * pins, flushes, base pointers without an LDT); else rewrite only the window entries that
 * changed (mm_update_gdt_frame: the window and the GDTR were loaded for v on this CPU when
 * it was switched to), and reload LDTR only when the LDT's size changed.  The same result
 * as mmglue_load_descriptor_tables for a fraction of its work.
 */
static void sync_descriptor_tables(struct vcpu *v)
{
    struct hv_vcpu *h = hvv(v);

    if (__builtin_expect(v->desc_gen == h->desc_gen_loaded, 1))
        return;
    map_descriptor_window(v, false);
    if (v->ldt_ents != h->ldt_loaded_ents) {
        desc_set_ldt(LDT_VIRT_START(desc_window(v)), v->ldt_ents);
        h->ldt_loaded_ents = v->ldt_ents;
    }
}

/*
 * A core bug met by the core call just made (docs/model.md §11) ends the domain that made
 * it - through domain_crash, after the core has returned, so no core lock is held - and not
 * the hypervisor.  r is the guest's entry frame, or NULL.
 */
static void crash_on_core_bug(const struct cpu_regs *r)
{
    static unsigned long seen;
    unsigned long bugs = pvmm_core_bugs(&core_state);

    if (bugs == seen)
        return;
    seen = bugs;
    domain_crash(r, "core bug at %s:%d", core_state.core_bug_file, core_state.core_bug_line);
}

/* A refused memory-management hypercall on the console (out of line: its buffer and the
 * name lookup stay off the path of the calls that succeed). */
static __attribute__((noinline, cold)) void report_hypercall_refusal(struct vcpu *v,
                                                                     unsigned long nr, long rc)
{
    const char *name = pvmm_hypercall_name((unsigned int)nr);
    char what[64];

    if (!name)
        return;                         /* not one of the core's: -ENOSYS, nothing to tell */
    pvmm_snprintf(what, sizeof(what), "hypercall %s", name);
    mmglue_report_refusal(v, what, rc);
}

long mmglue_hypercall(struct cpu_regs *r, unsigned long nr, const uint64_t a[5])
{
    struct vcpu *v = current;
    long rc;

    if (nr > ~0U)
        return -XEN_ENOSYS;             /* the core answers any other number it has not */
    if (__builtin_expect(nr == __HYPERVISOR_memory_op, 0)) {
        if (a[0] == XENMEM_machine_memory_map)
            return hv_machine_memory_map(a[1]);
        if (a[0] == XENMEM_machphys_mfn_list)
            return hv_machphys_mfn_list(a[1]);
    }
    rc = pvmm_hypercall(v, (unsigned int)nr, a);
    if (nr == __HYPERVISOR_set_gdt || nr == __HYPERVISOR_mmuext_op)
        sync_descriptor_tables(v);
    crash_on_core_bug(r);
    /* A continuation (v->cont) is the caller's: handle_syscall or the multicall. */
    if (__builtin_expect(rc < 0, 0) && !v->cont.pending)
        report_hypercall_refusal(v, nr, rc);
    return rc;
}

int mmglue_ptwr(struct vcpu *v, uint64_t addr, uint64_t val, unsigned int bytes,
                bool is_cmpxchg, uint64_t old, uint64_t *actual)
{
    int rc;

    rec_op_begin();
    rc = pvmm_ptwr_emulate(v, addr, val, bytes, is_cmpxchg, old, actual);
    rec_ptwr(v, addr, val, bytes, is_cmpxchg, old, rc);
    crash_on_core_bug(NULL);
    if (rc < 0)
        mmglue_report_refusal(v, "trapped write to a page table (ptwr)", rc);
    return rc;
}

/* Whether a write fault at addr is a ptwr one, for an emulated instruction that stores nothing. */
int mmglue_ptwr_check(struct vcpu *v, uint64_t addr)
{
    return pvmm_ptwr_check(v, addr);
}

long mmglue_new_baseptr(struct vcpu *v, uint64_t mfn)
{
    int rc;

    rec_op_begin();
    rc = pvmm_new_baseptr(v, mfn);
    rec_other(v, "write_cr3", "mfn", mfn, rc, false);
    crash_on_core_bug(NULL);
    if (rc)
        mmglue_report_refusal(v, "emulated mov to CR3", rc);
    return rc;
}

/* A fault in the LDT window: map the page lazily (true), or tell the caller to bounce. */
bool mmglue_ldt_fault(struct vcpu *v, uint64_t cr2, uint64_t *guest_cr2)
{
    unsigned int off = (unsigned int)(cr2 - LDT_VIRT_START(desc_window(v)));
    int rc;
    *guest_cr2 = v->ldt_base + off;
    rec_op_begin();
    rc = pv_map_ldt_shadow_page(v, off);
    rec_other(v, "ldt_load", "sel", (off & ~7u) | 4, rc, true);
    crash_on_core_bug(NULL);
    if (rc) {
        mmglue_report_refusal(v, "lazy LDT mapping", rc);
        return false;
    }
    mmglue_load_descriptor_tables(v);
    return true;
}

