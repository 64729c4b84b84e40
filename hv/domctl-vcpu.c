/*
 * hv/domctl-vcpu.c - a domU vCPU's context (XEN_DOMCTL_setvcpucontext, getvcpucontext: the
 * PV64 struct vcpu_guest_context) and the type of a domain's frames
 * (XEN_DOMCTL_getpageframeinfo3), with Xen 4.17's checks.
 *
 * setvcpucontext is Xen's arch_set_info_guest for a 64-bit PV vCPU, the same code as
 * VCPUOP_initialise (vcpu-context.c: canonical addresses, the LDT, then the GDT frames and
 * both L4s taken through the core, nothing held on failure; a vCPU that has a context
 * already -EEXIST), on another domain's existing vCPU (-EINVAL otherwise), with vm_assist
 * taken from vCPU 0's context; a null context (Xen's vCPU reset) is not implemented
 * (-EOPNOTSUPP).  getvcpucontext gives back the saved state of a vCPU that is not running
 * (-ENODATA before any context).
 */
#include "events.h"
#include "domains.h"
#include <xen/domctl.h>
#include <xen/callback.h>

static struct vcpu_guest_context ctx;

static long setvcpucontext(struct domain *d, struct vcpu *v, uint64_t guest_ctx)
{
    long rc;

    if (!guest_ctx)
        return -XEN_EOPNOTSUPP;
    if (copy_from_guest_va(&ctx, guest_ctx, sizeof(ctx)))
        return -XEN_EFAULT;
    rc = vcpu_initialise(v, guest_ctx);
    if (rc)
        return rc;
    if (v->vcpu_id == 0)
        d->vm_assist = ctx.vm_assist;
    printk("pvmm: domain %u vCPU %u: context set, L4 %lx, rip %lx%s\n", d->domain_id,
           v->vcpu_id, v->guest_table, ctx.user_regs.rip, hvv(v)->down ? "" : ", online");
    return 0;
}

static long getvcpucontext(struct domain *d, struct vcpu *v, uint64_t guest_ctx)
{
    const struct hv_vcpu *h = hvv(v);
    const struct cpu_regs *r = &h->regs;
    struct cpu_user_regs *u = &ctx.user_regs;

    if (!h->initialised)
        return -XEN_ENODATA;
    memset(&ctx, 0, sizeof(ctx));
    ctx.flags = (v->kernel_mode ? VGCF_IN_KERNEL : 0) | (h->down ? 0 : VGCF_online);
    u->r15 = r->r15; u->r14 = r->r14; u->r13 = r->r13; u->r12 = r->r12;
    u->rbp = r->rbp; u->rbx = r->rbx; u->r11 = r->r11; u->r10 = r->r10;
    u->r9 = r->r9; u->r8 = r->r8; u->rax = r->rax; u->rcx = r->rcx;
    u->rdx = r->rdx; u->rsi = r->rsi; u->rdi = r->rdi;
    u->rip = r->rip;
    u->cs = (uint16_t)r->cs;
    u->rflags = r->rflags | ((uint64_t)h->iopl << 12);
    u->rsp = r->rsp;
    u->ss = (uint16_t)r->ss;
    u->ds = h->ds; u->es = h->es; u->fs = h->fs; u->gs = h->gs;
    for (unsigned int i = 0; i < 256; i++) {
        ctx.trap_ctxt[i].vector = (uint8_t)i;
        ctx.trap_ctxt[i].flags = h->trap[i].flags;
        ctx.trap_ctxt[i].cs = FLAT_KERNEL_CS;
        ctx.trap_ctxt[i].address = h->trap[i].address;
    }
    ctx.ldt_base = v->ldt_base;
    ctx.ldt_ents = v->ldt_ents;
    for (unsigned int i = 0; i < PVMM_GDT_FRAMES; i++)
        ctx.gdt_frames[i] = v->gdt_frames[i] == INVALID_MFN ? 0 : v->gdt_frames[i];
    ctx.gdt_ents = v->gdt_ents;
    ctx.kernel_ss = h->kernel_ss;
    ctx.kernel_sp = h->kernel_sp;
    ctx.ctrlreg[3] = v->guest_table == INVALID_MFN ? 0 : v->guest_table << PAGE_SHIFT;
    ctx.ctrlreg[1] = v->guest_table_user == INVALID_MFN ? 0 : v->guest_table_user << PAGE_SHIFT;
    ctx.event_callback_eip = h->cb_event;
    ctx.failsafe_callback_eip = h->cb_failsafe;
    ctx.syscall_callback_eip = h->cb_syscall;
    ctx.vm_assist = d->vm_assist;
    ctx.fs_base = h->fs_base;
    ctx.gs_base_kernel = v->kernel_mode ? h->gs_base : h->shadow_gs_base;
    ctx.gs_base_user = v->kernel_mode ? h->shadow_gs_base : h->gs_base;
    return copy_to_guest_va(guest_ctx, &ctx, sizeof(ctx)) ? -XEN_EFAULT : 0;
}

