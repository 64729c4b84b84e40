/*
 * user-mode: a process address space built by the construction recipe, and user code in it.
 *
 * A 64-bit PV kernel and its processes both run at CPL 3 and every guest PTE carries
 * _PAGE_USER, so the only thing that keeps a process out of kernel memory is that kernel
 * pages are absent from the process's page tables (boot-ABI §8). Xen keeps two L4s per vCPU
 * and switches between them on every kernel/user transition.
 *
 * The test builds a user L4 the way a PV kernel builds a process (fill L4 -> L1 in fresh
 * pages, make each level read-only bottom-up, pin, MMUEXT_NEW_USER_BASEPTR) containing only
 * the user code pages (read-only), one data page (read-only) and a stack page. Then it enters
 * user mode with the iret hypercall and checks:
 *   - user code runs and comes back to the kernel through `syscall` (the syscall callback),
 *     with its rax intact;
 *   - user code can read its data page, and write its stack page (the kernel sees the value);
 *   - a user read of kernel memory faults: #PF bounced to the kernel with the U bit set
 *     (error code 4: not present, user) and CR2 = the kernel address, from CS 0xe033;
 *   - a user write to its read-only data page faults with #PF(P|W|U);
 *   - afterwards the kernel is back in kernel mode and can drop the user L4.
 */
#include "guest.h"

const char test_title[] = "user mode in its own address space";

#define DATA_MAGIC   0x600dda7a600dda7aUL
#define KERNEL_MAGIC 0x5ec2e75ec2e75ec2UL

static volatile uint64_t kernel_secret = KERNEL_MAGIC;

static int expect_fault(const struct user_result *r, const char *what, uint64_t cr2,
                        uint32_t error_code)
{
    if (!r->faulted)
        return xtf_failure("%s: no fault (rax %#lx)", what, (unsigned long)r->rax);
    print_fault("  user fault: ", &r->fault);
    if (r->fault.vector != X86_EXC_PF || r->fault.cr2 != cr2 ||
        r->fault.error_code != error_code)
        return xtf_failure("%s: got %s ec %#x cr2 %#lx, expected #PF ec %#x cr2 %#lx", what,
                           exception_name(r->fault.vector), r->fault.error_code,
                           (unsigned long)r->fault.cr2, error_code, (unsigned long)cr2);
    if (r->fault.cs != FLAT_USER_CS)
        return xtf_failure("%s: the bounce frame CS is %#lx, expected %#x", what,
                           (unsigned long)r->fault.cs, FLAT_USER_CS);
    return 0;
}

int test_main(void)
{
    static struct pt_tree tree;
    volatile uint64_t *data = alloc_page(), *stack = alloc_page();
    unsigned long stack_top = (unsigned long)stack + PAGE_SIZE, va, l4_mfn;
    struct user_result r;
    long rc;

    *data = DATA_MAGIC;
    rc = user_init();
    if (rc)
        return xtf_error("user_init (stack_switch, syscall callback) gave %ld", rc);

    /* 1. The construction recipe. */
    pt_tree_init(&tree);
    for (va = (unsigned long)__user_text_start; va < (unsigned long)__user_text_end;
         va += PAGE_SIZE) {
        if (pt_tree_map(&tree, va, virt_to_mfn((void *)va), PTE_FLAGS_RO | _PAGE_USER))
            return xtf_error("page-table tree full");
    }
    if (pt_tree_map(&tree, (unsigned long)data, virt_to_mfn(data), PTE_FLAGS_RO | _PAGE_USER) ||
        pt_tree_map(&tree, (unsigned long)stack, virt_to_mfn(stack),
                    PTE_FLAGS_RW | _PAGE_USER))
        return xtf_error("page-table tree full");
    printk("user L4 built from %u table pages\n", tree.nr);

    rc = pt_tree_seal(&tree);
    if (rc)
        return xtf_failure("making the new tables read-only gave %ld", rc);
    l4_mfn = pt_tree_l4_mfn(&tree);
    rc = pt_pin(4, l4_mfn);
    printk("pin the user L4 -> %ld\n", rc);
    if (rc)
        return xtf_failure("pinning the user L4 gave %ld", rc);
    rc = pt_new_user_baseptr(l4_mfn);
    printk("NEW_USER_BASEPTR -> %ld\n", rc);
    if (rc)
        return xtf_failure("NEW_USER_BASEPTR gave %ld", rc);

    /* 2. Into user mode and back through syscall. */
    user_run((unsigned long)user_syscall_arg, stack_top, 0x1234abcd, &r);
    if (r.faulted) {
        print_fault("", &r.fault);
        return xtf_failure("the user code faulted instead of making a syscall");
    }
    printk("user syscall returned rax %#lx\n", (unsigned long)r.rax);
    if (r.rax != 0x1234abcd)
        return xtf_failure("syscall from user mode arrived with rax %#lx",
                           (unsigned long)r.rax);

    /* 3. What the user may touch. */
    user_run((unsigned long)user_read64, stack_top, (unsigned long)data, &r);
    if (r.faulted || r.rax != DATA_MAGIC)
        return xtf_failure("user read of its data page: faulted %d, rax %#lx", r.faulted,
                           (unsigned long)r.rax);
    user_run((unsigned long)user_write64, stack_top, (unsigned long)stack + 64, &r);
    if (r.faulted || stack[8] != (unsigned long)stack + 64)
        return xtf_failure("user write to its stack page: faulted %d, kernel sees %#lx",
                           r.faulted, (unsigned long)stack[8]);
    printk("user read its data page and wrote its stack page\n");

    /* 4. What it may not. */
    user_run((unsigned long)user_read64, stack_top, (unsigned long)&kernel_secret, &r);
    if (expect_fault(&r, "user read of kernel memory", (unsigned long)&kernel_secret,
                     PFEC_USER))
        return XTF_FAILURE;
    user_run((unsigned long)user_read64, stack_top, start_info->pt_base, &r);
    if (expect_fault(&r, "user read of the kernel L4", start_info->pt_base, PFEC_USER))
        return XTF_FAILURE;
    user_run((unsigned long)user_write64, stack_top, (unsigned long)data, &r);
    if (expect_fault(&r, "user write to its read-only page", (unsigned long)data,
                     PFEC_PRESENT | PFEC_WRITE | PFEC_USER))
        return XTF_FAILURE;
    if (*data != DATA_MAGIC)
        return xtf_failure("the read-only data page changed");

    /* 5. Back in kernel mode: hypercalls work, and the user L4 can go. */
    rc = pt_new_user_baseptr(0);
    if (rc)
        return xtf_failure("NEW_USER_BASEPTR(0) gave %ld", rc);
    rc = pt_unpin(l4_mfn);
    if (rc)
        return xtf_failure("unpinning the user L4 gave %ld", rc);
    printk("user L4 dropped and unpinned\n");

    return xtf_success();
}
