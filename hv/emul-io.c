/*
 * hv/emul-io.c - port I/O from the guest: in, out, ins and outs behind #GP(0) (Xen's
 * pv/emul-priv-op.c: guest_io_okay, admin_io_okay, guest_io_read/write).
 *
 * The TSS has no I/O bitmap and the guest runs at CPL 3 with IOPL 0, so every port access
 * traps with #GP(0).  It is emulated when the guest may do it, in this order:
 *   1. the virtual IOPL allows it at the virtual CPL (1 in kernel mode, 0 with
 *      VMASST_TYPE_architectural_iopl, 3 in user mode; PHYSDEVOP_set_iopl, or the iret
 *      hypercall's rflags.IOPL with architectural_iopl), or
 *   2. the vCPU's I/O bitmap (PHYSDEVOP_set_iobitmap) covers the ports with clear bits; it is
 *      read with the kernel's page tables even from user mode, and unreadable bytes count as
 *      set.
 * Otherwise the #GP(0) goes to the guest.  A permitted access to a port the hypervisor owns
 * (its serial port COM1 0x3f8-0x3ff, the console channels 0xe9 and 0xea, isa-debug-exit
 * 0xf4-0xf7, the PICs 0x20-0x21 and
 * 0xa0-0xa1, the PIT 0x40-0x43 and port 0x61, port 0xf0 - as Xen denies its dom0 the ports it
 * uses) reads as all ones and writes nothing; every other port is the real one (the privileged
 * domain drives the machine's devices, as Xen's dom0 does).
 *
 * Forms: in/out with an imm8 or %dx port, 8/16/32 bits (0x66 selects 16); ins/outs with rep,
 * 0x67 (32-bit rsi/rdi/rcx) and, for outs, a segment override (fs/gs bases apply).  A rep
 * string moves at most IO_REP_BATCH elements per trap and leaves rip on the instruction until
 * rcx reaches 0, so a huge count cannot hold the hypervisor.  A guest-memory fault in ins/outs
 * is a #PF for the guest at that element (the registers say how far it got); a non-canonical
 * address or one in the hypervisor's slots is the #GP(0), as on Xen.
 */
#include "hv.h"
#include "domains.h"
#include <xen/xen.h>

#define IO_REP_BATCH  1024

/* Ports the hypervisor keeps for itself: [first, last]. */
static const struct { uint16_t first, last; } hv_ports[] = {
    { 0x20, 0x21 },     /* master PIC */
    { 0x40, 0x43 },     /* PIT */
    { 0x61, 0x61 },     /* PIT channel 2 gate, speaker */
    { 0xa0, 0xa1 },     /* slave PIC */
    { 0xf0, 0xf0 },     /* IGNNE# */
    { HV_LINES_PORT, HV_LINES_PORT },             /* isa-debugcon: our own lines (hv.h) */
    { GUEST_CONSOLE_PORT, GUEST_CONSOLE_PORT },   /* isa-debugcon: the guest's console_io */
    { 0xf4, 0xf7 },     /* isa-debug-exit: the verdict */
    { 0x3f8, 0x3ff },   /* COM1: the console */
};

/* A decoded I/O instruction. */
struct io_insn {
    unsigned int len;
    bool opsize, addr32, rep;
    int seg;            /* segment override of outs: -1, or 4 (fs) / 5 (gs); others base 0 */
    uint8_t op;
    unsigned int port, bytes;
};

/* Decode the instruction at rip; false if it is not a port-I/O instruction. */
static bool decode(const struct cpu_regs *r, struct io_insn *d)
{
    d->seg = -1;
    for (d->len = 0; d->len < 15; ) {
        uint8_t b;

        if (copy_from_guest_va(&b, r->rip + d->len, 1))
            return false;
        d->len++;
        if (b == 0x66)
            d->opsize = true;
        else if (b == 0x67)
            d->addr32 = true;
        else if (b == 0xf3 || b == 0xf2)
            d->rep = true;
        else if (b == 0x64 || b == 0x65)
            d->seg = b - 0x60;
        else if (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e)
            d->seg = -1;
        else if (b == 0xf0 || (b & 0xf0) == 0x40)
            continue;           /* lock (#UD before us) and REX (no effect on port I/O) */
        else {
            d->op = b;
            break;
        }
    }
    switch (d->op) {
    case 0xe4: case 0xe5: case 0xe6: case 0xe7: {
        uint8_t imm;

        if (d->len >= 15 || copy_from_guest_va(&imm, r->rip + d->len, 1))
            return false;
        d->len++;
        d->port = imm;
        break;
    }
    case 0xec: case 0xed: case 0xee: case 0xef:
    case 0x6c: case 0x6d: case 0x6e: case 0x6f:
        d->port = (uint16_t)r->rdx;
        break;
    default:
        return false;
    }
    d->bytes = (d->op & 1) ? (d->opsize ? 2 : 4) : 1;
    return true;
}

/* Xen's guest_io_okay: the virtual IOPL, or the vCPU's I/O bitmap. */
static bool io_permitted(unsigned int port, unsigned int bytes)
{
    struct vcpu *v = current;
    struct hv_vcpu *h = hvv(v);
    uint8_t x[2] = { 0xff, 0xff };

    if (guest_iopl_ok())
        return true;
    if (port + bytes > h->iobmp_limit)
        return false;
    /* The bitmap lives in kernel memory: read it with the kernel's tables. */
    if (!v->kernel_mode)
        write_cr3(v->guest_table << PAGE_SHIFT);
    if (copy_from_guest_va(&x[0], h->iobmp + (port >> 3), 1) == 0)
        copy_from_guest_va(&x[1], h->iobmp + (port >> 3) + 1, 1);
    if (!v->kernel_mode)
        load_guest_cr3(v);
    return ((x[0] | (unsigned int)x[1] << 8) & (((1u << bytes) - 1) << (port & 7))) == 0;
}

