/*
 * domu-console: dom0 builds a domU with its start-of-day rings and serves its console.
 *
 * The domain builder gives the domU a xenstore page and a console page right after its
 * start_info and names them there with their event channels (store_mfn / store_evtchn,
 * console.domU.mfn / evtchn).  The channels are made as Xen's toolstack makes them: allocated
 * unbound in the domU for dom0 (EVTCHNOP_alloc_unbound naming the domU), then bound by dom0
 * (EVTCHNOP_bind_interdomain).  The domU (guests/domu/hello) runs the test runtime, which,
 * unprivileged, writes its console to the ring; dom0 maps the ring, prints each of its lines
 * as `(d1) ...` while it runs, and reads its verdict there.  Asserted on Xen 4.17 and
 * pvmm-hv:
 *   - dom0's ends are interdomain channels to the domU's ports (EVTCHNOP_status);
 *   - binding left dom0's port pending; once cleared, the domU's output makes it pending
 *     again (the domU notifies), the xenstore port stays quiet;
 *   - the domU's console_io write is refused with -EPERM (its own line on the ring says so:
 *     measured on Xen 4.17 as built for release);
 *   - the domU finds its ring pages after start_info and its channels bound to dom0, and its
 *     verdict line on the ring is SUCCESS, its shutdown code poweroff;
 *   - destroyed while dom0's ends are open, those go back to unbound for the dead domain's id
 *     (its ports were closed); every frame comes back.
 */
#include "guest.h"
#include "domu-builder.h"
#include "domu-console.h"
#include "toolstack.h"
#include <xen/event_channel.h>
#include <xen/sched.h>

const char test_title[] = "a domU's console ring, served by dom0";

#define DOMU_PAGES 1280
#define CONSOLE_IO_LINE "console_io write from the domU: "

extern const char _binary_domu_hello_elf_start[], _binary_domu_hello_elf_end[];

static xen_pfn_t p2m[DOMU_PAGES];
static long domu_console_io_rc = 1;       /* 1: the domU never said */

/* Pick the domU's console_io result out of its lines. */
static void on_line(const char *line, void *arg)
{
    size_t n = sizeof(CONSOLE_IO_LINE) - 1;
    const char *p = line + n;
    long v = 0, sign = 1;

    (void)arg;
    if (memcmp(line, CONSOLE_IO_LINE, n))
        return;
    if (*p == '-') {
        sign = -1;
        p++;
    }
    while (*p >= '0' && *p <= '9')
        v = v * 10 + (*p++ - '0');
    domu_console_io_rc = sign * v;
}

/* Our end `port` is an interdomain channel to (dom, remote). */
static void check_channel(const char *what, uint32_t port, domid_t dom, uint32_t remote)
{
    struct evtchn_status st = { .dom = DOMID_SELF, .port = port };
    long rc = hypercall_event_channel_op(EVTCHNOP_status, &st);

    printk("  dom0's %s port %u: rc %ld, state %u, to d%u port %u\n", what, port, rc,
           st.status, st.u.interdomain.dom, st.u.interdomain.port);
    if (rc || st.status != EVTCHNSTAT_interdomain || st.u.interdomain.dom != dom ||
        st.u.interdomain.port != remote)
        xtf_failure("dom0's %s port %u is not bound to d%u port %u", what, port, dom, remote);
}

/* Our end `port` is unbound, for dom. */
static void check_unbound(const char *what, uint32_t port, domid_t dom)
{
    struct evtchn_status st = { .dom = DOMID_SELF, .port = port };
    long rc = hypercall_event_channel_op(EVTCHNOP_status, &st);

    printk("  dom0's %s port %u after the destruction: rc %ld, state %u, for d%u\n", what, port,
           rc, st.status, st.u.unbound.dom);
    if (rc || st.status != EVTCHNSTAT_unbound || st.u.unbound.dom != dom)
        xtf_failure("dom0's %s port %u is not left unbound for d%u", what, port, dom);
}

int test_main(void)
{
    size_t len = (size_t)(_binary_domu_hello_elf_end - _binary_domu_hello_elf_start);
    static struct domu_console con;
    struct domu u;
    const char *why = "";
    uint64_t free0, free1;
    bool pending_after_bind;
    long rc;
    int code;

    free0 = sysctl_free_pages();
    if (!free0)
        return xtf_failure("physinfo refused");
    if (events_init())
        return xtf_error("mapping shared_info");
    rc = domu_build(_binary_domu_hello_elf_start, len, DOMU_PAGES, DOMU_RINGS, p2m, &u, &why);
    if (rc)
        return xtf_failure("building the domU: %ld (%s)", rc, why);
    printk("domain %u built: xenstore mfn %#lx (its port %u), console mfn %#lx (its port %u)\n",
           u.domid, u.store_mfn, u.domu_store_port, u.console_mfn, u.domu_console_port);
    check_channel("xenstore", u.store_port, u.domid, u.domu_store_port);
    check_channel("console", u.console_port, u.domid, u.domu_console_port);
    pending_after_bind = port_pending(u.console_port);
    port_clear(u.console_port);
    port_clear(u.store_port);

    if (domu_console_open(&con, &u))
        return xtf_failure("mapping the domU's console ring");
    con.on_line = on_line;
    if (domctl_simple(XEN_DOMCTL_unpausedomain, u.domid))
        return xtf_failure("unpausedomain refused");
    code = domu_wait_shutdown(&u, domu_console_poll, &con);
    domu_console_close(&con);
    printk("domain %u shut down with code %d after %u lines; its verdict on the ring: %s\n",
           u.domid, code, con.lines, con.verdict[0] ? con.verdict : "(none)");
    printk("dom0's console port pending: after binding %d, after the domU ran %d; "
           "xenstore port %d\n", pending_after_bind, port_pending(u.console_port),
           port_pending(u.store_port));
    if (code != SHUTDOWN_poweroff)
        xtf_failure("the domU's shutdown code %d (poweroff is SUCCESS)", code);
    if (strcmp(con.verdict, "SUCCESS"))
        xtf_failure("the domU's verdict on its console ring: '%s'", con.verdict);
    if (!port_pending(u.console_port))
        xtf_failure("the domU never notified its console channel");
    if (port_pending(u.store_port))
        xtf_failure("the xenstore channel was notified (nobody wrote to it)");
    if (domu_console_io_rc != -XEN_EPERM)
        xtf_failure("the domU's console_io write gave %ld, expected -EPERM (1: not seen)",
                    domu_console_io_rc);

    /* Destroyed with dom0's ends still open: they go back to unbound (for the dead id). */
    rc = domctl_destroy(u.domid);
    if (rc)
        return xtf_failure("destroydomain: %ld", rc);
    check_unbound("xenstore", u.store_port, u.domid);
    check_unbound("console", u.console_port, u.domid);
    if (evtchn_close(u.store_port) || evtchn_close(u.console_port))
        xtf_failure("closing dom0's ends after the domU went");
    free1 = sysctl_free_pages_back(free0);
    printk("free pages: %lu before, %lu after\n", (unsigned long)free0, (unsigned long)free1);
    if (!frames_came_back(free1, free0))
        xtf_failure("%ld frames did not come back", (long)(free0 - free1));
    return xtf_success();
}
