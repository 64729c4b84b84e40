/*
 * core/domain.c - the state, domains, vm_assist and domain teardown.
 *
 * pvmm_init() starts every frame as I/O memory of dom_io (Xen's
 * assign_io_page); the embedder then turns RAM ranges into free frames
 * (pvmm_add_ram) and reserves the hypervisor's own frames for dom_xen.
 * Ordinary domains have ids 0..PVMM_MAX_DOMAINS-1 and live in s->domains.
 *
 * Teardown (pvmm_domain_destroy, Xen's domain_relinquish_resources and
 * relinquish_memory, model.md §2.5) releases in this order:
 *   1. per vCPU: the deferred put, the kernel and user bases, GDT and LDT;
 *   2. every pin;
 *   3. forced devalidation of every still validated or partial L4, then
 *      L3, then L2: this breaks reference chains through linear entries,
 *      and the tables' own holders put their now unvalidated references
 *      later (allowed because the owner is dying);
 *   4. every allocation reference.
 * Frames whose last reference goes are freed on the way.  Each step is
 * preemptible: after any frame's worth of progress a pending preemption
 * returns -XEN_ERESTART, and the next call resumes the step at the frame
 * where it stopped (d->teardown_step, d->teardown_next), so a teardown
 * makes one pass per step over the frame table however often it is
 * preempted - as Xen's relinquish_memory moves the pages it has done to
 * another list.  An interrupted frame is visited again (its partial state
 * is resumed).  The vCPUs of step 1 are cheap to look at again.  A dying
 * domain gains no pins, tables or allocations behind the cursor: its
 * vCPUs do not run, the allocator refuses it, and pins made for it by
 * another domain are undone (pin.c).
 */
#include "mm.h"
#include "grant-table.h"

void pvmm_init(struct pvmm_state *s, const struct pvmm_config *cfg)
{
    uint64_t nr = cfg->nr_frames;

    memset(s, 0, sizeof(*s));
    /* Free-list links are 32-bit frame numbers; ~0 ends the list. */
    if (nr >= 0xFFFFFFFFUL)
        nr = 0xFFFFFFFEUL;
    s->plat = cfg->plat;
    s->frame_table = cfg->frame_table;
    s->m2p = cfg->m2p;
    s->nr_frames = nr;
    memcpy(s->xen_l4_slots, cfg->xen_l4_slots, sizeof(s->xen_l4_slots));
    s->linear_pt = cfg->linear_pt;
    s->heap_lock = (pvmm_spinlock_t)PVMM_SPINLOCK_INIT;
    s->free_head = ~(uint32_t)0;
    s->nr_free = 0;
    s->free_in_block = cfg->free_in_block;
    for (uint64_t b = 0; b < PVMM_HEAP_BLOCKS(nr); b++)
        s->free_in_block[b] = 0;
    /* Frames stamped 0 (never freed) are older than any clock value. */
    s->tlbflush_clock = 1;
    s->tlbflush_clean = 1;

    for (mfn_t m = 0; m < nr; m++) {
        struct page_info *pg = &s->frame_table[m];

        memset(pg, 0, sizeof(*pg));
        pg->next_free = ~(uint32_t)0;
        pg->owner = DOMID_IO;
        pg->type_info = PGT_writable_page | PGT_validated | 1;
        pg->count_info = PGC_allocated | 1;
        s->m2p[m] = INVALID_M2P_ENTRY;
    }

    s->dom_xen.state = s;
    s->dom_xen.domain_id = DOMID_XEN;
    s->dom_xen.exists = true;
    s->dom_io.state = s;
    s->dom_io.domain_id = DOMID_IO;
    s->dom_io.exists = true;
    for (unsigned int i = 0; i < PVMM_MAX_DOMAINS; i++) {
        s->domains[i].state = s;
        s->domains[i].domain_id = (domid_t)i;
    }
}

