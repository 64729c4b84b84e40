/*
 * boot: the guest boots and finds what the dom0 builder promised.
 *
 * Everything else in the test suite stands on the builder's contract (boot-ABI §1-§4): the
 * image loaded at VA == pfn << 12, a hypercall page full of the exact stub bytes, start_info
 * in the bootstrap region with the magic string and sane pointers, and the bootstrap L4 in
 * CR3, mapped read-only and already pinned. This test prints start_info and checks each of
 * those promises, so that when a later test fails we know the ground was solid.
 *
 * The pin check is the interesting one: the builder pins the L4 itself (the equivalent of
 * MMUEXT_PIN_L4_TABLE), so pinning it again must fail with -EINVAL, not succeed silently.
 */
#include <xen/version.h>

#include "guest.h"

const char test_title[] = "boot and start_info";

static uint64_t read_cr3(void)
{
    uint64_t cr3;

    asm volatile ("mov %%cr3, %0" : "=r" (cr3));
    return cr3;
}

int test_main(void)
{
    const start_info_t *si = start_info;
    unsigned long pt_base = si->pt_base, l4_mfn, l4_pfn, image_end, nr;
    uint64_t cr3, l4_pte;
    long rc, ver;

    printk("start_info      %p\n", (void *)si);
    printk("  magic         %.32s\n", si->magic);
    printk("  nr_pages      %lu\n", (unsigned long)si->nr_pages);
    printk("  shared_info   %#lx (machine address)\n", (unsigned long)si->shared_info);
    printk("  flags         %#x\n", si->flags);
    printk("  pt_base       %#lx\n", pt_base);
    printk("  nr_pt_frames  %lu\n", (unsigned long)si->nr_pt_frames);
    printk("  mfn_list      %#lx\n", (unsigned long)si->mfn_list);
    printk("  mod_start     %#lx, mod_len %lu\n", (unsigned long)si->mod_start,
           (unsigned long)si->mod_len);
    printk("  cmd_line      \"%s\"\n", si->cmd_line);
    printk("image           [%p, %p)\n", (void *)__image_start, (void *)__image_end);
    printk("boot rsp        %#lx, bootstrap region ends at %#lx\n", boot_rsp,
           bootstrap_end());

    ver = hypercall_xen_version(XENVER_version, NULL);
    printk("Xen version     %ld.%ld\n", ver >> 16, ver & 0xffff);

    if (memcmp(si->magic, "xen-3.0-x86_64", 15) != 0)
        return xtf_failure("start_info magic is \"%.32s\"", si->magic);

    for (nr = 0; nr < 128; nr++) {
        if (!hypercall_stub_ok((unsigned int)nr))
            return xtf_failure("hypercall stub %lu does not hold Xen's bytes", nr);
    }

    if (!(si->flags & SIF_INITDOMAIN) || !(si->flags & SIF_PRIVILEGED))
        return xtf_failure("start_info flags %#x lack SIF_PRIVILEGED|SIF_INITDOMAIN", si->flags);

    image_end = ((unsigned long)__image_end + PAGE_SIZE - 1) & PAGE_MASK;
    if (pt_base & ~PAGE_MASK)
        return xtf_failure("pt_base %#lx is not page aligned", pt_base);
    if (pt_base < image_end || pt_base >= boot_rsp)
        return xtf_failure("pt_base %#lx is outside [image end %#lx, boot rsp %#lx)", pt_base,
                           image_end, boot_rsp);
    if ((unsigned long)si < image_end || (unsigned long)si >= pt_base)
        return xtf_failure("start_info %p is not between the image and the page tables",
                           (void *)si);
    if (si->nr_pt_frames < 4 || pt_base + si->nr_pt_frames * PAGE_SIZE > boot_rsp)
        return xtf_failure("nr_pt_frames %lu does not fit below the boot stack",
                           (unsigned long)si->nr_pt_frames);
    if (boot_rsp & ~PAGE_MASK)
        return xtf_failure("boot rsp %#lx is not the end of a page", boot_rsp);
    if (bootstrap_end() & ((4UL << 20) - 1) || bootstrap_end() - boot_rsp < (512UL << 10))
        return xtf_failure("bootstrap region end %#lx is not 4 MiB aligned with 512 KiB "
                           "padding after the stack", bootstrap_end());

    /* VA == pfn << 12, and the p2m and M2P agree on the L4's frame. */
    l4_pfn = pt_base >> PAGE_SHIFT;
    l4_mfn = pfn_to_mfn(l4_pfn);
    if (mfn_to_pfn(l4_mfn) != l4_pfn)
        return xtf_failure("M2P[%#lx] = %#lx, expected pfn %#lx", l4_mfn, mfn_to_pfn(l4_mfn),
                           l4_pfn);

    cr3 = read_cr3();
    printk("cr3             %#lx (L4 mfn %#lx)\n", (unsigned long)cr3, l4_mfn);
    if (cr3 != (uint64_t)l4_mfn << PAGE_SHIFT)
        return xtf_failure("cr3 %#lx is not the bootstrap L4 (mfn %#lx)", (unsigned long)cr3,
                           l4_mfn);

    l4_pte = pt_l1e(pt_base);
    printk("L1 entry of L4  %#lx\n", (unsigned long)l4_pte);
    if (!(l4_pte & _PAGE_PRESENT) || (l4_pte & _PAGE_RW))
        return xtf_failure("the L4 is not mapped read-only: %#lx", (unsigned long)l4_pte);

    /* Image pages are mapped read-write, with the frame the p2m names. */
    l4_pte = pt_l1e((unsigned long)__image_start);
    if (!(l4_pte & _PAGE_RW) ||
        pte_mfn(l4_pte) != pfn_to_mfn((unsigned long)__image_start >> PAGE_SHIFT))
        return xtf_failure("image page mapping %#lx is wrong", (unsigned long)l4_pte);

    rc = pt_pin(4, l4_mfn);
    printk("pin bootstrap L4 again: %ld\n", rc);
    if (rc != -XEN_EINVAL)
        return xtf_failure("pinning the already pinned L4 gave %ld, expected %d", rc,
                           -XEN_EINVAL);

    return xtf_success();
}
