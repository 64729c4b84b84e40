/*
 * domu-builder.c: the domain builder's hypercall back end (domu-builder.h).  The builder
 * (builder/pv-build.c) lays the domU out and writes it; every action on the new domain comes
 * here and becomes a hypercall naming it.
 */
#include <xen/errno.h>
#include <xen/event_channel.h>
#include <xen/memory.h>
#include <xen/sched.h>

#include "../../builder/pv-build.h"
#include "events.h"
#include "domu-builder.h"
#include "string.h"
#include "toolstack.h"
#include "xtf.h"

#define MAP_FLAGS   (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define M2P_BATCH   128
/* A wait for the domU yields at least WAIT_YIELDS times (the domU runs while we yield on
 * one CPU) and for up to WAIT_NS of PV-clock time: on several CPUs the domU runs beside
 * us and our yields return at once, as fast as the host lets them. */
#define WAIT_YIELDS 200000u
#define WAIT_NS     (30ULL * 1000000000ULL)

/* The back end's state: the domU, our one mapping slot and the pending M2P updates. */
struct hc_backend {
    domid_t dom;
    unsigned long slot;
    xen_pfn_t mapped;               /* the mfn the slot maps, or ~0 */
    struct mmu_update m2p[M2P_BATCH];
    unsigned int nr_m2p;
};

static int hc_alloc(void *ctx, uint64_t nr, mfn_t *mfns)
{
    struct hc_backend *b = ctx;

    return populate_foreign(b->dom, 0, nr, mfns) == (long)nr ? 0 : -XEN_ENOMEM;
}

/* The slot keeps its mapping until another frame is wanted (the builder maps one at a time). */
static void *hc_map(void *ctx, mfn_t mfn)
{
    struct hc_backend *b = ctx;

    if (b->mapped != mfn) {
        if (map_foreign(b->slot, b->dom, mfn, MAP_FLAGS)) {
            b->mapped = ~0UL;
            return NULL;
        }
        b->mapped = mfn;
    }
    return (void *)b->slot;
}

static void hc_drop(struct hc_backend *b)
{
    if (b->mapped != ~0UL)
        unmap_va(b->slot);
    b->mapped = ~0UL;
}

static int hc_flush_m2p(struct hc_backend *b)
{
    long rc = 0;

    if (b->nr_m2p)
        rc = hypercall_mmu_update(b->m2p, b->nr_m2p, NULL, b->dom);
    b->nr_m2p = 0;
    return (int)rc;
}

static int hc_set_m2p(void *ctx, mfn_t mfn, uint64_t pfn)
{
    struct hc_backend *b = ctx;

    b->m2p[b->nr_m2p].ptr = (mfn << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE;
    b->m2p[b->nr_m2p].val = pfn;
    if (++b->nr_m2p == M2P_BATCH)
        return hc_flush_m2p(b);
    return 0;
}

/* No writable mapping of ours may remain when the domU's tables are validated. */
static int hc_pin_l4(void *ctx, mfn_t l4)
{
    struct hc_backend *b = ctx;
    struct mmuext_op pin = { .cmd = MMUEXT_PIN_L4_TABLE };
    int rc = hc_flush_m2p(b);

    hc_drop(b);
    if (rc)
        return rc;
    pin.arg1.mfn = l4;
    return (int)hypercall_mmuext_op(&pin, 1, NULL, b->dom);
}

/* dom0's end of an event channel the domU can use: unbound for it, bound by us. */
static long ring_channel(domid_t dom, uint32_t *domu_port, uint32_t *our_port)
{
    struct evtchn_alloc_unbound au = { .dom = dom, .remote_dom = 0 };
    struct evtchn_bind_interdomain bi;
    long rc = hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &au);

    if (rc)
        return rc;
    bi.remote_dom = dom;
    bi.remote_port = au.port;
    rc = hypercall_event_channel_op(EVTCHNOP_bind_interdomain, &bi);
    if (rc)
        return rc;
    *domu_port = au.port;
    *our_port = bi.local_port;
    return 0;
}

