/*
 * demo: a narrated tour of what a PV kernel may and may not do (make demo-hv).
 *
 * This guest is the demonstration, not a unit test: it says in plain language what it is
 * about to do, does it, and says what happened. It still checks every outcome and ends with
 * the usual result line, so it also runs in `make check` and on the real Xen.
 *
 *   1. It builds a process address space by the construction recipe: fresh pages filled
 *      L4 -> L1 with plain stores, every table page made read-only bottom-up, the L4 pinned
 *      (the hypervisor validates the whole tree) and installed as the user page tables. A
 *      shortcut (pinning before the tables are read-only) is shown to be refused.
 *   2. It runs user code in that address space: the code makes a system call back into the
 *      kernel, and its attempt to read kernel memory faults, because kernel pages are simply
 *      absent from the process's tables.
 *   3. It attacks the hypervisor's rules, four ways:
 *        a. map one of its own page tables writable (update_va_mapping) -> -EBUSY;
 *        b. write a malicious entry into its own L1 with a plain store: the store traps, the
 *           hypervisor validates it like mmu_update and refuses it (#PF, entry unchanged),
 *           while a harmless store next to it is emulated;
 *        c. reach the hypervisor's L4 slots: mmu_update of slot 261 and update_va_mapping of
 *           a directmap address -> -EINVAL, a read of the hypervisor image -> #PF;
 *        d. use a writable page as its LDT: accepted lazily by SET_LDT, refused (#PF) when a
 *           selector is loaded, usable once read-only, and then it cannot be made writable.
 * On pvmm-hv the hypervisor prints the core's reason for every refusal, on lines starting
 * with "pvmm:"; each appears between the guest's "attempt" line and its "result" line.
 */
#include "guest.h"

const char test_title[] = "demo: a process, and four attacks the hypervisor refuses";

#define SYSCALL_ARG      0x5ca11ed0UL
#define KERNEL_SECRET    0x5ec2e75ec2e75ec2UL
#define LDT_DATA_SEL     ((1 << 3) | 4 | 3)      /* LDT entry 1, TI = 1, RPL 3 */
#define FLAT_DATA_DESC   0x00cff3000000ffffUL    /* present, DPL 3, read/write data */
#define XEN_IMAGE_VA     0xffff82d040000000UL    /* L4 slot 261 */
#define XEN_DIRECTMAP_VA 0xffff830000000000UL    /* L4 slot 262 */

static volatile uint64_t kernel_secret = KERNEL_SECRET;
static unsigned int attempts, refused;   /* forbidden attempts made / refused */
static const char *attempt;     /* the attempt being made, for failure messages */

/* "-EBUSY" etc. for the return codes this demo meets. */
static const char *err_name(long rc)
{
    switch (rc) {
    case 0:            return "0 (accepted)";
    case -XEN_EPERM:   return "-EPERM";
    case -XEN_EINVAL:  return "-EINVAL";
    case -XEN_EBUSY:   return "-EBUSY";
    case -XEN_ENOMEM:  return "-ENOMEM";
    case -XEN_EFAULT:  return "-EFAULT";
    default:           return "an unexpected error";
    }
}

static void say_attempt(const char *what)
{
    attempt = what;
    printk("  attempt: %s\n", what);
}

/* An attack answered with an error code: refused only if it is exactly `want`. */
static int hypercall_refused(long rc, long want, const char *consequence)
{
    attempts++;
    if (rc != want)
        return xtf_failure("%s: expected %s, got %ld", attempt, err_name(want), rc);
    refused++;
    printk("  result:  REFUSED with %s; %s\n", err_name(rc), consequence);
    return 0;
}

/* An attack answered with a fault: refused only if it is a #PF at cr2. */
static int fault_refused(bool faulted, const struct fault *f, uint64_t cr2,
                         const char *consequence)
{
    attempts++;
    if (!faulted)
        return xtf_failure("%s: the access went through", attempt);
    if (f->vector != X86_EXC_PF || f->cr2 != cr2)
        return xtf_failure("%s: got %s cr2 %#lx, expected #PF at %#lx", attempt,
                           exception_name(f->vector),
                           (unsigned long)f->cr2, (unsigned long)cr2);
    refused++;
    printk("  result:  REFUSED: the guest got a page fault (error code %#x, address %#lx); %s\n",
           f->error_code, (unsigned long)f->cr2, consequence);
    return 0;
}

