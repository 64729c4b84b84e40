/*
 * core/descriptors.c - segment descriptors: check_descriptor, seg_desc pages,
 * set_gdt and update_descriptor (model.md §5.1-§5.3, model.md §10).
 *
 * A GDT or LDT frame has type PGT_seg_desc_page.  That type can only be taken
 * while the frame's type count is zero, and every writable mapping holds a
 * writable type reference, so no frame with a writable mapping anywhere can
 * become a descriptor page, and no descriptor page can be mapped writable.
 * Taking the type the first time validates all 512 descriptors with
 * check_descriptor(), which also fixes them up in place (DPL raised to the
 * guest kernel's ring 3, call gates forced to DPL 0).  After that the only way
 * to change a live descriptor is update_descriptor(), which checks the new
 * value the same way.  A seg_desc page keeps PGT_validated when its type count
 * drops to zero: no writable mapping can appear without a type change, and a
 * type change clears PGT_validated.
 *
 * Why checking each 8-byte slot on its own is enough.  A 64-bit call gate is
 * 16 bytes: the gate itself (type 12) in slot i and the upper half of the
 * target offset in slot i+1, whose type field the CPU requires to be 0.  We,
 * like Xen, never look at pairs: slot i+1 is checked as a descriptor in its
 * own right, and an upper half with type 0 and S clear passes as "system type
 * 0".  This is safe because (1) a type-0 system descriptor cannot be loaded
 * into any segment register, so slot i+1 is harmless when used as a selector;
 * (2) every call gate we store has DPL 0, so every use of it from the guest
 * (ring 3) faults with #GP and the hypervisor emulates the gate, re-reading and
 * checking the target; the offset bits in slot i+1 are never trusted; (3) if
 * slot i+1 is anything other than a type-0 upper half (say another gate or a
 * code segment that passed its own check), the CPU refuses the gate at i
 * because the upper half's type is not 0.  Slot i+1 being checked on its own
 * also means a gate's upper half can never smuggle in a TSS, LDT or
 * interrupt/trap gate: those are refused wherever they appear.
 */
#include "mm.h"

/* Fields of the high 32 bits ("b") of a descriptor. */
#define SEG_TYPE_SHIFT      8
#define SEG_TYPE_MASK       (0xfU << SEG_TYPE_SHIFT)   /* bits 8..11 */
#define SEG_S               (1U << 12)                 /* code/data (1) or system (0) */
#define SEG_DPL_SHIFT       13
#define SEG_DPL_MASK        (3U << SEG_DPL_SHIFT)      /* bits 13..14 */
#define SEG_P               (1U << 15)                 /* present */
#define SEG_L               (1U << 21)                 /* 64-bit code */

/* System descriptor types (S clear) the check knows about. */
#define SYS_TYPE_UPPER_HALF 0x0U   /* second 8 bytes of a 16-byte gate */
#define SYS_TYPE_CALL_GATE  0xcU   /* 64-bit call gate in long mode */

/* 64-bit PV guest kernels run in ring 3 (Xen's GUEST_KERNEL_RPL). */
#define GUEST_KERNEL_RPL    3U
/* Bits 0..7 of a 64-bit call gate's high word are reserved (must be zero). */
#define GATE_RESERVED_MASK  0xffU

#define DESCS_PER_PAGE      (PAGE_SIZE / 8)
#define GDT_ENTRIES_PER_FRAME 512U

/*
 * May a call gate of a 64-bit PV guest target selector sel?  Accepted: a
 * selector in the LDT (TI set), a guest GDT selector (index below
 * FIRST_RESERVED_GDT_ENTRY), or Xen's flat ring-3 64-bit code selector
 * FLAT_KERNEL_CS64 (0xe033).  The RPL of the target is replaced by the
 * gate's DPL afterwards, so the flat kernel CS is recognised by index and TI
 * with any RPL.  Every other selector in Xen's reserved GDT page (ring-0
 * code 0xe008, 32-bit code 0xe023, data, TSS, LDT ...) is refused.
 */
static bool guest_gate_selector_okay(uint16_t sel)
{
    if ((sel & ~3U) == (FLAT_KERNEL_CS64 & ~3U))
        return true;
    if (sel & 4U)
        return true;
    return (sel >> 3) < FIRST_RESERVED_GDT_ENTRY;
}

/*
 * Check one descriptor for domain d and fix it up in place (model.md §5.3).
 * Returns true and possibly rewrites *desc if the descriptor is allowed in a
 * 64-bit PV guest's GDT or LDT; false (leaving *desc alone) if it is refused.
 * The check is idempotent: a fixed-up descriptor passes again unchanged.
 */
