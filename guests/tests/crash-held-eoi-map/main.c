/*
 * crash-held-eoi-map: a domain that crashes while the hypervisor holds its pirq EOI map (the
 * page PHYSDEVOP_pirq_eoi_gmfn_v2 registered) and has one of its GSIs bound is torn down with
 * the page's references given back once and the IO-APIC pin masked again.
 *
 * The hypervisor keeps a general and a writable type reference on the EOI map page for as
 * long as the domain lives.  The guest registers one, maps and binds GSI 1, then clears its
 * trap table and executes ud2, so the domain is crashed.  The expected verdict is CRASH on
 * both hypervisors (`expect`); pvmm-hv runs its auditor after the teardown, and any count
 * the teardown left wrong turns the verdict into HV_PANIC.
 */
#include <xen/physdev.h>
#include "guest.h"

const char test_title[] = "a crash while the EOI map is registered: every reference dropped once";

int test_main(void)
{
    struct physdev_pirq_eoi_gmfn g = { .gmfn = virt_to_mfn(alloc_page()) };
    struct physdev_map_pirq m = { .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_GSI, .index = 1,
                                  .pirq = 1 };
    struct evtchn_bind_pirq b = { .pirq = 1 };
    long rc;

    if ((rc = _hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_pirq_eoi_gmfn_v2, &g)) != 0)
        return xtf_error("pirq_eoi_gmfn_v2: %ld", rc);
    if ((rc = _hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_map_pirq, &m)) != 0)
        return xtf_error("map_pirq: %ld", rc);
    if ((rc = hypercall_event_channel_op(EVTCHNOP_bind_pirq, &b)) != 0)
        return xtf_error("bind_pirq: %ld", rc);
    if ((rc = hypercall_set_trap_table(NULL)) != 0)
        return xtf_error("set_trap_table(NULL) gave %ld", rc);
    printk("EOI map registered, pirq 1 bound to port %u; now ud2 with no #UD handler\n",
           b.port);
    asm volatile ("ud2" ::: "memory");
    return xtf_failure("the guest continued after an exception it has no handler for");
}
