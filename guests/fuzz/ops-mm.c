/*
 * ops-mm.c: the fuzzing guest's page-table operations (mmu_update, update_va_mapping,
 * pin/unpin, mmuext, plain stores to its pool, sealing, trapped page-table writes, accesses
 * through the fuzz window, the long preemptible operations, multicalls).
 */
#include <xen/sched.h>

#include "fuzz.h"

/* The L4 slots an operation may write in the guest's two L4s (never the slots that map the
 * guest itself; 256-271 are the hypervisor's and must be refused). */
static const unsigned int l4_slots[] = { FUZZ_SLOT, BIG_SLOT, 3, 255, 256, 260, 271, 272, 511 };

/* A page-table entry to write: its table's mfn and index (ptr = maddr of the entry). */
static void pick_target(unsigned long *mfn, unsigned int *idx)
{
    switch (rnd_below(10)) {
    case 0:
        *mfn = rnd_below(2) ? W.boot_l4 : W.copy_l4;
        *idx = l4_slots[rnd_below(ARRAY_SIZE(l4_slots))];
        return;
    case 1:
        *mfn = rnd_below(3) ? W.big_l1[rnd_below(BIG_L1S)] : W.big_l2;
        *idx = pick_index();
        return;
    case 2:
        *mfn = chance(50) ? virt_to_mfn(scratch) : pick_victim();
        *idx = pick_index();
        return;
    default:
        *mfn = pool_mfn(rnd_below(NR_POOL));
        *idx = pick_index();
        return;
    }
}

static unsigned int pick_domid(void)
{
    static const unsigned int doms[] = { DOMID_IO, DOMID_XEN, 0, 1, DOMID_INVALID, 0x7fff };

    return chance(85) ? DOMID_SELF : doms[rnd_below(ARRAY_SIZE(doms))];
}

static void fl_rc(long rc)
{
    fl(" -> %ld", rc);
}

void op_mmu_update(void)
{
    static struct mmu_update reqs[16];
    unsigned int n = chance(80) ? 1 + rnd_below(4) : 1 + rnd_below(8), i, fd = pick_domid();
    unsigned int done = 0xdead, *donep = &done;
    uint64_t list = (uint64_t)(uintptr_t)reqs;
    long rc;

    fl("mmu fd=%x", fd);
    for (i = 0; i < n; i++) {
        unsigned long mfn;
        unsigned int idx, cmd = chance(85) ? MMU_NORMAL_PT_UPDATE : rnd_below(8);

        pick_target(&mfn, &idx);
        if (cmd == MMU_MACHPHYS_UPDATE) {
            unsigned long pfn = own_pfn(mfn);

            /* The guest's own frames keep their pfn: it finds its tables through the M2P. */
            reqs[i].ptr = ((uint64_t)mfn << PAGE_SHIFT) | cmd;
            reqs[i].val = pfn != NO_PFN ? pfn : rnd() & 0xffff;
            fl(" M2P(");
            fl_mfn(mfn);
            fl(")=%lx", (unsigned long)reqs[i].val);
            continue;
        }
        reqs[i].ptr = ((uint64_t)mfn << PAGE_SHIFT) + idx * 8 + cmd;
        reqs[i].val = pick_entry(1);
        touch_entry(mfn, idx);
        fl(" ");
        fl_mfn(mfn);
        fl("[%u]/%u=", idx, cmd);
        fl_pte(reqs[i].val);
    }
    if (chance(5))
        donep = NULL;
    else if (chance(3))
        donep = (unsigned int *)(uintptr_t)pick_ptr();
    if (chance(3))
        list = pick_bad_ptr();
    if (donep != &done)
        touch_all();        /* the count may land in a pool page */
    rc = hypercall_n(__HYPERVISOR_mmu_update, list, n, (uint64_t)(uintptr_t)donep, fd, 0);
    fl_rc(rc);
    if (donep == &done)
        fl(" done=%u", done);
    /* (A `done` pointer elsewhere may have been written over one of the entries.) */
    if (rc == 0 && list == (uint64_t)(uintptr_t)reqs && fd == DOMID_SELF && donep == &done) {
        for (i = 0; i < n; i++) {
            void *t = own_virt(reqs[i].ptr >> PAGE_SHIFT);
            unsigned int j;
            bool later = false;

            for (j = i + 1; j < n; j++)
                later |= (reqs[j].ptr & ~7UL) == (reqs[i].ptr & ~7UL);
            if (t && (reqs[i].ptr & 7) == MMU_NORMAL_PT_UPDATE && !later)
                check_written((uint64_t *)t + ((reqs[i].ptr & 0xfff) >> 3), reqs[i].val,
                              "mmu_update");
        }
    }
}

