/*
 * hv/hv.h - pvmm-hv's shared declarations: the virtual memory layout, the
 * saved guest register frame, per-vCPU hypervisor state, and the small set
 * of services every hypervisor file uses (console, panic, frames, guest
 * memory access).
 *
 * Virtual layout (all inside Xen's L4 slots 256-271, see boot-ABI §5.1):
 *   slot 256  0xffff800000000000  read-only M2P, mapped user-readable for guests
 *   slot 260  0xffff820000000000  per-domain area: per vCPU the 16-page GDT, then the LDT
 *   slot 261  0xffff82d040000000  hypervisor image (VA = HV_VIRT_START + physical address)
 *   slot 262  0xffff830000000000  direct map of the first 4 GiB of physical memory
 * Every other slot belongs to the guest.  Only slot 256 carries _PAGE_USER.
 */
#ifndef HV_HV_H
#define HV_HV_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>
#include <pvmm/pvmm.h>
#include "x86.h"
#include "smp.h"
#include <pvmm/lock.h>

#define HV_VIRT_START         0xffff82d040000000UL
#define DIRECTMAP_VIRT_START  0xffff830000000000UL
#define DIRECTMAP_SIZE        (4UL << 30)
#define PERDOMAIN_VIRT_START  0xffff820000000000UL
/*
 * Each vCPU of each domain has its own descriptor window in the per-domain area (Xen's
 * layout of one: 16 GDT pages, then 16 LDT pages), window number desc_window(v) =
 * domain slot * PVMM_MAX_VCPUS + vCPU id: two vCPUs running at once on two CPUs never
 * share one, whatever their domains.
 */
#define VCPU_DESC_PAGES       32
#define NR_DESC_WINDOWS       (PVMM_MAX_DOMAINS * PVMM_MAX_VCPUS)
#define DESC_WINDOW_L1S       (NR_DESC_WINDOWS * VCPU_DESC_PAGES / 512)
#define GDT_VIRT_START(w)     (PERDOMAIN_VIRT_START + ((uint64_t)(w) * VCPU_DESC_PAGES << 12))
#define LDT_VIRT_START(w)     (GDT_VIRT_START(w) + (16UL << PAGE_SHIFT))
#define RO_MPT_VIRT_START     0xffff800000000000UL

/* Hypervisor selectors in Xen's reserved GDT page (boot-ABI §4.1). */
#define HV_CS        0xe008
#define HV_DS        0xe010
#define HV_TSS_SEL   0xe040
#define HV_LDT_SEL   0xe050

/* Hypervisor-only page-table flags (no _PAGE_USER). */
#define PTE_HV_RW    (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PTE_HV_RO    (_PAGE_PRESENT | _PAGE_ACCESSED)

/* The exit codes isa-debug-exit turns into QEMU statuses 33 and 35. */
#define HV_EXIT_PASS  0x10
#define HV_EXIT_FAIL  0x11

/*
 * A guest's registers as saved on the hypervisor stack by every entry path
 * (exceptions, interrupts and SYSCALL all build the same frame; see entry.S).
 * It always sits at the same address, the top of the hypervisor stack.
 */
struct cpu_regs {
    uint64_t r15, r14, r13, r12, rbp, rbx, r11, r9, rax, rcx;
    union {
        struct { uint64_t rdi, rsi, rdx, r10, r8; };
        uint64_t args[5];                /* hypercall arguments 1-5, in this order */
    };
    uint64_t entry_vector;   /* exception vector, or ENTRY_SYSCALL */
    uint64_t error_code;
    uint64_t rip, cs, rflags, rsp, ss;   /* the hardware IRET frame */
};
#define ENTRY_SYSCALL  0x100
_Static_assert(offsetof(struct cpu_regs, r8) - offsetof(struct cpu_regs, rdi) == 32,
               "hypercall arguments are contiguous");
_Static_assert(offsetof(struct cpu_regs, rip) == 17 * 8, "entry.S frame layout");

/* A trap-table entry as set_trap_table records it (boot-ABI §9.1). */
struct hv_trap {
    uint64_t address;   /* 0: nothing registered */
    uint8_t  flags;     /* bits 0-1 DPL, bit 2 mask events */
};

