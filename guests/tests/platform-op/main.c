/*
 * platform-op: what the hardware domain asks the hypervisor about the platform, and what it
 * tells it.  A Linux dom0 calls platform_op at boot (firmware_info for EDD, MBR signatures
 * and the keyboard; get_cpuinfo for each physical CPU), whenever its clock is set (settime64,
 * else settime32 - a kernel retries on every tick while it fails) and at poweroff
 * (enter_acpi_sleep S5); and it probes xenpmu_op.  Measured on Xen 4.17 under QEMU:
 *   - interface_version wrong: -EACCES; unknown command: -ENOSYS; argument in the
 *     hypervisor's half: -EFAULT;
 *   - get_cpuinfo: CPU 0 present and online (apic and acpi id 0 on QEMU); a CPU above
 *     max_present gets rc 0 with flags INVALID and its other fields left as they were;
 *   - get_cpu_version: the CPU's vendor string and its family/model/stepping as derived from
 *     CPUID leaf 1; zeros for a CPU that is not present;
 *   - firmware_info: disk info, MBR signature and VBE DDC -ESRCH (no disks, no EDID) at any
 *     index; EFI info -ENOSYS (no EFI boot); keyboard shift flags 0 at index 0, -ESRCH at
 *     index 1; an unknown type -EINVAL;
 *   - settime64 with mbz set: -EINVAL; settime32/64 set the wallclock to secs.nsecs minus
 *     system_time, computed in wrapping 64-bit nanoseconds (a future system_time is no error);
 *   - enter_acpi_sleep: flags other than the EXTENDED bit, or states S0, S1, S2, S4, S6:
 *     -EINVAL (S3 would suspend the machine: not tried); S5 powers the machine off - this test
 *     ends that way, after its result line;
 *   - xenpmu_op: -EOPNOTSUPP for every command (the virtual PMU is off by default).
 */
#include "guest.h"
#include "events.h"
#include <xen/platform.h>

const char test_title[] = "platform_op: CPUs, firmware, wallclock, ACPI S5; xenpmu_op";

#define XEN_HALF  0xffff830000000000UL
#define NS        1000000000UL

static void check_rc(const char *what, long rc, long want)
{
    if (rc != want)
        xtf_failure("%s: %ld, expected %ld", what, rc, want);
}

static long platform_op(struct xen_platform_op *op)
{
    return _hypercall1(__HYPERVISOR_platform_op, op);
}

static long pf(uint32_t cmd, struct xen_platform_op *op)
{
    op->cmd = cmd;
    op->interface_version = XENPF_INTERFACE_VERSION;
    return platform_op(op);
}

