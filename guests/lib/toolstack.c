/*
 * toolstack.c: domctl, sysctl, and foreign mappings for privileged test guests (toolstack.h).
 */
#include <xen/errno.h>
#include <xen/memory.h>
#include <xen/sched.h>

#include "events.h"
#include "pagetable.h"
#include "runtime.h"
#include "string.h"
#include "toolstack.h"

void domctl_init(struct xen_domctl *op, uint32_t cmd, domid_t dom)
{
    memset(op, 0, sizeof(*op));
    op->cmd = cmd;
    op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op->domain = dom;
}

static unsigned int grant_version_limit = 1;

void domctl_set_grant_version(unsigned int max_version)
{
    grant_version_limit = max_version;
}

long domctl_create(domid_t want, uint32_t nr_vcpus, uint32_t cdf_flags)
{
    struct xen_domctl op;
    long rc;

    domctl_init(&op, XEN_DOMCTL_createdomain, want);
    op.u.createdomain.flags = cdf_flags;
    op.u.createdomain.max_vcpus = nr_vcpus;
    op.u.createdomain.max_evtchn_port = 1023;
    op.u.createdomain.max_grant_frames = 32;
    op.u.createdomain.max_maptrack_frames = 1024;
    op.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(grant_version_limit);
    rc = hypercall_domctl(&op);
    return rc ? rc : op.domain;
}

long domctl_simple(uint32_t cmd, domid_t dom)
{
    struct xen_domctl op;

    domctl_init(&op, cmd, dom);
    return hypercall_domctl(&op);
}

long domctl_destroy(domid_t dom)
{
    return domctl_simple(XEN_DOMCTL_destroydomain, dom);
}

long domctl_getinfo(domid_t dom, struct xen_domctl_getdomaininfo *info)
{
    struct xen_domctl op;
    long rc;

    domctl_init(&op, XEN_DOMCTL_getdomaininfo, dom);
    rc = hypercall_domctl(&op);
    if (!rc)
        *info = op.u.getdomaininfo;
    return rc;
}

long domctl_max_mem(domid_t dom, uint64_t kb)
{
    struct xen_domctl op;

    domctl_init(&op, XEN_DOMCTL_max_mem, dom);
    op.u.max_mem.max_memkb = kb;
    return hypercall_domctl(&op);
}

long domctl_max_vcpus(domid_t dom, uint32_t max)
{
    struct xen_domctl op;

    domctl_init(&op, XEN_DOMCTL_max_vcpus, dom);
    op.u.max_vcpus.max = max;
    return hypercall_domctl(&op);
}

long domctl_vcpuaffinity(uint32_t cmd, domid_t dom, uint32_t vcpu, uint32_t flags,
                         uint8_t *hard, uint8_t *soft, uint32_t nr_bits)
{
    struct xen_domctl op;

    domctl_init(&op, cmd, dom);
    op.u.vcpuaffinity.vcpu = vcpu;
    op.u.vcpuaffinity.flags = flags;
    op.u.vcpuaffinity.cpumap_hard.bitmap = (uint64_t)(uintptr_t)hard;
    op.u.vcpuaffinity.cpumap_hard.nr_bits = nr_bits;
    op.u.vcpuaffinity.cpumap_soft.bitmap = (uint64_t)(uintptr_t)soft;
    op.u.vcpuaffinity.cpumap_soft.nr_bits = nr_bits;
    return hypercall_domctl(&op);
}

long domctl_getvcpuinfo(domid_t dom, uint32_t vcpu, struct xen_domctl_getvcpuinfo *info)
{
    struct xen_domctl op;
    long rc;

    domctl_init(&op, XEN_DOMCTL_getvcpuinfo, dom);
    op.u.getvcpuinfo.vcpu = vcpu;
    rc = hypercall_domctl(&op);
    *info = op.u.getvcpuinfo;
    return rc;
}

long domctl_vcpucontext(uint32_t cmd, domid_t dom, uint32_t vcpu,
                        struct vcpu_guest_context *ctxt)
{
    struct xen_domctl op;

    domctl_init(&op, cmd, dom);
    op.u.vcpucontext.vcpu = vcpu;
    op.u.vcpucontext.ctxt = (uint64_t)(uintptr_t)ctxt;
    return hypercall_domctl(&op);
}

long domctl_pageframeinfo3(domid_t dom, xen_pfn_t *arr, uint64_t num)
{
    struct xen_domctl op;

    domctl_init(&op, XEN_DOMCTL_getpageframeinfo3, dom);
    op.u.getpageframeinfo3.num = num;
    op.u.getpageframeinfo3.array = (uint64_t)(uintptr_t)arr;
    return hypercall_domctl(&op);
}

long sysctl_physinfo(struct xen_sysctl_physinfo *pi)
{
    struct xen_sysctl op;
    long rc;

    memset(&op, 0, sizeof(op));
    op.cmd = XEN_SYSCTL_physinfo;
    op.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    rc = hypercall_sysctl(&op);
    if (!rc)
        *pi = op.u.physinfo;
    return rc;
}

uint64_t sysctl_free_pages(void)
{
    struct xen_sysctl_physinfo pi;

    return sysctl_physinfo(&pi) ? 0 : pi.free_pages;
}

/* How long a guest with its PV clock waits for a destroyed domain's frames: Xen frees the
 * last ones after an RCU grace period, which with several CPUs waits for the others. */
#define FREE_PAGES_WAIT_NS  (10ULL * 1000000000ULL)

