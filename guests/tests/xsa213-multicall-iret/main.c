/*
 * xsa213-multicall-iret: an `iret` entry inside a multicall ends the multicall.
 *
 * The story. multicall(list, nr) runs a batch of hypercalls on the guest kernel's behalf.
 * One of the hypercalls a batch may contain is `iret`, which does not return to its caller at
 * all: it restores a whole register frame from the guest stack and, if the frame's CS has
 * RPL 3, switches the vCPU to guest user mode (its user L4, its user GS). Before XSA-213
 * (2017) Xen's multicall loop carried on with the next entry after such an iret, so the
 * remaining hypercalls of the batch ran with the vCPU already in user mode: hypercalls
 * executed on behalf of user space, on the user page tables, which on 64-bit PV could be
 * turned into a full escape. The fix: an iret entry ends the multicall (the multicall
 * returns the iret's result, the restored rax), and no entry runs once the vCPU is no longer
 * in guest kernel mode. The invariant: hypercalls only ever execute in guest kernel mode.
 *
 * The guest calls multicall([xen_version, iret, xen_version]) with the iret context on its
 * stack exactly where the iret hypercall expects it (at the stub's SYSCALL; see mc_iret), and
 * checks, for an iret to guest kernel mode and to guest user
 * mode:
 *   - the first xen_version ran (its result is the version);
 *   - the iret took effect: execution resumed at the frame's rip (the user code then comes
 *     back with `syscall`), with rax = the frame's rax, and the multicall did not return to
 *     its caller;
 *   - the multicall's own result (rax on resuming) is the restored rax (Xen 4.17 returns it as
 *     an int, so sign-extended from 32 bits);
 *   - the iret entry's result is the restored rax where the list is still mapped (after an
 *     iret to user mode, the kernel-only list is not, and Xen skips the write);
 *   - the entry after the iret did not run: its result still holds the sentinel;
 *   - the hypervisor is alive and the vCPU is back in kernel mode (a hypercall works).
 */
#include <xen/callback.h>
#include <xen/version.h>

#include "guest.h"

const char test_title[] = "XSA-213: nothing in a multicall runs after an iret";

#define SENTINEL  0x5e9717e15e9717e1UL  /* a result no entry can produce */
#define IRET_RAX  0x21302130a1302130UL  /* the rax the iret restores */

/*
 * mc_iret(list, nr, rip, rsp, cs, rax): save the callee-saved registers, push the guest half
 * of the iret context (ss, rsp, rflags, cs, rip, flags) and call the multicall stub, which
 * pushes rcx and r11 before its SYSCALL (boot-ABI §1.6). At that SYSCALL the stack then reads,
 * from rsp up: r11, rcx, the return address, flags, ... - an iret context whose rax is our r11
 * (set to `rax`), whose r11 is our rcx and whose rcx is the return address. It comes back to
 * its caller in one of three ways, each reloading the saved stack pointer:
 *   - the iret went to guest kernel mode at mc_kernel_resume;
 *   - the iret went to user mode, and the user code made a syscall (mc_syscall_entry);
 *   - the multicall returned normally (the iret did not take effect): mc_returned = 1.
 * In all cases the return value is rax: the restored rax, or the multicall's own result.
 */
asm (".text\n"
     ".globl mc_iret\n"
     "mc_iret:\n"
     "    push %rbx\n"
     "    push %rbp\n"
     "    push %r12\n"
     "    push %r13\n"
     "    push %r14\n"
     "    push %r15\n"
     "    mov %rsp, mc_saved_rsp(%rip)\n"
     "    push $0xe02b\n"               /* ss: FLAT_KERNEL_SS == FLAT_USER_SS */
     "    push %rcx\n"                  /* rsp */
     "    push $0x2\n"                  /* rflags: IF clear, events stay masked */
     "    push %r8\n"                   /* cs: RPL 3 means guest user mode */
     "    push %rdx\n"                  /* rip */
     "    push $0\n"                    /* flags: a plain iret */
     "    mov %r9, %r11\n"              /* the stub's push of r11 becomes the rax slot */
     "    call hypercall_page + 13 * 32\n"   /* __HYPERVISOR_multicall */
     ".globl mc_after_call\n"
     "mc_after_call:\n"
     "    movl $1, mc_returned(%rip)\n"
     "    jmp 1f\n"
     ".globl mc_kernel_resume\n"
     "mc_kernel_resume:\n"
     ".globl mc_syscall_entry\n"
     "mc_syscall_entry:\n"
     "1:  mov mc_saved_rsp(%rip), %rsp\n"
     "    pop %r15\n"
     "    pop %r14\n"
     "    pop %r13\n"
     "    pop %r12\n"
     "    pop %rbp\n"
     "    pop %rbx\n"
     "    ret\n"
     ".pushsection .user.text, \"ax\", @progbits\n"
     ".globl user_mc_back\n"
     "user_mc_back:\n"                  /* in user mode: straight back, rax as iret left it */
     "    syscall\n"
     "    ud2\n"
     ".popsection\n");

