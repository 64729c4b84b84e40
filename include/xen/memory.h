/*
 * xen/memory.h: memory_op(cmd, arg), hypercall 12, for 64-bit PV guests.
 *
 * This is pvmm's own rendering of Xen's public memory.h. Sub-op numbers and
 * structure layouts must match Xen exactly for binary compatibility. Guest
 * handles are uint64_t guest virtual addresses.
 */
#ifndef PVMM_XEN_MEMORY_H
#define PVMM_XEN_MEMORY_H

#include <stdint.h>
#include "xen.h"

/*
 * The cmd argument: the low MEMOP_EXTENT_SHIFT bits are the sub-op, the rest
 * is the extent to start from (used by continuations).
 */
#define MEMOP_EXTENT_SHIFT  6
#define MEMOP_CMD_MASK      ((1U << MEMOP_EXTENT_SHIFT) - 1)   /* 0x3F */

/* Sub-ops. */
#define XENMEM_increase_reservation     0   /* struct xen_memory_reservation */
#define XENMEM_decrease_reservation     1   /* struct xen_memory_reservation */
#define XENMEM_maximum_ram_page         2   /* no argument; returns the highest mfn */
#define XENMEM_current_reservation      3   /* domid_t; returns pages */
#define XENMEM_maximum_reservation      4   /* domid_t; returns pages */
#define XENMEM_machphys_mfn_list        5   /* struct xen_machphys_mfn_list */
#define XENMEM_populate_physmap         6   /* struct xen_memory_reservation */
#define XENMEM_add_to_physmap           7   /* struct xen_add_to_physmap (translated guests) */
                                            /* 8 is unused */
#define XENMEM_memory_map               9   /* struct xen_memory_map: the guest's e820 */
#define XENMEM_machine_memory_map      10   /* struct xen_memory_map: the host's e820 */
#define XENMEM_exchange                11   /* struct xen_memory_exchange */
#define XENMEM_machphys_mapping        12   /* struct xen_machphys_mapping */
#define XENMEM_set_memory_map          13   /* struct xen_foreign_memory_map */
#define XENMEM_maximum_gpfn            14   /* domid_t; returns the highest gpfn */
#define XENMEM_remove_from_physmap     15   /* struct xen_remove_from_physmap */
#define XENMEM_add_to_physmap_batch    23   /* struct xen_add_to_physmap_batch (not rendered here) */
#define XENMEM_machphys_compat_mfn_list 25  /* struct xen_machphys_mfn_list (PV32 M2P) */

/* xen_memory_reservation.mem_flags. */
#define XENMEMF_address_bits(x)      (x)                           /* bits 0-7: max address width */
#define XENMEMF_get_address_bits(x)  ((x) & 0xffU)
#define XENMEMF_node(x)              (((x) + 1) << 8)              /* bits 8-15: NUMA node + 1 */
#define XENMEMF_get_node(x)          ((((x) >> 8) - 1) & 0xffU)
#define XENMEMF_populate_on_demand   (1U << 16)
#define XENMEMF_exact_node_request   (1U << 17)
#define XENMEMF_exact_node(n)        (XENMEMF_node(n) | XENMEMF_exact_node_request)
#define XENMEMF_vnode                (1U << 18)                    /* node is a virtual node */

/* increase_reservation, decrease_reservation, populate_physmap. */
struct xen_memory_reservation {
    uint64_t extent_start;     /* guest VA of xen_pfn_t[nr_extents], or 0 */
    xen_ulong_t nr_extents;    /* number of extents */
    uint32_t extent_order;     /* each extent is 2^order pages */
    uint32_t mem_flags;        /* XENMEMF_* */
    domid_t domid;             /* DOMID_SELF, or another domain with privilege */
    uint16_t _pad[3];
};
typedef struct xen_memory_reservation xen_memory_reservation_t;

