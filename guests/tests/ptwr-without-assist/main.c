/*
 * ptwr-without-assist: the hardware domain's stores to its own L1s are emulated whether or not
 * it ever enabled VMASST_TYPE_writable_pagetables.
 *
 * The story. A PV guest kernel may write its (read-only) L1 entries directly, and the
 * hypervisor emulates the store ("ptwr") - for an ordinary domain only once the domain has
 * turned on the writable-pagetables assist. Xen 4.17 sends every write fault of the hardware
 * domain's kernel through its read-only MMIO handler first, which falls back to page-table
 * write emulation, so dom0 gets ptwr with the assist off: before ever enabling it and after
 * disabling it again (measured). A dom0 kernel that never enables the assist relies on that;
 * a hypervisor gating ptwr on the assist alone hands it #PFs instead.
 *
 * We check, with the assist never enabled, then enabled, then disabled again:
 *   - a valid 8-byte store of a new entry is emulated: it lands, and after INVLPG the VA
 *     reaches the new frame;
 *   - a store that would map the L1 itself writable is still refused: #PF(P|W) at the
 *     entry's address, the entry unchanged.
 */
#include "guest.h"

const char test_title[] = "ptwr for the hardware domain without the writable-pagetables assist";

#define MARK_A 0xaaaa5555aaaa5555UL
#define MARK_B 0x5555aaaa5555aaaaUL

/* One round: emulated valid stores and a refused malicious one. */
static int round(const char *when, volatile uint64_t *va, volatile uint64_t *l1e,
                 unsigned long mfn_a, unsigned long mfn_b, unsigned long l1_mfn)
{
    uint64_t before;
    struct fault f;

    if (probe_write64(l1e, ((uint64_t)mfn_b << PAGE_SHIFT) | PTE_FLAGS_RW, &f)) {
        print_fault("  ", &f);
        return xtf_failure("%s: a valid store to the L1 was not emulated", when);
    }
    if (pte_mfn(*l1e) != mfn_b)
        return xtf_failure("%s: the entry is %#lx, not page B", when, (unsigned long)*l1e);
    pt_invlpg((unsigned long)va);
    if (*va != MARK_B)
        return xtf_failure("%s: the VA shows %#lx, not page B", when, (unsigned long)*va);

    before = *l1e;
    if (!probe_write64(l1e, ((uint64_t)l1_mfn << PAGE_SHIFT) | PTE_FLAGS_RW, &f))
        return xtf_failure("%s: mapping the L1 writable was accepted (%#lx)", when,
                           (unsigned long)*l1e);
    if (f.vector != X86_EXC_PF || f.cr2 != (uintptr_t)l1e ||
        f.error_code != (PFEC_PRESENT | PFEC_WRITE)) {
        print_fault("  ", &f);
        return xtf_failure("%s: the refusal is not #PF(P|W) at the entry", when);
    }
    if (*l1e != before)
        return xtf_failure("%s: the refused store changed the entry", when);

    if (probe_write64(l1e, ((uint64_t)mfn_a << PAGE_SHIFT) | PTE_FLAGS_RW, &f)) {
        print_fault("  ", &f);
        return xtf_failure("%s: restoring page A by a store was not emulated", when);
    }
    pt_invlpg((unsigned long)va);
    if (*va != MARK_A)
        return xtf_failure("%s: the VA shows %#lx, not page A", when, (unsigned long)*va);
    printk("%s: valid stores emulated, the malicious one refused\n", when);
    return 0;
}

int test_main(void)
{
    volatile uint64_t *a = alloc_page(), *b = alloc_page();
    volatile uint64_t *l1e = pt_entry((unsigned long)a, 1);
    unsigned long mfn_a = virt_to_mfn(a), mfn_b = virt_to_mfn(b), l1_mfn;
    long rc;

    if (!l1e)
        return xtf_error("cannot find the L1 entry of %p", (void *)a);
    l1_mfn = virt_to_mfn(l1e);
    *a = MARK_A;
    *b = MARK_B;

    if (round("assist never enabled", a, l1e, mfn_a, mfn_b, l1_mfn))
        return XTF_FAILURE;
    rc = hypercall_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables);
    if (rc)
        return xtf_failure("vm_assist(enable, writable_pagetables) gave %ld", rc);
    if (round("assist enabled", a, l1e, mfn_a, mfn_b, l1_mfn))
        return XTF_FAILURE;
    rc = hypercall_vm_assist(VMASST_CMD_disable, VMASST_TYPE_writable_pagetables);
    if (rc)
        return xtf_failure("vm_assist(disable, writable_pagetables) gave %ld", rc);
    if (round("assist disabled", a, l1e, mfn_a, mfn_b, l1_mfn))
        return XTF_FAILURE;
    return xtf_success();
}
