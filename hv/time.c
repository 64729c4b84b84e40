/*
 * hv/time.c - system time and the PV time ABI.
 *
 * System time is nanoseconds since boot, a linear function of the TSC: the TSC at boot is
 * tsc_boot and the TSC frequency is tsc_khz.  The frequency comes from CPUID leaf 0x15 (TSC
 * to crystal ratio and crystal frequency) or leaf 0x16 (base frequency) where the CPU reports
 * them (TCG reports neither), and is otherwise measured against a reference clock, which
 * also gives the local APIC timer's rate (apic.c): each end of a window reads the reference,
 * the TSC and the APIC timer together (the tightest of a few tries).  The reference is the
 * HPET's main counter where ACPI lists one (64 bits at a rate it states: a window of 15 ms
 * stays right however long the CPU is held up in it), else PIT channel 2 over three windows
 * of at least 5 ms, taking the lowest.  The PIT's 16 bits wrap every 55 ms, and under TCG on
 * a loaded host the CPU can be held up for longer between two reads, so a window can miss
 * whole wraps (a third of the windows with 20 runnable threads on two cores) and then reads
 * a rate too high by 65536 ticks' worth, never too low: such a window is told by channel 2's
 * output, which went high at the wrap (pit_window).
 *
 * Guests read system time without a hypercall through vcpu_time_info in their vcpu_info:
 * ns = system_time + (((tsc - tsc_timestamp) << tsc_shift) * tsc_to_system_mul) >> 32, with
 * a negative shift meaning a right shift.  A writer makes `version` odd, updates the other
 * fields, then makes it even again; a reader retries while it is odd or changed.  Because
 * system time is one linear function of the TSC here, any (tsc_timestamp, system_time) pair
 * on that line is exact; the pair is refreshed whenever the vCPU is scheduled or its timer
 * fires, so the guest's delta stays small, and, as Xen's time calibration does, once a second
 * for the vCPU running on each CPU: the record lives in guest-writable memory, and a guest
 * that scribbled over it (an odd version makes every reader spin) gets a good one back within
 * a second on pvmm-hv as on Xen.
 *
 * The wallclock in shared_info (wc_sec, wc_nsec, wc_sec_hi, version wc_version) is the time
 * of day at system time 0, read once from the CMOS RTC at boot; the hardware domain may set it
 * (platform_op settime, time_set_wallclock).
 */
#include "events.h"
#include <xen/xen.h>

uint64_t tsc_khz;                 /* TSC ticks per millisecond */
static uint64_t tsc_boot;         /* TSC at system time 0 */
static uint32_t tsc_mul;          /* vcpu_time_info.tsc_to_system_mul */
static int8_t   tsc_shift;        /* vcpu_time_info.tsc_shift */
static uint64_t wallclock_sec;    /* time of day at system time 0 */
static uint32_t wallclock_nsec;

#define PIT_HZ            1193182UL
#define CALIBRATE_TICKS   5966U           /* 5 ms of PIT channel 2 */
#define PIT2_OUT          0x20            /* port 0x61: channel 2's output */

/* TSC frequency from CPUID leaf 0x15 or 0x16, or 0 if the CPU reports neither. */
static uint64_t tsc_khz_from_cpuid(void)
{
    uint32_t max, a, b, c, d;
    cpuid_count(0, 0, &max, &b, &c, &d);
    if (max >= 0x15) {
        cpuid_count(0x15, 0, &a, &b, &c, &d);
        if (a && b && c)
            return (uint64_t)c * b / a / 1000;
    }
    if (max >= 0x16) {
        cpuid_count(0x16, 0, &a, &b, &c, &d);
        if (a & 0xffff)
            return (uint64_t)(a & 0xffff) * 1000;
    }
    return 0;
}

/* PIT channel 2's current count (latched). */
static uint16_t pit2_count(void)
{
    uint8_t lo;

    outb(0x43, 0x80);
    lo = inb(0x42);
    return (uint16_t)(lo | inb(0x42) << 8);
}

struct cal_sample {
    uint64_t ref;                  /* the reference clock: PIT channel 2 or the HPET */
    uint32_t apic;
    uint64_t tsc;
};

/* The reference, APIC and TSC counts read together: the tightest of a few tries, so that a
 * moment where the CPU (under TCG, QEMU's thread) is held up does not skew the result. */
static struct cal_sample cal_sample(uint64_t (*ref)(void))
{
    struct cal_sample best = { 0, 0, 0 };
    uint64_t best_span = ~0UL;
    for (int i = 0; i < 5; i++) {
        uint64_t a = rdtsc();
        uint32_t apic = apic_timer_count();
        uint64_t r = ref();
        uint64_t b = rdtsc();
        if (b - a < best_span) {
            best_span = b - a;
            best = (struct cal_sample){ r, apic, a + (b - a) / 2 };
        }
    }
    return best;
}