bool check_descriptor(const struct domain *d, uint64_t *desc)
{
    uint32_t a = (uint32_t)*desc;
    uint32_t b = (uint32_t)(*desc >> 32);
    uint32_t dpl, type;
    uint16_t cs;

    (void)d; /* Every pvmm domain is 64-bit PV; PV32 rules do not apply. */

    /* A descriptor that is not present faults on every use, so it is safe. */
    if (!(b & SEG_P))
        return true;

    /* The guest kernel runs in ring 3: raise any lower DPL to 3. */
    dpl = (b & SEG_DPL_MASK) >> SEG_DPL_SHIFT;
    if (dpl < GUEST_KERNEL_RPL)
        dpl = GUEST_KERNEL_RPL;
    b = (b & ~SEG_DPL_MASK) | (dpl << SEG_DPL_SHIFT);

    /* Code and data segments: no base or limit checks; L (64-bit code) is fine. */
    if (b & SEG_S)
        goto good;

    type = (b & SEG_TYPE_MASK) >> SEG_TYPE_SHIFT;

    /* System type 0 is the upper half of a 16-byte gate: harmless, kept as is. */
    if (type == SYS_TYPE_UPPER_HALF)
        return true;

    /* TSS, LDT, interrupt, trap and task gates, 16-bit gates: never. */
    if (type != SYS_TYPE_CALL_GATE)
        return false;

    cs = (uint16_t)(a >> 16);
    if (!guest_gate_selector_okay(cs))
        return false;

    /*
     * Force the gate's DPL to 0 so that every use faults (#GP) and is
     * emulated, and keep the (fixed-up) DPL in the RPL of the target.
     */
    b &= ~SEG_DPL_MASK;
    cs = (uint16_t)((cs & ~3U) | dpl);
    a = (a & 0xffffU) | ((uint32_t)cs << 16);

    if (b & GATE_RESERVED_MASK)
        return false;

good:
    *desc = ((uint64_t)b << 32) | a;
    return true;
}

/*
 * Validate all 512 descriptors of pg for PGT_seg_desc_page (called by
 * validate_page with the page validate-locked, so nobody can write it).
 * Fixed-up descriptors are written back atomically.  Returns 0, or -EINVAL
 * with reason BAD_DESCRIPTOR naming the first refused slot and its value.
 * Descriptors before the failing one keep their (safe) fix-ups, as in Xen.
 */
int validate_segdesc_page(struct vcpu *curr, struct page_info *pg)
{
    struct pvmm_state *s = vcpu_state(curr);
    const struct domain *owner = page_get_owner(s, pg);
    mfn_t mfn = page_to_mfn(s, pg);
    uint64_t *descs = map_domain_page(s, mfn);
    int rc = 0;

    for (unsigned int i = 0; i < DESCS_PER_PAGE; i++) {
        uint64_t orig = read_atomic64(&descs[i]);
        uint64_t fixed = orig;

        if (!owner || !check_descriptor(owner, &fixed)) {
            rc = REJECT(curr, EINVAL, BAD_DESCRIPTOR, .frame = mfn, .table = mfn, .index = (int)i,
                        .entry = orig, .want_type = PGT_seg_desc_page);
            break;
        }
        if (fixed != orig)
            write_atomic64(&descs[i], fixed);
    }

    unmap_domain_page(s, descs);
    return rc;
}

/*
 * Take a general and a `type` reference on frame mfn for domain d, as Xen's
 * get_page_and_type.  On failure nothing is held and a reason is recorded
 * (the innermost one - e.g. TYPE_CONFLICT with the blocking writable mapping
 * from page-type.c - survives; ours only fills in when none was recorded).
 * Returns 0 or a negative errno (the recorded reason's code).
 */
static int get_desc_frame(struct vcpu *curr, struct domain *d, mfn_t mfn,
                          unsigned long type, int index)
{
    struct pvmm_state *s = vcpu_state(curr);
    struct page_info *pg;

    if (!mfn_valid(s, mfn))
        return REJECT(curr, EINVAL, BAD_MFN, .frame = mfn, .index = index, .entry = mfn,
                      .want_type = type);
    pg = mfn_to_page(s, mfn);
    if (!get_page(s, pg, d))
        return REJECT(curr, EINVAL, NOT_OWNER, .frame = mfn, .index = index, .entry = mfn,
                      .want_type = type);
    if (!get_page_type(curr, pg, type)) {
        put_page(s, pg);
        REJECT(curr, EINVAL, TYPE_CONFLICT, .frame = mfn, .index = index, .entry = mfn,
               .want_type = type);
        return curr->reason.rc < 0 ? curr->reason.rc : -XEN_EINVAL;
    }
    return 0;
}

static unsigned int gdt_nr_frames(unsigned int entries)
{
    return (entries + GDT_ENTRIES_PER_FRAME - 1) / GDT_ENTRIES_PER_FRAME;
}

/*
 * Drop v's GDT: the general + seg_desc type reference of each of its
 * ceil(gdt_ents / 512) frames.  Afterwards gdt_ents is 0 and every
 * gdt_frames[] slot is INVALID_MFN.  Does not flush: callers do.
 */
