/*
 * hv/domctl.c - the domctl hypercall (36): domain control for the privileged domain, with
 * Xen 4.17's ABI (interface version 0x15) and its order of checks: the structure is read
 * (-EFAULT), the interface version compared (-EACCES), the target domain looked up (-ESRCH;
 * getdomaininfo of a reserved id -EINVAL), the caller's privilege checked (-EPERM), then the
 * command (-ENOSYS if unknown).  Answers are copied back whole, as Xen does.
 *
 * createdomain also takes pvmm's XEN_DOMCTL_CDF_pvmm_sealed (include/xen/domctl.h); the
 * first unpause of a sealed domain is its launch (domains.c).
 *
 * The privileged domain's domctls run one at a time under Xen's domctl lock (below).
 *
 * Here: createdomain, destroydomain, pausedomain, unpausedomain, getdomaininfo, max_mem,
 * max_vcpus, iomem_permission, ioport_permission.  The vCPU context and the frame-type query
 * are in domctl-vcpu.c; the domain list in domains.c.
 */
#include "events.h"
#include "domains.h"
#include <xen/domctl.h>
#include <xen/vcpu.h>
#include <xen/vcpu.h>

/* The createdomain flags Xen 4.17 knows (XEN_DOMCTL_CDF_MAX is vpmu). */
#define CDF_KNOWN  ((XEN_DOMCTL_CDF_vpmu << 1) - 1)

long domctl_vcpucontext(struct domain *d, struct xen_domctl *op);       /* domctl-vcpu.c */
long domctl_getpageframeinfo3(struct domain *d, struct xen_domctl *op);
long domctl_vcpuaffinity(struct domain *d, struct xen_domctl *op);       /* affinity.c */
long domctl_getvcpuinfo(struct domain *d, struct xen_domctl *op);

void domain_getinfo(struct domain *d, struct xen_domctl_getdomaininfo *info)
{
    struct hv_domain *hd = hv_dom(d);
    uint32_t flags = XEN_DOMINF_blocked;
    unsigned int online = 0;

    memset(info, 0, sizeof(*info));
    info->domain = d->domain_id;
    info->max_vcpu_id = hd->nr_vcpus ? hd->nr_vcpus - 1 : XEN_INVALID_MAX_VCPU_ID;
    for (unsigned int i = 0; i < hd->nr_vcpus; i++) {
        struct vcpu *v = &d->vcpu[i];

        if (!v->plat || hvv(v)->down || !hvv(v)->initialised)
            continue;
        online++;
        if (!hvv(v)->blocked)
            flags &= ~XEN_DOMINF_blocked;
        if (v == current)
            flags |= XEN_DOMINF_running;
        info->cpu_time += hvv(v)->runstate_time[RUNSTATE_running];
    }
    info->nr_online_vcpus = online;
    info->flags = (online ? flags : 0) | (d->is_dying ? XEN_DOMINF_dying : 0) |
                  (hd->shut_down ? XEN_DOMINF_shutdown : 0) |
                  (hd->pause_count ? XEN_DOMINF_paused : 0) |
                  (uint32_t)(hd->shutdown_code << XEN_DOMINF_shutdownshift);
    info->tot_pages = d->tot_pages;
    info->max_pages = d->max_pages;
    info->shared_info_frame = hd->shared_info_mfn;
}

/* Xen's domid rover: the next free id after the last one handed out. */
static domid_t pick_domid(void)
{
    static domid_t rover;

    for (unsigned int i = 0; i < PVMM_MAX_DOMAINS - 1; i++) {
        domid_t dom = (domid_t)((rover + i) % (PVMM_MAX_DOMAINS - 1) + 1);

        if (!hv_domains[dom].in_use) {
            rover = dom;
            return dom;
        }
    }
    return 0;
}

