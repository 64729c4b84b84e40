/*
 * hv/traps.c - exceptions: from the hypervisor itself (fixup or panic) and from the guest
 * (handled here, emulated, or bounced to the guest's trap table).
 *
 * Nothing a guest does ends in panic(): an NMI, #DF or #MC taken while the guest runs ends
 * that domain (domain_crash, domain.c), and an NMI taken in the hypervisor is logged and
 * returned from (external interrupts go to do_IRQ, irq.c, in either context).  Only a fault of
 * the hypervisor's own code that no fix-up covers is a hypervisor bug, and panics.
 *
 * What the hypervisor handles itself (boot-ABI §9.4): #UD carrying the forced-emulation
 * prefix, #GP(0) from an emulated privileged instruction, #GP((n<<3)|2) from a permitted
 * `int $n`, and kernel writes to read-only L1 page tables (ptwr: the core decides whether the
 * domain may use it - VMASST_TYPE_writable_pagetables, or the hardware domain with or without
 * the assist, as Xen 4.17).  Everything else is bounced, with #PF's CR2
 * recorded and its U bit rewritten for the guest's mode (§9.3).
 */
#include "events.h"
#include <xen/xen.h>

static bool vector_has_error_code(unsigned int v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
}

static const char *const vector_names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "?9", "#TS", "#NP", "#SS",
    "#GP", "#PF", "?15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

static const char *vector_name(unsigned int vec)
{
    return vec < 32 && vector_names[vec] ? vector_names[vec] : "vector";
}

/* A page fault from the guest at cr2: ptwr emulation, or a bounce with CR2 recorded. */
static void guest_page_fault(struct cpu_regs *r, uint64_t cr2)
{
    struct vcpu *v = current;
    uint32_t err = (uint32_t)r->error_code;

    uint64_t windows = NR_DESC_WINDOWS * VCPU_DESC_PAGES * PAGE_SIZE;

    if (__builtin_expect(cr2 - PERDOMAIN_VIRT_START < windows, 0) &&
        cr2 - LDT_VIRT_START(desc_window(v)) < (16UL << 12)) {
        uint64_t guest_cr2;
        if (mmglue_ldt_fault(v, cr2, &guest_cr2))
            return;                       /* mapped lazily: retry the instruction */
        cr2 = guest_cr2;
    } else if (v->kernel_mode && (err & 0x3) == 0x3 && !(err & 0x18) && emulate_ptwr(r, cr2)) {
        return;                           /* the core decides whether ptwr applies */
    }
    hvv(v)->cr2 = cr2;
    hvv(v)->vcpu_info->arch.cr2 = cr2;
    err = v->kernel_mode ? err & ~4u : err | 4u;
    bounce_exception(r, 14, true, err);
}

/* `int $0x80` arrives through its DPL-3 gate: deliver it directly if registered (§9.5). */
static void guest_int80(struct cpu_regs *r)
{
    const struct hv_trap *t = &hvv(current)->trap[0x80];
    if (t->address) {
        bounce_to(r, t->address, false, 0, t->flags & 4);
        return;
    }
    r->rip -= 2;
    bounce_exception(r, 13, true, (0x80 << 3) | 2);
}

static void guest_exception(struct cpu_regs *r, uint64_t cr2)
{
    unsigned int vec = (unsigned int)r->entry_vector;
    uint32_t err = (uint32_t)r->error_code;

    switch (vec) {
    case 14:
        guest_page_fault(r, cr2);
        break;
    case 13:
        if (err == 0 && emulate_privileged_op(r))
            break;
        if ((err & 3) == 2 && emulate_soft_int(r))
            break;
        bounce_exception(r, 13, true, err);
        break;
    case 6:
        if (!emulate_forced_invalid_op(r))
            bounce_exception(r, 6, false, 0);
        break;
    case 7:
        hvv(current)->fpu_ts = false;
        write_cr0(read_cr0() & ~CR0_TS);
        bounce_exception(r, 7, false, 0);
        break;
    case 0x80:
        guest_int80(r);
        break;
    case 2:
    case 8:
    case 18:
        domain_crash(r, "%s while the domain ran", vector_name(vec));
    default:
        if (vec >= 32)      /* not reached: interrupts go to do_IRQ (irq.c) first */
            break;
        bounce_exception(r, vec, vector_has_error_code(vec), err);
        break;
    }
}

