/*
 * hv/dom0-build.c - building dom0 from the guest ELF module: pvmm-hv's side of the shared
 * PV domain builder (builder/pv-build.h), which lays out and populates the domain exactly
 * as it does for the hosted simulator (boot-ABI §1-§4): the bootstrap region at the image's
 * virt_base with kernel, p2m list, start_info, read-only page tables (L4 first), one stack
 * page and padding; mfn != pfn; the hypercall page; the L4 validated and pinned by the
 * memory-management core.
 *
 * What is pvmm-hv's own, and stays here:
 *   - the module: the guest ELF in RAM, and its string "path args", of which the arguments
 *     become the guest command line;
 *   - the initrd: the second module, handed to the builder (mod_start/mod_len; Xen's
 *     placement, see builder/pv-build.h);
 *   - the domain: created by the core glue (mmglue_create_dom0), which attaches the
 *     per-domain L3 (slot 260); its size from the hypervisor option dom0_mem=SIZE[,...]
 *     (K, M or G; Xen's first form), 64 MiB by default as xen-run's dom0_mem=64M.  The p2m
 *     array comes from the boot allocator (dom0_prepare, before the core takes memory);
 *   - shared_info: a hypervisor frame shared writable with dom0 (grant frames are the
 *     core's, taken from the heap as setup_table asks for them), every
 *     event masked (§6); start_info names shared_info's machine address;
 *   - scrubbing: the builder clears every frame of the bootstrap region before anything is
 *     written to it.  The other dom0 frames (about 60 of the 64 MiB) come from RAM above the
 *     boot allocator, which the hypervisor has never written; the machine (QEMU) starts with
 *     zeroed RAM and the firmware's leftovers there are nothing the privileged initial domain
 *     could not map anyway, so clearing them would only cost boot time (about 40 ms under
 *     TCG).  The hypervisor option `scrub=all` (its multiboot command line) clears every
 *     frame regardless;
 *   - the first guest registers, in the frame the entry path returns to the guest with.
 * Failures here are the guest image's fault: they are reported and the run fails.
 */
#include "events.h"
#include "boot.h"
#include "dom0-build.h"
#include "domains.h"
#include "../builder/pv-build.h"
#include <xen/xen.h>

#define DOM0_DEFAULT_PAGES  16384UL     /* 64 MiB, as xen-run's dom0_mem=64M */

static mfn_t *dom0_p2m;
static uint64_t dom0_pages = DOM0_DEFAULT_PAGES;
static struct hv_vcpu dom0_hv_vcpu[PVMM_MAX_VCPUS];
static unsigned int dom0_nr_vcpus = 1;
uint64_t hv_shared_info_mfn;

/* The value of hypervisor option `name` (e.g. "dom0_mem="), or NULL; it ends at a space. */
static const char *hv_option_value(const char *name)
{
    for (const char *p = hv_cmdline; *p;) {
        size_t i = 0;
        while (name[i] && p[i] == name[i])
            i++;
        if (!name[i])
            return p + i;
        while (*p && *p != ' ')
            p++;
        while (*p == ' ')
            p++;
    }
    return NULL;
}

bool hv_option(const char *word)
{
    const char *rest = hv_option_value(word);

    return rest && (*rest == ' ' || *rest == '\0');
}

/* Bytes of a size "N[K|M|G]" at s (default unit: KiB, as Xen's parse_size_and_unit). */
static uint64_t parse_size(const char *s)
{
    uint64_t n = 0;

    while (*s >= '0' && *s <= '9')
        n = n * 10 + (uint64_t)(*s++ - '0');
    switch (*s) {
    case 'G': case 'g': return n << 30;
    case 'M': case 'm': return n << 20;
    case 'B': case 'b': return n;
    default:            return n << 10;
    }
}

/*
 * dom0's vCPUs, as Xen 4.17 counts them: one per CPU, or what the hypervisor option
 * dom0_max_vcpus=N or =MIN-MAX says (MIN raises the count, MAX caps it), at most
 * PVMM_MAX_VCPUS.
 */
static unsigned int dom0_vcpus(void)
{
    const char *opt = hv_option_value("dom0_max_vcpus=");
    unsigned long lo = 0, hi = ~0UL, n = nr_cpus_online;

    if (opt) {
        while (*opt >= '0' && *opt <= '9')
            lo = lo * 10 + (unsigned long)(*opt++ - '0');
        if (*opt == '-') {
            hi = 0;
            for (opt++; *opt >= '0' && *opt <= '9'; opt++)
                hi = hi * 10 + (unsigned long)(*opt - '0');
        } else {
            hi = lo;
        }
    }
    if (n < lo)
        n = lo;
    if (n > hi)
        n = hi;
    if (n < 1)
        n = 1;
    return n > PVMM_MAX_VCPUS ? PVMM_MAX_VCPUS : (unsigned int)n;
}

void dom0_prepare(void)
{
    const char *mem = hv_option_value("dom0_mem=");

    dom0_nr_vcpus = dom0_vcpus();
    if (mem) {
        dom0_pages = parse_size(mem) >> PAGE_SHIFT;
        if (dom0_pages < 256 || dom0_pages > max_ram_pfn)
            panic("dom0_mem=%s: need at least 1 MiB and at most the machine's RAM", mem);
    }
    dom0_p2m = alloc_boot_pages((unsigned int)((dom0_pages * sizeof(mfn_t) + PAGE_SIZE - 1) >>
                                               PAGE_SHIFT), NULL);
}