static unsigned long pick_uva_flags(void)
{
    static const unsigned long f[] = { UVMF_NONE, UVMF_INVLPG, UVMF_TLB_FLUSH,
                                       UVMF_INVLPG | UVMF_ALL, UVMF_TLB_FLUSH | UVMF_ALL, 3 };

    if (chance(5))
        return (pick_ptr() & ~7UL) | UVMF_INVLPG;     /* a vCPU bitmap pointer (MULTI) */
    return f[rnd_below(ARRAY_SIZE(f))];
}

void op_uva(void)
{
    unsigned long va = pick_fuzz_va(), flags = pick_uva_flags();
    uint64_t val = pick_entry(1);
    uint64_t *e;
    long rc;

    if (chance(10)) {
        static const unsigned long odd[] = { 0xffff830000000000UL, 0x0000800000000000UL,
                                             FUZZ_BASE + (100UL << L2_SHIFT) };

        va = odd[rnd_below(ARRAY_SIZE(odd))];
    }
    e = pt_entry(va, 1);
    if (e)
        touch_entry(virt_to_mfn(e), pt_index(va, 1));
    fl("uva %lx ", va);
    fl_pte(val);
    fl(" f=%lx", flags);
    rc = hypercall_update_va_mapping(va, val, flags);
    fl_rc(rc);
    if (!rc && e)
        check_written(e, val, "update_va_mapping");
}

/* Keep the guest's belief of what is pinned in step with a successful pin or unpin. */
static void note_pin(unsigned long mfn, int level)
{
    int i = pool_index_of_mfn(mfn);

    if (i >= 0)
        W.pinned[i] = level;
    else if (mfn == W.copy_l4)
        W.copy_pinned = level;
    else if (mfn == W.boot_l4)
        W.boot_pinned = level;
    else if (mfn == W.big_l3)
        W.big_pinned = level;
}

void op_pin(void)
{
    unsigned long mfn = chance(70) ? pool_mfn(rnd_below(NR_POOL)) : pick_frame();
    unsigned int what = rnd_below(6);       /* 0-3 pin L1-L4, 4-5 unpin */
    long rc;

    if (mfn == W.big_l3 && what == 2)
        what = 4;                           /* the big pin is op_long's */
    fl(what < 4 ? "pin L%u " : "unpin ", what + 1);
    fl_mfn(mfn);
    rc = mmuext_op1(what < 4 ? MMUEXT_PIN_L1_TABLE + what : MMUEXT_UNPIN_TABLE, mfn);
    fl_rc(rc);
    if (!rc)
        note_pin(mfn, what < 4 ? (int)what + 1 : 0);
}

static uint64_t read_cr3(void)
{
    uint64_t cr3;

    asm volatile ("mov %%cr3, %0" : "=r" (cr3));
    return cr3;
}

