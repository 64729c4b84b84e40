/*
 * ioport-iopl: port I/O from a PV guest under its virtual I/O privilege, as Xen emulates it.
 *
 * The guest kernel runs at CPL 3 with the real IOPL 0, so every in/out/ins/outs traps. Xen
 * emulates the access when the vCPU's virtual IOPL allows it at the virtual CPL (1 in kernel
 * mode, 0 with VMASST_TYPE_architectural_iopl, 3 in user mode) or the vCPU's I/O bitmap grants
 * the ports, and gives #GP(0) otherwise; ports the hypervisor keeps (its serial port, the PICs)
 * read as all ones. A dom0 kernel needs this early: Linux probes PCI through 0xcf8/0xcfc right
 * after PHYSDEVOP_set_iopl.
 *
 * Measured on Xen 4.17 (and asserted here):
 *   - at the initial virtual IOPL 0, kernel in/out/ins/outs give #GP(0) with rip at the
 *     instruction; set_iopl(4) is -EINVAL;
 *   - set_iopl(1) (and the same through physdev_op_compat) lets the kernel do every form:
 *     imm8 and %dx ports, 8/16/32 bits (in al/ax keep the rest of rax, in eax zero-extends),
 *     rep ins/outs with rsi/rdi/rcx stepped (backwards with DF); the DMA page register 0x81
 *     and the PCI configuration address 0xcf8 read back what was written, 0xcfc reads the
 *     host bridge's id through every width;
 *   - reading the hypervisor's COM1 (0x3fd) or the PIC (0x20, 0x21, also after a write) gives
 *     0xff;
 *   - rep insb into an unmapped page is #PF(W) at that page with the registers as far as done;
 *   - user mode needs IOPL 3: #GP(0) at set_iopl(1), the access works at set_iopl(3);
 *   - set_iobitmap: at IOPL 0 a clear bit grants exactly its port (to kernel and user mode), a
 *     port beyond nr_ports is refused; a bitmap in the hypervisor's half or more than 65536
 *     ports is -EINVAL;
 *   - with VMASST_TYPE_architectural_iopl the kernel may do I/O at IOPL 0, and user mode may
 *     exactly when the iret that entered it carried rflags.IOPL = 3.
 */
#include "guest.h"
#include <xen/physdev.h>

const char test_title[] = "port I/O under the virtual IOPL (set_iopl, set_iobitmap, "
                          "architectural_iopl)";

#define PORT_DMA_PAGE  0x81      /* DMA page register: a byte that reads back */
#define PORT_DMA_PAGE2 0x82      /* ... and its neighbour 0x83 */
#define PCI_CONF_ADDR  0xcf8
#define PCI_CONF_DATA  0xcfc
#define HOST_BRIDGE_ID 0x12378086U   /* i440FX, device 00:00.0 of QEMU's pc machine */

static long physdev(unsigned int cmd, void *arg)
{
    return _hypercall2(__HYPERVISOR_physdev_op, cmd, arg);
}

static long set_iopl(unsigned int iopl)
{
    struct physdev_set_iopl s = { iopl };

    return physdev(PHYSDEVOP_set_iopl, &s);
}

/* One instruction under an exception-table entry; true if it faulted (last_fault has it). */
#define IO_PROBE(insn, ...) ({ unsigned long b_ = fault_count;                    \
    asm volatile ("1: " insn "\n2:\n" ASM_EXTABLE(1b, 2b) __VA_ARGS__ : "memory");   \
    fault_count != b_; })

static bool gp0(const char *what, bool faulted)
{
    if (!faulted)
        return xtf_failure("%s: no fault, expected #GP(0)", what), false;
    if (last_fault.vector != X86_EXC_GP || last_fault.error_code != 0)
        return xtf_failure("%s: %s ec %#x, expected #GP(0)", what,
                           exception_name(last_fault.vector), last_fault.error_code), false;
    return true;
}

static bool works(const char *what, bool faulted)
{
    if (faulted)
        xtf_failure("%s: %s ec %#x", what, exception_name(last_fault.vector),
                    last_fault.error_code);
    return !faulted;
}

