/*
 * ops-cpu.c: the fuzzing guest's privileged instructions and faults.
 *
 * Each instruction runs under two exception-table entries (at the instruction and after
 * it), so a fault (rip at the instruction) and a trap (#BP, #OF from int3/into/int $n: rip
 * after it) both come back here. Only the vector and error code are printed, never values
 * that belong to the machine (CR0, MSRs, CPUID), and for an address in the hypervisor's half
 * only the vector (its layout there is each hypervisor's own).
 */
#include "fuzz.h"

/* Run insn with both extable entries; true if it faulted or trapped (fault in *f). */
#define PROBE2(insn, ...)                                                   \
    ({                                                                      \
        unsigned long before_ = fault_count;                                \
        asm volatile ("1: " insn "\n2: nop\n3:\n"                           \
                      ASM_EXTABLE(1b, 3b) ASM_EXTABLE(2b, 3b)               \
                      __VA_ARGS__ : "memory");                              \
        fault_count != before_ ? (*f = last_fault, true) : false;           \
    })

/* int $n for every n: a table of 256 stubs, each `int $n; nop; ret` under the extable. */
#define INT_STUB(n) "1: .byte 0xcd, " #n "\n2: nop\n3: ret\n" \
                    ASM_EXTABLE(1b, 3b) ASM_EXTABLE(2b, 3b) ".balign 8\n"
#define INT_STUB4(n) INT_STUB(n + 0) INT_STUB(n + 1) INT_STUB(n + 2) INT_STUB(n + 3)
#define INT_STUB16(n) INT_STUB4(n + 0) INT_STUB4(n + 4) INT_STUB4(n + 8) INT_STUB4(n + 12)
asm (".pushsection .text\n.balign 8\n.globl int_stubs\nint_stubs:\n"
     INT_STUB16(0) INT_STUB16(16) INT_STUB16(32) INT_STUB16(48)
     INT_STUB16(64) INT_STUB16(80) INT_STUB16(96) INT_STUB16(112)
     INT_STUB16(128) INT_STUB16(144) INT_STUB16(160) INT_STUB16(176)
     INT_STUB16(192) INT_STUB16(208) INT_STUB16(224) INT_STUB16(240)
     ".popsection\n");
extern char int_stubs[];

static void fl_fault(bool faulted, const struct fault *f, bool vector_only)
{
    if (!faulted)
        fl(" -> ok");
    else if (vector_only)
        fl(" -> #%u", f->vector);
    else
        fl(" -> #%u ec=%x", f->vector, f->error_code);
}

static void do_int(unsigned int n)
{
    /* Each stub is int (2 bytes), nop, ret, padded to 8 bytes. */
    void (*stub)(void) = (void (*)(void))(void *)(int_stubs + 8 * n);
    unsigned long before = fault_count;

    stub();
    fl("int %u", n);
    fl_fault(fault_count != before, &last_fault, false);
}

