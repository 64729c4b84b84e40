/*
 * pvmm/rangeset.h - a small set of inclusive integer ranges (Xen's rangeset), for I/O
 * memory rights: which machine frames a domain may map as I/O memory (struct domain's
 * iomem_caps) and which I/O frames are mapped read-only for everyone (mmio_ro_ranges).
 *
 * Fixed capacity, no allocation: ranges are kept sorted, disjoint and not adjacent (a
 * range that touches another is merged with it).  Every operation either completes or, when
 * the result would need more than PVMM_RANGESET_MAX ranges, fails with -XEN_ENOMEM and
 * leaves the set exactly as it was.
 */
#ifndef PVMM_RANGESET_H
#define PVMM_RANGESET_H

#include <stdint.h>
#include <stdbool.h>

#define PVMM_RANGESET_MAX  16

struct rangeset {
    unsigned int nr;
    struct { uint64_t s, e; } r[PVMM_RANGESET_MAX];   /* inclusive, sorted */
};

/* Empty the set. */
void rangeset_init(struct rangeset *rs);
/* Add [s, e].  0, -XEN_EINVAL (s > e) or -XEN_ENOMEM (no room; unchanged). */
int rangeset_add_range(struct rangeset *rs, uint64_t s, uint64_t e);
/* Remove [s, e].  0, -XEN_EINVAL (s > e) or -XEN_ENOMEM (a split needs room; unchanged). */
int rangeset_remove_range(struct rangeset *rs, uint64_t s, uint64_t e);
/* Is every value of [s, e] in the set?  (False for s > e.) */
bool rangeset_contains_range(const struct rangeset *rs, uint64_t s, uint64_t e);
/* Is any value of [s, e] in the set? */
bool rangeset_overlaps_range(const struct rangeset *rs, uint64_t s, uint64_t e);

static inline bool rangeset_contains_singleton(const struct rangeset *rs, uint64_t x)
{
    return rangeset_contains_range(rs, x, x);
}

static inline bool rangeset_is_empty(const struct rangeset *rs)
{
    return rs->nr == 0;
}

#endif /* PVMM_RANGESET_H */
