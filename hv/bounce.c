/*
 * hv/bounce.c - delivering an exception, software interrupt or callback to the guest
 * kernel: Xen's create_bounce_frame (boot-ABI §9.2).
 *
 * From guest kernel mode the frame goes on the current guest stack and its CS has RPL 0
 * (0xe030); from guest user mode we first switch to kernel mode and use kernel_sp.  The
 * stack pointer is rounded down to 16 bytes; the frame is, from the new rsp upwards,
 *   rcx, r11, [error code], rip, cs | saved_upcall_mask << 32, rflags, rsp, ss
 * with rflags.IF = !saved mask.  A frame that cannot be written, or would touch the
 * hypervisor's range, crashes the domain; so does a bounce to address 0 (no handler or
 * callback registered: Xen's create_bounce_frame crashes the domain then, an event included),
 * except the failsafe callback's, which Xen enters at 0.
 * The failsafe callback (context-switch.c) builds its longer frame on the same start and end.
 */
#include "hv.h"
#include "guest-access.h"
#include <xen/xen.h>

/*
 * Start a bounce frame of `words` words for the running vCPU (the part every bounce shares,
 * Xen's create_bounce_frame up to the stores): the saved upcall mask goes into the CS word and
 * IF, the virtual IOPL into rflags when architectural IOPL is on; a vCPU in user mode switches
 * to kernel mode and its kernel_sp; the stack is rounded down to 16 bytes.  A frame that would
 * leave the guest's range crashes the domain (never returns then).  A handler of 0 is the
 * caller's to refuse (bounce_to does; the failsafe bounce enters it, as Xen's does).
 */
static inline __attribute__((always_inline))
void frame_start(struct cpu_regs *r, unsigned int words, struct bounce_frame *bf)
{
    struct vcpu *v = current;
    struct hv_vcpu *h = hvv(v);
    uint8_t saved_mask = h->vcpu_info->evtchn_upcall_mask;
    uint64_t cs = r->cs;
    uint64_t sp;

    bf->rflags = r->rflags & ~(X86_EFLAGS_IF | X86_EFLAGS_IOPL);
    if (!saved_mask)
        bf->rflags |= X86_EFLAGS_IF;
    if (__builtin_expect(v->domain->vm_assist & (1UL << VMASST_TYPE_architectural_iopl), 0))
        bf->rflags |= (uint64_t)h->iopl << 12;
    if (v->kernel_mode) {
        cs &= ~3UL;
        sp = r->rsp;
    } else {
        toggle_guest_mode(v);
        sp = h->kernel_sp;
    }
    sp = (sp & ~15UL) - words * 8;
    if ((sp + words * 8 > HYPERVISOR_VIRT_START && sp < HYPERVISOR_VIRT_END + 0x40) ||
        !guest_range_ok(sp, words * 8))
        domain_crash(r, "cannot write a bounce frame at %lx (vector %lu)", sp,
                     r->entry_vector);
    bf->f = (uint64_t *)sp;
    bf->cs = (cs & 0xffff) | ((uint64_t)saved_mask << 32);
}

/* Enter handler on the frame bounce_frame_start chose: flat kernel selectors, TF, NT, RF, VM,
 * AC and IOPL cleared, events masked when `mask`. */
static inline __attribute__((always_inline))
void frame_enter(struct cpu_regs *r, const struct bounce_frame *bf, uint64_t handler, bool mask)
{
    r->rsp = (uint64_t)bf->f;
    r->rip = handler;
    r->cs = FLAT_KERNEL_CS;
    r->ss = FLAT_KERNEL_SS;
    r->rflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_RF | X86_EFLAGS_VM |
                   X86_EFLAGS_AC | X86_EFLAGS_IOPL);
    if (mask)
        hvv(current)->vcpu_info->evtchn_upcall_mask = 1;
}

/* The two above for the failsafe frame (context-switch.c); bounce_to has them inline (every
 * event upcall and exception bounce goes through it). */
void bounce_frame_start(struct cpu_regs *r, unsigned int words, struct bounce_frame *bf)
{
    frame_start(r, words, bf);
}

void bounce_frame_enter(struct cpu_regs *r, const struct bounce_frame *bf, uint64_t handler,
                        bool mask)
{
    frame_enter(r, bf, handler, mask);
}

void bounce_to(struct cpu_regs *r, uint64_t handler, bool has_err, uint32_t err, bool mask)
{
    struct bounce_frame bf;
    uint64_t *f;

    if (!handler)
        domain_crash(r, "bounce to address 0 (no callback registered)");
    frame_start(r, has_err ? 8 : 7, &bf);
    /* The frame, written in place on the guest stack (see the header comment). */
    f = bf.f;
    guest_access_begin();
    guest_put(r->rcx, &f[0], fault);
    guest_put(r->r11, &f[1], fault);
    if (has_err) {
        guest_put(err, &f[2], fault);
        f++;
    }
    guest_put(r->rip, &f[2], fault);
    guest_put(bf.cs, &f[3], fault);
    guest_put(bf.rflags, &f[4], fault);
    guest_put(r->rsp, &f[5], fault);
    guest_put(r->ss, &f[6], fault);
    guest_access_end();
    frame_enter(r, &bf, handler, mask);
    return;

fault:
    guest_access_end();
    domain_crash(r, "cannot write a bounce frame at %lx (vector %lu)", (uint64_t)bf.f,
                 r->entry_vector);
}

/* Bounce vector vec through the trap table; no handler registered crashes the domain. */
void bounce_exception(struct cpu_regs *r, unsigned int vec, bool has_err, uint32_t err)
{
    const struct hv_trap *t = &hvv(current)->trap[vec & 0xff];
    if (!t->address)
        domain_crash(r, "Unhandled: vec %u, %s, error code %x", vec,
                     current->kernel_mode ? "kernel mode" : "user mode", err);
    r->entry_vector = vec;
    bounce_to(r, t->address, has_err, err, t->flags & 4);
}
