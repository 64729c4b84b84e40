/*
 * core/audit-refs.c - the auditor's reference gathering.
 *
 * Walks everything that holds references (model.md §2.3b) and adds, per target
 * frame, the general and type references each holder owns:
 *
 *   PGC_allocated                          1 general
 *   PGT_pinned, PGT_partial                1 general + 1 type each
 *   dom_io I/O frame, shared Xen-heap page 1 permanent type (general: PGC_allocated)
 *   present entry of a validated table (or of the validated part of a
 *   partially (de)validated one):
 *     L1 read-only to RAM                  1 general
 *     L1 writable to RAM                   1 general + 1 writable type
 *     (a grant host mapping's PTE is such an entry, of the granter's frame)
 *     L1 to I/O (invalid or dom_io frame)  nothing
 *     L2e/L3e/L4e to the next level down   1 general + 1 type
 *     same-level (linear) entry            1 general + 1 type, plus linear counts
 *     self-reference, L4 slots 256..271    nothing
 *     the partial entry (PTF_partial_set)  1 general
 *   vCPU guest_table / guest_table_user    1 general + 1 L4 type
 *   old_guest_table                        1 general (+ 1 type unless partial)
 *   GDT frame, LDT shadow page             1 general + 1 seg_desc type
 *
 * A holder that is itself invalid (a writable mapping of a page table, an
 * entry to the wrong level, a forbidden mapping, a base that is not an L4)
 * is reported once, by its own check, and contributes no references, so
 * that a single corruption yields a single kind of violation.
 */
#include "audit-internal.h"

static const uint32_t upper_disallow[5] = {
    0, 0, L2_DISALLOW_MASK, L3_DISALLOW_MASK, L4_DISALLOW_MASK,
};

/*
 * Check one present-or-not L1 entry of table `table` (owner d) at `idx`;
 * `disallow` is l1_disallow_mask(d).
 */
static void audit_l1e(struct audit_ctx *c, mfn_t table, const struct domain *d,
                      uint32_t disallow, unsigned int idx, intpte_t e)
{
    struct pvmm_state *s = c->s;
    const struct page_info *tpg;
    uint32_t bad;
    mfn_t t;
    bool allowed;

    if (!(e & _PAGE_PRESENT))
        return;
    t = pte_mfn(e);
    bad = get_pte_flags(e) & disallow;
    if (bad)
        audit_violation(c, PVMM_AUDIT_BAD_FLAGS, t, table, (int)idx, 0, bad);

    /*
     * I/O frames: no references; only domains with I/O access to the frame may
     * map them, and read-only MMIO frames only read-only.
     */
    if (!mfn_valid(s, t) || mfn_to_page(s, t)->owner == DOMID_IO) {
        if ((!iomem_access_permitted(d, t, t) && !audit_grant_host_mapped(s, d, t)) ||
            ((e & _PAGE_RW) && rangeset_contains_singleton(&s->mmio_ro_ranges, t)))
            audit_violation(c, PVMM_AUDIT_FORBIDDEN_MAPPING, t, table, (int)idx,
                            d->domain_id, DOMID_IO);
        return;
    }

    tpg = mfn_to_page(s, t);
    allowed = tpg->owner == d->domain_id ||
              (d->is_privileged && audit_owner(s, tpg->owner) != NULL) ||
              (tpg->owner < PVMM_MAX_DOMAINS && audit_grant_host_mapped(s, d, t));
    /* Hypervisor frames: only those shared with privileged guests, read-only. */
    if (tpg->owner == DOMID_XEN && ((e & _PAGE_RW) || !(tpg->count_info & PGC_xen_heap)))
        allowed = false;
    if (!allowed) {
        audit_violation(c, PVMM_AUDIT_FORBIDDEN_MAPPING, t, table, (int)idx,
                        d->domain_id, tpg->owner);
        return;
    }
    if (e & _PAGE_RW) {
        if ((tpg->type_info & PGT_type_mask) != PGT_writable_page) {
            audit_violation(c, PVMM_AUDIT_WRITABLE_MAPPING, t, table, (int)idx,
                            PGT_writable_page, tpg->type_info & PGT_type_mask);
            return;
        }
        c->f[t].type++;
    }
    c->f[t].gen++;
    /* A foreign mapping (or a grant host mapping) of another ordinary domain's frame. */
    if (tpg->owner != d->domain_id && tpg->owner < PVMM_MAX_DOMAINS)
        c->foreign[tpg->owner]++;
}

