/*
 * core/grant-op.c - do_grant_table_op(cmd, uop, count), hypercall 20: a thin
 * dispatcher.  The batched operations (map, unmap, unmap_and_replace, copy,
 * swap_grant_ref, transfer) run their elements through the core's batch driver: each
 * element gets its own GNTST status (a failing element does not stop the
 * batch), preemption between elements continues the hypercall with the
 * rest.  Every batch checks its array's address first (-EFAULT, even for
 * no element, as Xen's guest_handle_okay).  cache_flush has no per-element
 * status and its own continuation (grant-cache-flush.c).  The table
 * operations take exactly one element where Xen insists.
 * GNTTABOP_dump_table is gone from Xen 4.17 (-ENOSYS there too).
 */
#include "grant-table.h"
#include "batch.h"

/*
 * Record the failing element of a batch (at, its address) once: the first failure is the
 * one explained.  batch_run leaves b->handle at the first element of this invocation until
 * it returns.
 */
static int element_done(struct batch *b, uint64_t at, int status)
{
    if (status != GNTST_okay && b->v->reason.op_index < 0)
        reason_set_op_index(b->v, (int)((at - b->handle) / b->size));
    return 0;
}

static int put_status(struct batch *b, uint64_t at, size_t off, int16_t status)
{
    if (copy_to_guest(b->v, at + off, &status, sizeof(status)))
        return REJECT(b->v, EFAULT, GUEST_FAULT, .entry = at);
    return element_done(b, at, status);
}

static int map_elem(struct batch *b, void *elem, uint64_t at)
{
    struct gnttab_map_grant_ref *op = elem;

    op->status = (int16_t)gnttab_map_one(b->v, op);
    if (copy_to_guest(b->v, at, op, sizeof(*op)))
        return REJECT(b->v, EFAULT, GUEST_FAULT, .entry = at);
    return element_done(b, at, op->status);
}

static int unmap_elem(struct batch *b, void *elem, uint64_t at)
{
    struct gnttab_unmap_grant_ref *op = elem;
    int st = gnttab_unmap_one(b->v, op->host_addr, op->dev_bus_addr, op->handle, 0);

    return put_status(b, at, offsetof(struct gnttab_unmap_grant_ref, status), (int16_t)st);
}

static int replace_elem(struct batch *b, void *elem, uint64_t at)
{
    struct gnttab_unmap_and_replace *op = elem;
    int st = gnttab_unmap_one(b->v, op->host_addr, 0, op->handle, op->new_addr);

    return put_status(b, at, offsetof(struct gnttab_unmap_and_replace, status), (int16_t)st);
}

static int copy_elem(struct batch *b, void *elem, uint64_t at)
{
    int st = gnttab_copy_one(b->v, elem);

    /* A transitive entry changed under the copy: run this element again later. */
    if (st == -XEN_ERESTART)
        return st;
    return put_status(b, at, offsetof(struct gnttab_copy, status), (int16_t)st);
}

static int transfer_elem(struct batch *b, void *elem, uint64_t at)
{
    int st = gnttab_transfer_one(b->v, elem);

    return put_status(b, at, offsetof(struct gnttab_transfer, status), (int16_t)st);
}

static int swap_elem(struct batch *b, void *elem, uint64_t at)
{
    struct gnttab_swap_grant_ref *op = elem;
    int st = gnttab_swap_one(b->v, op->ref_a, op->ref_b);

    return put_status(b, at, offsetof(struct gnttab_swap_grant_ref, status), (int16_t)st);
}

/* Run a batch of `size`-byte elements with fn; continue the rest if preempted. */
static long run_batch(struct vcpu *v, unsigned int cmd, uint64_t uop, unsigned int count,
                      unsigned int size, batch_elem_fn fn)
{
    struct batch b = {
        .v = v, .op = __HYPERVISOR_grant_table_op, .handle = uop, .count = count,
        .size = size, .ctx = NULL,
    };
    int rc;

    if (!addr_ok(uop))
        return REJECT(v, EFAULT, GUEST_FAULT, .entry = uop);
    rc = batch_run(&b, fn, false);
    if (rc == -XEN_ERESTART)
        return hypercall_create_continuation(v, __HYPERVISOR_grant_table_op, 3, cmd,
                                             b.handle, b.count, 0, 0);
    return rc;
}

long do_grant_table_op(struct vcpu *v, unsigned int cmd, uint64_t uop, unsigned int count)
{
    reason_clear(v, __HYPERVISOR_grant_table_op);
    reason_set_sub_op(v, (int)(cmd & GNTTABOP_CMD_MASK));
    if ((int)count < 0)
        return REJECT(v, EINVAL, BAD_ARGUMENT, .entry = count);
    /* Only cache_flush continues with state in cmd (the next reference to scan). */
    if ((cmd & GNTTABOP_CMD_MASK) == GNTTABOP_cache_flush)
        return gnttab_cache_flush(v, uop, count, cmd >> GNTTABOP_CONTINUATION_ARG_SHIFT);
    if (cmd >> GNTTABOP_CONTINUATION_ARG_SHIFT)
        return REJECT(v, EINVAL, BAD_COMMAND, .entry = cmd);
    switch (cmd) {
    case GNTTABOP_map_grant_ref:
        return run_batch(v, cmd, uop, count, sizeof(struct gnttab_map_grant_ref), map_elem);
    case GNTTABOP_unmap_grant_ref:
        return run_batch(v, cmd, uop, count, sizeof(struct gnttab_unmap_grant_ref),
                         unmap_elem);
    case GNTTABOP_unmap_and_replace:
        return run_batch(v, cmd, uop, count, sizeof(struct gnttab_unmap_and_replace),
                         replace_elem);
    case GNTTABOP_copy:
        return run_batch(v, cmd, uop, count, sizeof(struct gnttab_copy), copy_elem);
    case GNTTABOP_swap_grant_ref:
        return run_batch(v, cmd, uop, count, sizeof(struct gnttab_swap_grant_ref), swap_elem);
    case GNTTABOP_transfer:
        return run_batch(v, cmd, uop, count, sizeof(struct gnttab_transfer), transfer_elem);
    case GNTTABOP_setup_table:
        return gnttab_setup_table(v, uop, count);
    case GNTTABOP_query_size:
        return gnttab_query_size(v, uop, count);
    case GNTTABOP_get_version:
        return gnttab_get_version(v, uop);
    case GNTTABOP_set_version:
        return gnttab_set_version(v, uop);
    case GNTTABOP_get_status_frames:
        return gnttab_get_status_frames(v, uop, count);
    default:
        return REJECT(v, ENOSYS, BAD_COMMAND, .entry = cmd);
    }
}
