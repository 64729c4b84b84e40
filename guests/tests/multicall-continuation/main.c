/*
 * multicall-continuation: an entry of a multicall that needs a continuation.
 *
 * The story. A hypercall that cannot finish at once (a long batch, or a put that must be
 * done preemptibly) is continued: the hypervisor rewrites its arguments to describe the work
 * left and makes the guest execute the same hypercall again. Overwriting a present L2 or L3
 * entry with mmu_update is such a call on Xen every time: the old entry's table loses its
 * type reference later, through a deferred put, so the batch stops before its next request
 * (continued with the handle advanced and count | MMU_UPDATE_PREEMPTED) or, after its last
 * one, is continued once more with a NULL handle that only finishes the put and returns the
 * batch's result. Linux batches such updates in multicalls. Inside a multicall the
 * continuation belongs to the *entry*: Xen writes the continued arguments into that entry of
 * the guest's array and continues the multicall itself from that entry, so the entries
 * before it are not run again, the entries after it still run, every result is the one of the
 * finished call, and the multicall returns 0. A hypervisor that instead puts the entry's
 * continuation into the multicall's own registers re-executes the guest's SYSCALL as some
 * other hypercall (rax = the entry's op, or 0: set_trap_table, which wipes the trap table)
 * and drops or repeats the rest of the batch.
 *
 * The guest builds a pinned L2 and a pinned L3 with present entries and issues one multicall:
 *   0 xen_version                                  -> the version
 *   1 mmu_update [clear L2[0], set L2[1]]          -> 0, done 2 (continued between the two)
 *   2 xen_version                                  -> the version
 *   3 mmu_update [clear L3[0]]                     -> 0, done 1 (NULL-handle continuation)
 *   4 mmu_update [clear L2[1], invalid command]    -> -ENOSYS, done 1 (continued, then fails)
 *   5 multicall (nested)                           -> -EINVAL
 *   6 mmu_update [set L3[1]]                       -> 0 (no continuation)
 *   7 mmu_update [clear L3[1]]                     -> 0 (the last entry is continued)
 * and checks: the multicall's result 0; every entry's result and done count; the continued
 * entries' arguments as Xen leaves them (the last continuation's: handle advanced and
 * count | MMU_UPDATE_PREEMPTED, or the NULL-handle form), the others' untouched; the tables'
 * contents; every register the multicall does not take (rdx, r10, r8, r9, rbx, rbp,
 * r12-r15) unchanged, and its two argument registers holding its last continuation's
 * arguments (&list[7], 1), as Xen leaves them; the trap table still in place (a probed #PF
 * is delivered); and that every reference was dropped exactly (each table can be unpinned
 * and made writable again).
 */
#include <xen/version.h>

#include "guest.h"
#include "hypercall-regs.h"

const char test_title[] = "multicall: an entry's continuation continues the multicall";

#define SENTINEL       0x5e9717e15e9717e1UL   /* a result no entry produces */
#define PREEMPTED      0x80000000UL           /* MMU_UPDATE_PREEMPTED */
#define NR_ENTRIES     8
#define MMU_BAD_CMD    4                      /* mmu_update command 4: -ENOSYS */

static struct multicall_entry mc[NR_ENTRIES];
static struct mmu_update r1[2], r3[1], r4[2], r6[1], r7[1];
static unsigned int done1, done3, done4, done6, done7;

/* The pages: two L1s, two L2s (P2 pinned, Q2 referenced from P3), a pinned L3. */
static uint64_t *a1, *b1, *p2, *q2, *p3;

static uint64_t pde(const void *table)
{
    return ((uint64_t)virt_to_mfn(table) << PAGE_SHIFT) | PDE_FLAGS;
}

static struct mmu_update req(const uint64_t *entry, uint64_t val)
{
    struct mmu_update u = { .ptr = virt_to_maddr(entry), .val = val };

    return u;
}

static void set_mmu_entry(unsigned int i, struct mmu_update *reqs, unsigned int count,
                          unsigned int *done)
{
    mc[i].op = __HYPERVISOR_mmu_update;
    mc[i].args[0] = (uintptr_t)reqs;
    mc[i].args[1] = count;
    mc[i].args[2] = (uintptr_t)done;
    mc[i].args[3] = DOMID_SELF;
    *done = 0xdead;
}

#define EXPECT(expr, want, what)                                                    \
    do {                                                                            \
        long rc_ = (expr);                                                          \
        if (rc_ != (want))                                                          \
            return xtf_error("%s gave %ld, expected %ld", what, rc_, (long)(want)); \
    } while (0)