/* A software timer (timer.c): fn(data) runs in the timer softirq once system time passes
 * `expires` (ns since boot). */
struct timer {
    uint64_t expires;
    void (*fn)(void *data);
    void *data;
    struct timer *next;          /* in the owning CPU's list, soonest first */
    unsigned int cpu;
    bool active;
};

/* A vCPU's virtual machine-check banks (vmce.c). */
#define GUEST_MC_BANKS  2
struct hv_vmce {
    uint64_t mcg_status;
    struct {
        uint64_t reg[3];          /* MCi_STATUS, MCi_ADDR, MCi_MISC */
        uint64_t ctl2;            /* MCi_CTL2 (Intel) */
    } bank[GUEST_MC_BANKS];
};

/* Hypervisor-side state of a vCPU, hung off struct vcpu's plat pointer. */
struct hv_vcpu {
    struct hv_trap trap[256];
    uint64_t cb_event, cb_failsafe, cb_syscall, cb_syscall32, cb_sysenter, cb_nmi;
    uint8_t  cbf_syscall, cbf_syscall32, cbf_sysenter;
    uint64_t kernel_ss, kernel_sp;
    uint64_t cr2;             /* the virtual CR2 */
    bool     fpu_ts;          /* the virtual CR0.TS */
    uint64_t cr4;             /* guest-visible CR4 bits it may control */
    unsigned int iopl;        /* the virtual IOPL (0..3) */
    uint64_t dr[4];           /* debug registers as the guest set them (debugreg.c) */
    uint32_t dr6, dr7, dr7_emul;
    uint64_t iobmp;           /* PHYSDEVOP_set_iobitmap: guest VA of the I/O bitmap */
    uint16_t ldt_mapped;      /* LDT pages mapped in its descriptor window (mm-core.c) */
    unsigned int ldt_loaded_ents;  /* the LDT size LDTR was last loaded with for it */
    uint32_t desc_gen_loaded;      /* the core's desc_gen its window was last mapped for */
    unsigned int iobmp_limit; /* ports it covers (0: none) */
    struct vcpu_info *vcpu_info;   /* hypervisor mapping of this vCPU's vcpu_info */
    uint64_t vcpu_info_mfn;        /* VCPUOP_register_vcpu_info's frame, 0 if none */
    /* Time and events (time.c, timer.c, evtchn.c, sched.c, vcpu-op.c). */
    struct timer singleshot_timer, periodic_timer, poll_timer;
    uint64_t periodic_period;      /* ns, 0: no periodic timer */
    uint32_t virq_to_port[24];     /* NR_VIRQS; 0: not bound */
    bool     blocked;              /* SCHEDOP_block/poll: waiting for an event */
    bool     polling;              /* SCHEDOP_poll: woken by its ports even when masked */
    int      poll_evtchn;          /* the one port polled, or -1 for any */
    uint32_t shutdown_code;        /* SCHEDOP_shutdown_code's reason */
    uint64_t runstate_guest;       /* VA of the guest's vcpu_runstate_info, 0 if none */
    uint64_t time_area;            /* VA of the guest's vcpu_time_info copy, 0 if none */
    int      runstate_state;       /* RUNSTATE_* */
    uint64_t runstate_entry;       /* system time of the last runstate change */
    uint64_t runstate_time[4];     /* ns spent in each runstate */
    struct hv_vmce vmce;           /* virtual machine-check state (vmce.c) */
    /* CPUs whose TLB may hold this vCPU's translations (flush.c): set before a CPU loads
     * its page tables, cleared after that CPU has loaded others. */
    cpumask_t dirty_cpumask;
    /* Scheduling (sched-rr.c, context-switch.c, vcpu-context.c). */
    bool     is_idle;              /* a CPU's idle vCPU: never runs guest code */
    bool     initialised;          /* has a context (vCPU 0 from the builder; VCPUOP_initialise) */
    bool     down;                 /* Xen's _VPF_down: offline until VCPUOP_up */
    bool     on_runq;              /* queued on its CPU's run queue */
    bool     yielded;              /* SCHEDOP_yield: go behind the other runnable vCPUs */
    bool     failsafe_disables_events;  /* VGCF_failsafe_disables_events */
    uint8_t  failsafe_pending;     /* a segment reload failed: bounce to the failsafe callback */
    unsigned int processor;        /* the CPU whose run queue it is on */
    /* Where it may run (affinity.c): every CPU at first; hard_saved while pin_override. */
    cpumask_t hard_affinity, soft_affinity, hard_saved;
    bool     pin_override;         /* SCHEDOP_pin_override pinned it */
    struct vcpu *runq_next;        /* next on that run queue */
    struct cpu_regs regs;          /* the guest registers while its state is not loaded */
    /* Segment state while not loaded: selectors and the three base MSRs as the CPU had them. */
    uint16_t ds, es, fs, gs;
    uint64_t fs_base, gs_base, shadow_gs_base;
    /* FPU and extended state while not loaded (xstate.c): its XSAVE area (FXSAVE's 512
     * bytes without XSAVE) and the XCR0 the guest set (0 without XSAVE). */
    uint8_t *fpu_area;
    uint64_t xcr0;
};