/* A vCPU with nothing loaded: no tables, no descriptor frames, kernel mode. */
static void vcpu_reset(struct domain *d, unsigned int id)
{
    struct vcpu *v = &d->vcpu[id];
    void *plat = v->plat;

    memset(v, 0, sizeof(*v));
    v->domain = d;
    v->vcpu_id = id;
    v->plat = plat;
    v->kernel_mode = true;
    v->guest_table = INVALID_MFN;
    v->guest_table_user = INVALID_MFN;
    v->old_guest_table_partial = true;
    for (unsigned int i = 0; i < PVMM_GDT_FRAMES; i++)
        v->gdt_frames[i] = INVALID_MFN;
    for (unsigned int i = 0; i < PVMM_LDT_PAGES; i++)
        v->ldt_shadow[i] = INVALID_MFN;
    v->ldt_shadow_map = 0;
    for (unsigned int i = 0; i < PVMM_HELD_FRAMES; i++)
        v->held_frames[i] = INVALID_MFN;
    reason_clear(v, -1);
}

struct domain *pvmm_domain_create(struct pvmm_state *s, domid_t domid, bool privileged,
                                  uint64_t max_pages, unsigned int nr_vcpus)
{
    struct domain *d;
    void *plat;

    if (domid >= PVMM_MAX_DOMAINS || nr_vcpus == 0 || nr_vcpus > PVMM_MAX_VCPUS)
        return NULL;
    d = &s->domains[domid];
    if (d->exists)
        return NULL;

    plat = d->plat;
    memset(d, 0, sizeof(*d));
    d->state = s;
    d->domain_id = domid;
    d->is_privileged = privileged;
    d->max_pages = max_pages;
    d->max_vcpus = nr_vcpus;
    d->perdomain_l3 = INVALID_MFN;
    rangeset_init(&d->iomem_caps);
    if (privileged)
        iomem_permit_access(d, 0, PVMM_IOMEM_DEFAULT_LIMIT_MFN - 1);
    d->lock = (pvmm_spinlock_t)PVMM_SPINLOCK_INIT;
    d->plat = plat;
    for (unsigned int i = 0; i < PVMM_MAX_VCPUS; i++)
        vcpu_reset(d, i);
    gnttab_init(d);
    __atomic_store_n(&d->exists, true, __ATOMIC_RELEASE);
    return d;
}

/*
 * Ordinary domains only: DOMID_SELF, DOMID_IO, DOMID_XEN and the other
 * reserved ids give NULL, as Xen's lookup by id does not find its system
 * domains.  Callers that accept DOMID_IO/DOMID_XEN as a foreign domain
 * resolve them with get_pg_owner().  A dying domain is still found.
 */
struct domain *pvmm_domain_lookup(struct pvmm_state *s, domid_t domid)
{
    if (domid >= PVMM_MAX_DOMAINS || !__atomic_load_n(&s->domains[domid].exists,
                                                      __ATOMIC_ACQUIRE))
        return NULL;
    return &s->domains[domid];
}

/* VMASST types valid for a 64-bit PV guest (model.md §4.6). */
#define VMASST_VALID_64 ((1UL << VMASST_TYPE_4gb_segments) |         \
                         (1UL << VMASST_TYPE_4gb_segments_notify) |  \
                         (1UL << VMASST_TYPE_writable_pagetables) |  \
                         (1UL << VMASST_TYPE_pae_extended_cr3) |     \
                         (1UL << VMASST_TYPE_architectural_iopl) |   \
                         (1UL << VMASST_TYPE_runstate_update_flag) | \
                         (1UL << VMASST_TYPE_m2p_strict))

long do_vm_assist(struct vcpu *v, unsigned int cmd, unsigned int type)
{
    struct domain *d = v->domain;

    reason_clear(v, __HYPERVISOR_vm_assist);
    /* The type is checked before the command, as Xen does. */
    if (type >= 64 || !((VMASST_VALID_64 >> type) & 1))
        return REJECT(v, EINVAL, BAD_ARGUMENT, .entry = type);
    switch (cmd) {
    case VMASST_CMD_enable:
        __atomic_fetch_or(&d->vm_assist, 1UL << type, __ATOMIC_ACQ_REL);
        return 0;
    case VMASST_CMD_disable:
        __atomic_fetch_and(&d->vm_assist, ~(1UL << type), __ATOMIC_ACQ_REL);
        return 0;
    default:
        return REJECT(v, ENOSYS, BAD_COMMAND, .entry = cmd);
    }
}