/* Print the core's reason for refusing the bootstrap L4, one console line per line. */
static void report_l4_refusal(struct vcpu *v)
{
    char buf[600];
    pvmm_reason_format(pvmm_last_reason(v), buf, sizeof(buf));
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

/* shared_info: cleared, every event masked, shared with d (grant frames: the core's). */
static void share_hypervisor_pages(struct domain *d)
{
    struct shared_info *si = mfn_to_virt(hv_shared_info_mfn);
    memset(si, 0, PAGE_SIZE);
    for (unsigned int i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
        si->vcpu_info[i].evtchn_upcall_mask = 1;
    time_init_wallclock(si);
    evtchn_init_domain(d, si);
    for (unsigned int i = 0; i < d->max_vcpus; i++)       /* vCPU i on CPU i, wrapping */
        hv_vcpu_setup(&d->vcpu[i], &dom0_hv_vcpu[i], &si->vcpu_info[i], i % nr_cpus_online);
    dom0_hv_vcpu[0].initialised = true;                    /* the builder's context */
    mmglue_share_xen_page(d, hv_shared_info_mfn);
}

struct cpu_regs *dom0_build(const struct boot_module *mod, const struct boot_module *initrd)
{
    static struct pvmm_dom_layout L;
    struct pvmm_image img;
    struct pvmm_boot_regs boot;
    const char *why, *cmdline = mod->string;
    struct pvmm_builder_params params;
    struct domain *d;
    struct vcpu *v;
    int rc;
    struct cpu_regs *r;

    while (*cmdline && *cmdline != ' ')   /* drop the module's path */
        cmdline++;
    while (*cmdline == ' ')
        cmdline++;
    if (pvmm_image_parse(&img, (const uint8_t *)mfn_to_virt(0) + mod->start,
                         mod->end - mod->start, &why))
        panic("dom0 builder: guest image refused: %s", why);

    d = mmglue_create_dom0(dom0_pages, dom0_nr_vcpus);
    v = &d->vcpu[0];
    v->plat = &dom0_hv_vcpu[0];
    current = v;
    dom0 = d;
    params = (struct pvmm_builder_params){
        .image = &img,
        .nr_pages = dom0_pages,
        .cmdline = cmdline,
        .dom0 = true,
        .scrub_all = hv_option("scrub=all"),
        .shared_info_maddr = hv_shared_info_mfn << PAGE_SHIFT,
        .initrd = initrd->end > initrd->start ? (const uint8_t *)mfn_to_virt(0) + initrd->start
                                               : NULL,
        .initrd_len = initrd->end - initrd->start,
    };
    /* As Xen: the initrd's own frames become dom0's, unless they share a page with others. */
    params.initrd_handover = mm_module_whole(initrd, &params.initrd_mfn);
    rc = pvmm_builder_build(d, &params, dom0_p2m, &L, &boot, &why);
    if (rc) {
        printk("pvmm: dom0 builder: %s (%d)\n", why, rc);
        if (pvmm_last_reason(v)->rc)      /* the core refused the tables: say why */
            report_l4_refusal(v);
        panic("dom0 builder: guest image refused: %s", why);
    }
    rec_domain(d, dom0_pages, L.kernel_start, L.kernel_end, img.virt_base,
               !L.initrd_len && !L.p2m_outside, dom0_p2m, (L.pt_va - L.v_start) >> PAGE_SHIFT,
               L.nr_pt_frames);
    share_hypervisor_pages(d);
    domains_add_dom0(d);

    printk("pvmm: dom0 \"%s\": kernel %lx-%lx entry %lx, %lu pages, pt %lx (%lu frames), "
           "start_info %lx, stack %lx, v_end %lx\n", img.guest_os, L.kernel_start,
           L.kernel_end, img.entry, dom0_pages, L.pt_va, L.nr_pt_frames, L.start_info_va,
           boot.rsp, L.v_end);
    if (L.initrd_len)
        printk("pvmm: dom0 initrd: %lu bytes at %s %lx\n", L.initrd_len,
               L.initrd_va ? "va" : "pfn", L.initrd_va ? L.initrd_va : L.initrd_pfn);
    if (L.p2m_outside)
        printk("pvmm: dom0 p2m list at %lx (INIT_P2M): pfns %lx-%lx\n", L.p2m_va,
               L.first_p2m_pfn, L.first_p2m_pfn + L.nr_p2m_frames);
    if (d->max_vcpus > 1)
        printk("pvmm: dom0 has %u vCPUs\n", d->max_vcpus);
    if (*cmdline)
        printk("pvmm: dom0 command line \"%s\"\n", cmdline);

    r = guest_cpu_regs();
    memset(r, 0, sizeof(*r));
    r->rip = boot.rip;
    r->rsp = boot.rsp;
    r->rsi = boot.rsi;
    r->rflags = boot.rflags;
    r->cs = boot.cs;
    r->ss = boot.ss;
    return r;
}
