/*
 * hostile-vcpu-state: hostile arguments to the hypercalls that set a vCPU's own state -
 * set_segment_base, fpu_taskswitch, stack_switch, set_callbacks, callback_op, set_trap_table,
 * and vcpu_op's registrations (runstate area, time area, vcpu_info); every answer must be
 * Xen 4.17's.
 *
 * The story. These hypercalls take numbers Xen declares narrower than a register (an
 * `unsigned int which`, an `int set`: the upper half is ignored), selectors (only the low 16
 * bits count; GS_USER_SEL loads the user %gs with RPL 3 forced unless it is null, from the
 * GDT or the LDT (whose page the load maps lazily), and a descriptor the guest may not use,
 * a null one or one past the LDT leaves the null selector, the result 0 all the same),
 * addresses (a non-canonical handler is -EINVAL, but set_callbacks skips it and answers 0;
 * a registered area is checked at its start only - an address from 2^47 up to the end of the
 * hypervisor's range is -EFAULT, anything else is accepted and later writes that fault are
 * dropped) and offsets (a vcpu_info must not cross its page and must be 8-byte aligned:
 * -ENXIO, checked before "already registered").
 *
 * The guest checks every case below, prints each miss and fails if there is one.
 */
#include <xen/callback.h>
#include <xen/sched.h>
#include <xen/vcpu.h>

#include "guest.h"

const char test_title[] = "hostile arguments to the hypercalls that set a vCPU's own state";

static unsigned int misses;

static void expect(const char *what, long got, long want)
{
    if (got == want)
        return;
    printk("MISS %s: %ld (%#lx), expected %ld (%#lx)\n", what, got, got, want, want);
    misses++;
}

/* A hypercall with raw 64-bit arguments (the wrappers would narrow them). */
static long hc(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3)
{
    asm volatile ("syscall" : "+a" (nr), "+D" (a1), "+S" (a2), "+d" (a3)
                  :: "rcx", "r11", "r8", "r10", "memory");
    return (long)nr;
}

static uint16_t read_gs(void)
{
    uint16_t s;
    asm volatile ("mov %%gs, %0" : "=r" (s));
    return s;
}

/* GS_USER_SEL with LDT selectors: the LDT page is mapped lazily by the load, as on Xen. */
static uint64_t ldt_page[512] __attribute__((aligned(4096)));

static long set_ldt(unsigned long va, unsigned int ents)
{
    struct mmuext_op op = { .cmd = MMUEXT_SET_LDT, .arg1.linear_addr = va, .arg2.nr_ents = ents };
    return hypercall_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static void ldt_selectors(void)
{
    static const struct { uint64_t sel; uint16_t gs; } cases[] = {
        { 0xf, 0xf }, { 0x1f, 0 }, { 0x27, 0 }, { 0x4, 0x7 },
    };
    char what[64];

    ldt_page[0] = ldt_page[1] = 0x00cff2000000ffffUL;    /* writable data, DPL 3 */
    if (pt_make_ro(ldt_page) || set_ldt((unsigned long)ldt_page, 4)) {
        xtf_error("LDT set-up");
        return;
    }
    for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
        snprintf(what, sizeof(what), "GS_USER_SEL %#lx (LDT)", cases[i].sel);
        expect(what, hc(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER_SEL, cases[i].sel, 0), 0);
        snprintf(what, sizeof(what), "... %%gs after GS_USER_SEL %#lx (LDT)", cases[i].sel);
        expect(what, read_gs(), cases[i].gs);
        if (i == 0)
            set_ldt((unsigned long)ldt_page, 4);    /* drops the mapping: mapped again */
    }
    hc(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER_SEL, 0, 0);
    expect("LDT removed", set_ldt(0, 0), 0);
}

