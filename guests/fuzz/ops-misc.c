/*
 * ops-misc.c: the fuzzing guest's descriptor, event-channel, timer and raw hypercalls.
 *
 * Raw hypercalls take random arguments, but only hypercalls and commands whose random use
 * cannot take the guest's own ground away (no trap table, callbacks, shutdown, vCPU down,
 * runstate or vcpu_info areas, memory given back, FIFO event ABI), and none that pvmm-hv
 * declares unimplemented and Xen serves its dom0 (platform_op, domctl, sysctl, kexec,
 * grant mapping ...): those would only show known differences.
 */
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/physdev.h>
#include <xen/sched.h>
#include <xen/vcpu.h>

#include "fuzz.h"

static const uint64_t descs[] = {
    0x00affb000000ffffULL,      /* 64-bit code, DPL 3 */
    0x00cff3000000ffffULL,      /* data, DPL 3 */
    0x00af9b000000ffffULL,      /* 64-bit code, DPL 0: refused */
    0x00cf93000000ffffULL,      /* data, DPL 0 */
    0x0000e90000000067ULL,      /* available TSS */
    0x0000e20000000fffULL,      /* LDT */
    0x0000ec0000000000ULL,      /* call gate, DPL 3 */
    0x00cffb000000ffffULL,      /* 32-bit code, DPL 3 */
    0,
};

static uint64_t pick_desc(void)
{
    return chance(10) ? rnd() : descs[rnd_below(ARRAY_SIZE(descs))];
}

void op_desc(void)
{
    struct fault fault, *f = &fault;
    unsigned int p = rnd_below(NR_POOL);
    long rc;

    if (chance(60)) {
        unsigned long mfn = chance(80) ? pool_mfn(p) : pick_victim();
        unsigned int idx = pick_index(), off = chance(5) ? 4 : 0;
        uint64_t d = pick_desc();

        fl("desc ");
        fl_mfn(mfn);
        fl("[%u]+%u=%lx", idx, off, (unsigned long)d);
        rc = hypercall_update_descriptor(((uint64_t)mfn << PAGE_SHIFT) + idx * 8 + off, d);
        touch_entry(mfn, idx);
        fl(" -> %ld", rc);
    } else if (chance(70)) {
        unsigned long *frames = (unsigned long *)scratch;
        static const unsigned int ents[] = { 0, 1, 16, 511, 512, 513, 7168, 7169, 8192 };
        unsigned int nf = rnd_below(4), i, entries = ents[rnd_below(ARRAY_SIZE(ents))];
        uint16_t sel;

        fl("gdt");
        for (i = 0; i < nf; i++) {
            frames[i] = chance(85) ? pool_mfn(rnd_below(NR_POOL)) : pick_frame();
            fl(" ");
            fl_mfn(frames[i]);
        }
        fl(" n=%u", entries);
        rc = _hypercall2(__HYPERVISOR_set_gdt, frames, entries);
        /* Validation raises descriptors' DPL to 3, in every frame the entry count needs:
         * past the nf chosen, the list goes on with what the scratch page held. */
        for (i = 0; i < 16 && i * 512 < entries; i++)
            touch_page(frames[i]);
        fl(" -> %ld", rc);
        sel = (uint16_t)((rnd_below(40) << 3) | 3);
        if (probe_load_fs(sel, &fault))
            fl(" fs=%x:#%u ec=%x", sel, fault.vector, fault.error_code);
        else
            fl(" fs=%x:ok", sel);
    } else {
        uint16_t sel = (uint16_t)((rnd_below(40) << 3) | 7);

        (void)f;
        touch_all();        /* the lazy LDT mapping validates the page (DPL raised to 3) */
        fl("ldtsel %x", sel);
        if (probe_load_fs(sel, &fault))
            fl(" -> #%u ec=%x", fault.vector, fault.error_code);
        else
            fl(" -> ok");
    }
}

static unsigned int pick_port(void)
{
    static const unsigned int odd[] = { 0, 63, 64, 4095, 4096, 0x80000000U, 0xffffffffU };

    if (W.nr_ports && chance(70))
        return W.ports[rnd_below(W.nr_ports)];
    return chance(50) ? rnd_below(70) : odd[rnd_below(ARRAY_SIZE(odd))];
}

static void note_port(unsigned int port)
{
    if (W.nr_ports < ARRAY_SIZE(W.ports))
        W.ports[W.nr_ports++] = port;
    else
        W.ports[rnd_below(ARRAY_SIZE(W.ports))] = port;
}