/*
 * Check one L2/L3/L4 entry of table `table` (level `level`, owner d) at idx.
 * `partial` marks the entry at nr_validated_ptes of a partial table with
 * PTF_partial_set: it holds only a general reference.
 */
static void audit_upper(struct audit_ctx *c, mfn_t table, int level, const struct domain *d,
                        unsigned int idx, intpte_t e, bool partial)
{
    struct pvmm_state *s = c->s;
    const struct page_info *tpg;
    uint64_t ttype;
    uint32_t bad;
    mfn_t t;

    if (!(e & _PAGE_PRESENT))
        return;
    t = pte_mfn(e);
    bad = get_pte_flags(e) & upper_disallow[level];
    if (bad)
        audit_violation(c, PVMM_AUDIT_BAD_FLAGS, t, table, (int)idx, 0, bad);

    if (t == table) {
        /* A self-reference holds nothing, but must obey the linear rules. */
        if ((e & _PAGE_RW) || !s->linear_pt)
            audit_violation(c, PVMM_AUDIT_BAD_LINEAR, t, table, (int)idx, 0, e & _PAGE_RW);
        return;
    }
    if (!mfn_valid(s, t) || mfn_to_page(s, t)->owner != d->domain_id) {
        audit_violation(c, PVMM_AUDIT_FORBIDDEN_MAPPING, t, table, (int)idx, d->domain_id,
                        mfn_valid(s, t) ? mfn_to_page(s, t)->owner : PVMM_OWNER_NONE);
        return;
    }
    tpg = mfn_to_page(s, t);
    if (partial) {
        c->f[t].gen++;
        return;
    }

    ttype = tpg->type_info & PGT_type_mask;
    if (ttype == PGT_level_type(level - 1)) {
        if (!(tpg->type_info & PGT_validated))
            audit_violation(c, PVMM_AUDIT_NOT_VALIDATED, t, table, (int)idx,
                            PGT_validated, tpg->type_info);
    } else if (ttype == PGT_level_type(level)) {
        if ((e & _PAGE_RW) || !s->linear_pt) {
            audit_violation(c, PVMM_AUDIT_BAD_LINEAR, t, table, (int)idx, 0, e & _PAGE_RW);
            return;
        }
        if (!(tpg->type_info & PGT_validated))
            audit_violation(c, PVMM_AUDIT_NOT_VALIDATED, t, table, (int)idx,
                            PGT_validated, tpg->type_info);
        if (c->f[table].lin_out < UINT16_MAX)
            c->f[table].lin_out++;
        if (c->f[t].lin_in < UINT16_MAX)
            c->f[t].lin_in++;
    } else {
        audit_violation(c, PVMM_AUDIT_WRONG_CHILD_TYPE, t, table, (int)idx,
                        PGT_level_type(level - 1), ttype);
        return;
    }
    c->f[t].gen++;
    c->f[t].type++;
}

/* Compare the hypervisor slots of validated L4 m with a fresh template. */
static void audit_xen_slots(struct audit_ctx *c, mfn_t m, const struct domain *d,
                            const intpte_t *l4)
{
    intpte_t *want = c->l4_template;

    memset(want, 0, PAGE_SIZE);
    init_xen_l4_slots(c->s, want, m, d, true);
    for (unsigned int i = L4_SLOT_FIRST_XEN; i <= L4_SLOT_LAST_XEN; i++) {
        intpte_t e = l4[i];

        /* Slot 256 holds the read-only M2P or nothing (m2p_strict, fill/zap_ro_mpt). */
        if (e == want[i] || (i == L4_SLOT_FIRST_XEN && e == 0))
            continue;
        audit_violation(c, PVMM_AUDIT_XEN_SLOT, m, m, (int)i, want[i], e);
    }
}

