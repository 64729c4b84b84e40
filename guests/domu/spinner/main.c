/*
 * domU spinner: a domain that never stops on its own, for a toolstack that destroys it while
 * it runs (guest domu-destroy-running).  Its command line is `port=P mode=M`, P its end of a
 * channel its builder bound to dom0.  It brings up vCPU 1 and then notifies dom0 on P.  From
 * then on vCPU 0 hammers hypercalls: update_va_mapping of one of its own pages with a flush
 * of every CPU the domain ran on (UVMF_INVLPG | UVMF_ALL: a TLB-shootdown IPI), a single-shot
 * timer re-armed 10 s ahead, and a send on P (dom0 keeps its events masked).  vCPU 1 spins
 * in a loop that makes no hypercall (mode 0) or sits blocked in SCHEDOP_poll on a port nobody
 * sends to with a 100 s timeout (mode 1: a poll timer armed).  A setup step that fails is
 * its verdict (shutdown crash) before it notifies.
 */
#include "guest.h"
#include "vcpus.h"
#include <xen/sched.h>
#include <xen/vcpu.h>

const char test_title[] = "domU spinner: runs until destroyed";

static volatile unsigned long spins;
static volatile unsigned int up1;
static unsigned int idle_port;

static void vcpu1(void *arg)
{
    evtchn_port_t p = idle_port;
    struct sched_poll poll = { .ports = (uint64_t)(uintptr_t)&p, .nr_ports = 1 };

    vcpu_info_of(1)->evtchn_upcall_mask = 1;
    up1 = 1;
    if ((uintptr_t)arg == 1)
        for (;;) {
            poll.timeout = pvclock_ns() + 100000000000ULL;
            hypercall_sched_op(SCHEDOP_poll, &poll);
        }
    for (;;)
        spins++;
}

int test_main(void)
{
    static uint8_t page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
    unsigned long port = cmdline_uint("port="), mode = cmdline_uint("mode=");
    uint64_t pte;
    struct vcpu_set_singleshot_timer t = { .flags = 0 };

    if (events_init())
        return xtf_error("events_init failed");
    events_mask();
    if (!port || port == ~0UL || mode > 1)
        return xtf_error("no port= or a bad mode= on the command line");
    if (hypercall_vcpu_op(VCPUOP_is_up, 1, NULL) == -XEN_ENOENT)
        return xtf_error("the domU has one vCPU (built without DOMU_TWO_VCPUS)");
    XTF_EXPECT_RC(evtchn_alloc_unbound(DOMID_SELF, &idle_port), 0, "alloc_unbound");
    page[0] = 1;
    pte = ((uint64_t)virt_to_mfn(page) << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW |
          _PAGE_ACCESSED | _PAGE_DIRTY;
    XTF_EXPECT_RC(hypercall_update_va_mapping((unsigned long)page, pte,
                                              UVMF_INVLPG | UVMF_ALL), 0, "update_va_mapping");
    XTF_EXPECT_RC(vcpu_start(1, vcpu1, (void *)(uintptr_t)mode), 0, "start vCPU 1");
    while (!up1)
        ;
    XTF_EXPECT_RC(evtchn_send((unsigned int)port), 0, "notify dom0");
    for (;;) {
        hypercall_update_va_mapping((unsigned long)page, pte, UVMF_INVLPG | UVMF_ALL);
        t.timeout_abs_ns = pvclock_ns() + 10000000000ULL;
        hypercall_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t);
        evtchn_send((unsigned int)port);
    }
}
