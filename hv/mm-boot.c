/*
 * hv/mm-boot.c - physical memory at boot and the hypervisor's own page tables.
 *
 * Physical memory comes from the multiboot memory map.  Frames are handed out by a bump
 * allocator that starts after the hypervisor image, the multiboot structures and the last
 * module (QEMU puts modules after bss_end), so nothing the loader left for us is reused.
 * When the memory-management core starts (mmglue_init), every frame below alloc_next stays
 * the hypervisor's and every RAM frame above it is given to the core; the modules' frames
 * are neither until dom0 is built: then they become free RAM (mm_release_module), as Xen
 * discards the initial images, so that low memory is free for the requests that need it.
 *
 * mm_boot_init() also turns the boot page tables into the final "idle" tables: it removes
 * the identity map, gives the image its own L2 (executable only where the image is), makes
 * the direct map non-executable, and builds the per-domain area (slot 260, the GDT/LDT
 * window) and the template of slots 256..271 that every guest L4 receives.
 */
#include "hv.h"
#include "boot.h"
#include <xen/xen.h>

extern const uint64_t boot_l4_pa, boot_l3_hv_pa, boot_l2_pa, phys_image_start, phys_image_end;

intpte_t *idle_l4;
intpte_t xen_l4_slots[16];
uint64_t max_ram_pfn;
struct boot_module boot_module;
struct boot_module boot_initrd;
char hv_cmdline[256];

#define MAX_RANGES 16
static struct { uint64_t start, end; } ram[MAX_RANGES];   /* RAM ranges, page-aligned */
static unsigned int nr_ram;
static struct hv_e820 machine_e820[HV_E820_MAX];   /* the multiboot map as given */
static unsigned int nr_machine_e820;
static uint64_t alloc_next;    /* next free physical address */
static uint64_t alloc_start;   /* where the boot allocator began: the loader's data is below */
static unsigned int alloc_range;
static bool alloc_closed;      /* the core owns free memory now */
static intpte_t *perdomain_l1;
static uint64_t gdt_zero_mfn;

static void *phys_to_virt(uint64_t pa)
{
    return (void *)(DIRECTMAP_VIRT_START + pa);
}

/* Copy a NUL-terminated string from physical memory into dst (truncating). */
static void copy_phys_string(char *dst, size_t len, uint32_t pa)
{
    const char *s = pa ? phys_to_virt(pa) : "";
    size_t i = 0;
    for (; s[i] && i + 1 < len; i++)
        dst[i] = s[i];
    dst[i] = '\0';
}

/*
 * Keep one entry of the firmware's map, every type, sorted by address and merged with an
 * adjacent entry of the same type (firmware need not sort it: qboot does not; Xen sanitises
 * its copy the same way).
 */
static void record_machine_e820(uint64_t base, uint64_t len, uint32_t type)
{
    unsigned int i = nr_machine_e820;

    if (i == HV_E820_MAX)
        return;
    while (i > 0 && machine_e820[i - 1].addr > base) {
        machine_e820[i] = machine_e820[i - 1];
        i--;
    }
    machine_e820[i] = (struct hv_e820){ base, len, type };
    nr_machine_e820++;
    for (i = 1; i < nr_machine_e820; i++) {
        struct hv_e820 *prev = &machine_e820[i - 1];
        if (prev->type == machine_e820[i].type && prev->addr + prev->size == machine_e820[i].addr) {
            prev->size += machine_e820[i].size;
            memmove(&machine_e820[i], &machine_e820[i + 1],
                    (nr_machine_e820 - i - 1) * sizeof(machine_e820[0]));
            nr_machine_e820--;
            i--;
        }
    }
}

