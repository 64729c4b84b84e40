/*
 * hv/dom0-build.c - the dom0 builder: from a guest ELF module to the first guest registers.
 *
 * It follows Xen's dom0 builder (boot-ABI §2-§4):
 *   - the bootstrap region [v_start, v_end) maps pfn N at VA virt_base + N*4096, in order:
 *     kernel, p2m list, start_info, page tables (L4 first, read-only), one stack page, and
 *     at least 512 KiB of padding up to a 4 MiB boundary (§2.3 sizing search);
 *   - mfn != pfn on purpose: pfn i gets the i-th frame from the END of the allocation;
 *   - leaf entries P|RW|A|U plus the guest-kernel marker (PTE bit 52), upper entries
 *     P|RW|A|D|U, the hypervisor's slots 256..271 copied into the L4;
 *   - the hypercall page (§1.6), start_info (§3), shared_info with all events masked (§6);
 *   - the L4 is validated and pinned by the memory-management core (mmglue_*), which from
 *     then on owns every rule about guest page tables.
 * Scrubbing: every frame of the bootstrap region is cleared before anything is written to
 * it.  The other dom0 frames (about 60 of the 64 MiB) come from RAM above the boot allocator,
 * which the hypervisor has never written; the machine (QEMU) starts with zeroed RAM and the
 * firmware's leftovers there are nothing the privileged initial domain could not map anyway,
 * so clearing them would only cost boot time (about 40 ms under TCG).  The hypervisor
 * option `scrub=all` (its multiboot command line) clears every frame regardless.
 * Failures here are the guest image's fault: they are reported and the run fails.
 */
#include "hv.h"
#include "boot.h"
#include "dom0-build.h"
#include "elf-load.h"
#include <xen/xen.h>

#define DOM0_PAGES     16384UL          /* 64 MiB, as xen-run's dom0_mem=64M */
#define MB4            (4UL << 20)

static uint64_t build_mfns[DOM0_PAGES];   /* allocation order; pfn i -> build_mfns[nr-1-i] */
static uint64_t nr_pages, v_start;
static struct hv_vcpu dom0_hv_vcpu;
uint64_t hv_shared_info_mfn;

static uint64_t pfn_to_mfn(uint64_t pfn)
{
    return build_mfns[nr_pages - 1 - pfn];
}

/* Hypervisor pointer to the byte at guest VA va inside the bootstrap region. */
static uint8_t *region_ptr(uint64_t va)
{
    uint64_t pfn = (va - v_start) >> PAGE_SHIFT;
    return (uint8_t *)mfn_to_virt(pfn_to_mfn(pfn)) + (va & (PAGE_SIZE - 1));
}

/* True if the hypervisor command line has the word `word`. */
static bool hv_option(const char *word)
{
    for (const char *p = hv_cmdline; *p;) {
        size_t i = 0;
        while (word[i] && p[i] == word[i])
            i++;
        if (!word[i] && (p[i] == ' ' || p[i] == '\0'))
            return true;
        while (*p && *p != ' ')
            p++;
        while (*p == ' ')
            p++;
    }
    return false;
}

/* Copy len bytes to guest VA va (bootstrap region), page by page; src NULL writes zeroes. */
static void region_write(uint64_t va, const void *src, uint64_t len)
{
    const uint8_t *s = src;
    while (len) {
        uint64_t chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1));
        if (chunk > len)
            chunk = len;
        if (s) {
            memcpy(region_ptr(va), s, chunk);
            s += chunk;
        } else {
            memset(region_ptr(va), 0, chunk);
        }
        va += chunk;
        len -= chunk;
    }
}

static void load_segment(uint64_t va, const void *src, uint64_t filesz, uint64_t memsz, void *ctx)
{
    (void)ctx;
    region_write(va, src, filesz);
    region_write(va + filesz, NULL, memsz - filesz);
}

/* Aligned spans of size `span` touched by [s, e). */
static uint64_t spans(uint64_t s, uint64_t e, uint64_t span)
{
    return (e - 1) / span - s / span + 1;
}

