/*
 * hv/sysctl.c - the sysctl hypercall (35) for the privileged domain, with Xen 4.17's ABI
 * (interface version 0x15; another one is -EACCES, an unprivileged caller -EPERM, an unknown
 * command -ENOSYS): physinfo (the CPUs running, the TSC frequency, the machine's frames and
 * the free pool, Xen 4.17's capabilities less hvm) and getdomaininfolist (getdomaininfo of each domain from first_domain on).
 */
#include "events.h"
#include "domains.h"
#include <xen/sysctl.h>
#include "smp.h"

/* Xen's MAX_NUMNODES on x86: physinfo's max_node_id is one less, whatever the machine. */
#define XEN_MAX_NUMNODES 64

static long physinfo(struct xen_sysctl_physinfo *pi)
{
    const struct pvmm_state *s = mmglue_core();

    domains_reap_zombies();   /* a zombie's last frames are free once its last user went */
    memset(pi, 0, sizeof(*pi));
    pi->threads_per_core = 1;
    pi->cores_per_socket = 1;
    pi->nr_cpus = nr_cpus_online;
    pi->max_cpu_id = nr_cpus_online - 1;
    pi->nr_nodes = 1;
    pi->max_node_id = XEN_MAX_NUMNODES - 1;
    pi->cpu_khz = (uint32_t)tsc_khz;
    /* As Xen 4.17 but for hvm: pvmm-hv runs PV guests only (docs/hv.md). */
    pi->capabilities = XEN_SYSCTL_PHYSCAP_pv | XEN_SYSCTL_PHYSCAP_gnttab_v1 |
                       XEN_SYSCTL_PHYSCAP_gnttab_v2;
    pi->total_pages = s->nr_frames;
    pi->free_pages = s->nr_free;
    pi->max_mfn = max_ram_pfn - 1;
    return 0;
}

static long getdomaininfolist(struct xen_sysctl_getdomaininfolist *l)
{
    struct xen_domctl_getdomaininfo info;
    uint32_t n = 0;

    for (unsigned int id = l->first_domain; id < PVMM_MAX_DOMAINS; id++) {
        struct domain *d;

        if (n == l->max_domains)
            break;
        d = domain_by_id((domid_t)id);
        if (!d)
            continue;
        domain_getinfo(d, &info);
        if (copy_to_guest_va(l->buffer + (uint64_t)n * sizeof(info), &info, sizeof(info)))
            return -XEN_EFAULT;
        n++;
    }
    l->num_domains = n;
    return 0;
}

long hc_sysctl(uint64_t arg)
{
    static struct xen_sysctl op;
    long rc;

    if (copy_from_guest_va(&op, arg, sizeof(op)))
        return -XEN_EFAULT;
    if (op.interface_version != XEN_SYSCTL_INTERFACE_VERSION)
        return -XEN_EACCES;
    if (!current->domain->is_privileged)
        return -XEN_EPERM;
    switch (op.cmd) {
    case XEN_SYSCTL_physinfo:
        rc = physinfo(&op.u.physinfo);
        break;
    case XEN_SYSCTL_getdomaininfolist:
        rc = getdomaininfolist(&op.u.getdomaininfolist);
        break;
    default:
        return -XEN_ENOSYS;
    }
    if (rc == 0 && copy_to_guest_va(arg, &op, sizeof(op)))
        return -XEN_EFAULT;
    return rc;
}