void ioports_deny_hypervisor_ports(struct rangeset *rs)
{
    for (unsigned int i = 0; i < sizeof(hv_ports) / sizeof(hv_ports[0]); i++)
        rangeset_remove_range(rs, hv_ports[i].first, hv_ports[i].last);
}

/* Ports the running domain may not reach (Xen's admin_io_okay): the hypervisor's own, and
 * for every domain the ports outside its rights (dom0: all but the hypervisor's). */
static bool hv_owns(unsigned int port, unsigned int bytes)
{
    for (unsigned int i = 0; i < sizeof(hv_ports) / sizeof(hv_ports[0]); i++)
        if (port <= hv_ports[i].last && port + bytes - 1 >= hv_ports[i].first)
            return true;
    return !ioports_access_permitted(current->domain, port, port + bytes - 1);
}

static uint32_t port_read(unsigned int port, unsigned int bytes)
{
    uint32_t v;

    if (hv_owns(port, bytes))
        return ~0u;
    if (bytes == 1)
        __asm__ volatile("inb %w1, %b0" : "=a"(v) : "Nd"(port));
    else if (bytes == 2)
        __asm__ volatile("inw %w1, %w0" : "=a"(v) : "Nd"(port));
    else
        __asm__ volatile("inl %w1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static void port_write(unsigned int port, unsigned int bytes, uint32_t v)
{
    if (hv_owns(port, bytes))
        return;
    if (bytes == 1)
        __asm__ volatile("outb %b0, %w1" :: "a"(v), "Nd"(port));
    else if (bytes == 2)
        __asm__ volatile("outw %w0, %w1" :: "a"(v), "Nd"(port));
    else
        __asm__ volatile("outl %0, %w1" :: "a"(v), "Nd"(port));
}

/* The #PF error code for a failed access at va: P from a walk of the current tables. */
static uint32_t pf_error_code(uint64_t va, bool write)
{
    uint64_t table = read_cr3() & PTE_ADDR_MASK;
    uint32_t ec = (write ? 2u : 0u) | (current->kernel_mode ? 0u : 4u);

    for (int level = 4; level >= 1; level--) {
        intpte_t e = ((const intpte_t *)mfn_to_virt(table >> PAGE_SHIFT))[pt_index(va, level)];

        if (!(e & _PAGE_PRESENT))
            return ec;
        if (level > 1 && (e & _PAGE_PSE))
            break;
        table = e & PTE_ADDR_MASK;
    }
    return ec | 1u;
}

static void inject_page_fault(struct cpu_regs *r, uint64_t va, bool write)
{
    hvv(current)->cr2 = va;
    hvv(current)->vcpu_info->arch.cr2 = va;
    bounce_exception(r, 14, true, pf_error_code(va, write));
}

/* in / out: the value moves through al, ax or eax (a 32-bit in zero-extends rax). */
static void simple_io(struct cpu_regs *r, const struct io_insn *d)
{
    uint32_t mask = d->bytes == 4 ? ~0u : (1u << (8 * d->bytes)) - 1;

    if (d->op == 0xe4 || d->op == 0xe5 || d->op == 0xec || d->op == 0xed) {
        uint32_t v = port_read(d->port, d->bytes) & mask;

        r->rax = d->bytes == 4 ? v : (r->rax & ~(uint64_t)mask) | v;
    } else {
        port_write(d->port, d->bytes, (uint32_t)r->rax & mask);
    }
    r->rip += d->len;
}

/* ins / outs, with rep: true when handled (completed, a batch done, or #PF injected). */
static bool string_io(struct cpu_regs *r, const struct io_insn *d)
{
    bool in = d->op == 0x6c || d->op == 0x6d;
    uint64_t *idx = in ? &r->rdi : &r->rsi;
    uint64_t base = 0, count = d->rep ? (d->addr32 ? (uint32_t)r->rcx : r->rcx) : 1;
    int64_t step = (r->rflags & X86_EFLAGS_DF) ? -(int64_t)d->bytes : (int64_t)d->bytes;

    if (!in && d->seg >= 4)
        base = rdmsr(d->seg == 4 ? MSR_FS_BASE : MSR_GS_BASE);
    for (unsigned int n = 0; count > 0 && n < IO_REP_BATCH; n++) {
        uint64_t va = base + (d->addr32 ? (uint32_t)*idx : *idx);
        uint32_t v = 0;

        if (!guest_range_ok(va, d->bytes))
            return false;   /* non-canonical or the hypervisor's: #GP(0), as far as done */
        if (in) {
            v = port_read(d->port, d->bytes);
            if (copy_to_guest_va(va, &v, d->bytes)) {
                inject_page_fault(r, va, true);
                return true;
            }
        } else {
            if (copy_from_guest_va(&v, va, d->bytes)) {
                inject_page_fault(r, va, false);
                return true;
            }
            port_write(d->port, d->bytes, v);
        }
        *idx = d->addr32 ? (uint32_t)(*idx + (uint64_t)step) : *idx + (uint64_t)step;
        count--;
        if (d->rep)
            r->rcx = d->addr32 ? (uint32_t)(r->rcx - 1) : r->rcx - 1;
    }
    if (count == 0)
        r->rip += d->len;
    return true;
}

bool emulate_io_op(struct cpu_regs *r)
{
    struct io_insn d = { 0 };

    if (!decode(r, &d) || !io_permitted(d.port, d.bytes))
        return false;
    if (d.op >= 0x6c && d.op <= 0x6f)
        return string_io(r, &d);
    simple_io(r, &d);
    return true;
}
