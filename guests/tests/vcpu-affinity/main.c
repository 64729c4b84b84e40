/*
 * vcpu-affinity: dom0 moves its vCPU 1 between CPUs with hard affinity, and pins itself.
 *
 * With two CPUs (hv-run --smp 2, xen-run --smp 2) dom0's vCPU 1 runs a loop that counts
 * and makes a hypercall each round.  dom0's vCPU 0, asserting on Xen 4.17 and pvmm-hv:
 *   - XEN_DOMCTL_getvcpuaffinity of vCPU 1 gives both CPUs (0x03) in its hard and soft
 *     maps, and zeroes in the map bytes past the CPUs;
 *   - setvcpuaffinity refuses a vCPU past max_vcpus and flags naming no map (-EINVAL), a
 *     hard map of no online CPU (only bit 5; no bit at all) (-EINVAL), a map it cannot read
 *     (-EFAULT);
 *   - hard affinity {CPU 1}: the effective map {1} comes back, and XEN_DOMCTL_getvcpuinfo
 *     of vCPU 1 reports CPU 1 (waiting for it by yielding, a bound of rounds, not a time),
 *     and its loop goes on there; then {CPU 0}: it moves to CPU 0 and goes on there too;
 *     getvcpuaffinity gives {0};
 *   - a soft map of both CPUs comes back as soft, hard and online together ({0});
 *   - balancing: with vCPU 0 also limited to CPU 0 (its own setvcpuaffinity: it is on CPU 0
 *     when the call returns or soon after), both are on CPU 0; a hard map of 0xff for
 *     vCPU 1 comes back as the online CPUs (0x03) and is kept so (bits past the CPUs are
 *     dropped), and the idle CPU 1 takes vCPU 1, whose loop goes on there;
 *   - SCHEDOP_pin_override of vCPU 0 to CPU 1: getvcpuinfo says CPU 1; pinning again
 *     -EBUSY, setvcpuaffinity of the pinned vCPU -EBUSY; undoing it 0, undoing again
 *     -EINVAL; a CPU that does not exist -EINVAL.
 */
#include "guest.h"
#include "toolstack.h"
#include "vcpus.h"
#include <xen/sched.h>
#include <xen/vcpu.h>

const char test_title[] = "vCPU hard and soft affinity: moving a vCPU between CPUs";

#define WAIT_ROUNDS 200000u      /* yields while waiting for a move: a bound, not a time */
#define WAIT_NS     20000000000UL   /* and 20 s: a yield to vCPU 1 sharing our CPU is a slice */
#define NR_BITS     64u          /* the maps we hand over: 8 bytes */

static volatile unsigned long spins;
static volatile int stop, stopped;

static void spinner(void *arg)
{
    (void)arg;
    while (!stop) {
        hypercall_xen_version(0, NULL);          /* XENVER_version */
        spins++;
    }
    stopped = 1;
    vcpu_down_self(1);
    for (;;)
        hypercall_sched_op(SCHEDOP_yield, NULL);
}

/* setvcpuaffinity of our vCPU vcpu with one-byte maps. */
static long set_aff(uint32_t vcpu, uint32_t flags, uint8_t *hard, uint8_t *soft)
{
    return domctl_vcpuaffinity(XEN_DOMCTL_setvcpuaffinity, 0, vcpu, flags, hard, soft, 8);
}

/* The CPU getvcpuinfo gives for our vCPU vcpu, or -1. */
static long cpu_of(uint32_t vcpu)
{
    struct xen_domctl_getvcpuinfo info;
    long rc = domctl_getvcpuinfo(0, vcpu, &info);

    if (rc)
        return rc;
    if (!info.online)
        xtf_failure("getvcpuinfo: vCPU %u is not online", vcpu);
    return info.cpu;
}

/* Wait until vCPU 1 is on cpu and has run its loop 100 more times there; false if not. */
static bool wait_moved(unsigned int cpu)
{
    uint64_t end = pvclock_ns() + WAIT_NS;
    unsigned long from = 0;
    unsigned int i;

    for (i = 0; i < WAIT_ROUNDS && cpu_of(1) != cpu && pvclock_ns() < end; i++)
        hypercall_sched_op(SCHEDOP_yield, NULL);
    if (cpu_of(1) != cpu)
        return xtf_failure("vCPU 1 not on CPU %u after %u yields (on %ld)", cpu, i, cpu_of(1)),
               false;
    from = spins;
    for (i = 0; i < WAIT_ROUNDS && spins < from + 100 && pvclock_ns() < end + WAIT_NS; i++)
        hypercall_sched_op(SCHEDOP_yield, NULL);
    printk("vCPU 1 on CPU %u: %lu more rounds of its loop\n", cpu, spins - from);
    if (spins < from + 100)
        return xtf_failure("vCPU 1 stopped running on CPU %u", cpu), false;
    return true;
}

static void check_get(const char *what, uint8_t want_hard, uint8_t want_soft)
{
    uint8_t hard[NR_BITS / 8], soft[NR_BITS / 8];
    long rc;

    memset(hard, 0xaa, sizeof(hard));
    memset(soft, 0xaa, sizeof(soft));
    rc = domctl_vcpuaffinity(XEN_DOMCTL_getvcpuaffinity, 0, 1,
                             XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT, hard, soft, NR_BITS);
    printk("getvcpuaffinity %s: rc %ld, hard %02x %02x, soft %02x %02x\n", what, rc, hard[0],
           hard[1], soft[0], soft[1]);
    if (rc)
        xtf_failure("getvcpuaffinity %s: %ld", what, rc);
    if (hard[0] != want_hard || soft[0] != want_soft)
        xtf_failure("getvcpuaffinity %s: hard %#x soft %#x, expected %#x and %#x", what,
                    hard[0], soft[0], want_hard, want_soft);
    for (unsigned int i = 1; i < sizeof(hard); i++)
        if (hard[i] || soft[i])
            xtf_failure("getvcpuaffinity %s: byte %u of the maps is not zero", what, i);
}

