/*
 * tests/stress/stress-ops.c - the random hypercalls each vCPU thread issues
 * (see test-concurrency.c for the story, stress-ops.h for the interface).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "stress-ops.h"

const char *const op_names[OP_NR] = {
    "pin", "unpin", "mmu_update", "update_va_mapping", "new_baseptr", "new_user_baseptr",
    "flush", "set_gdt", "update_descriptor", "clear/copy_page", "mmuext batch", "balloon",
};
/* Relative frequency of each operation. */
static const unsigned int op_weights[OP_NR] = { 14, 12, 24, 10, 10, 4, 7, 7, 4, 4, 6, 3 };

/* The return codes Xen gives for each operation here; terminated by 1. */
#define CODES(...) ((const long[]){ __VA_ARGS__, 1 })
static const long *op_codes(enum op_kind k)
{
    switch (k) {
    case OP_FLUSH:
        return CODES(0);
    case OP_UNPIN:
    case OP_SET_GDT:
    case OP_UPDATE_DESC:
    case OP_CLEAR_PAGE:
        return CODES(0, -XEN_EINVAL);
    default:
        /* -EBUSY: an L1 entry (new or inside a table being validated) maps a table RW. */
        return CODES(0, -XEN_EINVAL, -XEN_EBUSY);
    }
}

void stress_fail(struct worker *w, const char *fmt, ...)
{
    va_list ap;
    size_t n;

    if (w->failed)
        return;
    w->failed = true;
    va_start(ap, fmt);
    n = (size_t)vsnprintf(w->failure, sizeof(w->failure), fmt, ap);
    va_end(ap);
    if (n < sizeof(w->failure))
        pvmm_reason_format(&w->v->reason, w->failure + n, sizeof(w->failure) - n);
}

static unsigned int rnd(struct worker *w, unsigned int n)
{
    return stress_below(&w->rng, n);
}

static mfn_t pick_table(struct worker *w, int level)
{
    return w->f->lv[level][rnd(w, w->f->nr[level])];
}

static mfn_t pick_any_table(struct worker *w)
{
    return pick_table(w, 1 + (int)rnd(w, 4));
}

/* The frame some vCPU's balloon slot names now (possibly being freed). */
static mfn_t pick_balloon(struct worker *w)
{
    unsigned int i = rnd(w, w->v->domain->max_vcpus);

    return __atomic_load_n(&w->f->balloon[i], __ATOMIC_RELAXED);
}

/*
 * Any data frame: a shared one, or now and then a ballooned one (races with
 * freeing and reallocation).
 */
static mfn_t pick_data(struct worker *w)
{
    if (rnd(w, 8) == 0)
        return pick_balloon(w);
    return w->f->data[rnd(w, NR_DATA)];
}

/* Re-issue continuations until the hypercall is complete (the embedder's job). */
static long finish(struct worker *w, long rc)
{
    struct vcpu *v = w->v;

    while (v->cont.pending && !w->failed) {
        struct pvmm_continuation c = v->cont;

        if (rc != 0)
            stress_fail(w, "%s: continuation requested with rc %ld: ", w->desc, rc);
        v->cont.pending = false;
        w->nr_conts++;
        stress_yield(&w->sv);
        __atomic_fetch_add(&w->progress, 1, __ATOMIC_RELAXED);
        switch (c.op) {
        case __HYPERVISOR_mmu_update:
            rc = do_mmu_update(v, c.args[0], (unsigned int)c.args[1], c.args[2],
                               (unsigned int)c.args[3]);
            break;
        case __HYPERVISOR_mmuext_op:
            rc = do_mmuext_op(v, c.args[0], (unsigned int)c.args[1], c.args[2],
                              (unsigned int)c.args[3]);
            break;
        case __HYPERVISOR_update_va_mapping:
            rc = do_update_va_mapping(v, c.args[0], c.args[1], c.args[2]);
            break;
        case __HYPERVISOR_memory_op:
            rc = do_memory_op(v, c.args[0], c.args[1]);
            break;
        default:
            stress_fail(w, "%s: continuation of hypercall %u: ", w->desc, c.op);
            break;
        }
    }
    return rc;
}

