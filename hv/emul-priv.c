/*
 * hv/emul-priv.c - instructions the hypervisor emulates for the guest: privileged
 * instructions behind #GP(0) (boot-ABI §11), software interrupts behind #GP((n<<3)|2)
 * (§9.5), and the forced-emulation CPUID behind #UD (§10).
 *
 * Instruction bytes are fetched from the guest with its own page tables (copy_from_guest_va),
 * one byte at a time so that an instruction at the end of a mapped page still decodes.
 * Each emulator returns true when it handled the fault (rip advanced, or a different fault
 * injected), false when the original fault must be bounced.
 */
#include "hv.h"
#include <xen/xen.h>

struct insn {
    uint64_t rip;
    unsigned int len;
    uint8_t rex;
    bool opsize, fault;
    uint64_t fault_addr;
};

/* Next instruction byte; sets ins->fault (and returns 0) if it cannot be read. */
static uint8_t fetch(struct insn *ins)
{
    uint8_t b = 0;
    if (ins->len >= 15 || copy_from_guest_va(&b, ins->rip + ins->len, 1)) {
        if (!ins->fault)
            ins->fault_addr = ins->rip + ins->len;
        ins->fault = true;
        return 0;
    }
    ins->len++;
    return b;
}

/* Skip legacy and REX prefixes; returns the first opcode byte. */
static uint8_t fetch_opcode(struct insn *ins)
{
    for (;;) {
        uint8_t b = fetch(ins);
        if (ins->fault)
            return 0;
        if (b == 0x66)
            ins->opsize = true;
        else if (b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x2e || b == 0x36 ||
                 b == 0x3e || b == 0x26 || b == 0x64 || b == 0x65)
            ins->rex = 0;                  /* a REX must come last */
        else if ((b & 0xf0) == 0x40)
            ins->rex = b;
        else
            return b;
    }
}

/* Pointer to general-purpose register n (0 = rax ... 15 = r15, hardware numbering). */
static uint64_t *gpr(struct cpu_regs *r, unsigned int n)
{
    switch (n & 15) {
    case 0: return &r->rax;
    case 1: return &r->rcx;
    case 2: return &r->rdx;
    case 3: return &r->rbx;
    case 4: return &r->rsp;
    case 5: return &r->rbp;
    case 6: return &r->rsi;
    case 7: return &r->rdi;
    case 8: return &r->r8;
    case 9: return &r->r9;
    case 10: return &r->r10;
    case 11: return &r->r11;
    case 12: return &r->r12;
    case 13: return &r->r13;
    case 14: return &r->r14;
    default: return &r->r15;
    }
}

/* The virtual CPL's I/O privilege test: IOPL(vCPL) <= virtual IOPL. */
bool guest_iopl_ok(void)
{
    unsigned int vcpl = !current->kernel_mode ? 3 :
        (current->domain->vm_assist & (1UL << VMASST_TYPE_architectural_iopl)) ? 0 : 1;
    return vcpl <= hvv(current)->iopl;
}

static uint64_t guest_cr0(void)
{
    return (read_cr0() & ~CR0_TS) | (hvv(current)->fpu_ts ? CR0_TS : 0);
}

/* True if the guest's CPUID view (leaf 7, EBX bit 0) offers FSGSBASE. */
static bool guest_has_fsgsbase(void)
{
    uint32_t out[4];
    guest_cpuid(0, 0, out);
    if (out[0] < 7)
        return false;
    guest_cpuid(7, 0, out);
    return out[1] & 1;
}

static uint64_t guest_cr4(void)
{
    return (read_cr4() & (CR4_PAE | CR4_MCE | CR4_OSFXSR | CR4_OSXMMEXCPT)) | hvv(current)->cr4;
}

static bool read_cr(unsigned int n, uint64_t *val)
{
    switch (n) {
    case 0: *val = guest_cr0(); return true;
    case 2: *val = hvv(current)->cr2; return true;
    case 3: *val = current->guest_table << PAGE_SHIFT; return true;
    case 4: *val = guest_cr4(); return true;
    default: return false;
    }
}

