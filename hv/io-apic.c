/*
 * hv/io-apic.c - the IO-APICs: the hypervisor owns them and routes the GSIs a hardware
 * domain binds to itself (pirq.c).
 *
 * At boot every IO-APIC the ACPI MADT lists is found and every pin masked (the firmware may
 * have left some routed).  GSI g of an IO-APIC whose first GSI is base is its pin g - base;
 * while a domain has GSI g bound, the pin's redirection entry sends vector
 * PIRQ_VECTOR_BASE + g, fixed delivery, to the boot CPU's local APIC, with the trigger mode
 * and polarity the domain set up (PHYSDEVOP_setup_gsi) - by default edge/high for the 16
 * ISA GSIs and level/low for the others, as the PC platform wires them.  The domain never
 * writes these registers: it reads them through PHYSDEVOP_apic_read (ioapic_read_reg) and
 * sees its IO-APIC page read-only (dom0-perms.c).
 * The registers are reached through the direct map (QEMU's IO-APIC is below 4 GiB).
 */
#include "events.h"

#define MAX_IOAPICS    8
#define IOAPIC_REGSEL  0x00
#define IOAPIC_WINDOW  0x10
#define IOAPIC_VER     0x01
#define RTE_LO(pin)    (0x10 + 2 * (pin))
#define RTE_HI(pin)    (0x11 + 2 * (pin))
#define RTE_MASKED     (1u << 16)
#define RTE_LEVEL      (1u << 15)
#define RTE_ACTIVE_LOW (1u << 13)

struct ioapic {
    uint64_t phys;
    volatile uint32_t *mmio;
    uint32_t gsi_base, nr_pins;
};

static struct ioapic ioapics[MAX_IOAPICS];
static unsigned int nr_ioapics;
static uint32_t nr_gsis;                  /* one past the highest GSI of any IO-APIC */
static unsigned long ioapic_lock;         /* REGSEL then WINDOW: one access at a time */

static uint32_t reg_read(struct ioapic *a, uint32_t reg)
{
    a->mmio[IOAPIC_REGSEL / 4] = reg;
    return a->mmio[IOAPIC_WINDOW / 4];
}

static void reg_write(struct ioapic *a, uint32_t reg, uint32_t val)
{
    a->mmio[IOAPIC_REGSEL / 4] = reg;
    a->mmio[IOAPIC_WINDOW / 4] = val;
}

static void lock(void)
{
    while (__atomic_exchange_n(&ioapic_lock, 1, __ATOMIC_ACQUIRE))
        __builtin_ia32_pause();
}

static void unlock(void)
{
    __atomic_store_n(&ioapic_lock, 0, __ATOMIC_RELEASE);
}

/* The IO-APIC serving gsi, with its pin in *pin; NULL if none does. */
static struct ioapic *ioapic_of(uint32_t gsi, uint32_t *pin)
{
    for (unsigned int i = 0; i < nr_ioapics; i++)
        if (gsi >= ioapics[i].gsi_base && gsi - ioapics[i].gsi_base < ioapics[i].nr_pins) {
            *pin = gsi - ioapics[i].gsi_base;
            return &ioapics[i];
        }
    return NULL;
}

void ioapic_init(void)
{
    uint64_t addr[MAX_IOAPICS];
    unsigned int n = acpi_ioapics(addr, MAX_IOAPICS), i, pin;
    unsigned long f;

    for (i = 0; i < n; i++) {
        struct ioapic *a = &ioapics[nr_ioapics];
        int64_t base = acpi_ioapic_gsi_base(addr[i]);

        if (base < 0 || addr[i] >= DIRECTMAP_SIZE)
            continue;
        a->phys = addr[i];
        a->mmio = (volatile uint32_t *)(DIRECTMAP_VIRT_START + addr[i]);
        a->gsi_base = (uint32_t)base;
        a->nr_pins = ((reg_read(a, IOAPIC_VER) >> 16) & 0xff) + 1;
        f = local_irq_save();
        for (pin = 0; pin < a->nr_pins; pin++) {
            reg_write(a, RTE_LO(pin), RTE_MASKED);
            reg_write(a, RTE_HI(pin), 0);
        }
        local_irq_restore(f);
        if (a->gsi_base + a->nr_pins > nr_gsis)
            nr_gsis = a->gsi_base + a->nr_pins;
        nr_ioapics++;
    }
    if (nr_gsis > PIRQ_MAX_GSIS)
        nr_gsis = PIRQ_MAX_GSIS;
    printk("pvmm-hv: %u IO-APIC%s, GSIs 0-%u, every pin masked\n", nr_ioapics,
           nr_ioapics == 1 ? "" : "s", nr_gsis ? nr_gsis - 1 : 0);
}

uint32_t ioapic_nr_gsis(void)
{
    return nr_gsis;
}

bool ioapic_read_reg(uint64_t phys, uint32_t reg, uint32_t *val)
{
    unsigned long f;

    for (unsigned int i = 0; i < nr_ioapics; i++)
        if (ioapics[i].phys == phys) {
            f = local_irq_save();
            lock();
            *val = reg_read(&ioapics[i], reg);
            unlock();
            local_irq_restore(f);
            return true;
        }
    return false;
}

void ioapic_route(uint32_t gsi, bool level, bool active_low, bool masked)
{
    uint32_t pin, lo = PIRQ_VECTOR_BASE + gsi;
    struct ioapic *a = ioapic_of(gsi, &pin);
    unsigned long f;

    if (!a)
        return;
    lo |= (level ? RTE_LEVEL : 0) | (active_low ? RTE_ACTIVE_LOW : 0) | (masked ? RTE_MASKED : 0);
    f = local_irq_save();
    lock();
    reg_write(a, RTE_LO(pin), RTE_MASKED);
    reg_write(a, RTE_HI(pin), percpu_area[0].apic_id << 24);
    reg_write(a, RTE_LO(pin), lo);
    unlock();
    local_irq_restore(f);
}

void ioapic_set_masked(uint32_t gsi, bool masked)
{
    uint32_t pin, lo;
    struct ioapic *a = ioapic_of(gsi, &pin);
    unsigned long f;

    if (!a)
        return;
    f = local_irq_save();
    lock();
    lo = reg_read(a, RTE_LO(pin));
    reg_write(a, RTE_LO(pin), masked ? lo | RTE_MASKED : lo & ~RTE_MASKED);
    unlock();
    local_irq_restore(f);
}
