/*
 * domu-builder.h: a privileged test guest builds a domU from a PV64 guest ELF with the
 * project's domain builder (builder/pv-build.h), driving it through hypercalls on the new
 * domain instead of the core's API: domctl createdomain / max_vcpus / max_mem, populate_physmap
 * naming the domU, mmu_update with foreigndom = the domU (writable mappings of its frames for
 * the builder, MMU_MACHPHYS_UPDATE for its M2P), MMUEXT_PIN_L4_TABLE on its behalf, then
 * setvcpucontext with the builder's registers.  The domU is left paused once, ready for
 * XEN_DOMCTL_unpausedomain.
 *
 * Start-of-day rings (DOMU_RINGS): two event channels are allocated unbound for the domU
 * with dom0 as the remote end (EVTCHNOP_alloc_unbound naming it) and bound by dom0
 * (EVTCHNOP_bind_interdomain), and the builder gives the domU its xenstore and console pages
 * (start_info store_mfn / store_evtchn, console.domU.mfn / evtchn), as Xen's toolstack does.
 * With DOMU_TWO_VCPUS the domU has a second vCPU for VCPUOP_initialise and VCPUOP_up.
 */
#ifndef GUEST_DOMU_BUILDER_H
#define GUEST_DOMU_BUILDER_H

#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>

#define DOMU_RINGS  1u          /* give the domU its console and xenstore rings */
#define DOMU_TWO_VCPUS 2u       /* max_vcpus 2 (vCPU 1 down until the domU brings it up) */
#define DOMU_EXTRA_PORTS 4

struct domu {
    domid_t domid;
    uint64_t nr_pages;
    unsigned int flags;
    xen_pfn_t shared_info_mfn;
    xen_pfn_t l4_mfn;
    xen_pfn_t console_mfn, store_mfn;            /* DOMU_RINGS, else 0 */
    uint32_t console_port, store_port;           /* dom0's bound ports (DOMU_RINGS) */
    uint32_t domu_console_port, domu_store_port; /* the domU's ends */
    uint64_t entry, start_info_va;
    uint32_t extra_ports[DOMU_EXTRA_PORTS];      /* dom0's ends of domu_channel's channels */
    unsigned int nr_extra_ports;
};

/*
 * Create and build a domU of nr_pages pages from the ELF at elf[0, len); p2m has room for
 * nr_pages entries and receives pfn -> mfn.  Returns 0 with *out filled, or a negated Xen
 * errno with *why saying which step failed; on failure the domain (if one was created) is
 * destroyed and the ports dom0 bound are closed.
 */
long domu_build(const void *elf, size_t len, uint64_t nr_pages, unsigned int flags,
                xen_pfn_t *p2m, struct domu *out, const char **why);

/*
 * domu_build in steps, for a toolstack that needs the domid before the image is loaded:
 * domu_create makes the domain (memory limit, vCPU, upcalls masked, the ring channels with
 * DOMU_RINGS) and destroys it again if a step fails; domu_channel binds one more channel
 * (*domu_port is the domU's end, *our_port dom0's, closed by domu_destroy); domu_load builds
 * the image into it with `cmdline` as start_info's command line (may be NULL) and sets
 * vCPU 0's context.  domu_channel and domu_load return 0 or a negated Xen errno with *why,
 * leaving the domain for the caller to destroy.
 */
long domu_create(uint64_t nr_pages, unsigned int flags, struct domu *out, const char **why);
long domu_channel(struct domu *u, uint32_t *domu_port, uint32_t *our_port, const char **why);
long domu_load(struct domu *u, const void *elf, size_t len, const char *cmdline,
               xen_pfn_t *p2m, const char **why);

/* Destroy it, closing dom0's ports: 0 or the destroydomain error (-ESRCH if none). */
long domu_destroy(struct domu *u);

/* The domU's frame at pfn through a read-write foreign mapping in one of our slots; NULL if
 * mapping fails.  domu_unmap_frame drops it. */
void *domu_map_frame(const struct domu *u, xen_pfn_t mfn);
void domu_unmap_frame(void *va);

/*
 * The verdict of a domU running this runtime, from its shutdown code (getdomaininfo):
 * waits with a bounded number of yields for it to shut down.  Returns the shutdown code
 * (SHUTDOWN_poweroff for SUCCESS or SKIP, SHUTDOWN_crash for ERROR, FAILURE or a crash), or
 * -1 if it is still running after the bound (poll is called between yields, may be NULL).
 */
int domu_wait_shutdown(const struct domu *u, void (*poll)(void *), void *arg);

#endif /* GUEST_DOMU_BUILDER_H */