static uint64_t pit2_ref(void)
{
    return pit2_count();
}

/*
 * One window: count PIT channel 2 down (mode 0) from 0xffff for at least CALIBRATE_TICKS.
 * Returns the TSC rate in kHz and the APIC timer's in *apic_khz, or 0 if the counter wrapped
 * (the CPU was held up for a whole PIT period, 55 ms: the difference would lie).  A wrap is
 * seen as the count going up between two reads, or - when the CPU was held up across it, so
 * that no read saw it - as channel 2's output (port 0x61 bit 5), which mode 0 raises when the
 * count reaches zero and keeps high: still low after the last read, no wrap happened.
 */
static uint64_t pit_window(uint64_t *apic_khz)
{
    struct cal_sample s1, s2;
    uint64_t pit_ticks, tsc_ticks, khz;
    uint16_t prev;

    outb(0x43, 0xb0);                               /* channel 2, lo/hi byte, mode 0 */
    outb(0x42, 0xff);
    outb(0x42, 0xff);
    apic_calibrate_start();
    s1 = cal_sample(pit2_ref);
    prev = (uint16_t)s1.ref;
    do {
        s2 = cal_sample(pit2_ref);
        if (s2.ref > prev)
            return 0;
        prev = (uint16_t)s2.ref;
    } while ((uint16_t)(s1.ref - s2.ref) < CALIBRATE_TICKS);
    if (inb(0x61) & PIT2_OUT)
        return 0;
    pit_ticks = (uint16_t)(s1.ref - s2.ref);
    tsc_ticks = s2.tsc - s1.tsc;
    khz = tsc_ticks * PIT_HZ / pit_ticks / 1000;
    *apic_khz = tsc_ticks ? (uint64_t)(s1.apic - s2.apic) * khz / tsc_ticks : 0;
    return khz;
}

/* The lowest of PIT_WINDOWS good windows, or of those found in 30 tries (should a wrap still
 * go unseen, it only ever makes a window read high). */
#define PIT_WINDOWS 3

static uint64_t pit_calibrate(uint64_t *apic_khz)
{
    uint64_t khz[PIT_WINDOWS], apic[PIT_WINDOWS], best = 0;
    uint8_t gate = inb(0x61);
    unsigned int n = 0;

    outb(0x61, (uint8_t)((gate & ~0x02) | 0x01));   /* gate on, speaker off */
    for (unsigned int tries = 0; n < PIT_WINDOWS && tries < 30; tries++) {
        khz[n] = pit_window(&apic[n]);
        if (khz[n])
            n++;
    }
    apic_calibrate_stop();
    outb(0x61, gate);
    if (n == 0)
        panic("time: cannot calibrate the TSC against the PIT");
    for (unsigned int i = 1; i < n; i++)
        if (khz[i] < khz[best])
            best = i;
    *apic_khz = apic[best];
    return khz[best];
}

/* ---- the HPET ---- */

#define HPET_CAP            0x000      /* bits 63:32 the counter period in fs; bit 13 64-bit */
#define HPET_CONF           0x010      /* bit 0: the main counter runs */
#define HPET_COUNTER        0x0f0
#define HPET_CAP_64BIT      (1UL << 13)
#define HPET_MAX_PERIOD_FS  100000000UL    /* the specification's slowest: 10 MHz */
#define HPET_WINDOW_NS      15000000UL

static volatile uint64_t *hpet;

static uint64_t hpet_ref(void)
{
    return hpet[HPET_COUNTER / 8];
}

/*
 * The TSC rate in kHz measured against the HPET's main counter over a window of at least
 * HPET_WINDOW_NS, and the APIC timer's in *apic_khz; 0 if ACPI lists no usable HPET.  The
 * counter runs during the window and is left as it was found.  A window where the APIC timer
 * ran out (held up for seconds) is measured again.
 */