static long createdomain(struct xen_domctl *op)
{
    const struct xen_domctl_createdomain *c = &op->u.createdomain;
    domid_t dom = op->domain;
    int rc;

    if (dom > 0 && dom < DOMID_FIRST_RESERVED) {
        if (dom < PVMM_MAX_DOMAINS && hv_domains[dom].in_use)
            return -XEN_EEXIST;
        if (dom >= PVMM_MAX_DOMAINS)
            return -XEN_ENOMEM;         /* pvmm-hv has ids 1..PVMM_MAX_DOMAINS-1 for domUs */
    } else {
        dom = pick_domid();
        if (!dom)
            return -XEN_ENOMEM;
    }
    /* Xen's sanitise_domain_config, for a machine that runs PV guests only; pvmm's own
     * sealed flag besides. */
    if ((c->flags & ~(CDF_KNOWN | XEN_DOMCTL_CDF_pvmm_sealed)) || (c->flags & (XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap |
                                                XEN_DOMCTL_CDF_nested_virt)) ||
        c->max_vcpus == 0 || c->max_vcpus > PVMM_MAX_VCPUS || c->arch.emulation_flags ||
        c->iommu_opts || (c->grant_opts & ~XEN_DOMCTL_GRANT_version(~0U)) ||
        XEN_DOMCTL_GRANT_version(c->grant_opts) < 1 ||
        XEN_DOMCTL_GRANT_version(c->grant_opts) > 2)
        return -XEN_EINVAL;
    rc = domain_create_domu(dom, c->max_vcpus);
    if (rc)
        return rc;
    /* The grant-table versions it may use (the highest of them; Xen's default limit is 2). */
    pvmm_gnttab_set_max_version(domain_by_id(dom), XEN_DOMCTL_GRANT_version(c->grant_opts));
    evtchn_set_max_port(domain_by_id(dom), c->max_evtchn_port);
    if (c->flags & XEN_DOMCTL_CDF_pvmm_sealed) {
        pvmm_domain_seal(domain_by_id(dom));
        printk("pvmm: domain %u is sealed\n", dom);
    }
    op->domain = dom;
    return 0;
}

/* The domctl at guest address arg is issued again when the caller next returns (0 now). */
static long domctl_continue(uint64_t arg)
{
    struct vcpu *v = current;

    v->cont.pending = true;
    v->cont.op = __HYPERVISOR_domctl;
    v->cont.nargs = 1;
    v->cont.args[0] = arg;
    return 0;
}

static long destroydomain(struct domain *d, uint64_t arg)
{
    long rc;

    if (d == current->domain)
        return -XEN_EINVAL;
    rc = domain_destroy_domu(d);
    if (rc == -XEN_ERESTART)
        return domctl_continue(arg);
    return rc;
}

static long max_vcpus(struct domain *d, const struct xen_domctl *op)
{
    if (d == current->domain || op->u.max_vcpus.max != d->max_vcpus)
        return -XEN_EINVAL;
    domain_alloc_vcpus(d, op->u.max_vcpus.max);
    return 0;
}

static long iomem_permission(struct domain *d, const struct xen_domctl *op)
{
    uint64_t first = op->u.iomem_permission.first_mfn, nr = op->u.iomem_permission.nr_mfns;

    if (first + nr - 1 < first)
        return -XEN_EINVAL;
    if (!iomem_access_permitted(current->domain, first, first + nr - 1))
        return -XEN_EPERM;
    return op->u.iomem_permission.allow_access ? iomem_permit_access(d, first, first + nr - 1)
                                               : iomem_deny_access(d, first, first + nr - 1);
}

static long ioport_permission(struct domain *d, const struct xen_domctl *op)
{
    uint32_t first = op->u.ioport_permission.first_port, nr = op->u.ioport_permission.nr_ports;
    struct rangeset *caps = &hv_dom(d)->ioport_caps;

    if (first + nr <= first || first + nr > 0x10000)
        return -XEN_EINVAL;
    if (!ioports_access_permitted(current->domain, first, first + nr - 1))
        return -XEN_EPERM;
    return op->u.ioport_permission.allow_access ? rangeset_add_range(caps, first, first + nr - 1)
                                                : rangeset_remove_range(caps, first,
                                                                        first + nr - 1);
}

