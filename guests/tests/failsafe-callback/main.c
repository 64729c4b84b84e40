/*
 * failsafe-callback: a data segment the guest broke while it was loaded is found when its
 * vCPU is switched back in, and the vCPU enters its failsafe callback with Xen's frame.
 *
 * The story. The CPU keeps a loaded segment's descriptor cached, so a kernel can change or
 * drop the descriptor behind a selector that is still in %ds. A hypervisor that switches the
 * vCPU out and back in must reload %ds from the (now bad) descriptor; the load faults in the
 * hypervisor, which must not let that stop it: Xen loads the null selector instead and
 * bounces the vCPU to its failsafe callback, with the selectors it had, so the kernel can
 * repair them.
 *
 * The guest runs with 2 vCPUs on one CPU (hv-run and xen-run: dom0_max_vcpus=2) and:
 *   1. installs a GDT of one page whose entry 1 is a flat DPL-3 data segment, loads %ds with
 *      it (0x0b), then zeroes the entry with update_descriptor (%ds keeps working);
 *   2. registers its failsafe callback (events masked), and waits with SCHEDOP_poll (events
 *      masked) for an IPI that vCPU 1 sends before it takes itself down: vCPU 1 running in
 *      between makes the CPU switch away from vCPU 0 and back;
 *   3. checks that the failsafe callback ran exactly once, with the frame
 *      rcx, r11, ds = 0x0b, es, fs, gs, rip in the hypercall page, cs 0xe030 (kernel mode,
 *      RPL cleared) with the saved upcall mask 1, rflags with IF clear, rsp, ss 0xe02b, that
 *      events stayed masked, that %ds now holds the null selector, and that the poll itself
 *      returned 0 afterwards.
 */
#include <xen/callback.h>
#include <xen/sched.h>
#include <xen/vcpu.h>

#include "guest.h"
#include "stale-segment.h"

const char test_title[] = "failsafe callback after a bad segment reload";

volatile uint64_t fs_frame[11];
volatile unsigned long fs_count;
void fs_entry(void);

/* Record the failsafe frame, drop the four selectors and return through the iret hypercall
 * (rcx and r11 come from the frame; every other register is preserved). */
__asm__(".pushsection .text\n"
        ".globl fs_entry\n"
        "fs_entry:\n"
        "    push %rax\n"
        "    push %rdi\n"
        "    lea  fs_frame(%rip), %rdi\n"
        "    xor  %ecx, %ecx\n"
        "1:  mov  16(%rsp,%rcx,8), %rax\n"
        "    mov  %rax, (%rdi,%rcx,8)\n"
        "    inc  %ecx\n"
        "    cmp  $11, %ecx\n"
        "    jne  1b\n"
        "    lock incq fs_count(%rip)\n"
        "    pop  %rdi\n"
        "    pop  %rax\n"
        "    jmp  failsafe_return\n"
        ".popsection\n");

int test_main(void)
{
    struct callback_register cb = {
        .type = CALLBACKTYPE_failsafe,
        .flags = CALLBACKF_mask_events,
        .address = (uint64_t)(uintptr_t)fs_entry,
    };
    int ok;
    long rc;

    XTF_EXPECT_RC(hypercall_callback_op(CALLBACKOP_register, &cb), 0, "register failsafe");
    /* 1. */
    if (stale_ds_setup())
        return xtf_status();
    /* 2. */
    rc = stale_ds_switch(&ok);
    if (!ok)
        return xtf_status();

    /* 3. */
    if (rc != 0)
        return xtf_failure("SCHEDOP_poll returned %ld", rc);
    if (fs_count != 1)
        return xtf_failure("failsafe callback ran %lu times", fs_count);
    if (!stale_ds_frame_ok(fs_frame))
        return xtf_status();
    if (!vcpu0_info()->evtchn_upcall_mask)
        return xtf_failure("events unmasked after the failsafe callback");
    if (read_ds() != 0)
        return xtf_failure("%%ds is %#x after the callback, expected the null selector",
                           read_ds());
    return xtf_success();
}
