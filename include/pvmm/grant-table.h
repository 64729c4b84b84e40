/*
 * pvmm/grant-table.h - a domain's grant table as the core keeps it (core/grant-*.c).
 *
 * The shared entries (v1 or v2), the v2 status words, the active entries
 * (pin counts per kind, the grantee, the frame) and the maptrack (the
 * grants this domain has mapped, by handle) live in frames the core takes
 * from the free heap as the table grows: shared and status frames are
 * hypervisor frames shared writable with the domain (so the guest maps
 * them with ordinary PTEs, as on Xen), active and maptrack frames belong to
 * the hypervisor (dom_xen) and no guest can map them.  This struct holds
 * only their frame numbers.
 */
#ifndef PVMM_GRANT_TABLE_H
#define PVMM_GRANT_TABLE_H

#include <stdint.h>
#include "page.h"
#include "lock.h"

#define PVMM_GNTTAB_MAX_FRAMES        64   /* Xen's default max_grant_frames */
#define PVMM_GNTTAB_MAX_STATUS_FRAMES 8    /* v2 status words of 64 frames of entries */
#define PVMM_GNTTAB_MAX_ACTIVE_FRAMES 256  /* 32-byte active entries of 64 v1 frames */
#define PVMM_MAPTRACK_MAX_FRAMES      16   /* 8-byte maptrack entries: 8192 handles */

struct grant_table {
    pvmm_spinlock_t lock;           /* version, frames, active entries of this table */
    pvmm_spinlock_t maptrack_lock;  /* this domain's maptrack (the grants it maps) */
    unsigned int gt_version;        /* 1 or 2 */
    unsigned int max_version;       /* the highest set_version may choose (2 unless limited) */
    /*
     * Frames of entries the table has (query_size's answer, at least 1 as Xen's initial
     * table).  A frame is allocated when the guest first asks for it (setup_table,
     * set_version): until then shared[i] is INVALID_MFN and its entries read as invalid.
     */
    unsigned int nr_grant_frames;
    unsigned int max_grant_frames;
    unsigned int nr_status_frames;  /* v2 only; 0 under v1 */
    mfn_t shared[PVMM_GNTTAB_MAX_FRAMES];
    mfn_t status[PVMM_GNTTAB_MAX_STATUS_FRAMES];
    mfn_t active[PVMM_GNTTAB_MAX_ACTIVE_FRAMES];
    mfn_t maptrack[PVMM_MAPTRACK_MAX_FRAMES];
    unsigned int nr_maptrack_frames;
};

struct domain;
/*
 * Limit the grant-table versions d may switch to (createdomain's XEN_DOMCTL_GRANT_version):
 * max_version 1 or 2; -XEN_EINVAL for anything else (core/grant-table.c).  A domain starts
 * with 2, as Xen's default.
 */
int pvmm_gnttab_set_max_version(struct domain *d, unsigned int max_version);
/* The pin counters of d's grant reference ref (0 if none), for tools (core/grant-table.c). */
uint32_t pvmm_grant_pin(struct domain *d, uint32_t ref);

#endif /* PVMM_GRANT_TABLE_H */
