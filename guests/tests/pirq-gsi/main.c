/*
 * pirq-gsi: a device interrupt delivered to the hardware domain as an event, the way a Linux
 * dom0 sets up every GSI it finds in ACPI (map_pirq, setup_gsi, bind_pirq, EOI).
 *
 * The interrupt is the PS/2 keyboard's (GSI 1): the guest turns the i8042's keyboard
 * interrupt on and has the controller put a byte in its output buffer (command 0xd2), which
 * raises IRQ 1; the hypervisor must turn it into an event on the port bound to the pirq.
 * Measured on Xen 4.17 under QEMU (and asserted here):
 *   - irq_status_query: needs_eoi for every pirq in range, mapped or not; out of range -EINVAL;
 *   - apic_read of the IO-APIC's version register works; of no IO-APIC -EINVAL;
 *   - map_pirq: another domain -ESRCH; a type other than GSI (here MSI of no device), a GSI
 *     beyond the IO-APIC's pins, a pirq out of range: -EINVAL; pirq -1 gives the lowest free
 *     pirq from 16, and the same one again for the same GSI; the same mapping twice is 0; a
 *     GSI mapped to another pirq -EEXIST; a pirq mapped to another GSI: 0, and nothing mapped;
 *   - setup_gsi once per GSI (then -EEXIST), a GSI beyond the pins -EINVAL;
 *   - bind_pirq of a pirq not mapped -EPERM, out of range -EINVAL, bound twice -EEXIST; the
 *     port's status is pirq;
 *   - the keyboard interrupt arrives as an event on that port;
 *   - eoi: 0 for a mapped pirq, -EINVAL for one not mapped or out of range;
 *   - unmap_pirq of a bound pirq is 0 and its port stays a pirq port until closed; unmapping
 *     again -EINVAL;
 *   - pirq_eoi_gmfn_v2: a page the guest could not map writable (its pinned L4) -EINVAL, a
 *     page of its own 0, a second one -EBUSY (and the pinned L4 still -EINVAL); an edge
 *     interrupt sets no bit in that map.
 */
#include "guest.h"
#include "events.h"
#include <xen/physdev.h>

const char test_title[] = "physical interrupts: map_pirq, setup_gsi, bind_pirq, an i8042 IRQ";

#define IOAPIC_BASE   0xfec00000UL
#define KBD_DATA      0x60
#define KBD_STATUS    0x64
#define KBD_OBF       0x01            /* output buffer full */
#define SPINS         20000000u

static volatile unsigned int got_port;

static void handler(unsigned int port, const struct cpu_regs *regs)
{
    (void)regs;
    got_port = port;
}

static long physdev(unsigned int cmd, void *arg)
{
    return _hypercall2(__HYPERVISOR_physdev_op, cmd, arg);
}

static void check_rc(const char *what, long rc, long want)
{
    if (rc != want)
        xtf_failure("%s: %ld, expected %ld", what, rc, want);
}

static long map(domid_t dom, int type, int gsi, int pirq, int *out)
{
    struct physdev_map_pirq m = { .domid = dom, .type = type, .index = gsi, .pirq = pirq };
    long rc = physdev(PHYSDEVOP_map_pirq, &m);

    *out = m.pirq;
    return rc;
}

static long unmap(int pirq)
{
    struct physdev_unmap_pirq u = { .domid = DOMID_SELF, .pirq = pirq };

    return physdev(PHYSDEVOP_unmap_pirq, &u);
}

static long eoi(uint32_t pirq)
{
    struct physdev_eoi e = { .irq = pirq };

    return physdev(PHYSDEVOP_eoi, &e);
}

static long bind(uint32_t pirq, unsigned int *port)
{
    struct evtchn_bind_pirq b = { .pirq = pirq };
    long rc = hypercall_event_channel_op(EVTCHNOP_bind_pirq, &b);

    *port = b.port;
    return rc;
}

