/*
 * domu-shutdown-crash: a domU runs, and what it does stays its own - a domU's shutdown, its
 * crash, its console write and its domctl/sysctl calls never end the machine or reach
 * beyond it.
 *
 * dom0 builds one-page domUs (toolstack_tiny_domain: code and data in the page at VA 0,
 * vCPU 0 starting there in kernel mode), unpauses each, yields until it has stopped, reads
 * what it recorded in its page and its state (getdomaininfo), and destroys it.  Measured on
 * Xen 4.17 and asserted:
 *   - a domU's domctl (getdomaininfo of dom0) and sysctl (physinfo) are -EPERM; a domctl of
 *     another interface version is -EACCES first, even for it;
 *   - its console_io write is -EPERM (Xen as built for release: a domU's console is its
 *     ring, served by dom0);
 *   - its SCHEDOP_shutdown(reboot) leaves it shut down with code 1 (flags
 *     XEN_DOMINF_shutdown | 1 << 16), dom0 and the machine running;
 *   - ud2 without a trap table crashes it: shut down with code 3 (crash);
 *   - every domU destroyed, free_pages is what it was before the first (on Xen after an RCU
 *     grace period: a few yields).
 */
#include "guest.h"
#include "toolstack.h"
#include <xen/sched.h>

const char test_title[] = "a domU's shutdown, crash, console and domctl stay its own";

#define RES_CONSOLE   0x200
#define RES_DOMCTL    0x208
#define RES_VERSION   0x210
#define RES_SYSCTL    0x218
#define MSG           0x100
#define SHUTDOWN_ARG  0x300
#define DOMCTL_OP     0x400
#define VERSION_OP    0x500
#define SYSCTL_OP     0x600

static const uint8_t syscall_insn[] = { 0x0f, 0x05 };
static const uint8_t ud2_insn[] = { 0x0f, 0x0b };

/* hypercall nr with rdi = the page offset arg1 (and esi/rdx for console_io), rax stored */
static void call1(struct code_buf *b, uint32_t nr, uint32_t arg1, uint32_t result)
{
    code_mov_imm(b, 0, nr);
    code_lea(b, 7, arg1);
    code_bytes(b, syscall_insn, 2);
    code_store_rax(b, result);
}

static void probe_code(struct code_buf *b)
{
    b->n = 0;
    code_mov_imm(b, 0, __HYPERVISOR_console_io);
    code_mov_imm(b, 7, CONSOLEIO_write);
    code_mov_imm(b, 6, 3);
    code_lea(b, 2, MSG);
    code_bytes(b, syscall_insn, 2);
    code_store_rax(b, RES_CONSOLE);
    call1(b, __HYPERVISOR_domctl, DOMCTL_OP, RES_DOMCTL);
    call1(b, __HYPERVISOR_domctl, VERSION_OP, RES_VERSION);
    call1(b, __HYPERVISOR_sysctl, SYSCTL_OP, RES_SYSCTL);
    code_mov_imm(b, 0, __HYPERVISOR_sched_op);
    code_mov_imm(b, 7, SCHEDOP_shutdown);
    code_lea(b, 6, SHUTDOWN_ARG);
    code_bytes(b, syscall_insn, 2);
    code_bytes(b, ud2_insn, 2);
}

/* Run domain dom until it has shut down (at most 2000 yields); its getdomaininfo flags. */
static uint32_t run_until_stopped(domid_t dom)
{
    struct xen_domctl_getdomaininfo info;
    unsigned int i;

    info.flags = 0;
    if (domctl_simple(XEN_DOMCTL_unpausedomain, dom)) {
        xtf_error("unpausedomain %u refused", dom);
        return 0;
    }
    for (i = 0; i < 2000; i++) {
        if (domctl_getinfo(dom, &info))
            return 0;
        if (info.flags & XEN_DOMINF_shutdown)
            break;
        hypercall_sched_op(SCHEDOP_yield, NULL);
    }
    printk("  domain %u: flags %#x after %u yields\n", dom, info.flags, i);
    return info.flags;
}