/* Walk the live entries of page table m (validated, or the valid part of a partial one). */
static void audit_table(struct audit_ctx *c, mfn_t m, const struct domain *d)
{
    const struct page_info *pg = mfn_to_page(c->s, m);
    int level = PGT_type_level(pg->type_info);
    unsigned int n = L1_PAGETABLE_ENTRIES;
    uint32_t l1_disallow = level == 1 ? l1_disallow_mask(d) : 0;
    int partial_idx = -1;
    const intpte_t *t;

    if (pg->type_info & PGT_partial) {
        n = pg->nr_validated_ptes < L1_PAGETABLE_ENTRIES ? pg->nr_validated_ptes
                                                         : L1_PAGETABLE_ENTRIES;
        if ((pg->partial_flags & PTF_partial_set) && n < L1_PAGETABLE_ENTRIES)
            partial_idx = (int)n;
    }

    t = map_domain_page(c->s, m);
    for (unsigned int i = 0; i < n; i++) {
        if (level == 1)
            audit_l1e(c, m, d, l1_disallow, i, t[i]);
        else if (level != 4 || is_guest_l4_slot(i))
            audit_upper(c, m, level, d, i, t[i], false);
    }
    if (partial_idx >= 0 && level > 1 && (level != 4 || is_guest_l4_slot((unsigned)partial_idx)))
        audit_upper(c, m, level, d, (unsigned int)partial_idx, t[partial_idx], true);
    if (level == 4 && (pg->type_info & PGT_validated))
        audit_xen_slots(c, m, d, t);
    unmap_domain_page(c->s, (void *)t);
}

/* Every descriptor of validated seg_desc page m must be accepted unchanged. */
static void audit_descriptors(struct audit_ctx *c, mfn_t m, const struct domain *d)
{
    const uint64_t *t = map_domain_page(c->s, m);

    for (unsigned int i = 0; i < PAGE_SIZE / 8; i++) {
        uint64_t desc = t[i];

        if (!check_descriptor(d, &desc) || desc != t[i]) {
            audit_violation(c, PVMM_AUDIT_BAD_DESCRIPTOR, m, m, (int)i, desc, t[i]);
            break;
        }
    }
    unmap_domain_page(c->s, (void *)t);
}

void audit_frame_refs(struct audit_ctx *c, mfn_t m)
{
    const struct page_info *pg = mfn_to_page(c->s, m);
    uint64_t ci = pg->count_info, ti = pg->type_info;
    struct audit_frame *f = &c->f[m];
    const struct domain *d;

    if (f->on_free_list)
        return;
    if (ci & PGC_allocated) {
        f->gen++;
        /* I/O frames hold a permanent type reference. */
        if (pg->owner == DOMID_IO)
            f->type++;
    }
    /* So does a Xen-heap page lent to a domain, until its last general reference goes (its
     * allocation reference may have gone first: a dying domain's table frame still mapped
     * by another domain through a grant). */
    if (ci & PGC_xen_heap)
        f->type++;
    if (ti & PGT_pinned) {
        if (!PGT_is_pagetable(ti)) {
            audit_violation(c, PVMM_AUDIT_BAD_PIN, m, INVALID_MFN, -1, 0, ti & PGT_type_mask);
        } else {
            f->gen++;
            f->type++;
        }
    }
    if (ti & PGT_partial) {
        f->gen++;
        f->type++;
    }

    d = audit_owner(c->s, pg->owner);
    if (!d)
        return;
    /*
     * A table with type references that is neither validated nor partial is
     * reported by audit_frame_check (NOT_VALIDATED); its entries are still
     * counted as if validated so that the one corruption is reported once.
     */
    if (PGT_is_pagetable(ti) && ((ti & (PGT_validated | PGT_partial)) || (ti & PGT_count_mask)))
        audit_table(c, m, d);
    else if ((ti & PGT_type_mask) == PGT_seg_desc_page && (ti & PGT_validated))
        audit_descriptors(c, m, d);
}

/* A vCPU base (guest_table or guest_table_user) of d. */
static void audit_base(struct audit_ctx *c, const struct domain *d, mfn_t m)
{
    const struct page_info *pg;

    if (m == INVALID_MFN)
        return;
    pg = mfn_valid(c->s, m) ? mfn_to_page(c->s, m) : NULL;
    if (!pg || pg->owner != d->domain_id ||
        (pg->type_info & (PGT_type_mask | PGT_validated)) !=
            (PGT_l4_page_table | PGT_validated)) {
        audit_violation(c, PVMM_AUDIT_BAD_BASE, m, INVALID_MFN, -1,
                        PGT_l4_page_table | PGT_validated, pg ? pg->type_info : 0);
        return;
    }
    c->f[m].gen++;
    c->f[m].type++;
}

