/*
 * hv/desc.c - the descriptor tables: Xen's reserved GDT page, the IDT and the TSS.
 *
 * The GDT is Xen's 15-page layout (boot-ABI §4.1): pages 0-13 belong to the guest (set_gdt)
 * and map a read-only zero page until it registers some, page 14 is this reserved page, the
 * GDTR limit is always 0xEFFF.  The window lives in the per-domain slot 260, so it is mapped
 * in every guest L4.  The reserved selectors are the ones SYSCALL/SYSRET force:
 * STAR = 0xe023:0xe008, so SYSCALL loads 0xe008/0xe010 and SYSRET 0xe033/0xe02b.
 *
 * Every IDT gate is a DPL-0 interrupt gate, except #BP, #OF and 0x80 (DPL 3), so a guest's
 * `int $n` raises #GP((n<<3)|2) and reaches emulate_soft_int() (boot-ABI §9.5).  NMI, #DF and
 * #MC run on their own IST stacks.
 *
 * Each CPU has its own reserved GDT page (its TSS descriptor is marked busy by `ltr`, its LDT
 * descriptor is the vCPU's it runs) and its own TSS, whose stacks are the ones of its stack
 * block (smp.h); the IDT is shared.  Each vCPU of each domain has its own GDT/LDT window in
 * slot 260 (Xen's GDT_VIRT_START(v); desc_window in hv.h); the CPU that runs it maps its
 * reserved page as page 14 of the window and loads the window (desc_load_vcpu_gdt).  Until it runs a vCPU, a CPU loads a GDT base of
 * its page minus 14 pages: only the reserved selectors, all in that page, are ever used.
 */
#include "hv.h"
#include <xen/xen.h>

struct tss64 {
    uint32_t rsv0;
    uint64_t rsp[3];
    uint64_t rsv1;
    uint64_t ist[7];
    uint64_t rsv2;
    uint16_t rsv3;
    uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "TSS is 104 bytes");

struct idt_gate {
    uint16_t off_lo, sel;
    uint8_t ist, type;
    uint16_t off_mid;
    uint32_t off_hi, rsv;
};
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate is 16 bytes");

static uint64_t gdt_pages[HV_MAX_CPUS][512] __attribute__((aligned(4096)));
static struct idt_gate idt[256] __attribute__((aligned(4096)));
static struct tss64 tss[HV_MAX_CPUS] __attribute__((aligned(128)));

extern char idt_stubs[];

/* This CPU's reserved GDT page (set_system_desc and desc_set_ldt write it). */
static uint64_t *this_gdt_page(void)
{
    return gdt_pages[this_cpu()->cpu_id];
}

#define GDT_IDX(sel)  (((sel) >> 3) - FIRST_RESERVED_GDT_ENTRY)

/* A 16-byte system descriptor (TSS or LDT) for base/limit with the given type. */
static void set_system_desc(unsigned int idx, uint64_t base, uint32_t limit, unsigned int type)
{
    uint64_t *gdt_page = this_gdt_page();

    gdt_page[idx] = (limit & 0xffffUL) | ((base & 0xffffffUL) << 16) |
                    ((uint64_t)(0x80 | type) << 40) | ((uint64_t)((limit >> 16) & 0xf) << 48) |
                    (((base >> 24) & 0xffUL) << 56);
    gdt_page[idx + 1] = base >> 32;
}

static void set_gate(unsigned int vec, unsigned int dpl, unsigned int ist)
{
    uint64_t off = (uint64_t)(idt_stubs + 16 * vec);
    idt[vec] = (struct idt_gate){
        .off_lo = (uint16_t)off, .sel = HV_CS, .ist = (uint8_t)ist,
        .type = (uint8_t)(0x8E | (dpl << 5)),
        .off_mid = (uint16_t)(off >> 16), .off_hi = (uint32_t)(off >> 32),
    };
}

/*
 * Build and load this CPU's GDT page and TSS and the shared IDT (built by CPU 0); reload
 * every segment register and TR.  this_cpu() must already be set up.
 */