static inline void outb(uint16_t port, uint8_t v)
{
    asm volatile("outb %0, %1" :: "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;

    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* The number of IO-APIC pins, from its version register; 0 if it cannot be read. */
static unsigned int ioapic_pins(void)
{
    struct physdev_apic a = { .apic_physbase = IOAPIC_BASE, .reg = 1 };
    long rc = physdev(PHYSDEVOP_apic_read, &a);

    printk("IO-APIC version register: rc %ld, %#x\n", rc, a.value);
    if (rc != 0)
        return 0;
    a.apic_physbase = IOAPIC_BASE + 0x1000;
    check_rc("apic_read of no IO-APIC", physdev(PHYSDEVOP_apic_read, &a), -XEN_EINVAL);
    return ((a.value >> 16) & 0xff) + 1;
}

static void queries(void)
{
    struct physdev_irq_status_query q = { .irq = 1 };

    check_rc("irq_status_query 1", physdev(PHYSDEVOP_irq_status_query, &q), 0);
    if (q.flags != XENIRQSTAT_needs_eoi)
        xtf_failure("irq_status_query 1: flags %#x, expected needs_eoi", q.flags);
    q.irq = 100000;
    check_rc("irq_status_query 100000", physdev(PHYSDEVOP_irq_status_query, &q), -XEN_EINVAL);
}

static void mappings(unsigned int pins)
{
    int p, p2;

    check_rc("map for domain 7", map(7, MAP_PIRQ_TYPE_GSI, 1, 1, &p), -XEN_ESRCH);
    check_rc("map of type 7", map(DOMID_SELF, 7, 1, 1, &p), -XEN_EINVAL);
    check_rc("map of an MSI", map(DOMID_SELF, MAP_PIRQ_TYPE_MSI, 0, -1, &p), -XEN_EINVAL);
    check_rc("map of a GSI beyond the pins", map(DOMID_SELF, MAP_PIRQ_TYPE_GSI, (int)pins, -1,
             &p), -XEN_EINVAL);
    check_rc("map to pirq 5000", map(DOMID_SELF, MAP_PIRQ_TYPE_GSI, 22, 5000, &p), -XEN_EINVAL);
    check_rc("map of GSI 23 to any pirq", map(DOMID_SELF, MAP_PIRQ_TYPE_GSI, 23, -1, &p), 0);
    check_rc("map of GSI 23 to any pirq again", map(DOMID_SELF, MAP_PIRQ_TYPE_GSI, 23, -1, &p2),
             0);
    if (p != 16 || p2 != 16)
        xtf_failure("GSI 23 got pirqs %d and %d, expected 16 twice", p, p2);
    check_rc("map of GSI 1 to pirq 1", map(DOMID_SELF, MAP_PIRQ_TYPE_GSI, 1, 1, &p), 0);
    check_rc("the same again", map(DOMID_SELF, MAP_PIRQ_TYPE_GSI, 1, 1, &p), 0);
    check_rc("GSI 1 to pirq 2", map(DOMID_SELF, MAP_PIRQ_TYPE_GSI, 1, 2, &p), -XEN_EEXIST);
    check_rc("GSI 3 to pirq 1", map(DOMID_SELF, MAP_PIRQ_TYPE_GSI, 3, 1, &p), 0);
    check_rc("GSI 3 to any pirq", map(DOMID_SELF, MAP_PIRQ_TYPE_GSI, 3, -1, &p2), 0);
    printk("GSI 3 to pirq 1 gave pirq %d; then to any pirq: %d\n", p, p2);
    if (p2 != 17)
        xtf_failure("GSI 3 got pirq %d, expected 17 (its mapping to pirq 1 made nothing)", p2);
    check_rc("unmap pirq 17", unmap(17), 0);
    check_rc("unmap pirq 16", unmap(16), 0);
}

static void gsi_setup(void)
{
    struct physdev_setup_gsi g = { .gsi = 1, .triggering = 0, .polarity = 0 };

    check_rc("setup_gsi 1", physdev(PHYSDEVOP_setup_gsi, &g), 0);
    check_rc("setup_gsi 1 again", physdev(PHYSDEVOP_setup_gsi, &g), -XEN_EEXIST);
    g.gsi = 100;
    check_rc("setup_gsi 100", physdev(PHYSDEVOP_setup_gsi, &g), -XEN_EINVAL);
}

/* Keyboard interrupt on, then a byte into the output buffer: IRQ 1.  The old command byte. */
static uint8_t kbd_interrupt(void)
{
    unsigned int i;
    uint8_t cmd;

    for (i = 0; i < 16 && (inb(KBD_STATUS) & KBD_OBF); i++)
        inb(KBD_DATA);
    outb(KBD_STATUS, 0x20);                          /* read the command byte */
    for (i = 0; i < SPINS && !(inb(KBD_STATUS) & KBD_OBF); i++)
        asm volatile("pause");
    cmd = inb(KBD_DATA);
    outb(KBD_STATUS, 0x60);                          /* write it: keyboard interrupt on, */
    outb(KBD_DATA, (uint8_t)((cmd | 0x11) & ~0x02)); /* keyboard clock off, aux int off */
    outb(KBD_STATUS, 0xd2);                          /* "write keyboard output buffer" */
    outb(KBD_DATA, 0x5a);
    return cmd;
}

static volatile uint64_t *eoi_map;

static long eoi_gmfn(unsigned int cmd, uint64_t mfn)
{
    struct physdev_pirq_eoi_gmfn g = { .gmfn = mfn };

    return physdev(cmd, &g);
}

static void eoi_map_register(void)
{
    unsigned long pfn = alloc_pfn(), pfn2 = alloc_pfn();
    uint64_t l4 = start_info->pt_base >> PAGE_SHIFT;

    check_rc("EOI map on the pinned L4", eoi_gmfn(PHYSDEVOP_pirq_eoi_gmfn_v2, pfn_to_mfn(l4)),
             -XEN_EINVAL);
    check_rc("EOI map", eoi_gmfn(PHYSDEVOP_pirq_eoi_gmfn_v2, pfn_to_mfn(pfn)), 0);
    check_rc("a second EOI map", eoi_gmfn(PHYSDEVOP_pirq_eoi_gmfn_v2, pfn_to_mfn(pfn2)),
             -XEN_EBUSY);
    check_rc("a second EOI map, v1", eoi_gmfn(PHYSDEVOP_pirq_eoi_gmfn_v1, pfn_to_mfn(pfn2)),
             -XEN_EBUSY);
    check_rc("the pinned L4 again", eoi_gmfn(PHYSDEVOP_pirq_eoi_gmfn_v2, pfn_to_mfn(l4)),
             -XEN_EINVAL);
    eoi_map = (volatile uint64_t *)(pfn << PAGE_SHIFT);
}

static void delivery(void)
{
    struct evtchn_status st;
    unsigned int port, port2, i;
    uint8_t old;

    check_rc("bind of pirq 9, not mapped", bind(9, &port), -XEN_EPERM);
    check_rc("bind of pirq 100000", bind(100000, &port), -XEN_EINVAL);
    check_rc("bind of pirq 1", bind(1, &port), 0);
    check_rc("bind of pirq 1 again", bind(1, &port2), -XEN_EEXIST);
    memset(&st, 0, sizeof(st));
    st.dom = DOMID_SELF;
    st.port = port;
    check_rc("status", hypercall_event_channel_op(EVTCHNOP_status, &st), 0);
    if (st.status != EVTCHNSTAT_pirq || st.u.pirq != 1)
        xtf_failure("port %u: status %u pirq %u, expected pirq 1", port, st.status, st.u.pirq);

    events_unmask();
    old = kbd_interrupt();
    for (i = 0; i < SPINS && got_port != port; i++)
        asm volatile("pause");
    printk("keyboard byte %#x, event on port %u after %u spins (bound port %u)\n",
           inb(KBD_DATA), got_port, i, port);
    if (got_port != port)
        xtf_failure("the keyboard interrupt did not arrive on port %u", port);
    if (eoi_map[0] & 2)
        xtf_failure("the edge-triggered pirq 1 is marked as waiting for an EOI");
    outb(KBD_STATUS, 0x60);
    outb(KBD_DATA, old);

    check_rc("eoi of pirq 1", eoi(1), 0);
    check_rc("eoi of pirq 7, not mapped", eoi(7), -XEN_EINVAL);
    check_rc("eoi of pirq 100000", eoi(100000), -XEN_EINVAL);
    check_rc("unmap of bound pirq 1", unmap(1), 0);
    check_rc("status after unmap", hypercall_event_channel_op(EVTCHNOP_status, &st), 0);
    if (st.status != EVTCHNSTAT_pirq)
        xtf_failure("port %u after unmap: status %u, expected pirq", port, st.status);
    check_rc("close", evtchn_close(port), 0);
    check_rc("unmap of pirq 1 again", unmap(1), -XEN_EINVAL);
    check_rc("unmap of pirq 50", unmap(50), -XEN_EINVAL);
}

int test_main(void)
{
    struct physdev_set_iopl iopl = { .iopl = 1 };
    unsigned int pins;

    if (events_init())
        return xtf_error("events_init failed");
    event_handler = handler;
    if (physdev(PHYSDEVOP_set_iopl, &iopl))
        return xtf_error("set_iopl failed");
    queries();
    pins = ioapic_pins();
    if (pins < 24)
        return xtf_failure("IO-APIC with %u pins: expected QEMU's 24", pins);
    mappings(pins);
    gsi_setup();
    eoi_map_register();
    delivery();
    return xtf_success();
}