unsigned long mc_iret(struct multicall_entry *list, unsigned long nr, unsigned long rip,
                      unsigned long rsp, unsigned long cs, unsigned long rax);
extern char mc_kernel_resume[], mc_syscall_entry[], user_mc_back[];
unsigned long mc_saved_rsp;
volatile unsigned int mc_returned;

static uint8_t scratch_stack[4096] __attribute__((aligned(16)));

/* Run multicall([xen_version, iret to rip/rsp/cs, xen_version]) and check what ran. RPL 3
 * in cs means an iret to guest user mode. */
static int run_case(const char *name, unsigned long rip, unsigned long rsp, unsigned long cs)
{
    bool user = (cs & 3) == 3;
    static struct multicall_entry mc[3];
    unsigned long rax;
    long rc;

    memset(mc, 0, sizeof(mc));
    mc[0].op = __HYPERVISOR_xen_version;
    mc[0].args[0] = XENVER_version;
    mc[0].result = SENTINEL;
    mc[1].op = __HYPERVISOR_iret;
    mc[1].result = SENTINEL;
    mc[2].op = __HYPERVISOR_xen_version;
    mc[2].args[0] = XENVER_version;
    mc[2].result = SENTINEL;
    mc_returned = 0;

    rax = mc_iret(mc, 3, rip, rsp, cs, IRET_RAX);
    printk("%s: rax %#lx, results %#lx %#lx %#lx%s\n", name, rax, (unsigned long)mc[0].result,
           (unsigned long)mc[1].result, (unsigned long)mc[2].result,
           mc_returned ? ", the multicall returned" : "");

    rc = hypercall_xen_version(XENVER_version, NULL);
    if (rc <= 0)
        return xtf_failure("%s: xen_version afterwards gave %ld (not in kernel mode?)", name,
                           rc);
    if (mc[0].result != (unsigned long)rc)
        return xtf_failure("%s: the entry before the iret gave %#lx, expected %#lx", name,
                           (unsigned long)mc[0].result, (unsigned long)rc);
    if (mc[2].result != SENTINEL)
        return xtf_failure("%s: the entry after the iret ran (result %#lx)", name,
                           (unsigned long)mc[2].result);
    if (mc_returned)
        return xtf_failure("%s: the iret entry did not take effect; multicall returned %#lx",
                           name, rax);
    /* Xen 4.17's multicall returns an int: the restored rax arrives sign-extended from 32 bits. */
    if (rax != IRET_RAX && rax != (unsigned long)(long)(int)IRET_RAX)
        return xtf_failure("%s: resumed with rax %#lx, expected the frame's %#lx", name, rax,
                           IRET_RAX);
    /* The iret entry's result is written back if the list is still mapped: in kernel mode it
     * is; after an iret to user mode (this list is kernel memory) the write may not happen. */
    if (mc[1].result != IRET_RAX && (!user || mc[1].result != SENTINEL))
        return xtf_failure("%s: the iret entry's result is %#lx, expected the restored rax",
                           name, (unsigned long)mc[1].result);
    return 0;
}

int test_main(void)
{
    struct callback_register cb = {
        .type = CALLBACKTYPE_syscall,
        .flags = CALLBACKF_mask_events,
        .address = (uint64_t)(uintptr_t)mc_syscall_entry,
    };
    unsigned long stack_top;
    long rc;

    /* 1. iret to guest kernel mode: the frame's CS has RPL 0, as in a kernel bounce frame. */
    if (run_case("iret to kernel", (unsigned long)mc_kernel_resume,
                 (unsigned long)scratch_stack + sizeof(scratch_stack), FLAT_KERNEL_CS & ~3))
        return XTF_FAILURE;

    /* 2. iret to guest user mode; the user code comes straight back through syscall. */
    rc = user_init();
    if (rc)
        return xtf_error("user_init (stack_switch, syscall callback) gave %ld", rc);
    rc = hypercall_callback_op(CALLBACKOP_register, &cb);
    if (rc)
        return xtf_error("registering the syscall callback gave %ld", rc);
    stack_top = user_space_minimal();
    if (!stack_top)
        return XTF_ERROR;
    if (run_case("iret to user", (unsigned long)user_mc_back, stack_top, FLAT_USER_CS))
        return XTF_FAILURE;

    return xtf_success();
}