/* Check rc against the codes allowed for k, and *pdone for batches. */
static void expect(struct worker *w, enum op_kind k, long rc, int count)
{
    const long *codes = op_codes(k);
    bool ok = false;

    for (; *codes != 1; codes++)
        ok |= rc == *codes;
    if (!ok) {
        stress_fail(w, "%s returned %ld: ", w->desc, rc);
        return;
    }
    if (count > 0 && (rc == 0 ? w->done != (unsigned int)count : w->done >= (unsigned int)count))
        stress_fail(w, "%s returned %ld with *pdone %u of %d: ", w->desc, rc, w->done, count);
    if (rc == 0)
        w->nr_ok[k]++;
    else
        w->nr_refused[k]++;
}

long stress_mmuext(struct worker *w, unsigned int count)
{
    w->done = 0xdeadbeef;
    return finish(w, do_mmuext_op(w->v, (uint64_t)(uintptr_t)w->xops, count,
                                  (uint64_t)(uintptr_t)&w->done, DOMID_SELF));
}

/* A new L1 entry: data read-only or writable, a table read-only or writable, or none. */
static intpte_t l1_value(struct worker *w)
{
    unsigned int r = rnd(w, 20);

    if (r < 8)
        return pte_from_mfn(pick_data(w), RO | (rnd(w, 2) ? _PAGE_USER : 0));
    if (r < 13)
        return pte_from_mfn(pick_data(w), RW);
    if (r < 15)
        return pte_from_mfn(pick_any_table(w), RO);
    if (r < 16)
        return pte_from_mfn(pick_any_table(w), RW);
    return 0;
}

/* A new L2..L4 entry: a link down, a read-only linear link, a bad link, or none. */
static intpte_t upper_value(struct worker *w, int level)
{
    unsigned int r = rnd(w, 20);

    if (r < 12)
        return pte_from_mfn(pick_table(w, level - 1), UPPER);
    if (r < 14)
        return pte_from_mfn(pick_table(w, level), UPPER_RO);
    if (r < 15)   /* a data frame as L1, or a writable linear link */
        return level == 2 ? pte_from_mfn(pick_data(w), UPPER)
                          : pte_from_mfn(pick_table(w, level), UPPER);
    if (r < 16)   /* a ballooned frame as the next level down */
        return pte_from_mfn(pick_balloon(w), UPPER);
    return 0;
}

/* One random mmuext op into *op (pin, unpin, bases, flushes); returns its kind. */
static enum op_kind random_mmuext(struct worker *w, struct mmuext_op *op)
{
    unsigned int r = rnd(w, 10);
    int level = 1 + (int)rnd(w, 4);

    memset(op, 0, sizeof(*op));
    if (r < 3) {
        op->cmd = MMUEXT_PIN_L1_TABLE + (unsigned int)level - 1;
        /* Mostly the right level; sometimes type confusion. */
        op->arg1.mfn = rnd(w, 8) ? pick_table(w, level) : pick_any_table(w);
        return OP_PIN;
    }
    if (r < 6) {
        op->cmd = MMUEXT_UNPIN_TABLE;
        op->arg1.mfn = pick_any_table(w);
        return OP_UNPIN;
    }
    if (r < 8) {
        op->cmd = MMUEXT_NEW_BASEPTR;
        op->arg1.mfn = rnd(w, 8) ? pick_table(w, 4) : pick_any_table(w);
        return OP_NEW_BASEPTR;
    }
    if (r < 9) {
        op->cmd = MMUEXT_NEW_USER_BASEPTR;
        op->arg1.mfn = rnd(w, 4) ? pick_table(w, 4) : 0;
        return OP_NEW_USER_BASEPTR;
    }
    {
        static const unsigned int flushes[] = {
            MMUEXT_TLB_FLUSH_LOCAL, MMUEXT_INVLPG_LOCAL, MMUEXT_TLB_FLUSH_MULTI,
            MMUEXT_INVLPG_MULTI, MMUEXT_TLB_FLUSH_ALL, MMUEXT_INVLPG_ALL,
        };

        op->cmd = flushes[rnd(w, 6)];
        if (op->cmd == MMUEXT_TLB_FLUSH_MULTI || op->cmd == MMUEXT_INVLPG_MULTI) {
            w->vcpumask = rnd(w, 16);
            op->arg2.vcpumask = (uint64_t)(uintptr_t)&w->vcpumask;
        }
        op->arg1.linear_addr = (uint64_t)rnd(w, 16) << PAGE_SHIFT;
        return OP_FLUSH;
    }
}