/* Part 1: the construction recipe. Sets *l4_mfn; returns 0 or the reported status. */
static int build_process(struct pt_tree *tree, volatile uint64_t *data,
                         volatile uint64_t *stack, unsigned long *l4_mfn)
{
    unsigned long va;
    long rc;

    printk("\n[1] Build a process address space by the construction recipe\n");
    pt_tree_init(tree);
    for (va = (unsigned long)__user_text_start; va < (unsigned long)__user_text_end;
         va += PAGE_SIZE)
        if (pt_tree_map(tree, va, virt_to_mfn((void *)va), PTE_FLAGS_RO | _PAGE_USER))
            return xtf_error("page-table tree full");
    if (pt_tree_map(tree, (unsigned long)data, virt_to_mfn(data), PTE_FLAGS_RO | _PAGE_USER) ||
        pt_tree_map(tree, (unsigned long)stack, virt_to_mfn(stack), PTE_FLAGS_RW | _PAGE_USER))
        return xtf_error("page-table tree full");
    *l4_mfn = pt_tree_l4_mfn(tree);
    printk("  filled %u fresh pages (L4 -> L1) with plain stores: user code read-only, "
           "one data page read-only, one stack page writable\n", tree->nr);

    say_attempt("shortcut: pin the L4 while the new tables are still writable");
    rc = pt_pin(4, *l4_mfn);
    if (hypercall_refused(rc, -XEN_EINVAL,
                          "a page table must not have a writable mapping when it is validated"))
        return XTF_FAILURE;

    rc = pt_tree_seal(tree);
    if (rc)
        return xtf_failure("making the tables read-only gave %ld", rc);
    printk("  made every table page read-only, L1s first and the L4 last\n");
    rc = pt_pin(4, *l4_mfn);
    if (rc)
        return xtf_failure("pinning the sealed L4 gave %ld", rc);
    printk("  pinned the L4: the hypervisor validated the whole tree and filled its own "
           "slots 256-271 -> 0\n");
    rc = pt_new_user_baseptr(*l4_mfn);
    if (rc)
        return xtf_failure("NEW_USER_BASEPTR gave %ld", rc);
    printk("  installed it as the process's page tables (MMUEXT_NEW_USER_BASEPTR) -> 0\n");
    return 0;
}

/* Part 2: user code in the new address space. */
static int run_process(volatile uint64_t *stack)
{
    unsigned long stack_top = (unsigned long)stack + PAGE_SIZE;
    struct user_result r;

    printk("\n[2] Run user code in it\n");
    user_run((unsigned long)user_syscall_arg, stack_top, SYSCALL_ARG, &r);
    if (r.faulted) {
        print_fault("  ", &r.fault);
        return xtf_failure("the user code faulted instead of making a system call");
    }
    if (r.rax != SYSCALL_ARG)
        return xtf_failure("the system call arrived with %#lx", (unsigned long)r.rax);
    printk("  the process ran in user mode and made a system call with %#lx; the kernel got "
           "it through its syscall callback\n", (unsigned long)r.rax);

    say_attempt("the process reads a kernel variable");
    user_run((unsigned long)user_read64, stack_top, (unsigned long)&kernel_secret, &r);
    if (fault_refused(r.faulted, &r.fault, (unsigned long)&kernel_secret,
                      "kernel pages are not in the process's page tables"))
        return XTF_FAILURE;
    if (!(r.fault.error_code & PFEC_USER))
        return xtf_failure("the fault was not taken in user mode (error code %#x)",
                           r.fault.error_code);
    return 0;
}

/* Attack a: a page table mapped writable through update_va_mapping. */
static int attack_writable_table(struct pt_tree *tree)
{
    printk("\n[3a] Attack: map one of its own page tables writable\n");
    say_attempt("update_va_mapping: make the process's L4 page writable again");
    if (hypercall_refused(pt_make_rw(tree->l4), -XEN_EBUSY,
                          "the frame is a page table, so it can have no writable mapping"))
        return XTF_FAILURE;
    say_attempt("update_va_mapping: make the kernel's own L1 (mapping this code) writable");
    if (hypercall_refused(pt_make_rw(pt_entry((unsigned long)test_main, 1)), -XEN_EBUSY,
                          "same rule for the kernel's tables"))
        return XTF_FAILURE;
    return 0;
}

/* Attack b: plain stores into the L1, emulated only when the new entry is valid. */
static int attack_direct_pte(void)
{
    volatile uint64_t *a = alloc_page(), *b = alloc_page();
    volatile uint64_t *l1e = pt_entry((unsigned long)a, 1);
    unsigned long l1_mfn = virt_to_mfn(l1e);
    uint64_t before;
    struct fault f;
    long rc;

    printk("\n[3b] Attack: write a malicious entry straight into its own L1\n");
    if (!l1e)
        return xtf_error("no L1 entry for %p", (void *)a);
    rc = hypercall_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables);
    if (rc)
        return xtf_failure("vm_assist(writable_pagetables) gave %ld", rc);
    *b = 0xb;
    if (probe_write64(l1e, ((uint64_t)virt_to_mfn(b) << PAGE_SHIFT) | PTE_FLAGS_RW, &f))
        return xtf_failure("a harmless store to the L1 was not emulated");
    pt_invlpg((unsigned long)a);
    if (*a != 0xb)
        return xtf_failure("the emulated entry does not map the new page");
    printk("  first, a harmless store (map another ordinary page): the store trapped, the "
           "hypervisor checked the entry and wrote it -> now %#lx\n", (unsigned long)*l1e);

    before = *l1e;
    say_attempt("a plain store making the L1 map itself writable");
    if (!probe_write64(l1e, ((uint64_t)l1_mfn << PAGE_SHIFT) | PTE_FLAGS_RW, &f))
        return xtf_failure("the malicious store was accepted: entry %#lx", (unsigned long)*l1e);
    if (fault_refused(true, &f, (uintptr_t)l1e, "the L1 is unchanged"))
        return XTF_FAILURE;
    if (*l1e != before || f.error_code != (PFEC_PRESENT | PFEC_WRITE))
        return xtf_failure("entry %#lx (was %#lx), error code %#x", (unsigned long)*l1e,
                           (unsigned long)before, f.error_code);
    rc = pt_map_mfn((unsigned long)a, virt_to_mfn(a), PTE_FLAGS_RW);
    if (rc)
        return xtf_error("cannot restore the page: %ld", rc);
    return 0;
}