/* Allocate the tables, pin P2 and P3 and give them present entries (outside a multicall). */
static int build_tables(void)
{
    uint64_t **pages[] = { &a1, &b1, &p2, &q2, &p3 };
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(pages); i++) {
        *pages[i] = alloc_page();
        EXPECT(pt_make_ro(*pages[i]), 0, "making a table page read-only");
    }
    EXPECT(pt_pin(2, virt_to_mfn(p2)), 0, "pinning the L2");
    EXPECT(pt_pin(3, virt_to_mfn(p3)), 0, "pinning the L3");
    EXPECT(pt_write_entry(&p2[0], pde(a1)), 0, "L2[0] -> L1 A");
    EXPECT(pt_write_entry(&p3[0], pde(q2)), 0, "L3[0] -> L2 Q");
    return 0;
}

static void build_list(void)
{
    unsigned int i;

    memset(mc, 0, sizeof(mc));
    for (i = 0; i < NR_ENTRIES; i++) {
        mc[i].result = SENTINEL;
        mc[i].args[4] = 0x4444000000000000UL | i;
        mc[i].args[5] = 0x5555000000000000UL | i;
    }
    mc[0].op = mc[2].op = __HYPERVISOR_xen_version;
    r1[0] = req(&p2[0], 0);
    r1[1] = req(&p2[1], pde(b1));
    set_mmu_entry(1, r1, 2, &done1);
    r3[0] = req(&p3[0], 0);
    set_mmu_entry(3, r3, 1, &done3);
    r4[0] = req(&p2[1], 0);
    r4[1] = req(&p2[2], pde(a1));
    r4[1].ptr |= MMU_BAD_CMD;
    set_mmu_entry(4, r4, 2, &done4);
    mc[5].op = __HYPERVISOR_multicall;
    mc[5].args[0] = (uintptr_t)mc;
    mc[5].args[1] = 1;
    r6[0] = req(&p3[1], pde(q2));
    set_mmu_entry(6, r6, 1, &done6);
    r7[0] = req(&p3[1], 0);
    set_mmu_entry(7, r7, 1, &done7);
}

/* One entry's result, and (for mmu_update entries) its done count. */
static int check_result(unsigned int i, long want, const unsigned int *done,
                        unsigned int want_done)
{
    printk("entry %u: op %lu result %ld", i, (unsigned long)mc[i].op, (long)mc[i].result);
    if (done)
        printk(" done %u", *done);
    printk(" args %#lx %#lx %#lx %#lx\n", (unsigned long)mc[i].args[0],
           (unsigned long)mc[i].args[1], (unsigned long)mc[i].args[2],
           (unsigned long)mc[i].args[3]);
    if ((long)mc[i].result != want)
        return xtf_failure("entry %u: result %ld, expected %ld", i, (long)mc[i].result, want);
    if (done && *done != want_done)
        return xtf_failure("entry %u: done %u, expected %u", i, *done, want_done);
    return 0;
}

/* Entry i's arguments 0..3 and the untouched 4, 5. */
static int check_args(unsigned int i, uint64_t a0, uint64_t a1_, uint64_t a2, uint64_t a3)
{
    const uint64_t *a = mc[i].args;

    if (a[0] != a0 || a[1] != a1_ || a[2] != a2 || a[3] != a3)
        return xtf_failure("entry %u: args %#lx %#lx %#lx %#lx, expected %#lx %#lx %#lx %#lx",
                           i, (unsigned long)a[0], (unsigned long)a[1], (unsigned long)a[2],
                           (unsigned long)a[3], (unsigned long)a0, (unsigned long)a1_,
                           (unsigned long)a2, (unsigned long)a3);
    if (a[4] != (0x4444000000000000UL | i) || a[5] != (0x5555000000000000UL | i))
        return xtf_failure("entry %u: args 4/5 changed to %#lx %#lx", i, (unsigned long)a[4],
                           (unsigned long)a[5]);
    return 0;
}

/*
 * Entry 6 (set L3[1]) validates the L2 preemptibly: untouched arguments, or - if a timer
 * preempted that validation - its continuation's, on Xen as here.
 */
static int check_args6(void)
{
    if (mc[6].args[1] == (1 | PREEMPTED))
        return check_args(6, (uintptr_t)r6, 1 | PREEMPTED, (uintptr_t)&done6, DOMID_SELF);
    return check_args(6, (uintptr_t)r6, 1, (uintptr_t)&done6, DOMID_SELF);
}