/*
 * The IRETQ that returns to the guest faulted (entry.S exit_iretq; r is the fault's frame, just
 * below the guest's).  The iret hypercall leaves the selectors of the guest's frame to the
 * CPU's own checks, as Xen does: a CS or SS it refuses (null, past the table, not code, not
 * writable data, a DPL other than 3, not present...) is #GP, #NP or #SS with the CPU's error
 * code, delivered to the guest with the frame it tried to return to, bad selectors included.
 * A #PF can only be the lazy mapping of an LDT page that a selector names: mapped, the exit is
 * made again; refused, the guest gets the #PF at its LDT address.  Anything else is a
 * hypervisor bug (false: the caller panics).  Never returns otherwise.
 */
extern const char exit_iretq[];

static bool exit_iretq_fault(struct cpu_regs *r, uint64_t cr2)
{
    struct vcpu *v = current;
    struct cpu_regs *g = guest_cpu_regs();
    unsigned int vec = (unsigned int)r->entry_vector;
    uint32_t err = (uint32_t)r->error_code;
    uint64_t gpr[offsetof(struct cpu_regs, entry_vector) / 8];

    if (vec != 11 && vec != 12 && vec != 13 && vec != 14)
        return false;
    if (vec == 14 && !(cr2 >= LDT_VIRT_START(v->vcpu_id) &&
                       cr2 < LDT_VIRT_START(v->vcpu_id) + (16UL << 12)))
        return false;
    /* The guest's registers were live in the CPU: the fault's frame has them.  It overlaps
     * the guest's frame (it was pushed just below it), so go through a copy. */
    memcpy(gpr, r, sizeof(gpr));
    memcpy(g, gpr, sizeof(gpr));
    g->entry_vector = vec;
    g->error_code = err;
    if (vec == 14) {
        local_irq_enable();               /* as for a guest's own fault on its LDT */
        guest_page_fault(g, cr2);
    } else {
        bounce_exception(g, vec, true, err);
    }
    exit_to_guest(g);
}

unsigned long hv_nmi_count;

/*
 * An NMI that arrived while the hypervisor ran (interrupt vectors, >= 32, are dispatched to
 * do_IRQ before this).  It is not the hypervisor's fault and needs nothing from it (no NMI
 * source is used), so it is counted, logged (the first few: an NMI storm must not become a
 * console storm) and returned from: the interrupted code resumes as if nothing happened.
 * (The NMI self-test for guest context re-arms its NMI here.)  Returns false for anything
 * else.
 */
static bool hypervisor_nmi(const struct cpu_regs *r)
{
    if (r->entry_vector != 2)
        return false;
    if (hv_nmi_count++ < 4)
        printk("pvmm: NMI in the hypervisor at %lx: ignored (%lu so far; only the first four "
               "are logged)\n", r->rip, hv_nmi_count);
    nmi_selftest_arm();
    return true;
}

void handle_exception(struct cpu_regs *r);

/* The C side of every IDT entry.  Returns only to hypervisor code it interrupted. */
void handle_exception(struct cpu_regs *r)
{
    uint64_t cr2;

    if (r->entry_vector >= FIRST_IRQ_VECTOR && r->entry_vector != 0x80) {
        do_IRQ(r);                        /* an interrupt, in guest or hypervisor context */
        if ((r->cs & 3) == 0)
            return;
        exit_to_guest(r);
    }
    if ((r->cs & 3) == 0) {
        unsigned int vec;
        if (r->rip == (uint64_t)exit_iretq &&
            exit_iretq_fault(r, r->entry_vector == 14 ? read_cr2() : 0))
            return;                       /* not reached */
        if (fixup_exception(r))
            return;
        if (r->entry_vector == 1) {
            /* A single-step trap that followed the guest into an entry path: drop it. */
            r->rflags &= ~X86_EFLAGS_TF;
            return;
        }
        if (hypervisor_nmi(r))
            return;
        vec = (unsigned int)r->entry_vector;
        printk("pvmm: hypervisor fault %s (vector %u)\n", vector_name(vec), vec);
        dump_regs(r);
        panic("fatal fault in the hypervisor");
    }
    /*
     * The guest ran with interrupts on, and so does the handling of its exception (as a
     * hypercall's): a TLB shootdown it starts waits for other CPUs, and IPIs reach this one
     * meanwhile.  CR2 is read first; an NMI, #DF or #MC ends the domain with them off.
     */
    cr2 = r->entry_vector == 14 ? read_cr2() : 0;
    if (r->entry_vector != 2 && r->entry_vector != 8 && r->entry_vector != 18)
        local_irq_enable();
    guest_exception(r, cr2);
    exit_to_guest(r);
}
