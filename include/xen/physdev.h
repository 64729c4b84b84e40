/*
 * xen/physdev.h - the physdev_op hypercall (33) and its deprecated form physdev_op_compat
 * (19): our rendering of the sub-ops a PV kernel uses for I/O privilege and PCI reporting.
 */
#ifndef XEN_PHYSDEV_H
#define XEN_PHYSDEV_H

#include <stdint.h>

#define PHYSDEVOP_IRQ_UNMASK_NOTIFY   4
#define PHYSDEVOP_irq_status_query    5
#define PHYSDEVOP_set_iopl            6    /* struct physdev_set_iopl */
#define PHYSDEVOP_set_iobitmap        7    /* struct physdev_set_iobitmap */
#define PHYSDEVOP_apic_read           8
#define PHYSDEVOP_apic_write          9
#define PHYSDEVOP_alloc_irq_vector    10
#define PHYSDEVOP_eoi                 12
#define PHYSDEVOP_map_pirq            13
#define PHYSDEVOP_unmap_pirq          14
#define PHYSDEVOP_manage_pci_add      15   /* struct physdev_manage_pci */
#define PHYSDEVOP_manage_pci_remove   16   /* struct physdev_manage_pci */
#define PHYSDEVOP_pirq_eoi_gmfn_v1    17
#define PHYSDEVOP_manage_pci_add_ext  20
#define PHYSDEVOP_setup_gsi           21
#define PHYSDEVOP_get_free_pirq       23
#define PHYSDEVOP_pci_mmcfg_reserved  24
#define PHYSDEVOP_pci_device_add      25   /* struct physdev_pci_device_add */
#define PHYSDEVOP_pci_device_remove   26   /* struct physdev_pci_device */
#define PHYSDEVOP_pirq_eoi_gmfn_v2    28
#define PHYSDEVOP_dbgp_op             29

/* irq_status_query: XENIRQSTAT_* flags of a pirq. */
struct physdev_irq_status_query {
    uint32_t irq;        /* IN: the pirq */
    uint32_t flags;      /* OUT */
};
#define XENIRQSTAT_needs_eoi  (1u << 0)   /* the guest must call PHYSDEVOP_eoi */
#define XENIRQSTAT_shared     (1u << 1)

/* alloc_irq_vector: a vector for an IRQ (Xen answers the IRQ number: vectors are its own). */
struct physdev_irq {
    uint32_t irq;
    uint32_t vector;
};

/* pirq_eoi_gmfn_v1/v2: a page of the guest's whose bit n says "pirq n needs an EOI". */
struct physdev_pirq_eoi_gmfn {
    uint64_t gmfn;
};

/* eoi: the guest has handled pirq `irq`. */
struct physdev_eoi {
    uint32_t irq;
};

/* apic_read / apic_write: a register of the IO-APIC at apic_physbase. */
struct physdev_apic {
    uint64_t apic_physbase;
    uint32_t reg;
    uint32_t value;
};

/* map_pirq: give domid a pirq for a GSI (index) or an MSI. */
#define MAP_PIRQ_TYPE_MSI        0x0
#define MAP_PIRQ_TYPE_GSI        0x1
#define MAP_PIRQ_TYPE_UNKNOWN    0x2
#define MAP_PIRQ_TYPE_MSI_SEG    0x3
#define MAP_PIRQ_TYPE_MULTI_MSI  0x4
struct physdev_map_pirq {
    uint16_t domid;
    uint16_t _pad;
    int32_t  type;
    int32_t  index;      /* GSI: the GSI */
    int32_t  pirq;       /* IN: the pirq wanted, or < 0 for any; OUT: the pirq */
    int32_t  bus;        /* MSI: the device */
    int32_t  devfn;
    int32_t  entry_nr;
    uint32_t _pad2;
    uint64_t table_base;
};

struct physdev_unmap_pirq {
    uint16_t domid;
    uint16_t _pad;
    int32_t  pirq;
};

/* setup_gsi: trigger mode and polarity of a GSI, set once. */
struct physdev_setup_gsi {
    int32_t gsi;
    uint8_t triggering;  /* 0 edge, 1 level */
    uint8_t polarity;    /* 0 active high, 1 active low */
    uint16_t _pad;
};

/* The I/O privilege level of the calling vCPU (0..3). */
struct physdev_set_iopl {
    uint32_t iopl;
};

/* A per-vCPU I/O permission bitmap in guest memory: bit clear = port allowed. */
struct physdev_set_iobitmap {
    uint64_t bitmap;     /* guest VA of the bitmap */
    uint32_t nr_ports;   /* ports it covers, at most 65536 */
    uint32_t _pad;
};
#define PHYSDEV_IOBMP_BYTES  8192

/* manage_pci_add / manage_pci_remove. */
struct physdev_manage_pci {
    uint8_t bus;
    uint8_t devfn;
};

/* pci_device_add: a PCI device the domain found (its proximity follows if flags say so). */
struct physdev_pci_device_add {
    uint16_t seg;
    uint8_t bus;
    uint8_t devfn;
    uint32_t flags;
    struct {
        uint8_t bus;
        uint8_t devfn;
    } physfn;
    uint16_t _pad;
};

/* pci_device_remove and the other per-device ops. */
struct physdev_pci_device {
    uint16_t seg;
    uint8_t bus;
    uint8_t devfn;
};

/* physdev_op_compat's argument: the command, then the sub-op's argument at offset 8. */
struct physdev_op {
    uint32_t cmd;
    uint32_t _pad;
    union {
        struct physdev_set_iopl set_iopl;
        struct physdev_set_iobitmap set_iobitmap;
        uint64_t _size[2];
    } u;
};

_Static_assert(sizeof(struct physdev_set_iobitmap) == 16, "physdev_set_iobitmap is 16 bytes");
_Static_assert(sizeof(struct physdev_pci_device_add) == 12, "physdev_pci_device_add is 12");
_Static_assert(sizeof(struct physdev_op) == 24, "physdev_op is 24 bytes");

#endif /* XEN_PHYSDEV_H */
