/*
 * vcpu-info-runstate: VCPUOP_register_vcpu_info, the runstate area and the vCPU queries that
 * a PV Linux kernel makes first.
 *
 * The story. shared_info holds vcpu_info for the first 32 vCPUs only, so a kernel moves each
 * vCPU's vcpu_info into its own per-CPU memory (VCPUOP_register_vcpu_info: a frame it owns and
 * an offset). From then on the event flags and the time record live there: the hypervisor
 * copies the old contents, and marks everything pending so that nothing raised during the
 * move is lost. The frame must be one the guest could map writable (not a page table), the
 * record must fit in the page, and the move happens once. The runstate area
 * (VCPUOP_register_runstate_memory_area) is where the kernel reads how long the vCPU ran and
 * waited, for steal-time accounting.
 *
 * The guest checks:
 *   1. VCPUOP_is_up: vCPU 0 is up (1), vCPU 1 (absent) -ENOENT;
 *   2. register_vcpu_info: an offset past the page -ENXIO, the L4 frame -EINVAL; a good
 *      frame at offset 64 works: the new record has upcall_pending 1, all selector bits, the
 *      mask copied, and a valid time record that agrees with the old one; a second
 *      registration -EINVAL;
 *   3. an event sent to self is delivered through the new record;
 *   4. with VMASST_TYPE_runstate_update_flag on, the runstate area is filled at registration
 *      (state running); after blocking until a 50 ms timer fires, get_runstate_info shows at
 *      least 5 ms blocked (a tenth: on a loaded host QEMU's own pauses count as running time)
 *      and the vCPU running, and the area says the same blocked time with XEN_RUNSTATE_UPDATE
 *      clear.
 */
#include <xen/sched.h>
#include <xen/vcpu.h>

#include "guest.h"

const char test_title[] = "register_vcpu_info, runstate area, is_up";

static volatile unsigned long events_seen;
static struct vcpu_runstate_info runstate_area;

static void on_event(unsigned int port, const struct cpu_regs *regs)
{
    (void)port;
    (void)regs;
    events_seen++;
}

static int check_register(void)
{
    struct vcpu_register_vcpu_info info;
    uint8_t *page = alloc_page();
    struct vcpu_info *nv = (struct vcpu_info *)(page + 64);
    uint64_t before, after;
    long rc;

    info = (struct vcpu_register_vcpu_info){ .mfn = virt_to_mfn(page), .offset = 4096 - 32 };
    if ((rc = hypercall_vcpu_op(VCPUOP_register_vcpu_info, 0, &info)) != -XEN_ENXIO)
        return xtf_failure("vcpu_info past the page: %ld, expected -ENXIO", rc);
    info = (struct vcpu_register_vcpu_info){ .mfn = pt_current_l4_mfn(), .offset = 64 };
    if ((rc = hypercall_vcpu_op(VCPUOP_register_vcpu_info, 0, &info)) != -XEN_EINVAL)
        return xtf_failure("vcpu_info in the L4: %ld, expected -EINVAL", rc);

    events_mask();
    before = pvclock_ns();
    info = (struct vcpu_register_vcpu_info){ .mfn = virt_to_mfn(page), .offset = 64 };
    if ((rc = hypercall_vcpu_op(VCPUOP_register_vcpu_info, 0, &info)) != 0)
        return xtf_failure("register_vcpu_info: %ld", rc);
    vcpu0_info_ptr = nv;
    after = pvclock_ns();
    printk("new vcpu_info: pending %u mask %u sel %#lx time version %u mul %u\n",
           nv->evtchn_upcall_pending, nv->evtchn_upcall_mask,
           (unsigned long)nv->evtchn_pending_sel, nv->time.version, nv->time.tsc_to_system_mul);
    if (nv->evtchn_upcall_pending != 1 || nv->evtchn_pending_sel != ~0UL)
        return xtf_failure("the moved vcpu_info is not all pending");
    if (nv->evtchn_upcall_mask != 1)
        return xtf_failure("the moved vcpu_info lost the event mask");
    if ((nv->time.version & 1) || !nv->time.tsc_to_system_mul)
        return xtf_failure("the moved vcpu_info has no valid time record");
    if (after < before || after - before > 1000000000UL)
        return xtf_failure("the clock jumped across the move: %lu -> %lu",
                           (unsigned long)before, (unsigned long)after);
    if ((rc = hypercall_vcpu_op(VCPUOP_register_vcpu_info, 0, &info)) != -XEN_EINVAL)
        return xtf_failure("a second register_vcpu_info: %ld, expected -EINVAL", rc);
    return 0;
}

