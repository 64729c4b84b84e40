/*
 * traps.c: the trap table, the exception dispatcher and the exception-table probes.
 */
#include <stddef.h>
#include <xen/callback.h>
#include <xen/xen.h>

#include "console.h"
#include "events.h"
#include "hypercall.h"
#include "traps.h"
#include "xtf.h"

struct extable_entry {
    uint64_t fault;
    uint64_t fixup;
};

extern const struct extable_entry __extable_start[], __extable_end[];
extern char failsafe_entry[];

#define DECLARE_ENTRY(n) extern char exc_entry_##n[]
DECLARE_ENTRY(0); DECLARE_ENTRY(1); DECLARE_ENTRY(2); DECLARE_ENTRY(3); DECLARE_ENTRY(4);
DECLARE_ENTRY(5); DECLARE_ENTRY(6); DECLARE_ENTRY(7); DECLARE_ENTRY(8); DECLARE_ENTRY(9);
DECLARE_ENTRY(10); DECLARE_ENTRY(11); DECLARE_ENTRY(12); DECLARE_ENTRY(13); DECLARE_ENTRY(14);
DECLARE_ENTRY(15); DECLARE_ENTRY(16); DECLARE_ENTRY(17); DECLARE_ENTRY(18); DECLARE_ENTRY(19);
DECLARE_ENTRY(20); DECLARE_ENTRY(21);

/* DPL 0 everywhere (hardware exceptions ignore it), DPL 3 for #BP and #OF like native. */
#define TRAP(n, dpl) { .vector = (n), .flags = (dpl), .cs = FLAT_KERNEL_CS, \
                       .address = (uint64_t)(uintptr_t)exc_entry_##n }

static const struct trap_info trap_table[] = {
    TRAP(0, 0), TRAP(1, 0), TRAP(3, 3), TRAP(4, 3), TRAP(5, 0), TRAP(6, 0),
    TRAP(7, 0), TRAP(8, 0), TRAP(9, 0), TRAP(10, 0), TRAP(11, 0), TRAP(12, 0), TRAP(13, 0),
    TRAP(14, 0), TRAP(15, 0), TRAP(16, 0), TRAP(17, 0), TRAP(18, 0), TRAP(19, 0), TRAP(20, 0),
    TRAP(21, 0),
    { .address = 0 },           /* terminator */
};

/* The runtime's trap table, terminated by address 0 (for secondary vCPUs' contexts). */
const struct trap_info *runtime_trap_table(void)
{
    return trap_table;
}

volatile unsigned long fault_count;
struct fault last_fault;

int traps_init(void)
{
    struct callback_register cb = {
        .type = CALLBACKTYPE_failsafe,
        .flags = CALLBACKF_mask_events,
        .address = (uint64_t)(uintptr_t)failsafe_entry,
    };
    long rc = hypercall_set_trap_table(trap_table);

    if (rc)
        return (int)rc;
    return (int)hypercall_callback_op(CALLBACKOP_register, &cb);
}

uint64_t read_cr2(void)
{
    uint64_t cr2;

    asm volatile ("mov %%cr2, %0" : "=r" (cr2));
    return cr2;
}

const char *exception_name(unsigned int vector)
{
    static const char *const names[] = {
        "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO", "#TS", "#NP",
        "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
    };

    return vector < sizeof(names) / sizeof(names[0]) ? names[vector] : "#??";
}

void print_fault(const char *prefix, const struct fault *f)
{
    printk("%s%s ec=%#x", prefix, exception_name(f->vector), f->error_code);
    if (f->vector == X86_EXC_PF)
        printk(" cr2=%p", (void *)f->cr2);
    printk(" rip=%p cs=%#lx\n", (void *)f->rip, (unsigned long)f->cs);
}

static const struct extable_entry *search_extable(uint64_t rip)
{
    const struct extable_entry *e;

    for (e = __extable_start; e < __extable_end; e++) {
        if (e->fault == rip)
            return e;
    }
    return NULL;
}

static void print_regs(const struct cpu_regs *r)
{
    printk("  rip %p cs %04lx rflags %08lx rsp %p ss %04lx\n", (void *)r->rip,
           (unsigned long)(r->cs & 0xffff), (unsigned long)r->rflags, (void *)r->rsp,
           (unsigned long)(r->ss & 0xffff));
    printk("  rax %p rbx %p rcx %p rdx %p\n", (void *)r->rax, (void *)r->rbx,
           (void *)r->rcx, (void *)r->rdx);
    printk("  rsi %p rdi %p rbp %p r8  %p\n", (void *)r->rsi, (void *)r->rdi,
           (void *)r->rbp, (void *)r->r8);
}

/*
 * Called by handle_exception with the saved registers. Returning resumes at regs->rip through
 * the iret hypercall.
 */