uint64_t sysctl_free_pages_back(uint64_t want)
{
    struct xen_sysctl_physinfo pi;
    unsigned int tries;

    uint64_t end = pvclock_deadline(FREE_PAGES_WAIT_NS);

    pi.free_pages = 0;
    for (tries = 0; tries < 1000 || pvclock_before(end); tries++) {
        if (sysctl_physinfo(&pi))
            return 0;
        if (pi.free_pages >= want)
            break;
        hypercall_sched_op(SCHEDOP_yield, NULL);
    }
    return pi.free_pages;
}

long populate_foreign(domid_t dom, xen_pfn_t first_gpfn, unsigned long nr, xen_pfn_t *mfns)
{
    struct xen_memory_reservation r;
    unsigned long i;
    long rc;

    for (i = 0; i < nr; i++)
        mfns[i] = first_gpfn + i;
    memset(&r, 0, sizeof(r));
    r.extent_start = (uint64_t)(uintptr_t)mfns;
    r.nr_extents = nr;
    r.extent_order = 0;
    r.domid = dom;
    rc = hypercall_memory_op(XENMEM_populate_physmap, &r);
    return rc;
}

long map_foreign(unsigned long va, domid_t dom, unsigned long mfn, uint64_t flags)
{
    struct mmu_update req;
    uint64_t *e = pt_entry(va, 1);
    long rc;

    if (!e)
        return -XEN_EINVAL;
    req.ptr = virt_to_maddr(e) | MMU_NORMAL_PT_UPDATE;
    req.val = ((uint64_t)mfn << PAGE_SHIFT) | flags;
    rc = hypercall_mmu_update(&req, 1, NULL, dom);
    if (!rc)
        pt_invlpg(va);
    return rc;
}

long unmap_va(unsigned long va)
{
    return pt_update_va(va, 0, UVMF_INVLPG);
}

unsigned long alloc_map_slot(void)
{
    unsigned long va = (unsigned long)alloc_page();

    if (unmap_va(va))
        return 0;
    return va;
}

/* ---- a one-page domU ---- */

void code_mov_imm(struct code_buf *b, unsigned int reg, uint32_t imm)
{
    b->p[b->n++] = (uint8_t)(0xb8 + reg);          /* mov $imm, %e<reg> */
    memcpy(&b->p[b->n], &imm, 4);
    b->n += 4;
}

/* lea target(%rip), %r<reg> (reg 2 rdx, 6 rsi, 7 rdi); target an offset in the page. */
void code_lea(struct code_buf *b, unsigned int reg, uint32_t target)
{
    int32_t disp;

    b->p[b->n++] = 0x48;
    b->p[b->n++] = 0x8d;
    b->p[b->n++] = (uint8_t)(0x05 | (reg << 3));
    disp = (int32_t)(target - (b->n + 4));
    memcpy(&b->p[b->n], &disp, 4);
    b->n += 4;
}

/* mov %rax, target(%rip) */
void code_store_rax(struct code_buf *b, uint32_t target)
{
    int32_t disp;

    b->p[b->n++] = 0x48;
    b->p[b->n++] = 0x89;
    b->p[b->n++] = 0x05;
    disp = (int32_t)(target - (b->n + 4));
    memcpy(&b->p[b->n], &disp, 4);
    b->n += 4;
}

void code_bytes(struct code_buf *b, const uint8_t *bytes, unsigned int n)
{
    memcpy(&b->p[b->n], bytes, n);
    b->n += n;
}

long toolstack_tiny_domain(const struct code_buf *code, xen_pfn_t m[5], unsigned long slot)
{
    static struct vcpu_guest_context c;
    struct mmuext_op pin = { .cmd = MMUEXT_PIN_L4_TABLE };
    uint64_t *t = (uint64_t *)slot;
    long dom = domctl_create(0, 1, 0), rc;
    unsigned int i;

    if (dom <= 0)
        return dom ? dom : -XEN_EINVAL;
    rc = domctl_max_vcpus((domid_t)dom, 1);
    if (!rc)
        rc = domctl_max_mem((domid_t)dom, 5 * 4);
    if (!rc && populate_foreign((domid_t)dom, 0, 5, m) != 5)
        rc = -XEN_ENOMEM;
    for (i = 0; !rc && i < 5; i++) {
        rc = map_foreign(slot, (domid_t)dom, m[i], PTE_FLAGS_RW);
        if (rc)
            break;
        memset(t, 0, PAGE_SIZE);
        if (i < 4)
            t[0] = ((uint64_t)m[i + 1] << PAGE_SHIFT) | (i < 3 ? PDE_FLAGS : PTE_FLAGS_RW);
        else
            memcpy(t, code->p, code->n);
        unmap_va(slot);
    }
    pin.arg1.mfn = m[0];
    if (!rc)
        rc = hypercall_mmuext_op(&pin, 1, NULL, (unsigned int)dom);
    if (!rc) {
        memset(&c, 0, sizeof(c));
        c.flags = VGCF_IN_KERNEL | VGCF_online;
        c.user_regs.rip = 0;
        c.user_regs.rsp = PAGE_SIZE;
        c.user_regs.rflags = 0x202;
        c.user_regs.cs = FLAT_KERNEL_CS;
        c.user_regs.ss = FLAT_KERNEL_SS;
        c.kernel_ss = FLAT_KERNEL_SS;
        c.kernel_sp = PAGE_SIZE;
        c.ctrlreg[3] = (uint64_t)m[0] << PAGE_SHIFT;
        rc = domctl_vcpucontext(XEN_DOMCTL_setvcpucontext, (domid_t)dom, 0, &c);
    }
    if (rc) {
        domctl_destroy((domid_t)dom);
        return rc;
    }
    return dom;
}