/* Record the E820-style map (type 1 only) and the modules; find the allocator start. */
static void parse_multiboot(uint32_t mbi_pa)
{
    const uint32_t *mbi = phys_to_virt(mbi_pa);
    uint32_t flags = mbi[0];
    uint64_t first_free = phys_image_end;
    const uint8_t *p, *end;

    if (flags & (1u << 2)) {
        const char *cl = phys_to_virt(mbi[4]);
        while (*cl && *cl != ' ')       /* the first word is the kernel's path */
            cl++;
        while (*cl == ' ')
            cl++;
        copy_phys_string(hv_cmdline, sizeof(hv_cmdline),
                         (uint32_t)(mbi[4] + (cl - (const char *)phys_to_virt(mbi[4]))));
    }
    if ((flags & (1u << 3)) && mbi[5] > 0) {
        const uint32_t *mod = phys_to_virt(mbi[6]);
        boot_module.start = mod[0];
        boot_module.end = mod[1];
        copy_phys_string(boot_module.string, sizeof(boot_module.string), mod[2]);
        for (uint32_t i = 0; i < mbi[5]; i++)
            if (mod[4 * i + 1] > first_free)
                first_free = mod[4 * i + 1];
        if (mbi[5] > 1) {
            boot_initrd.start = mod[4];
            boot_initrd.end = mod[5];
            copy_phys_string(boot_initrd.string, sizeof(boot_initrd.string), mod[6]);
        }
        if (mbi[5] > 2)
            printk("pvmm: %u modules given; only the first two (guest, initrd) are used\n",
                   mbi[5]);
    }
    if (!(flags & (1u << 6)))
        panic("no multiboot memory map");
    p = phys_to_virt(mbi[12]);
    end = p + mbi[11];
    while (p < end && nr_ram < MAX_RANGES) {
        uint32_t size = *(const uint32_t *)p;
        uint64_t base = *(const uint64_t *)(p + 4), len = *(const uint64_t *)(p + 12);
        uint32_t type = *(const uint32_t *)(p + 20);
        if (len)
            record_machine_e820(base, len, type);
        if (type == 1) {
            uint64_t s = (base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
            uint64_t e = (base + len) & ~(PAGE_SIZE - 1);
            if (e > DIRECTMAP_SIZE)
                e = DIRECTMAP_SIZE;
            if (s < e) {
                ram[nr_ram].start = s;
                ram[nr_ram].end = e;
                nr_ram++;
                if (e >> PAGE_SHIFT > max_ram_pfn)
                    max_ram_pfn = e >> PAGE_SHIFT;
            }
        }
        p += size + 4;
    }
    alloc_next = (first_free + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    for (alloc_range = 0; alloc_range < nr_ram; alloc_range++)
        if (ram[alloc_range].end > alloc_next)
            break;
    if (alloc_range == nr_ram)
        panic("no RAM above the image and modules");
    if (alloc_next < ram[alloc_range].start)
        alloc_next = ram[alloc_range].start;
    alloc_start = alloc_next;
}

/*
 * The frames of module m that lie in the loader's area (above the image): [*s, *e), from its
 * first whole page to the end of its last page (the loader page-aligns each module).
 */
static void module_frames(const struct boot_module *m, uint64_t *s, uint64_t *e)
{
    uint64_t lo = m->start > phys_image_end ? m->start : phys_image_end;
    uint64_t hi = m->end < alloc_start ? m->end : alloc_start;

    *s = (lo + PAGE_SIZE - 1) >> PAGE_SHIFT;
    *e = (hi + PAGE_SIZE - 1) >> PAGE_SHIFT;
    if (m->start >= m->end || *e < *s)
        *e = *s;
}

bool mm_module_whole(const struct boot_module *m, uint64_t *first_mfn)
{
    uint64_t s, e;

    module_frames(m, &s, &e);
    *first_mfn = s;
    return m->start < m->end && !(m->start & (PAGE_SIZE - 1)) && s == m->start >> PAGE_SHIFT &&
           e == (m->end + PAGE_SIZE - 1) >> PAGE_SHIFT;
}

/* True if frame mfn belongs to the guest module or the initrd (not the hypervisor's). */
static bool in_module(uint64_t mfn)
{
    uint64_t s, e;

    module_frames(&boot_module, &s, &e);
    if (mfn >= s && mfn < e)
        return true;
    module_frames(&boot_initrd, &s, &e);
    return mfn >= s && mfn < e;
}

void mm_release_module(const struct boot_module *m, void (*add)(uint64_t first, uint64_t nr))
{
    uint64_t s, e;

    module_frames(m, &s, &e);
    for (unsigned int i = 0; i < nr_ram && s < e; i++) {
        uint64_t rs = ram[i].start >> PAGE_SHIFT, re = ram[i].end >> PAGE_SHIFT;
        uint64_t a = s > rs ? s : rs, b = e < re ? e : re;

        if (a < b)
            add(a, b - a);
    }
}

/* Allocate nr physically contiguous zeroed frames; returns their direct-map address. */
void *alloc_boot_pages(unsigned int nr, uint64_t *first_mfn)
{
    uint64_t pa;
    void *va;
    if (alloc_closed)
        panic("boot allocator used after the core took over memory");
    while (alloc_range < nr_ram && alloc_next + (uint64_t)nr * PAGE_SIZE > ram[alloc_range].end) {
        alloc_range++;
        if (alloc_range < nr_ram)
            alloc_next = ram[alloc_range].start;
    }
    if (alloc_range >= nr_ram)
        panic("out of memory allocating %u frames", nr);
    pa = alloc_next;
    alloc_next += (uint64_t)nr * PAGE_SIZE;
    va = phys_to_virt(pa);
    memset(va, 0, (size_t)nr * PAGE_SIZE);
    if (first_mfn)
        *first_mfn = pa >> PAGE_SHIFT;
    return va;
}

uint64_t alloc_boot_frame(void)
{
    uint64_t mfn;
    alloc_boot_pages(1, &mfn);
    return mfn;
}

/*
 * Close the boot allocator and report the free RAM above it: calls add(first, nr) for each
 * free range and reserve(mfn) for every RAM frame the hypervisor keeps.
 */
void mm_handover(void (*add)(uint64_t first, uint64_t nr), void (*reserve)(uint64_t mfn))
{
    alloc_closed = true;
    for (unsigned int i = 0; i < nr_ram; i++) {
        uint64_t s = ram[i].start >> PAGE_SHIFT, e = ram[i].end >> PAGE_SHIFT;
        uint64_t split = alloc_next >> PAGE_SHIFT;
        if (i < alloc_range)
            split = e;
        else if (i > alloc_range)
            split = s;
        for (uint64_t m = s; m < split && m < e; m++)
            if (!in_module(m))
                reserve(m);
        if (split < e)
            add(split > s ? split : s, e - (split > s ? split : s));
    }
}

extern char _hv_start[], _etext[], _hv_end[];

/*
 * Give the image its own L2, with 4 KiB pages over the image: text read-only and
 * executable, everything else read-write and non-executable.  The direct map becomes NX.
 */
static void split_image_mapping(void)
{
    uint64_t l2_mfn;
    intpte_t *l2 = alloc_boot_pages(1, &l2_mfn);
    intpte_t nx = cpu_has_nx ? _PAGE_NX : 0;
    uint64_t text_s = (uint64_t)_hv_start - HV_VIRT_START;
    uint64_t text_e = (uint64_t)_etext - HV_VIRT_START;
    intpte_t *l3_hv, *l2_dm;
    for (uint64_t i = 0; i < 512; i++) {
        uint64_t pa = i << 21;
        bool image = pa + (1UL << 21) > phys_image_start && pa < phys_image_end;
        uint64_t l1_mfn;
        intpte_t *l1;
        if (!image) {
            l2[i] = pa | PTE_HV_RW | _PAGE_PSE | nx;
            continue;
        }
        l1 = alloc_boot_pages(1, &l1_mfn);
        for (uint64_t j = 0; j < 512; j++) {
            uint64_t p = pa + (j << PAGE_SHIFT);
            l1[j] = p | ((p >= text_s && p < text_e) ? PTE_HV_RO : PTE_HV_RW | nx);
        }
        l2[i] = (l1_mfn << PAGE_SHIFT) | PTE_HV_RW;
    }
    l3_hv = phys_to_virt(boot_l3_hv_pa);
    l3_hv[321] = (l2_mfn << PAGE_SHIFT) | PTE_HV_RW;
    l2_dm = phys_to_virt(boot_l2_pa);
    for (unsigned int i = 0; i < 4 * 512; i++)
        l2_dm[i] |= nx | _PAGE_ACCESSED | _PAGE_DIRTY;
}

/* Build slot 260: L3 -> L2 -> DESC_WINDOW_L1S L1s holding the 32-page window of every
 * (domain, vCPU) (desc_window): entries 0..15 of one are the GDT (14 guest pages, the
 * reserved page, one unused) and 16..31 the LDT. */
static uint64_t build_perdomain(void)
{
    uint64_t l3_mfn, l2_mfn, l1_mfn;
    intpte_t *l3 = alloc_boot_pages(1, &l3_mfn);
    intpte_t *l2 = alloc_boot_pages(1, &l2_mfn);
    perdomain_l1 = alloc_boot_pages(DESC_WINDOW_L1S, &l1_mfn);
    l3[0] = (l2_mfn << PAGE_SHIFT) | PTE_HV_RW;
    for (unsigned int i = 0; i < DESC_WINDOW_L1S; i++)
        l2[i] = ((l1_mfn + i) << PAGE_SHIFT) | PTE_HV_RW;
    gdt_zero_mfn = alloc_boot_frame();
    for (unsigned int w = 0; w < NR_DESC_WINDOWS; w++)
        mm_reset_desc_window(w);
    return l3_mfn;
}

/*
 * Map page idx of descriptor window `window` in the per-domain area to mfn: 0..15 are the
 * GDT (INVALID_MFN maps the read-only zero page), 16..31 the LDT (INVALID_MFN leaves it not
 * present, so the next access faults and is mapped lazily).  Only the CPU running the
 * window's vCPU uses it, so the flush is local (another CPU that ran it since loaded another
 * CR3, which dropped every translation: CR4.PGE is off).
 */
static intpte_t gdt_frame_pte(unsigned int idx, uint64_t mfn, bool writable)
{
    intpte_t nx = cpu_has_nx ? _PAGE_NX : 0;

    if (mfn == INVALID_MFN && idx >= 16)
        return 0;
    if (mfn == INVALID_MFN)
        return (gdt_zero_mfn << PAGE_SHIFT) | PTE_HV_RO | nx;
    return (mfn << PAGE_SHIFT) | (writable ? PTE_HV_RW : PTE_HV_RO) | nx;
}

void mm_set_gdt_frame(unsigned int window, unsigned int idx, uint64_t mfn, bool writable)
{
    perdomain_l1[window * VCPU_DESC_PAGES + idx] = gdt_frame_pte(idx, mfn, writable);
    invlpg(GDT_VIRT_START(window) + ((uint64_t)idx << PAGE_SHIFT));
}

/*
 * mm_set_gdt_frame for the CPU running the window's vCPU, which has flushed every earlier
 * write to the window here (or loaded CR3 since): an entry that already maps mfn so is left,
 * with no flush.  Returns true if the entry changed.
 */
bool mm_update_gdt_frame(unsigned int window, unsigned int idx, uint64_t mfn, bool writable)
{
    intpte_t *e = &perdomain_l1[window * VCPU_DESC_PAGES + idx], pte;

    pte = gdt_frame_pte(idx, mfn, writable);
    if (*e == pte)
        return false;
    *e = pte;
    invlpg(GDT_VIRT_START(window) + ((uint64_t)idx << PAGE_SHIFT));
    return true;
}

/*
 * Empty a window for a new vCPU (hv_vcpu_setup): its GDT pages map the zero page, its LDT
 * pages nothing (the new vCPU's hv_vcpu says no LDT page is mapped).  No CPU runs the
 * window's vCPU; one that ran the vCPU the window had before loaded another CR3 since, or
 * rewrites the window when it loads the new vCPU (mmglue_load_descriptor_tables).
 */
void mm_reset_desc_window(unsigned int window)
{
    for (unsigned int i = 0; i < VCPU_DESC_PAGES; i++)
        perdomain_l1[window * VCPU_DESC_PAGES + i] = gdt_frame_pte(i, INVALID_MFN, false);
}

/* Map the M2P array read-only and user-readable at slot 256 (4 KiB leaves, NX). */
void mm_map_ro_mpt(uint64_t *m2p, uint64_t nr_frames)
{
    uint64_t npages = (nr_frames * 8 + PAGE_SIZE - 1) >> PAGE_SHIFT;
    uint64_t nl1 = (npages + 511) / 512;
    intpte_t nx = cpu_has_nx ? _PAGE_NX : 0;
    intpte_t upper = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | nx;
    uint64_t l3_mfn, l2_mfn, l1_mfn;
    intpte_t *l3 = alloc_boot_pages(1, &l3_mfn);
    intpte_t *l2 = alloc_boot_pages(1, &l2_mfn);
    intpte_t *l1 = alloc_boot_pages((unsigned int)nl1, &l1_mfn);
    uint64_t m2p_mfn;
    if (nl1 > 512)
        panic("M2P too large for one L2");
    m2p_mfn = virt_to_maddr(m2p) >> PAGE_SHIFT;
    for (uint64_t i = 0; i < npages; i++)
        l1[i] = ((m2p_mfn + i) << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | nx;
    for (uint64_t i = 0; i < nl1; i++)
        l2[i] = ((l1_mfn + i) << PAGE_SHIFT) | upper;
    l3[0] = (l2_mfn << PAGE_SHIFT) | upper;
    xen_l4_slots[0] = (l3_mfn << PAGE_SHIFT) | upper;
    idle_l4[256] = xen_l4_slots[0];
}

void mm_boot_init(uint32_t mbi_pa)
{
    uint64_t perdomain_l3;
    idle_l4 = phys_to_virt(boot_l4_pa);
    parse_multiboot(mbi_pa);
    split_image_mapping();
    idle_l4[0] = 0;                          /* no more identity map */
    perdomain_l3 = build_perdomain();
    idle_l4[260] = (perdomain_l3 << PAGE_SHIFT) | PTE_HV_RW;
    for (unsigned int s = 257; s <= 271; s++)
        xen_l4_slots[s - 256] = idle_l4[s];
    xen_l4_slots[258 - 256] = 0;             /* the linear slot is per table (the core's) */
    write_cr3(read_cr3());
    printk("pvmm: RAM up to %lu MiB, boot allocator from %lx\n", max_ram_pfn >> 8, alloc_next);
}

/* The firmware's memory map from multiboot, every type, in its order; *nr entries. */
const struct hv_e820 *mm_machine_e820(unsigned int *nr)
{
    *nr = nr_machine_e820;
    return machine_e820;
}

/* The mfn of the per-domain L3 (slot 260), for the core's struct domain. */
uint64_t mm_perdomain_l3_mfn(void)
{
    return (idle_l4[260] & PTE_ADDR_MASK) >> PAGE_SHIFT;
}
