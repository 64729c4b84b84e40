/*
 * core/sealed-launch.c - foreign mappings counted per domain, and the sealed launch.
 *
 * Every L1 entry that lives in one domain's table and maps a RAM frame of another ordinary
 * domain is a foreign mapping of that other domain's memory: made by mmu_update with a
 * foreign domain, update_va_mapping_otherdomain, or a grant host mapping.  The mapped
 * domain's nr_foreign_maps counts them; it goes up where such an entry gets its references
 * (get_page_from_l1e_slow, gnttab_create_host_mapping) and down where the entry's
 * references go (put_l1e_references: an entry replaced, a table devalidated or torn down;
 * gnttab_replace_host_mapping).  The auditor recounts them from the validated L1 tables.
 *
 * A domain created sealed (pvmm's createdomain flag XEN_DOMCTL_CDF_pvmm_sealed) runs for the
 * first time only through pvmm_domain_launch: refused with -EBUSY while another domain
 * still maps any of its frames, so its builder's view of its memory is gone before it
 * runs.  Once launched, no other domain may make a foreign mapping of it again (-EPERM);
 * the domain shares its memory only by granting it.  The count and the launched flag form
 * a pair each side writes first and reads second (sequentially consistent atomics): a
 * mapping that raced with a launch either is seen by the launch (refused) or sees the
 * launch (refused), never neither.  A launch refused that way leaves the domain unlaunched
 * again; a mapping refused during that window fails with -EPERM though the domain never
 * ran (the caller raced its own unpause).
 */
#include "mm.h"
#include <xen/domctl.h>

void pvmm_domain_seal(struct domain *d)
{
    d->sealed = true;
}

bool foreign_map_take(struct vcpu *curr, struct domain *owner, intpte_t l1e)
{
    __atomic_add_fetch(&owner->nr_foreign_maps, 1, __ATOMIC_SEQ_CST);
    if (!__atomic_load_n(&owner->launched, __ATOMIC_SEQ_CST))
        return true;
    __atomic_sub_fetch(&owner->nr_foreign_maps, 1, __ATOMIC_SEQ_CST);
    REJECT(curr, EPERM, SEALED_LAUNCHED, .frame = pte_mfn(l1e), .level = 1, .entry = l1e);
    return false;
}

void foreign_map_count(struct pvmm_state *s, intpte_t l1e, const struct domain *l1e_owner,
                       int delta)
{
    mfn_t mfn = pte_mfn(l1e);
    domid_t owner;

    if (!(l1e & _PAGE_PRESENT) || !mfn_valid(s, mfn))
        return;
    owner = __atomic_load_n(&mfn_to_page(s, mfn)->owner, __ATOMIC_ACQUIRE);
    if (owner >= PVMM_MAX_DOMAINS || owner == l1e_owner->domain_id)
        return;
    if (delta > 0)
        __atomic_add_fetch(&s->domains[owner].nr_foreign_maps, 1, __ATOMIC_SEQ_CST);
    else
        __atomic_sub_fetch(&s->domains[owner].nr_foreign_maps, 1, __ATOMIC_SEQ_CST);
}

/*
 * Find one present entry of a validated L1 of another domain that maps a frame of d; fill
 * *table, *slot, *pte and the table's owner *mapper.  False if none was seen (a concurrent unmap may have removed it).
 * Each table is read while a general reference keeps it from being freed.
 */
static bool find_foreign_mapping(struct pvmm_state *s, const struct domain *d, mfn_t *table,
                                 int *slot, intpte_t *pte, domid_t *mapper)
{
    for (mfn_t m = 0; m < s->nr_frames; m++) {
        struct page_info *pg = mfn_to_page(s, m);
        struct domain *o = page_get_owner(s, pg);
        uint64_t ti = read_atomic64(&pg->type_info);
        const intpte_t *t;
        bool found = false;

        if (!o || o == d || o->domain_id >= PVMM_MAX_DOMAINS ||
            (ti & PGT_type_mask) != PGT_l1_page_table || !(ti & PGT_count_mask) ||
            !(ti & PGT_validated) || !get_page(s, pg, o))
            continue;
        t = map_domain_page(s, m);
        for (unsigned int i = 0; i < L1_PAGETABLE_ENTRIES && !found; i++) {
            intpte_t e = read_atomic64(&t[i]);
            mfn_t f = pte_mfn(e);

            if ((e & _PAGE_PRESENT) && mfn_valid(s, f) &&
                __atomic_load_n(&mfn_to_page(s, f)->owner, __ATOMIC_ACQUIRE) == d->domain_id) {
                *table = m;
                *slot = (int)i;
                *pte = e;
                *mapper = o->domain_id;
                found = true;
            }
        }
        unmap_domain_page(s, (void *)t);
        put_page(s, pg);
        if (found)
            return true;
    }
    return false;
}

int pvmm_domain_launch(struct vcpu *curr, struct domain *d)
{
    struct pvmm_state *s = d->state;
    mfn_t table = INVALID_MFN;
    domid_t mapper = PVMM_OWNER_NONE;
    intpte_t pte = 0;
    int slot = -1, rc;

    if (!d->sealed || __atomic_load_n(&d->launched, __ATOMIC_SEQ_CST))
        return 0;
    reason_reset(&curr->reason, __HYPERVISOR_domctl);
    reason_set_sub_op(curr, XEN_DOMCTL_unpausedomain);
    __atomic_store_n(&d->launched, true, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&d->nr_foreign_maps, __ATOMIC_SEQ_CST) == 0)
        return 0;
    __atomic_store_n(&d->launched, false, __ATOMIC_SEQ_CST);
    find_foreign_mapping(s, d, &table, &slot, &pte, &mapper);
    rc = REJECT(curr, EBUSY, SEALED_MAPPED, .frame = table != INVALID_MFN ? pte_mfn(pte) :
                INVALID_MFN, .table = table, .level = table != INVALID_MFN ? 1 : 0,
                .index = slot, .entry = pte);
    curr->reason.mapper = mapper;
    return rc;
}