static void native_cpuid(uint32_t leaf, uint32_t r[4])
{
    asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

static void bad_arguments(void)
{
    struct xen_platform_op op;

    memset(&op, 0, sizeof(op));
    op.cmd = XENPF_get_cpuinfo;
    op.interface_version = XENPF_INTERFACE_VERSION - 1;
    check_rc("wrong interface_version", platform_op(&op), -XEN_EACCES);
    memset(&op, 0, sizeof(op));
    check_rc("command 200", pf(200, &op), -XEN_ENOSYS);
    check_rc("command 0", pf(0, &op), -XEN_ENOSYS);
    check_rc("argument in the hypervisor's half",
             _hypercall1(__HYPERVISOR_platform_op, (void *)XEN_HALF), -XEN_EFAULT);
}

static void cpus(void)
{
    struct xen_platform_op op;
    uint32_t r[4], fam, model, ids[2];
    unsigned int i;

    memset(&op, 0xcc, sizeof(op));
    op.u.pcpu_info.xen_cpuid = 0;
    check_rc("get_cpuinfo 0", pf(XENPF_get_cpuinfo, &op), 0);
    printk("cpu 0: max_present %u flags %u apic %u acpi %u\n", op.u.pcpu_info.max_present,
           op.u.pcpu_info.flags, op.u.pcpu_info.apic_id, op.u.pcpu_info.acpi_id);
    if (op.u.pcpu_info.flags != XEN_PCPU_FLAGS_ONLINE || op.u.pcpu_info.apic_id != 0 ||
        op.u.pcpu_info.acpi_id != 0 || op.u.pcpu_info.max_present > 255)
        xtf_failure("cpu 0 is not online with ids 0");
    ids[0] = op.u.pcpu_info.max_present + 1;
    ids[1] = 0xffffffff;
    for (i = 0; i < 2; i++) {
        memset(&op, 0xcc, sizeof(op));
        op.u.pcpu_info.xen_cpuid = ids[i];
        check_rc("get_cpuinfo of a CPU that is not present", pf(XENPF_get_cpuinfo, &op), 0);
        if (op.u.pcpu_info.flags != XEN_PCPU_FLAGS_INVALID ||
            op.u.pcpu_info.apic_id != 0xcccccccc || op.u.pcpu_info.acpi_id != 0xcccccccc)
            xtf_failure("cpu %#x: flags %u apic %#x acpi %#x, expected INVALID and untouched",
                        ids[i], op.u.pcpu_info.flags, op.u.pcpu_info.apic_id,
                        op.u.pcpu_info.acpi_id);
    }

    memset(&op, 0xcc, sizeof(op));
    op.u.pcpu_info.xen_cpuid = 0;
    check_rc("get_cpu_version 0", pf(XENPF_get_cpu_version, &op), 0);
    native_cpuid(0, r);
    if (memcmp(&op.u.pad[8], &r[1], 4) || memcmp(&op.u.pad[12], &r[3], 4) ||
        memcmp(&op.u.pad[16], &r[2], 4))
        xtf_failure("get_cpu_version: vendor is not CPUID leaf 0's");
    native_cpuid(1, r);
    fam = (r[0] >> 8) & 0xf;
    model = (r[0] >> 4) & 0xf;
    if (fam == 0xf)
        fam += (r[0] >> 20) & 0xff;
    if (fam >= 6)
        model += ((r[0] >> 16) & 0xf) << 4;
    memcpy(ids, &op.u.pad[20], 8);
    printk("cpu 0: family %#x model %#x\n", ids[0], ids[1]);
    if (ids[0] != fam || ids[1] != model || op.u.pad[28] != (r[0] & 0xf))
        xtf_failure("get_cpu_version: family/model/stepping not CPUID leaf 1's");
    memset(&op, 0xcc, sizeof(op));
    op.u.pcpu_info.xen_cpuid = 0xffffffff;
    check_rc("get_cpu_version of a CPU that is not present", pf(XENPF_get_cpu_version, &op), 0);
    for (i = 8; i < 32; i++)
        if (op.u.pad[i] != 0)
            return (void)xtf_failure("get_cpu_version of no CPU: byte %u not zero", i);
}

static long firmware(uint32_t type, uint32_t index, struct xen_platform_op *op, void *buf)
{
    memset(op, 0x5a, sizeof(*op));
    op->u.firmware_info.type = type;
    op->u.firmware_info.index = index;
    op->u.firmware_info.u.disk_info.edd_params = (uint64_t)(uintptr_t)buf;
    return pf(XENPF_firmware_info, op);
}

static void firmware_info(void)
{
    static const uint32_t none[] = { XEN_FW_DISK_INFO, XEN_FW_DISK_MBR_SIGNATURE,
                                     XEN_FW_VBEDDC_INFO };
    struct xen_platform_op op;
    uint8_t buf[128];
    unsigned int i, idx;
    long rc;

    for (i = 0; i < 3; i++)
        for (idx = 0; idx < 2; idx++) {
            rc = firmware(none[i], idx, &op, buf);
            if (rc != -XEN_ESRCH)
                xtf_failure("firmware_info type %u index %u: %ld, expected -ESRCH", none[i],
                            idx, rc);
        }
    check_rc("firmware_info EFI", firmware(XEN_FW_EFI_INFO, 0, &op, buf), -XEN_ENOSYS);
    check_rc("firmware_info type 6", firmware(6, 0, &op, buf), -XEN_EINVAL);
    check_rc("firmware_info keyboard index 1", firmware(XEN_FW_KBD_SHIFT_FLAGS, 1, &op, buf),
             -XEN_ESRCH);
    rc = firmware(XEN_FW_KBD_SHIFT_FLAGS, 0, &op, buf);
    printk("keyboard shift flags: rc %ld, %#x\n", rc, op.u.firmware_info.u.kbd_shift_flags);
    if (rc != 0 || op.u.firmware_info.u.kbd_shift_flags != 0)
        xtf_failure("keyboard shift flags: rc %ld value %#x, expected 0 and 0", rc,
                    op.u.firmware_info.u.kbd_shift_flags);
}

/* The wallclock in shared_info as nanoseconds, with the version protocol. */
static uint64_t wallclock(uint32_t *version)
{
    uint32_t v, sec, nsec, hi;

    do {
        v = __atomic_load_n(&shared_info->wc_version, __ATOMIC_ACQUIRE);
        sec = shared_info->wc_sec;
        nsec = shared_info->wc_nsec;
        hi = shared_info->wc_sec_hi;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    } while ((v & 1) || v != shared_info->wc_version);
    *version = v;
    return (((uint64_t)hi << 32) | sec) * NS + nsec;
}

static void settime(int bits, uint64_t secs, uint32_t nsecs, uint64_t sys)
{
    struct xen_platform_op op;
    uint32_t v0, v1;
    uint64_t want = secs * NS + nsecs - sys, got;
    long rc;

    wallclock(&v0);
    memset(&op, 0, sizeof(op));
    if (bits == 64) {
        op.u.settime64.secs = secs;
        op.u.settime64.nsecs = nsecs;
        op.u.settime64.system_time = sys;
        rc = pf(XENPF_settime64, &op);
    } else {
        op.u.settime32.secs = (uint32_t)secs;
        op.u.settime32.nsecs = nsecs;
        op.u.settime32.system_time = sys;
        rc = pf(XENPF_settime32, &op);
    }
    got = wallclock(&v1);
    want = want / NS * NS + want % NS;
    printk("settime%d(%lu.%09u at %lu): rc %ld, wallclock %lu.%09lu (version %u -> %u)\n",
           bits, secs, nsecs, sys, rc, got / NS, got % NS, v0, v1);
    if (rc != 0 || got != want || v1 == v0)
        xtf_failure("settime%d: rc %ld, wallclock %#lx, expected %#lx", bits, rc, got, want);
}

static void wallclock_tests(void)
{
    struct xen_platform_op op;
    uint32_t v0, v1;
    uint64_t before = wallclock(&v0);

    memset(&op, 0, sizeof(op));
    op.u.settime64.mbz = 1;
    check_rc("settime64 with mbz set", pf(XENPF_settime64, &op), -XEN_EINVAL);
    if (wallclock(&v1) != before || v1 != v0)
        xtf_failure("a refused settime64 changed the wallclock");
    settime(64, (1UL << 32) + 5, 7, pvclock_ns());
    settime(32, 2000000000u, 2000000000u, NS);          /* nsecs past a second */
    settime(32, 100, 0, 1UL << 62);                     /* system time in the future */
    settime(64, before / NS, (uint32_t)(before % NS), 0);   /* back as it was */
}

static void acpi_sleep(void)
{
    static const uint32_t refused[] = { 0, 1, 2, 4, 6 };
    struct xen_platform_op op;
    unsigned int i;
    long rc;

    memset(&op, 0, sizeof(op));
    op.u.enter_acpi_sleep.sleep_state = 5;
    op.u.enter_acpi_sleep.flags = 2;
    check_rc("enter_acpi_sleep with flag 2", pf(XENPF_enter_acpi_sleep, &op), -XEN_EINVAL);
    for (i = 0; i < 5; i++) {
        memset(&op, 0, sizeof(op));
        op.u.enter_acpi_sleep.sleep_state = refused[i];
        rc = pf(XENPF_enter_acpi_sleep, &op);
        if (rc != -XEN_EINVAL)
            xtf_failure("enter_acpi_sleep S%u: %ld, expected -EINVAL", refused[i], rc);
    }
}

static void xenpmu(void)
{
    uint32_t buf[64];
    unsigned int cmd;
    long rc;

    memset(buf, 0, sizeof(buf));
    for (cmd = 0; cmd <= 7; cmd++) {
        rc = _hypercall2(__HYPERVISOR_xenpmu_op, cmd, buf);
        if (rc != -XEN_EOPNOTSUPP)
            xtf_failure("xenpmu_op %u: %ld, expected -EOPNOTSUPP", cmd, rc);
    }
    check_rc("xenpmu_op 99", _hypercall2(__HYPERVISOR_xenpmu_op, 99, buf), -XEN_EOPNOTSUPP);
}

/* The end: ACPI S5 through the hypervisor, as Linux powers off. */
static void power_off_s5(void)
{
    struct xen_platform_op op;
    long rc;

    memset(&op, 0, sizeof(op));
    op.u.enter_acpi_sleep.sleep_state = 5;
    rc = pf(XENPF_enter_acpi_sleep, &op);
    /* Still here: the verdict printed before is void. */
    printk("FAILURE: enter_acpi_sleep S5 returned %ld and the machine is still on\n", rc);
    printk("Test result: FAILURE\n");
}

int test_main(void)
{
    if (events_init())
        return xtf_error("events_init failed");
    bad_arguments();
    cpus();
    firmware_info();
    wallclock_tests();
    acpi_sleep();
    xenpmu();
    xtf_power_off = power_off_s5;
    return xtf_success();
}