static bool inb_dx(unsigned int port, uint8_t *v)
{
    uint64_t a = 0;
    bool f = IO_PROBE("inb %%dx, %%al", : "+a" (a) : "d" (port));

    *v = (uint8_t)a;
    return f;
}

static bool outb_dx(unsigned int port, uint8_t v)
{
    return IO_PROBE("outb %%al, %%dx", : : "a" (v), "d" (port));
}

/* Kernel mode at the initial virtual IOPL 0: every form is #GP(0). */
static void no_privilege(void)
{
    uint64_t a = 0, c = 1, di = (uint64_t)(uintptr_t)&a;

    gp0("in $imm8 at IOPL 0", IO_PROBE("inb $0x81, %%al", : "+a" (a) :));
    if (last_fault.rip == 0)
        xtf_failure("fault rip not recorded");
    gp0("out $imm8 at IOPL 0", IO_PROBE("outb %%al, $0x81", : : "a" (a)));
    gp0("in %dx at IOPL 0", IO_PROBE("inl %%dx, %%eax", : "+a" (a) : "d" (PCI_CONF_DATA)));
    gp0("rep insb at IOPL 0", IO_PROBE("rep insb", : "+D" (di), "+c" (c) : "d" (0x81)));
    if (c != 1)
        xtf_failure("rep insb at IOPL 0 changed rcx to %lu", c);
}