void pv_destroy_gdt(struct vcpu *v)
{
    unsigned int nr = gdt_nr_frames(v->gdt_ents);

    if (nr > PVMM_GDT_FRAMES)
        nr = PVMM_GDT_FRAMES;   /* cannot happen: set_gdt bounds gdt_ents */
    v->gdt_ents = 0;
    v->desc_gen++;
    for (unsigned int i = 0; i < PVMM_GDT_FRAMES; i++) {
        mfn_t m = v->gdt_frames[i];

        v->gdt_frames[i] = INVALID_MFN;
        if (i < nr && m != INVALID_MFN)
            put_page_and_type(v, mfn_to_page(vcpu_state(v), m));
    }
}

/*
 * Install frames[0 .. ceil(entries/512)) as v's GDT (Xen's pv_set_gdt).
 * Decode: every frame must be owned by v's domain and become seg_desc
 * (validating it if needed); on the first failure the references taken so
 * far are released and -EINVAL returned.  Commit: the old GDT's references
 * are dropped only after the new ones are held (a frame in both stays
 * referenced throughout), then the new frames are recorded.
 */
int pv_set_gdt(struct vcpu *v, const uint64_t *frames, unsigned int entries)
{
    struct pvmm_state *s = vcpu_state(v);
    unsigned int nr = gdt_nr_frames(entries);
    unsigned int i;

    for (i = 0; i < nr; i++) {
        if (get_desc_frame(v, v->domain, frames[i], PGT_seg_desc_page, -1) < 0) {
            reason_set_op_index(v, (int)i);
            goto fail;
        }
    }

    pv_destroy_gdt(v);
    for (i = 0; i < nr; i++)
        v->gdt_frames[i] = frames[i];
    v->gdt_ents = entries;
    v->desc_gen++;
    return 0;

fail:
    while (i-- > 0)
        put_page_and_type(v, mfn_to_page(s, frames[i]));
    return -XEN_EINVAL;
}

/*
 * HYPERVISOR_set_gdt(frame_list, entries) (model.md §5.2): entries > 7168 ->
 * -EINVAL; the ceil(entries/512) frame numbers are read from the guest
 * (-EFAULT); see pv_set_gdt for the rest.  On success the local TLB is
 * flushed.  entries == 0 leaves v without a GDT.
 */
long do_set_gdt(struct vcpu *v, uint64_t frame_list, unsigned int entries)
{
    struct domain *d = v->domain;
    uint64_t frames[PVMM_GDT_FRAMES];
    unsigned int nr = gdt_nr_frames(entries);
    int rc;

    reason_clear(v, __HYPERVISOR_set_gdt);

    if (entries > FIRST_RESERVED_GDT_ENTRY)
        return REJECT(v, EINVAL, BAD_ARGUMENT, .entry = entries);
    if (nr && copy_from_guest(v, frames, frame_list, nr * sizeof(frames[0])))
        return REJECT(v, EFAULT, GUEST_FAULT, .entry = frame_list);

    spin_lock(&d->lock);
    rc = pv_set_gdt(v, frames, entries);
    spin_unlock(&d->lock);

    if (rc == 0)
        flush_tlb_local(v, PVMM_FLUSH_ALL_VA);
    return rc;
}

/*
 * HYPERVISOR_update_descriptor(maddr, desc) (model.md §5.3): write one checked
 * descriptor at machine address maddr.  -EINVAL if maddr is not 8-byte
 * aligned, desc is refused by check_descriptor, the frame is not the
 * caller's, or the frame can take neither a seg_desc reference (if it is a
 * descriptor page) nor a writable one (page tables).  The fixed-up value is
 * written with one atomic 8-byte store while both references are held.
 */
long do_update_descriptor(struct vcpu *v, uint64_t maddr, uint64_t desc)
{
    struct pvmm_state *s = vcpu_state(v);
    mfn_t mfn = maddr >> PAGE_SHIFT;
    int index = (int)((maddr & (PAGE_SIZE - 1)) >> 3);
    uint64_t fixed = desc;
    struct page_info *pg;
    unsigned long type;
    uint64_t *p;
    int rc;

    reason_clear(v, __HYPERVISOR_update_descriptor);

    if (maddr & 7)
        return REJECT(v, EINVAL, BAD_ARGUMENT, .frame = mfn, .entry = maddr);
    if (!check_descriptor(v->domain, &fixed))
        return REJECT(v, EINVAL, BAD_DESCRIPTOR, .frame = mfn, .table = mfn, .index = index,
                      .entry = desc);
    if (!mfn_valid(s, mfn))
        return REJECT(v, EINVAL, BAD_MFN, .frame = mfn, .index = index, .entry = maddr);

    /*
     * A descriptor page is written under a seg_desc reference, anything else
     * under a writable one (which a page table cannot take).  If the type
     * changes between the read and get_page_type, the get simply fails.
     */
    pg = mfn_to_page(s, mfn);
    type = (read_atomic64(&pg->type_info) & PGT_type_mask) == PGT_seg_desc_page
         ? PGT_seg_desc_page : PGT_writable_page;
    rc = get_desc_frame(v, v->domain, mfn, type, index);
    if (rc < 0)
        return -XEN_EINVAL;

    p = map_domain_page(s, mfn);
    write_atomic64(&p[index], fixed);
    unmap_domain_page(s, p);

    put_page_and_type(v, pg);
    return 0;
}
