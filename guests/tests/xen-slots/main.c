/*
 * xen-slots: the guest can neither map nor reach the hypervisor's part of the address space.
 *
 * A 64-bit PV guest runs on its own L4, and so does the hypervisor: Xen's code, data, stacks,
 * directmap and frame table live in L4 slots 256-271 (0xffff800000000000 -
 * 0xffff87ffffffffff) of every guest L4 (boot-ABI §5). Xen writes those slots itself when it
 * validates an L4, maps them without _PAGE_USER (the guest kernel runs at CPL 3, so the CPU
 * keeps it out), and refuses any guest update of them. The one exception is the read-only
 * M2P at the bottom of slot 256, which the guest is meant to read but never write.
 *
 * We check:
 *   - mmu_update of each of the slots 256-271 in the live L4 fails with -EINVAL, whether it
 *     would install a valid guest L3 or clear the slot;
 *   - update_va_mapping of a VA in the Xen range fails with -EINVAL;
 *   - reads of the directmap (0xffff830000000000), the Xen image (0xffff82d040000000) and the
 *     linear page-table slot fault with #PF (P set, U clear: a supervisor page read from guest
 *     kernel mode);
 *   - the M2P reads back the guest's own pfn for its L4, and a write to it faults with
 *     #PF(P|W).
 */
#include "guest.h"

const char test_title[] = "Xen's L4 slots are out of reach";

static const struct {
    const char *name;
    unsigned long va;
} xen_addrs[] = {
    { "directmap", 0xffff830000000000UL },
    { "Xen image", 0xffff82d040000000UL },
    { "linear page tables", 0xffff810000000000UL },
    { "per-domain area", 0xffff820000000000UL },
};

int test_main(void)
{
    uint64_t *l4 = mfn_to_virt(pt_current_l4_mfn());
    unsigned long l4_mfn = pt_current_l4_mfn(), slot, i;
    volatile uint64_t *m2p = (volatile uint64_t *)MACH2PHYS_VIRT_START;
    uint64_t guest_l3 = l4[0], v;
    struct fault f;
    long rc;

    if (!l4 || !(guest_l3 & _PAGE_PRESENT))
        return xtf_error("cannot find the L4 or its slot 0");

    for (slot = XEN_L4_FIRST_SLOT; slot <= XEN_L4_LAST_SLOT; slot++) {
        uint64_t before = l4[slot];

        rc = pt_write_entry(&l4[slot], guest_l3);
        if (rc != -XEN_EINVAL)
            return xtf_failure("mmu_update of L4 slot %lu with a guest L3 gave %ld, "
                               "expected %d", slot, rc, -XEN_EINVAL);
        rc = pt_write_entry(&l4[slot], 0);
        if (rc != -XEN_EINVAL)
            return xtf_failure("mmu_update clearing L4 slot %lu gave %ld, expected %d", slot,
                               rc, -XEN_EINVAL);
        if (l4[slot] != before)
            return xtf_failure("L4 slot %lu changed from %#lx to %#lx", slot,
                               (unsigned long)before, (unsigned long)l4[slot]);
    }
    printk("mmu_update of L4 slots %d-%d: all -EINVAL\n", XEN_L4_FIRST_SLOT, XEN_L4_LAST_SLOT);
    printk("L4 slot 256 (M2P) = %#lx, slot 258 = %#lx, slot 262 = %#lx\n",
           (unsigned long)l4[256], (unsigned long)l4[258], (unsigned long)l4[262]);

    rc = pt_update_va(0xffff830000000000UL,
                      ((uint64_t)virt_to_mfn(l4) << PAGE_SHIFT) | PTE_FLAGS_RO, UVMF_INVLPG);
    printk("update_va_mapping in the directmap -> %ld\n", rc);
    if (rc != -XEN_EINVAL)
        return xtf_failure("update_va_mapping of a Xen VA gave %ld, expected %d", rc,
                           -XEN_EINVAL);

    for (i = 0; i < ARRAY_SIZE(xen_addrs); i++) {
        if (!probe_read64((const volatile void *)xen_addrs[i].va, &v, &f))
            return xtf_failure("reading the %s at %#lx worked: %#lx", xen_addrs[i].name,
                               xen_addrs[i].va, (unsigned long)v);
        printk("read %-18s ", xen_addrs[i].name);
        print_fault("-> ", &f);
        if (f.vector != X86_EXC_PF || f.cr2 != xen_addrs[i].va)
            return xtf_failure("reading the %s gave %s cr2 %#lx, expected #PF at %#lx",
                               xen_addrs[i].name, exception_name(f.vector),
                               (unsigned long)f.cr2, xen_addrs[i].va);
        if (f.error_code & (PFEC_WRITE | PFEC_USER))
            return xtf_failure("#PF error code %#x for a guest-kernel read", f.error_code);
    }

    /* The M2P: readable, correct, not writable. */
    if (probe_read64(&m2p[l4_mfn], &v, &f)) {
        print_fault("", &f);
        return xtf_failure("reading the M2P faulted");
    }
    printk("M2P[%#lx] = %#lx (L4 pfn %#lx)\n", l4_mfn, (unsigned long)v,
           virt_to_pfn(l4));
    if (v != virt_to_pfn(l4))
        return xtf_failure("M2P entry of the L4 is %#lx, expected %#lx", (unsigned long)v,
                           virt_to_pfn(l4));
    if (!probe_write64(&m2p[l4_mfn], 0x1234, &f))
        return xtf_failure("writing the M2P worked");
    print_fault("write M2P -> ", &f);
    if (f.vector != X86_EXC_PF || f.cr2 != (uintptr_t)&m2p[l4_mfn] ||
        f.error_code != (PFEC_PRESENT | PFEC_WRITE))
        return xtf_failure("writing the M2P gave %s ec %#x cr2 %#lx, expected #PF(P|W)",
                           exception_name(f.vector), f.error_code, (unsigned long)f.cr2);
    if (m2p[l4_mfn] != virt_to_pfn(l4))
        return xtf_failure("the M2P entry changed");

    return xtf_success();
}
