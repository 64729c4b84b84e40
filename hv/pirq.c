/*
 * hv/pirq.c - physical interrupts for the hardware domain: GSIs mapped to pirqs, pirqs bound
 * to event channels, each interrupt delivered as an event (Xen's pirq model, for IO-APIC
 * GSIs; the IO-APIC itself is io-apic.c).
 *
 * The domain asks, as Linux does for each GSI it finds in ACPI:
 *   PHYSDEVOP_map_pirq (GSI)  -> a pirq for the GSI      PHYSDEVOP_setup_gsi -> trigger/polarity
 *   EVTCHNOP_bind_pirq        -> an event channel; the IO-APIC pin is unmasked
 *   (interrupt)               -> the port is set pending on its vCPU
 *   PHYSDEVOP_eoi             -> a level-triggered pin is unmasked again
 *   EVTCHNOP_close, PHYSDEVOP_unmap_pirq -> the pin is masked again
 * Behaviour as Xen 4.17's, measured with guests/tests/pirq-gsi:
 *   - pirqs of the hardware domain number max(208 x CPUs, 8 x GSIs) (Xen's nr_irqs); a pirq
 *     or irq at or beyond that is -EINVAL everywhere;
 *   - map_pirq: only for the caller itself here (another domain: -ESRCH); types other than
 *     GSI -EINVAL (pvmm-hv has no MSI); a GSI no IO-APIC serves -EINVAL; pirq < 0 asks for
 *     one: the GSI's existing pirq, else the lowest free one from 16 up (-ENOSPC if none
 *     below the number of GSIs); a GSI mapped to another pirq -EEXIST; the same mapping
 *     again 0; a pirq already mapped to another GSI: 0 and nothing mapped (Xen's answer);
 *   - setup_gsi: a GSI no IO-APIC serves -EINVAL; once per GSI, then -EEXIST;
 *   - bind_pirq: pirq out of range -EINVAL, not mapped -EPERM, already bound -EEXIST;
 *   - irq_status_query: XENIRQSTAT_needs_eoi for every pirq in range (Xen tells every PV
 *     guest to EOI, whatever the trigger mode);
 *   - eoi of a pirq out of range or not mapped -EINVAL;
 *   - unmap_pirq of a pirq out of range or not mapped -EINVAL; a bound pirq is unmapped and
 *     its port stays a pirq port, delivering nothing, until closed;
 *   - apic_read: the IO-APIC at apic_physbase (-EINVAL if none), hardware domain only;
 *   - alloc_irq_vector (Linux calls it for each GSI it binds): the "vector" is the IRQ number
 *     itself, the real vectors being the hypervisor's business; hardware domain only.
 * Interrupts are acknowledged at once (edge) or masked until the domain's EOI (level: Xen's
 * "unmask" acknowledgement); the event is raised from PIRQ_SOFTIRQ, not from the interrupt.
 *   - pirq_eoi_gmfn_v1/v2 registers a page of the domain's (which the hypervisor keeps a
 *     writable reference to: -EINVAL if it cannot have one) as the EOI map, once (-EBUSY):
 *     bit n is set while pirq n waits for the domain's EOI (level-triggered ones only, as
 *     edge ones need none); with v1, an EOI also unmasks the pirq's port.
 * Differences from Xen: no MSI; the hypervisor uses no GSI of its own (Xen keeps its serial
 * port's, so setup_gsi of that GSI is -EEXIST there); apic_write is -ENOSYS; only the
 * hardware domain may have an EOI map (Xen lets any PV domain register one).
 */
#include "events.h"
#include "evtchn.h"
#include <xen/physdev.h>
#include <xen/event_channel.h>

#define PIRQ_NONE      0xffff
#define FIRST_DYN_PIRQ 16              /* Xen hands out GSI pirqs from here */
#define PIRQS_PER_CPU  208             /* Xen's dynamic vectors per CPU */

struct gsi_state {
    uint16_t pirq;                     /* PIRQ_NONE: not mapped */
    bool programmed;                   /* setup_gsi done */
    bool level, active_low;
    bool eoi_pending;                  /* level: masked until the domain's EOI */
};

static struct {
    struct domain *d;                  /* the hardware domain, once it has mapped a pirq */
    unsigned long lock;
    uint32_t nr_pirqs;
    uint16_t pirq_gsi[PIRQ_MAX_PIRQS]; /* PIRQ_NONE: not mapped */
    uint16_t pirq_port[PIRQ_MAX_PIRQS];/* 0: not bound */
    struct gsi_state gsi[PIRQ_MAX_GSIS];
    volatile uint64_t pending[PIRQ_MAX_GSIS / 64];   /* raised by the interrupt */
    uint64_t eoi_map_mfn;              /* 0: no EOI map registered */
    volatile uint64_t *eoi_map;        /* bit n: pirq n waits for its EOI */
    bool auto_unmask;                  /* registered with v1 */
} pirqs;

