/*
 * xen/domctl.h - the domctl hypercall (36): domain control for a privileged caller, in
 * Xen 4.17's layout (interface version 0x15), restricted to what a PV64 toolstack uses.
 *
 * One struct xen_domctl is copied in and, for the commands that answer, copied back: cmd,
 * interface_version (a different one is refused with -EACCES before anything else), the
 * target domain, and a 128-byte union of per-command arguments.  Guest handles are 64-bit
 * guest virtual addresses (uint64_t).  The vCPU context of setvcpucontext/getvcpucontext is
 * struct vcpu_guest_context (xen/vcpu-context.h).
 */
#ifndef PVMM_XEN_DOMCTL_H
#define PVMM_XEN_DOMCTL_H

#include "xen.h"

#define XEN_DOMCTL_INTERFACE_VERSION  0x00000015

typedef uint8_t xen_domain_handle_t[16];

#define XEN_DOMCTL_createdomain          1
#define XEN_DOMCTL_destroydomain         2
#define XEN_DOMCTL_pausedomain           3
#define XEN_DOMCTL_unpausedomain         4
#define XEN_DOMCTL_getdomaininfo         5
#define XEN_DOMCTL_setvcpuaffinity       9
#define XEN_DOMCTL_max_mem              11
#define XEN_DOMCTL_setvcpucontext       12
#define XEN_DOMCTL_getvcpucontext       13
#define XEN_DOMCTL_getvcpuinfo          14
#define XEN_DOMCTL_max_vcpus            15
#define XEN_DOMCTL_iomem_permission     20
#define XEN_DOMCTL_ioport_permission    21
#define XEN_DOMCTL_getvcpuaffinity      25
#define XEN_DOMCTL_getpageframeinfo3    61

/* createdomain flags (XEN_DOMCTL_CDF_*); a PV domain sets none of hvm, hap, nested_virt. */
#define XEN_DOMCTL_CDF_hvm            (1U << 0)
#define XEN_DOMCTL_CDF_hap            (1U << 1)
#define XEN_DOMCTL_CDF_s3_integrity   (1U << 2)
#define XEN_DOMCTL_CDF_oos_off        (1U << 3)
#define XEN_DOMCTL_CDF_xs_domain      (1U << 4)
#define XEN_DOMCTL_CDF_iommu          (1U << 5)
#define XEN_DOMCTL_CDF_nested_virt    (1U << 6)
#define XEN_DOMCTL_CDF_vpmu           (1U << 7)
/*
 * pvmm only (not in Xen's ABI): a sealed domain (docs/hv.md, "Sealed launch").  Its first
 * unpause is refused with -EBUSY while another domain maps any of its frames, and once it
 * has been unpaused no other domain can map its memory except through its own grants
 * (-EPERM).  Bit 31 is far above the bits Xen 4.17 defines, which rejects it (like every
 * unknown createdomain flag) with -EINVAL: a toolstack can tell the two hypervisors apart.
 */
#define XEN_DOMCTL_CDF_pvmm_sealed    (1U << 31)
#define XEN_DOMCTL_GRANT_version(v)   ((v) & 0xf)

/* x86's per-domain configuration: emulated devices (none for PV) and MSR handling. */
struct xen_arch_domainconfig {
    uint32_t emulation_flags;
    uint32_t misc_flags;
};

struct xen_domctl_createdomain {
    uint32_t ssidref;
    xen_domain_handle_t handle;
    uint32_t flags;                  /* XEN_DOMCTL_CDF_* */
    uint32_t iommu_opts;
    uint32_t max_vcpus;
    uint32_t max_evtchn_port;
    int32_t  max_grant_frames;       /* < 0: the hypervisor's default */
    int32_t  max_maptrack_frames;
    uint32_t grant_opts;             /* XEN_DOMCTL_GRANT_version(1 or 2) */
    uint32_t vmtrace_size;
    uint32_t cpupool_id;
    struct xen_arch_domainconfig arch;
};

/* getdomaininfo flags. */
#define XEN_DOMINF_dying        (1U << 0)
#define XEN_DOMINF_hvm_guest    (1U << 1)
#define XEN_DOMINF_shutdown     (1U << 2)
#define XEN_DOMINF_paused       (1U << 3)
#define XEN_DOMINF_blocked      (1U << 4)
#define XEN_DOMINF_running      (1U << 5)
#define XEN_DOMINF_debugged     (1U << 6)
#define XEN_DOMINF_xs_domain    (1U << 7)
#define XEN_DOMINF_hap          (1U << 8)
#define XEN_DOMINF_shutdownshift 16
#define XEN_DOMINF_shutdownmask  255
#define XEN_INVALID_MAX_VCPU_ID  (~0U)

struct xen_domctl_getdomaininfo {
    domid_t  domain;
    uint16_t pad1;
    uint32_t flags;                  /* XEN_DOMINF_* */
    uint64_t tot_pages;
    uint64_t max_pages;
    uint64_t outstanding_pages;
    uint64_t shr_pages;
    uint64_t paged_pages;
    uint64_t shared_info_frame;      /* for PV: shared_info's mfn */
    uint64_t cpu_time;
    uint32_t nr_online_vcpus;
    uint32_t max_vcpu_id;
    uint32_t ssidref;
    xen_domain_handle_t handle;
    uint32_t cpupool;
    uint8_t  gpaddr_bits;
    uint8_t  pad2[7];
    struct xen_arch_domainconfig arch_config;
};
typedef struct xen_domctl_getdomaininfo xen_domctl_getdomaininfo_t;