void op_evtchn(void)
{
    uint32_t *a = (uint32_t *)scratch;
    unsigned int cmd = rnd_below(11);
    static const uint32_t doms[] = { DOMID_SELF, 0, 1, 0x7ff1 };
    long rc;

    memset(scratch, 0, 64);
    switch (cmd) {
    case EVTCHNOP_bind_interdomain:
        *(uint16_t *)a = (uint16_t)doms[rnd_below(2)];
        a[1] = pick_port();
        fl("evt interdom %x/%u", *(uint16_t *)a, a[1]);
        break;
    case EVTCHNOP_bind_virq:
        a[0] = chance(80) ? rnd_below(25) : (uint32_t)rnd();
        a[1] = chance(80) ? 0 : rnd_below(3);
        fl("evt virq %u/%u", a[0], a[1]);
        break;
    case EVTCHNOP_alloc_unbound:
        ((uint16_t *)a)[0] = DOMID_SELF;
        ((uint16_t *)a)[1] = (uint16_t)doms[rnd_below(ARRAY_SIZE(doms))];
        fl("evt unbound %x", ((uint16_t *)a)[1]);
        break;
    case EVTCHNOP_bind_ipi:
        a[0] = chance(80) ? 0 : rnd_below(3);
        fl("evt ipi %u", a[0]);
        break;
    case EVTCHNOP_bind_vcpu:
        a[0] = pick_port();
        a[1] = chance(70) ? 0 : rnd_below(3);
        fl("evt bindvcpu %u/%u", a[0], a[1]);
        break;
    case EVTCHNOP_status:
        *(uint16_t *)a = DOMID_SELF;
        a[1] = pick_port();
        fl("evt status %u", a[1]);
        break;
    case EVTCHNOP_reset:
        if (chance(70)) {
            cmd = EVTCHNOP_send;
            a[0] = pick_port();
            fl("evt send %u", a[0]);
            break;
        }
        *(uint16_t *)a = (uint16_t)doms[rnd_below(ARRAY_SIZE(doms))];
        fl("evt reset %x", *(uint16_t *)a);
        break;
    case EVTCHNOP_bind_pirq:
        cmd = EVTCHNOP_unmask;
        /* fall through */
    default:
        a[0] = pick_port();
        fl("evt %u %u", cmd, a[0]);
        break;
    }
    rc = hypercall_event_channel_op(cmd, scratch);
    fl(" -> %ld", rc);
    if (rc)
        return;
    switch (cmd) {
    case EVTCHNOP_bind_interdomain:
        fl(" port=%u", a[2]);
        note_port(a[2]);
        break;
    case EVTCHNOP_bind_virq:
        fl(" port=%u", a[2]);
        note_port(a[2]);
        break;
    case EVTCHNOP_alloc_unbound:
    case EVTCHNOP_bind_ipi:
        fl(" port=%u", a[1]);
        note_port(a[1]);
        break;
    case EVTCHNOP_status:
        fl(" status=%u vcpu=%u u=%x", a[2], a[3], a[4]);
        break;
    case EVTCHNOP_reset:
        W.nr_ports = 0;
        break;
    default:
        break;
    }
}

void op_timer(void)
{
    static const uint64_t periods[] = { 0, 999999, 1000000, 1000000, 10000000, 1UL << 40 };
    struct vcpu_set_periodic_timer per = { .period_ns = periods[rnd_below(6)] };
    struct vcpu_set_singleshot_timer ss = { .flags = rnd_below(2) };
    uint64_t now = pvclock_ns();
    long rc;

    switch (rnd_below(4)) {
    case 0:
        ss.timeout_abs_ns = now + rnd_below(2000000);
        rc = hypercall_set_timer_op(chance(20) ? 0 : ss.timeout_abs_ns);
        fl("timer set -> %ld", rc);
        break;
    case 1:
        ss.timeout_abs_ns = chance(20) ? now - 1000 : now + rnd_below(2000000);
        rc = hypercall_vcpu_op(VCPUOP_set_singleshot_timer, chance(90) ? 0 : 1, &ss);
        fl("timer singleshot -> %ld", rc);
        break;
    case 2:
        rc = hypercall_vcpu_op(VCPUOP_set_periodic_timer, 0, &per);
        fl("timer periodic %lu -> %ld", (unsigned long)per.period_ns, rc);
        break;
    default:
        rc = hypercall_vcpu_op(rnd_below(2) ? VCPUOP_stop_periodic_timer :
                               VCPUOP_stop_singleshot_timer, 0, NULL);
        fl("timer stop -> %ld", rc);
        break;
    }
}

/* Fill the scratch page's first words with small random numbers or random words. */
static void scratch_fill(void)
{
    uint64_t *s = (uint64_t *)scratch;
    unsigned int i;

    for (i = 0; i < 16; i++)
        s[i] = chance(50) ? rnd_below(64) : rnd() | (1UL << 62);
}

static uint64_t pick_arg(void)
{
    switch (rnd_below(4)) {
    case 0: return rnd_below(16);
    case 1: return rnd();
    case 2: return (uint32_t)rnd();
    default: return pick_ptr();
    }
}

