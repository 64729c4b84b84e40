/*
 * hv/mm-nocore.c - a stand-in for the memory-management core, used only when core/ does
 * not provide the domain set-up yet (mk/hv.mk picks this file or mm-core.c).
 *
 * Guest frames come from the boot allocator, the M2P is a plain array, the bootstrap L4
 * is trusted as the dom0 builder wrote it, and every memory-management hypercall returns
 * -ENOSYS.  Nothing here validates a guest page table: it exists to bring up the platform.
 */
#include "hv.h"
#include "boot.h"
#include <xen/xen.h>

static struct domain the_domain;
static uint64_t *m2p;
static uint64_t nr_frames;

struct pvmm_platform hv_platform;

void mmglue_init(void)
{
    nr_frames = max_ram_pfn;
    uint64_t first;
    unsigned int pages = (unsigned int)((nr_frames * 8 + PAGE_SIZE - 1) >> PAGE_SHIFT);
    m2p = alloc_boot_pages(pages, &first);
    memset(m2p, 0xff, (size_t)pages * PAGE_SIZE);
    mm_map_ro_mpt(m2p, nr_frames);
    hv_shared_info_mfn = alloc_boot_frame();
    hv_grant_mfn = alloc_boot_frame();
    printk("pvmm: no memory-management core linked: guest page tables are NOT validated\n");
}

bool mmglue_have_core(void)
{
    return false;
}

struct domain *mmglue_create_dom0(uint64_t nr_pages)
{
    struct domain *d = &the_domain;
    d->exists = true;
    d->is_privileged = true;
    d->max_pages = d->tot_pages = nr_pages;
    d->max_vcpus = 1;
    d->vcpu[0].domain = d;
    d->vcpu[0].kernel_mode = true;
    d->vcpu[0].guest_table = INVALID_MFN;
    d->vcpu[0].guest_table_user = INVALID_MFN;
    return d;
}

int mmglue_alloc_guest_frames(struct domain *d, uint64_t nr, uint64_t *mfns)
{
    (void)d;
    for (uint64_t i = 0; i < nr; i++)
        mfns[i] = alloc_boot_frame();
    return 0;
}

void mmglue_set_m2p(uint64_t mfn, uint64_t pfn)
{
    if (mfn < nr_frames)
        m2p[mfn] = pfn;
}

int mmglue_pin_bootstrap_l4(struct vcpu *v, uint64_t l4_mfn)
{
    v->guest_table = l4_mfn;
    return 0;
}

void mmglue_share_xen_page(struct domain *d, uint64_t mfn)
{
    (void)d;
    (void)mfn;
}

long mmglue_hypercall(struct cpu_regs *r, unsigned long nr, const uint64_t a[5], bool *handled)
{
    (void)r;
    (void)a;
    *handled = false;
    if (nr == __HYPERVISOR_vm_assist) {
        *handled = true;
        if (a[0] > VMASST_CMD_disable)
            return -XEN_ENOSYS;
        if (a[1] >= 64 || !((1UL << a[1]) & 0x10000003fUL))
            return -XEN_EINVAL;
        if (a[0] == VMASST_CMD_enable)
            dom0->vm_assist |= 1UL << a[1];
        else
            dom0->vm_assist &= ~(1UL << a[1]);
        return 0;
    }
    return 0;
}

int mmglue_ptwr(struct vcpu *v, uint64_t addr, uint64_t val, unsigned int bytes,
                bool is_cmpxchg, uint64_t old, uint64_t *actual)
{
    (void)v, (void)addr, (void)val, (void)bytes, (void)is_cmpxchg, (void)old, (void)actual;
    return PVMM_PTWR_NOT_PT;
}

bool mmglue_ldt_fault(struct vcpu *v, uint64_t cr2, uint64_t *guest_cr2)
{
    *guest_cr2 = v->ldt_base + (cr2 - LDT_VIRT_START);
    return false;
}

long mmglue_new_baseptr(struct vcpu *v, uint64_t mfn)
{
    (void)v;
    (void)mfn;
    return -XEN_ENOSYS;
}
