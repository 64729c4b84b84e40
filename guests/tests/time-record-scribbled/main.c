/*
 * time-record-scribbled: a guest that wrote over its own vcpu_time_info gets a good record
 * back within a few seconds, with no timer armed and no hypercall made.
 *
 * The story. The PV time record lives in the guest's vcpu_info, memory the guest may write.
 * A reader spins while the record's version is odd, so a kernel that scribbled over it (a
 * stray write, or the in-guest fuzzer writing random bytes into its shared_info page) would
 * spin for ever if the hypervisor only refreshed the record when the vCPU is scheduled or its
 * timer fires. Xen refreshes the running vCPU's record once a second (time calibration); the
 * fuzzing guest found pvmm-hv refreshing it only on those two occasions (a seed that stopped
 * its timer after the scribble hung).
 *
 * The guest checks:
 *   1. it stops both its timers (VCPUOP_stop_periodic_timer, stop_singleshot_timer: 0);
 *   2. it writes an odd version and garbage time, scale and timestamp over vCPU 0's record;
 *   3. busy-waiting on the TSC alone (no hypercall, nothing armed), the record comes back
 *      within 5 s: version even, none of the garbage left, a scale giving the TSC frequency
 *      it gave before within 1% (Xen recalibrates the multiplier a little each second), and
 *      a system time not behind the last good reading.
 */
#include <xen/vcpu.h>

#include "guest.h"

const char test_title[] = "a scribbled vcpu_time_info is refreshed without a timer";

#define GARBAGE_TSC  0xc80090db502e234aUL
#define GARBAGE_TIME 0x492bc6242d26c1ffUL
#define GARBAGE_MUL  0x29U
#define GARBAGE_SHIFT 7

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;

    asm volatile ("rdtsc" : "=a" (lo), "=d" (hi));
    return ((uint64_t)hi << 32) | lo;
}

int test_main(void)
{
    volatile struct vcpu_time_info *t;
    uint64_t khz, khz_now, before, tsc0, waited_ms;
    int rc = events_init();

    if (rc)
        return xtf_error("events_init: %d", rc);
    t = &vcpu0_info()->time;
    khz = pvclock_tsc_khz();
    if (khz < 100000 || khz > 20000000)
        return xtf_error("implausible TSC frequency %lu kHz", (unsigned long)khz);

    /* 1. */
    XTF_EXPECT_RC(hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0,
                  "VCPUOP_stop_periodic_timer");
    XTF_EXPECT_RC(hypercall_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0,
                  "VCPUOP_stop_singleshot_timer");
    if (xtf_status())
        return xtf_status();

    /* 2. */
    before = pvclock_ns();
    t->version |= 1;
    t->tsc_timestamp = GARBAGE_TSC;
    t->system_time = GARBAGE_TIME;
    t->tsc_to_system_mul = GARBAGE_MUL;
    t->tsc_shift = GARBAGE_SHIFT;
    asm volatile ("" ::: "memory");

    /* 3. A refresh may land in the middle of the scribble (an even version, some fields
     *    garbage still): the wait is for a record with no garbage left at all. */
    tsc0 = rdtsc();
    for (;;) {
        waited_ms = (rdtsc() - tsc0) / khz;
        if (!(t->version & 1) && t->tsc_to_system_mul != GARBAGE_MUL &&
            t->tsc_timestamp != GARBAGE_TSC && t->system_time != GARBAGE_TIME &&
            t->tsc_shift != GARBAGE_SHIFT)
            break;
        if (waited_ms > 5000)
            return xtf_failure("the record is still scribbled after %lu ms: version %u "
                               "mul %#x shift %d", (unsigned long)waited_ms, t->version,
                               t->tsc_to_system_mul, t->tsc_shift);
        asm volatile ("pause");
    }
    printk("record refreshed after %lu ms (version %u)\n", (unsigned long)waited_ms,
           t->version);
    khz_now = pvclock_tsc_khz();
    if (khz_now * 100 < khz * 99 || khz_now * 100 > khz * 101)
        return xtf_failure("the refreshed scale gives %lu kHz, %lu kHz before",
                           (unsigned long)khz_now, (unsigned long)khz);
    if (pvclock_ns() < before)
        return xtf_failure("system time %lu ns is behind the last good reading %lu ns",
                           (unsigned long)pvclock_ns(), (unsigned long)before);
    return xtf_success();
}