/* Frame m, which a vCPU of d references for itself: d's page, or NULL (violation recorded). */
static const struct page_info *audit_own_frame(struct audit_ctx *c, const struct domain *d,
                                               mfn_t m, int slot)
{
    if (!mfn_valid(c->s, m) || mfn_to_page(c->s, m)->owner != d->domain_id) {
        audit_violation(c, PVMM_AUDIT_FORBIDDEN_MAPPING, m, INVALID_MFN, slot, d->domain_id,
                        mfn_valid(c->s, m) ? mfn_to_page(c->s, m)->owner : PVMM_OWNER_NONE);
        return NULL;
    }
    return mfn_to_page(c->s, m);
}

/* A GDT frame or LDT shadow page of d. */
static void audit_desc_ref(struct audit_ctx *c, const struct domain *d, mfn_t m, int slot)
{
    const struct page_info *pg = audit_own_frame(c, d, m, slot);

    if (!pg)
        return;
    if ((pg->type_info & PGT_type_mask) != PGT_seg_desc_page) {
        audit_violation(c, PVMM_AUDIT_NOT_VALIDATED, m, INVALID_MFN, slot,
                        PGT_seg_desc_page | PGT_validated, pg->type_info);
        return;
    }
    if (!(pg->type_info & PGT_validated))
        audit_violation(c, PVMM_AUDIT_NOT_VALIDATED, m, INVALID_MFN, slot,
                        PGT_seg_desc_page | PGT_validated, pg->type_info);
    c->f[m].gen++;
    c->f[m].type++;
}

/* A frame the hypervisor holds for a vCPU of d: d's own, with a writable type. */
static void audit_held_ref(struct audit_ctx *c, const struct domain *d, mfn_t m, int slot)
{
    const struct page_info *pg = audit_own_frame(c, d, m, slot);

    if (!pg)
        return;
    if ((pg->type_info & PGT_type_mask) != PGT_writable_page)
        audit_violation(c, PVMM_AUDIT_WRONG_CHILD_TYPE, m, INVALID_MFN, slot,
                        PGT_writable_page, pg->type_info & PGT_type_mask);
    c->f[m].gen++;
    c->f[m].type++;
}

void audit_vcpu_refs(struct audit_ctx *c, struct domain *d)
{
    struct pvmm_state *s = c->s;

    for (unsigned int i = 0; i < d->max_vcpus && i < PVMM_MAX_VCPUS; i++) {
        const struct vcpu *v = &d->vcpu[i];
        unsigned int nr_gdt = (v->gdt_ents + 511) / 512;

        audit_base(c, d, v->guest_table);
        audit_base(c, d, v->guest_table_user);

        if (v->old_guest_table) {
            const struct page_info *pg = v->old_guest_table;
            const struct page_info *pt = v->old_guest_ptpg;
            mfn_t m = page_to_mfn(s, pg);

            if (pg >= s->frame_table && m < s->nr_frames) {
                c->f[m].gen++;
                if (!v->old_guest_table_partial)
                    c->f[m].type++;
                /* A deferred put of a linear entry still counts as linear use. */
                if (pt && pt != pg && pt >= s->frame_table &&
                    page_to_mfn(s, pt) < s->nr_frames &&
                    PGT_is_pagetable(pt->type_info) &&
                    (pt->type_info & PGT_type_mask) == (pg->type_info & PGT_type_mask) &&
                    (pt->type_info & (PGT_validated | PGT_partial))) {
                    c->f[page_to_mfn(s, pt)].lin_out++;
                    c->f[m].lin_in++;
                }
            }
        }

        for (unsigned int g = 0; g < nr_gdt && g < PVMM_GDT_FRAMES; g++)
            if (v->gdt_frames[g] != INVALID_MFN)
                audit_desc_ref(c, d, v->gdt_frames[g], (int)g);
        for (unsigned int l = 0; l < PVMM_LDT_PAGES; l++)
            if (v->ldt_shadow[l] != INVALID_MFN)
                audit_desc_ref(c, d, v->ldt_shadow[l], (int)l);
        for (unsigned int k = 0; k < PVMM_HELD_FRAMES; k++)
            if (v->held_frames[k] != INVALID_MFN)
                audit_held_ref(c, d, v->held_frames[k], (int)k);
    }
}
