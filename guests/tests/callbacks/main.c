/*
 * callbacks: registering the event, failsafe, syscall and NMI callbacks, and the event
 * callback actually used for delivery.
 *
 * The story. A PV kernel tells the hypervisor where to enter it for events, for a failed
 * segment reload (failsafe), for user-mode SYSCALL and for NMIs, either all at once
 * (set_callbacks: event, failsafe, syscall) or one by one (callback_op register, with flags
 * such as CALLBACKF_mask_events). Only the NMI callback can be unregistered; the others
 * answer -EINVAL to unregister, and an unknown type is -ENOSYS. An address that is not
 * canonical is refused with -EINVAL, so the hypervisor never has to enter the guest there.
 *
 * The guest checks:
 *   1. callback_op register of event, failsafe, syscall, syscall32 and NMI: 0 each; a
 *      non-canonical event address -EINVAL; type 3 (the old sysenter) and type 99 -ENOSYS;
 *   2. callback_op unregister: NMI 0, event/failsafe/syscall -EINVAL, type 99 -ENOSYS;
 *   3. delivery follows the registration: with set_callbacks naming a second event entry,
 *      an event sent to self arrives there (and not at the first); registering the first
 *      again with callback_op moves delivery back.
 */
#include <xen/callback.h>

#include "guest.h"

const char test_title[] = "event, failsafe, syscall and NMI callbacks";

extern char event_entry[], failsafe_entry[], second_event_entry[];

static volatile unsigned long second_hits;

/* A second event entry: count, take the events like the first, return through it. */
asm (".pushsection .text\n"
     ".globl second_event_entry\n"
     "second_event_entry:\n"
     "    lock incq second_hits(%rip)\n"
     "    jmp event_entry\n"
     ".popsection\n");

static long reg(unsigned int type, uint64_t address, unsigned int flags)
{
    struct callback_register cb = { .type = type, .flags = flags, .address = address };

    return hypercall_callback_op(CALLBACKOP_register, &cb);
}

static long unreg(unsigned int type)
{
    struct callback_unregister cb = { .type = type };

    return hypercall_callback_op(CALLBACKOP_unregister, &cb);
}

static volatile unsigned long events;

static void on_event(unsigned int port, const struct cpu_regs *regs)
{
    (void)port;
    (void)regs;
    events++;
}

int test_main(void)
{
    uint64_t ev = (uint64_t)(uintptr_t)event_entry, fs = (uint64_t)(uintptr_t)failsafe_entry;
    uint64_t ev2 = (uint64_t)(uintptr_t)second_event_entry;
    unsigned long before, hits;
    unsigned int port;
    long rc;

    if ((rc = events_init()) != 0)
        return xtf_error("events_init: %ld", rc);
    event_handler = on_event;

    XTF_EXPECT_RC(reg(CALLBACKTYPE_event, ev, 0), 0, "register event");
    XTF_EXPECT_RC(reg(CALLBACKTYPE_failsafe, fs, CALLBACKF_mask_events), 0, "register failsafe");
    XTF_EXPECT_RC(reg(CALLBACKTYPE_syscall, ev, CALLBACKF_mask_events), 0, "register syscall");
    XTF_EXPECT_RC(reg(CALLBACKTYPE_syscall32, ev, 0), 0, "register syscall32");
    XTF_EXPECT_RC(reg(CALLBACKTYPE_nmi, ev, 0), 0, "register NMI");
    XTF_EXPECT_RC(reg(CALLBACKTYPE_event, 0x0000800000000000UL, 0), -XEN_EINVAL,
           "register a non-canonical event callback");
    XTF_EXPECT_RC(reg(CALLBACKTYPE_sysenter_deprecated, ev, 0), -XEN_ENOSYS, "register type 3");
    XTF_EXPECT_RC(reg(99, ev, 0), -XEN_ENOSYS, "register type 99");

    XTF_EXPECT_RC(unreg(CALLBACKTYPE_nmi), 0, "unregister NMI");
    XTF_EXPECT_RC(unreg(CALLBACKTYPE_event), -XEN_EINVAL, "unregister event");
    XTF_EXPECT_RC(unreg(CALLBACKTYPE_failsafe), -XEN_EINVAL, "unregister failsafe");
    XTF_EXPECT_RC(unreg(CALLBACKTYPE_syscall), -XEN_EINVAL, "unregister syscall");
    XTF_EXPECT_RC(unreg(99), -XEN_ENOSYS, "unregister type 99");

    /* Delivery follows the registration. */
    if ((rc = evtchn_bind_ipi(0, &port)) != 0)
        return xtf_error("bind_ipi: %ld", rc);
    events_unmask();
    XTF_EXPECT_RC(_hypercall3(__HYPERVISOR_set_callbacks, ev2, fs, 0), 0, "set_callbacks");
    before = events;
    hits = second_hits;
    evtchn_send(port);
    if (events != before + 1 || second_hits != hits + 1)
        return xtf_failure("after set_callbacks: %lu events, %lu at the new entry",
                           events - before, second_hits - hits);
    XTF_EXPECT_RC(reg(CALLBACKTYPE_event, ev, 0), 0, "register event again");
    before = events;
    hits = second_hits;
    evtchn_send(port);
    if (events != before + 1 || second_hits != hits)
        return xtf_failure("after re-registering: %lu events, %lu at the old entry",
                           events - before, second_hits - hits);
    return xtf_success();
}
