/*
 * hv/hc-physdev.c - physdev_op (33) and physdev_op_compat (19): the vCPU's I/O privilege
 * and the PCI devices a privileged domain reports (Xen's do_physdev_op).
 *
 *  - set_iopl: the virtual IOPL (0..3; -EINVAL above) that port I/O, cli and sti are checked
 *    against (emul-io.c, emul-priv.c);
 *  - set_iobitmap: a per-vCPU I/O bitmap in guest memory covering nr_ports ports (at most
 *    65536, and the bitmap's start must be a guest address: -EINVAL otherwise), consulted
 *    when the virtual IOPL does not allow an access;
 *  - map_pirq, unmap_pirq, setup_gsi, irq_status_query, eoi, apic_read, alloc_irq_vector,
 *    pirq_eoi_gmfn_v1/v2: physical interrupts (pirq.c);
 *  - manage_pci_add/remove and pci_device_add/remove: accepted (0) once the argument is read,
 *    as Xen answers its hardware domain; pvmm-hv has no IOMMU or device model to record them
 *    in;
 *  - everything else: -ENOSYS (interrupt routing, MSI, pirqs: see docs/hv.md).
 * physdev_op_compat takes a struct physdev_op {cmd, argument}, read whole first, and runs the
 * command on the argument in place.
 */
#include "events.h"
#include <xen/xen.h>
#include <xen/physdev.h>

static long set_iopl(uint64_t arg)
{
    struct physdev_set_iopl s;

    if (copy_from_guest_va(&s, arg, sizeof(s)))
        return -XEN_EFAULT;
    if (s.iopl > 3)
        return -XEN_EINVAL;
    hvv(current)->iopl = s.iopl;
    return 0;
}

static long set_iobitmap(uint64_t arg)
{
    struct physdev_set_iobitmap s;

    if (copy_from_guest_va(&s, arg, sizeof(s)))
        return -XEN_EFAULT;
    /* Xen's guest_handle_okay: the bitmap's start lies in guest space. */
    if (!guest_handle_okay(s.bitmap) || s.nr_ports > 65536)
        return -XEN_EINVAL;
    hvv(current)->iobmp = s.bitmap;
    hvv(current)->iobmp_limit = s.nr_ports;
    return 0;
}

/* A device report: read the argument, accept it. */
static long pci_report(uint64_t arg, size_t len)
{
    uint8_t buf[sizeof(struct physdev_pci_device_add)];

    if (!current->domain->is_privileged)
        return -XEN_EPERM;
    if (copy_from_guest_va(buf, arg, len))
        return -XEN_EFAULT;
    return 0;
}

long hc_physdev_op(unsigned long cmd, uint64_t arg)
{
    switch (cmd) {
    case PHYSDEVOP_set_iopl:
        return set_iopl(arg);
    case PHYSDEVOP_set_iobitmap:
        return set_iobitmap(arg);
    case PHYSDEVOP_manage_pci_add:
    case PHYSDEVOP_manage_pci_remove:
        return pci_report(arg, sizeof(struct physdev_manage_pci));
    case PHYSDEVOP_pci_device_add:
        return pci_report(arg, sizeof(struct physdev_pci_device_add));
    case PHYSDEVOP_pci_device_remove:
        return pci_report(arg, sizeof(struct physdev_pci_device));
    case PHYSDEVOP_map_pirq:
    case PHYSDEVOP_unmap_pirq:
    case PHYSDEVOP_setup_gsi:
    case PHYSDEVOP_irq_status_query:
    case PHYSDEVOP_eoi:
    case PHYSDEVOP_apic_read:
    case PHYSDEVOP_alloc_irq_vector:
    case PHYSDEVOP_pirq_eoi_gmfn_v1:
    case PHYSDEVOP_pirq_eoi_gmfn_v2:
        return hc_physdev_pirq(cmd, arg);
    default:
        return -XEN_ENOSYS;
    }
}

/* physdev_op_compat: the whole struct physdev_op must be readable (-EFAULT), then its command
 * runs as physdev_op with the argument in place, whatever the command (as Xen's). */
long hc_physdev_op_compat(uint64_t arg)
{
    struct physdev_op op;

    if (copy_from_guest_va(&op, arg, sizeof(op)))
        return -XEN_EFAULT;
    return hc_physdev_op(op.cmd, arg + offsetof(struct physdev_op, u));
}