/* XENMEM_exchange: trade the extents of in for those of out. */
struct xen_memory_exchange {
    struct xen_memory_reservation in;    /* frames to give up */
    struct xen_memory_reservation out;   /* frames wanted (same total size) */
    xen_ulong_t nr_exchanged;            /* in/out: input extents done */
};
typedef struct xen_memory_exchange xen_memory_exchange_t;

/* XENMEM_machphys_mfn_list and machphys_compat_mfn_list. */
struct xen_machphys_mfn_list {
    uint32_t max_extents;      /* size of extent_start[] */
    uint32_t _pad0;
    uint64_t extent_start;     /* guest VA of xen_pfn_t[]: one mfn per 2 MiB of M2P */
    uint32_t nr_extents;       /* out: entries written */
    uint32_t _pad1;
};
typedef struct xen_machphys_mfn_list xen_machphys_mfn_list_t;

/* XENMEM_machphys_mapping: where the read-only M2P is mapped. */
struct xen_machphys_mapping {
    xen_ulong_t v_start;   /* MACH2PHYS_VIRT_START */
    xen_ulong_t v_end;     /* MACH2PHYS_VIRT_END */
    xen_ulong_t max_mfn;   /* highest mfn the M2P covers */
};
typedef struct xen_machphys_mapping xen_machphys_mapping_t;

/* XENMEM_memory_map and machine_memory_map: an e820-style table. */
struct xen_memory_map {
    uint32_t nr_entries;   /* in: room in buffer; out: entries written */
    uint32_t _pad;
    uint64_t buffer;       /* guest VA of 20-byte e820 entries */
};
typedef struct xen_memory_map xen_memory_map_t;

/* XENMEM_set_memory_map. */
struct xen_foreign_memory_map {
    domid_t domid;
    uint16_t _pad[3];
    struct xen_memory_map map;
};
typedef struct xen_foreign_memory_map xen_foreign_memory_map_t;

/* XENMEM_add_to_physmap spaces. */
#define XENMAPSPACE_shared_info   0   /* the shared_info page */
#define XENMAPSPACE_grant_table   1   /* a grant-table frame */
#define XENMAPSPACE_gmfn          2   /* a guest frame */
#define XENMAPSPACE_gmfn_range    3   /* size guest frames */
#define XENMAPSPACE_gmfn_foreign  4   /* a frame of another domain */
#define XENMAPSPACE_dev_mmio      5   /* device MMIO (Arm) */

struct xen_add_to_physmap {
    domid_t domid;      /* domain whose physmap changes */
    uint16_t size;      /* XENMAPSPACE_gmfn_range: number of frames */
    uint32_t space;     /* XENMAPSPACE_* */
    xen_ulong_t idx;    /* index within the space */
    xen_pfn_t gpfn;     /* where to map it */
};
typedef struct xen_add_to_physmap xen_add_to_physmap_t;

struct xen_remove_from_physmap {
    domid_t domid;
    uint16_t _pad[3];
    xen_pfn_t gpfn;     /* frame to remove */
};
typedef struct xen_remove_from_physmap xen_remove_from_physmap_t;

_Static_assert(sizeof(struct xen_memory_reservation) == 32, "xen_memory_reservation is 32 bytes");
_Static_assert(sizeof(struct xen_memory_exchange) == 72, "xen_memory_exchange is 72 bytes");
_Static_assert(sizeof(struct xen_machphys_mfn_list) == 24, "xen_machphys_mfn_list is 24 bytes");
_Static_assert(sizeof(struct xen_machphys_mapping) == 24, "xen_machphys_mapping is 24 bytes");
_Static_assert(sizeof(struct xen_memory_map) == 16, "xen_memory_map is 16 bytes");
_Static_assert(sizeof(struct xen_foreign_memory_map) == 24, "xen_foreign_memory_map is 24 bytes");
_Static_assert(sizeof(struct xen_add_to_physmap) == 24, "xen_add_to_physmap is 24 bytes");
_Static_assert(sizeof(struct xen_remove_from_physmap) == 16, "xen_remove_from_physmap is 16 bytes");

#endif /* PVMM_XEN_MEMORY_H */
