/*
 * vcpu-time-area: VCPUOP_register_vcpu_time_memory_area, the second copy of a vCPU's time
 * record that a PV kernel maps into user space for its vDSO clock.
 *
 * The story. User space cannot read vcpu_info, so the kernel asks the hypervisor to keep a
 * copy of the vCPU's vcpu_time_info in memory of its choice. The copy must follow the same
 * version protocol and give the same clock; it must be refused for an address the guest does
 * not own (the hypervisor's range), and stop being written once unregistered.
 *
 * The guest checks:
 *   1. an area in the hypervisor's range -EFAULT; an unreadable argument -EFAULT;
 *   2. a registered area is filled at once: version even and not 0, the same scale as
 *      vcpu_info's record, and a clock computed from it within 1 ms of the vcpu_info clock;
 *   3. after blocking until a 20 ms timer has fired, the copy still gives the same clock
 *      (Xen 4.17 does not rewrite it at every wake-up; pvmm-hv does, whenever it refreshes
 *      vcpu_info's record while the vCPU is in kernel mode);
 *   4. after unregistering (address 0), registering a second area fills that one and leaves
 *      the first untouched, also across another 20 ms block.
 */
#include <xen/sched.h>
#include <xen/vcpu.h>

#include "guest.h"

const char test_title[] = "VCPUOP_register_vcpu_time_memory_area";

static struct vcpu_time_info area __attribute__((aligned(64)));
static struct vcpu_time_info area2 __attribute__((aligned(64)));
static volatile unsigned long timer_events;
static unsigned int timer_port;

static void on_event(unsigned int port, const struct cpu_regs *regs)
{
    (void)regs;
    if (port == timer_port)
        timer_events++;
}

static long reg(uint64_t addr)
{
    struct vcpu_register_time_memory_area a = { .addr = addr };

    return hypercall_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &a);
}

/* The clock from a time record (as pvclock_ns() computes it from vcpu_info's). */
static uint64_t clock_of(const volatile struct vcpu_time_info *t)
{
    uint32_t version;
    uint64_t tsc, delta, ns;

    do {
        version = t->version;
        asm volatile ("" ::: "memory");
        asm volatile ("rdtsc; shl $32, %%rdx; or %%rdx, %%rax" : "=a" (tsc) :: "rdx");
        delta = tsc - t->tsc_timestamp;
        delta = t->tsc_shift >= 0 ? delta << t->tsc_shift : delta >> -t->tsc_shift;
        ns = t->system_time + (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
        asm volatile ("" ::: "memory");
    } while ((version & 1) || version != t->version);
    return ns;
}

/* Block until a timer 20 ms ahead has fired. */
static bool block_20ms(void)
{
    unsigned long before = timer_events;
    uint64_t end = pvclock_ns() + 2000000000ULL;

    hypercall_set_timer_op(pvclock_ns() + 20000000);
    while (timer_events == before && pvclock_ns() < end)
        hypercall_sched_op(SCHEDOP_block, NULL);
    return timer_events != before;
}

int test_main(void)
{
    struct vcpu_register_time_memory_area *unreadable = (void *)0x7fff00000000UL;
    const struct vcpu_time_info *vt;
    struct vcpu_time_info copy;
    uint64_t a, b;
    long rc;

    if ((rc = events_init()) != 0)
        return xtf_error("events_init: %ld", rc);
    vt = &vcpu0_info()->time;
    event_handler = on_event;
    if (evtchn_bind_virq(VIRQ_TIMER, 0, &timer_port))
        return xtf_error("bind_virq failed");
    hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
    events_unmask();

    /* 1. */
    XTF_EXPECT_RC(reg(0xffff830000000000UL), -XEN_EFAULT, "an area in the hypervisor's range");
    XTF_EXPECT_RC(hypercall_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, unreadable),
                  -XEN_EFAULT, "an unreadable argument");

    /* 2. */
    XTF_EXPECT_RC(reg((uint64_t)(uintptr_t)&area), 0, "registering the area");
    if (area.version == 0 || (area.version & 1))
        return xtf_failure("area version %u", area.version);
    if (area.tsc_to_system_mul != vt->tsc_to_system_mul || area.tsc_shift != vt->tsc_shift)
        return xtf_failure("area scale %u/%d, vcpu_info %u/%d", area.tsc_to_system_mul,
                           area.tsc_shift, vt->tsc_to_system_mul, vt->tsc_shift);
    a = clock_of(&area);
    b = pvclock_ns();
    if (a > b + 1000000 || b > a + 1000000)
        return xtf_failure("area clock %lu, vcpu_info clock %lu", (unsigned long)a,
                           (unsigned long)b);

    /* 3. */
    if (!block_20ms())
        return xtf_error("the 20 ms timer did not fire");
    a = clock_of(&area);
    b = pvclock_ns();
    if ((area.version & 1) || a > b + 1000000 || b > a + 1000000)
        return xtf_failure("after a block: area version %u, clock %lu, vcpu_info clock %lu",
                           area.version, (unsigned long)a, (unsigned long)b);

    /* 4. */
    XTF_EXPECT_RC(reg(0), 0, "unregistering");
    copy = area;
    XTF_EXPECT_RC(reg((uint64_t)(uintptr_t)&area2), 0, "registering a second area");
    if (area2.version == 0 || (area2.version & 1) || area2.tsc_to_system_mul == 0)
        return xtf_failure("second area not filled (version %u)", area2.version);
    if (!block_20ms())
        return xtf_error("the 20 ms timer did not fire");
    if (memcmp(&copy, &area, sizeof(copy)))
        return xtf_failure("the first area was written after it was unregistered");
    return xtf_success();
}
