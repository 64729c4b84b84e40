/*
 * hv/platform-op.c - platform_op (hypercall 7): what the hardware domain tells the hypervisor
 * about the platform (the time of day, an ACPI sleep state) and asks it about the physical
 * CPUs and the firmware.  Behaviour as Xen 4.17's, measured with guests/tests/platform-op:
 *
 *   - the argument is copied in whole first (-EFAULT), then interface_version must be
 *     XENPF_INTERFACE_VERSION (-EACCES), then the caller must be the hardware domain (-EPERM);
 *     an unknown command is -ENOSYS;
 *   - settime32 / settime64 set the wallclock of every domain (time_set_wallclock);
 *     settime64 with mbz set is -EINVAL;
 *   - get_cpuinfo names a present CPU's local APIC and ACPI processor ids, flags ONLINE; a CPU
 *     that is not present gets flags INVALID and nothing else; max_present always;
 *   - get_cpu_version gives a present CPU's vendor string, family, model and stepping (as
 *     Xen derives them from CPUID leaf 1), zeros for one that is not present;
 *   - firmware_info answers from what the firmware left: disk (EDD) information, MBR
 *     signatures and VBE DDC are gathered by Xen's real-mode boot code; pvmm-hv enters in
 *     32-bit mode through multiboot and has none, so it answers -ESRCH as Xen does when the
 *     BIOS reported none (Xen under xen-run, with no disks, answers the same); the keyboard
 *     shift flags are the BIOS data area's byte (index 0 only, else -ESRCH); EFI information
 *     is -ENOSYS (no EFI boot); another type is -EINVAL;
 *   - enter_acpi_sleep: flags other than XENPF_ACPI_SLEEP_EXTENDED, and states other than S3
 *     and S5, are -EINVAL; S5 powers the machine off as a hardware domain's SCHEDOP_shutdown
 *     poweroff does (Xen writes the PM1 control values; the machine is off either way); S3 is
 *     -EOPNOTSUPP: pvmm-hv cannot resume from suspend (Xen would suspend the machine).
 * Every other command (memory types, microcode, frequency and idle control, CPU hotplug,
 * EFI runtime calls, symbols) is -ENOSYS: a difference from Xen, named in docs/linux.md.
 */
#include "events.h"
#include <xen/platform.h>
#include <xen/sched.h>

/* The pieces of xenpf_pcpu_version, the answer to XENPF_get_cpu_version. */
struct xenpf_pcpu_version {
    uint32_t xen_cpuid;
    uint32_t max_present;
    char     vendor_id[12];
    uint32_t family;
    uint32_t model;
    uint32_t stepping;
};
_Static_assert(sizeof(struct xenpf_pcpu_version) == 32, "xenpf_pcpu_version is 32 bytes");

#define BDA_KBD_SHIFT_FLAGS  0x417    /* BIOS data area: keyboard shift-state byte */

/* Present means started: pvmm-hv has no CPU hotplug, so every present CPU is online. */
static bool cpu_present(uint32_t cpu)
{
    return cpu < HV_MAX_CPUS && ((cpu_online_map >> cpu) & 1);
}

static uint32_t max_present_cpu(void)
{
    return 63 - (uint32_t)__builtin_clzll(cpu_online_map | 1);
}

static long get_cpuinfo(struct xenpf_pcpuinfo *p)
{
    uint32_t uid;

    p->max_present = max_present_cpu();
    if (!cpu_present(p->xen_cpuid)) {
        p->flags = XEN_PCPU_FLAGS_INVALID;
        return 0;
    }
    p->apic_id = percpu_area[p->xen_cpuid].apic_id;
    p->acpi_id = acpi_processor_uid(p->apic_id, &uid) ? uid : p->apic_id;
    p->flags = XEN_PCPU_FLAGS_ONLINE;
    return 0;
}

static long get_cpu_version(struct xenpf_pcpu_version *v)
{
    uint32_t a, b, c, d;

    v->max_present = max_present_cpu();
    memset(v->vendor_id, 0, sizeof(v->vendor_id));
    v->family = v->model = v->stepping = 0;
    if (!cpu_present(v->xen_cpuid))
        return 0;
    /* Every CPU of the machine is the same model: the boot CPU answers for all. */
    cpuid_count(0, 0, &a, &b, &c, &d);
    memcpy(v->vendor_id, &b, 4);
    memcpy(v->vendor_id + 4, &d, 4);
    memcpy(v->vendor_id + 8, &c, 4);
    cpuid_count(1, 0, &a, &b, &c, &d);
    cpu_signature(a, &v->family, &v->model, &v->stepping);
    return 0;
}

static long firmware_info(struct xenpf_firmware_info *f)
{
    switch (f->type) {
    case XEN_FW_DISK_INFO:
    case XEN_FW_DISK_MBR_SIGNATURE:
    case XEN_FW_VBEDDC_INFO:
        return -XEN_ESRCH;
    case XEN_FW_KBD_SHIFT_FLAGS:
        if (f->index != 0)
            return -XEN_ESRCH;
        f->u.kbd_shift_flags = ((const volatile uint8_t *)mfn_to_virt(0))[BDA_KBD_SHIFT_FLAGS];
        return 0;
    case XEN_FW_EFI_INFO:
        return -XEN_ENOSYS;
    default:
        return -XEN_EINVAL;
    }
}

static long enter_acpi_sleep(const struct xenpf_enter_acpi_sleep *s)
{
    if (s->flags & ~XENPF_ACPI_SLEEP_EXTENDED)
        return -XEN_EINVAL;
    if (s->sleep_state == 3)
        return -XEN_EOPNOTSUPP;
    if (s->sleep_state != 5)
        return -XEN_EINVAL;
    printk("pvmm: d%u entered ACPI S5: powering off\n", current->domain->domain_id);
    domain_shutdown(SHUTDOWN_poweroff);
}

/* Run one command on op (already copied in); true in *out if op must be copied back. */
static long platform_cmd(struct xen_platform_op *op, bool *out)
{
    *out = true;
    switch (op->cmd) {
    case XENPF_settime32:
        *out = false;
        time_set_wallclock(op->u.settime32.secs, op->u.settime32.nsecs,
                           op->u.settime32.system_time);
        return 0;
    case XENPF_settime64:
        *out = false;
        if (op->u.settime64.mbz)
            return -XEN_EINVAL;
        time_set_wallclock(op->u.settime64.secs, op->u.settime64.nsecs,
                           op->u.settime64.system_time);
        return 0;
    case XENPF_get_cpuinfo:
        return get_cpuinfo(&op->u.pcpu_info);
    case XENPF_get_cpu_version:
        return get_cpu_version((struct xenpf_pcpu_version *)&op->u);
    case XENPF_firmware_info:
        return firmware_info(&op->u.firmware_info);
    case XENPF_enter_acpi_sleep:
        *out = false;
        return enter_acpi_sleep(&op->u.enter_acpi_sleep);
    default:
        *out = false;
        return -XEN_ENOSYS;
    }
}

long hc_platform_op(uint64_t arg)
{
    struct xen_platform_op op;
    bool out;
    long rc;

    if (copy_from_guest_va(&op, arg, sizeof(op)))
        return -XEN_EFAULT;
    if (op.interface_version != XENPF_INTERFACE_VERSION)
        return -XEN_EACCES;
    if (!current->domain->is_privileged)
        return -XEN_EPERM;
    rc = platform_cmd(&op, &out);
    if (rc == 0 && out && copy_to_guest_va(arg, &op, sizeof(op)))
        return -XEN_EFAULT;
    return rc;
}