/*
 * Xen leaves a new domain's shared_info as it was allocated (zeroed): every vCPU would take
 * event upcalls before its kernel registered a callback, and Xen 4.17 crashes a domain it
 * cannot bounce an upcall to.  A toolstack masks them: evtchn_upcall_mask = 1 in every
 * vcpu_info of the page, written through a foreign mapping in our slot.
 */
static long mask_upcalls(struct hc_backend *b, xen_pfn_t shared_info_mfn)
{
    struct shared_info *si = hc_map(b, shared_info_mfn);
    unsigned int i;

    if (!si)
        return -XEN_EFAULT;
    for (i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
        si->vcpu_info[i].evtchn_upcall_mask = 1;
    hc_drop(b);
    return 0;
}

/* Give vCPU 0 the builder's registers and the pinned L4. */
static long set_context(const struct domu *u, const struct pvmm_boot_regs *r)
{
    static struct vcpu_guest_context c;

    memset(&c, 0, sizeof(c));
    c.flags = VGCF_IN_KERNEL | VGCF_online;
    c.user_regs.rip = r->rip;
    c.user_regs.rsp = r->rsp;
    c.user_regs.rsi = r->rsi;
    c.user_regs.rflags = r->rflags;
    c.user_regs.cs = r->cs;
    c.user_regs.ss = r->ss;
    c.user_regs.ds = r->ds;
    c.user_regs.es = r->es;
    c.user_regs.fs = r->fs;
    c.user_regs.gs = r->gs;
    c.kernel_ss = r->ss;
    c.kernel_sp = r->rsp;
    c.ctrlreg[3] = u->l4_mfn << PAGE_SHIFT;
    return domctl_vcpucontext(XEN_DOMCTL_setvcpucontext, u->domid, 0, &c);
}

/* The back end's one mapping slot, shared by every build (an L1 entry of ours). */
static void backend_init(struct hc_backend *b, domid_t dom)
{
    static unsigned long slot;

    memset(b, 0, sizeof(*b));
    b->dom = dom;
    b->mapped = ~0UL;
    if (!slot)
        slot = alloc_map_slot();
    b->slot = slot;
}

/* Everything of domu_create after createdomain; on failure the caller destroys the domain. */
static long set_up(struct domu *u, const char **why)
{
    static struct hc_backend b;
    struct xen_domctl_getdomaininfo info;
    long rc;

    *why = "max_vcpus";
    rc = domctl_max_vcpus(u->domid, (u->flags & DOMU_TWO_VCPUS) ? 2 : 1);
    if (!rc) {
        *why = "max_mem";
        rc = domctl_max_mem(u->domid, u->nr_pages * (PAGE_SIZE >> 10));
    }
    if (!rc) {
        *why = "getdomaininfo";
        rc = domctl_getinfo(u->domid, &info);
    }
    if (!rc && (u->flags & DOMU_RINGS)) {
        *why = "the xenstore and console event channels";
        rc = ring_channel(u->domid, &u->domu_store_port, &u->store_port);
        if (!rc)
            rc = ring_channel(u->domid, &u->domu_console_port, &u->console_port);
    }
    if (rc)
        return rc;
    u->shared_info_mfn = info.shared_info_frame;
    backend_init(&b, u->domid);
    *why = "masking its event upcalls in shared_info";
    return mask_upcalls(&b, info.shared_info_frame);
}

long domu_create(uint64_t nr_pages, unsigned int flags, struct domu *out, const char **why)
{
    long rc, dom;

    memset(out, 0, sizeof(*out));
    dom = domctl_create(0, (flags & DOMU_TWO_VCPUS) ? 2 : 1, 0);
    if (dom <= 0) {
        *why = "createdomain";
        return dom ? dom : -XEN_EINVAL;
    }
    out->domid = (domid_t)dom;
    out->nr_pages = nr_pages;
    out->flags = flags;
    rc = set_up(out, why);
    if (rc)
        domu_destroy(out);
    return rc;
}

long domu_channel(struct domu *u, uint32_t *domu_port, uint32_t *our_port, const char **why)
{
    long rc;

    *why = "an event channel for it";
    if (u->nr_extra_ports == DOMU_EXTRA_PORTS)
        return -XEN_ENOSPC;
    rc = ring_channel(u->domid, domu_port, our_port);
    if (!rc)
        u->extra_ports[u->nr_extra_ports++] = *our_port;
    return rc;
}

long domu_load(struct domu *u, const void *elf, size_t len, const char *cmdline,
               xen_pfn_t *p2m, const char **why)
{
    static struct hc_backend b;
    struct pvmm_builder_backend be = {
        .ctx = &b, .alloc = hc_alloc, .map = hc_map, .unmap = NULL,
        .set_m2p = hc_set_m2p, .pin_l4 = hc_pin_l4,
    };
    struct pvmm_image img;
    struct pvmm_builder_params p;
    struct pvmm_dom_layout l;
    struct pvmm_boot_regs regs;
    long rc = pvmm_image_parse(&img, elf, len, why);

    if (rc)
        return rc;
    backend_init(&b, u->domid);
    memset(&p, 0, sizeof(p));
    p.image = &img;
    p.nr_pages = u->nr_pages;
    p.cmdline = cmdline;
    p.shared_info_maddr = u->shared_info_mfn << PAGE_SHIFT;
    if (u->flags & DOMU_RINGS) {
        p.nr_special = 2;
        p.store_evtchn = u->domu_store_port;
        p.console_evtchn = u->domu_console_port;
    }
    rc = pvmm_builder_populate(&be, &p, p2m, &l, &regs, why);
    hc_drop(&b);
    if (rc)
        return rc;
    u->l4_mfn = l.l4_mfn;
    u->entry = regs.rip;
    u->start_info_va = l.start_info_va;
    if (u->flags & DOMU_RINGS) {
        u->store_mfn = p2m[(l.store_va - l.v_start) >> PAGE_SHIFT];
        u->console_mfn = p2m[(l.console_va - l.v_start) >> PAGE_SHIFT];
    }
    *why = "setvcpucontext";
    return set_context(u, &regs);
}

long domu_build(const void *elf, size_t len, uint64_t nr_pages, unsigned int flags,
                xen_pfn_t *p2m, struct domu *out, const char **why)
{
    long rc = domu_create(nr_pages, flags, out, why);

    if (rc)
        return rc;
    rc = domu_load(out, elf, len, NULL, p2m, why);
    if (rc)
        domu_destroy(out);
    return rc;
}

long domu_destroy(struct domu *u)
{
    if (!u->domid)
        return -XEN_ESRCH;
    if (u->console_port)
        evtchn_close(u->console_port);
    if (u->store_port)
        evtchn_close(u->store_port);
    while (u->nr_extra_ports)
        evtchn_close(u->extra_ports[--u->nr_extra_ports]);
    u->console_port = u->store_port = 0;
    return domctl_destroy(u->domid);
}

void *domu_map_frame(const struct domu *u, xen_pfn_t mfn)
{
    unsigned long va = alloc_map_slot();

    if (!va || map_foreign(va, u->domid, mfn, MAP_FLAGS))
        return NULL;
    return (void *)va;
}

void domu_unmap_frame(void *va)
{
    unmap_va((unsigned long)va);
}

int domu_wait_shutdown(const struct domu *u, void (*poll)(void *), void *arg)
{
    struct xen_domctl_getdomaininfo info;
    uint64_t end = pvclock_deadline(WAIT_NS);

    for (unsigned int i = 0; i < WAIT_YIELDS || pvclock_before(end); i++) {
        if (poll)
            poll(arg);
        if (domctl_getinfo(u->domid, &info))
            return -1;
        if (info.flags & XEN_DOMINF_shutdown) {
            if (poll)
                poll(arg);
            return (int)(info.flags >> XEN_DOMINF_shutdownshift) & 0xff;
        }
        hypercall_sched_op(SCHEDOP_yield, NULL);
    }
    return -1;
}