/* Attack c: the hypervisor's slots. */
static int attack_xen_slots(void)
{
    uint64_t *l4 = mfn_to_virt(pt_current_l4_mfn());
    uint64_t v;
    struct fault f;

    printk("\n[3c] Attack: reach the hypervisor's part of the address space (L4 slots "
           "256-271)\n");
    if (!l4)
        return xtf_error("cannot find the kernel L4");
    say_attempt("mmu_update: point L4 slot 261 (the hypervisor image) at one of our tables");
    if (hypercall_refused(pt_write_entry(&l4[261], l4[0]), -XEN_EINVAL,
                          "the hypervisor owns slots 256-271 of every L4"))
        return XTF_FAILURE;
    say_attempt("update_va_mapping: map a page at a directmap address");
    if (hypercall_refused(pt_update_va(XEN_DIRECTMAP_VA,
                                       ((uint64_t)pt_current_l4_mfn() << PAGE_SHIFT) |
                                       PTE_FLAGS_RO, UVMF_INVLPG),
                          -XEN_EINVAL, "no guest mapping may live there"))
        return XTF_FAILURE;
    say_attempt("read the hypervisor image directly");
    if (fault_refused(probe_read64((const volatile void *)XEN_IMAGE_VA, &v, &f), &f,
                      XEN_IMAGE_VA, "the hypervisor's pages are absent or supervisor-only, "
                      "and the kernel runs in ring 3"))
        return XTF_FAILURE;
    return 0;
}

static long set_ldt(unsigned long base, unsigned int nr_ents)
{
    struct mmuext_op op = {
        .cmd = MMUEXT_SET_LDT,
        .arg1.linear_addr = base,
        .arg2.nr_ents = nr_ents,
    };

    return hypercall_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/* Attack d: a writable page as LDT. */
static int attack_ldt(void)
{
    uint64_t *ldt = alloc_page();
    unsigned long base = (unsigned long)ldt;
    struct fault f;
    long rc;

    printk("\n[3d] Attack: use a page it can still write as its LDT\n");
    ldt[1] = FLAT_DATA_DESC;
    rc = set_ldt(base, 512);
    if (rc)
        return xtf_failure("SET_LDT gave %ld", rc);
    printk("  MMUEXT_SET_LDT on a writable page -> 0 (the hypervisor checks LDT pages "
           "lazily, on first use)\n");
    say_attempt("load a selector from that LDT");
    if (fault_refused(probe_load_fs(LDT_DATA_SEL, &f), &f, base + 8,
                      "a descriptor page must not be writable"))
        return XTF_FAILURE;

    rc = pt_make_ro(ldt);
    if (rc)
        return xtf_error("cannot make the LDT page read-only: %ld", rc);
    if (probe_load_fs(LDT_DATA_SEL, &f))
        return xtf_failure("the selector load faulted with the page read-only");
    printk("  made the page read-only: the same selector load now works\n");
    say_attempt("update_va_mapping: make the live LDT page writable again");
    if (hypercall_refused(pt_make_rw(ldt), -XEN_EBUSY,
                          "the frame is a descriptor page while it is the LDT"))
        return XTF_FAILURE;
    rc = set_ldt(0, 0);
    if (rc)
        return xtf_failure("SET_LDT(0, 0) gave %ld", rc);
    return 0;
}

int test_main(void)
{
    static struct pt_tree tree;
    volatile uint64_t *data = alloc_page(), *stack = alloc_page();
    unsigned long l4_mfn = 0;
    long rc;

    printk("A PV kernel runs in ring 3 on page tables it can read but not write; every change "
           "goes through the hypervisor, which checks it.\n");
    rc = user_init();
    if (rc)
        return xtf_error("user_init (stack_switch, syscall callback) gave %ld", rc);

    if (build_process(&tree, data, stack, &l4_mfn) || run_process(stack) || attack_writable_table(&tree) ||
        attack_direct_pte() || attack_xen_slots() || attack_ldt())
        return XTF_FAILURE;

    rc = pt_new_user_baseptr(0);
    if (!rc)
        rc = pt_unpin(l4_mfn);
    if (rc)
        return xtf_failure("tearing the process down gave %ld", rc);
    printk("\n[4] Done: the process ran, the kernel's legitimate updates were accepted, and "
           "%u of %u forbidden attempts were refused.\n", refused, attempts);
    if (refused != attempts)
        return xtf_failure("%u forbidden attempts went through", attempts - refused);
    return xtf_success();
}