static uint64_t hpet_calibrate(uint64_t *apic_khz)
{
    struct cal_sample s1, s2;
    uint64_t addr, cap, conf, period_fs, mask, ticks, ns = 0, khz = 0;
    unsigned int page_protect;

    if (!acpi_hpet(&addr, &page_protect) || (addr & 7) || addr >= (1UL << 32))
        return 0;
    hpet = (volatile uint64_t *)(DIRECTMAP_VIRT_START + addr);
    cap = hpet[HPET_CAP / 8];
    period_fs = cap >> 32;
    if (!period_fs || period_fs > HPET_MAX_PERIOD_FS)
        return 0;
    mask = cap & HPET_CAP_64BIT ? ~0UL : 0xffffffffUL;
    ticks = HPET_WINDOW_NS * 1000000UL / period_fs;
    conf = hpet[HPET_CONF / 8];
    hpet[HPET_CONF / 8] = conf | 1;
    for (int tries = 0; tries < 3 && !khz; tries++) {
        apic_calibrate_start();
        s1 = cal_sample(hpet_ref);
        do
            s2 = cal_sample(hpet_ref);
        while (((s2.ref - s1.ref) & mask) < ticks);
        ns = ((s2.ref - s1.ref) & mask) * period_fs / 1000000UL;
        if (s2.apic != 0)
            khz = (s2.tsc - s1.tsc) * 1000000UL / ns;
    }
    apic_calibrate_stop();
    hpet[HPET_CONF / 8] = conf;
    if (khz)
        *apic_khz = (uint64_t)(s1.apic - s2.apic) * 1000000UL / ns;
    return khz;
}

/* Choose tsc_shift and tsc_to_system_mul so that mul is in [2^31, 2^32) (Xen's precision). */
static void compute_scale(uint64_t hz)
{
    uint64_t f = hz;
    int s = 0;
    while (f > 2000000000UL) {
        f >>= 1;
        s--;
    }
    while (f <= 1000000000UL) {
        f <<= 1;
        s++;
    }
    tsc_shift = (int8_t)s;
    if (s >= 0)
        tsc_mul = (uint32_t)((1000000000UL << 32) / (hz << s));
    else
        tsc_mul = (uint32_t)((1000000000UL << (32 + -s)) / hz);
}

/* Nanoseconds for a TSC delta, with the guests' formula. */
static uint64_t scale_delta(uint64_t delta)
{
    if (tsc_shift >= 0)
        delta <<= tsc_shift;
    else
        delta >>= -tsc_shift;
    return (uint64_t)(((unsigned __int128)delta * tsc_mul) >> 32);
}

uint64_t get_s_time(void)
{
    return scale_delta(rdtsc() - tsc_boot);
}

/* The TSC value at system time ns, saturating (a guest may ask for a timer at ~0). */
uint64_t s_time_to_tsc(uint64_t ns)
{
    if (ns / 1000000U >= (~0UL - tsc_boot) / tsc_khz - 1)
        return ~0UL;
    return tsc_boot + ns / 1000000U * tsc_khz + ns % 1000000U * tsc_khz / 1000000U;
}

/* ---- the CMOS real-time clock ---- */