/* ---- per-CPU state (smp.h: every CPU-local thing lives here) ---- */
struct percpu {
    unsigned int cpu_id;
    uint32_t apic_id;
    struct vcpu *curr;                     /* the vCPU running here ("current"), maybe idle */
    volatile unsigned long softirq_pending;
    struct timer *timers;                  /* armed timers, soonest first (timer.c) */
    struct timer *timer_running;           /* the timer whose function runs here, if any */
    pvmm_spinlock_t timer_lock;            /* the list above, from any CPU (timer.c) */
    uint64_t stack_top;                    /* the top of this CPU's stack block (smp.h) */
    /* Scheduling (sched-rr.c, context-switch.c). */
    struct cpu_regs *regs;                 /* the guest frame at this CPU's stack top */
    struct vcpu *idle;                     /* this CPU's idle vCPU */
    struct vcpu *loaded;                   /* whose registers are in the CPU and *regs (lazy:
                                              idle keeps the last guest vCPU's state loaded) */
    struct vcpu *runq_head, *runq_tail;    /* runnable vCPUs waiting for this CPU, FIFO */
    pvmm_spinlock_t runq_lock;             /* the queue and curr, from any CPU (sched-rr.c) */
    bool parked;                           /* stopped for good while another CPU ends the
                                              run (domain-pause.c) */
    struct timer slice_timer;              /* the running vCPU's time slice */
    bool slice_expired;
    struct timer calibration_timer;        /* refreshes the running vCPU's time (time.c) */
    uint64_t xcr0;                         /* the XCR0 this CPU holds (xstate.c) */
};
extern struct percpu percpu_area[HV_MAX_CPUS];
/* This CPU's state: the pointer at the top of the stack block the stack pointer is in. */
static inline struct percpu *this_cpu(void)
{
    uint64_t sp;
    __asm__("mov %%rsp, %0" : "=r"(sp));
    return *(struct percpu *const *)((sp | (STACK_SIZE - 1)) - 7);
}
#define current (this_cpu()->curr)
/* The guest's registers saved by every entry from guest context on CPU cpu, or this one. */
static inline struct cpu_regs *guest_cpu_regs_of(unsigned int cpu)
{
    return (struct cpu_regs *)(cpu_stack_top(cpu) - STACK_INFO_SIZE) - 1;
}
static inline struct cpu_regs *guest_cpu_regs(void)
{
    return (struct cpu_regs *)(this_cpu()->stack_top - STACK_INFO_SIZE) - 1;
}

/* ---- memory functions (string.c) ---- */
void *memset(void *s, int c, size_t n);
void *memcpy(void *restrict d, const void *restrict s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* ---- console and diagnostics (serial.c, printk.c) ---- */
/*
 * Three output channels.  COM1 carries every byte in the order it was written, for people.
 * Two QEMU isa-debugcon ports carry the same bytes split by source, for harnesses
 * (tools/hv-run): HV_LINES_PORT only the hypervisor's own lines, GUEST_CONSOLE_PORT exactly
 * the bytes the guest gave console_io.  A guest controls every byte it prints, so no marker
 * inside one stream could tell its lines from ours; the port does.  These ports, COM1 and
 * isa-debug-exit (0xf4) are the hypervisor's: a guest must never be given access to them.
 * Without the devices (plain QEMU, real hardware) the port writes go nowhere.
 */
#define HV_LINES_PORT      0xe9
#define GUEST_CONSOLE_PORT 0xea
#define HV_TRACE_PORT      0xeb     /* the trace (option `trace`; record.c) */
#define HV_RECORD_PORT     0xec     /* the recording (option `record`; record.c) */
void serial_init(void);
void serial_putc(char c);
void serial_write(const char *s, size_t n);
void debugcon_write(uint16_t port, const char *s, size_t n);
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
unsigned long console_lock(void);          /* whole lines from several CPUs (printk.c) */
void console_unlock(unsigned long state);
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);
void dump_regs(const struct cpu_regs *r);