static uint64_t round_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* Fill the page-table pages [pt_va, pt_va + nr_pt*4K) so that they map [v_start, v_end). */
static void build_page_tables(struct dom0_layout *L)
{
    uint64_t next_pt = L->vpt_start;
    intpte_t *l4 = (intpte_t *)region_ptr(next_pt);
    next_pt += PAGE_SIZE;
    const intpte_t upper = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER;
    const intpte_t leaf = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_USER | _PAGE_GUEST_KERNEL;

    for (uint64_t va = L->v_start; va < L->v_end; va += PAGE_SIZE) {
        intpte_t *l4e = &l4[pt_index(va, 4)];
        intpte_t *l3 = (*l4e & _PAGE_PRESENT) ? (intpte_t *)mfn_to_virt(pte_mfn(*l4e)) : NULL;
        intpte_t *l3e = l3 ? &l3[pt_index(va, 3)] : NULL;
        intpte_t *l2 = (l3e && (*l3e & _PAGE_PRESENT)) ? (intpte_t *)mfn_to_virt(pte_mfn(*l3e)) : NULL;
        intpte_t *l2e = l2 ? &l2[pt_index(va, 2)] : NULL;
        if (!l2e || !(*l2e & _PAGE_PRESENT)) {
            /* Allocate in Xen's dom0 order: the L1 first, then a missing L2, then an L3. */
            uint64_t l1_va = next_pt;
            next_pt += PAGE_SIZE;
            uint64_t l2_va = 0, l3_va = 0;
            if (!l2) {
                l2_va = next_pt;
                next_pt += PAGE_SIZE;
            }
            if (!l3) {
                l3_va = next_pt;
                next_pt += PAGE_SIZE;
            }
            if (next_pt > L->vpt_end)
                panic("dom0 builder: page-table estimate too small");
            if (l3_va) {
                *l4e = pte_from_mfn(pfn_to_mfn((l3_va - v_start) >> PAGE_SHIFT), upper);
                l3 = (intpte_t *)region_ptr(l3_va);
                l3e = &l3[pt_index(va, 3)];
            }
            if (l2_va) {
                *l3e = pte_from_mfn(pfn_to_mfn((l2_va - v_start) >> PAGE_SHIFT), upper);
                l2 = (intpte_t *)region_ptr(l2_va);
            }
            l2e = &l2[pt_index(va, 2)];
            *l2e = pte_from_mfn(pfn_to_mfn((l1_va - v_start) >> PAGE_SHIFT), upper);
        }
        intpte_t *l1 = (intpte_t *)mfn_to_virt(pte_mfn(*l2e));
        uint64_t pfn = (va - v_start) >> PAGE_SHIFT;
        intpte_t e = pte_from_mfn(pfn_to_mfn(pfn), leaf);
        if (va >= L->vpt_start && va < L->vpt_end)
            e &= ~(intpte_t)_PAGE_RW;
        l1[pt_index(va, 1)] = e;
    }
    for (unsigned int s = 256; s <= 271; s++)
        l4[s] = xen_l4_slots[s - 256];
}

/* Fill the hypercall page exactly as Xen does (boot-ABI §1.6). */
static void write_hypercall_page(uint64_t va)
{
    uint8_t page[PAGE_SIZE];
    memset(page, 0xcc, sizeof(page));
    for (unsigned int i = 0; i < 128; i++) {
        uint8_t *p = page + 32 * i;
        if (i == __HYPERVISOR_iret) {
            const uint8_t stub[] = { 0x51, 0x41, 0x53, 0x50, 0xb8, 23, 0, 0, 0, 0x0f, 0x05 };
            memcpy(p, stub, sizeof(stub));
        } else {
            const uint8_t stub[] = { 0x51, 0x41, 0x53, 0xb8, (uint8_t)i, 0, 0, 0,
                                     0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3 };
            memcpy(p, stub, sizeof(stub));
        }
    }
    region_write(va, page, sizeof(page));
}

/* Compute the §2.3 layout for an image; returns 0 or -1 with err. */
static int compute_layout(struct dom0_layout *L, const struct elf_image *img, char *err, size_t el)
{
    L->v_start = img->virt_base;
    L->vkern_start = img->kstart;
    L->vkern_end = round_up(img->kend, PAGE_SIZE);
    L->vphysmap_start = L->vkern_end;
    L->vphysmap_end = round_up(L->vphysmap_start + nr_pages * 8, PAGE_SIZE);
    L->vstartinfo_start = L->vphysmap_end;
    L->vstartinfo_end = round_up(L->vstartinfo_start + sizeof(struct start_info), PAGE_SIZE);
    L->vpt_start = L->vstartinfo_end;
    for (L->nr_pt_pages = 2;; L->nr_pt_pages++) {
        L->vpt_end = L->vpt_start + L->nr_pt_pages * PAGE_SIZE;
        L->vstack_start = L->vpt_end;
        L->vstack_end = L->vstack_start + PAGE_SIZE;
        L->v_end = round_up(L->vstack_end, MB4);
        if (L->v_end - L->vstack_end < (512UL << 10))
            L->v_end += MB4;
        uint64_t need = 1 + spans(L->v_start, L->v_end, 1UL << 39) +
                        spans(L->v_start, L->v_end, 1UL << 30) +
                        spans(L->v_start, L->v_end, 1UL << 21);
        if (L->nr_pt_pages >= need)
            break;
        if (L->nr_pt_pages > 64)
            return hv_snprintf(err, el, "bootstrap region too large"), -1;
    }
    if ((L->v_end - L->v_start) >> PAGE_SHIFT > nr_pages)
        return hv_snprintf(err, el, "bootstrap region (%lu KiB) exceeds the domain's memory",
                           (L->v_end - L->v_start) >> 10), -1;
    if (L->v_end > HYPERVISOR_VIRT_START && L->v_start < HYPERVISOR_VIRT_END)
        return hv_snprintf(err, el, "bootstrap region overlaps the hypervisor's slots"), -1;
    if (!is_canonical(L->v_start) || !is_canonical(L->v_end - 1))
        return hv_snprintf(err, el, "bootstrap region is not canonical"), -1;
    if (img->has_hypercall_page &&
        (img->hypercall_page < L->v_start || img->hypercall_page >= L->v_end))
        return hv_snprintf(err, el, "HYPERCALL_PAGE %lx lies outside the bootstrap region",
                           img->hypercall_page), -1;
    return 0;
}