/* ---- teardown ---- */

/* True if v still holds a base, a deferred put, GDT frames, LDT shadow pages or held frames. */
static bool vcpu_holds_anything(const struct vcpu *v)
{
    if (v->old_guest_table || v->guest_table != INVALID_MFN ||
        v->guest_table_user != INVALID_MFN || v->gdt_ents)
        return true;
    for (unsigned int i = 0; i < PVMM_GDT_FRAMES; i++)
        if (v->gdt_frames[i] != INVALID_MFN)
            return true;
    for (unsigned int i = 0; i < PVMM_LDT_PAGES; i++)
        if (v->ldt_shadow[i] != INVALID_MFN)
            return true;
    for (unsigned int i = 0; i < PVMM_HELD_FRAMES; i++)
        if (v->held_frames[i] != INVALID_MFN)
            return true;
    return false;
}

/*
 * Step 1 for one vCPU (Xen's vcpu_destroy_pagetables plus descriptor
 * tables): 1 when it released something, 0 if it held nothing,
 * -XEN_ERESTART if a put was interrupted (it is parked in
 * v->old_guest_table and resumed next time).
 */
static int vcpu_relinquish(struct vcpu *v)
{
    struct pvmm_state *s = vcpu_state(v);
    mfn_t *bases[2] = { &v->guest_table, &v->guest_table_user };
    int rc;

    if (!vcpu_holds_anything(v))
        return 0;
    rc = put_old_guest_table(v);
    if (rc)
        return rc;
    for (unsigned int i = 0; i < 2; i++) {
        mfn_t m = *bases[i];

        if (m == INVALID_MFN)
            continue;
        __atomic_store_n(bases[i], INVALID_MFN, __ATOMIC_RELEASE);
        rc = put_page_and_type_preemptible(v, mfn_to_page(s, m));
        if (rc == -XEN_EINTR || rc == -XEN_ERESTART) {
            v->old_guest_ptpg = NULL;
            v->old_guest_table = mfn_to_page(s, m);
            v->old_guest_table_partial = (rc == -XEN_ERESTART);
            return -XEN_ERESTART;
        }
    }
    pv_destroy_gdt(v);
    pv_destroy_ldt(v);
    for (unsigned int i = 0; i < PVMM_HELD_FRAMES; i++)
        if (v->held_frames[i] != INVALID_MFN)
            pvmm_release_held_frame(v, v->held_frames[i]);
    v->ldt_base = 0;
    v->ldt_ents = 0;
    v->desc_gen++;
    return 1;
}

static bool owned_by(const struct page_info *pg, const struct domain *d)
{
    return __atomic_load_n(&pg->owner, __ATOMIC_ACQUIRE) == d->domain_id &&
           (read_atomic64(&pg->count_info) & PGC_count_mask) != 0;
}

/*
 * Step 2 for one frame: drop its pin.  Returns 1 if something was done, 0
 * if not, -XEN_ERESTART if the put was interrupted.
 */
static int relinquish_pin(struct vcpu *curr, struct domain *d, struct page_info *pg)
{
    struct pvmm_state *s = d->state;
    int rc;

    if (!(read_atomic64(&pg->type_info) & PGT_pinned) || !get_page(s, pg, d))
        return 0;
    if (!(__atomic_fetch_and(&pg->type_info, ~PGT_pinned, __ATOMIC_ACQ_REL) & PGT_pinned)) {
        put_page(s, pg);
        return 0;
    }
    rc = put_page_and_type_preemptible(curr, pg);
    if (rc == -XEN_EINTR) {
        /* Nothing happened: pinned again, found again next time. */
        __atomic_fetch_or(&pg->type_info, PGT_pinned, __ATOMIC_ACQ_REL);
    } else if (rc == -XEN_ERESTART) {
        /*
         * The pin's type reference now belongs to the partial state, which
         * step 3 finishes; the pin's general reference goes.
         */
        put_page(s, pg);
    }
    put_page(s, pg);
    return rc ? -XEN_ERESTART : 1;
}

