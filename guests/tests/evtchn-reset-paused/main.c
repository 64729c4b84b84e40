/*
 * evtchn-reset-paused: the toolstack may reset another domain's event channels only while
 * that domain is paused.
 *
 * The story. EVTCHNOP_reset of another domain closes every port of a domain whose vCPUs
 * might be sending on them at that moment; Xen 4.17 asks the toolstack to pause the domain
 * first (its controller pause count) and answers -EINVAL otherwise, after the -ESRCH of a
 * domain that does not exist and the -EPERM of a caller that may not target it.
 *
 * dom0 creates an empty domain (created paused), allocates an unbound port in it and checks
 * (values measured on Xen 4.17): reset of a domain id that does not exist -ESRCH; reset of
 * the new domain 0 (the port is closed: EVTCHNOP_status says closed); unpaused, reset
 * -EINVAL (the port allocated again stays unbound); paused again, reset 0; reset of itself
 * (DOMID_SELF, running) 0.
 */
#include "guest.h"
#include "toolstack.h"

const char test_title[] = "event channels: EVTCHNOP_reset of another domain needs it paused";

static long reset(domid_t d)
{
    struct evtchn_reset rs = { .dom = d };
    return hypercall_event_channel_op(EVTCHNOP_reset, &rs);
}

/* The status of `port` of dom, or -1 if the query fails. */
static int status(domid_t dom, uint32_t port)
{
    struct evtchn_status st = { .dom = dom, .port = port };

    return hypercall_event_channel_op(EVTCHNOP_status, &st) ? -1 : (int)st.status;
}

static long alloc_in(domid_t dom, uint32_t *port)
{
    struct evtchn_alloc_unbound au = { .dom = dom, .remote_dom = 0 };
    long rc = hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &au);

    *port = au.port;
    return rc;
}

static int check(domid_t dom)
{
    uint32_t port;

    XTF_EXPECT_RC(reset(DOMID_FIRST_RESERVED - 1), -XEN_ESRCH, "reset of no domain");
    XTF_EXPECT_RC(alloc_in(dom, &port), 0, "alloc_unbound in the new domain");
    XTF_EXPECT_RC(reset(dom), 0, "reset of the new (paused) domain");
    if (status(dom, port) != EVTCHNSTAT_closed)
        return xtf_failure("port %u after the reset: status %d, expected closed", port,
                           status(dom, port));
    XTF_EXPECT_RC(alloc_in(dom, &port), 0, "alloc_unbound again");
    XTF_EXPECT_RC(domctl_simple(XEN_DOMCTL_unpausedomain, dom), 0, "unpause");
    XTF_EXPECT_RC(reset(dom), -XEN_EINVAL, "reset of the unpaused domain");
    if (status(dom, port) != EVTCHNSTAT_unbound)
        return xtf_failure("port %u after the refused reset: status %d, expected unbound",
                           port, status(dom, port));
    XTF_EXPECT_RC(domctl_simple(XEN_DOMCTL_pausedomain, dom), 0, "pause");
    XTF_EXPECT_RC(reset(dom), 0, "reset of the paused domain");
    XTF_EXPECT_RC(reset(DOMID_SELF), 0, "reset of itself");
    return 0;
}

int test_main(void)
{
    long dom = domctl_create(0, 1, 0);
    int ret;

    if (dom < 0)
        return xtf_error("createdomain: %ld", dom);
    ret = check((domid_t)dom);
    if (domctl_destroy((domid_t)dom))
        return xtf_error("destroydomain refused");
    return ret ? ret : xtf_success();
}