void op_mmuext(void)
{
    static struct mmuext_op ops[4];
    unsigned int n = 1 + rnd_below(chance(70) ? 1 : 4), i, done = 0xdead, fd = pick_domid();
    long rc;

    fl("ext fd=%x", fd);
    for (i = 0; i < n; i++) {
        struct mmuext_op *op = &ops[i];
        unsigned int p = rnd_below(NR_POOL);

        memset(op, 0, sizeof(*op));
        op->cmd = rnd_below(21);
        switch (op->cmd) {
        case MMUEXT_PIN_L1_TABLE: case MMUEXT_PIN_L2_TABLE: case MMUEXT_PIN_L3_TABLE:
        case MMUEXT_PIN_L4_TABLE: case MMUEXT_UNPIN_TABLE:
            op->cmd = MMUEXT_TLB_FLUSH_LOCAL;   /* pins are op_pin's (the guest tracks them) */
            break;
        case MMUEXT_NEW_BASEPTR:
            /* Only L4s that map the guest, or frames that cannot become an L4. */
            op->arg1.mfn = rnd_below(3) == 0 ? W.boot_l4 : rnd_below(2) ? W.copy_l4 :
                           pool_mapped_rw(p) ? pool_mfn(p) : virt_to_mfn(scratch);
            break;
        case MMUEXT_NEW_USER_BASEPTR:
            op->arg1.mfn = chance(20) ? 0 : chance(50) ? pool_mfn(p) : pick_frame();
            break;
        case MMUEXT_INVLPG_LOCAL: case MMUEXT_INVLPG_MULTI: case MMUEXT_INVLPG_ALL:
            op->arg1.linear_addr = chance(80) ? pick_fuzz_va() : pick_ptr();
            op->arg2.vcpumask = pick_ptr();
            break;
        case MMUEXT_TLB_FLUSH_MULTI:
            op->arg2.vcpumask = pick_ptr();
            break;
        case MMUEXT_SET_LDT:
            op->arg1.linear_addr = chance(50) ? (uint64_t)(uintptr_t)pool_va(p) :
                                   chance(50) ? pick_fuzz_va() : pick_ptr() + rnd_below(2) * 8;
            op->arg2.nr_ents = chance(30) ? 0 : chance(70) ? rnd_below(600) : (unsigned int)rnd();
            break;
        case MMUEXT_CLEAR_PAGE:
            op->arg1.mfn = chance(70) ? pool_mfn(p) : pick_victim();
            touch_page(op->arg1.mfn);
            break;
        case MMUEXT_COPY_PAGE:
            op->arg1.mfn = chance(70) ? pool_mfn(p) : pick_victim();
            op->arg2.src_mfn = pick_frame();
            touch_page(op->arg1.mfn);
            break;
        default:
            op->arg1.mfn = pick_frame();
            break;
        }
        fl(" %u:", op->cmd);
        if (op->cmd == MMUEXT_SET_LDT || op->cmd == MMUEXT_INVLPG_LOCAL ||
            op->cmd == MMUEXT_INVLPG_MULTI || op->cmd == MMUEXT_INVLPG_ALL)
            fl("%lx", (unsigned long)op->arg1.linear_addr);
        else
            fl_mfn(op->arg1.mfn);
        if (op->cmd == MMUEXT_SET_LDT)
            fl("/%u", op->arg2.nr_ents);
        if (op->cmd == MMUEXT_COPY_PAGE) {
            fl("<");
            fl_mfn(op->arg2.src_mfn);
        }
    }
    rc = hypercall_mmuext_op(ops, n, &done, fd);
    fl_rc(rc);
    fl(" done=%u", done);
    if (read_cr3() >> PAGE_SHIFT != pt_current_l4_mfn())
        pt_new_baseptr(read_cr3() >> PAGE_SHIFT);   /* the guest follows its new CR3 */
}

void op_store(void)
{
    unsigned int p = rnd_below(NR_POOL), idx = pick_index();
    uint64_t val = pick_entry(1);
    uint64_t *t = pool_va(p);

    fl("store p%lx[%u]=", W.pool_pfn[p], idx);
    fl_pte(val);
    if (!pool_mapped_rw(p)) {
        fl(" ro");
        return;
    }
    t[idx] = val;
    touch_entry(pool_mfn(p), idx);
}

void op_seal(void)
{
    unsigned int p = rnd_below(NR_POOL);
    bool rw = chance(50);
    long rc;

    fl("%s p%lx", rw ? "unseal" : "seal", W.pool_pfn[p]);
    rc = rw ? pt_make_rw(pool_va(p)) : pt_make_ro(pool_va(p));
    fl_rc(rc);
}

/* A store through the pool page's own mapping: emulated if it is a validated L1 mapped
 * read-only, a #PF(P|W) for another read-only page, a plain store otherwise. */
