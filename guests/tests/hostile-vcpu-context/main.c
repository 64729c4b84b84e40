/*
 * hostile-vcpu-context: VCPUOP_initialise with a CS or SS the CPU refuses.
 *
 * The story. Xen takes a new vCPU's selectors from its context as they are (RPL forced to 3)
 * and does not look at the descriptors: the IRETQ of the vCPU's first entry does, and when it
 * refuses one, that #GP - with the CPU's error code, the selector - is the new vCPU's own,
 * delivered through the trap table of its context on the frame it was to start with (the bad
 * selector in it). Nothing else happens to the domain.
 *
 * The guest (3 vCPUs on one CPU) starts vCPU 1 with SS the hypervisor's data selector and
 * vCPU 2 with CS the hypervisor's code selector, each with a #GP handler that records its
 * frame and takes the vCPU down, and checks each frame: error code the selector, rip the
 * context's, cs 0xe030 / 0xe008 (RPL cleared, events masked: the saved mask above it), ss
 * 0xe013 / 0xe02b, rsp the context's.
 */
#include <xen/sched.h>
#include <xen/vcpu.h>

#include "guest.h"

const char test_title[] = "VCPUOP_initialise with a CS or SS the CPU refuses";

volatile uint64_t gp_frame[8];          /* rcx, r11, error code, rip, cs, rflags, rsp, ss */
void gp_entry(void);

/* Record the #GP frame, then take this vCPU down (rdi: its id, from the context's rdi). */
__asm__(".pushsection .text\n"
        ".globl gp_entry\n"
        "gp_entry:\n"
        "    mov  %rdi, %r12\n"
        "    lea  gp_frame(%rip), %rdi\n"
        "    xor  %ecx, %ecx\n"
        "1:  mov  (%rsp,%rcx,8), %rax\n"
        "    mov  %rax, (%rdi,%rcx,8)\n"
        "    inc  %ecx\n"
        "    cmp  $8, %ecx\n"
        "    jne  1b\n"
        "2:  mov  $24, %eax\n"            /* vcpu_op(VCPUOP_down, id, NULL) */
        "    mov  $2, %edi\n"
        "    mov  %r12, %rsi\n"
        "    xor  %edx, %edx\n"
        "    syscall\n"
        "    jmp  2b\n"
        ".popsection\n");

static void never(void *arg)
{
    (void)arg;
    xtf_failure("a vCPU started with a bad selector ran its code");
    for (;;)
        hypercall_sched_op(SCHEDOP_yield, NULL);
}

/* Start vCPU id with cs/ss, wait (up to 10 s) for its #GP, check the frame. */
static void start_bad(unsigned int id, uint64_t cs, uint64_t ss, uint64_t err, uint64_t fcs,
                      uint64_t fss)
{
    static struct vcpu_guest_context c;
    uint64_t end;
    long rc;

    memset((void *)gp_frame, 0, sizeof(gp_frame));
    vcpu_context_init(&c, id, never, NULL);
    c.user_regs.cs = cs;
    c.user_regs.ss = ss;
    c.user_regs.rdi = id;
    c.trap_ctxt[13] = (struct trap_info){ .vector = 13, .cs = FLAT_KERNEL_CS,
                                          .address = (uint64_t)gp_entry };
    if ((rc = hypercall_vcpu_op(VCPUOP_initialise, id, &c)) != 0) {
        xtf_failure("vCPU %u: VCPUOP_initialise %ld", id, rc);
        return;
    }
    if ((rc = hypercall_vcpu_op(VCPUOP_up, id, NULL)) != 0) {
        xtf_failure("vCPU %u: VCPUOP_up %ld", id, rc);
        return;
    }
    end = pvclock_ns() + 10000000000ULL;
    while (!gp_frame[3] && pvclock_ns() < end)
        hypercall_sched_op(SCHEDOP_yield, NULL);
    printk("vCPU %u: #GP ec %#lx rip %#lx cs %#lx rflags %#lx rsp %#lx ss %#lx\n", id,
           gp_frame[2], gp_frame[3], gp_frame[4], gp_frame[5], gp_frame[6], gp_frame[7]);
    if (!gp_frame[3])
        xtf_failure("vCPU %u: no #GP", id);
    else if (gp_frame[2] != err || gp_frame[3] != c.user_regs.rip ||
             gp_frame[4] != (fcs | (1UL << 32)) || gp_frame[6] != c.user_regs.rsp ||
             gp_frame[7] != fss)
        xtf_failure("vCPU %u: the #GP frame is not Xen's", id);
}

int test_main(void)
{
    long rc;

    if ((rc = events_init()) != 0)
        return xtf_error("events_init: %ld", rc);
    if (hypercall_vcpu_op(VCPUOP_is_up, 2, NULL) == -XEN_ENOENT)
        return xtf_error("dom0 needs 3 vCPUs (hv-run-args, xen-run-args)");
    start_bad(1, FLAT_KERNEL_CS, 0xe010, 0xe010, 0xe030, 0xe013);
    start_bad(2, 0xe008, FLAT_KERNEL_SS, 0xe008, 0xe008, FLAT_KERNEL_SS);
    if (xtf_status() != XTF_RUNNING)
        return (int)xtf_status();
    return xtf_success();
}