struct cpu_regs *dom0_build(const struct boot_module *mod)
{
    static struct dom0_layout L;
    struct elf_image img;
    char err[160];
    const char *cmdline = mod->string;

    while (*cmdline && *cmdline != ' ')   /* drop the module's path */
        cmdline++;
    while (*cmdline == ' ')
        cmdline++;
    if (elf_parse(&img, (const uint8_t *)mfn_to_virt(0) + mod->start, mod->end - mod->start, err, sizeof(err)))
        panic("dom0 builder: guest image refused: %s", err);
    nr_pages = DOM0_PAGES;
    v_start = img.virt_base;
    if (compute_layout(&L, &img, err, sizeof(err)))
        panic("dom0 builder: %s", err);

    struct domain *d = mmglue_create_dom0(nr_pages);
    struct vcpu *v = &d->vcpu[0];
    v->plat = &dom0_hv_vcpu;
    current = v;
    dom0 = d;
    if (mmglue_alloc_guest_frames(d, nr_pages, build_mfns))
        panic("dom0 builder: cannot allocate %lu frames", nr_pages);
    /* Scrub the bootstrap region, or everything with scrub=all (see the header comment). */
    uint64_t scrub = hv_option("scrub=all") ? nr_pages : (L.v_end - L.v_start) >> PAGE_SHIFT;
    for (uint64_t pfn = 0; pfn < nr_pages; pfn++) {
        if (pfn < scrub)
            clear_frame(mfn_to_virt(pfn_to_mfn(pfn)));
        mmglue_set_m2p(pfn_to_mfn(pfn), pfn);
    }

    elf_for_each_segment(&img, load_segment, NULL);
    if (img.has_hypercall_page)
        write_hypercall_page(img.hypercall_page);
    /* The p2m list, a page of 512 entries at a time (vphysmap_start is page-aligned). */
    for (uint64_t first = 0; first < nr_pages; first += 512) {
        uint64_t *p2m = (uint64_t *)region_ptr(L.vphysmap_start + first * 8);
        for (uint64_t pfn = first; pfn < first + 512 && pfn < nr_pages; pfn++)
            p2m[pfn - first] = pfn_to_mfn(pfn);
    }

    /* shared_info: a hypervisor page shared writable, every event masked (§6). */
    struct shared_info *si = mfn_to_virt(hv_shared_info_mfn);
    memset(si, 0, PAGE_SIZE);
    for (unsigned int i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
        si->vcpu_info[i].evtchn_upcall_mask = 1;
    dom0_hv_vcpu.vcpu_info = &si->vcpu_info[0];
    mmglue_share_xen_page(d, hv_shared_info_mfn);
    memset(mfn_to_virt(hv_grant_mfn), 0, PAGE_SIZE);
    mmglue_share_xen_page(d, hv_grant_mfn);

    struct start_info si_page;
    memset(&si_page, 0, sizeof(si_page));
    memcpy(si_page.magic, "xen-3.0-x86_64", 15);
    si_page.nr_pages = nr_pages;
    si_page.shared_info = hv_shared_info_mfn << PAGE_SHIFT;
    si_page.flags = SIF_PRIVILEGED | SIF_INITDOMAIN;
    si_page.pt_base = L.vpt_start;
    si_page.nr_pt_frames = L.nr_pt_pages;
    si_page.mfn_list = L.vphysmap_start;
    for (size_t i = 0; cmdline[i] && i + 1 < MAX_GUEST_CMDLINE; i++)
        si_page.cmd_line[i] = cmdline[i];
    region_write(L.vstartinfo_start, &si_page, sizeof(si_page));

    build_page_tables(&L);
    uint64_t l4_mfn = pfn_to_mfn((L.vpt_start - v_start) >> PAGE_SHIFT);
    int rc = mmglue_pin_bootstrap_l4(v, l4_mfn);
    if (rc)
        panic("dom0 builder: the bootstrap L4 failed validation (%d)", rc);

    printk("pvmm: dom0 \"%s\": kernel %lx-%lx entry %lx, %lu pages, pt %lx (%lu frames), "
           "start_info %lx, stack %lx, v_end %lx\n", img.guest_os, L.vkern_start, L.vkern_end,
           img.entry, nr_pages, L.vpt_start, L.nr_pt_pages, L.vstartinfo_start, L.vstack_end,
           L.v_end);
    if (*cmdline)
        printk("pvmm: dom0 command line \"%s\"\n", cmdline);

    extern struct cpu_regs guest_regs;
    struct cpu_regs *r = &guest_regs;
    memset(r, 0, sizeof(*r));
    r->rip = img.entry;
    r->rsp = L.vstack_end;
    r->rsi = L.vstartinfo_start;
    r->rflags = X86_EFLAGS_IF | X86_EFLAGS_MBS;
    r->cs = FLAT_KERNEL_CS;
    r->ss = FLAT_KERNEL_SS;
    return r;
}