struct xen_domctl_max_mem {
    uint64_t max_memkb;
};

struct xen_domctl_vcpucontext {
    uint32_t vcpu;
    uint32_t _pad;
    uint64_t ctxt;                   /* guest VA of a struct vcpu_guest_context; 0: reset */
};

struct xen_domctl_max_vcpus {
    uint32_t max;
};

struct xen_domctl_iomem_permission {
    uint64_t first_mfn;
    uint64_t nr_mfns;
    uint8_t  allow_access;
};

struct xen_domctl_ioport_permission {
    uint32_t first_port;
    uint32_t nr_ports;
    uint8_t  allow_access;
};

/* A bitmap of nr_bits bits (CPUs) at a guest VA, least significant bit of byte 0 first. */
struct xenctl_bitmap {
    uint64_t bitmap;                 /* guest VA of (nr_bits + 7) / 8 bytes */
    uint32_t nr_bits;
    uint32_t _pad;
};

/* setvcpuaffinity / getvcpuaffinity: flags say which of the two maps are set or read. */
#define XEN_VCPUAFFINITY_HARD   (1U << 0)
#define XEN_VCPUAFFINITY_SOFT   (1U << 1)
#define XEN_VCPUAFFINITY_FORCE  (1U << 2)   /* also end a SCHEDOP_pin_override */
struct xen_domctl_vcpuaffinity {
    uint32_t vcpu;
    uint32_t flags;
    struct xenctl_bitmap cpumap_hard;
    struct xenctl_bitmap cpumap_soft;
};

struct xen_domctl_getvcpuinfo {
    uint32_t vcpu;                   /* in */
    uint8_t  online;                 /* not down */
    uint8_t  blocked;                /* waiting for an event */
    uint8_t  running;                /* on a CPU now */
    uint8_t  _pad[1];
    uint64_t cpu_time;               /* ns spent running */
    uint32_t cpu;                    /* the CPU it runs or is queued on */
    uint32_t _pad2;
};

/* getpageframeinfo3: each mfn of the array is replaced by its type in the top 4 bits. */
#define XEN_DOMCTL_PFINFO_LTAB_SHIFT  28
#define XEN_DOMCTL_PFINFO_NOTAB       (0x0U << 28)
#define XEN_DOMCTL_PFINFO_L1TAB       (0x1U << 28)
#define XEN_DOMCTL_PFINFO_L2TAB       (0x2U << 28)
#define XEN_DOMCTL_PFINFO_L3TAB       (0x3U << 28)
#define XEN_DOMCTL_PFINFO_L4TAB       (0x4U << 28)
#define XEN_DOMCTL_PFINFO_LTABTYPE_MASK (0x7U << 28)
#define XEN_DOMCTL_PFINFO_LPINTAB     (0x1U << 31)
#define XEN_DOMCTL_PFINFO_XTAB        (0xfU << 28)
#define XEN_DOMCTL_PFINFO_XALLOC      (0xeU << 28)
#define XEN_DOMCTL_PFINFO_BROKEN      (0xdU << 28)
#define XEN_DOMCTL_PFINFO_LTAB_MASK   (0xfU << 28)

struct xen_domctl_getpageframeinfo3 {
    uint64_t num;
    uint64_t array;                  /* guest VA of num xen_pfn_t, in and out */
};

struct xen_domctl {
    uint32_t cmd;
    uint32_t interface_version;      /* XEN_DOMCTL_INTERFACE_VERSION */
    domid_t  domain;
    uint16_t _pad[3];
    union {
        struct xen_domctl_createdomain      createdomain;
        struct xen_domctl_getdomaininfo     getdomaininfo;
        struct xen_domctl_max_mem           max_mem;
        struct xen_domctl_vcpucontext       vcpucontext;
        struct xen_domctl_max_vcpus         max_vcpus;
        struct xen_domctl_iomem_permission  iomem_permission;
        struct xen_domctl_ioport_permission ioport_permission;
        struct xen_domctl_getpageframeinfo3 getpageframeinfo3;
        struct xen_domctl_vcpuaffinity      vcpuaffinity;
        struct xen_domctl_getvcpuinfo       getvcpuinfo;
        uint8_t                             pad[128];
    } u;
};

_Static_assert(sizeof(struct xen_domctl_createdomain) == 64, "createdomain is 64 bytes");
_Static_assert(sizeof(struct xen_domctl_getdomaininfo) == 112, "getdomaininfo is 112 bytes");
_Static_assert(sizeof(struct xen_domctl_vcpuaffinity) == 40, "vcpuaffinity is 40 bytes");
_Static_assert(sizeof(struct xen_domctl_getvcpuinfo) == 24, "getvcpuinfo is 24 bytes");
_Static_assert(sizeof(struct xen_domctl) == 144, "xen_domctl is 144 bytes");

#endif /* PVMM_XEN_DOMCTL_H */
