/*
 * hv/affinity.c - where a vCPU may run: its hard and soft affinity (XEN_DOMCTL_setvcpuaffinity,
 * getvcpuaffinity as struct xenctl_bitmap), dom0's temporary pinning (SCHEDOP_pin_override)
 * and where it is (XEN_DOMCTL_getvcpuinfo), with Xen 4.17's checks and error codes.
 *
 * Hard affinity is the set of CPUs a vCPU may run on: the scheduler (sched-rr.c) moves a vCPU
 * off a CPU outside it (sched_affinity_changed: at once when queued, at its CPU's next
 * schedule when running, at its wake-up when blocked or down) and an idle CPU takes only the
 * queued vCPUs that may run on it.  Soft affinity is a preference: a vCPU that has to move
 * goes to a CPU of both maps when there is one.  Both start as every CPU.
 *
 * The bitmaps are Xen's: nr_cpu_ids (here the CPUs started) bits count, read from and
 * written to the guest's bytes (a guest byte beyond them is ignored on input and written as
 * zero on output, a bit past them within the last byte dropped and written as zero); a
 * fault is -EFAULT.  setvcpuaffinity: a vCPU past max_vcpus
 * -EINVAL, one never created -ESRCH, flags naming neither map -EINVAL; FORCE first ends a
 * pin override; a hard map with no CPU that is online -EINVAL, either map on a vCPU pinned by
 * SCHEDOP_pin_override -EBUSY; the hard map is set (and the effective one, online and hard,
 * written back) before the soft map is read, and a soft map that cannot be read restores
 * the old hard one (as Xen); the soft map written back is soft, hard and online together.
 * getvcpuaffinity writes the maps as set (for both maps the result is the soft map's).
 *
 * SCHEDOP_pin_override (dom0 only, -EPERM otherwise): pcpu >= 0 pins the calling vCPU to
 * that CPU (-EINVAL if not one of the CPUs started, -EBUSY if pinned already), its hard
 * affinity saved; pcpu < 0 ends the pin and restores it (-EINVAL if not pinned).
 */
#include "events.h"
#include "domains.h"
#include <xen/domctl.h>
#include <xen/sched.h>

/* The bytes of a map that count: those holding bit nr_cpu_ids - 1 and below. */
static unsigned int map_bytes(void)
{
    return (nr_cpus_online + 7) / 8;
}

/* The bits of a map that count: one per CPU started. */
static cpumask_t cpu_bits(void)
{
    return nr_cpus_online >= 64 ? ~(cpumask_t)0 : (1UL << nr_cpus_online) - 1;
}

/* Read a xenctl_bitmap from the guest into *mask (Xen's xenctl_bitmap_to_bitmap). */
static long bitmap_from_guest(const struct xenctl_bitmap *b, cpumask_t *mask)
{
    unsigned int guest_bytes = (unsigned int)(((uint64_t)b->nr_bits + 7) / 8);
    unsigned int n = guest_bytes < map_bytes() ? guest_bytes : map_bytes();
    uint8_t bytes[sizeof(cpumask_t)] = { 0 };

    if (n && copy_from_guest_va(bytes, b->bitmap, n))
        return -XEN_EFAULT;
    if ((b->nr_bits & 7) && n == guest_bytes)
        bytes[n - 1] &= (uint8_t)~(0xffu << (b->nr_bits & 7));
    *mask = 0;
    for (unsigned int i = 0; i < n; i++)
        *mask |= (cpumask_t)bytes[i] << (8 * i);
    *mask &= cpu_bits();
    return 0;
}

/* Write mask to a guest xenctl_bitmap, zeroes past the CPUs' bytes (bitmap_to_xenctl_bitmap;
 * dom0's nr_bits may name a large area: the zeroes go in blocks). */
static long bitmap_to_guest(const struct xenctl_bitmap *b, cpumask_t mask)
{
    static const uint8_t zeroes[256];
    uint64_t guest_bytes = ((uint64_t)b->nr_bits + 7) / 8, i;
    uint8_t bytes[sizeof(cpumask_t)];

    mask &= cpu_bits();
    for (i = 0; i < sizeof(bytes); i++)
        bytes[i] = (uint8_t)(mask >> (8 * i));
    i = guest_bytes < map_bytes() ? guest_bytes : map_bytes();
    if (i && copy_to_guest_va(b->bitmap, bytes, i))
        return -XEN_EFAULT;
    while (i < guest_bytes) {
        uint64_t n = guest_bytes - i < sizeof(zeroes) ? guest_bytes - i : sizeof(zeroes);

        if (copy_to_guest_va(b->bitmap + i, zeroes, n))
            return -XEN_EFAULT;
        i += n;
    }
    return 0;
}

/* Set v's hard affinity (true) or soft affinity and let the scheduler place v again. */
static void set_affinity(struct vcpu *v, bool hard, cpumask_t mask)
{
    struct hv_vcpu *h = hvv(v);

    __atomic_store_n(hard ? &h->hard_affinity : &h->soft_affinity, mask, __ATOMIC_SEQ_CST);
    sched_affinity_changed(v);
}