void op_ptwr(void)
{
    unsigned int p = rnd_below(NR_POOL), idx = pick_index(), form = rnd_below(5);
    volatile uint64_t *e = (uint64_t *)pool_va(p) + idx;
    uint64_t val = pick_entry(1), old = *e, cmp = old;
    struct fault fault, *f = &fault;
    bool faulted;

    if (form == 4 && chance(50))
        cmp = val;          /* a cmpxchg whose comparison fails */
    fl("ptwr p%lx[%u] %u ", W.pool_pfn[p], idx, form);
    fl_pte(val);
    switch (form) {
    case 0:
        faulted = PROBE("movq %[v], (%[p])", : : [v] "r" (val), [p] "r" (e));
        break;
    case 1:
        faulted = PROBE("lock btrq $1, (%[p])", : : [p] "r" (e));
        break;
    case 2:
        faulted = PROBE("lock btsq $1, (%[p])", : : [p] "r" (e));
        break;
    case 3:
        /* the upper half with NX flipped: the frame stays the entry's own */
        faulted = PROBE("movl %k[v], 4(%[p])", : : [v] "r" ((old >> 32) ^ 0x80000000UL),
                        [p] "r" (e));
        break;
    default:
        faulted = PROBE("lock cmpxchgq %[v], (%[p])", : "+a" (cmp) : [v] "r" (val),
                        [p] "r" (e));
        break;
    }
    touch_entry(pool_mfn(p), idx);
    if (faulted) {
        fl(" -> #%u ec=%x", fault.vector, fault.error_code);
        return;
    }
    fl(" -> ok ");
    fl_pte(*e);
    if (form == 0)
        check_written(e, val, "ptwr");
}

void op_touch(void)
{
    unsigned long va = pick_fuzz_va();
    uint64_t l1e = pt_l1e(va), v = 0;
    struct fault fault, *f = &fault;
    bool write = chance(40) && (l1e & _PAGE_RW) && pool_index_of_mfn(pte_mfn(l1e)) >= 0;
    bool faulted;

    mmuext_op1(MMUEXT_INVLPG_LOCAL, va);     /* no stale entry decides the result */
    fl("touch %lx %c", va, write ? 'w' : 'r');
    if (write) {
        faulted = PROBE("movq %[v], (%[p])", : : [v] "r" (0x5a5aUL), [p] "r" (va));
        touch_page(pte_mfn(l1e));
    } else {
        faulted = PROBE("movq (%[p]), %[v]", : [v] "+r" (v) : [p] "r" (va));
    }
    if (faulted)
        fl(" -> #%u ec=%x", fault.vector, fault.error_code);
    else
        fl(" -> ok");
}

/* Long, preemptible operations on the big tree (BIG_L1S * 512 entries). */
void op_long(void)
{
    static struct mmu_update reqs[64];
    uint64_t *boot = own_virt(W.boot_l4);
    unsigned int what = rnd_below(5), i, done = 0;
    long rc;

    switch (what) {
    case 0:
        fl("long pin-big");
        rc = mmuext_op1(MMUEXT_PIN_L3_TABLE, W.big_l3);
        if (!rc)
            W.big_pinned = 3;
        break;
    case 1:
        fl("long unpin-big");
        rc = mmuext_op1(MMUEXT_UNPIN_TABLE, W.big_l3);
        if (!rc)
            W.big_pinned = 0;
        break;
    case 2:
        fl("long hook-big");
        rc = pt_write_entry(&boot[BIG_SLOT], ((uint64_t)W.big_l3 << PAGE_SHIFT) | PDE_FLAGS);
        break;
    case 3:
        fl("long unhook-big");
        rc = pt_write_entry(&boot[BIG_SLOT], 0);
        break;
    default: {
        unsigned long l1 = W.big_l1[rnd_below(BIG_L1S)];

        fl("long rewrite ");
        fl_mfn(l1);
        for (i = 0; i < ARRAY_SIZE(reqs); i++) {
            reqs[i].ptr = ((uint64_t)l1 << PAGE_SHIFT) + i * 8;
            reqs[i].val = ((uint64_t)pool_mfn(16 + rnd_below(8)) << PAGE_SHIFT) |
                          (chance(50) ? PTE_FLAGS_RW : PTE_FLAGS_RO);
        }
        if (chance(20))
            reqs[rnd_below(ARRAY_SIZE(reqs))].val = pick_entry(1);
        rc = hypercall_mmu_update(reqs, ARRAY_SIZE(reqs), &done, DOMID_SELF);
        fl(" done=%u", done);
        break;
    }
    }
    fl_rc(rc);
}

