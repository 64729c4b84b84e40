/*
 * hv/cpuid-policy.c - the CPUID view of a PV guest: what the forced-emulation CPUID
 * (`ud2; .ascii "xen"; cpuid`) returns.
 *
 * Xen 4.17's PV policy, measured with guests/tests/pv-policy on the real Xen under QEMU
 * (`-cpu max` and `qemu64`): from the host's values Xen hides
 *   leaf 1      ECX: MONITOR, VMX, x2APIC;  EDX: PSE, SEP, PGE, PSE36
 *               (and sets bit 31, "running under a hypervisor");
 *   leaf 6      everything (thermal and power management);
 *   leaf 7.0    EBX: SMEP, MPX, SMAP;  ECX: UMIP, PKU, LA57, PKS
 *   leaf 7.1    EAX: bit 7 (a feature Xen 4.17 does not know)
 *   0x80000001  ECX: SVM, CR8_LEGACY;  EDX: PSE, PGE, PSE36, 1 GiB pages
 *   0x80000008  EBX: WBNOINVD; EAX: linear-address width at most 48 (no LA57)
 * The large-page bits go because a PV guest has no superpages; SMEP, SMAP, UMIP and PKU are
 * the hypervisor's; SEP (SYSENTER) is not offered to 64-bit PV guests.
 *
 * MCE and MCA stay, as on Xen: the machine-check MSRs are the virtual ones (vmce.c).
 *
 * XSAVE (leaf 1 ECX bit 26) is offered when the CPU has it, and leaf 0xd describes only the
 * XCR0 features offered (xstate.c; `-cpu max`: x87|SSE|AVX, 832 bytes; sub-leaf 0 EBX is the
 * size for the vCPU's own XCR0).  OSXSAVE (bit 27) is, as Xen's non-architectural PV rule:
 * set when the vCPU's virtual CR4.OSXSAVE is, and also, through this forced-emulation path,
 * for the guest kernel before it has set it (Linux's PV start-up looks for XSAVE|OSXSAVE here
 * and only then sets CR4.OSXSAVE and XCR0).  Measured by guests/tests/xsave-state.
 *
 * Where pvmm-hv differs: the hypervisor leaves stop at 0x40000002 (Xen: 0x40000005, time
 * and HVM leaves).
 */
#include "hv.h"

#define BIT(n)  (1u << (n))

/* Leaf 0x40000000..0x400000ff: Xen's signature, version and hypercall-page leaves. */
static void hypervisor_leaves(uint32_t leaf, uint32_t out[4])
{
    out[0] = out[1] = out[2] = out[3] = 0;
    if (leaf == 0x40000000) {
        out[0] = 0x40000002;
        memcpy(&out[1], "XenV", 4);
        memcpy(&out[2], "MMXe", 4);
        memcpy(&out[3], "nVMM", 4);
    } else if (leaf == 0x40000001) {
        out[0] = 0x00040011;                  /* 4.17 */
    } else if (leaf == 0x40000002) {
        out[0] = 1;                           /* hypercall pages */
        out[1] = 0x40000000;                  /* hypercall-page MSR */
        out[2] = BIT(0);                      /* MMU_PT_UPDATE_PRESERVE_AD */
    }
}

void guest_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    if (leaf >= 0x40000000 && leaf < 0x40000100) {
        hypervisor_leaves(leaf, out);
        return;
    }
    cpuid_count(leaf, sub, &out[0], &out[1], &out[2], &out[3]);
    switch (leaf) {
    case 1:
        out[2] &= ~(BIT(3) | BIT(5) | BIT(21) | BIT(27));  /* MONITOR, VMX, x2APIC, OSXSAVE */
        out[2] |= BIT(31);                                 /* under a hypervisor */
        if (!xstate_max)
            out[2] &= ~BIT(26);                            /* XSAVE */
        else if ((hvv(current)->cr4 & CR4_OSXSAVE) || current->kernel_mode)
            out[2] |= BIT(27);
        out[3] &= ~(BIT(3) | BIT(11) | BIT(13) | BIT(17)); /* PSE, SEP, PGE, PSE36 */
        break;
    case 6:
        out[0] = out[1] = out[2] = out[3] = 0;
        break;
    case 7:
        if (sub == 0) {
            out[1] &= ~(BIT(7) | BIT(14) | BIT(20));       /* SMEP, MPX, SMAP */
            out[2] &= ~(BIT(2) | BIT(3) | BIT(16) | BIT(31));  /* UMIP, PKU, LA57, PKS */
        } else if (sub == 1) {
            out[0] &= ~BIT(7);
        }
        break;
    case 0xd:
        xstate_cpuid(sub, hvv(current)->xcr0, out);
        break;
    case 0x80000001:
        out[2] &= ~(BIT(2) | BIT(4));                      /* SVM, CR8_LEGACY */
        out[3] &= ~(BIT(3) | BIT(13) | BIT(17) | BIT(26)); /* PSE, PGE, PSE36, 1 GiB */
        break;
    case 0x80000008:
        if (((out[0] >> 8) & 0xff) > 48)
            out[0] = (out[0] & ~0xff00u) | (48u << 8);
        out[1] &= ~BIT(9);                                 /* WBNOINVD */
        break;
    default:
        break;
    }
}
