/*
 * remote-shutdown: SCHEDOP_remote_shutdown shuts down another domain for the control domain
 * only.
 *
 * dom0 builds a one-page domU (toolstack_tiny_domain) that calls SCHEDOP_remote_shutdown on
 * dom0, on itself and on a domain that does not exist, stores each result in its page and
 * then yields for ever; dom0 reads the results, shuts the domU down from outside and reads
 * its state.  Measured on Xen 4.17 and asserted:
 *   - for the domU every remote shutdown of an existing domain is -EPERM (only the control
 *     domain may; dom0 and the domU itself alike) and of a missing one -ESRCH (the lookup
 *     comes first);
 *   - dom0's remote shutdown of the running domU is 0 and leaves it shut down with the
 *     reason's low byte as its code (0x101: 1, reboot), dom0 and the machine running; a
 *     second one is 0 and changes nothing; DOMID_SELF and a missing domain are -ESRCH;
 *   - a domain that never ran (paused since its creation) shuts down the same way;
 *   - every domU destroyed, free_pages is what it was.
 */
#include "guest.h"
#include "toolstack.h"
#include <xen/sched.h>

const char test_title[] = "SCHEDOP_remote_shutdown: the control domain's only";

#define ARG_DOM0   0x300
#define ARG_SELF   0x308
#define ARG_NONE   0x310
#define RES_DOM0   0x200
#define RES_SELF   0x208
#define RES_NONE   0x210
#define SENTINEL   0x7777777777777777L

static const uint8_t syscall_insn[] = { 0x0f, 0x05 };
static const uint8_t jmp_back[] = { 0xeb };

static void remote_call(struct code_buf *b, uint32_t arg, uint32_t result)
{
    code_mov_imm(b, 0, __HYPERVISOR_sched_op);
    code_mov_imm(b, 7, SCHEDOP_remote_shutdown);
    code_lea(b, 6, arg);
    code_bytes(b, syscall_insn, 2);
    code_store_rax(b, result);
}

/* The three calls, then SCHEDOP_yield in a loop. */
static void domu_code(struct code_buf *b)
{
    unsigned int loop;
    uint8_t disp;

    b->n = 0;
    remote_call(b, ARG_DOM0, RES_DOM0);
    remote_call(b, ARG_SELF, RES_SELF);
    remote_call(b, ARG_NONE, RES_NONE);
    loop = b->n;
    code_mov_imm(b, 0, __HYPERVISOR_sched_op);
    code_mov_imm(b, 7, SCHEDOP_yield);
    code_bytes(b, syscall_insn, 2);
    code_bytes(b, jmp_back, 1);
    disp = (uint8_t)(loop - (b->n + 1));
    code_bytes(b, &disp, 1);
}

static void expect(const char *what, long rc, long want)
{
    if (rc != want)
        xtf_failure("%s: %ld, expected %ld", what, rc, want);
    else
        printk("  %-52s %ld\n", what, rc);
}

static long remote_shutdown(domid_t dom, unsigned int reason)
{
    struct sched_remote_shutdown rs;

    memset(&rs, 0, sizeof(rs));
    rs.domain_id = dom;
    rs.reason = reason;

    return hypercall_sched_op(SCHEDOP_remote_shutdown, &rs);
}

/* The domain's getdomaininfo flags once it shows `want` (at most 2000 yields), else 0. */
static uint32_t wait_flags(domid_t dom, uint32_t want)
{
    struct xen_domctl_getdomaininfo info;
    unsigned int i;

    for (i = 0; i < 2000; i++) {
        if (domctl_getinfo(dom, &info))
            return 0;
        if ((info.flags & want) == want)
            return info.flags;
        hypercall_sched_op(SCHEDOP_yield, NULL);
    }
    return 0;
}

/* Write the calls' arguments and the sentinels into the domU's page. */
static int fill_inputs(domid_t dom, const xen_pfn_t *m, unsigned long slot)
{
    struct sched_remote_shutdown a[3];
    uint8_t *p = (uint8_t *)slot;
    int64_t s = SENTINEL;

    memset(a, 0, sizeof(a));
    a[1].domain_id = dom;
    a[2].domain_id = 0x7fe0;
    if (map_foreign(slot, dom, m[4], PTE_FLAGS_RW))
        return -1;
    memcpy(p + ARG_DOM0, &a[0], sizeof(a[0]));
    memcpy(p + ARG_SELF, &a[1], sizeof(a[1]));
    memcpy(p + ARG_NONE, &a[2], sizeof(a[2]));
    memcpy(p + RES_DOM0, &s, 8);
    memcpy(p + RES_SELF, &s, 8);
    memcpy(p + RES_NONE, &s, 8);
    unmap_va(slot);
    return 0;
}

