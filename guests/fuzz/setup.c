/*
 * setup.c: the fuzzing guest builds its world (fuzz.h) before the first operation.
 *
 *   pool       NR_POOL fresh pages, mapped writable at their natural VAs;
 *   fuzz tree  pool[0] an L3, pool[1] an L2 under it, pool[2] and pool[3] L1s mapping pool
 *              pages 8-12, hooked into slot FUZZ_SLOT of the bootstrap L4 and of its copy;
 *   copy L4    a second L4 with the bootstrap L4's guest slots, pinned (NEW_BASEPTR target);
 *   big tree   an L3 -> L2 -> BIG_L1S L1s each mapping pool pages 16-23 writable 64 times
 *              (its pin validates BIG_L1S * 512 entries: preemptible);
 *   grants     a one-frame grant table mapped, slots for host mappings (ops-grant.c);
 *   events     shared_info mapped, VIRQ_TIMER bound, events unmasked.
 */
#include <xen/memory.h>
#include <xen/vcpu.h>

#include "fuzz.h"

__attribute__((noreturn)) static void setup_fail(const char *what, long rc)
{
    xtf_error("setup: %s: %ld", what, rc);
    xtf_exit();
}

static void hook(uint64_t *table, unsigned int idx, unsigned long mfn, uint64_t flags)
{
    long rc = pt_write_entry(&table[idx], ((uint64_t)mfn << PAGE_SHIFT) | flags);

    if (rc)
        setup_fail("hooking a table", rc);
}

static void build_fuzz_tree(void)
{
    uint64_t *l3 = pool_va(0), *l2 = pool_va(1), *l1a = pool_va(2), *l1b = pool_va(3);
    unsigned int i;
    long rc = 0;

    l3[0] = ((uint64_t)pool_mfn(1) << PAGE_SHIFT) | PDE_FLAGS;
    l2[0] = ((uint64_t)pool_mfn(2) << PAGE_SHIFT) | PDE_FLAGS;
    l2[1] = ((uint64_t)pool_mfn(3) << PAGE_SHIFT) | PDE_FLAGS;
    for (i = 0; i < 4; i++)
        l1a[i] = ((uint64_t)pool_mfn(8 + i) << PAGE_SHIFT) | PTE_FLAGS_RW;
    l1b[0] = ((uint64_t)pool_mfn(12) << PAGE_SHIFT) | PTE_FLAGS_RO;
    for (i = 4; i > 0 && !rc; i--)       /* L1s first, the L3 last */
        rc = pt_make_ro(pool_va(i - 1));
    if (rc)
        setup_fail("sealing the fuzz tree", rc);
    hook(own_virt(W.boot_l4), FUZZ_SLOT, pool_mfn(0), PDE_FLAGS);
    hook(own_virt(W.copy_l4), FUZZ_SLOT, pool_mfn(0), PDE_FLAGS);
}

static void build_copy_l4(void)
{
    const uint64_t *boot = own_virt(W.boot_l4);
    uint64_t *copy = alloc_page();
    long rc;

    pt_copy_l4_guest_slots(copy, boot);
    rc = pt_make_ro(copy);
    if (!rc)
        rc = pt_pin(4, virt_to_mfn(copy));
    if (rc)
        setup_fail("pinning the copy of the L4", rc);
    W.copy_l4 = virt_to_mfn(copy);
    W.copy_pinned = 4;
}

static void build_big_tree(void)
{
    uint64_t *l3 = alloc_page(), *l2 = alloc_page(), *l1[BIG_L1S];
    unsigned int i, j;
    long rc = 0;

    for (i = 0; i < BIG_L1S; i++) {
        l1[i] = alloc_page();
        for (j = 0; j < PT_ENTRIES; j++)
            l1[i][j] = ((uint64_t)pool_mfn(16 + j % 8) << PAGE_SHIFT) | PTE_FLAGS_RW;
        l2[i] = ((uint64_t)virt_to_mfn(l1[i]) << PAGE_SHIFT) | PDE_FLAGS;
        W.big_l1[i] = virt_to_mfn(l1[i]);
    }
    l3[0] = ((uint64_t)virt_to_mfn(l2) << PAGE_SHIFT) | PDE_FLAGS;
    for (i = 0; i < BIG_L1S && !rc; i++)
        rc = pt_make_ro(l1[i]);
    if (!rc)
        rc = pt_make_ro(l2);
    if (!rc)
        rc = pt_make_ro(l3);
    if (rc)
        setup_fail("sealing the big tree", rc);
    W.big_l3 = virt_to_mfn(l3);
    W.big_l2 = virt_to_mfn(l2);
}

static void find_m2p(void)
{
    unsigned long *list = (unsigned long *)scratch;
    struct xen_machphys_mfn_list req = {
        .max_extents = 1, .extent_start = (uint64_t)(uintptr_t)list,
    };
    long rc = hypercall_memory_op(XENMEM_machphys_mfn_list, &req);

    if (rc || req.nr_extents != 1)
        setup_fail("machphys_mfn_list", rc);
    W.m2p_mfn = list[0];
    rc = hypercall_memory_op(XENMEM_machphys_mapping, scratch);
    if (rc)
        setup_fail("machphys_mapping", rc);
    W.max_mfn = ((struct xen_machphys_mapping *)scratch)->max_mfn;
}

void world_init(void)
{
    struct vcpu_set_periodic_timer per = { .period_ns = 1000000 };
    unsigned int i, port;
    long rc;

    scratch = alloc_page();
    for (i = 0; i < NR_POOL; i++)
        W.pool_pfn[i] = alloc_pfn();
    W.si_mfn = start_info->shared_info >> PAGE_SHIFT;
    W.boot_l4 = pt_current_l4_mfn();
    W.boot_pinned = 4;
    find_m2p();
    build_copy_l4();
    build_fuzz_tree();
    build_big_tree();
    grant_init();

    rc = events_init();
    if (!rc)
        rc = evtchn_bind_virq(VIRQ_TIMER, 0, &port);
    if (rc)
        setup_fail("events", rc);
    W.ports[W.nr_ports++] = port;
    /* A 1 ms timer: long operations are preempted and continued many times. */
    rc = hypercall_vcpu_op(VCPUOP_set_periodic_timer, 0, &per);
    if (rc)
        setup_fail("periodic timer", rc);
    events_unmask();
    W.upcalls_at_start = upcall_count;
    touch_all();
    shadow_after_op();
}
