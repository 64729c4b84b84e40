/*
 * desc-window-domains: two domains on two CPUs each see only their own descriptor tables.
 *
 * A PV vCPU's GDT and LDT frames are mapped by the hypervisor into a per-vCPU window that
 * GDTR (and the LDT descriptor) point at.  If that window were one per vCPU id, shared by
 * every domain, dom0's vCPU n and a domU's vCPU n running at once on two CPUs would map
 * each other's frames there, and a selector one of them defined would read the other's
 * descriptor.  Here (hv-run --smp 2, xen-run --smp 2) dom0 builds a domU with two vCPUs
 * (guests/domu/desc-window) and every vCPU of both domains, dom0's while the domU runs,
 * gives itself a GDT and an LDT whose marker descriptors have limits naming domain and vCPU
 * (desc-probe.h), then repeatedly flushes its TLB, reads the limits with LSL and reloads
 * its tables (the LDT page mapped lazily again at the next LSL).  Asserted on Xen 4.17 and
 * pvmm-hv, whatever the interleaving: every LSL of every vCPU reads its own limit; the domU's verdict is SUCCESS (poweroff); all of it ran (each of
 * dom0's vCPUs at least one round); the domU is destroyed.  (Not asserted: that every
 * frame comes back - on Xen with two CPUs one frame stayed out for good after the first
 * such domU, the rest within a second; domu-console and many-domains check teardown.)
 */
#include "guest.h"
#include "domu-builder.h"
#include "domu-console.h"
#include "desc-probe.h"
#include "toolstack.h"
#include "vcpus.h"
#include <xen/sched.h>
#include <xen/vcpu.h>

const char test_title[] = "each domain's vCPUs see their own GDT, two domains on two CPUs";

#define DOMU_PAGES      1280
#define GDT_LIMIT_DOM0  0x10000u

extern const char _binary_domu_desc_window_elf_start[], _binary_domu_desc_window_elf_end[];

static xen_pfn_t p2m[DOMU_PAGES];
static struct desc_probe p0;
static struct desc_probe_worker v1 = { .limit = GDT_LIMIT_DOM0 + 1, .id = 1 };
static long p0_rc;

/* Between the waits for the domU: drain its console, then probe on vCPU 0. */
static void poll(void *arg)
{
    domu_console_poll(arg);
    if (!p0_rc)
        p0_rc = desc_probe_run(&p0, 16);
}

int test_main(void)
{
    size_t len = (size_t)(_binary_domu_desc_window_elf_end - _binary_domu_desc_window_elf_start);
    static struct domu_console con;
    struct domu u;
    const char *why = "";
    long rc;
    int code;

    if (events_init())
        return xtf_error("mapping shared_info");
    if (hypercall_vcpu_op(VCPUOP_is_up, 1, NULL) == -XEN_ENOENT)
        return xtf_error("dom0 has one vCPU: run with 2 CPUs (hv-run-args, xen-run-args)");
    if ((rc = desc_probe_init(&p0, GDT_LIMIT_DOM0)) != 0)
        return xtf_error("vCPU 0's GDT: %ld", rc);
    if ((rc = vcpu_start(1, desc_probe_vcpu, &v1)) != 0)
        return xtf_error("starting vCPU 1: %ld", rc);
    if (!desc_probe_wait(&v1.ready))
        return xtf_error("vCPU 1 never loaded its GDT");
    rc = domu_build(_binary_domu_desc_window_elf_start, len, DOMU_PAGES,
                    DOMU_RINGS | DOMU_TWO_VCPUS, p2m, &u, &why);
    if (rc)
        return xtf_failure("building the domU: %ld (%s)", rc, why);
    if (domu_console_open(&con, &u))
        return xtf_failure("mapping the domU's console ring");
    if (domctl_simple(XEN_DOMCTL_unpausedomain, u.domid))
        return xtf_failure("unpausedomain refused");
    code = domu_wait_shutdown(&u, poll, &con);
    __atomic_store_n(&v1.stop, 1, __ATOMIC_SEQ_CST);
    if (!desc_probe_wait(&v1.done))
        xtf_error("dom0's vCPU 1 did not stop");
    domu_console_close(&con);
    printk("domain %u shut down with code %d; its verdict on the ring: %s\n", u.domid, code,
           con.verdict[0] ? con.verdict : "(none)");
    desc_probe_report("dom0 vCPU 0", &p0, p0_rc);
    desc_probe_report("dom0 vCPU 1", &v1.p, v1.rc);
    if (code != SHUTDOWN_poweroff || strcmp(con.verdict, "SUCCESS"))
        xtf_failure("the domU's verdict '%s', shutdown code %d (SUCCESS, poweroff expected)",
                    con.verdict, code);
    if ((rc = domu_destroy(&u)) != 0)
        return xtf_failure("destroydomain: %ld", rc);
    return xtf_success();
}