long domctl_vcpucontext(struct domain *d, struct xen_domctl *op);
long domctl_vcpucontext(struct domain *d, struct xen_domctl *op)
{
    uint32_t id = op->u.vcpucontext.vcpu;

    if (d == current->domain || id >= d->max_vcpus)
        return -XEN_EINVAL;
    if (id >= hv_dom(d)->nr_vcpus)
        return op->cmd == XEN_DOMCTL_setvcpucontext ? -XEN_EINVAL : -XEN_ESRCH;
    if (op->cmd == XEN_DOMCTL_setvcpucontext)
        return setvcpucontext(d, &d->vcpu[id], op->u.vcpucontext.ctxt);
    return getvcpucontext(d, &d->vcpu[id], op->u.vcpucontext.ctxt);
}

/* The XEN_DOMCTL_PFINFO_* word of frame mfn for d: XTAB unless d owns it (and it is not a
 * hypervisor page lent to d), else its page-table level and whether it is pinned. */
static uint64_t frame_type(struct domain *d, uint64_t mfn)
{
    const struct page_info *pg = pvmm_frame(mmglue_core(), mfn);
    uint64_t type;

    if (!pg || pg->owner != d->domain_id || !(pg->count_info & PGC_count_mask) ||
        (pg->count_info & PGC_xen_heap))
        return XEN_DOMCTL_PFINFO_XTAB;
    switch (pg->type_info & PGT_type_mask) {
    case PGT_l1_page_table: type = XEN_DOMCTL_PFINFO_L1TAB; break;
    case PGT_l2_page_table: type = XEN_DOMCTL_PFINFO_L2TAB; break;
    case PGT_l3_page_table: type = XEN_DOMCTL_PFINFO_L3TAB; break;
    case PGT_l4_page_table: type = XEN_DOMCTL_PFINFO_L4TAB; break;
    default:                type = XEN_DOMCTL_PFINFO_NOTAB; break;
    }
    if (pg->type_info & PGT_pinned)
        type |= XEN_DOMCTL_PFINFO_LPINTAB;
    return type;
}

long domctl_getpageframeinfo3(struct domain *d, struct xen_domctl *op);
long domctl_getpageframeinfo3(struct domain *d, struct xen_domctl *op)
{
    uint64_t num = op->u.getpageframeinfo3.num, arr = op->u.getpageframeinfo3.array;

    if (num > 1024)
        return -XEN_E2BIG;
    for (uint64_t i = 0; i < num; i++) {
        uint64_t mfn, type;

        if (copy_from_guest_va(&mfn, arr + 8 * i, 8))
            return -XEN_EFAULT;
        type = frame_type(d, mfn);
        if (copy_to_guest_va(arr + 8 * i, &type, 8))
            return -XEN_EFAULT;
    }
    return 0;
}