/* The kernel at virtual IOPL 1: every form, every width. */
static void kernel_forms(void)
{
    static uint8_t buf[16];
    static const uint8_t src[4] = { 'a', 'b', 'c', 'd' };
    static const uint16_t words[2] = { 0x1111, 0x2233 };
    static const uint32_t dwords[2] = { 0x80000000U, 0x80000008U };
    static uint32_t got[2];
    uint64_t a, si, di, c;
    uint8_t b;

    /* imm8, 8 and 16 bits: the DMA page registers read back. */
    a = 0x5a;
    works("outb $0x81", IO_PROBE("outb %%al, $0x81", : : "a" (a)));
    a = 0xaaaaaaaaaaaaaa00UL;
    works("inb $0x81", IO_PROBE("inb $0x81, %%al", : "+a" (a) :));
    if (a != 0xaaaaaaaaaaaaaa5aUL)
        xtf_failure("inb $0x81: rax %#lx, expected ...aa5a (al only)", a);
    a = 0x1234;
    works("outw $0x82", IO_PROBE("outw %%ax, $0x82", : : "a" (a)));
    a = 0xbbbbbbbbbbbb0000UL;
    works("inw $0x82", IO_PROBE("inw $0x82, %%ax", : "+a" (a) :));
    if (a != 0xbbbbbbbbbbbb1234UL)
        xtf_failure("inw $0x82: rax %#lx, expected ...bb1234 (ax only)", a);

    /* %dx, 32 bits: the PCI configuration mechanism. */
    a = 0x80000000U;
    works("outl 0xcf8", IO_PROBE("outl %%eax, %%dx", : : "a" (a), "d" (PCI_CONF_ADDR)));
    a = 0xffffffff00000000UL;
    works("inl 0xcf8", IO_PROBE("inl %%dx, %%eax", : "+a" (a) : "d" (PCI_CONF_ADDR)));
    if (a != 0x80000000U)
        xtf_failure("inl 0xcf8: rax %#lx, expected 0x80000000 (zero-extended)", a);
    a = 0;
    works("inl 0xcfc", IO_PROBE("inl %%dx, %%eax", : "+a" (a) : "d" (PCI_CONF_DATA)));
    if (a != HOST_BRIDGE_ID)
        xtf_failure("inl 0xcfc: %#lx, expected host bridge %#x", a, HOST_BRIDGE_ID);
    a = 0;
    works("inw 0xcfe", IO_PROBE("inw %%dx, %%ax", : "+a" (a) : "d" (PCI_CONF_DATA + 2)));
    if (a != (HOST_BRIDGE_ID >> 16))
        xtf_failure("inw 0xcfe: %#lx, expected %#x", a, HOST_BRIDGE_ID >> 16);
    if (!works("inb 0xcfd", inb_dx(PCI_CONF_DATA + 1, &b)) || b != ((HOST_BRIDGE_ID >> 8) & 0xff))
        xtf_failure("inb 0xcfd: %#x, expected %#x", b, (HOST_BRIDGE_ID >> 8) & 0xff);

    /* rep outsb / insb. */
    si = (uint64_t)(uintptr_t)src;
    c = 4;
    works("rep outsb", IO_PROBE("rep outsb", : "+S" (si), "+c" (c) : "d" (PORT_DMA_PAGE)));
    if (c != 0 || si != (uint64_t)(uintptr_t)(src + 4))
        xtf_failure("rep outsb: rcx %lu rsi +%lu", c, si - (uint64_t)(uintptr_t)src);
    if (!works("inb 0x81", inb_dx(PORT_DMA_PAGE, &b)) || b != 'd')
        xtf_failure("after rep outsb, port 0x81 reads %#x, expected 'd'", b);
    memset(buf, 0, sizeof(buf));
    di = (uint64_t)(uintptr_t)buf;
    c = 3;
    works("rep insb", IO_PROBE("rep insb", : "+D" (di), "+c" (c) : "d" (PORT_DMA_PAGE)));
    if (c != 0 || di != (uint64_t)(uintptr_t)(buf + 3) || memcmp(buf, "ddd\0", 4) != 0)
        xtf_failure("rep insb: rcx %lu rdi +%lu buf %02x %02x %02x %02x", c,
                    di - (uint64_t)(uintptr_t)buf, buf[0], buf[1], buf[2], buf[3]);
    /* Backwards (DF set): two bytes ending at buf[9]. */
    memset(buf, 0, sizeof(buf));
    di = (uint64_t)(uintptr_t)&buf[9];
    c = 2;
    works("std; rep insb", IO_PROBE("std; rep insb; cld", : "+D" (di), "+c" (c)
                                    : "d" (PORT_DMA_PAGE)));
    asm volatile ("cld");
    if (c != 0 || di != (uint64_t)(uintptr_t)&buf[7] || buf[9] != 'd' || buf[8] != 'd' ||
        buf[7] != 0)
        xtf_failure("rep insb backwards: rcx %lu rdi %+ld buf[7..9] %02x %02x %02x", c,
                    (long)(di - (uint64_t)(uintptr_t)&buf[9]), buf[7], buf[8], buf[9]);

    /* 16 and 32 bits. */
    si = (uint64_t)(uintptr_t)words;
    c = 2;
    works("rep outsw", IO_PROBE("rep outsw", : "+S" (si), "+c" (c) : "d" (PORT_DMA_PAGE2)));
    a = 0;
    works("inw 0x82", IO_PROBE("inw %%dx, %%ax", : "+a" (a) : "d" (PORT_DMA_PAGE2)));
    if (c != 0 || a != 0x2233)
        xtf_failure("rep outsw: rcx %lu, port 0x82 reads %#lx, expected 0x2233", c, a);
    si = (uint64_t)(uintptr_t)dwords;
    c = 2;
    works("rep outsl", IO_PROBE("rep outsl", : "+S" (si), "+c" (c) : "d" (PCI_CONF_ADDR)));
    di = (uint64_t)(uintptr_t)got;
    c = 2;
    works("rep insl", IO_PROBE("rep insl", : "+D" (di), "+c" (c) : "d" (PCI_CONF_ADDR)));
    if (got[0] != 0x80000008U || got[1] != 0x80000008U)
        xtf_failure("rep outsl then rep insl at 0xcf8: %#x %#x, expected 0x80000008 twice",
                    got[0], got[1]);
    /* Leave the PCI address as the host bridge's id register. */
    outb_dx(PORT_DMA_PAGE, 0x5a);
    a = 0x80000000U;
    IO_PROBE("outl %%eax, %%dx", : : "a" (a), "d" (PCI_CONF_ADDR));
}

