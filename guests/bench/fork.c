/*
 * fork.c: what a PV kernel does for a fork+exec+exit of a process, per round trip.
 *
 * One round trip, as Linux on Xen does it (instructions under -icount, guest and hypervisor):
 *   build     the new process's kernel L4 gets the kernel's guest slots (a copy of the
 *             current L4, pgd_alloc), its user L4, L3, L2 and two L1s are cleared; one multicall
 *             makes the six table pages read-only (update_va_mapping, the last one flushing),
 *             pins both L4s and fills the user tree with one mmu_update batch: the L4, L3 and
 *             L2 links, the user text read-only, a stack page, and 8 pages shared read-only with
 *             the "parent" (copy-on-write);
 *   switch    one mmuext_op: NEW_BASEPTR to the process's kernel L4, NEW_USER_BASEPTR to its
 *             user L4;
 *   faults    the process writes 16 pages: 8 not present (demand-zero: the page fault is
 *             bounced to the kernel, which clears a frame with rep stosq and writes the entry
 *             with a plain store to its read-only L1: a trapped, emulated write) and 8 read-only
 *             (copy-on-write: the kernel copies the page with rep movsq and stores a writable
 *             entry the same way); after each fix the kernel returns to user mode (iret), and
 *             the run ends with a syscall: 17 entries into user mode, 16 bounced faults (the
 *             mode switches reload CR3, so no flush is needed);
 *   exit      one mmuext_op back to the kernel's own L4 and no user L4, then one multicall:
 *             unpin both L4s (which releases the whole user tree) and make the six pages
 *             writable again.
 * Reports fork_exec_exit (per round trip) and its phases fork_exec_build, fork_exec_switch,
 * fork_exec_fault (per fault) and fork_exec_exit_only.
 */
#include "bench.h"

#define ROUNDS      8
#define DATA_PAGES  16
#define COW_FIRST   8               /* pages 0..7 demand-zero, 8..15 copy-on-write */
#define STACK_SLOT  511

extern char bench_user_touch[];

enum { KL4, UL4, UL3, UL2, UL1_TEXT, UL1_DATA, NR_TABLES };

static uint64_t *table[NR_TABLES];
static unsigned long data_va, text_first, text_pages;
static struct mmu_update fill[64];
static struct multicall_entry mc[NR_TABLES + 2];
static struct mmuext_op ops[2];

/* clear_page and copy_page as a kernel does them (rep stosq / rep movsq). */
static void clear_page(void *p)
{
    unsigned long n = PAGE_SIZE / 8;

    asm volatile ("rep stosq" : "+D" (p), "+c" (n) : "a" (0UL) : "memory");
}

static void copy_page(void *to, const void *from)
{
    unsigned long n = PAGE_SIZE / 8;

    asm volatile ("rep movsq" : "+D" (to), "+S" (from), "+c" (n) :: "memory");
}

static uint64_t table_pte(unsigned int i)
{
    return ((uint64_t)virt_to_mfn(table[i]) << PAGE_SHIFT) | PDE_FLAGS;
}

/* Request: entry `slot` of table i = val. */
static void set_req(unsigned int n, unsigned int i, unsigned int slot, uint64_t val)
{
    fill[n].ptr = (virt_to_maddr(table[i]) + 8 * slot) | MMU_NORMAL_PT_UPDATE;
    fill[n].val = val;
}

/* Frames: demand-zero page p gets target 64 + p, a copy-on-write page shares target 96 + p
 * with the parent and gets target 128 + p when written. */
static uint64_t data_pte(unsigned int frame, bool rw)
{
    return (tree_target_pte(frame) & ~_PAGE_RW) | _PAGE_USER | (rw ? _PAGE_RW : 0);
}

/* Queue update_va_mapping of table page i, read-only or writable, into mc[slot]. */
static void queue_protect(unsigned int slot, unsigned int i, bool ro, unsigned long flags)
{
    uint64_t e = *pt_entry((unsigned long)table[i], 1);

    mc[slot].op = __HYPERVISOR_update_va_mapping;
    mc[slot].args[0] = (unsigned long)table[i];
    mc[slot].args[1] = ro ? (e & ~_PAGE_RW) : (e | _PAGE_RW);
    mc[slot].args[2] = flags;
}

