/*
 * xsa293-cr4-fsgsbase: the FSGSBASE instructions work exactly when the guest's CR4 says so.
 *
 * The story. RDFSBASE/WRFSBASE/RDGSBASE/WRGSBASE let code at any privilege level read and
 * write the FS and GS bases directly, but only while CR4.FSGSBASE is set. A PV guest kernel
 * does not own the real CR4: it reads and writes a virtual one (mov to/from %cr4 is emulated),
 * and may turn FSGSBASE on when the hypervisor's CPUID view offers it. Xen used the
 * instructions itself and left CR4.FSGSBASE set on the real CPU while running PV guests
 * whose kernels had never enabled it. XSA-293 (2019): guest user code could then change its
 * FS/GS base behind its kernel's back, and a kernel that trusts its own bookkeeping of those
 * bases (and of whether user mode can change them) could be confused into privilege
 * escalation. The invariant: for the bits the guest controls, the hardware CR4 reflects the
 * guest-visible CR4.
 *
 * Measured on Xen 4.17: the virtual CR4 starts with FSGSBASE clear; a write setting it is
 * accepted when CPUID leaf 7 advertises FSGSBASE (QEMU `-cpu max`) and silently dropped
 * otherwise (`qemu64`), never faulted; the instructions then work in guest kernel and user
 * mode, and fault with #UD again once the kernel clears the bit.
 *
 * The guest reads the advertised feature through the forced-emulation CPUID and checks, with
 * FSGSBASE as the kernel left it (clear), after setting it, and after clearing it again:
 *   - the write to CR4 does not fault, and CR4 reads back with FSGSBASE set exactly when it
 *     was set and CPUID advertises it;
 *   - in guest kernel mode, rdfsbase and wrfsbase fault with #UD exactly when CR4.FSGSBASE
 *     reads clear; when they work, a value written reads back;
 *   - the same in guest user mode (wrfsbase then rdfsbase, in the user's own address space).
 */
#include "guest.h"

const char test_title[] = "XSA-293: CR4.FSGSBASE follows the guest's CR4";

#define CR4_FSGSBASE   (1UL << 16)
#define FS_MAGIC       0x0000293000293000UL    /* a canonical FS base */

/* User snippet: wrfsbase rdi, then rax = rdfsbase, back through syscall. */
asm (".pushsection .user.text, \"ax\", @progbits\n"
     ".globl user_fsbase\n"
     "user_fsbase:\n"
     "    wrfsbase %rdi\n"
     "    rdfsbase %rax\n"
     "    syscall\n"
     "    ud2\n"
     ".popsection\n");
extern char user_fsbase[];

static bool probe_read_cr4(uint64_t *v, struct fault *f)
{
    return PROBE("mov %%cr4, %0", : "+r" (*v) :);
}

static bool probe_write_cr4(uint64_t v, struct fault *f)
{
    return PROBE("mov %0, %%cr4", : : "r" (v));
}

static bool probe_rdfsbase(uint64_t *v, struct fault *f)
{
    return PROBE("rdfsbase %0", : "+r" (*v) :);
}

static bool probe_wrfsbase(uint64_t v, struct fault *f)
{
    return PROBE("wrfsbase %0", : : "r" (v));
}

/* Check that the instructions work in kernel and user mode exactly when `on`. */
static int check_insns(const char *when, bool on, unsigned long user_stack)
{
    struct fault fault, *f = &fault;
    struct user_result r;
    uint64_t v = 0;
    bool rd, wr;

    rd = probe_rdfsbase(&v, f);
    if (rd && f->vector != X86_EXC_UD)
        return xtf_failure("%s: kernel rdfsbase gave %s", when, exception_name(f->vector));
    wr = probe_wrfsbase(FS_MAGIC, f);
    if (wr && f->vector != X86_EXC_UD)
        return xtf_failure("%s: kernel wrfsbase gave %s", when, exception_name(f->vector));
    if (rd == on || wr == on)
        return xtf_failure("%s: CR4.FSGSBASE reads %s but kernel rdfsbase %s, wrfsbase %s",
                           when, on ? "set" : "clear", rd ? "faults" : "works",
                           wr ? "faults" : "works");
    if (on && (probe_rdfsbase(&v, f) || v != FS_MAGIC))
        return xtf_failure("%s: kernel wrfsbase %#lx, rdfsbase gave %#lx", when, FS_MAGIC,
                           (unsigned long)v);

    user_run((unsigned long)user_fsbase, user_stack, FS_MAGIC + 0x1000, &r);
    if (r.faulted && r.fault.vector != X86_EXC_UD)
        return xtf_failure("%s: user wrfsbase gave %s", when, exception_name(r.fault.vector));
    if (r.faulted == on)
        return xtf_failure("%s: CR4.FSGSBASE reads %s but user wrfsbase %s", when,
                           on ? "set" : "clear", r.faulted ? "faults" : "works");
    if (on && r.rax != FS_MAGIC + 0x1000)
        return xtf_failure("%s: user wrfsbase %#lx, rdfsbase gave %#lx", when,
                           FS_MAGIC + 0x1000, (unsigned long)r.rax);
    printk("%s: rd/wrfsbase %s in kernel and user mode\n", when, on ? "work" : "give #UD");

    /* Put the FS base back. */
    if (_hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_FS, 0))
        return xtf_error("set_segment_base(FS, 0) failed");
    return 0;
}

/* Optionally write CR4 with FSGSBASE = want, then check the read-back and the instructions. */
static int step(const char *when, bool write, bool want, bool offered, unsigned long stack)
{
    struct fault fault, *f = &fault;
    uint64_t cr4 = 0;
    bool on;

    if (probe_read_cr4(&cr4, f))
        return xtf_failure("%s: reading CR4 gave %s", when, exception_name(f->vector));
    if (write) {
        cr4 = want ? cr4 | CR4_FSGSBASE : cr4 & ~CR4_FSGSBASE;
        if (probe_write_cr4(cr4, f))
            return xtf_failure("%s: writing CR4 %#lx gave %s (Xen accepts or ignores it)",
                               when, (unsigned long)cr4, exception_name(f->vector));
        if (probe_read_cr4(&cr4, f))
            return xtf_failure("%s: reading CR4 gave %s", when, exception_name(f->vector));
    }
    on = (cr4 & CR4_FSGSBASE) != 0;
    printk("%s: CR4 %#lx\n", when, (unsigned long)cr4);
    if (on != (want && offered))
        return xtf_failure("%s: CR4.FSGSBASE reads %s; expected %s (CPUID %s it)", when,
                           on ? "set" : "clear", want && offered ? "set" : "clear",
                           offered ? "offers" : "does not offer");
    return check_insns(when, on, stack);
}

int test_main(void)
{
    unsigned long stack;
    uint32_t c[4];
    bool offered;
    long rc;

    pv_cpuid(0, 0, c);
    offered = false;
    if (c[0] >= 7) {
        pv_cpuid(7, 0, c);
        offered = c[1] & 1;
    }
    printk("CPUID.7.0:EBX.FSGSBASE = %d\n", offered);

    rc = user_init();
    if (rc)
        return xtf_error("user_init (stack_switch, syscall callback) gave %ld", rc);
    stack = user_space_minimal();
    if (!stack)
        return XTF_ERROR;

    if (step("as booted", false, false, offered, stack) ||
        step("after setting FSGSBASE", true, true, offered, stack) ||
        step("after clearing FSGSBASE", true, false, offered, stack))
        return XTF_FAILURE;
    return xtf_success();
}
