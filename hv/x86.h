/*
 * hv/x86.h - thin wrappers around x86-64 instructions the hypervisor uses.
 *
 * Each helper is one instruction (or a fixed short sequence) with the
 * register and memory constraints spelled out; nothing here has policy.
 */
#ifndef HV_X86_H
#define HV_X86_H

#include <stdint.h>
#include <stdbool.h>

/* Model-specific registers. */
#define MSR_EFER            0xC0000080
#define MSR_STAR            0xC0000081
#define MSR_LSTAR           0xC0000082
#define MSR_CSTAR           0xC0000083
#define MSR_SFMASK          0xC0000084
#define MSR_FS_BASE         0xC0000100
#define MSR_GS_BASE         0xC0000101
#define MSR_SHADOW_GS_BASE  0xC0000102
#define MSR_TSC_AUX         0xC0000103
#define MSR_APIC_BASE       0x0000001B
#define MSR_TSC             0x00000010
#define MSR_PAT             0x00000277
#define MSR_MISC_ENABLE     0x000001A0
#define MSR_SYSENTER_CS     0x00000174

#define EFER_SCE   (1UL << 0)
#define EFER_LME   (1UL << 8)
#define EFER_LMA   (1UL << 10)
#define EFER_NXE   (1UL << 11)
#define EFER_SVME  (1UL << 12)

#define CR0_PE  (1UL << 0)
#define CR0_MP  (1UL << 1)
#define CR0_EM  (1UL << 2)
#define CR0_TS  (1UL << 3)
#define CR0_ET  (1UL << 4)
#define CR0_NE  (1UL << 5)
#define CR0_WP  (1UL << 16)
#define CR0_AM  (1UL << 18)
#define CR0_PG  (1UL << 31)

#define CR4_DE          (1UL << 3)
#define CR4_PSE         (1UL << 4)
#define CR4_PAE         (1UL << 5)
#define CR4_MCE         (1UL << 6)
#define CR4_PGE         (1UL << 7)
#define CR4_OSFXSR      (1UL << 9)
#define CR4_OSXMMEXCPT  (1UL << 10)
#define CR4_UMIP        (1UL << 11)
#define CR4_FSGSBASE    (1UL << 16)
#define CR4_OSXSAVE     (1UL << 18)
#define CR4_SMEP        (1UL << 20)
#define CR4_SMAP        (1UL << 21)

/* rflags bits. */
#define X86_EFLAGS_CF    0x00000001UL
#define X86_EFLAGS_MBS   0x00000002UL   /* always one */
#define X86_EFLAGS_TF    0x00000100UL
#define X86_EFLAGS_IF    0x00000200UL
#define X86_EFLAGS_DF    0x00000400UL
#define X86_EFLAGS_IOPL  0x00003000UL
#define X86_EFLAGS_NT    0x00004000UL
#define X86_EFLAGS_RF    0x00010000UL
#define X86_EFLAGS_VM    0x00020000UL
#define X86_EFLAGS_AC    0x00040000UL
#define X86_EFLAGS_ID    0x00200000UL
#define X86_EFLAGS_ARITH 0x000008D5UL   /* CF PF AF ZF SF OF */
#define X86_EFLAGS_ALL   0x003F7FD7UL   /* every flag a guest may hold */

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
    __asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)));
}

static inline void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b,
                               uint32_t *c, uint32_t *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

/* The CPU's physical-address width (CPUID 0x80000008), 36 when it does not say. */
static inline unsigned int cpu_paddr_bits(void)
{
    uint32_t a, b, c, d;

    cpuid_count(0x80000000, 0, &a, &b, &c, &d);
    if (a < 0x80000008)
        return 36;
    cpuid_count(0x80000008, 0, &a, &b, &c, &d);
    return a & 0xff;
}

/* Family, model and stepping from CPUID leaf 1 EAX, the extended fields added as the CPU
 * vendors (and Xen) define them. */
static inline void cpu_signature(uint32_t eax, uint32_t *family, uint32_t *model,
                                 uint32_t *stepping)
{
    *family = (eax >> 8) & 0xf;
    *model = (eax >> 4) & 0xf;
    *stepping = eax & 0xf;
    if (*family == 0xf)
        *family += (eax >> 20) & 0xff;
    if (*family >= 6)
        *model += ((eax >> 16) & 0xf) << 4;
}

/* The CPU has the machine-check architecture (CPUID leaf 1 EDX MCE and MCA). */
static inline bool cpu_has_mce(void)
{
    uint32_t a, b, c, d;

    cpuid_count(1, 0, &a, &b, &c, &d);
    return (d & (1u << 7)) && (d & (1u << 14));
}

/* read_cr0() ... read_cr4(): the control register's value. */
#define DEFINE_READ_CR(n)                                                                     \
    static inline uint64_t read_cr##n(void)                                                   \
    {                                                                                         \
        uint64_t v;                                                                           \
        __asm__ volatile("mov %%cr" #n ",%0" : "=r"(v));                                      \
        return v;                                                                             \
    }
DEFINE_READ_CR(0)
DEFINE_READ_CR(2)
DEFINE_READ_CR(3)
DEFINE_READ_CR(4)
static inline void write_cr0(uint64_t v) { __asm__ volatile("mov %0,%%cr0" :: "r"(v) : "memory"); }
static inline void write_cr3(uint64_t v) { __asm__ volatile("mov %0,%%cr3" :: "r"(v) : "memory"); }
static inline void write_cr4(uint64_t v) { __asm__ volatile("mov %0,%%cr4" :: "r"(v) : "memory"); }

static inline void invlpg(uint64_t va)
{
    __asm__ volatile("invlpg (%0)" :: "r"(va) : "memory");
}

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0,%1" :: "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1,%0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0,%1" :: "a"(v), "Nd"(port));
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

__attribute__((noreturn)) static inline void halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* True if va is canonical for 48-bit linear addresses. */
static inline bool is_canonical(uint64_t va)
{
    return (uint64_t)(((int64_t)va << 16) >> 16) == va;
}

#endif /* HV_X86_H */
