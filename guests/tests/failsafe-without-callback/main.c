/*
 * failsafe-without-callback: a bad segment reload when no failsafe callback is registered.
 *
 * The story. When a context switch cannot reload a data segment (failsafe-callback), Xen
 * loads the null selector and bounces the vCPU to its failsafe callback - whatever address
 * that is: with none registered, it writes the same frame and enters the guest at rip 0, in
 * kernel mode. It does not crash the domain. A kernel with nothing mapped at 0 then takes a
 * #PF there, with the failsafe frame just above the #PF frame.
 *
 * The guest runs with 2 vCPUs on one CPU, as failsafe-callback, with VA 0 unmapped, a #PF
 * handler of its own and the failsafe callback registered as 0 (none), and checks that:
 *   1. the #PF came once, at rip 0 (an instruction fetch in kernel mode),
 *   2. its frame's rsp points at a failsafe frame: ds = 0x0b, rip in the hypercall page,
 *      cs 0xe030 with the saved upcall mask 1 (the poll ran with events masked), ss 0xe02b;
 *   3. returning through that failsafe frame ends the poll with 0, %ds now null.
 */
#include <xen/callback.h>
#include <xen/sched.h>
#include <xen/vcpu.h>

#include "guest.h"
#include "stale-segment.h"

const char test_title[] = "a bad segment reload without a failsafe callback";

volatile uint64_t pf_frame[8], fs_frame[11], pf_saved[3];
volatile unsigned long pf_count;
void pf_entry(void);

/*
 * The #PF handler: record its frame (rcx, r11, error code, rip, cs, rflags, rsp, ss) and the
 * eleven words of the failsafe frame at its rsp, then return through the failsafe frame as
 * a failsafe callback would (rcx and r11 from it, the selectors dropped, iret flags 0), with
 * every other register as it came: the bounce can come on any return to the guest.
 */
__asm__(".pushsection .text\n"
        ".globl pf_entry\n"
        "pf_entry:\n"
        "    mov  %rax, pf_saved(%rip)\n"
        "    mov  %rdi, pf_saved+8(%rip)\n"
        "    mov  %rsi, pf_saved+16(%rip)\n"
        "    lea  pf_frame(%rip), %rdi\n"
        "    xor  %ecx, %ecx\n"
        "1:  mov  (%rsp,%rcx,8), %rax\n"
        "    mov  %rax, (%rdi,%rcx,8)\n"
        "    inc  %ecx\n"
        "    cmp  $8, %ecx\n"
        "    jne  1b\n"
        "    mov  48(%rsp), %rsi\n"             /* the #PF frame's rsp: the failsafe frame */
        "    lea  fs_frame(%rip), %rdi\n"
        "    xor  %ecx, %ecx\n"
        "2:  mov  (%rsi,%rcx,8), %rax\n"
        "    mov  %rax, (%rdi,%rcx,8)\n"
        "    inc  %ecx\n"
        "    cmp  $11, %ecx\n"
        "    jne  2b\n"
        "    lock incq pf_count(%rip)\n"
        "    mov  %rsi, %rsp\n"
        "    mov  pf_saved(%rip), %rax\n"
        "    mov  pf_saved+8(%rip), %rdi\n"
        "    mov  pf_saved+16(%rip), %rsi\n"
        "    jmp  failsafe_return\n"
        ".popsection\n");

int test_main(void)
{
    struct callback_register cb = { .type = CALLBACKTYPE_failsafe, .address = 0 };
    struct trap_info pf_trap[2] = {
        { .vector = 14, .flags = 0, .cs = FLAT_KERNEL_CS, .address = (uint64_t)pf_entry },
    };
    int ok;
    long rc;

    if (pt_update_va(0, 0, UVMF_INVLPG))
        return xtf_error("cannot unmap VA 0");
    XTF_EXPECT_RC(hypercall_set_trap_table(pf_trap), 0, "set_trap_table (#PF)");
    XTF_EXPECT_RC(hypercall_callback_op(CALLBACKOP_register, &cb), 0,
                  "failsafe callback 0 (the runtime's one replaced by none)");
    if (stale_ds_setup())
        return xtf_status();
    rc = stale_ds_switch(&ok);
    hypercall_set_trap_table(runtime_trap_table());
    if (!ok)
        return xtf_status();
    if (rc != 0)
        return xtf_failure("SCHEDOP_poll returned %ld", rc);
    if (pf_count != 1)
        return xtf_failure("the #PF at rip 0 came %lu times", pf_count);
    printk("#PF frame: ec %#lx rip %#lx cs %#lx\n", pf_frame[2], pf_frame[3], pf_frame[4]);
    if (pf_frame[3] != 0 || pf_frame[2] != PFEC_INSN)
        return xtf_failure("#PF at rip %#lx, error code %#lx: expected rip 0, an instruction "
                           "fetch", pf_frame[3], pf_frame[2]);
    if (!stale_ds_frame_ok(fs_frame))
        return xtf_status();
    if (read_ds() != 0)
        return xtf_failure("%%ds is %#x after the callback, expected the null selector",
                           read_ds());
    return xtf_success();
}
