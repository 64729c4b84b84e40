/*
 * core/rangeset.c - sets of inclusive ranges with a fixed capacity (pvmm/rangeset.h).
 *
 * Every change is computed into a scratch copy and committed only when it fits, so a
 * failing call leaves no trace.  The sets are small (a domain's I/O rights are a handful of
 * ranges), so linear scans are the whole algorithm.
 */
#include "mm.h"

void rangeset_init(struct rangeset *rs)
{
    rs->nr = 0;
}

/*
 * Append [s, e] to out, whose ranges all start at or below s: merged into the last range
 * when the two overlap or touch.  -XEN_ENOMEM when a new range does not fit.
 */
static int append(struct rangeset *out, uint64_t s, uint64_t e)
{
    if (out->nr) {
        uint64_t *last_e = &out->r[out->nr - 1].e;

        if (*last_e == ~0UL || s <= *last_e + 1) {
            if (e > *last_e)
                *last_e = e;
            return 0;
        }
    }
    if (out->nr == PVMM_RANGESET_MAX)
        return -XEN_ENOMEM;
    out->r[out->nr].s = s;
    out->r[out->nr].e = e;
    out->nr++;
    return 0;
}

int rangeset_add_range(struct rangeset *rs, uint64_t s, uint64_t e)
{
    struct rangeset out;
    unsigned int i;
    bool added = false;

    if (s > e)
        return -XEN_EINVAL;
    out.nr = 0;
    for (i = 0; i < rs->nr; i++) {
        if (!added && s < rs->r[i].s) {
            if (append(&out, s, e))
                return -XEN_ENOMEM;
            added = true;
        }
        if (append(&out, rs->r[i].s, rs->r[i].e))
            return -XEN_ENOMEM;
    }
    if (!added && append(&out, s, e))
        return -XEN_ENOMEM;
    *rs = out;
    return 0;
}

int rangeset_remove_range(struct rangeset *rs, uint64_t s, uint64_t e)
{
    struct rangeset out;
    unsigned int i;

    if (s > e)
        return -XEN_EINVAL;
    out.nr = 0;
    for (i = 0; i < rs->nr; i++) {
        uint64_t rs_s = rs->r[i].s, rs_e = rs->r[i].e;

        if (rs_e < s || rs_s > e) {                      /* untouched */
            if (append(&out, rs_s, rs_e))
                return -XEN_ENOMEM;
            continue;
        }
        if (rs_s < s && append(&out, rs_s, s - 1))       /* the part below */
            return -XEN_ENOMEM;
        if (rs_e > e && append(&out, e + 1, rs_e))       /* the part above */
            return -XEN_ENOMEM;
    }
    *rs = out;
    return 0;
}

bool rangeset_contains_range(const struct rangeset *rs, uint64_t s, uint64_t e)
{
    unsigned int i;

    if (s > e)
        return false;
    for (i = 0; i < rs->nr; i++)
        if (rs->r[i].s <= s && e <= rs->r[i].e)
            return true;
    return false;
}

bool rangeset_overlaps_range(const struct rangeset *rs, uint64_t s, uint64_t e)
{
    unsigned int i;

    for (i = 0; i < rs->nr; i++)
        if (rs->r[i].s <= e && s <= rs->r[i].e)
            return true;
    return false;
}