/* Ports the hypervisor keeps: all ones, writes ignored. */
static void hypervisor_ports(void)
{
    static const unsigned int ports[] = { 0x3fd, 0x3f9, 0x20, 0x21, 0xa1 };
    uint8_t b;

    for (unsigned int i = 0; i < ARRAY_SIZE(ports); i++)
        if (!works("inb of a hypervisor port", inb_dx(ports[i], &b)) || b != 0xff)
            xtf_failure("port %#x reads %#x, expected 0xff", ports[i], b);
    works("outb 0x21", outb_dx(0x21, 0x00));
    if (!works("inb 0x21", inb_dx(0x21, &b)) || b != 0xff)
        xtf_failure("after a write, port 0x21 reads %#x, expected 0xff", b);
}

/* rep insb into an unmapped page: #PF(W) at that page, registers as far as done. */
static void string_fault(void)
{
    uint8_t *page = alloc_page();
    uint64_t di = (uint64_t)(uintptr_t)(page + PAGE_SIZE - 2), c = 4;
    long rc;

    rc = pt_update_va((uintptr_t)page + PAGE_SIZE, 0, UVMF_INVLPG);   /* the next page */
    if (rc)
        return (void)xtf_error("unmapping the page after the buffer: %ld", rc);
    if (!IO_PROBE("rep insb", : "+D" (di), "+c" (c) : "d" (PORT_DMA_PAGE)))
        return (void)xtf_failure("rep insb into an unmapped page did not fault");
    if (last_fault.vector != X86_EXC_PF || last_fault.cr2 != (uintptr_t)page + PAGE_SIZE ||
        !(last_fault.error_code & PFEC_WRITE) || (last_fault.error_code & PFEC_USER))
        xtf_failure("rep insb into an unmapped page: %s ec %#x cr2 %#lx",
                    exception_name(last_fault.vector), last_fault.error_code, last_fault.cr2);
    if (c != 2 || di != (uint64_t)(uintptr_t)page + PAGE_SIZE)
        xtf_failure("rep insb fault: rcx %lu rdi %#lx, expected 2 and the page", c, di);
    printk("  rep insb into an unmapped page: %s ec %#x after 2 bytes\n",
           exception_name(last_fault.vector), last_fault.error_code);
}

/* User snippets: rax = inb 0x81 (or a fault). */
asm (".pushsection .user.text, \"ax\", @progbits\n"
     ".globl user_inb\n"
     "user_inb:\n"
     "    xor %eax, %eax\n"
     "    inb $0x81, %al\n"
     "    syscall\n"
     "    ud2\n"
     ".globl user_inb_82\n"
     "user_inb_82:\n"
     "    xor %eax, %eax\n"
     "    inb $0x82, %al\n"
     "    syscall\n"
     "    ud2\n"
     ".popsection\n");
extern char user_inb[], user_inb_82[];

static unsigned long user_stack;

/* Run a user snippet with rflags; expect a value (want >= 0) or #GP(0) (want < 0). */
static void user_io(const char *what, char *code, unsigned long rflags, long want)
{
    struct user_result res;

    user_run_flags((unsigned long)code, user_stack, 0, rflags, &res);
    if (want < 0) {
        if (!res.faulted || res.fault.vector != X86_EXC_GP || res.fault.error_code != 0)
            xtf_failure("%s: %s, expected #GP(0)", what,
                        res.faulted ? exception_name(res.fault.vector) : "no fault");
    } else if (res.faulted) {
        xtf_failure("%s: %s ec %#x", what, exception_name(res.fault.vector),
                    res.fault.error_code);
    } else if ((long)res.rax != want) {
        xtf_failure("%s: read %#lx, expected %#lx", what, res.rax, want);
    }
}

