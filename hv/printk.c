/*
 * hv/printk.c - formatted output for the hypervisor: printk, panic and the register dump.
 *
 * Formatting is the core's pvmm_vsnprintf (core/format.c, declared in pvmm/pvmm.h): one
 * formatter in the image.  A line is written whole under the console lock, so lines from
 * several CPUs do not mix (the guest's console writes take it too, shutdown.c).  The lock is
 * taken again by the CPU that holds it (an NMI or a panic in the middle of a line), and a
 * CPU waiting for it answers cross-CPU calls (ipi.c).
 */
#include "events.h"

static pvmm_spinlock_t console_spin = PVMM_SPINLOCK_INIT;
static volatile int console_owner = -1;

/* Take the console lock; returns the state for console_unlock(). */
unsigned long console_lock(void)
{
    unsigned long flags = local_irq_save();
    int me = (int)this_cpu()->cpu_id;

    if (console_owner == me)
        return flags | (1UL << 63);          /* nested on this CPU: already ours */
    while (!spin_trylock(&console_spin)) {
        smp_call_poll();
        cpu_relax();
    }
    console_owner = me;
    return flags;
}

void console_unlock(unsigned long state)
{
    if (!(state & (1UL << 63))) {
        console_owner = -1;
        spin_unlock(&console_spin);
    }
    local_irq_restore(state & ~(1UL << 63));
}

/*
 * Print to the serial console ("\n" becomes "\r\n" like the guests' output) and, as it is,
 * to the hypervisor's own debug port.
 */
static void vprintk(const char *fmt, va_list ap)
{
    char buf[512];
    size_t n = pvmm_vsnprintf(buf, sizeof(buf), fmt, ap);
    unsigned long lock;

    if (n >= sizeof(buf))
        n = sizeof(buf) - 1;
    lock = console_lock();
    debugcon_write(HV_LINES_PORT, buf, n);
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == '\n')
            serial_putc('\r');
        serial_putc(buf[i]);
    }
    console_unlock(lock);
}

void printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}

/* Report a hypervisor bug and end the run with the FAIL code. */
void panic(const char *fmt, ...)
{
    va_list ap;
    printk("pvmm: PANIC: ");
    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
    printk("\n");
    hv_exit(HV_EXIT_FAIL);
}

/* Print every saved register of an entry frame. */
void dump_regs(const struct cpu_regs *r)
{
    printk("pvmm:   rip %016lx  cs %04lx  rflags %08lx  rsp %016lx  ss %04lx\n",
           r->rip, r->cs, r->rflags, r->rsp, r->ss);
    printk("pvmm:   vec %lu err %lx  cr2 %016lx  cr3 %016lx\n",
           r->entry_vector, r->error_code, read_cr2(), read_cr3());
    printk("pvmm:   rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", r->rax, r->rbx, r->rcx, r->rdx);
    printk("pvmm:   rsi %016lx rdi %016lx rbp %016lx r8  %016lx\n", r->rsi, r->rdi, r->rbp, r->r8);
    printk("pvmm:   r9  %016lx r10 %016lx r11 %016lx r12 %016lx\n", r->r9, r->r10, r->r11, r->r12);
    printk("pvmm:   r13 %016lx r14 %016lx r15 %016lx\n", r->r13, r->r14, r->r15);
}