void op_cpu(void)
{
    static const uint32_t msrs[] = { 0xc0000080, 0x1b, 0x277, 0xc0000100, 0xc0000101,
                                     0xc0000102, 0x3a, 0x8b, 0xc0010000, 0x40000000, 0x1d9 };
    static const uint16_t ports[] = { 0x80, 0x3f8, 0x1234, 0xcf8, 0xf4, 0x60 };
    static const uint64_t addrs[] = { 0xffff800000000000UL, 0xffff82d040000000UL,
                                      0xffff830000000000UL, 0x0000800000000000UL,
                                      0xffffffffffffe000UL, 0 };
    struct fault fault, *f = &fault;
    uint64_t v = 0, v2;
    uint32_t lo = 0, hi = 0, msr = msrs[rnd_below(ARRAY_SIZE(msrs))];
    unsigned int what = rnd_below(16);
    bool faulted;

    if (chance(20))
        msr = (uint32_t)rnd();
    switch (what) {
    case 0:
        fl("rdcr0");
        fl_fault(PROBE2("mov %%cr0, %[v]", : [v] "+r" (v) :), f, false);
        break;
    case 1:
        fl("rdcr4");
        fl_fault(PROBE2("mov %%cr4, %[v]", : [v] "+r" (v) :), f, false);
        break;
    case 2:
        fl("rdcr3");
        faulted = PROBE2("mov %%cr3, %[v]", : [v] "+r" (v) :);
        fl_fault(faulted, f, false);
        if (!faulted) {
            fl(" ");
            fl_mfn(v >> PAGE_SHIFT);
        }
        break;
    case 3:
        fl("wrcr0 same");
        faulted = PROBE2("mov %%cr0, %[v]", : [v] "+r" (v) :);
        if (!faulted)
            faulted = PROBE2("mov %[v], %%cr0", : : [v] "r" (v));
        fl_fault(faulted, f, false);
        break;
    case 4:
        fl("rdmsr %x", msr);
        fl_fault(PROBE2("rdmsr", : "+a" (lo), "+d" (hi) : "c" (msr)), f, false);
        break;
    case 5:
        v = chance(50) ? 0 : rnd() & 0x00007ffffffff000UL;
        fl("wrmsr %x %lx", msr, (unsigned long)v);
        fl_fault(PROBE2("wrmsr", : : "c" (msr), "a" ((uint32_t)v), "d" ((uint32_t)(v >> 32))),
                 f, false);
        break;
    case 6:
        fl("cli-sti");
        faulted = PROBE2("cli", : :);
        fl_fault(faulted, f, false);
        fl_fault(PROBE2("sti", : :), f, false);
        break;
    case 7: {
        uint16_t port = ports[rnd_below(ARRAY_SIZE(ports))];

        fl("in %x", port);
        fl_fault(PROBE2("inb %w[p], %%al", : "+a" (lo) : [p] "d" (port)), f, false);
        break;
    }
    case 8:
        do_int(rnd_below(256));
        break;
    case 9:
        fl("ud2");
        fl_fault(PROBE2("ud2", : :), f, false);
        break;
    case 10:
        v2 = addrs[rnd_below(ARRAY_SIZE(addrs))];
        fl("read %lx", (unsigned long)v2);
        faulted = PROBE2("movq (%[p]), %[v]", : [v] "+r" (v) : [p] "r" (v2));
        fl_fault(faulted, f, v2 >= 0xffff800000000000UL && v2 < 0xffff880000000000UL);
        break;
    case 11:
        v2 = chance(50) ? MACH2PHYS_VIRT_START : (uint64_t)start_info->pt_base + 8 * 300;
        fl("write %lx", (unsigned long)v2);
        faulted = PROBE2("movq %[v], (%[p])", : : [v] "r" (v), [p] "r" (v2));
        fl_fault(faulted, f, false);
        break;
    case 12: {
        uint32_t r[4];
        static const uint32_t leaves[] = { 0, 1, 7, 0xd, 0x40000000, 0x40000001, 0x80000001 };

        pv_cpuid(leaves[rnd_below(ARRAY_SIZE(leaves))], 0, r);
        fl("cpuid -> ok");
        break;
    }
    case 13: {
        static const char *const names[] = { "hlt", "lgdt", "ltr", "invd", "rdpmc", "swapgs",
                                             "clts", "rdtsc" };
        unsigned int k = rnd_below(ARRAY_SIZE(names));

        fl("%s", names[k]);
        switch (k) {
        case 0: faulted = PROBE2("hlt", : :); break;
        case 1: faulted = PROBE2("lgdt (%[p])", : : [p] "r" (scratch)); break;
        case 2: faulted = PROBE2("ltr %w[s]", : : [s] "r" (0xe008)); break;
        case 3: faulted = PROBE2("invd", : :); break;
        case 4: faulted = PROBE2("rdpmc", : "+a" (lo), "+d" (hi) : "c" (0)); break;
        case 5: faulted = PROBE2("swapgs", : :); break;
        case 6: faulted = PROBE2("clts", : :); break;
        default: faulted = PROBE2("rdtsc", : "+a" (lo), "+d" (hi) :); break;
        }
        fl_fault(faulted, f, false);
        break;
    }
    case 14:
        v = chance(50) ? 0 : (uint64_t)(uintptr_t)scratch;
        fl("movdr%u %lx", 0U, (unsigned long)v);
        fl_fault(PROBE2("mov %[v], %%db0", : : [v] "r" (v)), f, false);
        break;
    default:
        fl("rddr6");
        fl_fault(PROBE2("mov %%db6, %[v]", : [v] "+r" (v) :), f, false);
        break;
    }
}
