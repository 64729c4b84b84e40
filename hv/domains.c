/*
 * hv/domains.c - the list of domains: ids, creation of a domU (createdomain), its vCPUs
 * (max_vcpus), its destruction (destroydomain) and the lookup by id that every domctl makes.
 *
 * A domU's shared_info is a hypervisor frame lent to it (PGC_xen_heap, as Xen's xenheap
 * page): one per possible domU is taken from the boot allocator, so creating a domain needs
 * no allocation, and the core gives the frame back to the hypervisor when the domain's
 * teardown drops its last reference.  Every domain shares dom0's per-domain L3 (slot 260:
 * the GDT and LDT window), which the hypervisor refills for whichever vCPU runs.
 *
 * Destruction follows Xen's domain_kill: the domain is paused (waiting until none of its
 * vCPUs runs on any CPU) and marked dying, its timers stop, the
 * core releases every reference the domain holds (preemptible: the domctl is continued),
 * and its frames go back to the free pool.  Frames another domain still references (a
 * foreign mapping dom0 did not drop) stay the dying domain's: the domain is then a zombie,
 * still found by id with XEN_DOMINF_dying, and disappears at the first lookup after the last
 * such reference went, or at the next domctl or physinfo, which reap every such zombie first
 * (Xen frees it when its last page goes: physinfo's free pages come back without a lookup).
 */
#include "events.h"
#include "domains.h"
#include "boot.h"

struct hv_domain hv_domains[PVMM_MAX_DOMAINS];
static struct hv_vcpu domu_vcpus[PVMM_MAX_DOMAINS][PVMM_MAX_VCPUS];
static uint64_t domu_shared_info[PVMM_MAX_DOMAINS];

void domains_reserve_frames(void)
{
    for (unsigned int i = 1; i < PVMM_MAX_DOMAINS; i++)
        domu_shared_info[i] = alloc_boot_frame();
}

void domains_add_dom0(struct domain *d)
{
    struct hv_domain *hd = hv_dom(d);

    memset(hd, 0, sizeof(*hd));
    hd->in_use = true;
    hd->shutdown_code = SHUTDOWN_CODE_NONE;
    hd->nr_vcpus = d->max_vcpus;
    hd->shared_info_mfn = hv_shared_info_mfn;
    rangeset_init(&hd->ioport_caps);
    rangeset_add_range(&hd->ioport_caps, 0, 0xffff);
    ioports_deny_hypervisor_ports(&hd->ioport_caps);
}

bool ioports_access_permitted(const struct domain *d, unsigned int first, unsigned int last)
{
    return rangeset_contains_range(&hv_dom(d)->ioport_caps, first, last);
}

void domain_pause_by_controller(struct domain *d)
{
    struct hv_domain *hd = hv_dom(d);

    __atomic_fetch_add(&hd->pause_count, 1, __ATOMIC_SEQ_CST);
    for (unsigned int i = 0; i < hd->nr_vcpus; i++)
        if (d->vcpu[i].plat)
            vcpu_sleep_sync(&d->vcpu[i]);
}

/* A sealed domain's launch was refused: say who still maps what (the core's reason). */
static void print_refused_launch(struct domain *d)
{
    char buf[512];

    pvmm_reason_format(pvmm_last_reason(current), buf, sizeof(buf));
    printk("pvmm: domain %u: unpause refused:\n%s\n", d->domain_id, buf);
}

int domain_unpause_by_controller(struct domain *d)
{
    struct hv_domain *hd = hv_dom(d);
    int rc;

    if (!hd->pause_count)
        return -XEN_EINVAL;
    /* The unpause that lets a sealed domain run is its launch (core/sealed-launch.c). */
    if (hd->pause_count == 1) {
        rc = pvmm_domain_launch(current, d);
        if (rc) {
            print_refused_launch(d);
            return rc;
        }
    }
    if (--hd->pause_count == 0)
        for (unsigned int i = 0; i < hd->nr_vcpus; i++)
            vcpu_wake(&d->vcpu[i]);
    return 0;
}

void domu_shutdown(struct domain *d, unsigned int reason)
{
    struct hv_domain *hd = hv_dom(d);

    if (hd->shut_down)
        return;
    hd->shut_down = true;
    hd->shutdown_code = reason & 0xff;
    printk("pvmm: domain %u shutdown: code %u\n", d->domain_id, reason & 0xff);
    for (unsigned int i = 0; i < hd->nr_vcpus; i++)
        vcpu_sleep(&d->vcpu[i]);
    raise_softirq(SCHEDULE_SOFTIRQ);
}

