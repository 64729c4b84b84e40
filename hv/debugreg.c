/*
 * hv/debugreg.c - the vCPU's debug registers: set_debugreg (8), get_debugreg (9) and the
 * emulated mov to/from %dr0-%dr7 (Xen's set_debugreg and x86emul_read_dr/write_dr).
 *
 * The rules a value must pass, as Xen 4.17 applies them:
 *   - DR0-3: a guest address (below 2^47, or from 0xffff880000000000 on: the start only, as
 *     Xen's access_ok); anything else -EPERM;
 *   - DR6, DR7: a value above 32 bits -EINVAL; DR6 reads back (v | 0xffff0ff0) & ~0x1000, DR7
 *     (v & ~0xd800) | 0x400; DR7.GD -EPERM; an enabled breakpoint of type I/O -EPERM unless the
 *     guest's CR4.DE is set, and then it is kept aside (dr7_emul) and read back with DR7;
 *   - DR4/DR5 alias DR6/DR7 unless CR4.DE, then -ENODEV; other numbers -ENODEV.
 * A mov gets #UD where the hypercall gets -ENODEV, and #GP(0) for any other refusal.
 *
 * The values are the vCPU's and read back as above, but pvmm-hv never loads them into the
 * real debug registers: guest breakpoints do not fire (Xen arms them), and no #DB can reach
 * the hypervisor from a guest breakpoint (XSA-260, XSA-265).
 */
#include "hv.h"
#include <xen/xen.h>

#define DR6_ONES          0xffff0ff0u   /* reserved bits that read as 1 (no RTM, no BLD) */
#define DR6_ZEROS         0x00001000u
#define DR7_ONES          0x00000400u
#define DR7_ZEROS         0x0000d800u   /* bits 11 (RTM: not offered), 12, 14, 15 */
#define DR7_GD            0x00002000u
#define DR7_ACTIVE_MASK   0x000000ffu   /* L0-3, G0-3 */
#define DR_RW_IO          2u

void debugreg_init(struct hv_vcpu *h)
{
    for (unsigned int i = 0; i < 4; i++)
        h->dr[i] = 0;
    h->dr6 = DR6_ONES;
    h->dr7 = DR7_ONES;
    h->dr7_emul = 0;
}

static bool cr4_de(const struct hv_vcpu *h)
{
    return h->cr4 & CR4_DE;
}

static long set_dr7(struct hv_vcpu *h, uint64_t value)
{
    uint32_t v, io_enable = 0;

    if (value >> 32)
        return -XEN_EINVAL;
    v = ((uint32_t)value & ~DR7_ZEROS) | DR7_ONES;
    if (v & DR7_GD)
        return -XEN_EPERM;
    if (v & DR7_ACTIVE_MASK) {
        for (unsigned int i = 0; i < 4; i++) {
            if (((v >> (16 + 4 * i)) & 3) != DR_RW_IO)
                continue;
            if (!cr4_de(h))
                return -XEN_EPERM;
            io_enable |= v & (3u << (2 * i));
        }
    }
    h->dr7_emul = io_enable;
    h->dr7 = v & ~io_enable;
    return 0;
}

long guest_set_debugreg(int reg, uint64_t value)
{
    struct hv_vcpu *h = hvv(current);

    switch (reg) {
    case 0: case 1: case 2: case 3:
        if (value >= (1UL << 47) && value < HYPERVISOR_VIRT_END)
            return -XEN_EPERM;
        h->dr[reg] = value;
        return 0;
    case 4:
        if (cr4_de(h))
            return -XEN_ENODEV;
        /* fall through */
    case 6:
        if (value >> 32)
            return -XEN_EINVAL;
        h->dr6 = ((uint32_t)value | DR6_ONES) & ~DR6_ZEROS;
        return 0;
    case 5:
        if (cr4_de(h))
            return -XEN_ENODEV;
        /* fall through */
    case 7:
        return set_dr7(h, value);
    default:
        return -XEN_ENODEV;
    }
}

int guest_get_debugreg(int reg, uint64_t *value)
{
    const struct hv_vcpu *h = hvv(current);

    switch (reg) {
    case 0: case 1: case 2: case 3:
        *value = h->dr[reg];
        return 0;
    case 4:
        if (cr4_de(h))
            return -XEN_ENODEV;
        /* fall through */
    case 6:
        *value = h->dr6;
        return 0;
    case 5:
        if (cr4_de(h))
            return -XEN_ENODEV;
        /* fall through */
    case 7:
        *value = h->dr7 | h->dr7_emul;
        return 0;
    default:
        return -XEN_ENODEV;
    }
}

long hc_set_debugreg(unsigned long reg, uint64_t value)
{
    return guest_set_debugreg((int)reg, value);
}

long hc_get_debugreg(unsigned long reg)
{
    uint64_t v;
    int rc = guest_get_debugreg((int)reg, &v);

    return rc ? rc : (long)v;
}