static void bitmap(void)
{
    static uint8_t bm[PHYSDEV_IOBMP_BYTES] __attribute__((aligned(4096)));
    struct physdev_set_iobitmap s = { (uint64_t)(uintptr_t)bm, 0x100, 0 };
    uint8_t b;
    long rc;

    memset(bm, 0xff, sizeof(bm));
    bm[PORT_DMA_PAGE >> 3] &= (uint8_t)~(1u << (PORT_DMA_PAGE & 7));
    rc = physdev(PHYSDEVOP_set_iobitmap, &s);
    if (rc)
        return (void)xtf_failure("set_iobitmap: %ld", rc);
    if (works("inb 0x81 granted by the bitmap", inb_dx(PORT_DMA_PAGE, &b)) && b != 0x5a)
        xtf_failure("inb 0x81 through the bitmap: %#x", b);
    gp0("inb 0x82 not granted by the bitmap", inb_dx(PORT_DMA_PAGE2, &b));
    user_io("user inb 0x81 granted by the bitmap", user_inb, 0x2, 0x5a);
    user_io("user inb 0x82 not granted", user_inb_82, 0x2, -1);
    s.nr_ports = PORT_DMA_PAGE;                      /* 0x81 + 1 > nr_ports */
    physdev(PHYSDEVOP_set_iobitmap, &s);
    gp0("inb 0x81 beyond nr_ports", inb_dx(PORT_DMA_PAGE, &b));
    s.bitmap = 0;
    s.nr_ports = 0;
    physdev(PHYSDEVOP_set_iobitmap, &s);
    gp0("inb 0x81 without a bitmap", inb_dx(PORT_DMA_PAGE, &b));

    s.bitmap = 0xffff830000000000UL;
    s.nr_ports = 0x100;
    rc = physdev(PHYSDEVOP_set_iobitmap, &s);
    if (rc != -XEN_EINVAL)
        xtf_failure("set_iobitmap in the hypervisor's half: %ld, expected -EINVAL", rc);
    s.bitmap = (uint64_t)(uintptr_t)bm;
    s.nr_ports = 65537;
    rc = physdev(PHYSDEVOP_set_iobitmap, &s);
    if (rc != -XEN_EINVAL)
        xtf_failure("set_iobitmap of 65537 ports: %ld, expected -EINVAL", rc);
}

static void architectural_iopl(void)
{
    uint8_t b;
    long rc = hypercall_vm_assist(VMASST_CMD_enable, VMASST_TYPE_architectural_iopl);

    if (rc)
        return (void)xtf_failure("enabling architectural_iopl: %ld", rc);
    if (works("kernel inb at IOPL 0 with architectural_iopl", inb_dx(PORT_DMA_PAGE, &b)) &&
        b != 0x5a)
        xtf_failure("inb 0x81: %#x", b);
    user_io("user inb, iret with IOPL 3", user_inb, 0x3002, 0x5a);
    user_io("user inb, iret with IOPL 0", user_inb, 0x2, -1);
    hypercall_vm_assist(VMASST_CMD_disable, VMASST_TYPE_architectural_iopl);
    gp0("kernel inb at IOPL 0 without architectural_iopl", inb_dx(PORT_DMA_PAGE, &b));
}

int test_main(void)
{
    struct { uint32_t cmd, pad; struct physdev_set_iopl s; uint32_t pad2[3]; } compat;
    uint8_t b;
    long rc;

    if (user_init())
        return xtf_error("user_init failed");
    user_stack = user_space_minimal();
    if (!user_stack)
        return 0;

    no_privilege();
    rc = set_iopl(4);
    if (rc != -XEN_EINVAL)
        xtf_failure("set_iopl(4): %ld, expected -EINVAL", rc);
    rc = set_iopl(1);
    if (rc)
        return xtf_failure("set_iopl(1): %ld", rc);
    kernel_forms();
    hypervisor_ports();
    string_fault();
    user_io("user inb at IOPL 1", user_inb, 0x2, -1);
    set_iopl(3);
    user_io("user inb at IOPL 3", user_inb, 0x2, 0x5a);

    set_iopl(0);
    gp0("inb after set_iopl(0)", inb_dx(PORT_DMA_PAGE, &b));
    memset(&compat, 0, sizeof(compat));
    compat.cmd = PHYSDEVOP_set_iopl;
    compat.s.iopl = 1;
    rc = _hypercall1(__HYPERVISOR_physdev_op_compat, &compat);
    if (rc)
        xtf_failure("physdev_op_compat(set_iopl 1): %ld", rc);
    works("inb after the compat set_iopl(1)", inb_dx(PORT_DMA_PAGE, &b));
    set_iopl(0);

    bitmap();
    architectural_iopl();
    return xtf_status() == XTF_RUNNING ? xtf_success() : 0;
}