static void expect(const char *what, long rc, long want)
{
    printk("%s: %ld\n", what, rc);
    if (rc != want)
        xtf_failure("%s: %ld, expected %ld", what, rc, want);
}

static void pin_override(void)
{
    struct sched_pin_override p = { .pcpu = 1 };
    uint8_t one = 1;
    unsigned int i;

    expect("pin_override of vCPU 0 to CPU 1", hypercall_sched_op(SCHEDOP_pin_override, &p), 0);
    for (i = 0; i < WAIT_ROUNDS && cpu_of(0) != 1; i++)
        hypercall_sched_op(SCHEDOP_yield, NULL);
    printk("vCPU 0 on CPU %ld after the pin\n", cpu_of(0));
    if (i == WAIT_ROUNDS)
        xtf_failure("vCPU 0 not on CPU 1 after pin_override");
    expect("pin_override again", hypercall_sched_op(SCHEDOP_pin_override, &p), -XEN_EBUSY);
    expect("setvcpuaffinity of the pinned vCPU", set_aff(0, XEN_VCPUAFFINITY_HARD, &one, NULL),
           -XEN_EBUSY);
    p.pcpu = -1;
    expect("pin_override undone", hypercall_sched_op(SCHEDOP_pin_override, &p), 0);
    expect("pin_override undone again", hypercall_sched_op(SCHEDOP_pin_override, &p),
           -XEN_EINVAL);
    p.pcpu = 5;
    expect("pin_override to CPU 5", hypercall_sched_op(SCHEDOP_pin_override, &p), -XEN_EINVAL);
}

int test_main(void)
{
    uint8_t hard, soft;
    unsigned int i;
    long rc;

    if (events_init())
        return xtf_error("mapping shared_info");
    if (hypercall_vcpu_op(VCPUOP_is_up, 1, NULL) == -XEN_ENOENT)
        return xtf_error("dom0 has one vCPU: run with 2 CPUs (hv-run-args, xen-run-args)");
    if ((rc = vcpu_start(1, spinner, NULL)) != 0)
        return xtf_error("starting vCPU 1: %ld", rc);
    check_get("at first", 3, 3);

    hard = 2;
    expect("setvcpuaffinity of vCPU 64", set_aff(64, XEN_VCPUAFFINITY_HARD, &hard, NULL),
           -XEN_EINVAL);
    expect("setvcpuaffinity with no map in flags", set_aff(1, 0, &hard, NULL), -XEN_EINVAL);
    hard = 1 << 5;
    expect("hard affinity {5}", set_aff(1, XEN_VCPUAFFINITY_HARD, &hard, NULL), -XEN_EINVAL);
    hard = 0;
    expect("hard affinity {}", set_aff(1, XEN_VCPUAFFINITY_HARD, &hard, NULL), -XEN_EINVAL);
    expect("hard affinity from an unreadable map",
           set_aff(1, XEN_VCPUAFFINITY_HARD, (uint8_t *)0xffff830000000000UL, NULL),
           -XEN_EFAULT);

    hard = 2;
    expect("hard affinity {1}", set_aff(1, XEN_VCPUAFFINITY_HARD, &hard, NULL), 0);
    if (hard != 2)
        xtf_failure("hard affinity {1} came back as %#x", hard);
    if (!wait_moved(1))
        goto out;
    hard = 1;
    expect("hard affinity {0}", set_aff(1, XEN_VCPUAFFINITY_HARD, &hard, NULL), 0);
    if (hard != 1)
        xtf_failure("hard affinity {0} came back as %#x", hard);
    if (!wait_moved(0))
        goto out;
    check_get("pinned to CPU 0", 1, 3);

    soft = 3;
    expect("soft affinity {0,1}", set_aff(1, XEN_VCPUAFFINITY_SOFT, NULL, &soft), 0);
    if (soft != 1)
        xtf_failure("soft affinity {0,1} came back as %#x (soft, hard and online: 0x1)", soft);

    /* Both vCPUs on CPU 0, CPU 1 idle: freed, vCPU 1 is taken by CPU 1. */
    hard = 1;
    expect("hard affinity {0} of vCPU 0 (the caller)", set_aff(0, XEN_VCPUAFFINITY_HARD, &hard,
                                                                NULL), 0);
    for (i = 0; i < WAIT_ROUNDS && cpu_of(0) != 0; i++)
        hypercall_sched_op(SCHEDOP_yield, NULL);
    printk("vCPU 0 on CPU %ld, vCPU 1 on CPU %ld\n", cpu_of(0), cpu_of(1));
    if (cpu_of(0) != 0 || cpu_of(1) != 0)
        xtf_failure("vCPUs 0 and 1 are not both on CPU 0");
    hard = 0xff;
    expect("hard affinity 0xff", set_aff(1, XEN_VCPUAFFINITY_HARD, &hard, NULL), 0);
    if (hard != 3)
        xtf_failure("hard affinity 0xff came back as %#x (the online CPUs: 0x3)", hard);
    check_get("0xff", 3, 3);
    if (!wait_moved(1))
        goto out;
    hard = 0xff;
    expect("hard affinity 0xff of vCPU 0", set_aff(0, XEN_VCPUAFFINITY_HARD, &hard, NULL), 0);

    pin_override();
out:
    stop = 1;
    for (unsigned int i = 0; i < WAIT_ROUNDS && !stopped; i++)
        hypercall_sched_op(SCHEDOP_yield, NULL);
    if (!stopped)
        xtf_error("vCPU 1 did not stop");
    return xtf_success();
}