/*
 * Step 3 for one frame: if it is a validated or partial table of `type`,
 * devalidate it whatever its type count (XSA-310: if that has to stop
 * part-way, the PGT_partial state we create gets its own type reference).
 * Returns 1 if done, 0 if nothing to do, -XEN_ERESTART if interrupted.
 */
static int relinquish_table(struct vcpu *curr, struct domain *d, struct page_info *pg,
                            unsigned long type)
{
    struct pvmm_state *s = d->state;
    uint64_t x = read_atomic64(&pg->type_info);
    int rc;

    if ((x & PGT_type_mask) != type || !(x & (PGT_validated | PGT_partial)) ||
        !get_page(s, pg, d))
        return 0;
    for ( ;; ) {
        x = read_atomic64(&pg->type_info);
        if ((x & PGT_type_mask) != type || !(x & (PGT_validated | PGT_partial))) {
            put_page(s, pg);
            return 0;
        }
        if (cmpxchg64(&pg->type_info, &x, x & ~(PGT_validated | PGT_partial)))
            break;
    }

    rc = devalidate_page(curr, pg, x, true);
    switch (rc) {
    case -XEN_EINTR:
        /* Nothing done: put the state back exactly as it was. */
        __atomic_fetch_or(&pg->type_info, x & (PGT_validated | PGT_partial), __ATOMIC_ACQ_REL);
        put_page(s, pg);
        return -XEN_ERESTART;
    case -XEN_ERESTART:
        if (!(x & PGT_partial)) {
            /* A new partial state: a type ref of its own, and our general ref. */
            __atomic_fetch_add(&pg->type_info, 1, __ATOMIC_ACQ_REL);
            __atomic_fetch_or(&pg->type_info, PGT_partial, __ATOMIC_ACQ_REL);
        } else {
            __atomic_fetch_or(&pg->type_info, PGT_partial, __ATOMIC_ACQ_REL);
            put_page(s, pg);
        }
        return -XEN_ERESTART;
    default:
        if (rc)
            CORE_BUG(s, "teardown: devalidating mfn %lx gave %d",
                     (unsigned long)page_to_mfn(s, pg), rc);
        if (x & PGT_partial) {
            /* The finished partial state's type and general references go. */
            __atomic_fetch_sub(&pg->type_info, 1, __ATOMIC_ACQ_REL);
            put_page(s, pg);
        }
        put_page(s, pg);
        return 1;
    }
}

/* Step 4 for one frame: drop the allocation reference.  1 if done, else 0. */
static int relinquish_allocation(struct domain *d, struct page_info *pg)
{
    uint64_t x = read_atomic64(&pg->count_info);

    do {
        if (!(x & PGC_allocated))
            return 0;
    } while (!cmpxchg64(&pg->count_info, &x, x & ~PGC_allocated));
    put_page(d->state, pg);
    return 1;
}

enum relinquish_step { REL_PINS, REL_L4, REL_L3, REL_L2, REL_ALLOC, REL_NR };

/* Frames a teardown step scans between two preemption checks when it finds nothing to do. */
#define TEARDOWN_SCAN_RUN 256

/*
 * One step over the frames of d from d->teardown_next on; 0 when finished,
 * -XEN_ERESTART if preempted, with d->teardown_next at the frame to resume
 * at (the interrupted one again, or the one after the last one done).
 */