static void op_single_mmuext(struct worker *w, enum op_kind want)
{
    enum op_kind k;

    do
        k = random_mmuext(w, &w->xops[0]);
    while (k != want);
    snprintf(w->desc, sizeof(w->desc), "%s cmd %u mfn %#lx", op_names[k], w->xops[0].cmd,
             (unsigned long)w->xops[0].arg1.mfn);
    expect(w, k, stress_mmuext(w, 1), 1);
}

static void op_mmuext_batch(struct worker *w)
{
    unsigned int n = 2 + rnd(w, 3);

    for (unsigned int i = 0; i < n; i++)
        random_mmuext(w, &w->xops[i]);
    snprintf(w->desc, sizeof(w->desc), "mmuext batch of %u (first cmd %u)", n,
             w->xops[0].cmd);
    expect(w, OP_MMUEXT_BATCH, stress_mmuext(w, n), (int)n);
}

static void op_mmu_update(struct worker *w)
{
    unsigned int n = 1 + (rnd(w, 4) == 0 ? rnd(w, 3) : 0);

    for (unsigned int i = 0; i < n; i++) {
        int level = 1 + (int)rnd(w, 4);
        mfn_t table = pick_table(w, level);
        unsigned int cmd = rnd(w, 6) ? MMU_NORMAL_PT_UPDATE : MMU_PT_UPDATE_PRESERVE_AD;
        unsigned int idx = level == 1 ? rnd(w, 10) : rnd(w, 4);

        if (level == 4 && rnd(w, 16) == 0)
            idx = 256 + rnd(w, 16);   /* the hypervisor's slots: refused */
        w->reqs[i].ptr = (table << PAGE_SHIFT) + idx * sizeof(intpte_t) + cmd;
        w->reqs[i].val = level == 1 ? l1_value(w) : upper_value(w, level);
    }
    snprintf(w->desc, sizeof(w->desc), "mmu_update of %u (first ptr %#lx val %#lx)", n,
             (unsigned long)w->reqs[0].ptr, (unsigned long)w->reqs[0].val);
    w->done = 0xdeadbeef;
    expect(w, OP_MMU_UPDATE,
           finish(w, do_mmu_update(w->v, (uint64_t)(uintptr_t)w->reqs, n,
                                   (uint64_t)(uintptr_t)&w->done, DOMID_SELF)),
           (int)n);
}

static void op_update_va(struct worker *w)
{
    uint64_t va = ((uint64_t)rnd(w, 3) << 21) | ((uint64_t)rnd(w, 10) << PAGE_SHIFT);
    intpte_t val = l1_value(w);
    uint64_t flags;
    bool user = rnd(w, 16) == 0;
    long rc;

    switch (rnd(w, 4)) {
    case 0:  flags = UVMF_NONE; break;
    case 1:  flags = UVMF_INVLPG | UVMF_LOCAL; break;
    case 2:  flags = UVMF_TLB_FLUSH | UVMF_ALL; break;
    default:
        w->vcpumask = rnd(w, 16);
        flags = UVMF_INVLPG | (uint64_t)(uintptr_t)&w->vcpumask;
        break;
    }
    snprintf(w->desc, sizeof(w->desc), "update_va_mapping va %#lx val %#lx flags %#lx%s",
             (unsigned long)va, (unsigned long)val, (unsigned long)flags,
             user ? " (user mode)" : "");
    /* Only this vCPU's thread looks at its mode. */
    w->v->kernel_mode = !user;
    rc = finish(w, do_update_va_mapping(w->v, va, val, flags));
    w->v->kernel_mode = true;
    expect(w, OP_UPDATE_VA, rc, 0);
}