/* The id is free again: forget the hypervisor's state of the domain. */
static void release_slot(struct domain *d)
{
    struct hv_domain *hd = hv_dom(d);

    for (unsigned int i = 0; i < PVMM_MAX_VCPUS; i++)
        d->vcpu[i].plat = NULL;
    hd->in_use = false;
    hd->zombie = false;
}

/* The core's auditor over the whole machine once a domain is gone: a violation is the
 * hypervisor's own accounting gone wrong, never a guest's doing. */
static void audit_after_destroy(domid_t domid)
{
    if (mmglue_audit("after destroying a domain"))
        panic("the auditor found violations after destroying domain %u", domid);
}

struct domain *domain_by_id(domid_t domid)
{
    struct domain *d;

    if (domid >= PVMM_MAX_DOMAINS || !hv_domains[domid].in_use)
        return NULL;
    d = pvmm_domain_lookup(mmglue_core(), domid);
    if (!d)
        return NULL;
    if (hv_domains[domid].zombie) {
        int rc;

        do
            rc = pvmm_domain_destroy(d);
        while (rc == -XEN_ERESTART);
        if (rc == 0) {
            printk("pvmm: domain %u: its last foreign reference went: destroyed\n", domid);
            release_slot(d);
            audit_after_destroy(domid);
            return NULL;
        }
    }
    return d;
}

void domains_reap_zombies(void)
{
    for (domid_t id = 1; id < PVMM_MAX_DOMAINS; id++)
        if (hv_domains[id].in_use && hv_domains[id].zombie)
            domain_by_id(id);
}

int domain_create_domu(domid_t domid, unsigned int nr_vcpus)
{
    struct pvmm_state *s = mmglue_core();
    struct hv_domain *hd = &hv_domains[domid % PVMM_MAX_DOMAINS];
    struct shared_info *si;
    struct domain *d;

    if (domid == 0 || domid >= PVMM_MAX_DOMAINS)
        return -XEN_EINVAL;
    if (hd->in_use)
        return -XEN_EEXIST;
    d = pvmm_domain_create(s, domid, false, 0, nr_vcpus);
    if (!d)
        return -XEN_EINVAL;
    memset(hd, 0, sizeof(*hd));
    hd->in_use = true;
    hd->shutdown_code = SHUTDOWN_CODE_NONE;
    hd->pause_count = 1;
    hd->shared_info_mfn = domu_shared_info[domid];
    rangeset_init(&hd->ioport_caps);
    d->perdomain_l3 = mm_perdomain_l3_mfn();
    si = mfn_to_virt(hd->shared_info_mfn);
    memset(si, 0, PAGE_SIZE);
    for (unsigned int i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
        si->vcpu_info[i].evtchn_upcall_mask = 1;
    time_init_wallclock(si);
    evtchn_init_domain(d, si);
    pvmm_share_xen_page(s, hd->shared_info_mfn, d, true);
    printk("pvmm: domain %u created (%u vCPUs possible, shared_info %lx)\n", domid, nr_vcpus,
           hd->shared_info_mfn);
    return 0;
}

void domain_alloc_vcpus(struct domain *d, unsigned int n)
{
    struct hv_domain *hd = hv_dom(d);
    struct shared_info *si = mfn_to_virt(hd->shared_info_mfn);

    for (unsigned int i = hd->nr_vcpus; i < n; i++) {
        struct hv_vcpu *h = &domu_vcpus[d->domain_id % PVMM_MAX_DOMAINS][i];

        memset(h, 0, sizeof(*h));
        hv_vcpu_setup(&d->vcpu[i], h, &si->vcpu_info[i], 0);
    }
    if (n > hd->nr_vcpus)
        hd->nr_vcpus = n;
}

int domain_destroy_domu(struct domain *d)
{
    struct hv_domain *hd = hv_dom(d);
    int rc;

    if (!d->is_dying) {
        domain_pause_by_controller(d);  /* Xen's domain_kill: none of its vCPUs runs now */
        evtchn_destroy(d);              /* first: then no event reaches its vcpu_infos */
        vcpu_events_teardown(d);
        sched_drop_domain(d);           /* no CPU keeps its page tables in CR3 */
        for (unsigned int i = 0; i < hd->nr_vcpus; i++)
            d->vcpu[i].online = false;
    }
    rc = pvmm_domain_destroy(d);
    if (rc == -XEN_ERESTART)
        return rc;
    if (rc == -XEN_EBUSY) {
        if (!hd->zombie)
            printk("pvmm: domain %u destroyed; %lu frames still referenced by others\n",
                   d->domain_id, d->tot_pages);
        hd->zombie = true;
        return 0;
    }
    printk("pvmm: domain %u destroyed: %lu frames free\n", d->domain_id,
           mmglue_core()->nr_free);
    release_slot(d);
    audit_after_destroy(d->domain_id);
    return 0;
}