static int check_results(long version)
{
    if (check_result(0, version, NULL, 0) || check_result(1, 0, &done1, 2) ||
        check_result(2, version, NULL, 0) || check_result(3, 0, &done3, 1) ||
        check_result(4, -XEN_ENOSYS, &done4, 1) || check_result(5, -XEN_EINVAL, NULL, 0) ||
        check_result(6, 0, &done6, 1) || check_result(7, 0, &done7, 1))
        return XTF_FAILURE;
    /* Continued entries hold their last continuation's arguments; the others are as set. */
    if (check_args(0, 0, 0, 0, 0) ||
        check_args(1, (uintptr_t)&r1[1], 1 | PREEMPTED, (uintptr_t)&done1, DOMID_SELF) ||
        check_args(3, 0, PREEMPTED, 0, 0) ||
        check_args(4, (uintptr_t)&r4[1], 1 | PREEMPTED, (uintptr_t)&done4, DOMID_SELF) ||
        check_args6() ||
        check_args(7, 0, PREEMPTED, 0, 0))
        return XTF_FAILURE;
    return 0;
}

static int check_tables(void)
{
    if (p2[0] || p2[1] || p2[2] || p3[0] || p3[1])
        return xtf_failure("tables: L2 %#lx %#lx %#lx, L3 %#lx %#lx, expected all clear",
                           (unsigned long)p2[0], (unsigned long)p2[1], (unsigned long)p2[2],
                           (unsigned long)p3[0], (unsigned long)p3[1]);
    /* Every reference dropped exactly: the tables unpin and every page may be writable. */
    if (pt_unpin(virt_to_mfn(p2)) || pt_unpin(virt_to_mfn(p3)))
        return xtf_failure("unpinning the L2 and L3 failed");
    if (pt_make_rw(a1) || pt_make_rw(b1) || pt_make_rw(p2) || pt_make_rw(q2) ||
        pt_make_rw(p3))
        return xtf_failure("a table page is still typed (a reference was not dropped)");
    return 0;
}

static int check_registers(const struct hc_regs *before, const struct hc_regs *after)
{
    unsigned int i;

    /* rdi and rsi are the multicall's arguments; every other register must be kept. */
    for (i = 2; i < HC_REGS_NR; i++) {
        if (hc_reg(before, i) != hc_reg(after, i))
            return xtf_failure("%s changed from %#lx to %#lx across the multicall",
                               hc_reg_name(i), (unsigned long)hc_reg(before, i),
                               (unsigned long)hc_reg(after, i));
    }
    if (after->rax != 0)
        return xtf_failure("the multicall returned %ld, expected 0", (long)after->rax);
    /* They hold the multicall's last continuation: from the last entry, one entry left. */
    if (after->rdi != (uintptr_t)&mc[NR_ENTRIES - 1] || after->rsi != 1)
        return xtf_failure("rdi %#lx rsi %#lx, expected the continuation's %#lx 1",
                           (unsigned long)after->rdi, (unsigned long)after->rsi,
                           (unsigned long)(uintptr_t)&mc[NR_ENTRIES - 1]);
    return 0;
}

int test_main(void)
{
    struct hc_regs before, regs;
    struct fault f;
    long version = hypercall_xen_version(XENVER_version, NULL);
    uint64_t v;
    unsigned int i;

    if (build_tables())
        return XTF_ERROR;
    build_list();

    for (i = 0; i < HC_REGS_NR; i++)
        ((uint64_t *)&before)[i] = 0x1111111111111111UL * (i + 1) ^ 0x0123456789abcdefUL;
    before.rdi = (uintptr_t)mc;
    before.rsi = NR_ENTRIES;
    before.rax = 0;
    regs = before;
    hypercall_regs(__HYPERVISOR_multicall, &regs);
    printk("multicall: rax %ld, rdi %#lx rsi %#lx\n", (long)regs.rax, (unsigned long)regs.rdi,
           (unsigned long)regs.rsi);

    /* The trap table is still the guest's: a #PF is delivered to its handler. */
    if (!probe_read64((void *)(64UL << L4_SHIFT), &v, &f) || f.vector != X86_EXC_PF)
        return xtf_failure("a read of an unmapped page did not deliver #PF");
    if (check_registers(&before, &regs) || check_results(version) || check_tables())
        return XTF_FAILURE;
    return xtf_success();
}
