/*
 * xen/grant_table.h: grant tables and grant_table_op(cmd, uop, count),
 * hypercall 20.
 *
 * This is pvmm's own rendering of Xen's public grant_table.h, for 64-bit PV.
 * Values and layouts must match Xen exactly for binary compatibility. Guest
 * handles are uint64_t guest virtual addresses.
 */
#ifndef PVMM_XEN_GRANT_TABLE_H
#define PVMM_XEN_GRANT_TABLE_H

#include <stdint.h>
#include "xen.h"

typedef uint32_t grant_ref_t;      /* index into the granter's table */
typedef uint32_t grant_handle_t;   /* the mapper's maptrack handle */
typedef uint16_t grant_status_t;   /* v2 status word */

/* Entries 0-7 are reserved for the toolstack and survive version changes. */
#define GNTTAB_NR_RESERVED_ENTRIES  8
#define GNTTAB_RESERVED_CONSOLE     0
#define GNTTAB_RESERVED_XENSTORE    1

/* Version 1 shared entry, written by the granting guest. */
struct grant_entry_v1 {
    uint16_t flags;    /* GTF_* */
    domid_t domid;     /* the domain being granted access */
    uint32_t frame;    /* the granted frame (PV: mfn) */
};
typedef struct grant_entry_v1 grant_entry_v1_t;

/* grant_entry_v1.flags: type in bits 0-1. */
#define GTF_invalid          0U           /* no grant */
#define GTF_permit_access    1U           /* domid may map or copy frame */
#define GTF_accept_transfer  2U           /* domid may transfer a frame here */
#define GTF_transitive       3U           /* v2 only */
#define GTF_type_mask        3U

/* Sub-flags for GTF_permit_access and GTF_transitive. */
#define _GTF_readonly        2
#define GTF_readonly         (1U << _GTF_readonly)   /* guest: read-only access only */
#define _GTF_reading         3
#define GTF_reading          (1U << _GTF_reading)    /* Xen: mapped or in use for reading */
#define _GTF_writing         4
#define GTF_writing          (1U << _GTF_writing)    /* Xen: mapped or in use for writing */
#define _GTF_PWT             5
#define GTF_PWT              (1U << _GTF_PWT)        /* cache attribute (MMIO frames only) */
#define _GTF_PCD             6
#define GTF_PCD              (1U << _GTF_PCD)
#define _GTF_PAT             7
#define GTF_PAT              (1U << _GTF_PAT)
#define _GTF_sub_page        8
#define GTF_sub_page         (1U << _GTF_sub_page)   /* v2: copy-only sub-page grant */

/* Sub-flags for GTF_accept_transfer. */
#define _GTF_transfer_committed  2
#define GTF_transfer_committed   (1U << _GTF_transfer_committed)
#define _GTF_transfer_completed  3
#define GTF_transfer_completed   (1U << _GTF_transfer_completed)

/* Version 2 shared entries. */
struct grant_entry_header {
    uint16_t flags;    /* GTF_* */
    domid_t domid;
};
typedef struct grant_entry_header grant_entry_header_t;

union grant_entry_v2 {
    struct grant_entry_header hdr;
    struct {
        struct grant_entry_header hdr;
        uint32_t pad0;
        uint64_t frame;
    } full_page;
    struct {
        struct grant_entry_header hdr;
        uint16_t page_off;
        uint16_t length;
        uint64_t frame;
    } sub_page;
    struct {
        struct grant_entry_header hdr;
        domid_t trans_domid;
        uint16_t pad0;
        grant_ref_t gref;
    } transitive;
    uint32_t __spacer[4];
};
typedef union grant_entry_v2 grant_entry_v2_t;

/* Commands. Bits 12 and up of cmd carry continuation state. */
#define GNTTABOP_CMD_MASK          0xfffU
#define GNTTABOP_CONTINUATION_ARG_SHIFT 12
#define GNTTABOP_map_grant_ref        0
#define GNTTABOP_unmap_grant_ref      1
#define GNTTABOP_setup_table          2
#define GNTTABOP_dump_table           3
#define GNTTABOP_transfer             4
#define GNTTABOP_copy                 5
#define GNTTABOP_query_size           6
#define GNTTABOP_unmap_and_replace    7
#define GNTTABOP_set_version          8
#define GNTTABOP_get_status_frames    9
#define GNTTABOP_get_version         10
#define GNTTABOP_swap_grant_ref      11
#define GNTTABOP_cache_flush         12