static int relinquish_frames(struct vcpu *curr, struct domain *d, enum relinquish_step step)
{
    static const unsigned long level_type[REL_NR] = {
        [REL_L4] = PGT_l4_page_table, [REL_L3] = PGT_l3_page_table,
        [REL_L2] = PGT_l2_page_table,
    };
    struct pvmm_state *s = d->state;

    for (mfn_t m = d->teardown_next; m < s->nr_frames; m++) {
        struct page_info *pg = mfn_to_page(s, m);
        int rc = 0;

        if (owned_by(pg, d)) {
            if (step == REL_PINS)
                rc = relinquish_pin(curr, d, pg);
            else if (step == REL_ALLOC)
                rc = relinquish_allocation(d, pg);
            else
                rc = relinquish_table(curr, d, pg, level_type[step]);
            if (rc < 0) {
                d->teardown_next = m;
                return rc;
            }
        }
        /*
         * Preempt only after real progress, or after a run of TEARDOWN_SCAN_RUN frames
         * scanned, the domain's or not (the scan position is progress too), so that every
         * call makes some and a scan of frames the step has nothing to do for - other
         * domains' and free ones included - is no long stretch either.
         */
        if ((rc > 0 || (m + 1) % TEARDOWN_SCAN_RUN == 0) && hypercall_preempt_check(curr)) {
            d->teardown_next = m + 1;
            return -XEN_ERESTART;
        }
    }
    return 0;
}

/*
 * Teardown is done but d still owns frames that others reference: record
 * -EBUSY on curr (d's vCPU 0), naming the first such frame so the reason
 * shows its counts and type.  The scan costs one pass, as the teardown did.
 */
static int reject_still_referenced(struct vcpu *curr, struct domain *d)
{
    struct pvmm_state *s = d->state;
    mfn_t held = INVALID_MFN;

    for (mfn_t m = 0; m < s->nr_frames && held == INVALID_MFN; m++)
        if (owned_by(mfn_to_page(s, m), d))
            held = m;
    /* Failures logged by the steps above are not why destroy is refused. */
    reason_clear(curr, -1);
    return REJECT(curr, EBUSY, BUSY, .frame = held,
                  .entry = __atomic_load_n(&d->tot_pages, __ATOMIC_ACQUIRE));
}

int pvmm_domain_destroy(struct domain *d)
{
    struct vcpu *curr = &d->vcpu[0];
    int rc;

    if (!d->exists || d == &d->state->dom_xen || d == &d->state->dom_io)
        return 0;
    __atomic_store_n(&d->is_dying, true, __ATOMIC_RELEASE);

    /* The grants d has mapped first, as Xen (their pins; device mappings' references). */
    rc = gnttab_release_mappings(d);
    if (rc)
        return rc;
    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        rc = vcpu_relinquish(&d->vcpu[i]);
        if (rc < 0)
            return rc;
        if (rc > 0 && hypercall_preempt_check(curr))
            return -XEN_ERESTART;
    }
    /* Steps 2-4, resumed where the last call stopped. */
    for (; d->teardown_step < REL_NR; d->teardown_step++, d->teardown_next = 0) {
        rc = relinquish_frames(curr, d, (enum relinquish_step)d->teardown_step);
        if (rc)
            return rc;
    }

    /*
     * Frames another domain still references stay owned (and counted) until
     * that reference goes; the slot stays reserved and dying meanwhile.  So
     * do the table frames lent to d that another domain maps through a grant
     * (not counted in tot_pages).
     */
    if (__atomic_load_n(&d->tot_pages, __ATOMIC_ACQUIRE) != 0 || gnttab_frames_held(d)) {
        /* A later call (once the references went) starts a fresh pass. */
        d->teardown_step = REL_PINS;
        d->teardown_next = 0;
        return reject_still_referenced(curr, d);
    }
    gnttab_destroy(d);
    __atomic_store_n(&d->exists, false, __ATOMIC_RELEASE);
    d->is_dying = false;
    d->vm_assist = 0;
    d->nr_l4_pages = 0;
    d->teardown_step = REL_PINS;
    d->teardown_next = 0;
    return 0;
}
