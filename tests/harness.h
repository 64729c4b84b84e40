/*
 * tests/harness.h - a hosted platform for unit tests of the core.
 *
 * The harness owns a block of host memory that plays machine memory, the
 * frame table and the M2P, and implements struct pvmm_platform:
 *  - map_frame: pointer into the memory block;
 *  - flush_tlb / write_ptbase: recorded (counters, last mask and va);
 *  - preempt_check: scripted, to force preemption at chosen points;
 *  - copy_from/to_guest: a guest virtual address is a host pointer (unit
 *    tests pass arrays directly); the address HARNESS_BAD_GVA faults, and
 *    so does a copy to the range a test marks read-only (ro_gva, ro_len).
 * Frames [0, HARNESS_IO_FRAMES) stay I/O memory owned by dom_io; the rest
 * is RAM.  harness_audit() runs the auditor and fails the test on any
 * violation, printing every one.
 */
#ifndef PVMM_TESTS_HARNESS_H
#define PVMM_TESTS_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>

#include <pvmm/pvmm.h>
#include <pvmm/audit.h>

#define HARNESS_IO_FRAMES 16
#define HARNESS_BAD_GVA   0xdead0000UL

struct harness {
    struct pvmm_state s;
    struct pvmm_platform plat;
    uint8_t *mem;
    struct page_info *ft;
    uint16_t *free_in_block;         /* the heap's per-2 MiB free counts (pvmm_config) */
    uint64_t *m2p;
    uint64_t nr_frames;
    void *audit_scratch;

    /* Recorded platform calls. */
    unsigned long nr_flushes;
    uint64_t last_flush_mask;
    uint64_t last_flush_va;
    unsigned long nr_ptbase_writes;

    /*
     * Preemption script: preempt_check() returns true when the number of
     * checks made so far equals preempt_at (counting from 1); 0 = never.
     * preempt_every makes every check return true.
     */
    unsigned long nr_preempt_checks;
    unsigned long preempt_at;
    bool preempt_every;

    /* Core bugs the test itself plants (harness_expect_core_bugs); normally 0. */
    unsigned long expected_core_bugs;

    /* copy_to_guest overlapping [ro_gva, ro_gva + ro_len) faults. */
    uint64_t ro_gva, ro_len;

    /*
     * Called (when set) each time the core maps a frame: a test reaches into the middle of
     * an operation with it (e.g. changing an entry while a table lock is dropped).
     */
    void (*map_hook)(struct harness *h, mfn_t mfn);
    void *map_hook_arg;
};

/* New machine with nr_frames frames; fails the test on allocation failure. */
struct harness *harness_new(uint64_t nr_frames);
void harness_free(struct harness *h);

/* Create domain domid (vCPU 0 and 1 online, kernel mode), max_pages = all. */
struct domain *harness_domain(struct harness *h, domid_t domid, bool privileged);
/* The common fixture: a machine, unprivileged domain 1 and its vCPU 0. */
struct harness_fx {
    struct harness *h;
    struct domain *d;
    struct vcpu *v;
    struct pvmm_state *s;
};
struct harness_fx harness_fx_new(uint64_t nr_frames);
/* The frame-table entry of mfn. */
static inline struct page_info *harness_page(struct harness_fx *f, mfn_t mfn)
{
    assert_true(mfn < f->s->nr_frames);
    return &f->s->frame_table[mfn];
}

/* Allocate a frame to d (asserts success) and zero it. */
mfn_t harness_alloc(struct harness *h, struct domain *d);
/* Host pointer to frame mfn's contents as 512 entries. */
intpte_t *harness_pt(struct harness *h, mfn_t mfn);

/*
 * Core bugs (docs/model.md §11) fail every test: the auditor reports them
 * (harness_audit) and harness_free fails the test if the state met any.  A
 * test that plants some on purpose says how many with
 * harness_expect_core_bugs(h, n): harness_audit then accepts up to n, and
 * harness_free requires exactly n.
 */
void harness_expect_core_bugs(struct harness *h, unsigned long n);
/* True if the core bugs met so far are exactly the expected ones. */
bool harness_core_bugs_as_expected(const struct harness *h);

/* Run the auditor; fails the test (listing violations) unless the state is clean. */
void harness_audit(struct harness *h);
/* Number of violations, without failing. */
unsigned int harness_audit_count(struct harness *h);

/* Counts of frame mfn. */
uint64_t harness_count(struct harness *h, mfn_t mfn);
uint64_t harness_type_count(struct harness *h, mfn_t mfn);
uint64_t harness_type(struct harness *h, mfn_t mfn);

/*
 * A small address space built by the construction recipe: L4 -> L3 -> L2 ->
 * L1 mapping `nr_data` data frames read-write at VA 0 (L1 slots 0..), and
 * the four table frames read-only at HARNESS_PT_VA (L1 slots 256..259: L4,
 * L3, L2, L1), so the guest can read its own tables.
 */
struct harness_as {
    mfn_t l4, l3, l2, l1;
    mfn_t data[8];
    unsigned int nr_data;
};
#define HARNESS_DATA_VA  0x0UL
#define HARNESS_PT_VA    0x100000UL
/* Fill the tables (not validated, not pinned). */
void harness_build_as(struct harness *h, struct domain *d, struct harness_as *as,
                      unsigned int nr_data);
/* Build, pin the L4 and load it as v's kernel base; asserts success. */
void harness_build_running_as(struct harness *h, struct vcpu *v, struct harness_as *as,
                              unsigned int nr_data);

/*
 * mmu_update, mmuext_op, update_va_mapping or memory_op with raw arguments, as an embedder
 * dispatches them (no re-issue of continuations); -XEN_ENOSYS for any other op.
 */
long harness_hypercall(struct vcpu *v, uint64_t op, const uint64_t a[6]);
/* Issue one hypercall, re-issuing continuations until done (counts them in *nconts). */
long harness_mmu_update(struct vcpu *v, struct mmu_update *reqs, unsigned int count,
                        unsigned int *done, unsigned int foreigndom);
long harness_mmuext_op(struct vcpu *v, struct mmuext_op *ops, unsigned int count,
                       unsigned int *done, unsigned int foreigndom);
/* Single-op helpers. */
long harness_mmuext(struct vcpu *v, unsigned int cmd, uint64_t arg1, uint64_t arg2);
long harness_pt_update(struct vcpu *v, mfn_t table, unsigned int index, intpte_t val);
unsigned long harness_continuations(void);

/* Assert that the last failure on v recorded rule `rule` (with its rc). */
#define assert_reason(v, rule_) do { \
        const struct pvmm_reason *r_ = pvmm_last_reason(v); \
        if (r_->rule != (rule_)) { \
            char b_[1024]; pvmm_reason_format(r_, b_, sizeof(b_)); \
            fail_msg("expected reason %s, got %s: %s", pvmm_rule_name(rule_), \
                     pvmm_rule_name(r_->rule), b_); \
        } \
    } while (0)

#endif /* PVMM_TESTS_HARNESS_H */