/* ---- the end of a run (shutdown.c) ---- */
void guest_console_write(const char *s, size_t n);
__attribute__((noreturn)) void hv_exit(uint8_t code);
__attribute__((noreturn)) void domain_shutdown(unsigned int reason);
/* Tear the running domain down through the core, measuring the longest stretch between two
 * preemption points (hypervisor option teardown-gap, make bench-hv; domain.c). */
void domain_teardown_measured(void);

/* ---- physical memory (mm-boot.c) ---- */
extern uint64_t max_ram_pfn;          /* one past the highest RAM frame */
uint64_t alloc_boot_frame(void);      /* a zeroed frame owned by the hypervisor; panics if none */
void *alloc_boot_pages(unsigned int nr, uint64_t *first_mfn);   /* contiguous, zeroed */
static inline void *mfn_to_virt(uint64_t mfn)
{
    return (void *)(DIRECTMAP_VIRT_START + (mfn << PAGE_SHIFT));
}
static inline uint64_t virt_to_maddr(const void *va)
{
    uint64_t v = (uint64_t)va;
    return v >= DIRECTMAP_VIRT_START ? v - DIRECTMAP_VIRT_START : v - HV_VIRT_START;
}
extern uint64_t hv_shared_info_mfn;   /* hypervisor frame shared with dom0 */
extern intpte_t *idle_l4;             /* the hypervisor's own L4 */
extern intpte_t xen_l4_slots[16];     /* template for slots 256..271 of guest L4s */
void mm_boot_init(uint32_t mbi_phys);
/* One entry of the firmware's memory map (multiboot, e820 types). */
struct hv_e820 {
    uint64_t addr, size;
    uint32_t type;
};
#define HV_E820_MAX 32
const struct hv_e820 *mm_machine_e820(unsigned int *nr);
void mm_map_ro_mpt(uint64_t *m2p, uint64_t nr_frames);
void mm_set_gdt_frame(unsigned int window, unsigned int idx, uint64_t mfn, bool writable);
bool mm_update_gdt_frame(unsigned int window, unsigned int idx, uint64_t mfn, bool writable);
void mm_reset_desc_window(unsigned int window);

/* ---- the hardware domain's I/O memory rights (dom0-perms.c, acpi.c) ---- */
void dom0_setup_permissions(struct domain *d);
unsigned int acpi_ioapics(uint64_t *addr, unsigned int max);
bool acpi_hpet(uint64_t *addr, unsigned int *page_protect);
bool acpi_processor_uid(uint32_t apic_id, uint32_t *uid);
int64_t acpi_ioapic_gsi_base(uint64_t addr);

/* ---- guest memory access with fault recovery (uaccess.c, uaccess.S) ---- */
/* True if [gva, gva + len) is entirely guest address space (below 2^47 or above Xen's). */
static inline bool guest_range_ok(uint64_t gva, size_t len)
{
    uint64_t end = gva + len;
    return end >= gva && (end <= 0x0000800000000000UL || gva >= HYPERVISOR_VIRT_END);
}
/* Xen's guest_handle_okay for a 64-bit guest: only the start of the area is looked at (below
 * 2^47 or past the hypervisor's slots); every later access still goes through the copies. */
