/*
 * xen/sysctl.h - the sysctl hypercall (35): system-wide queries for a privileged caller, in
 * Xen 4.17's layout (interface version 0x15): physinfo and getdomaininfolist.
 */
#ifndef PVMM_XEN_SYSCTL_H
#define PVMM_XEN_SYSCTL_H

#include "xen.h"
#include "domctl.h"

#define XEN_SYSCTL_INTERFACE_VERSION  0x00000015

#define XEN_SYSCTL_physinfo            3
#define XEN_SYSCTL_getdomaininfolist   6

#define XEN_SYSCTL_PHYSCAP_hvm         (1U << 0)
#define XEN_SYSCTL_PHYSCAP_pv          (1U << 1)
#define XEN_SYSCTL_PHYSCAP_directio    (1U << 2)
#define XEN_SYSCTL_PHYSCAP_gnttab_v1   (1U << 8)
#define XEN_SYSCTL_PHYSCAP_gnttab_v2   (1U << 9)

struct xen_sysctl_physinfo {
    uint32_t threads_per_core;
    uint32_t cores_per_socket;
    uint32_t nr_cpus;
    uint32_t max_cpu_id;
    uint32_t nr_nodes;
    uint32_t max_node_id;
    uint32_t cpu_khz;
    uint32_t capabilities;           /* XEN_SYSCTL_PHYSCAP_* */
    uint32_t arch_capabilities;
    uint32_t pad;
    uint64_t total_pages;
    uint64_t free_pages;
    uint64_t scrub_pages;
    uint64_t outstanding_pages;
    uint64_t max_mfn;
    uint32_t hw_cap[8];
};

struct xen_sysctl_getdomaininfolist {
    domid_t  first_domain;
    uint16_t _pad;
    uint32_t max_domains;
    uint64_t buffer;                 /* guest VA of max_domains xen_domctl_getdomaininfo */
    uint32_t num_domains;            /* out */
    uint32_t _pad2;
};

struct xen_sysctl {
    uint32_t cmd;
    uint32_t interface_version;      /* XEN_SYSCTL_INTERFACE_VERSION */
    union {
        struct xen_sysctl_physinfo          physinfo;
        struct xen_sysctl_getdomaininfolist getdomaininfolist;
        uint8_t                             pad[128];
    } u;
};

_Static_assert(sizeof(struct xen_sysctl_physinfo) == 112, "physinfo is 112 bytes");
_Static_assert(sizeof(struct xen_sysctl_getdomaininfolist) == 24, "getdomaininfolist is 24");
_Static_assert(sizeof(struct xen_sysctl) == 136, "xen_sysctl is 136 bytes");

#endif /* PVMM_XEN_SYSCTL_H */
