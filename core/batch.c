/*
 * core/batch.c - the batch driver: one loop for every hypercall that runs an array of guest
 * elements, and the continuation protocols built on it.
 *
 * batch_run() reads one element at a time from guest memory, runs it, and advances; it stops
 * at the first failure, at an element that ends the batch, or when the rest must be
 * continued (an element asked for it, or preemption between elements), leaving the handle
 * and count at what is left.  Its callers encode that into their own continuation:
 *
 *   mmu_update, mmuext_op   mm_batch_begin / mm_batch_run / mm_batch_end: a deferred put
 *                           (old_guest_table) is finished before anything else and stops the
 *                           batch before its next element; *pdone is overwritten by a fresh
 *                           call and accumulated across continuations; the continuation
 *                           carries the advanced handle and count | MMU_UPDATE_PREEMPTED, and
 *                           a deferred put left after the last element is finished by a
 *                           continuation with a NULL handle that carries the final result in
 *                           foreigndom.
 *   multicall               do_multicall: each entry is a hypercall run by the embedder.
 *
 * The multicall-continuation contract (Xen's): a sub-call's continuation belongs to its own
 * entry, never to the multicall's frame.  When an entry's hypercall asks to be continued,
 * its new arguments (only as many as that hypercall takes) are written into the entry in the
 * guest's array, and the multicall itself is continued from that entry: entries already
 * done are not run again, the entry runs again with the arguments of the work it has left,
 * and its result is the one of the call that finishes.  Preemption between entries
 * continues the multicall from the next entry the same way.  The embedder re-issues only the
 * multicall, with its two arguments.
 */
#include "batch.h"

#define PREEMPTED MMU_UPDATE_PREEMPTED

_Static_assert(sizeof(union batch_elem) == sizeof(struct multicall_entry),
               "the largest element is a multicall entry");

/* ---- mmu_update and mmuext_op ---- */

bool mm_batch_begin(struct mm_batch *m, struct vcpu *v, unsigned int op, uint64_t handle,
                    unsigned int count, uint64_t pdone, unsigned int foreigndom, long *rc)
{
    bool finish = count == PREEMPTED && handle == 0;
    int r;

    if (finish)
        v->cont.pending = false;
    else
        reason_clear(v, (int)op);

    r = put_old_guest_table(v);
    if (r) {
        *rc = r == -XEN_ERESTART
              ? hypercall_create_continuation(v, op, 4, handle, count, pdone, foreigndom, 0)
              : r;
        return false;
    }
    if (finish) {
        *rc = (int)foreigndom;
        return false;
    }

    m->pdone = pdone;
    m->foreigndom = foreigndom;
    m->done = 0;
    if (count & PREEMPTED) {
        count &= ~PREEMPTED;
        if (pdone)
            (void)copy_from_guest(v, &m->done, pdone, sizeof(m->done));
    }
    if (!addr_ok(handle)) {
        *rc = REJECT(v, EFAULT, GUEST_FAULT, .entry = handle);
        return false;
    }
    m->b = (struct batch){ .v = v, .op = op, .handle = handle, .count = count };
    return true;
}

long mm_batch_end(struct mm_batch *m, long rc)
{
    struct vcpu *v = m->b.v;
    unsigned int done;

    if (rc == -XEN_ERESTART)
        rc = hypercall_create_continuation(v, m->b.op, 4, m->b.handle,
                                           m->b.count | PREEMPTED, m->pdone, m->foreigndom, 0);
    else if (v->old_guest_table)
        rc = hypercall_create_continuation(v, m->b.op, 4, 0, PREEMPTED, 0,
                                           (uint32_t)(int32_t)rc, 0);
    if (m->pdone) {
        done = m->done + m->b.done;
        (void)copy_to_guest(v, m->pdone, &done, sizeof(done));
    }
    return rc;
}

/* ---- multicall ---- */

struct multicall_state {
    pvmm_subcall_fn call;
    void *ctx;
    bool exited;              /* an iret entry ended the multicall */
    long exit_rc;
};

/*
 * The contract (top of file): entry e at guest address `at` asked for a continuation.  Its
 * arguments become the continuation's, its result the continued hypercall's number (what
 * Xen's sub-call returns then), and the multicall continues from it.  An entry that cannot
 * be written back loses the continuation: -EFAULT, as on Xen.
 */
static int multicall_fold_continuation(struct vcpu *v, struct multicall_entry *e, uint64_t at)
{
    unsigned int i;

    for (i = 0; i < v->cont.nargs && i < ARRAY_SIZE(e->args); i++)
        e->args[i] = v->cont.args[i];
    e->result = v->cont.op;
    v->cont.pending = false;
    if (copy_to_guest(v, at, e, sizeof(*e)))
        return -XEN_EFAULT;
    return -XEN_ERESTART;
}

/*
 * One entry: run its hypercall (a nested multicall is refused), store the result.  An iret
 * entry ends the multicall with its result (stored if it can be: after an iret to user mode
 * the list may not be mapped); so does leaving guest kernel mode, with the rest continued.
 */
static int multicall_entry(struct batch *b, void *elem, uint64_t at)
{
    struct multicall_state *mc = b->ctx;
    struct multicall_entry *e = elem;
    struct vcpu *v = b->v;
    long res;

    v->cont.pending = false;
    res = e->op == __HYPERVISOR_multicall ? -XEN_EINVAL : mc->call(mc->ctx, v, e->op, e->args);
    e->result = (uint64_t)res;
    if (e->op == __HYPERVISOR_iret) {
        (void)copy_to_guest(v, at + offsetof(struct multicall_entry, result), &e->result,
                            sizeof(e->result));
        mc->exited = true;
        mc->exit_rc = (int)res;
        return BATCH_STOP;
    }
    if (copy_to_guest(v, at + offsetof(struct multicall_entry, result), &e->result,
                      sizeof(e->result))) {
        v->cont.pending = false;
        return -XEN_EFAULT;
    }
    if (v->cont.pending)
        return multicall_fold_continuation(v, e, at);
    return v->kernel_mode ? 0 : BATCH_STOP;
}

long do_multicall(struct vcpu *v, uint64_t list, unsigned int nr_calls, pvmm_subcall_fn call,
                  void *ctx)
{
    struct multicall_state mc = { .call = call, .ctx = ctx };
    struct batch b = { .v = v, .op = __HYPERVISOR_multicall, .handle = list,
                       .count = nr_calls, .size = sizeof(struct multicall_entry), .ctx = &mc };
    int rc;

    reason_clear(v, __HYPERVISOR_multicall);
    if (!addr_ok(list))
        return REJECT(v, EFAULT, GUEST_FAULT, .entry = list);
    rc = batch_run(&b, multicall_entry, false);
    if (rc == BATCH_STOP) {
        if (mc.exited)
            return mc.exit_rc;
        rc = b.count ? -XEN_ERESTART : 0;
    }
    if (rc == -XEN_ERESTART)
        return hypercall_create_continuation(v, __HYPERVISOR_multicall, 2, b.handle, b.count,
                                             0, 0, 0);
    return rc;
}