/* Per-op status codes (in each element's status field). */
#define GNTST_okay               (0)
#define GNTST_general_error      (-1)
#define GNTST_bad_domain         (-2)
#define GNTST_bad_gntref         (-3)
#define GNTST_bad_handle         (-4)
#define GNTST_bad_virt_addr      (-5)
#define GNTST_bad_dev_addr       (-6)
#define GNTST_no_device_space    (-7)
#define GNTST_permission_denied  (-8)
#define GNTST_bad_page           (-9)
#define GNTST_bad_copy_arg       (-10)
#define GNTST_address_too_big    (-11)
#define GNTST_eagain             (-12)
#define GNTST_no_space           (-13)

/* gnttab_map_grant_ref.flags. */
#define _GNTMAP_device_map       0
#define GNTMAP_device_map        (1U << _GNTMAP_device_map)       /* map for device DMA */
#define _GNTMAP_host_map         1
#define GNTMAP_host_map          (1U << _GNTMAP_host_map)         /* map into the page tables */
#define _GNTMAP_readonly         2
#define GNTMAP_readonly          (1U << _GNTMAP_readonly)         /* read-only mapping */
#define _GNTMAP_application_map  3
#define GNTMAP_application_map   (1U << _GNTMAP_application_map)  /* also usable by guest user mode */
#define _GNTMAP_contains_pte     4
#define GNTMAP_contains_pte      (1U << _GNTMAP_contains_pte)     /* host_addr is the PTE's maddr */
#define _GNTMAP_guest_avail0     16
#define GNTMAP_guest_avail_mask  ((uint32_t)~0U << _GNTMAP_guest_avail0)  /* copied to PTE bits 9-11 */

/* GNTTABOP_map_grant_ref. */
struct gnttab_map_grant_ref {
    uint64_t host_addr;       /* in: VA, or PTE maddr with GNTMAP_contains_pte */
    uint32_t flags;           /* in: GNTMAP_* */
    grant_ref_t ref;          /* in: entry in dom's table */
    domid_t dom;              /* in: granting domain */
    int16_t status;           /* out: GNTST_* */
    grant_handle_t handle;    /* out: for unmap */
    uint64_t dev_bus_addr;    /* out: machine address for device_map */
};
typedef struct gnttab_map_grant_ref gnttab_map_grant_ref_t;

/* GNTTABOP_unmap_grant_ref. */
struct gnttab_unmap_grant_ref {
    uint64_t host_addr;       /* in: as mapped, or 0 */
    uint64_t dev_bus_addr;    /* in: as returned, or 0 */
    grant_handle_t handle;    /* in */
    int16_t status;           /* out: GNTST_* */
    uint16_t _pad;
};
typedef struct gnttab_unmap_grant_ref gnttab_unmap_grant_ref_t;

/* GNTTABOP_setup_table. */
struct gnttab_setup_table {
    domid_t dom;              /* in: DOMID_SELF or, with privilege, another */
    uint16_t _pad0;
    uint32_t nr_frames;       /* in: frames wanted */
    int16_t status;           /* out: GNTST_* */
    uint16_t _pad1[3];
    uint64_t frame_list;      /* in: guest VA of xen_pfn_t[nr_frames]; out: mfns */
};
typedef struct gnttab_setup_table gnttab_setup_table_t;

/* GNTTABOP_query_size. */
struct gnttab_query_size {
    domid_t dom;              /* in */
    uint16_t _pad;
    uint32_t nr_frames;       /* out: current frames */
    uint32_t max_nr_frames;   /* out: limit */
    int16_t status;           /* out: GNTST_* */
    uint16_t _pad1;
};
typedef struct gnttab_query_size gnttab_query_size_t;

/* GNTTABOP_set_version. */
struct gnttab_set_version {
    uint32_t version;         /* in: 1 or 2; out: the version now in use */
};
typedef struct gnttab_set_version gnttab_set_version_t;

/* GNTTABOP_get_version. */
struct gnttab_get_version {
    domid_t dom;              /* in */
    uint16_t pad;
    uint32_t version;         /* out */
};
typedef struct gnttab_get_version gnttab_get_version_t;

/* GNTTABOP_dump_table: print dom's table on the hypervisor's console. */
struct gnttab_dump_table {
    domid_t dom;              /* in */
    int16_t status;           /* out: GNTST_* */
};
typedef struct gnttab_dump_table gnttab_dump_table_t;

/* GNTTABOP_transfer: give frame mfn to domid, into its accept-transfer entry ref. */
struct gnttab_transfer {
    xen_pfn_t mfn;            /* in */
    domid_t domid;            /* in */
    uint16_t _pad;
    grant_ref_t ref;          /* in */
    int16_t status;           /* out: GNTST_* */
    uint16_t _pad1[3];
};
typedef struct gnttab_transfer gnttab_transfer_t;

