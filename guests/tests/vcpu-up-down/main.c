/*
 * vcpu-up-down: a second vCPU is given a context, brought up, taken down and brought back,
 * and bad contexts are refused with Xen's error codes, leaving nothing behind.
 *
 * The story. A PV kernel starts its other CPUs itself: for each it fills a vcpu_guest_context
 * (registers, trap table, stacks, callbacks, GDT frames and page-table base) and asks for
 * VCPUOP_initialise and VCPUOP_up; CPU hot-unplug is VCPUOP_down, re-plug VCPUOP_up. The
 * hypervisor must check every address and frame in the context before it uses any, take the
 * new vCPU's page-table references through the memory-management rules, and leave nothing
 * referenced when it refuses.
 *
 * The guest runs with 2 vCPUs (hv-run --hv-args dom0_max_vcpus=2, xen-run --smp 2) and checks:
 *   1. VCPUOP_is_up: vCPU 0 1, vCPU 1 0, vCPU 2 -ENOENT; VCPUOP_up of vCPU 1 before it has a
 *      context -EINVAL; VCPUOP_down of vCPU 1 (already down) 0;
 *   2. VCPUOP_initialise refusals, each -EINVAL: non-canonical rip, a non-canonical trap-table
 *      entry, an LDT base not page-aligned, 8193 LDT entries, 7169 GDT entries, a GDT frame
 *      mapped writable, a CR3 that is a writable data page, a CR3 frame the guest does not
 *      own, user mode without a user L4; a context it cannot read -EFAULT; then a good GDT
 *      frame with a bad CR3: -EINVAL, and the GDT frame can be mapped writable afterwards (no
 *      descriptor-page reference was left on it);
 *   3. the good context runs: vCPU 1 reports through shared memory, sees itself up and
 *      running (get_runstate_info); a second VCPUOP_initialise -EEXIST;
 *   4. vCPU 1 takes itself down: is_up 0, runstate offline; VCPUOP_up resumes it after its
 *      VCPUOP_down (it reports again);
 *   5. vCPU 0 takes the spinning vCPU 1 down: is_up 0, and its counter stops.
 */
#include <xen/sched.h>
#include <xen/vcpu.h>

#include "guest.h"

const char test_title[] = "VCPUOP_initialise, up, down, is_up";

static volatile unsigned long started, resumed, spins;
static volatile int v1_is_up, v1_state = -1;
static volatile int phase;
static struct vcpu_guest_context ctx;

static void yield(void)
{
    hypercall_sched_op(SCHEDOP_yield, NULL);
}

static void secondary(void *arg)
{
    struct vcpu_runstate_info ri;

    (void)arg;
    v1_is_up = (int)hypercall_vcpu_op(VCPUOP_is_up, 1, NULL);
    if (hypercall_vcpu_op(VCPUOP_get_runstate_info, 1, &ri) == 0)
        v1_state = ri.state;
    started++;
    vcpu_down_self(1);
    resumed++;                          /* after VCPUOP_up: right after the down call */
    while (phase < 2)
        yield();
    for (;;) {
        spins++;
        yield();
    }
}

/* Wait (yielding the CPU) until *p != v or about 2 s passed; true if it changed. */
static bool wait_change(volatile unsigned long *p, unsigned long v)
{
    uint64_t end = pvclock_ns() + 2000000000ULL;

    while (*p == v && pvclock_ns() < end)
        yield();
    return *p != v;
}

/*
 * Wait (about 2 s at most) until vCPU id is down and descheduled. is_up drops to 0 as soon as
 * the down flag is set, which on Xen is before the vCPU has left its CPU; the runstate turns
 * offline only once it has, so both are awaited.
 */
static bool wait_down(unsigned int id)
{
    uint64_t end = pvclock_ns() + 2000000000ULL;
    struct vcpu_runstate_info ri;

    for (;;) {
        bool down = hypercall_vcpu_op(VCPUOP_is_up, id, NULL) == 0 &&
                    hypercall_vcpu_op(VCPUOP_get_runstate_info, id, &ri) == 0 &&
                    ri.state == RUNSTATE_offline;
        if (down || pvclock_ns() >= end)
            return down;
        yield();
    }
}

static long try_ctx(void)
{
    return hypercall_vcpu_op(VCPUOP_initialise, 1, &ctx);
}

#define BAD_CTX(change, want, what)                         \
    do {                                                    \
        vcpu_context_init(&ctx, 1, secondary, NULL);        \
        change;                                             \
        XTF_EXPECT_RC(try_ctx(), want, what);               \
    } while (0)