/* Undo SCHEDOP_pin_override on v: 0, or -EINVAL if it is not pinned. */
static long end_pin_override(struct vcpu *v)
{
    struct hv_vcpu *h = hvv(v);

    if (!h->pin_override)
        return -XEN_EINVAL;
    h->pin_override = false;
    set_affinity(v, true, h->hard_saved);
    return 0;
}

static long setvcpuaffinity(struct vcpu *v, struct xen_domctl_vcpuaffinity *a)
{
    struct hv_vcpu *h = hvv(v);
    cpumask_t old_hard = h->hard_affinity, mask;
    long rc;

    if (a->flags & XEN_VCPUAFFINITY_FORCE)
        end_pin_override(v);
    if (a->flags & XEN_VCPUAFFINITY_HARD) {
        if ((rc = bitmap_from_guest(&a->cpumap_hard, &mask)) != 0)
            return rc;
        if (!(mask & cpu_online_map))
            return -XEN_EINVAL;
        if (h->pin_override)
            return -XEN_EBUSY;
        set_affinity(v, true, mask);
        if ((rc = bitmap_to_guest(&a->cpumap_hard, mask & cpu_online_map)) != 0)
            return rc;
    }
    if (a->flags & XEN_VCPUAFFINITY_SOFT) {
        rc = bitmap_from_guest(&a->cpumap_soft, &mask);
        if (!rc && h->pin_override)
            rc = -XEN_EBUSY;
        if (rc) {
            if (a->flags & XEN_VCPUAFFINITY_HARD)
                set_affinity(v, true, old_hard);
            return rc;
        }
        set_affinity(v, false, mask);
        return bitmap_to_guest(&a->cpumap_soft, mask & h->hard_affinity & cpu_online_map);
    }
    return 0;
}

/* XEN_DOMCTL_setvcpuaffinity and getvcpuaffinity on d (see the header). */
long domctl_vcpuaffinity(struct domain *d, struct xen_domctl *op)
{
    struct xen_domctl_vcpuaffinity *a = &op->u.vcpuaffinity;
    struct vcpu *v;
    long rc = 0;

    if (a->vcpu >= d->max_vcpus)
        return -XEN_EINVAL;
    if (a->vcpu >= hv_dom(d)->nr_vcpus)
        return -XEN_ESRCH;
    if (!(a->flags & (XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT)))
        return -XEN_EINVAL;
    v = &d->vcpu[a->vcpu];
    if (op->cmd == XEN_DOMCTL_setvcpuaffinity)
        return setvcpuaffinity(v, a);
    if (a->flags & XEN_VCPUAFFINITY_HARD)
        rc = bitmap_to_guest(&a->cpumap_hard, hvv(v)->hard_affinity);
    if (a->flags & XEN_VCPUAFFINITY_SOFT)
        rc = bitmap_to_guest(&a->cpumap_soft, hvv(v)->soft_affinity);
    return rc;
}

/* XEN_DOMCTL_getvcpuinfo: whether the vCPU is up, blocked, running, its CPU time and CPU. */
long domctl_getvcpuinfo(struct domain *d, struct xen_domctl *op)
{
    struct xen_domctl_getvcpuinfo *g = &op->u.getvcpuinfo;
    struct vcpu_runstate_info ri;
    struct vcpu *v;
    struct hv_vcpu *h;
    unsigned int cpu;

    if (g->vcpu >= d->max_vcpus)
        return -XEN_EINVAL;
    if (g->vcpu >= hv_dom(d)->nr_vcpus)
        return -XEN_ESRCH;
    v = &d->vcpu[g->vcpu];
    h = hvv(v);
    runstate_get(v, &ri);
    cpu = __atomic_load_n(&h->processor, __ATOMIC_ACQUIRE);
    g->online = !h->down;
    g->blocked = h->blocked;
    g->running = percpu_area[cpu].curr == v;
    g->cpu_time = ri.time[RUNSTATE_running];
    g->cpu = cpu;
    return 0;
}

/* SCHEDOP_pin_override of the calling vCPU v (see the header). */
long sched_pin_override(struct vcpu *v, uint64_t arg)
{
    struct sched_pin_override p;
    struct hv_vcpu *h = hvv(v);

    if (v->domain->domain_id != 0)
        return -XEN_EPERM;
    if (copy_from_guest_va(&p, arg, sizeof(p)))
        return -XEN_EFAULT;
    if (p.pcpu < 0)
        return end_pin_override(v);
    if ((unsigned int)p.pcpu >= nr_cpus_online || !(cpu_online_map & (1UL << p.pcpu)))
        return -XEN_EINVAL;
    if (h->pin_override)
        return -XEN_EBUSY;
    h->hard_saved = h->hard_affinity;
    h->pin_override = true;
    set_affinity(v, true, 1UL << p.pcpu);
    return 0;
}