static bool write_cr(unsigned int n, uint64_t val)
{
    struct hv_vcpu *h = hvv(current);
    switch (n) {
    case 0:
        if ((val ^ guest_cr0()) & ~CR0_TS) {
            printk("pvmm: guest tried to change CR0 bits other than TS (%lx)\n", val);
            return false;
        }
        return hc_fpu_taskswitch(!!(val & CR0_TS)) == 0;
    case 2:
        h->cr2 = val;
        h->vcpu_info->arch.cr2 = val;
        return true;
    case 3:
        return mmglue_new_baseptr(current, (val & PTE_ADDR_MASK) >> PAGE_SHIFT) == 0;
    case 4:
        /* As Xen: the guest controls DE, TSD and, when the CPUID view offers them, FSGSBASE
         * and OSXSAVE; other bits, and those two when not offered, are ignored rather than
         * faulted.  The real CR4.FSGSBASE follows the guest's choice (XSA-293); the real
         * OSXSAVE stays set (the virtual one gates XSETBV and CPUID's OSXSAVE, xstate.c). */
        h->cr4 = val & (CR4_DE | (1UL << 2) | (guest_has_fsgsbase() ? CR4_FSGSBASE : 0) |
                        (xstate_max ? CR4_OSXSAVE : 0));
        write_cr4((read_cr4() & ~CR4_FSGSBASE) | (h->cr4 & CR4_FSGSBASE));
        return true;
    default:
        return false;
    }
}

/* wrmsr of the basic 64-bit PV set (§11); false means #GP(0). */
static bool write_msr(uint32_t msr, uint64_t val)
{
    switch (msr) {
    case MSR_FS_BASE:
    case MSR_GS_BASE:
    case MSR_SHADOW_GS_BASE:
        if (!is_canonical(val))
            return false;
        wrmsr(msr, val);
        return true;
    case MSR_EFER:
        return val == (rdmsr(MSR_EFER) & ~EFER_SVME);
    default:
        return false;
    }
}

/* rdmsr of the basic 64-bit PV set (§11); false means #GP(0). */
static bool read_msr(uint32_t msr, uint64_t *val)
{
    switch (msr) {
    case MSR_FS_BASE:
    case MSR_GS_BASE:
    case MSR_SHADOW_GS_BASE:
    case MSR_TSC:
        *val = rdmsr(msr);
        return true;
    case MSR_EFER:
        *val = rdmsr(MSR_EFER) & (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE);
        return true;
    case MSR_APIC_BASE:
        *val = 0xFEE00000UL | (1UL << 11) | (1UL << 8);
        return true;
    case MSR_PAT:
        *val = 0x0000050100070406UL;
        return true;
    default:
        if (hvv(current)->trap[13].address)
            return false;
        *val = 0;           /* no #GP handler yet: early boot code reads 0 */
        return true;
    }
}

/* rdmsr/wrmsr: the machine-check MSRs are the virtual ones (vmce.c); false means #GP(0). */
static bool emulate_msr(struct cpu_regs *r, bool write)
{
    uint32_t msr = (uint32_t)r->rcx;
    uint64_t val = (r->rdx << 32) | (uint32_t)r->rax;
    bool vmce = vmce_owns_msr(msr);

    if (write)
        return vmce ? vmce_wrmsr(current, msr, val) : write_msr(msr, val);
    if (!(vmce ? vmce_rdmsr(current, msr, &val) : read_msr(msr, &val)))
        return false;
    r->rax = (uint32_t)val;
    r->rdx = val >> 32;
    return true;
}

