/*
 * core/audit-grant.c - the auditor's part for grant tables.
 *
 * It recounts, from every domain's maptrack, the pins each active entry
 * must have (per kind: host/device, writable/read-only) and compares them
 * with the pin words; every tracked mapping must name a granter that exists,
 * a reference inside its table, and an entry pinned for the mapper.  A
 * device mapping's references (general, plus writable type unless
 * read-only) are added to its frame's expected counts; a host mapping's are
 * its PTE's, which the page-table recount already finds (a PTE of another
 * domain's frame is allowed there when a host mapping of that frame is
 * tracked for the table's owner).
 */
#include "audit-internal.h"
#include "grant-table.h"

/* The pins every tracked mapping of (rd, ref) adds up to. */
static uint32_t tracked_pins(struct pvmm_state *s, domid_t rd, grant_ref_t ref,
                             domid_t *mapper)
{
    uint32_t pins = 0;

    for (unsigned int i = 0; i < PVMM_MAX_DOMAINS; i++) {
        struct domain *ld = &s->domains[i];
        struct grant_table *lgt = &ld->grant_table;

        if (!ld->exists)
            continue;
        for (unsigned int f = 0; f < lgt->nr_maptrack_frames; f++) {
            const struct grant_mapping *mt = map_domain_page(s, lgt->maptrack[f]);

            for (unsigned int k = 0; k < MAPTRACK_PER_FRAME; k++)
                if ((mt[k].flags & GNTMAP_KINDS) && mt[k].domid == rd && mt[k].ref == ref) {
                    pins += gnttab_pin_increment(mt[k].flags);
                    *mapper = ld->domain_id;
                }
        }
    }
    return pins;
}

bool audit_grant_host_mapped(struct pvmm_state *s, const struct domain *ld, mfn_t mfn)
{
    const struct grant_table *lgt = &ld->grant_table;

    for (unsigned int f = 0; f < lgt->nr_maptrack_frames; f++) {
        const struct grant_mapping *mt = map_domain_page(s, lgt->maptrack[f]);

        for (unsigned int k = 0; k < MAPTRACK_PER_FRAME; k++) {
            struct domain *rd;
            struct active_grant_entry *act;

            if (!(mt[k].flags & GNTMAP_host_map))
                continue;
            rd = pvmm_domain_lookup(s, mt[k].domid);
            act = rd && mt[k].ref < nr_grant_entries(&rd->grant_table) ?
                  gnttab_active(rd, mt[k].ref) : NULL;
            if (act && act->pin && act->mfn == mfn)
                return true;
        }
    }
    return false;
}

void audit_grant_refs(struct audit_ctx *c, struct domain *ld)
{
    struct pvmm_state *s = c->s;
    struct grant_table *lgt = &ld->grant_table;

    for (unsigned int f = 0; f < lgt->nr_maptrack_frames; f++) {
        const struct grant_mapping *mt = map_domain_page(s, lgt->maptrack[f]);

        for (unsigned int k = 0; k < MAPTRACK_PER_FRAME; k++) {
            int handle = (int)(f * MAPTRACK_PER_FRAME + k);
            struct domain *rd;
            struct active_grant_entry *act;

            if (!(mt[k].flags & GNTMAP_KINDS))
                continue;
            rd = pvmm_domain_lookup(s, mt[k].domid);
            act = rd && mt[k].ref < nr_grant_entries(&rd->grant_table) ?
                  gnttab_active(rd, mt[k].ref) : NULL;
            if (!act || !act->pin || act->domid != ld->domain_id)
                audit_violation(c, PVMM_AUDIT_GRANT_MAPTRACK, INVALID_MFN, INVALID_MFN,
                                handle, ld->domain_id, act ? act->pin : 0);
            if (!act)
                continue;
            if ((mt[k].flags & GNTMAP_device_map) && mfn_valid(s, act->mfn) &&
                mfn_to_page(s, act->mfn)->owner != DOMID_IO) {
                c->f[act->mfn].gen++;
                if (!(mt[k].flags & GNTMAP_readonly))
                    c->f[act->mfn].type++;
            }
        }
    }
}

void audit_grant_pins(struct audit_ctx *c, struct domain *rd)
{
    struct pvmm_state *s = c->s;
    struct grant_table *gt = &rd->grant_table;

    for (grant_ref_t ref = 0; ref < nr_grant_entries(gt); ref++) {
        struct active_grant_entry *act = gnttab_active(rd, ref);
        domid_t mapper = DOMID_INVALID;
        uint32_t want;

        if (!act || !act->pin)
            continue;
        want = tracked_pins(s, rd->domain_id, ref, &mapper);
        if (want != act->pin)
            audit_violation(c, PVMM_AUDIT_GRANT_PIN, act->mfn, INVALID_MFN, (int)ref, want,
                            act->pin);
    }
}