static inline bool guest_handle_okay(uint64_t gva)
{
    return gva < 0x0000800000000000UL || gva >= HYPERVISOR_VIRT_END;
}
int copy_from_guest_va(void *dst, uint64_t gva, size_t len);   /* 0 or -XEN_EFAULT */
int copy_to_guest_va(uint64_t gva, const void *src, size_t len);
/* Returns the number of bytes not copied (assembly, SMAP-aware). */
size_t raw_copy_user(void *dst, const void *src, size_t len);
bool fixup_exception(struct cpu_regs *r);

/* ---- CPU setup (setup.c, desc.c) ---- */
extern bool cpu_has_smap, cpu_has_smep, cpu_has_nx, cpu_has_fsgsbase, cpu_has_xsave;
void clear_frame(void *va);
void cpu_init_registers(void);         /* CR0/CR4 as the boot CPU set them (setup.c) */
void desc_init(void);
void desc_set_ldt(uint64_t base, unsigned int entries);
void desc_load_cpu_gdt(void);                    /* this CPU's reserved page alone */
void desc_load_vcpu_gdt(unsigned int window);     /* this CPU runs that descriptor window */
void syscall_init(void);

/* ---- the running guest (domain.c) ---- */
extern struct domain *dom0;
static inline struct hv_vcpu *hvv(struct vcpu *v) { return (struct hv_vcpu *)v->plat; }
/* v's descriptor window in the per-domain area (GDT_VIRT_START, LDT_VIRT_START). */
static inline unsigned int desc_window(const struct vcpu *v)
{
    return (v->domain->domain_id % PVMM_MAX_DOMAINS) * PVMM_MAX_VCPUS + v->vcpu_id;
}
__attribute__((noreturn, cold)) void no_guest_table(struct vcpu *v);
/*
 * Xen's domain_crash for the running domain: log the reason with the domain, vCPU and (when
 * r is given) the vector and rip of r, tear the domain down through the core and, as it is
 * the only domain, power the machine off with the FAIL code.  Never returns; safe on any
 * hypervisor stack.
 */
__attribute__((noreturn, cold, format(printf, 2, 3)))
void domain_crash(const struct cpu_regs *r, const char *fmt, ...);
/* Load CR3 with the L4 of v's current mode (TCG has no PCID: a full reload). */
static inline void load_guest_cr3(struct vcpu *v)
{
    mfn_t m = v->kernel_mode ? v->guest_table : v->guest_table_user;
    if (__builtin_expect(m == INVALID_MFN, 0))
        no_guest_table(v);
    write_cr3(m << PAGE_SHIFT);
}
/* Xen's toggle_guest_mode: flip the mode, swap the GS bases, switch L4.  Inline: it sits on
 * every user/kernel transition. */
static inline void toggle_guest_mode(struct vcpu *v)
{
    v->kernel_mode = !v->kernel_mode;
    __asm__ volatile("swapgs" ::: "memory");
    load_guest_cr3(v);
}
__attribute__((noreturn)) void start_guest(struct cpu_regs *r);
__attribute__((noreturn)) void exit_to_guest(struct cpu_regs *r);   /* entry.S */

/* ---- traps, bounces and emulation (traps.c, bounce.c, emul-priv.c) ---- */
void bounce_exception(struct cpu_regs *r, unsigned int vec, bool has_err, uint32_t err);
/* A bounce frame being built on the guest stack (bounce.c): its lowest word, and the CS and
 * rflags words every frame holds. */
struct bounce_frame {
    uint64_t *f;
    uint64_t cs;
    uint64_t rflags;
};
void bounce_frame_start(struct cpu_regs *r, unsigned int words,
                        struct bounce_frame *bf);
void bounce_frame_enter(struct cpu_regs *r, const struct bounce_frame *bf, uint64_t handler,
                        bool mask);
void bounce_to(struct cpu_regs *r, uint64_t handler, bool has_err, uint32_t err, bool mask);
bool emulate_privileged_op(struct cpu_regs *r);
bool emulate_io_op(struct cpu_regs *r);          /* emul-io.c */
bool guest_iopl_ok(void);   /* the virtual IOPL allows I/O, cli, sti at the virtual CPL */
bool emulate_forced_invalid_op(struct cpu_regs *r);
bool emulate_soft_int(struct cpu_regs *r);
bool emulate_ptwr(struct cpu_regs *r, uint64_t cr2);
void guest_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4]);