static int check_delivery(void)
{
    unsigned int port;
    unsigned long before;
    long rc;

    events_unmask();                  /* takes the spurious all-pending upcall */
    if ((rc = evtchn_bind_ipi(0, &port)) != 0)
        return xtf_error("bind_ipi: %ld", rc);
    before = events_seen;
    evtchn_send(port);
    if (events_seen != before + 1)
        return xtf_failure("send to self through the new vcpu_info: %lu upcalls",
                           events_seen - before);
    return 0;
}

static int check_runstate(void)
{
    struct vcpu_register_runstate_memory_area area = {
        .addr = (uint64_t)(uintptr_t)&runstate_area,
    };
    struct vcpu_runstate_info ri;
    unsigned int timer_port;
    uint64_t deadline;
    long rc;

    runstate_area.state = -1;
    if ((rc = hypercall_vm_assist(VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag)) != 0)
        return xtf_failure("vm_assist(runstate_update_flag): %ld", rc);
    if ((rc = hypercall_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &area)) != 0)
        return xtf_failure("register_runstate_memory_area: %ld", rc);
    printk("runstate area: state %d entry %lu running %lu blocked %lu\n", runstate_area.state,
           (unsigned long)runstate_area.state_entry_time, (unsigned long)runstate_area.time[0],
           (unsigned long)runstate_area.time[2]);
    if (runstate_area.state != RUNSTATE_running)
        return xtf_failure("runstate area state %d after registration, expected running",
                           runstate_area.state);
    if ((rc = evtchn_bind_virq(VIRQ_TIMER, 0, &timer_port)) != 0)
        return xtf_error("bind_virq: %ld", rc);
    hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
    /* An event already pending (the periodic timer may have fired before it was stopped)
     * ends a block at once: block again until the singleshot's deadline has passed. */
    deadline = pvclock_ns() + 50000000UL;
    hypercall_set_timer_op(deadline);
    do {
        if ((rc = hypercall_sched_op(SCHEDOP_block, NULL)) != 0)
            return xtf_failure("SCHEDOP_block: %ld", rc);
    } while (pvclock_ns() < deadline);
    if ((rc = hypercall_vcpu_op(VCPUOP_get_runstate_info, 0, &ri)) != 0)
        return xtf_failure("get_runstate_info: %ld", rc);
    printk("after block: state %d running %lu runnable %lu blocked %lu; area blocked %lu\n",
           ri.state, (unsigned long)ri.time[0], (unsigned long)ri.time[1],
           (unsigned long)ri.time[2], (unsigned long)runstate_area.time[2]);
    if (ri.state != RUNSTATE_running)
        return xtf_failure("get_runstate_info state %d, expected running", ri.state);
    if (ri.time[RUNSTATE_blocked] < 5000000UL)
        return xtf_failure("blocked for %lu ns in a 50 ms block",
                           (unsigned long)ri.time[RUNSTATE_blocked]);
    if (runstate_area.state_entry_time & XEN_RUNSTATE_UPDATE)
        return xtf_failure("the runstate area was left with XEN_RUNSTATE_UPDATE set");
    if (runstate_area.time[RUNSTATE_blocked] != ri.time[RUNSTATE_blocked])
        return xtf_failure("the runstate area's blocked time %lu differs from %lu",
                           (unsigned long)runstate_area.time[RUNSTATE_blocked],
                           (unsigned long)ri.time[RUNSTATE_blocked]);
    return 0;
}

int test_main(void)
{
    long rc;

    if ((rc = events_init()) != 0)
        return xtf_error("events_init: %ld", rc);
    event_handler = on_event;
    if ((rc = hypercall_vcpu_op(VCPUOP_is_up, 0, NULL)) != 1)
        return xtf_failure("is_up(0): %ld, expected 1", rc);
    if ((rc = hypercall_vcpu_op(VCPUOP_is_up, 1, NULL)) != -XEN_ENOENT)
        return xtf_failure("is_up(1): %ld, expected -ENOENT", rc);
    if (check_register() || check_delivery() || check_runstate())
        return 0;
    return xtf_success();
}