static void pirq_lock(void)
{
    while (__atomic_exchange_n(&pirqs.lock, 1, __ATOMIC_ACQUIRE))
        __builtin_ia32_pause();
}

static void pirq_unlock(void)
{
    __atomic_store_n(&pirqs.lock, 0, __ATOMIC_RELEASE);
}

/* Stop pirq's interrupts: the pin masked, no EOI owed.  Lock held. */
static void quiesce(uint32_t gsi)
{
    ioapic_set_masked(gsi, true);
    pirqs.gsi[gsi].eoi_pending = false;
}

static void eoi_map_set(uint32_t pirq, bool on)
{
    if (!pirqs.eoi_map)
        return;
    if (on)
        __atomic_fetch_or(&pirqs.eoi_map[pirq / 64], 1UL << (pirq % 64), __ATOMIC_SEQ_CST);
    else
        __atomic_fetch_and(&pirqs.eoi_map[pirq / 64], ~(1UL << (pirq % 64)), __ATOMIC_SEQ_CST);
}

/* PHYSDEVOP_pirq_eoi_gmfn_v1/v2: mfn becomes the domain's EOI map. */
static long register_eoi_map(uint64_t mfn, bool v1)
{
    struct vcpu *v = current;

    if (!v->domain->is_privileged)
        return -XEN_EPERM;
    if (mfn >= DIRECTMAP_SIZE >> PAGE_SHIFT || mmglue_get_writable_frame(v, mfn))
        return -XEN_EINVAL;
    pirq_lock();
    if (pirqs.eoi_map_mfn) {
        pirq_unlock();
        mmglue_put_writable_frame(v, mfn);
        return -XEN_EBUSY;
    }
    pirqs.eoi_map_mfn = mfn;
    pirqs.eoi_map = mfn_to_virt(mfn);
    pirqs.auto_unmask = v1;
    pirqs.d = v->domain;
    pirq_unlock();
    return 0;
}

/* d is going away: its pins masked, its EOI map given back (before the core's teardown). */
void pirq_domain_teardown(struct domain *d)
{
    if (pirqs.d != d)
        return;
    pirq_lock();
    for (uint32_t g = 0; g < ioapic_nr_gsis(); g++)
        if (pirqs.gsi[g].pirq != PIRQ_NONE)
            quiesce(g);
    pirq_unlock();
    if (pirqs.eoi_map_mfn)
        mmglue_put_writable_frame(&d->vcpu[0], pirqs.eoi_map_mfn);
    pirqs.eoi_map_mfn = 0;
    pirqs.eoi_map = NULL;
    pirqs.d = NULL;
}

void pirq_init(void)
{
    uint32_t n = PIRQS_PER_CPU * nr_cpus_online;

    if (n < 8 * ioapic_nr_gsis())
        n = 8 * ioapic_nr_gsis();
    pirqs.nr_pirqs = n < PIRQ_MAX_PIRQS ? n : PIRQ_MAX_PIRQS;
    memset(pirqs.pirq_gsi, 0xff, sizeof(pirqs.pirq_gsi));
    for (unsigned int g = 0; g < PIRQ_MAX_GSIS; g++) {
        pirqs.gsi[g].pirq = PIRQ_NONE;
        pirqs.gsi[g].level = g >= 16;          /* PCI GSIs: level, active low */
        pirqs.gsi[g].active_low = g >= 16;
    }
}

/* The domain `id` names for the caller, if it may have physical interrupts. */
static struct domain *pirq_domain(domid_t id)
{
    struct domain *d = current->domain;

    return id == DOMID_SELF || id == d->domain_id ? d : NULL;
}

