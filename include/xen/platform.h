/*
 * xen/platform.h - the platform_op hypercall (7): our rendering of the operations a PV
 * hardware domain uses to tell the hypervisor about the platform and to ask it about the
 * physical CPUs and the firmware.  Only the hardware domain may call it.
 */
#ifndef XEN_PLATFORM_H
#define XEN_PLATFORM_H

#include <stdint.h>

#define XENPF_INTERFACE_VERSION  0x03000001

#define XENPF_settime32             17   /* struct xenpf_settime32 */
#define XENPF_add_memtype           31
#define XENPF_del_memtype           32
#define XENPF_read_memtype          33
#define XENPF_microcode_update      35
#define XENPF_platform_quirk        39
#define XENPF_get_cpu_version       48
#define XENPF_efi_runtime_call      49
#define XENPF_firmware_info         50   /* struct xenpf_firmware_info */
#define XENPF_enter_acpi_sleep      51   /* struct xenpf_enter_acpi_sleep */
#define XENPF_change_freq           52
#define XENPF_getidletime           53
#define XENPF_set_processor_pminfo  54
#define XENPF_get_cpuinfo           55   /* struct xenpf_pcpuinfo */
#define XENPF_cpu_online            56
#define XENPF_cpu_offline           57
#define XENPF_cpu_hotadd            58
#define XENPF_mem_hotadd            59
#define XENPF_core_parking          60
#define XENPF_resource_op           61
#define XENPF_settime64             62   /* struct xenpf_settime64 */
#define XENPF_get_symbol            63

/* Set the wallclock: secs.nsecs was the time of day at system time system_time (ns). */
struct xenpf_settime32 {
    uint32_t secs;
    uint32_t nsecs;
    uint64_t system_time;
};
struct xenpf_settime64 {
    uint64_t secs;
    uint32_t nsecs;
    uint32_t mbz;          /* must be zero */
    uint64_t system_time;
};

/* What the firmware told the hypervisor at boot (BIOS calls made before entering long mode). */
#define XEN_FW_DISK_INFO           1   /* EDD of BIOS disk `index` */
#define XEN_FW_DISK_MBR_SIGNATURE  2
#define XEN_FW_VBEDDC_INFO         3   /* index must be 0 */
#define XEN_FW_EFI_INFO            4
#define XEN_FW_KBD_SHIFT_FLAGS     5   /* index must be 0 */
struct xenpf_firmware_info {
    uint32_t type;
    uint32_t index;
    union {
        struct {
            uint8_t  device;
            uint8_t  version;
            uint16_t interface_support;
            uint16_t legacy_max_cylinder;
            uint8_t  legacy_max_head;
            uint8_t  legacy_sectors_per_track;
            uint64_t edd_params;        /* guest handle: the EDD parameter buffer */
        } disk_info;
        struct {
            uint8_t  device;
            uint32_t mbr_signature;
        } disk_mbr_signature;
        struct {
            uint8_t  capabilities;
            uint8_t  edid_transfer_time;
            uint64_t edid;              /* guest handle: a 128-byte buffer */
        } vbeddc_info;
        uint8_t kbd_shift_flags;
        uint8_t efi_info[32];           /* union xenpf_efi_info (not modelled: no EFI boot) */
    } u;
};

/* ACPI sleep state entry: the hypervisor writes the PM1 control values itself. */
struct xenpf_enter_acpi_sleep {
    uint16_t val_a;        /* PM1a control / sleep type */
    uint16_t val_b;        /* PM1b control / sleep enable */
    uint32_t sleep_state;  /* S0..S5 */
#define XENPF_ACPI_SLEEP_EXTENDED  0x00000001
    uint32_t flags;
};

/* A physical CPU's identity. */
struct xenpf_pcpuinfo {
    uint32_t xen_cpuid;    /* IN */
    uint32_t max_present;  /* OUT: the highest present CPU number */
#define XEN_PCPU_FLAGS_ONLINE   1
#define XEN_PCPU_FLAGS_INVALID  2   /* xen_cpuid is not present */
    uint32_t flags;
    uint32_t apic_id;
    uint32_t acpi_id;
};

struct xen_platform_op {
    uint32_t cmd;
    uint32_t interface_version;    /* XENPF_INTERFACE_VERSION, else -EACCES */
    union {
        struct xenpf_settime32        settime32;
        struct xenpf_settime64        settime64;
        struct xenpf_firmware_info    firmware_info;
        struct xenpf_enter_acpi_sleep enter_acpi_sleep;
        struct xenpf_pcpuinfo         pcpu_info;
        uint8_t                       pad[128];
    } u;
};

#endif /* XEN_PLATFORM_H */