/* GNTTABOP_copy: each side a grant reference (GNTCOPY_*_gref) or a frame of the caller. */
#define _GNTCOPY_source_gref     0
#define GNTCOPY_source_gref      (1U << _GNTCOPY_source_gref)
#define _GNTCOPY_dest_gref       1
#define GNTCOPY_dest_gref        (1U << _GNTCOPY_dest_gref)

struct gnttab_copy_ptr {
    union {
        grant_ref_t ref;
        xen_pfn_t gmfn;
    } u;
    domid_t domid;
    uint16_t offset;
    uint32_t _pad;
};

struct gnttab_copy {
    struct gnttab_copy_ptr source, dest;
    uint16_t len;
    uint16_t flags;           /* GNTCOPY_* */
    int16_t status;           /* out: GNTST_* */
    uint16_t _pad;
};
typedef struct gnttab_copy gnttab_copy_t;

/* GNTTABOP_unmap_and_replace: unmap host_addr, moving new_addr's PTE there (0: none). */
struct gnttab_unmap_and_replace {
    uint64_t host_addr;       /* in */
    uint64_t new_addr;        /* in */
    grant_handle_t handle;    /* in */
    int16_t status;           /* out: GNTST_* */
    uint16_t _pad;
};
typedef struct gnttab_unmap_and_replace gnttab_unmap_and_replace_t;

/* GNTTABOP_get_status_frames (v2). */
struct gnttab_get_status_frames {
    uint32_t nr_frames;       /* in */
    domid_t dom;              /* in */
    int16_t status;           /* out: GNTST_* */
    uint64_t frame_list;      /* in: guest VA of uint64_t[nr_frames]; out: mfns */
};
typedef struct gnttab_get_status_frames gnttab_get_status_frames_t;

/* GNTTABOP_cache_flush: clean or invalidate the caches over part of a frame (no status). */
#define GNTTAB_CACHE_CLEAN          (1U << 0)
#define GNTTAB_CACHE_INVAL          (1U << 1)
#define GNTTAB_CACHE_SOURCE_GREF    (1U << 31)
struct gnttab_cache_flush {
    union {
        uint64_t dev_bus_addr;    /* machine address of the frame */
        grant_ref_t ref;          /* with GNTTAB_CACHE_SOURCE_GREF */
    } a;
    uint16_t offset;          /* in: within the frame */
    uint16_t length;          /* in: bytes from offset */
    uint32_t op;              /* in: GNTTAB_CACHE_* */
};
typedef struct gnttab_cache_flush gnttab_cache_flush_t;

/* GNTTABOP_swap_grant_ref: swap two entries of the caller's table. */
struct gnttab_swap_grant_ref {
    grant_ref_t ref_a;        /* in */
    grant_ref_t ref_b;        /* in */
    int16_t status;           /* out: GNTST_* */
    uint16_t _pad;
};
typedef struct gnttab_swap_grant_ref gnttab_swap_grant_ref_t;

_Static_assert(sizeof(struct grant_entry_v1) == 8, "grant_entry_v1 is 8 bytes");
_Static_assert(sizeof(union grant_entry_v2) == 16, "grant_entry_v2 is 16 bytes");
_Static_assert(sizeof(struct gnttab_map_grant_ref) == 32, "gnttab_map_grant_ref is 32 bytes");
_Static_assert(sizeof(struct gnttab_unmap_grant_ref) == 24, "gnttab_unmap_grant_ref is 24 bytes");
_Static_assert(sizeof(struct gnttab_setup_table) == 24, "gnttab_setup_table is 24 bytes");
_Static_assert(sizeof(struct gnttab_query_size) == 16, "gnttab_query_size is 16 bytes");
_Static_assert(sizeof(struct gnttab_set_version) == 4, "gnttab_set_version is 4 bytes");
_Static_assert(sizeof(struct gnttab_get_version) == 8, "gnttab_get_version is 8 bytes");
_Static_assert(sizeof(struct gnttab_dump_table) == 4, "gnttab_dump_table is 4 bytes");
_Static_assert(sizeof(struct gnttab_transfer) == 24, "gnttab_transfer is 24 bytes");
_Static_assert(sizeof(struct gnttab_copy) == 40, "gnttab_copy is 40 bytes");
_Static_assert(sizeof(struct gnttab_unmap_and_replace) == 24,
               "gnttab_unmap_and_replace is 24 bytes");
_Static_assert(sizeof(struct gnttab_get_status_frames) == 16,
               "gnttab_get_status_frames is 16 bytes");
_Static_assert(sizeof(struct gnttab_swap_grant_ref) == 12, "gnttab_swap_grant_ref is 12 bytes");
_Static_assert(sizeof(struct gnttab_cache_flush) == 16, "gnttab_cache_flush is 16 bytes");

#endif /* PVMM_XEN_GRANT_TABLE_H */