static void queue_mmuext(unsigned int slot, unsigned int nr)
{
    mc[slot].op = __HYPERVISOR_mmuext_op;
    mc[slot].args[0] = (unsigned long)ops;
    mc[slot].args[1] = nr;
    mc[slot].args[2] = 0;
    mc[slot].args[3] = DOMID_SELF;
}

/* 0 if the multicall and each of its nr entries succeeded. */
static long multicall_ok(unsigned int nr)
{
    long rc = hypercall_multicall(mc, nr);
    unsigned int i;

    for (i = 0; i < nr && !rc; i++)
        rc = (long)mc[i].result;
    return rc;
}

static long build(void)
{
    const uint64_t *cur = mfn_to_virt(pt_current_l4_mfn());
    unsigned int i, n = 0, l2 = pt_index(data_va, 2);

    for (i = 0; i < PT_ENTRIES; i++)        /* the kernel's guest slots, as pgd_alloc */
        table[KL4][i] = i >= XEN_L4_FIRST_SLOT && i <= XEN_L4_LAST_SLOT ? 0 : cur[i];
    for (i = UL4; i < NR_TABLES; i++)
        clear_page(table[i]);
    for (i = 0; i < NR_TABLES; i++)
        queue_protect(i, i, true, i + 1 == NR_TABLES ? UVMF_TLB_FLUSH | UVMF_LOCAL : 0);
    ops[0].cmd = MMUEXT_PIN_L4_TABLE;
    ops[0].arg1.mfn = virt_to_mfn(table[KL4]);
    ops[1].cmd = MMUEXT_PIN_L4_TABLE;
    ops[1].arg1.mfn = virt_to_mfn(table[UL4]);
    queue_mmuext(NR_TABLES, 2);
    set_req(n++, UL4, pt_index(data_va, 4), table_pte(UL3));
    set_req(n++, UL3, pt_index(data_va, 3), table_pte(UL2));
    set_req(n++, UL2, pt_index(text_first, 2), table_pte(UL1_TEXT));
    set_req(n++, UL2, l2, table_pte(UL1_DATA));
    for (i = 0; i < text_pages; i++)
        set_req(n++, UL1_TEXT, pt_index(text_first, 1) + i,
                ((uint64_t)virt_to_mfn((void *)(text_first + i * PAGE_SIZE)) << PAGE_SHIFT) |
                PTE_FLAGS_RO | _PAGE_USER);
    set_req(n++, UL1_DATA, STACK_SLOT, data_pte(60, true));
    for (i = COW_FIRST; i < DATA_PAGES; i++)
        set_req(n++, UL1_DATA, i, data_pte(96 + i, false));
    mc[NR_TABLES + 1].op = __HYPERVISOR_mmu_update;
    mc[NR_TABLES + 1].args[0] = (unsigned long)fill;
    mc[NR_TABLES + 1].args[1] = n;
    mc[NR_TABLES + 1].args[2] = 0;
    mc[NR_TABLES + 1].args[3] = DOMID_SELF;
    return multicall_ok(NR_TABLES + 2);
}

static long switch_to(unsigned long kl4, unsigned long ul4)
{
    ops[0].cmd = MMUEXT_NEW_BASEPTR;
    ops[0].arg1.mfn = kl4;
    ops[1].cmd = MMUEXT_NEW_USER_BASEPTR;
    ops[1].arg1.mfn = ul4;
    return hypercall_mmuext_op(ops, 2, NULL, DOMID_SELF);
}