static void op_set_gdt(struct worker *w)
{
    unsigned int entries = rnd(w, 4) ? 1 + rnd(w, 2 * 512) : 0;

    for (unsigned int i = 0; i < NR_GDT; i++) {
        unsigned int r = rnd(w, 20);

        w->gdt_list[i] = r < 16 ? w->f->gdt[rnd(w, NR_GDT)]
                       : r < 19 ? pick_data(w) : pick_any_table(w);
    }
    snprintf(w->desc, sizeof(w->desc), "set_gdt %u entries frames %#lx %#lx", entries,
             (unsigned long)w->gdt_list[0], (unsigned long)w->gdt_list[1]);
    expect(w, OP_SET_GDT, do_set_gdt(w->v, (uint64_t)(uintptr_t)w->gdt_list, entries), 0);
}

static void op_update_descriptor(struct worker *w)
{
    static const uint64_t descs[] = {
        0,                          /* not present */
        0x00cff2000000ffffULL,      /* flat data, DPL 3 */
        0x00affa000000ffffULL,      /* 64-bit code, DPL 3 */
        0x00cf92000000ffffULL,      /* flat data, DPL 0: raised to 3 */
    };
    mfn_t mfn = rnd(w, 4) ? w->f->gdt[rnd(w, NR_GDT)] : pick_data(w);
    uint64_t maddr = (mfn << PAGE_SHIFT) + rnd(w, 512) * 8;
    uint64_t desc = descs[rnd(w, 4)];

    snprintf(w->desc, sizeof(w->desc), "update_descriptor maddr %#lx desc %#lx",
             (unsigned long)maddr, (unsigned long)desc);
    expect(w, OP_UPDATE_DESC, do_update_descriptor(w->v, maddr, desc), 0);
}

/*
 * MMUEXT_CLEAR_PAGE or MMUEXT_COPY_PAGE of any data frame (shared,
 * another vCPU's, ballooned) or table: the destination needs a writable
 * type, the source of a copy only a general reference, so a copy may read
 * a live page table that another vCPU is updating.
 */
static void op_clear_page(struct worker *w)
{
    bool copy = rnd(w, 2);
    unsigned int r = rnd(w, 8);

    memset(&w->xops[0], 0, sizeof(w->xops[0]));
    w->xops[0].cmd = copy ? MMUEXT_COPY_PAGE : MMUEXT_CLEAR_PAGE;
    w->xops[0].arg1.mfn = r < 6 ? pick_data(w) : pick_any_table(w);
    w->xops[0].arg2.src_mfn = rnd(w, 2) ? pick_any_table(w) : pick_data(w);
    snprintf(w->desc, sizeof(w->desc), "%s %#lx (src %#lx)", copy ? "copy_page" : "clear_page",
             (unsigned long)w->xops[0].arg1.mfn, (unsigned long)w->xops[0].arg2.src_mfn);
    expect(w, OP_CLEAR_PAGE, stress_mmuext(w, 1), 1);
}

/* One reservation extent of one frame: returns what memory_op returned. */
static long reservation(struct worker *w, unsigned int cmd, uint64_t mfn)
{
    w->extent = mfn;
    memset(&w->res, 0, sizeof(w->res));
    w->res.extent_start = (uint64_t)(uintptr_t)&w->extent;
    w->res.nr_extents = 1;
    w->res.domid = DOMID_SELF;
    return finish(w, do_memory_op(w->v, cmd, (uint64_t)(uintptr_t)&w->res));
}