static int64_t result(unsigned long slot, unsigned int off)
{
    int64_t v;

    memcpy(&v, (const uint8_t *)slot + off, 8);
    return v;
}

static void running_domu(unsigned long slot)
{
    static struct code_buf code;
    xen_pfn_t m[5];
    uint32_t flags;
    long dom;
    int i;

    printk("a domU that calls SCHEDOP_remote_shutdown:\n");
    domu_code(&code);
    dom = toolstack_tiny_domain(&code, m, slot);
    if (dom <= 0) {
        xtf_error("building the domU: %ld", dom);
        return;
    }
    if (fill_inputs((domid_t)dom, m, slot) ||
        domctl_simple(XEN_DOMCTL_unpausedomain, (domid_t)dom) ||
        map_foreign(slot, (domid_t)dom, m[4], PTE_FLAGS_RO)) {
        xtf_error("starting the domU");
        return;
    }
    for (i = 0; i < 2000 && result(slot, RES_NONE) == SENTINEL; i++)
        hypercall_sched_op(SCHEDOP_yield, NULL);
    expect("its remote_shutdown of dom0", result(slot, RES_DOM0), -XEN_EPERM);
    expect("its remote_shutdown of itself", result(slot, RES_SELF), -XEN_EPERM);
    expect("its remote_shutdown of domain 0x7fe0", result(slot, RES_NONE), -XEN_ESRCH);
    unmap_va(slot);
    flags = wait_flags((domid_t)dom, 0);
    if (flags & XEN_DOMINF_shutdown)
        xtf_failure("the domU shut down by itself: flags %#x", flags);

    expect("remote_shutdown of the domU (reason 0x101)", remote_shutdown((domid_t)dom, 0x101), 0);
    flags = wait_flags((domid_t)dom, XEN_DOMINF_shutdown);
    printk("  its flags %#x\n", flags);
    if (!(flags & XEN_DOMINF_shutdown) || (flags >> XEN_DOMINF_shutdownshift) != SHUTDOWN_reboot)
        xtf_failure("the domU after remote_shutdown(0x101): flags %#x", flags);
    expect("remote_shutdown of it again (poweroff)", remote_shutdown((domid_t)dom, 0), 0);
    flags = wait_flags((domid_t)dom, XEN_DOMINF_shutdown);
    if ((flags >> XEN_DOMINF_shutdownshift) != SHUTDOWN_reboot)
        xtf_failure("a second remote_shutdown changed the code: flags %#x", flags);
    expect("destroydomain", domctl_destroy((domid_t)dom), 0);
}

static void paused_domain(void)
{
    uint32_t flags;
    long dom = domctl_create(0, 1, 0);

    printk("a domain that never ran:\n");
    if (dom <= 0) {
        xtf_error("createdomain: %ld", dom);
        return;
    }
    expect("remote_shutdown of it (crash)", remote_shutdown((domid_t)dom, SHUTDOWN_crash), 0);
    flags = wait_flags((domid_t)dom, XEN_DOMINF_shutdown);
    printk("  its flags %#x\n", flags);
    if ((flags & (XEN_DOMINF_shutdown | XEN_DOMINF_paused)) !=
        (XEN_DOMINF_shutdown | XEN_DOMINF_paused) ||
        (flags >> XEN_DOMINF_shutdownshift) != SHUTDOWN_crash)
        xtf_failure("the paused domain after remote_shutdown(crash): flags %#x", flags);
    expect("destroydomain", domctl_destroy((domid_t)dom), 0);
}

int test_main(void)
{
    struct xen_sysctl_physinfo pi;
    unsigned long slot = alloc_map_slot();
    uint64_t free0, free1;

    if (sysctl_physinfo(&pi))
        return xtf_failure("physinfo refused");
    free0 = pi.free_pages;
    printk("dom0's own calls:\n");
    expect("remote_shutdown of DOMID_SELF", remote_shutdown(DOMID_SELF, 0), -XEN_ESRCH);
    expect("remote_shutdown of domain 0x7fe0", remote_shutdown(0x7fe0, 0), -XEN_ESRCH);
    running_domu(slot);
    paused_domain();

    free1 = sysctl_free_pages_back(free0);
    printk("free pages: %lu before, %lu after\n", free0, free1);
    if (!frames_came_back(free1, free0))
        xtf_failure("%ld frames did not come back", (long)(free0 - free1));
    return xtf_success();
}
