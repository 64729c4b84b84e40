/*
 * xen/version.h: xen_version(cmd, arg), hypercall 17.
 *
 * This is pvmm's own rendering of Xen's public version.h. Values and layouts
 * must match Xen exactly for binary compatibility.
 */
#ifndef PVMM_XEN_VERSION_H
#define PVMM_XEN_VERSION_H

#include <stdint.h>
#include "xen.h"

/* Commands. */
#define XENVER_version               0   /* no arg; returns (major << 16) | minor */
#define XENVER_extraversion          1   /* xen_extraversion_t */
#define XENVER_compile_info          2   /* struct xen_compile_info */
#define XENVER_capabilities          3   /* xen_capabilities_info_t */
#define XENVER_changeset             4   /* xen_changeset_info_t */
#define XENVER_platform_parameters   5   /* struct xen_platform_parameters */
#define XENVER_get_features          6   /* struct xen_feature_info */
#define XENVER_pagesize              7   /* no arg; returns the page size */
#define XENVER_guest_handle          8   /* xen_domain_handle_t */
#define XENVER_commandline           9   /* xen_commandline_t */
#define XENVER_build_id             10   /* struct xen_build_id */
#define XENVER_extraversion2        11   /* variable-length buffer */
#define XENVER_capabilities2        12   /* variable-length buffer */
#define XENVER_changeset2           13   /* variable-length buffer */
#define XENVER_commandline2         14   /* variable-length buffer */

#define XEN_EXTRAVERSION_LEN    16
#define XEN_CHANGESET_INFO_LEN  64

/* String results, NUL-padded to the full buffer. */
typedef char xen_extraversion_t[XEN_EXTRAVERSION_LEN];
typedef char xen_capabilities_info_t[1024];
typedef char xen_changeset_info_t[XEN_CHANGESET_INFO_LEN];
typedef char xen_commandline_t[1024];
typedef uint8_t xen_domain_handle_t[16];   /* the domain's UUID */

struct xen_compile_info {
    char compiler[64];
    char compile_by[16];
    char compile_domain[32];
    char compile_date[32];
};
typedef struct xen_compile_info xen_compile_info_t;

struct xen_platform_parameters {
    xen_ulong_t virt_start;   /* lowest hypervisor VA: HYPERVISOR_VIRT_START */
};
typedef struct xen_platform_parameters xen_platform_parameters_t;

struct xen_feature_info {
    uint32_t submap_idx;   /* in: which 32-bit submap (only 0 is defined) */
    uint32_t submap;       /* out: XENFEAT_* bits of that submap */
};
typedef struct xen_feature_info xen_feature_info_t;

struct xen_build_id {
    uint32_t len;          /* in: size of buf; out: bytes written */
    unsigned char buf[];
};
typedef struct xen_build_id xen_build_id_t;

_Static_assert(sizeof(struct xen_compile_info) == 144, "xen_compile_info is 144 bytes");
_Static_assert(sizeof(struct xen_platform_parameters) == 8, "xen_platform_parameters is 8 bytes");
_Static_assert(sizeof(struct xen_feature_info) == 8, "xen_feature_info is 8 bytes");
_Static_assert(sizeof(struct xen_build_id) == 4, "xen_build_id header is 4 bytes");

#endif /* PVMM_XEN_VERSION_H */