static long map_pirq(struct physdev_map_pirq *m)
{
    struct domain *d = pirq_domain(m->domid);
    uint32_t gsi = (uint32_t)m->index;
    int32_t pirq = m->pirq;
    long rc = 0;

    if (!d)
        return -XEN_ESRCH;
    if (!d->is_privileged)
        return -XEN_EPERM;
    if (m->type != MAP_PIRQ_TYPE_GSI || m->index < 0 || gsi >= ioapic_nr_gsis())
        return -XEN_EINVAL;
    if (pirq >= (int32_t)pirqs.nr_pirqs)
        return -XEN_EINVAL;
    pirq_lock();
    pirqs.d = d;
    if (pirq < 0 && pirqs.gsi[gsi].pirq != PIRQ_NONE) {
        pirq = pirqs.gsi[gsi].pirq;
    } else if (pirq < 0) {
        for (pirq = FIRST_DYN_PIRQ; (uint32_t)pirq < ioapic_nr_gsis(); pirq++)
            if (pirqs.pirq_gsi[pirq] == PIRQ_NONE)
                break;
        if ((uint32_t)pirq >= ioapic_nr_gsis())
            rc = -XEN_ENOSPC;
    } else if (pirqs.gsi[gsi].pirq != PIRQ_NONE && pirqs.gsi[gsi].pirq != pirq) {
        rc = -XEN_EEXIST;
    }
    if (rc == 0 && pirqs.pirq_gsi[pirq] == PIRQ_NONE) {
        pirqs.pirq_gsi[pirq] = (uint16_t)gsi;
        pirqs.gsi[gsi].pirq = (uint16_t)pirq;
    }
    pirq_unlock();
    if (rc == 0)
        m->pirq = pirq;
    return rc;
}

static long unmap_pirq(const struct physdev_unmap_pirq *u)
{
    struct domain *d = pirq_domain(u->domid);
    uint32_t gsi;
    long rc = 0;

    if (!d)
        return -XEN_ESRCH;
    if (u->pirq < 0 || (uint32_t)u->pirq >= pirqs.nr_pirqs)
        return -XEN_EINVAL;
    pirq_lock();
    gsi = pirqs.pirq_gsi[u->pirq];
    if (gsi == PIRQ_NONE) {
        rc = -XEN_EINVAL;
    } else {
        quiesce(gsi);
        pirqs.gsi[gsi].pirq = PIRQ_NONE;
        pirqs.pirq_gsi[u->pirq] = PIRQ_NONE;
    }
    pirq_unlock();
    return rc;
}

static long setup_gsi(const struct physdev_setup_gsi *g)
{
    long rc = 0;

    if (!current->domain->is_privileged)
        return -XEN_EPERM;
    if (g->gsi < 0 || (uint32_t)g->gsi >= ioapic_nr_gsis())
        return -XEN_EINVAL;
    pirq_lock();
    if (pirqs.gsi[g->gsi].programmed) {
        rc = -XEN_EEXIST;
    } else {
        pirqs.gsi[g->gsi].programmed = true;
        pirqs.gsi[g->gsi].level = g->triggering != 0;
        pirqs.gsi[g->gsi].active_low = g->polarity != 0;
    }
    pirq_unlock();
    return rc;
}

/* EVTCHNOP_bind_pirq's checks, made before it allocates a port, so that a refusal leaves
 * nothing behind. */
long pirq_bind_check(struct domain *d, uint32_t pirq)
{
    long rc = 0;

    pirq_lock();
    if (pirq >= pirqs.nr_pirqs)
        rc = -XEN_EINVAL;
    else if (pirqs.pirq_gsi[pirq] == PIRQ_NONE || pirqs.d != d)
        rc = -XEN_EPERM;
    else if (pirqs.pirq_port[pirq])
        rc = -XEN_EEXIST;
    pirq_unlock();
    return rc;
}

/* Bind pirq (pirq_bind_check passed) to port: its pin routed and unmasked. */
void pirq_bind(uint32_t pirq, uint32_t port)
{
    uint32_t gsi;

    pirq_lock();
    gsi = pirqs.pirq_gsi[pirq];
    if (gsi != PIRQ_NONE) {
        pirqs.pirq_port[pirq] = (uint16_t)port;
        pirqs.gsi[gsi].eoi_pending = false;
        ioapic_route(gsi, pirqs.gsi[gsi].level, pirqs.gsi[gsi].active_low, false);
    }
    pirq_unlock();
}

/* The port of pirq is being closed. */
void pirq_unbind(struct domain *d, uint32_t pirq)
{
    uint32_t gsi;

    if (pirq >= pirqs.nr_pirqs || pirqs.d != d)
        return;
    pirq_lock();
    gsi = pirqs.pirq_gsi[pirq];
    if (gsi != PIRQ_NONE)
        quiesce(gsi);
    pirqs.pirq_port[pirq] = 0;
    pirq_unlock();
}

static long pirq_eoi(uint32_t pirq)
{
    uint32_t gsi, port;
    long rc = 0;

    if (pirq >= pirqs.nr_pirqs)
        return -XEN_EINVAL;
    pirq_lock();
    gsi = pirqs.pirq_gsi[pirq];
    if (gsi == PIRQ_NONE || pirqs.d != current->domain) {
        rc = -XEN_EINVAL;
    } else if (pirqs.gsi[gsi].eoi_pending) {
        pirqs.gsi[gsi].eoi_pending = false;
        eoi_map_set(pirq, false);
        if (pirqs.pirq_port[pirq])
            ioapic_set_masked(gsi, false);
    }
    port = rc == 0 && pirqs.auto_unmask ? pirqs.pirq_port[pirq] : 0;
    pirq_unlock();
    if (port)
        evtchn_unmask(current->domain, port);
    return rc;
}