static void segment_base(void)
{
    static const struct { uint64_t sel; uint16_t gs; } cases[] = {
        { 0, 0 }, { 1, 1 }, { 3, 3 }, { 4, 0 }, { 7, 0 },
        { 0xe028, 0xe02b }, { 0xe029, 0xe02b }, { 0xe02b, 0xe02b }, { 0xe023, 0xe023 },
        { 0xe033, 0xe033 },
        { 0xe010, 0 }, { 0xe008, 0 }, { 0xe018, 0 }, { 0xe040, 0 }, { 0xfff8, 0 }, { 0x8, 0 },
        { 0x1e02b, 0xe02b }, { 0xffffffffffffe02bUL, 0xe02b },
    };
    char what[64];

    for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
        snprintf(what, sizeof(what), "GS_USER_SEL %#lx", cases[i].sel);
        expect(what, hc(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER_SEL, cases[i].sel, 0), 0);
        snprintf(what, sizeof(what), "... %%gs after GS_USER_SEL %#lx", cases[i].sel);
        expect(what, read_gs(), cases[i].gs);
    }
    hc(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER_SEL, 0, 0);
    ldt_selectors();
    expect("which 2^32 + FS", hc(__HYPERVISOR_set_segment_base, (1UL << 32) | SEGBASE_FS,
                                 0x1000, 0), 0);
    expect("which 2^32 + 5", hc(__HYPERVISOR_set_segment_base, (1UL << 32) | 5, 0x1000, 0),
           -XEN_EINVAL);
    expect("which 2^64-1", hc(__HYPERVISOR_set_segment_base, ~0UL, 0x1000, 0), -XEN_EINVAL);
    expect("FS base non-canonical", hc(__HYPERVISOR_set_segment_base, SEGBASE_FS,
                                       0x800000000000UL, 0), -XEN_EINVAL);
    expect("FS base in the hypervisor's range (canonical)",
           hc(__HYPERVISOR_set_segment_base, SEGBASE_FS, 0xffff830000000000UL, 0), 0);
    expect("user GS base non-canonical", hc(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER,
                                            0x8000000000000000UL, 0), -XEN_EINVAL);
    hc(__HYPERVISOR_set_segment_base, SEGBASE_FS, 0, 0);
}

/* Did fwait raise #NM (CR0.TS and MP set)? */
static long fwait_nm(void)
{
    struct fault fl, *f = &fl;
    return PROBE("fwait", ::) ? (long)fl.vector : -1;
}

static void fpu_taskswitch(void)
{
    expect("fpu_taskswitch(2^32)", hc(__HYPERVISOR_fpu_taskswitch, 1UL << 32, 0, 0), 0);
    expect("... fwait: no #NM (the int argument is 0)", fwait_nm(), -1);
    expect("fpu_taskswitch(1)", hc(__HYPERVISOR_fpu_taskswitch, 1, 0, 0), 0);
    expect("... fwait: #NM", fwait_nm(), 7 /* #NM */);
    expect("... once: the #NM cleared TS", fwait_nm(), -1);
    expect("fpu_taskswitch(-1)", hc(__HYPERVISOR_fpu_taskswitch, ~0UL, 0, 0), 0);
    expect("... fwait: #NM", fwait_nm(), 7 /* #NM */);
    expect("fpu_taskswitch(0)", hc(__HYPERVISOR_fpu_taskswitch, 0, 0, 0), 0);
    expect("... fwait: no #NM", fwait_nm(), -1);
}

static void callbacks(void)
{
    struct callback_register cb = { .type = CALLBACKTYPE_event, .address = 0x800000000000UL };
    struct callback_unregister u = { .type = CALLBACKTYPE_event };

    expect("callback_op register non-canonical", hypercall_callback_op(CALLBACKOP_register, &cb),
           -XEN_EINVAL);
    cb = (struct callback_register){ .type = 99, .address = 0x1000 };
    expect("callback_op register type 99", hypercall_callback_op(CALLBACKOP_register, &cb),
           -XEN_ENOSYS);
    cb.address = 0x800000000000UL;
    expect("... non-canonical: the address is checked first",
           hypercall_callback_op(CALLBACKOP_register, &cb), -XEN_EINVAL);
    expect("callback_op unregister event", hypercall_callback_op(CALLBACKOP_unregister, &u),
           -XEN_EINVAL);
    u.type = CALLBACKTYPE_nmi;
    expect("callback_op unregister nmi", hypercall_callback_op(CALLBACKOP_unregister, &u), 0);
    u.type = 77;
    expect("callback_op unregister type 77", hypercall_callback_op(CALLBACKOP_unregister, &u),
           -XEN_ENOSYS);
    expect("callback_op command 2", hypercall_callback_op(2, &u), -XEN_ENOSYS);
    expect("callback_op from the hypervisor's half",
           hc(__HYPERVISOR_callback_op, CALLBACKOP_register, 0xffff830000000000UL, 0),
           -XEN_EFAULT);
    expect("set_callbacks, every address non-canonical",
           hc(__HYPERVISOR_set_callbacks, 0x800000000000UL, 0x800000000000UL,
              0x800000000000UL), 0);
    expect("stack_switch to the hypervisor's half",
           hc(__HYPERVISOR_stack_switch, 0, 0xffff830000000000UL, 0), 0);
    expect("stack_switch, non-canonical",
           hc(__HYPERVISOR_stack_switch, ~0UL, 0x800000000000UL, 0), 0);
}