static int refusals(void)
{
    void *data = alloc_page();          /* mapped writable */
    void *gdt = alloc_page();
    unsigned long gdt_mfn = virt_to_mfn(gdt);

    BAD_CTX(ctx.user_regs.rip = 0x0000800000000000UL, -XEN_EINVAL, "non-canonical rip");
    BAD_CTX(ctx.trap_ctxt[13].address = 0x8000000000000000UL >> 1, -XEN_EINVAL,
            "non-canonical trap entry");
    BAD_CTX((ctx.ldt_base = 0x100800, ctx.ldt_ents = 1), -XEN_EINVAL, "unaligned LDT base");
    BAD_CTX((ctx.ldt_base = 0x100000, ctx.ldt_ents = 8193), -XEN_EINVAL, "8193 LDT entries");
    BAD_CTX((ctx.gdt_frames[0] = gdt_mfn, ctx.gdt_ents = 7169), -XEN_EINVAL,
            "7169 GDT entries");
    BAD_CTX((ctx.gdt_frames[0] = virt_to_mfn(data), ctx.gdt_ents = 16), -XEN_EINVAL,
            "a writable GDT frame");
    BAD_CTX(ctx.ctrlreg[3] = (uint64_t)virt_to_mfn(data) << 12, -XEN_EINVAL,
            "CR3 a writable data page");
    BAD_CTX(ctx.ctrlreg[3] = 0xfffff000UL << 12, -XEN_EINVAL, "CR3 a frame not owned");
    BAD_CTX(ctx.flags &= ~(uint64_t)VGCF_IN_KERNEL, -XEN_EINVAL, "user mode without a user L4");
    XTF_EXPECT_RC(hypercall_vcpu_op(VCPUOP_initialise, 1, (void *)0x7fff00000000UL), -XEN_EFAULT,
                  "an unreadable context");

    /* A good descriptor page (all zero) with a bad CR3: nothing may stay referenced. */
    if (pt_make_ro(gdt))
        return xtf_error("cannot map the GDT page read-only");
    BAD_CTX((ctx.gdt_frames[0] = gdt_mfn, ctx.gdt_ents = 512,
             ctx.ctrlreg[3] = (uint64_t)virt_to_mfn(data) << 12), -XEN_EINVAL,
            "a good GDT frame with a bad CR3");
    XTF_EXPECT_RC(pt_make_rw(gdt), 0, "mapping the GDT frame writable after the refusal");
    XTF_EXPECT_RC(hypercall_vcpu_op(VCPUOP_is_up, 1, NULL), 0, "is_up after the refusals");
    return 0;
}

int test_main(void)
{
    struct vcpu_runstate_info ri;
    unsigned long s;
    long rc;

    if ((rc = events_init()) != 0)
        return xtf_error("events_init: %ld", rc);

    /* 1. */
    XTF_EXPECT_RC(hypercall_vcpu_op(VCPUOP_is_up, 0, NULL), 1, "is_up(0)");
    rc = hypercall_vcpu_op(VCPUOP_is_up, 1, NULL);
    if (rc == -XEN_ENOENT)
        return xtf_error("dom0 has one vCPU: run with 2 (hv-run-args, xen-run-args)");
    XTF_EXPECT_RC(rc, 0, "is_up(1)");
    XTF_EXPECT_RC(hypercall_vcpu_op(VCPUOP_is_up, 2, NULL), -XEN_ENOENT, "is_up(2)");
    XTF_EXPECT_RC(hypercall_vcpu_op(VCPUOP_up, 1, NULL), -XEN_EINVAL, "up(1) uninitialised");
    XTF_EXPECT_RC(hypercall_vcpu_op(VCPUOP_down, 1, NULL), 0, "down(1) already down");

    /* 2. */
    if (refusals())
        return xtf_status();

    /* 3. */
    vcpu_context_init(&ctx, 1, secondary, NULL);
    XTF_EXPECT_RC(try_ctx(), 0, "VCPUOP_initialise");
    XTF_EXPECT_RC(hypercall_vcpu_op(VCPUOP_is_up, 1, NULL), 0, "is_up(1) before up");
    XTF_EXPECT_RC(hypercall_vcpu_op(VCPUOP_up, 1, NULL), 0, "VCPUOP_up");
    if (!wait_change(&started, 0))
        return xtf_failure("vCPU 1 never ran");
    if (v1_is_up != 1 || v1_state != RUNSTATE_running)
        return xtf_failure("vCPU 1 saw is_up %d, runstate %d", v1_is_up, v1_state);
    XTF_EXPECT_RC(try_ctx(), -XEN_EEXIST, "a second VCPUOP_initialise");

    /* 4. */
    if (!wait_down(1))
        return xtf_failure("vCPU 1's VCPUOP_down did not take it down");
    XTF_EXPECT_RC(hypercall_vcpu_op(VCPUOP_get_runstate_info, 1, &ri), 0, "runstate(1)");
    if (ri.state != RUNSTATE_offline || ri.time[RUNSTATE_running] == 0)
        return xtf_failure("vCPU 1 down: runstate %d, %lu ns running", ri.state,
                           (unsigned long)ri.time[RUNSTATE_running]);
    if (resumed)
        return xtf_failure("vCPU 1 ran on after its VCPUOP_down");
    XTF_EXPECT_RC(hypercall_vcpu_op(VCPUOP_up, 1, NULL), 0, "VCPUOP_up again");
    if (!wait_change(&resumed, 0))
        return xtf_failure("vCPU 1 did not resume after VCPUOP_up");
    XTF_EXPECT_RC(hypercall_vcpu_op(VCPUOP_is_up, 1, NULL), 1, "is_up(1) resumed");

    /* 5. */
    phase = 2;
    if (!wait_change(&spins, 0) || !wait_change(&spins, spins))
        return xtf_failure("vCPU 1 does not spin");
    XTF_EXPECT_RC(hypercall_vcpu_op(VCPUOP_down, 1, NULL), 0, "VCPUOP_down(1) from vCPU 0");
    XTF_EXPECT_RC(hypercall_vcpu_op(VCPUOP_is_up, 1, NULL), 0, "is_up(1) after down");
    for (uint64_t end = pvclock_ns() + 20000000; pvclock_ns() < end;)
        yield();
    s = spins;
    for (uint64_t end = pvclock_ns() + 50000000; pvclock_ns() < end;)
        yield();
    if (spins != s)
        return xtf_failure("vCPU 1 ran on after VCPUOP_down: %lu spins more", spins - s);
    XTF_EXPECT_RC(hypercall_vcpu_op(VCPUOP_get_runstate_info, 1, &ri), 0, "runstate(1)");
    if (ri.state != RUNSTATE_offline)
        return xtf_failure("vCPU 1 taken down: runstate %d", ri.state);
    return xtf_success();
}