/*
 * Give this vCPU's balloon frame back and take a new one.  The old frame
 * is freed by whoever drops its last reference - maybe another vCPU that
 * mapped or linked it meanwhile; each call completes its one extent.
 */
static void op_balloon(struct worker *w)
{
    mfn_t *slot = w->balloon_slot;
    mfn_t old = __atomic_load_n(slot, __ATOMIC_RELAXED);
    long rc;

    snprintf(w->desc, sizeof(w->desc), "decrease_reservation %#lx", (unsigned long)old);
    rc = reservation(w, XENMEM_decrease_reservation, old);
    if (rc != 1) {
        stress_fail(w, "%s returned %ld: ", w->desc, rc);
        return;
    }
    snprintf(w->desc, sizeof(w->desc), "increase_reservation after %#lx", (unsigned long)old);
    rc = reservation(w, XENMEM_increase_reservation, INVALID_MFN);
    if (rc != 1 || w->extent == INVALID_MFN) {
        stress_fail(w, "%s returned %ld, mfn %#lx: ", w->desc, rc, (unsigned long)w->extent);
        return;
    }
    __atomic_store_n(slot, w->extent, __ATOMIC_RELAXED);
    w->nr_ok[OP_BALLOON]++;
}

static enum op_kind pick_op(struct worker *w)
{
    unsigned int total = 0, r;

    for (int k = 0; k < OP_NR; k++)
        total += op_weights[k];
    r = rnd(w, total);
    for (int k = 0; k < OP_NR; k++) {
        if (r < op_weights[k])
            return (enum op_kind)k;
        r -= op_weights[k];
    }
    return OP_FLUSH;
}

/*
 * Every w->audit_every operations all workers meet at the start barrier,
 * between two hypercalls, and one of them runs the auditor: the state
 * must be consistent whenever no operation is in progress, not only at
 * the end (partial states left behind by preempted hypercalls included).
 */
static void audit_pause(struct worker *w)
{
    if (pthread_barrier_wait(w->start) == PTHREAD_BARRIER_SERIAL_THREAD &&
        stress_audit(w->m, "mid-run") != 0)
        __atomic_fetch_add(w->audit_failures, 1, __ATOMIC_RELAXED);
    pthread_barrier_wait(w->start);
}

void *stress_worker_main(void *arg)
{
    struct worker *w = arg;

    pthread_barrier_wait(w->start);
    stress_sched_enter(&w->sv);
    for (unsigned long i = 0; i < w->nr_ops; i++) {
        enum op_kind k = pick_op(w);

        if (w->audit_every && i && i % w->audit_every == 0)
            audit_pause(w);
        /* A failed worker keeps meeting the others at the audits. */
        if (w->failed)
            continue;
        stress_yield(&w->sv);
        switch (k) {
        case OP_MMU_UPDATE:   op_mmu_update(w); break;
        case OP_UPDATE_VA:    op_update_va(w); break;
        case OP_SET_GDT:      op_set_gdt(w); break;
        case OP_UPDATE_DESC:  op_update_descriptor(w); break;
        case OP_CLEAR_PAGE:   op_clear_page(w); break;
        case OP_MMUEXT_BATCH: op_mmuext_batch(w); break;
        case OP_BALLOON:      op_balloon(w); break;
        default:              op_single_mmuext(w, k); break;
        }
        if (w->v->cont.pending || w->v->old_guest_table)
            stress_fail(w, "%s left a continuation or a deferred put behind: ", w->desc);
        __atomic_fetch_add(&w->progress, 1, __ATOMIC_RELAXED);
    }
    stress_sched_exit(&w->sv);
    __atomic_store_n(&w->finished, true, __ATOMIC_RELEASE);
    return NULL;
}
