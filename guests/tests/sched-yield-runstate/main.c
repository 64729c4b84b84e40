/*
 * sched-yield-runstate: two vCPUs sharing one CPU - the time slice preempts a vCPU that never
 * gives the CPU up, SCHEDOP_yield hands it over, and every vCPU's runstate says where its
 * time went (running, runnable, blocked, offline).
 *
 * The story. Steal-time accounting in a PV kernel reads how long each vCPU was runnable but
 * not running; a spinning vCPU must not starve the others of the CPU; and a vCPU that yields
 * lets the others run. With two vCPUs on one CPU (hv-run and xen-run: dom0_max_vcpus=2 on
 * one CPU) the guest checks:
 *   1. vCPU 1 counts in a loop without hypercalls; vCPU 0 computes for 300 ms without
 *      hypercalls either: vCPU 1's count still advances (the scheduler preempted vCPU 0);
 *   2. get_runstate_info: vCPU 0 was runnable (waiting) some of the time and is running;
 *      vCPU 1 was running and runnable, and is runnable now (vCPU 0 has the CPU);
 *   3. SCHEDOP_yield lets vCPU 1 run: its count advances across most of 10 yields;
 *   4. vCPU 1 blocks: its runstate becomes blocked, and stays blocked when it is taken down
 *      (Xen 4.17 changes only a runnable vCPU's runstate to offline at VCPUOP_down); each
 *      vCPU's four times add up to its time since creation: no more than the system time.
 */
#include <xen/sched.h>
#include <xen/vcpu.h>

#include "guest.h"

const char test_title[] = "time slices, SCHEDOP_yield, runstates of two vCPUs";

static volatile unsigned long count;
static volatile int stop;

static void secondary(void *arg)
{
    (void)arg;
    hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 1, NULL);
    while (!stop)
        count++;
    for (;;)
        hypercall_sched_op(SCHEDOP_block, NULL);
}

static long runstate(unsigned int id, struct vcpu_runstate_info *ri)
{
    return hypercall_vcpu_op(VCPUOP_get_runstate_info, id, ri);
}

static uint64_t sum(const struct vcpu_runstate_info *ri)
{
    return ri->time[0] + ri->time[1] + ri->time[2] + ri->time[3];
}

int test_main(void)
{
    struct vcpu_runstate_info r0, r1;
    unsigned long c0, moved = 0;
    uint64_t t0, start;
    long rc;

    if ((rc = events_init()) != 0)
        return xtf_error("events_init: %ld", rc);
    if (hypercall_vcpu_op(VCPUOP_is_up, 1, NULL) == -XEN_ENOENT)
        return xtf_error("dom0 has one vCPU: run with 2 (hv-run-args, xen-run-args)");
    hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
    start = pvclock_ns();
    if ((rc = vcpu_start(1, secondary, NULL)) != 0)
        return xtf_error("starting vCPU 1: %ld", rc);

    /* 1. */
    c0 = count;
    for (t0 = pvclock_ns(); pvclock_ns() < t0 + 300000000ULL;)
        ;
    if (count == c0)
        return xtf_failure("vCPU 1 did not run while vCPU 0 computed for 300 ms");

    /* 2. */
    XTF_EXPECT_RC(runstate(0, &r0), 0, "runstate(0)");
    XTF_EXPECT_RC(runstate(1, &r1), 0, "runstate(1)");
    printk("vCPU 0: running %lu runnable %lu blocked %lu offline %lu ns\n",
           (unsigned long)r0.time[0], (unsigned long)r0.time[1], (unsigned long)r0.time[2],
           (unsigned long)r0.time[3]);
    printk("vCPU 1: running %lu runnable %lu blocked %lu offline %lu ns, state %d\n",
           (unsigned long)r1.time[0], (unsigned long)r1.time[1], (unsigned long)r1.time[2],
           (unsigned long)r1.time[3], r1.state);
    if (r0.state != RUNSTATE_running || r0.time[RUNSTATE_runnable] == 0)
        return xtf_failure("vCPU 0: state %d, %lu ns runnable", r0.state,
                           (unsigned long)r0.time[RUNSTATE_runnable]);
    if (r1.state != RUNSTATE_runnable || r1.time[RUNSTATE_running] == 0 ||
        r1.time[RUNSTATE_runnable] == 0)
        return xtf_failure("vCPU 1: state %d, %lu ns running, %lu ns runnable", r1.state,
                           (unsigned long)r1.time[RUNSTATE_running],
                           (unsigned long)r1.time[RUNSTATE_runnable]);

    /* 3. */
    for (unsigned int i = 0; i < 10; i++) {
        c0 = count;
        hypercall_sched_op(SCHEDOP_yield, NULL);
        moved += count != c0;
    }
    printk("vCPU 1 ran across %lu of 10 yields\n", moved);
    if (moved < 5)
        return xtf_failure("vCPU 1 ran across only %lu of 10 yields", moved);

    /* 4. */
    stop = 1;
    for (t0 = pvclock_ns(); pvclock_ns() < t0 + 2000000000ULL;) {
        hypercall_sched_op(SCHEDOP_yield, NULL);
        XTF_EXPECT_RC(runstate(1, &r1), 0, "runstate(1)");
        if (r1.state == RUNSTATE_blocked)
            break;
    }
    if (r1.state != RUNSTATE_blocked)
        return xtf_failure("vCPU 1 blocked: runstate %d", r1.state);
    XTF_EXPECT_RC(hypercall_vcpu_op(VCPUOP_down, 1, NULL), 0, "VCPUOP_down(1)");
    XTF_EXPECT_RC(runstate(1, &r1), 0, "runstate(1)");
    XTF_EXPECT_RC(runstate(0, &r0), 0, "runstate(0)");
    t0 = pvclock_ns();
    if (r1.state != RUNSTATE_blocked)
        return xtf_failure("vCPU 1 blocked, then down: runstate %d", r1.state);
    if (sum(&r1) > t0 || sum(&r0) > t0 || sum(&r1) < t0 - start)
        return xtf_failure("times add up to %lu (vCPU 0) and %lu ns (vCPU 1) at %lu ns",
                           (unsigned long)sum(&r0), (unsigned long)sum(&r1),
                           (unsigned long)t0);
    return xtf_success();
}
