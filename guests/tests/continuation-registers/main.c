/*
 * continuation-registers: a continued hypercall keeps every register it does not take.
 *
 * The story. When a hypercall is continued, the hypervisor writes the arguments of the work
 * left into the argument registers and re-executes the guest's SYSCALL. Xen writes exactly the
 * arguments of the hypercall being continued (mmu_update: rdi, rsi, rdx, r10) and nothing
 * else; guests compile hypercalls as asm statements that clobber only the argument registers
 * they pass, so a hypervisor that also rewrites, say, r8 or r9 on a continuation corrupts
 * whatever the guest's compiler kept there.
 *
 * Overwriting a present L2 or L3 entry with mmu_update is continued on Xen every time (the old
 * table's type reference is dropped by a deferred put; see multicall-continuation). The guest
 * issues such batches with every general register set to a pattern:
 *   - mmu_update [clear L2[0], set L2[1]]: continued between the two requests;
 *   - mmu_update [clear L2[1]]: continued after the last one with a NULL handle;
 *   - mmu_update [clear L3[0]]: the same for an L3;
 * and checks each result (0), the done count, the tables, that r8, r9, rbx, rbp and r12-r15
 * come back unchanged, and that rdi, rsi, rdx, r10 hold the last continuation's arguments, as
 * Xen leaves them.
 */
#include "guest.h"
#include "hypercall-regs.h"

const char test_title[] = "a continued hypercall keeps the registers it does not take";

static uint64_t *a1, *b1, *p2, *q2, *p3;
static struct mmu_update reqs[2];
static unsigned int done;

static uint64_t pde(const void *table)
{
    return ((uint64_t)virt_to_mfn(table) << PAGE_SHIFT) | PDE_FLAGS;
}

/*
 * mmu_update(reqs, count, &done, DOMID_SELF) through hypercall_regs; check what came back.
 * The argument registers hold the last continuation's arguments: `tail` requests from
 * &reqs[count - tail] (tail 0: the NULL-handle form 0, MMU_UPDATE_PREEMPTED, 0, rc).
 */
static int run(const char *what, unsigned int count, unsigned int want_done, unsigned int tail)
{
    uint64_t want_args[4] = { 0, 0x80000000UL, 0, 0 };
    struct hc_regs before, after;
    unsigned int i;

    for (i = 0; i < HC_REGS_NR; i++)
        ((uint64_t *)&before)[i] = 0x0f0e0d0c0b0a0908UL ^ (0x1010101010101010UL * (i + 1));
    before.rdi = (uintptr_t)reqs;
    before.rsi = count;
    before.rdx = (uintptr_t)&done;
    before.r10 = DOMID_SELF;
    before.rax = 0;
    after = before;
    done = 0xdead;
    hypercall_regs(__HYPERVISOR_mmu_update, &after);
    printk("%s: rax %ld done %u; rdi %#lx rsi %#lx rdx %#lx r10 %#lx\n", what,
           (long)after.rax, done, (unsigned long)after.rdi, (unsigned long)after.rsi,
           (unsigned long)after.rdx, (unsigned long)after.r10);
    if (after.rax != 0)
        return xtf_failure("%s: mmu_update returned %ld", what, (long)after.rax);
    if (done != want_done)
        return xtf_failure("%s: done %u, expected %u", what, done, want_done);
    if (tail) {
        want_args[0] = (uintptr_t)&reqs[count - tail];
        want_args[1] = tail | 0x80000000UL;
        want_args[2] = (uintptr_t)&done;
        want_args[3] = DOMID_SELF;
    }
    for (i = 0; i < 4; i++) {
        if (hc_reg(&after, i) != want_args[i])
            return xtf_failure("%s: %s is %#lx, expected the continuation's %#lx", what,
                               hc_reg_name(i), (unsigned long)hc_reg(&after, i),
                               (unsigned long)want_args[i]);
    }
    /* rdi, rsi, rdx and r10 are mmu_update's arguments; the rest must be kept. */
    for (i = 4; i < HC_REGS_NR; i++) {
        if (hc_reg(&before, i) != hc_reg(&after, i))
            return xtf_failure("%s: %s changed from %#lx to %#lx", what, hc_reg_name(i),
                               (unsigned long)hc_reg(&before, i),
                               (unsigned long)hc_reg(&after, i));
    }
    return 0;
}

static struct mmu_update req(const uint64_t *entry, uint64_t val)
{
    struct mmu_update u = { .ptr = virt_to_maddr(entry), .val = val };

    return u;
}

int test_main(void)
{
    uint64_t **pages[] = { &a1, &b1, &p2, &q2, &p3 };
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(pages); i++) {
        *pages[i] = alloc_page();
        if (pt_make_ro(*pages[i]))
            return xtf_error("cannot make a table page read-only");
    }
    if (pt_pin(2, virt_to_mfn(p2)) || pt_pin(3, virt_to_mfn(p3)) ||
        pt_write_entry(&p2[0], pde(a1)) || pt_write_entry(&p3[0], pde(q2)))
        return xtf_error("cannot build the tables");

    reqs[0] = req(&p2[0], 0);
    reqs[1] = req(&p2[1], pde(b1));
    if (run("clear L2[0], set L2[1]", 2, 2, 1))
        return XTF_FAILURE;
    reqs[0] = req(&p2[1], 0);
    if (run("clear L2[1]", 1, 1, 0))
        return XTF_FAILURE;
    reqs[0] = req(&p3[0], 0);
    if (run("clear L3[0]", 1, 1, 0))
        return XTF_FAILURE;

    if (p2[0] || p2[1] || p3[0])
        return xtf_failure("the entries were not cleared");
    if (pt_unpin(virt_to_mfn(p2)) || pt_unpin(virt_to_mfn(p3)))
        return xtf_failure("unpinning failed");
    for (i = 0; i < ARRAY_SIZE(pages); i++) {
        if (pt_make_rw(*pages[i]))
            return xtf_failure("page %u is still typed (a reference was not dropped)", i);
    }
    return xtf_success();
}
