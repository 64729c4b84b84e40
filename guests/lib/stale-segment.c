/*
 * stale-segment.c: a %ds the hypervisor cannot reload, and the switch that reloads it
 * (stale-segment.h).
 */
#include <xen/sched.h>
#include <xen/vcpu.h>

#include "guest.h"
#include "stale-segment.h"

/* failsafe_return (stale-segment.h): rcx and r11 from the frame, the four selectors dropped,
 * iret flags 0 in their place, then the iret hypercall. */
__asm__(".pushsection .text\n"
        ".globl failsafe_return\n"
        "failsafe_return:\n"
        "    pop  %rcx\n"
        "    pop  %r11\n"
        "    add  $32, %rsp\n"
        "    push $0\n"
        "    jmp  hypercall_page + 23 * 32\n"
        ".popsection\n");

static unsigned int ipi_port;
static volatile int v1_ran;

/* vCPU 1: wake vCPU 0's poll, then go down for good. */
static void secondary(void *arg)
{
    (void)arg;
    v1_ran = 1;
    evtchn_send(ipi_port);
    for (;;)
        vcpu_down_self(1);
}

long stale_ds_setup(void)
{
    uint64_t *gdt = alloc_page();
    unsigned long frame = virt_to_mfn(gdt);
    long rc;

    if ((rc = events_init()) != 0)
        return xtf_error("events_init: %ld", rc), rc;
    if (hypercall_vcpu_op(VCPUOP_is_up, 1, NULL) == -XEN_ENOENT)
        return xtf_error("dom0 has one vCPU: run with 2 (hv-run-args, xen-run-args)"), -1;
    if ((rc = evtchn_bind_ipi(0, &ipi_port)) != 0)
        return xtf_error("bind_ipi: %ld", rc), rc;
    gdt[1] = 0x00cff2000000ffffULL;         /* flat data, DPL 3, present */
    if ((rc = pt_make_ro(gdt)) != 0)
        return xtf_error("cannot map the GDT page read-only: %ld", rc), rc;
    if ((rc = _hypercall2(__HYPERVISOR_set_gdt, (uint64_t)(uintptr_t)&frame, 512)) != 0)
        return xtf_error("set_gdt: %ld", rc), rc;
    __asm__ volatile ("mov %0, %%ds" :: "r" ((uint16_t)0x0b) : "memory");
    if (read_ds() != 0x0b)
        return xtf_error("%%ds did not take 0x0b"), -1;
    if ((rc = hypercall_update_descriptor(virt_to_maddr(&gdt[1]), 0)) != 0)
        return xtf_error("update_descriptor (zero the loaded entry): %ld", rc), rc;
    return 0;
}

long stale_ds_switch(int *ok)
{
    uint32_t port = ipi_port;
    struct sched_poll sp = { .ports = (uint64_t)(uintptr_t)&port, .nr_ports = 1 };
    long rc;

    *ok = 0;
    events_mask();
    if ((rc = vcpu_start(1, secondary, NULL)) != 0)
        return xtf_error("starting vCPU 1: %ld", rc), rc;
    sp.timeout = pvclock_ns() + 2000000000ULL;
    rc = hypercall_sched_op(SCHEDOP_poll, &sp);
    if (!v1_ran)
        return xtf_failure("vCPU 1 never ran (poll %ld)", rc), rc;
    *ok = 1;
    return rc;
}

bool stale_ds_frame_ok(const volatile uint64_t *f)
{
    uint64_t hp = (uint64_t)(uintptr_t)hypercall_page;

    printk("failsafe frame: ds %#lx es %#lx fs %#lx gs %#lx rip %#lx cs %#lx rflags %#lx "
           "ss %#lx\n", f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[10]);
    if (f[2] != 0x0b)
        return xtf_failure("frame ds %#lx, expected 0xb", f[2]), false;
    if (f[6] < hp || f[6] >= hp + 4096)
        return xtf_failure("frame rip %#lx not in the hypercall page", f[6]), false;
    if (f[7] != (0xe030 | (1UL << 32)))
        return xtf_failure("frame cs %#lx, expected 0x1_0000_e030", f[7]), false;
    if (f[8] & 0x200)
        return xtf_failure("frame rflags %#lx has IF with events masked", f[8]), false;
    if (f[10] != 0xe02b)
        return xtf_failure("frame ss %#lx", f[10]), false;
    return true;
}