/* The interrupt of GSI gsi (vector PIRQ_VECTOR_BASE + gsi): acknowledge, defer the event. */
void pirq_interrupt(uint32_t gsi)
{
    if (gsi < PIRQ_MAX_GSIS && pirqs.gsi[gsi].level)
        ioapic_set_masked(gsi, true);
    apic_eoi();
    if (gsi < PIRQ_MAX_GSIS) {
        __atomic_fetch_or(&pirqs.pending[gsi / 64], 1UL << (gsi % 64), __ATOMIC_SEQ_CST);
        raise_softirq(PIRQ_SOFTIRQ);
    }
}

/* PIRQ_SOFTIRQ: each GSI that fired becomes its bound port's event. */
void pirq_softirq_action(void)
{
    for (unsigned int w = 0; w < PIRQ_MAX_GSIS / 64; w++) {
        uint64_t bits = __atomic_exchange_n(&pirqs.pending[w], 0, __ATOMIC_SEQ_CST);

        while (bits) {
            uint32_t gsi = w * 64 + (uint32_t)__builtin_ctzll(bits), pirq, port;

            bits &= bits - 1;
            pirq_lock();
            pirq = pirqs.gsi[gsi].pirq;
            port = pirq != PIRQ_NONE ? pirqs.pirq_port[pirq] : 0;
            if (port && pirqs.gsi[gsi].level) {
                pirqs.gsi[gsi].eoi_pending = true;
                eoi_map_set(pirq, true);
            }
            pirq_unlock();
            if (port)
                send_guest_pirq(pirqs.d, pirq, port);
        }
    }
}

long hc_physdev_pirq(unsigned long cmd, uint64_t arg)
{
    union {
        struct physdev_map_pirq map;
        struct physdev_unmap_pirq unmap;
        struct physdev_setup_gsi gsi;
        struct physdev_irq_status_query q;
        struct physdev_eoi eoi;
        struct physdev_apic apic;
        struct physdev_irq irq;
        struct physdev_pirq_eoi_gmfn gmfn;
    } u;
    size_t len = cmd == PHYSDEVOP_map_pirq ? sizeof(u.map) :
                 cmd == PHYSDEVOP_unmap_pirq ? sizeof(u.unmap) :
                 cmd == PHYSDEVOP_setup_gsi ? sizeof(u.gsi) :
                 cmd == PHYSDEVOP_irq_status_query ? sizeof(u.q) :
                 cmd == PHYSDEVOP_eoi ? sizeof(u.eoi) :
                 cmd == PHYSDEVOP_alloc_irq_vector ? sizeof(u.irq) :
                 cmd == PHYSDEVOP_apic_read ? sizeof(u.apic) : sizeof(u.gmfn);
    long rc;

    if (copy_from_guest_va(&u, arg, len))
        return -XEN_EFAULT;
    switch (cmd) {
    case PHYSDEVOP_map_pirq:
        rc = map_pirq(&u.map);
        break;
    case PHYSDEVOP_unmap_pirq:
        return unmap_pirq(&u.unmap);
    case PHYSDEVOP_setup_gsi:
        return setup_gsi(&u.gsi);
    case PHYSDEVOP_eoi:
        return pirq_eoi(u.eoi.irq);
    case PHYSDEVOP_pirq_eoi_gmfn_v1:
    case PHYSDEVOP_pirq_eoi_gmfn_v2:
        return register_eoi_map(u.gmfn.gmfn, cmd == PHYSDEVOP_pirq_eoi_gmfn_v1);
    case PHYSDEVOP_alloc_irq_vector:
        if (!current->domain->is_privileged)
            return -XEN_EPERM;
        u.irq.vector = u.irq.irq;
        rc = 0;
        break;
    case PHYSDEVOP_irq_status_query:
        if (u.q.irq >= pirqs.nr_pirqs)
            return -XEN_EINVAL;
        u.q.flags = XENIRQSTAT_needs_eoi;
        rc = 0;
        break;
    default:                                   /* PHYSDEVOP_apic_read */
        if (!current->domain->is_privileged)
            return -XEN_EPERM;
        /* The argument is written back whatever the read gave, as on Xen. */
        rc = ioapic_read_reg(u.apic.apic_physbase, u.apic.reg, &u.apic.value) ? 0 : -XEN_EINVAL;
        break;
    }
    if (copy_to_guest_va(arg, &u, len))
        return -XEN_EFAULT;
    return rc;
}