void do_exception(struct cpu_regs *regs);
void do_exception(struct cpu_regs *regs)
{
    const struct extable_entry *e;
    struct fault f = {
        .vector = (unsigned int)regs->vector,
        .error_code = (uint32_t)regs->error_code,
        .cr2 = regs->vector == X86_EXC_PF ? read_cr2() : 0,
        .rip = regs->rip,
        .cs = regs->cs & 0xffff,
    };

    if (regs->vector >= EVENT_VECTOR && regs->vector < EVENT_VECTOR + 4) {
        event_upcall(regs);
        return;
    }
    if ((regs->cs & 3) == 3 && user_mode_exception(regs, &f))
        return;     /* not reached: the runner abandons the user code */

    e = search_extable(regs->rip);
    if (e) {
        last_fault = f;
        fault_count++;
        regs->rip = e->fixup;
        return;
    }

    print_fault("Unhandled exception: ", &f);
    print_regs(regs);
    xtf_failure("unexpected %s at %p", exception_name(f.vector), (void *)f.rip);
    xtf_exit();
}

/* Called by failsafe_entry with a pointer to Xen's failsafe frame. */
void do_failsafe(const uint64_t *frame);
void do_failsafe(const uint64_t *frame)
{
    printk("Failsafe callback: ds %lx es %lx fs %lx gs %lx rip %p\n",
           (unsigned long)frame[2], (unsigned long)frame[3], (unsigned long)frame[4],
           (unsigned long)frame[5], (void *)frame[6]);
    xtf_failure("failsafe callback: Xen could not reload a segment register");
    xtf_exit();
}

/* Common tail of the probes: did an extable fault happen since `before`? */
static bool fault_since(unsigned long before, struct fault *f)
{
    if (fault_count == before)
        return false;
    if (f)
        *f = last_fault;
    return true;
}

bool probe_read8(const volatile void *p, uint8_t *val, struct fault *f)
{
    unsigned long before = fault_count;
    uint8_t v = 0;

    asm volatile ("1: movb (%[p]), %[v]\n"
                  "2:\n"
                  ASM_EXTABLE(1b, 2b)
                  : [v] "+q" (v) : [p] "r" (p) : "memory");
    if (val)
        *val = v;
    return fault_since(before, f);
}

bool probe_read64(const volatile void *p, uint64_t *val, struct fault *f)
{
    unsigned long before = fault_count;
    uint64_t v = 0;

    asm volatile ("1: movq (%[p]), %[v]\n"
                  "2:\n"
                  ASM_EXTABLE(1b, 2b)
                  : [v] "+r" (v) : [p] "r" (p) : "memory");
    if (val)
        *val = v;
    return fault_since(before, f);
}

bool probe_write32(volatile void *p, uint32_t val, struct fault *f)
{
    unsigned long before = fault_count;

    asm volatile ("1: movl %[v], (%[p])\n"
                  "2:\n"
                  ASM_EXTABLE(1b, 2b)
                  : : [v] "r" (val), [p] "r" (p) : "memory");
    return fault_since(before, f);
}

bool probe_write64(volatile void *p, uint64_t val, struct fault *f)
{
    unsigned long before = fault_count;

    asm volatile ("1: movq %[v], (%[p])\n"
                  "2:\n"
                  ASM_EXTABLE(1b, 2b)
                  : : [v] "r" (val), [p] "r" (p) : "memory");
    return fault_since(before, f);
}

bool probe_load_fs(uint16_t sel, struct fault *f)
{
    unsigned long before = fault_count;
    unsigned int null_sel = 0;

    asm volatile ("1: mov %[sel], %%fs\n"
                  "2:\n"
                  ASM_EXTABLE(1b, 2b)
                  "mov %[null], %%fs\n"
                  : : [sel] "r" ((unsigned int)sel), [null] "r" (null_sel) : "memory");
    return fault_since(before, f);
}

bool probe_rdmsr(uint32_t msr, uint64_t *val, struct fault *f)
{
    unsigned long before = fault_count;
    uint32_t lo = 0, hi = 0;

    asm volatile ("1: rdmsr\n2:\n" ASM_EXTABLE(1b, 2b)
                  : "+a" (lo), "+d" (hi) : "c" (msr) : "memory");
    *val = ((uint64_t)hi << 32) | lo;
    return fault_since(before, f);
}

bool probe_wrmsr(uint32_t msr, uint64_t val, struct fault *f)
{
    unsigned long before = fault_count;

    asm volatile ("1: wrmsr\n2:\n" ASM_EXTABLE(1b, 2b)
                  : : "c" (msr), "a" ((uint32_t)val), "d" ((uint32_t)(val >> 32)) : "memory");
    return fault_since(before, f);
}