void op_multicall(void)
{
    static struct multicall_entry mc[8];
    static struct mmu_update req[8];
    static struct mmuext_op ext[8];
    unsigned int n = 1 + rnd_below(6), i;
    uint64_t nr = n;
    long rc;

    memset(mc, 0, sizeof(mc));
    fl("mc");
    for (i = 0; i < n; i++) {
        unsigned long mfn;
        unsigned int idx, k = rnd_below(9);

        switch (k) {
        case 0:
            mc[i].op = __HYPERVISOR_xen_version;
            break;
        case 1:
            pick_target(&mfn, &idx);
            req[i].ptr = ((uint64_t)mfn << PAGE_SHIFT) + idx * 8;
            req[i].val = pick_entry(1);
            touch_entry(mfn, idx);
            mc[i].op = __HYPERVISOR_mmu_update;
            mc[i].args[0] = (uint64_t)(uintptr_t)&req[i];
            mc[i].args[1] = 1;
            mc[i].args[3] = DOMID_SELF;
            fl(" mmu:");
            fl_mfn(mfn);
            fl("[%u]=", idx);
            fl_pte(req[i].val);
            break;
        case 2: {
            unsigned long va = pick_fuzz_va();
            uint64_t *e = pt_entry(va, 1);

            if (e)
                touch_entry(virt_to_mfn(e), pt_index(va, 1));
            mc[i].op = __HYPERVISOR_update_va_mapping;
            mc[i].args[0] = va;
            mc[i].args[1] = pick_entry(1);
            mc[i].args[2] = UVMF_INVLPG;
            fl(" uva:%lx=", va);
            fl_pte(mc[i].args[1]);
            break;
        }
        case 3:
            ext[i].cmd = chance(50) ? MMUEXT_TLB_FLUSH_LOCAL : MMUEXT_INVLPG_LOCAL;
            ext[i].arg1.linear_addr = pick_fuzz_va();
            mc[i].op = __HYPERVISOR_mmuext_op;
            mc[i].args[0] = (uint64_t)(uintptr_t)&ext[i];
            mc[i].args[1] = 1;
            mc[i].args[3] = DOMID_SELF;
            break;
        case 4:
            mc[i].op = __HYPERVISOR_multicall;
            mc[i].args[0] = (uint64_t)(uintptr_t)mc;
            mc[i].args[1] = 1;
            break;
        case 5:
            mc[i].op = 64 + rnd_below(64);
            break;
        case 6:
            mc[i].op = __HYPERVISOR_sched_op;
            mc[i].args[0] = SCHEDOP_yield;
            break;
        case 7:
            mc[i].op = __HYPERVISOR_event_channel_op;
            mc[i].args[0] = EVTCHNOP_send;
            mc[i].args[1] = (uint64_t)(uintptr_t)scratch;
            *(uint32_t *)scratch = rnd_below(8);
            break;
        default:
            mc[i].op = rnd() | (1UL << 40);
            break;
        }
        if (k != 1 && k != 2)
            fl(" %lx", (unsigned long)(mc[i].op < 128 ? mc[i].op : 999));
        mc[i].result = 0xdeadbeef;
    }
    if (chance(5))
        nr = chance(50) ? 0 : nr | (1UL << 32);
    touch_all();    /* an earlier entry may rehook the table a later update_va_mapping walks */
    rc = hypercall_n(__HYPERVISOR_multicall,
                     chance(3) ? pick_bad_ptr() : (uint64_t)(uintptr_t)mc, nr, 0, 0, 0);
    fl(" nr=%lx -> %ld:", (unsigned long)nr, rc);
    for (i = 0; i < n; i++)
        fl(" %ld", (long)mc[i].result);
}
