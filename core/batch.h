/*
 * core/batch.h - the batch driver (batch.c): one loop for every hypercall that runs an array
 * of guest elements, and the continuation protocols of mmu_update / mmuext_op and multicall.
 */
#ifndef PVMM_CORE_BATCH_H
#define PVMM_CORE_BATCH_H

#include "mm.h"
#include <xen/grant_table.h>

/*
 * An element function's "done, and the batch ends after me" (multicall: an iret entry, or
 * the vCPU left kernel mode).  batch_run passes it on.
 */
#define BATCH_STOP 1

/* One invocation of a batch hypercall. */
struct batch {
    struct vcpu *v;
    unsigned int op;          /* the batch hypercall (__HYPERVISOR_*) */
    uint64_t handle;          /* in/out: guest address of the next element */
    unsigned int count;       /* in/out: elements left from handle */
    unsigned int size;        /* bytes per element, at most sizeof(union batch_elem) */
    unsigned int done;        /* out: elements completed by batch_run */
    void *ctx;                /* the element function's own state */
};

/*
 * Run one element, copied into elem from guest address at.  Returns 0 (done), BATCH_STOP
 * (done, end the batch), -XEN_ERESTART (not done, or done in part with the rest recorded in
 * the element itself: the batch continues from this element later) or another negative
 * errno (failed: the batch stops with it, the element not counted).
 */
typedef int (*batch_elem_fn)(struct batch *b, void *elem, uint64_t at);

/* Room for any element (never accessed as raw bytes). */
union batch_elem {
    struct mmu_update mmu;
    struct mmuext_op ext;
    struct multicall_entry mc;
    struct gnttab_map_grant_ref map;
    struct gnttab_unmap_grant_ref unmap;
    struct gnttab_unmap_and_replace replace;
    struct gnttab_copy copy;
    struct gnttab_swap_grant_ref swap;
    struct gnttab_transfer transfer;
    struct gnttab_cache_flush cache_flush;
};

/*
 * Run b's elements in order with run() until all are done (0), one fails (its errno, handle
 * at it), one ends the batch (BATCH_STOP, handle after it), or the rest must be continued
 * (-XEN_ERESTART, handle and count describing what is left): an element asked for it, or
 * the platform's preemption check fired before any element but the first.  An element that
 * cannot be read gives -XEN_EFAULT with a reason.  b->done counts the completed elements.
 * mm_rules (mmu_update, mmuext_op): a pending deferred put (old_guest_table) also ends the
 * run with -XEN_ERESTART before the next element, and a reason that a completed element
 * recovered from is dropped (it must not shadow a later element's).
 *
 * Inline, with run and mm_rules constants at every call site, so that the compiler calls
 * (and can inline) the element function directly: the loop is mmu_update's hot path.
 */
static inline __attribute__((always_inline)) int batch_run(struct batch *b, batch_elem_fn run,
                                                           bool mm_rules)
{
    union batch_elem elem;
    struct vcpu *v = b->v;
    const unsigned int size = b->size;
    uint64_t handle = b->handle;
    unsigned int count = b->count, done = 0;
    int rc = 0;

    while (count) {
        if ((mm_rules && v->old_guest_table) || (done && hypercall_preempt_check(v))) {
            rc = -XEN_ERESTART;
            break;
        }
        if (copy_from_guest(v, &elem, handle, size)) {
            rc = REJECT(v, EFAULT, GUEST_FAULT, .entry = handle);
            break;
        }
        rc = run(b, &elem, handle);
        if (rc < 0)
            break;
        if (mm_rules && v->reason.rule != PVMM_RULE_NONE)
            reason_clear(v, (int)b->op);
        handle += size;
        count--;
        done++;
        if (rc == BATCH_STOP)
            break;
    }
    b->handle = handle;
    b->count = count;
    b->done = done;
    return rc;
}

/*
 * The mmu_update / mmuext_op protocol: (handle, count, pdone, foreigndom), *pdone
 * overwritten by a fresh call and accumulated across continuations, a continuation that
 * carries count | MMU_UPDATE_PREEMPTED, and the NULL-handle continuation that finishes a
 * deferred put left after the last element and returns the batch's result.
 */
struct mm_batch {
    struct batch b;
    uint64_t pdone;
    unsigned int foreigndom;
    unsigned int done;        /* elements completed by earlier invocations (from *pdone) */
};

/*
 * Start an invocation: reset the reason and continuation (except for the NULL-handle
 * continuation, which keeps the reason of the failure it delivers), finish a deferred put,
 * decode a continued count and read *pdone.  Returns true if the caller goes on to
 * mm_batch_run and mm_batch_end; false with the hypercall's result in *rc otherwise (a
 * deferred put to continue, the NULL-handle continuation's result, -EFAULT for a bad handle).
 */
bool mm_batch_begin(struct mm_batch *m, struct vcpu *v, unsigned int op, uint64_t handle,
                    unsigned int count, uint64_t pdone, unsigned int foreigndom, long *rc);
/*
 * Run the elements with one(b, elem) (b->ctx is ctx there).  A failing element's batch
 * index (counted across continuations) goes into the reason.  Returns batch_run's result.
 */
static inline __attribute__((always_inline)) int mm_batch_run(struct mm_batch *m,
                                                              unsigned int size,
                                                              batch_elem_fn one, void *ctx)
{
    int rc;

    m->b.size = size;
    m->b.ctx = ctx;
    rc = batch_run(&m->b, one, true);
    if (rc && rc != -XEN_ERESTART)
        reason_set_op_index(m->b.v, (int)(m->done + m->b.done));
    return rc;
}

/*
 * End an invocation whose result so far is rc: -XEN_ERESTART becomes the continuation of
 * what is left, a pending deferred put the NULL-handle continuation carrying rc; *pdone gets
 * the total.  Returns the hypercall's result.
 */
long mm_batch_end(struct mm_batch *m, long rc);

#endif /* PVMM_CORE_BATCH_H */
