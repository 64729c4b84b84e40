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
        "    pop  %rcx\n"
        "    pop  %r11\n"
        "    add  $32, %rsp\n"
        "    push $0\n"
        "    jmp  hypercall_page + 23 * 32\n"
        ".popsection\n");

static unsigned int p0;
static volatile int v1_ran;

static void secondary(void *arg)
{
    (void)arg;
    v1_ran = 1;
    evtchn_send(p0);
    for (;;)
        vcpu_down_self(1);
}

static inline uint16_t read_ds(void)
{
    uint16_t s;
    asm volatile ("mov %%ds, %0" : "=r" (s));
    return s;
}

int test_main(void)
{
    struct callback_register cb = {
        .type = CALLBACKTYPE_failsafe,
        .flags = CALLBACKF_mask_events,
        .address = (uint64_t)(uintptr_t)fs_entry,
    };
    uint64_t *gdt = alloc_page();
    unsigned long frame = virt_to_mfn(gdt);
    uint32_t port;
    struct sched_poll sp = { .nr_ports = 1, .timeout = 0 };
    uint64_t hp = (uint64_t)(uintptr_t)hypercall_page;
    long rc;

    if ((rc = events_init()) != 0)
        return xtf_error("events_init: %ld", rc);
    if (hypercall_vcpu_op(VCPUOP_is_up, 1, NULL) == -XEN_ENOENT)
        return xtf_error("dom0 has one vCPU: run with 2 (hv-run-args, xen-run-args)");
    if (evtchn_bind_ipi(0, &p0))
        return xtf_error("bind_ipi failed");
    port = p0;
    sp.ports = (uint64_t)(uintptr_t)&port;
    XTF_EXPECT_RC(hypercall_callback_op(CALLBACKOP_register, &cb), 0, "register failsafe");

    /* 1. */
    gdt[1] = 0x00cff2000000ffffULL;         /* flat data, DPL 3, present */
    if (pt_make_ro(gdt))
        return xtf_error("cannot map the GDT page read-only");
    XTF_EXPECT_RC(_hypercall2(__HYPERVISOR_set_gdt, (uint64_t)(uintptr_t)&frame, 512), 0,
                  "set_gdt");
    asm volatile ("mov %0, %%ds" :: "r" ((uint16_t)0x0b) : "memory");
    if (read_ds() != 0x0b)
        return xtf_error("%%ds did not take 0x0b");
    XTF_EXPECT_RC(hypercall_update_descriptor(virt_to_maddr(&gdt[1]), 0), 0,
                  "update_descriptor (zero the loaded entry)");

    /* 2. */
    events_mask();
    if ((rc = vcpu_start(1, secondary, NULL)) != 0)
        return xtf_error("starting vCPU 1: %ld", rc);
    sp.timeout = pvclock_ns() + 2000000000ULL;
    rc = hypercall_sched_op(SCHEDOP_poll, &sp);

    /* 3. */
    if (!v1_ran)
        return xtf_failure("vCPU 1 never ran (poll %ld)", rc);
    if (rc != 0)
        return xtf_failure("SCHEDOP_poll returned %ld", rc);
    if (fs_count != 1)
        return xtf_failure("failsafe callback ran %lu times", fs_count);
    printk("failsafe frame: ds %#lx es %#lx fs %#lx gs %#lx rip %#lx cs %#lx rflags %#lx "
           "ss %#lx\n", fs_frame[2], fs_frame[3], fs_frame[4], fs_frame[5], fs_frame[6],
           fs_frame[7], fs_frame[8], fs_frame[10]);
    if (fs_frame[2] != 0x0b)
        return xtf_failure("frame ds %#lx, expected 0xb", fs_frame[2]);
    if (fs_frame[6] < hp || fs_frame[6] >= hp + 4096)
        return xtf_failure("frame rip %#lx not in the hypercall page", fs_frame[6]);
    if (fs_frame[7] != (0xe030 | (1UL << 32)))
        return xtf_failure("frame cs %#lx, expected 0x1_0000_e030", fs_frame[7]);
    if (fs_frame[8] & 0x200)
        return xtf_failure("frame rflags %#lx has IF with events masked", fs_frame[8]);
    if (fs_frame[10] != 0xe02b)
        return xtf_failure("frame ss %#lx", fs_frame[10]);
    if (!vcpu0_info()->evtchn_upcall_mask)
        return xtf_failure("events unmasked after the failsafe callback");
    if (read_ds() != 0)
        return xtf_failure("%%ds is %#x after the callback, expected the null selector",
                           read_ds());
    return xtf_success();
}