/* ---- FPU and extended state (xstate.c) ---- */
extern uint64_t xstate_max;            /* XCR0 features offered to guests; 0: no XSAVE */
void xstate_init_cpu(void);            /* every CPU, CR4.OSXSAVE set: its XCR0 */
void xstate_init(void);                /* the boot CPU, after the boot allocator: the areas */
void xstate_cpuid(uint32_t sub, uint64_t xcr0, uint32_t out[4]);   /* leaf 0xd */
enum { XSETBV_OK, XSETBV_GP, XSETBV_UD };
int guest_xsetbv(uint32_t idx, uint64_t val);

/* ---- hypercalls (hypercall.c and hc-*.c) ---- */
long hypercall_dispatch(struct cpu_regs *r, unsigned long nr, const uint64_t a[5]);
/* Send every hypercall through hypercall_dispatch (entry.S's fast path off: the trace or the
 * recording sees them all; record.c at boot). */
void hypercall_fast_path_off(void);
long do_iret(struct cpu_regs *r);
long hc_set_trap_table(uint64_t traps);
long hc_stack_switch(uint64_t ss, uint64_t sp);
long hc_set_callbacks(uint64_t ev, uint64_t fs, uint64_t sc);
long hc_callback_op(unsigned long cmd, uint64_t arg);
long hc_set_segment_base(unsigned int which, uint64_t base);
long hc_fpu_taskswitch(int set);
long hc_console_io(unsigned long cmd, unsigned long count, uint64_t buf);
long hc_sched_op(struct cpu_regs *r, unsigned long cmd, uint64_t arg);
long hc_sched_op_compat(struct cpu_regs *r, unsigned long cmd, unsigned long arg);
long hc_xen_version(unsigned long cmd, uint64_t arg);
long hc_physdev_op(unsigned long cmd, uint64_t arg);       /* hc-physdev.c */
void debugreg_init(struct hv_vcpu *h);                     /* debugreg.c */
long guest_set_debugreg(int reg, uint64_t value);          /* 0, -EPERM, -EINVAL, -ENODEV */
int guest_get_debugreg(int reg, uint64_t *value);          /* 0 or -ENODEV */
long hc_set_debugreg(unsigned long reg, uint64_t value);
long hc_get_debugreg(unsigned long reg);
long hc_physdev_op_compat(uint64_t arg);
long hc_platform_op(uint64_t arg);                         /* platform-op.c */
long hc_mca(uint64_t arg);                                 /* vmce.c */
bool vmce_owns_msr(uint32_t msr);
bool vmce_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val);   /* false: #GP */
bool vmce_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val);

/* ---- the memory-management core's glue (mm-core.c) ---- */
void mmglue_init(void);
/* After dom0's build: the boot modules' frames become free RAM (Xen's discarded images). */
void mmglue_release_modules(void);
/* Run the core's auditor over the whole machine and print the result; returns the count. */
unsigned int mmglue_audit(const char *when);
/* Measure the longest stretch between two of the core's preemption checks (make bench):
 * start, and stop returning it in TSC ticks (instructions under icount) with the checks made. */
void preempt_gap_start(void);
uint64_t preempt_gap_stop(unsigned long *checks);
bool mmglue_have_core(void);
struct domain *mmglue_create_dom0(uint64_t nr_pages, unsigned int nr_vcpus);
void mmglue_share_xen_page(struct domain *d, uint64_t mfn);
long mmglue_hypercall(struct cpu_regs *r, unsigned long nr, const uint64_t a[5]);
int mmglue_ptwr(struct vcpu *v, uint64_t addr, uint64_t val, unsigned int bytes,
                bool is_cmpxchg, uint64_t old, uint64_t *actual);
int mmglue_ptwr_check(struct vcpu *v, uint64_t addr);
bool mmglue_ldt_fault(struct vcpu *v, uint64_t cr2, uint64_t *guest_cr2);
void mmglue_load_descriptor_tables(struct vcpu *v);
void mmglue_report_refusal(struct vcpu *v, const char *what, long rc);
long mmglue_new_baseptr(struct vcpu *v, uint64_t mfn);
int mmglue_check_writable_frame(struct vcpu *v, uint64_t mfn);
int mmglue_get_writable_frame(struct vcpu *v, uint64_t mfn);
void mmglue_put_writable_frame(struct vcpu *v, uint64_t mfn);
extern struct pvmm_platform hv_platform;
/* The CPUs whose TLBs may hold translations of d's vCPUs in vcpu_mask (flush.c). */
cpumask_t vcpu_dirty_cpus(struct domain *d, uint64_t vcpu_mask);