/* Write the probe's inputs into its page. */
static int fill_inputs(domid_t dom, const xen_pfn_t *m, unsigned long slot)
{
    struct xen_domctl op;
    struct xen_sysctl sop;
    uint32_t reason = SHUTDOWN_reboot;
    uint8_t *p = (uint8_t *)slot;

    if (map_foreign(slot, dom, m[4], PTE_FLAGS_RW))
        return -1;
    memcpy(p + MSG, "hi\n", 3);
    memcpy(p + SHUTDOWN_ARG, &reason, 4);
    domctl_init(&op, XEN_DOMCTL_getdomaininfo, 0);
    memcpy(p + DOMCTL_OP, &op, sizeof(op));
    op.interface_version = 0x14;
    memcpy(p + VERSION_OP, &op, sizeof(op));
    memset(&sop, 0, sizeof(sop));
    sop.cmd = XEN_SYSCTL_physinfo;
    sop.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    memcpy(p + SYSCTL_OP, &sop, sizeof(sop));
    memset(p + RES_CONSOLE, 0x77, 32);
    unmap_va(slot);
    return 0;
}

static void check_result(const uint8_t *page, unsigned int off, const char *what, long want)
{
    int64_t got;

    memcpy(&got, page + off, 8);
    if (got != want)
        xtf_failure("the domU's %s gave %ld, expected %ld", what, (long)got, want);
    else
        printk("  its %-34s %ld\n", what, (long)got);
}

int test_main(void)
{
    static struct code_buf code;
    struct xen_sysctl_physinfo pi;
    xen_pfn_t m[5];
    uint64_t free0, free1;
    unsigned long slot = alloc_map_slot();
    uint32_t flags;
    long dom;

    if (sysctl_physinfo(&pi))
        return xtf_failure("physinfo refused");
    free0 = pi.free_pages;

    printk("a domU that calls domctl, sysctl, console_io and shuts down (reboot):\n");
    probe_code(&code);
    dom = toolstack_tiny_domain(&code, m, slot);
    if (dom <= 0)
        return xtf_error("building the domU: %ld", dom);
    if (fill_inputs((domid_t)dom, m, slot))
        return xtf_error("mapping the domU's page");
    flags = run_until_stopped((domid_t)dom);
    if ((flags & (XEN_DOMINF_shutdown | XEN_DOMINF_dying)) != XEN_DOMINF_shutdown ||
        (flags >> XEN_DOMINF_shutdownshift) != SHUTDOWN_reboot)
        xtf_failure("the domU after its shutdown(reboot): flags %#x", flags);
    if (map_foreign(slot, (domid_t)dom, m[4], PTE_FLAGS_RO))
        return xtf_error("mapping the domU's page again");
    check_result((const uint8_t *)slot, RES_CONSOLE, "console_io write", -XEN_EPERM);
    check_result((const uint8_t *)slot, RES_DOMCTL, "domctl getdomaininfo", -XEN_EPERM);
    check_result((const uint8_t *)slot, RES_VERSION, "domctl of version 0x14", -XEN_EACCES);
    check_result((const uint8_t *)slot, RES_SYSCTL, "sysctl physinfo", -XEN_EPERM);
    unmap_va(slot);
    if (domctl_destroy((domid_t)dom))
        xtf_failure("destroying the domU");

    printk("a domU that executes ud2 without a trap table:\n");
    code.n = 0;
    code_bytes(&code, ud2_insn, 2);
    dom = toolstack_tiny_domain(&code, m, slot);
    if (dom <= 0)
        return xtf_error("building the domU: %ld", dom);
    flags = run_until_stopped((domid_t)dom);
    if (!(flags & XEN_DOMINF_shutdown) || (flags >> XEN_DOMINF_shutdownshift) != SHUTDOWN_crash)
        xtf_failure("the crashed domU: flags %#x", flags);
    if (domctl_destroy((domid_t)dom))
        xtf_failure("destroying the crashed domU");

    free1 = sysctl_free_pages_back(free0);
    printk("free pages: %lu before, %lu after\n", free0, free1);
    if (!frames_came_back(free1, free0))
        xtf_failure("%ld frames did not come back", (long)(free0 - free1));
    return xtf_success();
}
