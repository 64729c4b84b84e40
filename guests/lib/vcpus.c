/*
 * vcpus.c: secondary vCPUs for tests (see vcpus.h).
 */
#include <stdint.h>
#include <xen/vcpu.h>
#include <xen/xen.h>

#include "events.h"
#include "hypercall.h"
#include "pagetable.h"
#include "string.h"
#include "traps.h"
#include "vcpus.h"

#define NR_SECONDARY  3
#define STACK_SIZE    (4 * 4096)

extern char failsafe_entry[], event_entry_1[], event_entry_2[], event_entry_3[];

static uint8_t stacks[NR_SECONDARY][STACK_SIZE] __attribute__((aligned(4096)));

/* A new vCPU starts here with rbx = fn, r12 = arg and rsp at the top of its stack. */
void vcpu_trampoline(void);
__asm__(".pushsection .text\n"
        ".globl vcpu_trampoline\n"
        "vcpu_trampoline:\n"
        "    mov %r12, %rdi\n"
        "    call *%rbx\n"
        "1:  ud2\n"
        "    jmp 1b\n"
        ".popsection\n");

void vcpu_context_init(struct vcpu_guest_context *c, unsigned int id, void (*fn)(void *),
                       void *arg)
{
    static char *const events[NR_SECONDARY] = { event_entry_1, event_entry_2, event_entry_3 };
    uint64_t top = (uint64_t)(uintptr_t)stacks[(id - 1) % NR_SECONDARY] + STACK_SIZE;

    memset(c, 0, sizeof(*c));
    c->flags = VGCF_IN_KERNEL | VGCF_failsafe_disables_events;
    c->user_regs.rip = (uint64_t)(uintptr_t)vcpu_trampoline;
    c->user_regs.rsp = top;
    c->user_regs.rbx = (uint64_t)(uintptr_t)fn;
    c->user_regs.r12 = (uint64_t)(uintptr_t)arg;
    c->user_regs.cs = FLAT_KERNEL_CS;
    c->user_regs.ss = FLAT_KERNEL_SS;
    c->user_regs.rflags = 0x202;
    for (const struct trap_info *t = runtime_trap_table(); t->address; t++)
        c->trap_ctxt[t->vector] = *t;
    c->kernel_ss = FLAT_KERNEL_SS;
    c->kernel_sp = top;
    c->ctrlreg[3] = (uint64_t)pt_current_l4_mfn() << 12;
    c->event_callback_eip = (uint64_t)(uintptr_t)events[(id - 1) % NR_SECONDARY];
    c->failsafe_callback_eip = (uint64_t)(uintptr_t)failsafe_entry;
}

long vcpu_start(unsigned int id, void (*fn)(void *), void *arg)
{
    static struct vcpu_guest_context c;
    long rc;

    vcpu_context_init(&c, id, fn, arg);
    rc = hypercall_vcpu_op(VCPUOP_initialise, id, &c);
    if (rc)
        return rc;
    return hypercall_vcpu_op(VCPUOP_up, id, NULL);
}

void vcpu_down_self(unsigned int id)
{
    hypercall_vcpu_op(VCPUOP_down, id, NULL);
}

struct vcpu_info *vcpu_info_of(unsigned int id)
{
    return id ? &shared_info->vcpu_info[id] : vcpu0_info();
}
