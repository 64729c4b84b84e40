/*
 * domU desc-window: the domU of the desc-window-domains test.  Each of its two vCPUs gives
 * itself a GDT and an LDT whose marker descriptors have limits naming it (GDT_LIMIT_DOMU +
 * vCPU id, desc-probe.h) and checks, ROUNDS times, that LSL through its GDTR and LDTR reads
 * those limits after a local TLB flush, reloading its tables every eighth round.  Meanwhile
 * dom0's vCPUs do the same with their own limits on the other CPU.  A hypervisor that maps
 * the descriptor tables of two running vCPUs at one place lets one read the other's
 * markers.  Its verdict is its shutdown code and its console ring's result line.
 */
#include "guest.h"
#include "desc-probe.h"
#include "vcpus.h"
#include <xen/vcpu.h>

const char test_title[] = "a domU's vCPUs see their own GDT while dom0 runs";

#define ROUNDS          10000u
#define GDT_LIMIT_DOMU  0x20000u

static struct desc_probe_worker v1 = { .limit = GDT_LIMIT_DOMU + 1, .id = 1, .rounds = ROUNDS };

int test_main(void)
{
    static struct desc_probe p0;
    long rc;

    if (events_init())
        return xtf_error("mapping shared_info");
    if (hypercall_vcpu_op(VCPUOP_is_up, 1, NULL) == -XEN_ENOENT)
        return xtf_error("the domU has one vCPU (built without DOMU_TWO_VCPUS)");
    if ((rc = desc_probe_init(&p0, GDT_LIMIT_DOMU)) != 0)
        return xtf_error("vCPU 0's GDT: %ld", rc);
    if ((rc = vcpu_start(1, desc_probe_vcpu, &v1)) != 0)
        return xtf_error("starting vCPU 1: %ld", rc);
    while (!rc && p0.rounds < ROUNDS)
        rc = desc_probe_run(&p0, 64);
    if (!desc_probe_wait(&v1.done))
        return xtf_error("vCPU 1 did not finish");
    desc_probe_report("vCPU 0", &p0, rc);
    desc_probe_report("vCPU 1", &v1.p, v1.rc);
    return xtf_success();
}
