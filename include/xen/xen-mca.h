/*
 * xen/xen-mca.h - the machine-check hypercall (mca, 48 = arch_0 on x86): our rendering of the
 * commands a hardware domain's machine-check log uses.
 */
#ifndef XEN_XEN_MCA_H
#define XEN_XEN_MCA_H

#include <stdint.h>

#define XEN_MCA_INTERFACE_VERSION  0x01ecc003

#define XEN_MC_fetch         1   /* struct xen_mc_fetch */
#define XEN_MC_notifydomain  2   /* struct xen_mc_notifydomain */
#define XEN_MC_physcpuinfo   3   /* struct xen_mc_physcpuinfo */
#define XEN_MC_msrinject     4   /* struct xen_mc_msrinject */
#define XEN_MC_mceinject     5   /* struct xen_mc_mceinject */

/* xen_mc_fetch.flags: in, which queue and whether this acknowledges; out, the outcome. */
#define XEN_MC_NONURGENT     0x1
#define XEN_MC_URGENT        0x2
#define XEN_MC_ACK           0x4
#define XEN_MC_OK            0x0
#define XEN_MC_FETCHFAILED   0x1
#define XEN_MC_NODATA        0x2

struct mcinfo_msr {
    uint64_t reg;
    uint64_t value;
};

/* One physical CPU, as XEN_MC_physcpuinfo fills an array of them. */
struct mcinfo_logical_cpu {
    uint32_t mc_cpunr;
    uint32_t mc_chipid;
    uint16_t mc_coreid;
    uint16_t mc_threadid;
    uint32_t mc_apicid;
    uint32_t mc_clusterid;
    uint32_t mc_ncores;
    uint32_t mc_ncores_active;
    uint32_t mc_nthreads;
    uint32_t mc_cpuid_level;
    uint32_t mc_family;
    uint32_t mc_vendor;        /* Xen's vendor bit: 1 Intel, 2 AMD, 4 Centaur, 8 Shanghai, 16 Hygon */
    uint32_t mc_model;
    uint32_t mc_step;
    char     mc_vendorid[16];
    char     mc_brandid[64];
    uint32_t mc_cpu_caps[7];
    uint32_t mc_cache_size;
    uint32_t mc_cache_alignment;
    uint32_t mc_nmsrvals;
    struct mcinfo_msr mc_msrvalues[8];
};

struct xen_mc_fetch {
    uint32_t flags;
    uint32_t _pad0;
    uint64_t fetch_id;         /* out: the id to acknowledge; in: the id acknowledged */
    uint64_t data;             /* guest handle: struct mc_info */
};

struct xen_mc_notifydomain {
    uint16_t mc_domid;
    uint16_t mc_vcpuid;
    uint32_t flags;
};

struct xen_mc_physcpuinfo {
    uint32_t ncpus;            /* in: entries in info; out: CPUs */
    uint32_t _pad0;
    uint64_t info;             /* guest handle: struct mcinfo_logical_cpu[ncpus], or 0 */
};

struct xen_mc_msrinject {
    uint32_t mcinj_cpunr;
    uint32_t mcinj_flags;
    uint32_t mcinj_count;
    uint32_t _pad0;
    struct mcinfo_msr mcinj_msr[8];
};

struct xen_mc_mceinject {
    uint32_t mceinj_cpunr;
};

struct xen_mc {
    uint32_t cmd;
    uint32_t interface_version;    /* XEN_MCA_INTERFACE_VERSION, else -EACCES */
    union {
        struct xen_mc_fetch        mc_fetch;
        struct xen_mc_notifydomain mc_notifydomain;
        struct xen_mc_physcpuinfo  mc_physcpuinfo;
        struct xen_mc_msrinject    mc_msrinject;
        struct xen_mc_mceinject    mc_mceinject;
    } u;
};

#endif /* XEN_XEN_MCA_H */