/* ---- the hypervisor command line (dom0-build.c) ---- */
bool hv_option(const char *word);      /* the command line has this word */

/* ---- the trace and the recording of a run (record.c; options `trace`, `record`) ---- */
void rec_init(uint64_t nr_frames, uint64_t m2p_mfn, uint64_t tables_mfn);
bool rec_tracing(void);
void rec_ram(uint64_t first, uint64_t nr);
void rec_reserve(uint64_t mfn);
void rec_share_privileged(uint64_t mfn);
void rec_share(const struct domain *d, uint64_t mfn, bool writable);
void rec_domain(const struct domain *d, uint64_t nr_pages, uint64_t kstart, uint64_t kend,
                uint64_t virt_base, bool plain, const uint64_t *p2m, uint64_t pt_pfn,
                uint64_t nr_pt);
/* The hooks on the hot paths (every hypercall, frame mapping, guest read, preemption check)
 * are inline tests of rec_on, set once at boot when the trace or the recording is on; the
 * work is in the _slow functions. */
extern bool rec_on;
void rec_op_begin_slow(void);
void rec_touch_slow(uint64_t mfn);
void rec_guest_read_slow(uint64_t gva, const void *buf, size_t len);
bool rec_preempt_slow(bool yes);
void rec_hypercall_slow(struct vcpu *v, unsigned long nr, const uint64_t a[5], long rc);
void rec_ptwr_slow(struct vcpu *v, uint64_t addr, uint64_t val, unsigned int bytes,
                   bool cmpxchg, uint64_t old, int rc);
void rec_other_slow(struct vcpu *v, const char *stmt, const char *key, uint64_t val, long rc,
                    bool access);
static inline void rec_op_begin(void)
{
    if (__builtin_expect(rec_on, 0))
        rec_op_begin_slow();
}
static inline void rec_touch(uint64_t mfn)
{
    if (__builtin_expect(rec_on, 0))
        rec_touch_slow(mfn);
}
static inline void rec_guest_read(uint64_t gva, const void *buf, size_t len)
{
    if (__builtin_expect(rec_on, 0))
        rec_guest_read_slow(gva, buf, len);
}
static inline bool rec_preempt(bool yes)
{
    return __builtin_expect(rec_on, 0) ? rec_preempt_slow(yes) : yes;
}
static inline void rec_hypercall(struct vcpu *v, unsigned long nr, const uint64_t a[5], long rc)
{
    if (__builtin_expect(rec_on, 0))
        rec_hypercall_slow(v, nr, a, rc);
}
static inline void rec_ptwr(struct vcpu *v, uint64_t addr, uint64_t val, unsigned int bytes,
                            bool cmpxchg, uint64_t old, int rc)
{
    if (__builtin_expect(rec_on, 0))
        rec_ptwr_slow(v, addr, val, bytes, cmpxchg, old, rc);
}
static inline void rec_other(struct vcpu *v, const char *stmt, const char *key, uint64_t val,
                             long rc, bool access)
{
    if (__builtin_expect(rec_on, 0))
        rec_other_slow(v, stmt, key, val, rc, access);
}
void rec_destroy_begin(void);
void rec_destroy_end(const struct domain *d, int rc);
void rec_note(const char *text);

/* ---- NMIs (traps.c, nmi-selftest.c) ---- */
extern unsigned long hv_nmi_count;     /* NMIs taken in hypervisor context */
void nmi_selftest_boot(void);          /* option nmi-test=hv: a self-NMI at boot */
void nmi_selftest_arm(void);           /* option nmi-test=guest: an NMI while the guest runs */
extern uint64_t hv_m2p_mfn;

/* ---- the machine's memory map and the M2P's frames for dom0 (memory-map.c) ---- */
long hv_machine_memory_map(uint64_t arg);
long hv_machphys_mfn_list(uint64_t arg);

#endif /* HV_HV_H */