/* The command's work on d (NULL for createdomain); *copyback when op goes back whole. */
static long domctl_command(struct domain *d, struct xen_domctl *op, uint64_t arg,
                           bool *copyback)
{
    switch (op->cmd) {
    case XEN_DOMCTL_createdomain:
        *copyback = true;
        return createdomain(op);
    case XEN_DOMCTL_destroydomain:
        return destroydomain(d, arg);
    case XEN_DOMCTL_pausedomain:
        if (d == current->domain)
            return -XEN_EINVAL;
        domain_pause_by_controller(d);
        return 0;
    case XEN_DOMCTL_unpausedomain:
        return domain_unpause_by_controller(d);
    case XEN_DOMCTL_getdomaininfo:
        domain_getinfo(d, &op->u.getdomaininfo);
        *copyback = true;
        return 0;
    case XEN_DOMCTL_max_mem:
        d->max_pages = op->u.max_mem.max_memkb >> (PAGE_SHIFT - 10);
        return 0;
    case XEN_DOMCTL_max_vcpus:
        return max_vcpus(d, op);
    case XEN_DOMCTL_setvcpucontext:
    case XEN_DOMCTL_getvcpucontext:
        return domctl_vcpucontext(d, op);
    case XEN_DOMCTL_getpageframeinfo3:
        return domctl_getpageframeinfo3(d, op);
    case XEN_DOMCTL_setvcpuaffinity:
    case XEN_DOMCTL_getvcpuaffinity:
        return domctl_vcpuaffinity(d, op);
    case XEN_DOMCTL_getvcpuinfo:
        *copyback = true;
        return domctl_getvcpuinfo(d, op);
    case XEN_DOMCTL_iomem_permission:
        return iomem_permission(d, op);
    case XEN_DOMCTL_ioport_permission:
        return ioport_permission(d, op);
    default:
        return -XEN_ENOSYS;
    }
}

/*
 * Xen's domctl lock: one domctl of the privileged domain at a time on the whole machine (the
 * domain list, two destroys of one domain).  A caller that finds it taken is continued - it
 * goes back through its exit path and asks again - rather than spinning here, as Xen's
 * domctl_lock_acquire: the holder may be waiting for the caller's CPU (destroydomain pausing
 * a vCPU that runs there).  A continued destroydomain lets it go between its steps.  Other
 * domains get their answer (-ESRCH, -EPERM) without it.
 */
static pvmm_spinlock_t domctl_lock = PVMM_SPINLOCK_INIT;

static bool domain_exists(domid_t domid)
{
    return domid < PVMM_MAX_DOMAINS && hv_domains[domid].in_use;
}

/* The domctl `op` (read from the guest's `arg`) of the privileged domain, under the lock. */
static long domctl_locked(struct xen_domctl *op, uint64_t arg)
{
    struct domain *d = NULL;
    bool copyback = false;
    long rc;

    domains_reap_zombies();
    if (op->cmd != XEN_DOMCTL_createdomain) {
        d = domain_by_id(op->domain);
        if (!d)
            return -XEN_ESRCH;
    }
    rc = domctl_command(d, op, arg, &copyback);
    if (copyback && rc == 0 && copy_to_guest_va(arg, op, sizeof(*op)))
        return -XEN_EFAULT;
    return rc;
}

long hc_domctl(uint64_t arg)
{
    struct xen_domctl op;
    long rc;

    if (copy_from_guest_va(&op, arg, sizeof(op)))
        return -XEN_EFAULT;
    if (op.interface_version != XEN_DOMCTL_INTERFACE_VERSION)
        return -XEN_EACCES;
    if (op.cmd == XEN_DOMCTL_getdomaininfo && op.domain >= DOMID_FIRST_RESERVED)
        return -XEN_EINVAL;
    if (!current->domain->is_privileged)
        return op.cmd == XEN_DOMCTL_createdomain || domain_exists(op.domain) ? -XEN_EPERM
                                                                             : -XEN_ESRCH;
    if (!spin_trylock(&domctl_lock))
        return domctl_continue(arg);
    rc = domctl_locked(&op, arg);
    spin_unlock(&domctl_lock);
    return rc;
}
