/*
 * hv/apic.c - the local APIC (xAPIC, through the direct map) and its timer; the legacy PIC
 * remapped out of the exception vectors and masked.
 *
 * The timer is one-shot: apic_set_deadline(tsc) arms it for an absolute TSC value.  With
 * TSC-deadline mode (CPUID.1:ECX[24]) that is one MSR write; otherwise the local timer runs
 * in one-shot mode with divide 1 at the rate time.c measured against the PIT, and the count
 * is the TSC delta converted to APIC ticks (a deadline beyond 2^32 ticks is armed at the
 * maximum and re-armed by the timer softirq when it fires early).  Vectors: the timer is
 * TIMER_VECTOR, the spurious-interrupt vector is SPURIOUS_VECTOR (no EOI for it).
 *
 * Every CPU has its own local APIC at the same address.  The boot CPU calibrates the timer
 * once; the others (apic_init_ap) use the same rate, which QEMU gives every CPU.  IPIs go
 * through the ICR (physical destination mode, fixed delivery, edge): the high half then the
 * low half, with interrupts off so that no IPI sent by an interrupt handler can come in
 * between, after the previous one has left (delivery status clear).
 */
#include "events.h"

#define APIC_BASE_PA    0xfee00000UL
#define APIC_ID         0x020
#define APIC_TPR        0x080
#define APIC_EOI        0x0b0
#define APIC_SVR        0x0f0
#define APIC_ICR_LO     0x300
#define APIC_ICR_HI     0x310
#define APIC_LVT_TIMER  0x320
#define APIC_LVT_LINT0  0x350
#define APIC_LVT_LINT1  0x360
#define APIC_LVT_ERROR  0x370
#define APIC_TMICT      0x380
#define APIC_TMCCT      0x390
#define APIC_TDCR       0x3e0

#define LVT_MASKED          (1u << 16)
#define ICR_BUSY            (1u << 12)      /* delivery status: send pending */
#define ICR_INIT            (5u << 8)
#define ICR_STARTUP         (6u << 8)
#define ICR_LEVEL_ASSERT    (1u << 14)
#define DM_NMI              (4u << 8)       /* delivery mode NMI (ICR and LVT entries) */
#define LVT_TIMER_DEADLINE  (2u << 17)
#define MSR_TSC_DEADLINE    0x6e0

static bool has_tsc_deadline;
static uint64_t apic_khz;          /* local timer ticks per millisecond at divide 1 */

static volatile uint32_t *apic_reg(unsigned int off)
{
    return (volatile uint32_t *)((uint8_t *)mfn_to_virt(APIC_BASE_PA >> PAGE_SHIFT) + off);
}

static uint32_t apic_read(unsigned int off)
{
    return *apic_reg(off);
}

static void apic_write(unsigned int off, uint32_t v)
{
    *apic_reg(off) = v;
}

void apic_eoi(void)
{
    apic_write(APIC_EOI, 0);
}

/* Remap both 8259s to vectors 0x20-0x2f (so a spurious IRQ 7 is not #NM) and mask them. */
static void pic_disable(void)
{
    static const uint8_t init[2][4] = { { 0x11, 0x20, 0x04, 0x01 }, { 0x11, 0x28, 0x02, 0x01 } };
    for (int i = 0; i < 2; i++) {
        uint16_t cmd = i ? 0xa0 : 0x20;
        for (int j = 0; j < 4; j++)
            outb((uint16_t)(j ? cmd + 1 : cmd), init[i][j]);
        outb((uint16_t)(cmd + 1), 0xff);
    }
}

/* Start the local timer counting down from the maximum, masked (time.c's calibration). */
void apic_calibrate_start(void)
{
    apic_write(APIC_TDCR, 0xb);                         /* divide by 1 */
    apic_write(APIC_LVT_TIMER, LVT_MASKED | TIMER_VECTOR);
    apic_write(APIC_TMICT, 0xffffffffu);
}

/* The calibration count (counting down). */
uint32_t apic_timer_count(void)
{
    return apic_read(APIC_TMCCT);
}

/* The timer in its working mode (TSC-deadline or one-shot), unmasked and disarmed. */
static void apic_timer_mode(void)
{
    apic_write(APIC_TMICT, 0);
    apic_write(APIC_LVT_TIMER, has_tsc_deadline ? LVT_TIMER_DEADLINE | TIMER_VECTOR
                                                : TIMER_VECTOR);
}

/* Stop the calibration count and put the timer in its working mode, unmasked. */
void apic_calibrate_stop(void)
{
    apic_timer_mode();
}

void apic_set_timer_khz(uint64_t khz)
{
    apic_khz = khz;
}