static uint8_t cmos_read(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static unsigned int bcd(uint8_t v, bool binary)
{
    return binary ? v : (v & 0x0f) + (v >> 4) * 10;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; m 1..12). */
static uint64_t days_since_epoch(unsigned int y, unsigned int m, unsigned int d)
{
    if (m <= 2) {
        y--;
        m += 12;
    }
    /* Days from 0000-03-01 (March-based years), less the same sum for 1970-01-01. */
    return 365UL * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + d - 719469;
}

/* Seconds since the epoch from the RTC (read until two reads agree). */
static uint64_t rtc_read_seconds(void)
{
    static const uint8_t regs[7] = { 0, 2, 4, 7, 8, 9, 0x32 };
    uint8_t r[7], again[7], status_b;
    unsigned int hour, century, year;
    bool binary;
    for (int tries = 0; tries < 100; tries++) {
        while (cmos_read(0x0a) & 0x80)
            ;
        for (int i = 0; i < 7; i++)
            r[i] = cmos_read(regs[i]);
        for (int i = 0; i < 7; i++)
            again[i] = cmos_read(regs[i]);
        if (!memcmp(r, again, sizeof(r)))
            break;
    }
    status_b = cmos_read(0x0b);
    binary = status_b & 0x04;
    hour = bcd(r[2] & 0x7f, binary);
    if (!(status_b & 0x02) && (r[2] & 0x80))
        hour = hour % 12 + 12;             /* 12-hour mode, PM */
    century = bcd(r[6], binary);
    year = bcd(r[5], binary) + (century >= 19 && century <= 30 ? century * 100 : 2000);
    return days_since_epoch(year, bcd(r[4], binary), bcd(r[3], binary)) * 86400 +
           hour * 3600 + bcd(r[1], binary) * 60 + bcd(r[0], binary);
}

/* ---- initialisation and the guest-visible records ---- */

void time_init(void)
{
    uint64_t apic_khz = 0, ref_khz = hpet_calibrate(&apic_khz), khz = tsc_khz_from_cpuid();
    const char *ref = khz ? "CPUID" : ref_khz ? "HPET" : "PIT";
    uint64_t secs, wall_ns;

    if (!ref_khz)
        ref_khz = pit_calibrate(&apic_khz);
    tsc_khz = khz ? khz : ref_khz;
    if (!tsc_khz || !apic_khz)
        panic("time: the TSC or the APIC timer does not advance");
    apic_set_timer_khz(apic_khz);
    compute_scale(tsc_khz * 1000);
    tsc_boot = rdtsc();
    secs = rtc_read_seconds();
    wall_ns = secs * 1000000000UL - get_s_time();
    wallclock_sec = wall_ns / 1000000000UL;
    wallclock_nsec = (uint32_t)(wall_ns % 1000000000UL);
    printk("pvmm-hv: TSC %lu kHz (%s), APIC timer %lu kHz, pvclock mul %u shift %d, "
           "wallclock %lu\n", tsc_khz, ref,
           apic_khz, tsc_mul, tsc_shift, wallclock_sec);
}

/* Write the boot wallclock into shared_info with the version protocol. */
void time_init_wallclock(struct shared_info *si)
{
    si->wc_version++;
    __asm__ volatile("" ::: "memory");
    si->wc_sec = (uint32_t)wallclock_sec;
    si->wc_sec_hi = (uint32_t)(wallclock_sec >> 32);
    si->wc_nsec = wallclock_nsec;
    __asm__ volatile("" ::: "memory");
    si->wc_version++;
}

/*
 * Xen's do_settime: secs.nsecs was the time of day at system time system_time, so the time of
 * day at system time 0 is their difference, in wrapping 64-bit nanoseconds as on Xen (a
 * system_time in the future gives a huge wallclock, not an error).  Every domain sees it.
 */
void time_set_wallclock(uint64_t secs, uint32_t nsecs, uint64_t system_time)
{
    uint64_t x = secs * 1000000000UL + nsecs - system_time;

    wallclock_sec = x / 1000000000UL;
    wallclock_nsec = (uint32_t)(x % 1000000000UL);
    time_init_wallclock(mfn_to_virt(hv_shared_info_mfn));
}

/* Refresh v's vcpu_time_info to the current (TSC, system time) pair. */
/*
 * Copy v's time record to the area it registered (VCPUOP_register_vcpu_time_memory_area),
 * with the version protocol: the copy's version odd while it is written.  A guest VA: only
 * while v's kernel page tables are loaded (system time is one linear function of the TSC, so
 * a record written earlier stays right until the next copy).  A fault is ignored, as Xen.
 */
void update_time_area(struct vcpu *v)
{
    struct vcpu_time_info t = hvv(v)->vcpu_info->time;
    uint64_t area = hvv(v)->time_area;
    uint32_t odd = t.version | 1;

    if (copy_to_guest_va(area, &odd, sizeof(odd)))
        return;
    __asm__ volatile("" ::: "memory");
    t.version = odd;
    copy_to_guest_va(area, &t, sizeof(t));
    __asm__ volatile("" ::: "memory");
    t.version = odd + 1;
    copy_to_guest_va(area, &t.version, sizeof(t.version));
}

void update_vcpu_system_time(struct vcpu *v)
{
    struct vcpu_info *vi = hvv(v)->vcpu_info;
    struct vcpu_time_info *t = &vi->time;
    uint64_t tsc = rdtsc();

    t->version = (t->version + 1) | 1;
    __asm__ volatile("" ::: "memory");
    t->tsc_timestamp = tsc;
    t->system_time = scale_delta(tsc - tsc_boot);
    t->tsc_to_system_mul = tsc_mul;
    t->tsc_shift = tsc_shift;
    t->flags = 0;
    __asm__ volatile("" ::: "memory");
    t->version++;
    if (hvv(v)->time_area && v == current && v->kernel_mode)
        update_time_area(v);
}

#define TIME_CALIBRATION_PERIOD MILLISECS(1000)     /* Xen's calibration epoch */

/* Once a second on each CPU: refresh the time record of the vCPU running there. */
static void time_calibration_fn(void *data)
{
    struct percpu *pc = data;
    struct vcpu *v = pc->curr;

    if (v && !is_idle_vcpu(v) && v->online)
        update_vcpu_system_time(v);
    set_timer(&pc->calibration_timer, NOW() + TIME_CALIBRATION_PERIOD);
}

/* Start CPU cpu's calibration timer (once, when the CPU comes up). */
void time_init_cpu(unsigned int cpu)
{
    struct percpu *pc = &percpu_area[cpu];

    init_timer(&pc->calibration_timer, time_calibration_fn, pc, cpu);
    set_timer(&pc->calibration_timer, NOW() + TIME_CALIBRATION_PERIOD);
}
