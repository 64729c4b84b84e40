/*
 * hv/domains.h - the hypervisor's list of domains (domains.c) and domain control
 * (domctl.c, domctl-vcpu.c, sysctl.c).
 *
 * The core keeps each domain's memory state (struct domain, ids 0..PVMM_MAX_DOMAINS-1); this
 * list keeps what is the hypervisor's: whether the id is in use, the controller's pause
 * count, the shutdown state, the vCPUs that exist (XEN_DOMCTL_max_vcpus) and their
 * hypervisor state, shared_info, the I/O-port rights, and the sealed-launch bookkeeping.
 * dom0 is entry 0, set up by the dom0 builder.
 */
#ifndef HV_DOMAINS_H
#define HV_DOMAINS_H

#include "hv.h"
#include <pvmm/rangeset.h>
#include <xen/domctl.h>
#include <xen/vcpu.h>

#define SHUTDOWN_CODE_NONE  (~0U)

struct hv_domain {
    bool     in_use;                    /* the id names a domain (alive or dying) */
    bool     zombie;                    /* destroyed; others still reference its frames */
    bool     shut_down;
    uint32_t shutdown_code;             /* SHUTDOWN_* or SHUTDOWN_CODE_NONE */
    unsigned int pause_count;           /* pausedomain, and createdomain's own pause */
    unsigned int nr_vcpus;              /* vCPUs created by max_vcpus (0: none yet) */
    uint64_t shared_info_mfn;
    struct rangeset ioport_caps;        /* ports the domain may use (ioport_permission) */
    /* Bit i: vCPU i may be polling (SCHEDOP_poll; set before it looks at its ports, cleared
     * after it stops), so a port made pending looks only at those vCPUs (Xen's poll_mask). */
    uint64_t poll_mask;
};

extern struct hv_domain hv_domains[PVMM_MAX_DOMAINS];

static inline struct hv_domain *hv_dom(const struct domain *d)
{
    return &hv_domains[d->domain_id % PVMM_MAX_DOMAINS];
}

/* Reserve the hypervisor frames domUs' shared_info pages come from (boot allocator). */
void domains_reserve_frames(void);
/* Record dom0 (after its build): in use, running, its I/O-port rights. */
void domains_add_dom0(struct domain *d);
/* The domain with id `domid`, or NULL (reserved ids, free ids, and a zombie whose last
 * foreign reference has gone - it is reaped here). */
struct domain *domain_by_id(domid_t domid);
/* Reap every zombie whose last foreign reference has gone (domctl, physinfo). */
void domains_reap_zombies(void);
/* The core state. */
struct pvmm_state *mmglue_core(void);

/* Whether d may use ports [first, last] (Xen's ioports_access_permitted). */
bool ioports_access_permitted(const struct domain *d, unsigned int first, unsigned int last);
/* Remove the ports the hypervisor keeps from rs (emul-io.c). */
void ioports_deny_hypervisor_ports(struct rangeset *rs);

/*
 * Create a PV domain with id domid (in range and free), nr_vcpus possible vCPUs (created
 * later by max_vcpus), no memory, paused once.  0, -ENOMEM (no shared_info frame left),
 * -EEXIST, -EINVAL.
 */
int domain_create_domu(domid_t domid, unsigned int nr_vcpus);
/* Create the vCPUs 0..n-1 of d (XEN_DOMCTL_max_vcpus): offline, no context. */
void domain_alloc_vcpus(struct domain *d, unsigned int n);
/*
 * Destroy domain d (not the caller's): its timers stop, then the core releases everything
 * it holds.  0 when done or when only others' references keep some of its frames (the
 * domain stays a dying zombie until they go); -XEN_ERESTART to be called again.
 */
int domain_destroy_domu(struct domain *d);

/* pausedomain: one more controller pause; returns once none of its vCPUs runs on any CPU
 * (Xen's domain_pause; destroydomain pauses so first). */
void domain_pause_by_controller(struct domain *d);
/* unpausedomain: one pause less (-EINVAL at none); at none its vCPUs may run again. */
int domain_unpause_by_controller(struct domain *d);

/*
 * A domU shut itself down (SCHEDOP_shutdown, its last vCPU down) or crashed: record the
 * reason (getdomaininfo's shutdown flag and code), take its vCPUs off the CPU and leave it
 * for the toolstack to destroy.  Nothing else stops: only the hardware domain's shutdown
 * ends the run.
 */
void domu_shutdown(struct domain *d, unsigned int reason);
/* Leave a domU that just shut down or crashed, on a fresh stack, through the exit path
 * (which schedules another vCPU); never returns. */
__attribute__((noreturn)) void domu_leave(void);

long hc_domctl(uint64_t arg);
long hc_sysctl(uint64_t arg);

/* Fill Xen's getdomaininfo record for d (domctl.c). */
void domain_getinfo(struct domain *d, struct xen_domctl_getdomaininfo *info);

#endif /* HV_DOMAINS_H */