bool emulate_privileged_op(struct cpu_regs *r)
{
    struct insn ins = { .rip = r->rip };
    uint8_t op;
    if (emulate_io_op(r))
        return true;
    op = fetch_opcode(&ins);
    if (ins.fault)
        return false;
    if (op == 0xfa || op == 0xfb) {      /* cli / sti: no-ops when the virtual IOPL allows */
        if (!guest_iopl_ok())
            return false;
        r->rip += ins.len;
        return true;
    }
    if (!current->kernel_mode || op != 0x0f)
        return false;
    op = fetch(&ins);
    if (ins.fault)
        return false;
    switch (op) {
    case 0x01:                           /* xsetbv (0f 01 d1) */
        if (fetch(&ins) != 0xd1 || ins.fault)
            return false;
        switch (guest_xsetbv((uint32_t)r->rcx, (r->rdx << 32) | (uint32_t)r->rax)) {
        case XSETBV_UD:
            bounce_exception(r, 6, false, 0);
            return true;
        case XSETBV_GP:
            return false;
        default:
            break;
        }
        break;
    case 0x06:                           /* clts */
        hc_fpu_taskswitch(0);
        break;
    case 0x20:                           /* mov %crN, %reg */
    case 0x22: {                         /* mov %reg, %crN */
        uint8_t modrm = fetch(&ins);
        unsigned int crn;
        uint64_t *reg;
        if (ins.fault)
            return false;
        crn = ((modrm >> 3) & 7) | ((ins.rex & 4) ? 8 : 0);
        reg = gpr(r, (modrm & 7) | ((ins.rex & 1) ? 8 : 0));
        if (op == 0x20) {
            uint64_t v;
            if (!read_cr(crn, &v))
                return false;
            *reg = v;
        } else if (!write_cr(crn, *reg)) {
            return false;
        }
        break;
    }
    case 0x21:                           /* mov %drN, %reg */
    case 0x23: {                         /* mov %reg, %drN */
        uint8_t modrm = fetch(&ins);
        int drn, rc;
        uint64_t *reg;
        if (ins.fault)
            return false;
        drn = ((modrm >> 3) & 7) | ((ins.rex & 4) ? 8 : 0);
        reg = gpr(r, (modrm & 7) | ((ins.rex & 1) ? 8 : 0));
        rc = op == 0x21 ? guest_get_debugreg(drn, reg) : (int)guest_set_debugreg(drn, *reg);
        if (rc == -XEN_ENODEV) {
            bounce_exception(r, 6, false, 0);
            return true;
        }
        if (rc)
            return false;
        break;
    }
    case 0x30:
    case 0x32:
        if (!emulate_msr(r, op == 0x30))
            return false;
        break;
    default:
        return false;
    }
    r->rip += ins.len;
    return true;
}

bool emulate_soft_int(struct cpu_regs *r)
{
    struct insn ins = { .rip = r->rip };
    uint8_t op = fetch_opcode(&ins);
    uint8_t vec;
    const struct hv_trap *t;
    unsigned int dpl;
    if (ins.fault || op != 0xcd)
        return false;
    vec = fetch(&ins);
    if (ins.fault)
        return false;
    if ((r->error_code >> 3) != vec)
        printk("pvmm: int $0x%x decoded, but #GP error code %lx says vector %lx\n", vec,
               r->error_code, r->error_code >> 3);
    t = &hvv(current)->trap[vec];
    dpl = t->flags & 3;
    if (!t->address || (current->kernel_mode ? dpl < 1 : dpl != 3)) {
        r->error_code = ((uint64_t)vec << 3) | 2;
        return false;
    }
    r->rip += ins.len;
    r->entry_vector = vec;
    bounce_to(r, t->address, false, 0, t->flags & 4);
    return true;
}

bool emulate_forced_invalid_op(struct cpu_regs *r)
{
    static const uint8_t sig[7] = { 0x0f, 0x0b, 0x78, 0x65, 0x6e, 0x0f, 0xa2 };
    struct insn ins = { .rip = r->rip };
    uint32_t out[4];
    for (unsigned int i = 0; i < 7; i++) {
        uint8_t b = fetch(&ins);
        if (ins.fault) {
            struct hv_vcpu *h = hvv(current);
            h->cr2 = ins.fault_addr;
            h->vcpu_info->arch.cr2 = ins.fault_addr;
            bounce_exception(r, 14, true, 0);
            return true;
        }
        if (b != sig[i])
            return false;
    }
    guest_cpuid((uint32_t)r->rax, (uint32_t)r->rcx, out);
    r->rax = out[0];
    r->rbx = out[1];
    r->rcx = out[2];
    r->rdx = out[3];
    r->rip += 7;
    return true;
}