void desc_init(void)
{
    unsigned int cpu = this_cpu()->cpu_id;
    uint64_t *gdt_page = gdt_pages[cpu], top = this_cpu()->stack_top, base;
    struct tss64 *t = &tss[cpu];
    struct { uint16_t limit; uint64_t base; } __attribute__((packed))
        idtr = { sizeof(idt) - 1, (uint64_t)idt };

    base = top - STACK_SIZE;
    gdt_page[GDT_IDX(0xe008)] = 0x00af9b000000ffffUL;   /* ring-0 64-bit code */
    gdt_page[GDT_IDX(0xe010)] = 0x00cf93000000ffffUL;   /* ring-0 data */
    gdt_page[GDT_IDX(0xe023)] = 0x00cffb000000ffffUL;   /* ring-3 32-bit code */
    gdt_page[GDT_IDX(0xe02b)] = 0x00cff3000000ffffUL;   /* ring-3 data/stack */
    gdt_page[GDT_IDX(0xe033)] = 0x00affb000000ffffUL;   /* ring-3 64-bit code */
    gdt_page[GDT_IDX(0xe060)] = cpu;                    /* per-CPU marker: the CPU number */
    t->rsp[0] = top - STACK_INFO_SIZE;
    t->ist[0] = base + 1 * IST_STACK_SIZE;              /* IST1: NMI */
    t->ist[1] = base + 2 * IST_STACK_SIZE;              /* IST2: #DF */
    t->ist[2] = base + 3 * IST_STACK_SIZE;              /* IST3: #MC */
    t->iomap_base = sizeof(*t);                         /* no I/O bitmap: every port traps */
    set_system_desc(GDT_IDX(HV_TSS_SEL), (uint64_t)t, sizeof(*t) - 1, 0x9);
    if (cpu == 0)
        for (unsigned int v = 0; v < 256; v++)
            set_gate(v, (v == 3 || v == 4 || v == 0x80) ? 3 : 0,
                     v == 2 ? 1 : v == 8 ? 2 : v == 18 ? 3 : 0);

    desc_load_cpu_gdt();
    __asm__ volatile("lidt %0" :: "m"(idtr));
    __asm__ volatile(
        "pushq %[cs]\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "movl %[ds], %%eax\n\t"
        "movl %%eax, %%ss\n\t"
        "xorl %%eax, %%eax\n\t"
        "movl %%eax, %%ds\n\t"
        "movl %%eax, %%es\n\t"
        "movl %%eax, %%fs\n\t"
        "movl %%eax, %%gs\n\t"
        "lldt %%ax\n\t"
        :: [cs] "i"(HV_CS), [ds] "i"(HV_DS) : "rax", "memory");
    __asm__ volatile("ltr %w0" :: "r"(HV_TSS_SEL));
}

/*
 * Point GDTR at this CPU's reserved page alone (its base minus 14 pages), as before it first
 * ran a vCPU: for a CPU that gives up the vCPU it held, whose window another CPU may load
 * next.  Only the reserved selectors, all in that page, are used until a vCPU is loaded.
 */
void desc_load_cpu_gdt(void)
{
    struct { uint16_t limit; uint64_t base; } __attribute__((packed))
        gdtr = { 0xEFFF, (uint64_t)this_gdt_page() - FIRST_RESERVED_GDT_PAGE * PAGE_SIZE };

    __asm__ volatile("lgdt %0" :: "m"(gdtr));
}

/*
 * Make this CPU run descriptor window `window` (desc_window of the vCPU it runs): its page 14
 * is this CPU's reserved page, and GDTR its base (the limit is always 0xEFFF).  The segment
 * registers keep their hidden parts; TR stays this CPU's.
 */
void desc_load_vcpu_gdt(unsigned int window)
{
    struct { uint16_t limit; uint64_t base; } __attribute__((packed))
        gdtr = { 0xEFFF, GDT_VIRT_START(window) };

    mm_set_gdt_frame(window, FIRST_RESERVED_GDT_PAGE,
                     virt_to_maddr(this_gdt_page()) >> PAGE_SHIFT, true);
    __asm__ volatile("lgdt %0" :: "m"(gdtr));
}

/* Point the LDT descriptor (0xe050) at base/entries, or clear it (entries 0); reload LDTR. */
void desc_set_ldt(uint64_t base, unsigned int entries)
{
    uint64_t *gdt_page = this_gdt_page();

    if (!entries) {
        gdt_page[GDT_IDX(HV_LDT_SEL)] = gdt_page[GDT_IDX(HV_LDT_SEL) + 1] = 0;
        __asm__ volatile("lldt %w0" :: "r"(0));
        return;
    }
    set_system_desc(GDT_IDX(HV_LDT_SEL), base, entries * 8 - 1, 0x2);
    __asm__ volatile("lldt %w0" :: "r"(HV_LDT_SEL));
}