static void trap_table(void)
{
    uint8_t *a = alloc_page(), *b = alloc_page();
    struct trap_info *t = (struct trap_info *)(b - 2 * sizeof(struct trap_info));

    if (b != a + PAGE_SIZE || pt_update_va((unsigned long)b, 0, UVMF_INVLPG)) {
        xtf_error("no page followed by an unmapped one");
        return;
    }
    t[0] = (struct trap_info){ .vector = 200, .flags = 3, .cs = FLAT_KERNEL_CS, .address = 1 };
    t[1] = (struct trap_info){ .vector = 201, .flags = 3, .cs = FLAT_KERNEL_CS, .address = 2 };
    expect("set_trap_table running into an unmapped page",
           hc(__HYPERVISOR_set_trap_table, (unsigned long)t, 0, 0), -XEN_EFAULT);
    t[1].address = 0x800000000000UL;
    expect("set_trap_table with a non-canonical handler",
           hc(__HYPERVISOR_set_trap_table, (unsigned long)t, 0, 0), -XEN_EINVAL);
    expect("set_trap_table from the hypervisor's half",
           hc(__HYPERVISOR_set_trap_table, 0xffff830000000000UL, 0, 0), -XEN_EFAULT);
    hypercall_set_trap_table(NULL);
    expect("the runtime's trap table back", hypercall_set_trap_table(runtime_trap_table()), 0);
}

static void registrations(void)
{
    static const struct { uint64_t addr; long rc; } areas[] = {
        { ~0UL, 0 }, { 0xfffffffffffff000UL, 0 }, { 0xffff880000000000UL, 0 },
        { 0x7fffffffffffUL, 0 }, { 0x800000000000UL, -XEN_EFAULT },
        { 0xffff87ffffffffffUL, -XEN_EFAULT }, { 0xffff800000000000UL, -XEN_EFAULT },
    };
    struct vcpu_register_runstate_memory_area ra;
    struct vcpu_register_vcpu_info vi = { .mfn = virt_to_mfn(alloc_page()) };
    void *ro = alloc_page();
    char what[80];

    if (pt_make_ro(ro)) {
        xtf_error("no read-only page");
        return;
    }
    for (unsigned int i = 0; i < ARRAY_SIZE(areas); i++) {
        ra.addr = areas[i].addr;
        snprintf(what, sizeof(what), "runstate area at %#lx", areas[i].addr);
        expect(what, hypercall_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &ra),
               areas[i].rc);
        snprintf(what, sizeof(what), "time area at %#lx", areas[i].addr);
        expect(what, hypercall_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &ra),
               areas[i].rc);
    }
    ra.addr = (uint64_t)ro;
    expect("runstate area read-only", hypercall_vcpu_op(VCPUOP_register_runstate_memory_area,
                                                        0, &ra), 0);
    expect("time area read-only", hypercall_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0,
                                                    &ra), 0);
    expect("yield with both areas unwritable", hypercall_sched_op(SCHEDOP_yield, NULL), 0);
    ra.addr = 0;
    expect("runstate area 0", hypercall_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &ra),
           0);
    expect("time area 0", hypercall_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &ra), 0);

    vi.offset = PAGE_SIZE - sizeof(struct vcpu_info) + 1;
    expect("vcpu_info across the page", hypercall_vcpu_op(VCPUOP_register_vcpu_info, 0, &vi),
           -XEN_ENXIO);
    vi.offset = 0xffffffffU;
    expect("vcpu_info offset 2^32-1", hypercall_vcpu_op(VCPUOP_register_vcpu_info, 0, &vi),
           -XEN_ENXIO);
    vi.offset = 4;
    expect("vcpu_info offset 4", hypercall_vcpu_op(VCPUOP_register_vcpu_info, 0, &vi),
           -XEN_ENXIO);
    vi.offset = 1;
    expect("vcpu_info offset 1", hypercall_vcpu_op(VCPUOP_register_vcpu_info, 0, &vi),
           -XEN_ENXIO);
    vi.offset = PAGE_SIZE - sizeof(struct vcpu_info);
    expect("vcpu_info of vCPU 2^31 (none)",
           hypercall_vcpu_op(VCPUOP_register_vcpu_info, 0x80000000U, &vi),
           -XEN_ENOENT);
    expect("vcpu_info at the end of the page",
           hypercall_vcpu_op(VCPUOP_register_vcpu_info, 0, &vi), 0);
    vi.offset = 1;
    expect("vcpu_info again, misaligned: the offset is checked first",
           hypercall_vcpu_op(VCPUOP_register_vcpu_info, 0, &vi), -XEN_ENXIO);
    vi.offset = 0;
    expect("vcpu_info again", hypercall_vcpu_op(VCPUOP_register_vcpu_info, 0, &vi),
           -XEN_EINVAL);
}

int test_main(void)
{
    segment_base();
    fpu_taskswitch();
    callbacks();
    trap_table();
    registrations();
    if (misses)
        return xtf_failure("%u answers differ from Xen 4.17", misses);
    return xtf_success();
}