/* Run the process until its syscall, fixing each fault; the number of faults, or -1. */
static int run_process(void)
{
    volatile uint64_t *l1 = table[UL1_DATA];
    unsigned long stack_top = data_va + (STACK_SLOT + 1) * PAGE_SIZE, va = data_va;
    struct user_result r;
    unsigned int p;
    int faults = 0;

    for (;;) {
        user_run((unsigned long)bench_user_touch, stack_top, va, &r);
        if (!r.faulted)
            return faults;
        va = r.fault.cr2 & PAGE_MASK;
        p = (unsigned int)((va - data_va) >> PAGE_SHIFT);
        if (r.fault.vector != X86_EXC_PF || va < data_va || p >= DATA_PAGES || faults > 32) {
            print_fault("fork_exec: unexpected fault", &r.fault);
            return -1;
        }
        if (p < COW_FIRST) {                /* demand-zero */
            clear_page(mfn_to_virt(bench_tree.target[64 + p]));
            l1[p] = data_pte(64 + p, true);
        } else {                            /* copy-on-write */
            copy_page(mfn_to_virt(bench_tree.target[128 + p]),
                      mfn_to_virt(bench_tree.target[96 + p]));
            l1[p] = data_pte(128 + p, true);
        }
        faults++;
    }
}

static long exit_process(unsigned long kernel_l4)
{
    unsigned int i;
    long rc = switch_to(kernel_l4, 0);

    if (rc)
        return rc;
    ops[0].cmd = MMUEXT_UNPIN_TABLE;
    ops[0].arg1.mfn = virt_to_mfn(table[UL4]);
    ops[1].cmd = MMUEXT_UNPIN_TABLE;
    ops[1].arg1.mfn = virt_to_mfn(table[KL4]);
    queue_mmuext(0, 2);
    for (i = 0; i < NR_TABLES; i++)
        queue_protect(1 + i, i, false, i + 1 == NR_TABLES ? UVMF_TLB_FLUSH | UVMF_LOCAL : 0);
    return multicall_ok(NR_TABLES + 1);
}

int bench_fork_exec(void)
{
    unsigned long kernel_l4 = pt_current_l4_mfn();
    uint64_t t[5], sum[4] = { 0, 0, 0, 0 };
    unsigned int i, round;
    int faults = 0;
    long rc;

    tree_alloc();
    rc = user_init();
    if (rc)
        return xtf_error("user_init: %ld", rc);
    for (i = 0; i < NR_TABLES; i++)
        table[i] = alloc_page();
    text_first = (unsigned long)__user_text_start & PAGE_MASK;
    text_pages = ((unsigned long)__user_text_end - text_first + PAGE_SIZE - 1) >> PAGE_SHIFT;
    data_va = ((text_first >> L2_SHIFT) + 1) << L2_SHIFT;
    if (pt_index(text_first, 3) != pt_index(data_va, 3) || text_pages > 32 ||
        pt_index(text_first, 1) + text_pages > PT_ENTRIES)
        return xtf_error("the user text does not fit the workload's layout");
    for (round = 0; round <= ROUNDS; round++) {         /* round 0 is the warm-up */
        t[0] = bench_tsc();
        rc = build();
        t[1] = bench_tsc();
        if (rc)
            return xtf_error("fork_exec build: %ld", rc);
        rc = switch_to(virt_to_mfn(table[KL4]), virt_to_mfn(table[UL4]));
        t[2] = bench_tsc();
        if (rc)
            return xtf_error("fork_exec switch: %ld", rc);
        faults = run_process();
        t[3] = bench_tsc();
        if (faults != DATA_PAGES)
            return xtf_error("fork_exec: %d faults, expected %u", faults, DATA_PAGES);
        rc = exit_process(kernel_l4);
        t[4] = bench_tsc();
        if (rc)
            return xtf_error("fork_exec exit: %ld", rc);
        for (i = 0; round && i < 4; i++)
            sum[i] += t[i + 1] - t[i];
    }
    bench_report("fork_exec_exit", (sum[0] + sum[1] + sum[2] + sum[3]) / ROUNDS, "insns");
    bench_report("fork_exec_build", sum[0] / ROUNDS, "insns");
    bench_report("fork_exec_switch", sum[1] / ROUNDS, "insns");
    bench_report("fork_exec_fault", sum[2] / ROUNDS / DATA_PAGES, "insns");
    bench_report("fork_exec_exit_only", sum[3] / ROUNDS, "insns");
    return 0;
}