/* This CPU's local APIC on: spurious vector, LINT0/1 and the error interrupt masked. */
static void apic_enable(void)
{
    if (!(rdmsr(MSR_APIC_BASE) & (1UL << 11)))
        wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1UL << 11));
    apic_write(APIC_SVR, 0x100 | SPURIOUS_VECTOR);
    apic_write(APIC_TPR, 0);
    apic_write(APIC_LVT_LINT0, LVT_MASKED);
    apic_write(APIC_LVT_LINT1, LVT_MASKED);
    apic_write(APIC_LVT_ERROR, LVT_MASKED | SPURIOUS_VECTOR);
}

uint32_t apic_id(void)
{
    return apic_read(APIC_ID) >> 24;
}

/* Enable the boot CPU's local APIC: spurious vector, LINT0/1 and error masked.  The timer is
 * set up by the calibration (time_init). */
void apic_init(void)
{
    uint32_t a, b, c, d;
    cpuid_count(1, 0, &a, &b, &c, &d);
    has_tsc_deadline = c & (1u << 24);
    pic_disable();
    apic_enable();
    printk("pvmm-hv: local APIC %u, timer %s\n", apic_read(APIC_ID) >> 24,
           has_tsc_deadline ? "TSC-deadline" : "one-shot");
}

/* Another CPU's local APIC: enabled as the boot CPU's, its timer in the calibrated mode. */
void apic_init_ap(void)
{
    apic_enable();
    apic_timer_mode();
}

/* Wait until the ICR has sent the previous IPI (QEMU delivers at once; hardware may not). */
static void icr_wait(void)
{
    while (apic_read(APIC_ICR_LO) & ICR_BUSY)
        __builtin_ia32_pause();
}

static void icr_send(uint32_t dest, uint32_t lo)
{
    unsigned long flags = local_irq_save();

    icr_wait();
    apic_write(APIC_ICR_HI, dest << 24);
    apic_write(APIC_ICR_LO, lo);
    local_irq_restore(flags);
}

/* A fixed-delivery IPI with this vector to the CPU with this local APIC ID. */
void apic_send_ipi(uint32_t dest, unsigned int vector)
{
    icr_send(dest, vector & 0xff);
}

/* Busy-wait us microseconds on the TSC (tsc_khz is known after time_init). */
static void udelay(uint64_t us)
{
    uint64_t end = rdtsc() + us * tsc_khz / 1000;

    while (rdtsc() < end)
        __builtin_ia32_pause();
}

/*
 * Start the CPU with local APIC ID dest at physical address sipi_vector << 12 in real mode:
 * INIT, 10 ms, STARTUP, 200 us, STARTUP (a CPU already started ignores the second).
 * Returns 0; whether it came up is for the caller to see.
 */
int apic_start_cpu(uint32_t dest, unsigned int sipi_vector)
{
    icr_send(dest, ICR_INIT | ICR_LEVEL_ASSERT);
    icr_wait();
    udelay(10000);
    for (int i = 0; i < 2; i++) {
        icr_send(dest, ICR_STARTUP | (sipi_vector & 0xff));
        icr_wait();
        udelay(200);
    }
    return 0;
}

/* Arm the timer for TSC value `deadline` (0: disarm).  A past deadline fires at once. */
void apic_set_deadline(uint64_t deadline)
{
    uint64_t now, delta, ticks;

    if (has_tsc_deadline) {
        wrmsr(MSR_TSC_DEADLINE, deadline);
        return;
    }
    if (!deadline) {
        apic_write(APIC_TMICT, 0);
        return;
    }
    now = rdtsc();
    delta = deadline > now ? deadline - now : 0;
    ticks = delta >> 40 ? 0xffffffffu : delta * apic_khz / tsc_khz;
    if (ticks == 0)
        ticks = 1;
    if (ticks > 0xffffffffu)
        ticks = 0xffffffffu;
    apic_write(APIC_TMICT, (uint32_t)ticks);
}

/* Send this CPU an NMI through the ICR (physical destination: its own APIC ID). */
void apic_self_nmi(void)
{
    apic_write(APIC_ICR_HI, apic_read(APIC_ID));
    apic_write(APIC_ICR_LO, DM_NMI);
}

/*
 * Let the local timer deliver an NMI after `ticks` (one-shot).  The timer's vector is gone
 * until apic_calibrate_stop() runs again: this is for the NMI self-test only, which ends
 * the run.
 */
void apic_nmi_after(uint32_t ticks)
{
    apic_write(APIC_LVT_TIMER, DM_NMI);
    apic_write(APIC_TMICT, ticks);
}