void op_raw(void)
{
    static const uint8_t unknown[] = { 43, 44, 45, 46, 47, 56, 57, 60, 62, 64, 65, 100, 127 };
    uint64_t a1 = pick_arg(), a2 = pick_arg(), a3 = pick_arg();
    unsigned long nr;
    long rc;

    scratch_fill();
    switch (rnd_below(12)) {
    case 0:
        nr = __HYPERVISOR_xen_version;
        a1 = chance(80) ? rnd_below(12) : (uint32_t)rnd();
        break;
    case 1:
        nr = __HYPERVISOR_vm_assist;
        a1 = rnd_below(3);
        a2 = chance(80) ? rnd_below(6) : chance(50) ? 32 : (uint32_t)rnd();
        if (a2 == VMASST_TYPE_m2p_strict)
            a1 = VMASST_CMD_disable;    /* strict: a kernel L4 loaded later lacks the M2P,
                                         * which this guest reads (Xen and pvmm-hv alike) */
        break;
    case 2:
        nr = __HYPERVISOR_grant_table_op;
        a1 = chance(50) ? GNTTABOP_query_size : chance(50) ? GNTTABOP_setup_table : 13 +
             rnd_below(8);
        a3 = rnd_below(3);
        break;
    case 3:
        nr = __HYPERVISOR_sched_op;
        a1 = rnd_below(3) == 0 ? SCHEDOP_yield : rnd_below(2) ? SCHEDOP_shutdown_code :
             8 + rnd_below(8);
        break;
    case 4:
        nr = __HYPERVISOR_vcpu_op;
        a1 = chance(40) ? VCPUOP_is_up : chance(50) ? VCPUOP_get_runstate_info :
             chance(50) ? VCPUOP_stop_singleshot_timer : 14 + rnd_below(8);
        a2 = chance(70) ? 0 : rnd_below(3);
        break;
    case 5:
        nr = __HYPERVISOR_physdev_op;
        a1 = chance(50) ? PHYSDEVOP_set_iopl : PHYSDEVOP_set_iobitmap;
        break;
    case 6:
        nr = __HYPERVISOR_set_segment_base;
        a1 = chance(80) ? (rnd_below(2) ? 0 : rnd_below(2) ? 1 : 3) : rnd_below(8);
        if (a1 == 2)
            a1 = 0;
        break;
    case 7:
        nr = rnd_below(2) ? __HYPERVISOR_set_debugreg : __HYPERVISOR_get_debugreg;
        a1 = chance(90) ? rnd_below(8) : rnd_below(16);
        if (a1 == 7 || a1 == 5)
            a2 &= ~0xffUL;     /* no breakpoint is ever armed */
        break;
    case 8:
        nr = __HYPERVISOR_fpu_taskswitch;
        a1 = rnd_below(2);
        break;
    case 9:
        nr = __HYPERVISOR_memory_op;
        a1 = chance(40) ? (rnd_below(2) ? XENMEM_current_reservation :
                          XENMEM_maximum_reservation) :
             chance(30) ? XENMEM_machphys_mapping : chance(50) ? XENMEM_exchange :
             XENMEM_decrease_reservation;
        *(uint16_t *)scratch = chance(70) ? DOMID_SELF : (uint16_t)rnd_below(3);
        if (a1 == XENMEM_exchange || a1 == XENMEM_decrease_reservation) {
            uint64_t *s = (uint64_t *)scratch;

            s[0] = (uint64_t)(uintptr_t)(scratch + 512);   /* frames that are nobody's */
            memset(scratch + 512, 0xff, 64);
            s[1] = rnd_below(3);
            s[2] = rnd_below(3) | ((uint64_t)DOMID_SELF << 32);
        }
        break;
    case 10:
        nr = __HYPERVISOR_event_channel_op;
        a1 = rnd_below(11);
        if (a1 == EVTCHNOP_bind_pirq || a1 == EVTCHNOP_reset)
            a1 = EVTCHNOP_status;
        break;
    default:
        nr = unknown[rnd_below(ARRAY_SIZE(unknown))];
        break;
    }
    if (nr != __HYPERVISOR_set_segment_base && nr != __HYPERVISOR_set_debugreg &&
        nr != __HYPERVISOR_get_debugreg && nr != __HYPERVISOR_fpu_taskswitch &&
        nr != __HYPERVISOR_vm_assist && chance(80))
        a2 = (uint64_t)(uintptr_t)scratch;
    fl("raw %lu %lx %lx %lx", nr, (unsigned long)a1,
       a2 == (uint64_t)(uintptr_t)scratch ? 0x5c5cUL : (unsigned long)a2, (unsigned long)a3);
    rc = hypercall_n(nr, a1, a2, a3, pick_arg(), pick_arg());
    touch_all();        /* a pointer argument may have been a pool page */
    if (nr == __HYPERVISOR_fpu_taskswitch)
        _hypercall1(__HYPERVISOR_fpu_taskswitch, 0);
    if (nr == __HYPERVISOR_xen_version && rc > 0 && a1 == 0)
        rc = 1;      /* the version number itself is the hypervisor's */
    fl(" -> %ld", rc);
}
