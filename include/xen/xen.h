/*
 * xen/xen.h: the core of the Xen x86-64 PV guest ABI.
 *
 * This is pvmm's own rendering of Xen's public headers xen.h,
 * arch-x86/xen.h and arch-x86/xen-x86_64.h, restricted to 64-bit PV.
 * Names, values and layouts must match Xen exactly, because unmodified
 * Xen guests depend on them. Guest pointers (Xen's XEN_GUEST_HANDLE) are
 * plain uint64_t guest virtual addresses, so every structure has the same
 * layout in the hypervisor, in hosted tools and in 64-bit guests.
 * Freestanding: only <stdint.h> and <stddef.h>.
 */
#ifndef PVMM_XEN_XEN_H
#define PVMM_XEN_XEN_H

#include <stdint.h>
#include <stddef.h>

/* Basic ABI types (64-bit PV: unsigned long is 64 bits wide). */
typedef uint64_t xen_pfn_t;    /* a frame number (for PV, an mfn) */
typedef uint64_t xen_ulong_t;  /* Xen's "unsigned long" in the ABI */
typedef uint16_t domid_t;      /* a domain id, or one of the DOMID_* values */

/* Hypercall numbers: rax for SYSCALL, stub index in the hypercall page. */
#define __HYPERVISOR_set_trap_table                  0
#define __HYPERVISOR_mmu_update                      1
#define __HYPERVISOR_set_gdt                         2
#define __HYPERVISOR_stack_switch                    3
#define __HYPERVISOR_set_callbacks                   4
#define __HYPERVISOR_fpu_taskswitch                  5
#define __HYPERVISOR_sched_op_compat                 6   /* deprecated form of sched_op */
#define __HYPERVISOR_platform_op                     7
#define __HYPERVISOR_set_debugreg                    8
#define __HYPERVISOR_get_debugreg                    9
#define __HYPERVISOR_update_descriptor              10
                                                        /* 11 is unused */
#define __HYPERVISOR_memory_op                      12
#define __HYPERVISOR_multicall                      13
#define __HYPERVISOR_update_va_mapping              14
#define __HYPERVISOR_set_timer_op                   15
#define __HYPERVISOR_event_channel_op_compat        16   /* deprecated form of event_channel_op */
#define __HYPERVISOR_xen_version                    17
#define __HYPERVISOR_console_io                     18
#define __HYPERVISOR_physdev_op_compat              19   /* deprecated form of physdev_op */
#define __HYPERVISOR_grant_table_op                 20
#define __HYPERVISOR_vm_assist                      21
#define __HYPERVISOR_update_va_mapping_otherdomain  22
#define __HYPERVISOR_iret                           23   /* jumped to; never returns normally */
#define __HYPERVISOR_vcpu_op                        24
#define __HYPERVISOR_set_segment_base               25   /* 64-bit only */
#define __HYPERVISOR_mmuext_op                      26
#define __HYPERVISOR_xsm_op                         27
#define __HYPERVISOR_nmi_op                         28
#define __HYPERVISOR_sched_op                       29
#define __HYPERVISOR_callback_op                    30
#define __HYPERVISOR_xenoprof_op                    31   /* removed from Xen; number reserved */
#define __HYPERVISOR_event_channel_op               32
#define __HYPERVISOR_physdev_op                     33
#define __HYPERVISOR_hvm_op                         34
#define __HYPERVISOR_sysctl                         35
#define __HYPERVISOR_domctl                         36
#define __HYPERVISOR_kexec_op                       37
#define __HYPERVISOR_tmem_op                        38
#define __HYPERVISOR_argo_op                        39
#define __HYPERVISOR_xenpmu_op                      40
#define __HYPERVISOR_dm_op                          41
#define __HYPERVISOR_hypfs_op                       42
#define __HYPERVISOR_arch_0                         48   /* architecture-specific: 48..55 */
#define __HYPERVISOR_arch_1                         49
#define __HYPERVISOR_arch_2                         50
#define __HYPERVISOR_arch_3                         51
#define __HYPERVISOR_arch_4                         52
#define __HYPERVISOR_arch_5                         53
#define __HYPERVISOR_arch_6                         54
#define __HYPERVISOR_arch_7                         55
#define __HYPERVISOR_mca                            __HYPERVISOR_arch_0  /* x86 machine check */
/* pvmm-hv's debug hypercall, a number Xen 4.17 leaves unused (-ENOSYS there): with the
 * hypervisor option `debug-audit`, command PVMM_DEBUG_AUDIT runs the core's auditor over the
 * whole machine and returns the number of violations (docs/fuzzing.md); -ENOSYS otherwise. */
#define __HYPERVISOR_pvmm_debug                     63
#define PVMM_DEBUG_AUDIT                            0

#define XEN_HYPERCALL_NR_MAX                        64   /* pvmm: numbers >= this give -ENOSYS */

/* console_io(cmd, count, buf) commands. */
#define CONSOLEIO_write   0   /* write count bytes from buf; returns 0 */
#define CONSOLEIO_read    1   /* read up to count bytes; returns bytes read */

/*
 * mmu_update(reqs, count, pdone, foreigndom).
 * The command is in the low bits of ptr; the rest of ptr is the machine
 * address of the entry to write (commands 0, 2, 3) or of the frame whose
 * M2P entry is set (command 1).
 */
#define MMU_NORMAL_PT_UPDATE         0   /* checked page-table entry write */
#define MMU_MACHPHYS_UPDATE          1   /* M2P[ptr >> 12] = val */
#define MMU_PT_UPDATE_PRESERVE_AD    2   /* as 0, but keep the entry's current A/D bits */
#define MMU_PT_UPDATE_NO_TRANSLATE   3   /* as 0, val holds an mfn even for translated FD */

struct mmu_update {
    uint64_t ptr;   /* machine address of the entry, ORed with MMU_* command */
    uint64_t val;   /* new contents */
};
typedef struct mmu_update mmu_update_t;

/* Continuation marker ORed into count of mmu_update/mmuext_op. */
#define MMU_UPDATE_PREEMPTED  (~(~0U >> 1))   /* 0x80000000 */

/* mmuext_op(ops, count, pdone, foreigndom) commands. */
#define MMUEXT_PIN_L1_TABLE          0   /* arg1.mfn */
#define MMUEXT_PIN_L2_TABLE          1   /* arg1.mfn */
#define MMUEXT_PIN_L3_TABLE          2   /* arg1.mfn */
#define MMUEXT_PIN_L4_TABLE          3   /* arg1.mfn */
#define MMUEXT_UNPIN_TABLE           4   /* arg1.mfn */
#define MMUEXT_NEW_BASEPTR           5   /* arg1.mfn: new kernel L4 */
#define MMUEXT_TLB_FLUSH_LOCAL       6   /* no args */
#define MMUEXT_INVLPG_LOCAL          7   /* arg1.linear_addr */
#define MMUEXT_TLB_FLUSH_MULTI       8   /* arg2.vcpumask */
#define MMUEXT_INVLPG_MULTI          9   /* arg1.linear_addr, arg2.vcpumask */
#define MMUEXT_TLB_FLUSH_ALL        10   /* no args */
#define MMUEXT_INVLPG_ALL           11   /* arg1.linear_addr */
#define MMUEXT_FLUSH_CACHE          12   /* no args */
#define MMUEXT_SET_LDT              13   /* arg1.linear_addr, arg2.nr_ents */
                                         /* 14 is unused */
#define MMUEXT_NEW_USER_BASEPTR     15   /* arg1.mfn: new user L4, 0 = none */
#define MMUEXT_CLEAR_PAGE           16   /* arg1.mfn */
#define MMUEXT_COPY_PAGE            17   /* arg1.mfn (dst), arg2.src_mfn */
#define MMUEXT_FLUSH_CACHE_GLOBAL   18   /* no args */
#define MMUEXT_MARK_SUPER           19   /* arg1.mfn; removed: -EOPNOTSUPP */
#define MMUEXT_UNMARK_SUPER         20   /* arg1.mfn; removed: -EOPNOTSUPP */

struct mmuext_op {
    uint32_t cmd;                    /* MMUEXT_* */
    uint32_t _pad;                   /* implicit padding in Xen's layout */
    union {
        xen_pfn_t mfn;               /* frame to pin, unpin, install, clear, copy to */
        uint64_t linear_addr;        /* address to flush, or LDT base */
    } arg1;
    union {
        uint32_t nr_ents;            /* SET_LDT: number of entries */
        uint64_t vcpumask;           /* *_MULTI: guest VA of a vCPU bitmap */
        xen_pfn_t src_mfn;           /* COPY_PAGE: source frame */
    } arg2;
};
typedef struct mmuext_op mmuext_op_t;

/* update_va_mapping(va, val, flags) flags. */
#define UVMF_NONE            0UL          /* no flush */
#define UVMF_TLB_FLUSH       1UL          /* flush the whole TLB */
#define UVMF_INVLPG          2UL          /* flush only va */
#define UVMF_FLUSHTYPE_MASK  3UL          /* the flush-type field */
#define UVMF_MULTI           (0UL << 2)   /* ORed with a guest VA of a vCPU bitmap */
#define UVMF_LOCAL           (0UL << 2)   /* flush on this vCPU only */
#define UVMF_ALL             (1UL << 2)   /* flush on all vCPUs of the domain */

/* Reserved domain ids. */
#define DOMID_FIRST_RESERVED  0x7FF0U   /* ids from here up are not real domains */
#define DOMID_SELF            0x7FF0U   /* the calling domain */
#define DOMID_IO              0x7FF1U   /* I/O memory, not owned by a domain */
#define DOMID_XEN             0x7FF2U   /* the hypervisor's own shared frames */
#define DOMID_COW             0x7FF3U   /* copy-on-write shared pages */
#define DOMID_INVALID         0x7FF4U   /* no domain */
#define DOMID_IDLE            0x7FFFU   /* the idle domain */
#define DOMID_MASK            0x7FFFU   /* all valid domid bits */

/* vm_assist(cmd, type). */
#define VMASST_CMD_enable                  0
#define VMASST_CMD_disable                 1
#define VMASST_TYPE_4gb_segments           0   /* no effect for 64-bit */
#define VMASST_TYPE_4gb_segments_notify    1   /* no effect for 64-bit */
#define VMASST_TYPE_writable_pagetables    2   /* emulate kernel writes to L1 pages */
#define VMASST_TYPE_pae_extended_cr3       3   /* PV32 only */
#define VMASST_TYPE_architectural_iopl     4   /* real IOPL semantics, kernel vCPL 0 */
#define VMASST_TYPE_runstate_update_flag   5   /* runstate update protocol */
#define VMASST_TYPE_m2p_strict            32   /* hide the M2P from user-mode L4s */

/* set_trap_table(traps): one entry, terminated by address == 0. */
struct trap_info {
    uint8_t  vector;     /* exception vector */
    uint8_t  flags;      /* bits 0-1: DPL for INT n; bit 2: mask events on entry */
    uint16_t cs;         /* code selector (RPL fixed up to 3) */
    uint32_t _pad;       /* implicit padding in Xen's layout */
    uint64_t address;    /* handler VA; 0 ends the table */
};
typedef struct trap_info trap_info_t;

/* Accessors for trap_info.flags. The setters replace the field. */
#define TI_GET_DPL(_ti)        ((_ti)->flags & 3)
#define TI_GET_IF(_ti)         ((_ti)->flags & 4)
#define TI_SET_DPL(_ti, _dpl)  ((_ti)->flags = (uint8_t)(((_ti)->flags & ~3) | ((_dpl) & 3)))
#define TI_SET_IF(_ti, _if)    ((_ti)->flags = (uint8_t)(((_ti)->flags & ~4) | ((!!(_if)) << 2)))

/* multicall(list, nr): one entry. Xen passes args[0..4] to the handler. */
struct multicall_entry {
    xen_ulong_t op;        /* hypercall number */
    xen_ulong_t result;    /* out: the handler's return value */
    xen_ulong_t args[6];   /* arguments */
};
typedef struct multicall_entry multicall_entry_t;

/*
 * Flat segment selectors in Xen's reserved GDT page. 64-bit PV guest kernel
 * and user code run with the same ring-3 selectors.
 */
#define FLAT_RING3_CS32   0xe023   /* ring-3 32-bit code */
#define FLAT_RING3_CS64   0xe033   /* ring-3 64-bit code */
#define FLAT_RING3_DS32   0xe02b   /* ring-3 data */
#define FLAT_RING3_DS64   0x0000   /* null selector (valid in 64-bit mode) */
#define FLAT_RING3_SS32   0xe02b   /* ring-3 stack */
#define FLAT_RING3_SS64   0xe02b   /* ring-3 stack */

#define FLAT_KERNEL_DS64  FLAT_RING3_DS64
#define FLAT_KERNEL_DS32  FLAT_RING3_DS32
#define FLAT_KERNEL_DS    FLAT_KERNEL_DS64
#define FLAT_KERNEL_CS64  FLAT_RING3_CS64
#define FLAT_KERNEL_CS32  FLAT_RING3_CS32
#define FLAT_KERNEL_CS    FLAT_KERNEL_CS64
#define FLAT_KERNEL_SS64  FLAT_RING3_SS64
#define FLAT_KERNEL_SS32  FLAT_RING3_SS32
#define FLAT_KERNEL_SS    FLAT_KERNEL_SS64

#define FLAT_USER_DS64    FLAT_RING3_DS64
#define FLAT_USER_DS32    FLAT_RING3_DS32
#define FLAT_USER_DS      FLAT_USER_DS64
#define FLAT_USER_CS64    FLAT_RING3_CS64
#define FLAT_USER_CS32    FLAT_RING3_CS32
#define FLAT_USER_CS      FLAT_USER_CS64
#define FLAT_USER_SS64    FLAT_RING3_SS64
#define FLAT_USER_SS32    FLAT_RING3_SS32
#define FLAT_USER_SS      FLAT_USER_SS64

/* The GDT: guests own frames 0-13, Xen owns frame 14. */
#define FIRST_RESERVED_GDT_PAGE   14
#define FIRST_RESERVED_GDT_BYTE   (FIRST_RESERVED_GDT_PAGE * 4096)   /* 0xE000 */
#define FIRST_RESERVED_GDT_ENTRY  (FIRST_RESERVED_GDT_BYTE / 8)      /* 7168 */

/* Hypervisor-owned virtual addresses: L4 slots 256-271. */
#define HYPERVISOR_VIRT_START  0xFFFF800000000000UL
#define HYPERVISOR_VIRT_END    0xFFFF880000000000UL
#define MACH2PHYS_VIRT_START   0xFFFF800000000000UL   /* read-only M2P for guests */
#define MACH2PHYS_VIRT_END     0xFFFF804000000000UL
#define MACH2PHYS_NR_ENTRIES   ((MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START) >> 3)   /* 2^35 */

/* set_segment_base(which, base). */
#define SEGBASE_FS           0   /* FS base */
#define SEGBASE_GS_USER      1   /* user-mode GS base */
#define SEGBASE_GS_KERNEL    2   /* kernel-mode GS base */
#define SEGBASE_GS_USER_SEL  3   /* load the user %gs selector */

/*
 * The iret hypercall frame, at the guest rsp when the SYSCALL in stub 23
 * runs. The stub pushes rax, r11 and rcx; the guest pushes the rest.
 */
#define _VGCF_in_syscall  8
#define VGCF_in_syscall   (1U << _VGCF_in_syscall)   /* 0x100: return as from SYSCALL */
#define VGCF_IN_SYSCALL   VGCF_in_syscall

struct iret_context {
    uint64_t rax;      /* restored rax, also the hypercall's result */
    uint64_t r11;      /* restored unless VGCF_in_syscall */
    uint64_t rcx;      /* restored unless VGCF_in_syscall */
    uint64_t flags;    /* VGCF_in_syscall or 0 */
    uint64_t rip;
    uint64_t cs;       /* RPL 3 switches to guest user mode */
    uint64_t rflags;   /* IF becomes !evtchn_upcall_mask */
    uint64_t rsp;
    uint64_t ss;
};

/* start_info: one page built by the domain builder, VA passed in rsi. */
#define MAX_GUEST_CMDLINE  1024

#define SIF_PRIVILEGED       (1U << 0)    /* privileged domain */
#define SIF_INITDOMAIN       (1U << 1)    /* initial control domain (dom0) */
#define SIF_MULTIBOOT_MOD    (1U << 2)    /* mod_start is a multiboot module list */
#define SIF_MOD_START_PFN    (1U << 3)    /* mod_start is a pfn, not a VA */
#define SIF_VIRT_P2M_4TOOLS  (1U << 4)    /* toolstack understands a virtual p2m */
#define SIF_PM_MASK          (0xFFU << 8) /* Xen's power-management options (dom0) */

struct start_info {
    char magic[32];             /* "xen-3.0-x86_64", NUL-padded */
    uint64_t nr_pages;          /* total pages of the domain */
    uint64_t shared_info;       /* machine address of shared_info */
    uint32_t flags;             /* SIF_* */
    uint32_t _pad0;
    xen_pfn_t store_mfn;        /* domU: xenstore ring mfn */
    uint32_t store_evtchn;      /* domU: xenstore event channel */
    uint32_t _pad1;
    union {
        struct {
            xen_pfn_t mfn;      /* domU: console ring mfn */
            uint32_t evtchn;    /* domU: console event channel */
            uint32_t _pad;
        } domU;
        struct {
            uint32_t info_off;  /* dom0: offset of the VGA console info, or 0 */
            uint32_t info_size; /* dom0: its size, or 0 */
        } dom0;
    } console;
    uint64_t pt_base;           /* VA of the bootstrap L4 */
    uint64_t nr_pt_frames;      /* number of bootstrap page-table frames */
    uint64_t mfn_list;          /* VA of the p2m list */
    uint64_t mod_start;         /* VA (or pfn) of the initrd, or 0 */
    uint64_t mod_len;           /* initrd size in bytes */
    char cmd_line[MAX_GUEST_CMDLINE];   /* NUL-terminated (int8_t in Xen) */
    uint64_t first_p2m_pfn;     /* with INIT_P2M: first pfn of the p2m */
    uint64_t nr_p2m_frames;     /* with INIT_P2M: frames of the p2m */
};
typedef struct start_info start_info_t;

/* With SIF_MULTIBOOT_MOD, mod_start points at an array of these. */
struct xen_multiboot_mod_list {
    uint32_t mod_start;   /* pfn of the module's first page */
    uint32_t mod_end;     /* bytes in the module */
    uint32_t cmdline;     /* offset of the command line from the array start */
    uint32_t pad;
};

/* shared_info and vcpu_info. */
#define XEN_LEGACY_MAX_VCPUS   32
#define EVTCHN_2L_NR_CHANNELS  (sizeof(xen_ulong_t) * sizeof(xen_ulong_t) * 64)   /* 4096 */

#define XEN_PVCLOCK_TSC_STABLE_BIT  (1U << 0)   /* vcpu_time_info.flags */
#define XEN_PVCLOCK_GUEST_STOPPED   (1U << 1)

struct vcpu_time_info {
    uint32_t version;             /* odd while an update is in progress */
    uint32_t pad0;
    uint64_t tsc_timestamp;       /* TSC at the last update */
    uint64_t system_time;         /* ns since boot at the last update */
    uint32_t tsc_to_system_mul;   /* 32.32 fixed-point TSC-to-ns factor */
    int8_t   tsc_shift;           /* shift applied before the multiply */
    uint8_t  flags;               /* XEN_PVCLOCK_* */
    uint8_t  pad1[2];
};
typedef struct vcpu_time_info vcpu_time_info_t;

struct arch_vcpu_info {
    uint64_t cr2;   /* fault address of the last #PF delivered */
    uint64_t pad;
};
typedef struct arch_vcpu_info arch_vcpu_info_t;

struct vcpu_info {
    uint8_t evtchn_upcall_pending;    /* an event is pending */
    uint8_t evtchn_upcall_mask;       /* virtual IF: 1 = events masked */
    uint8_t _pad[6];
    xen_ulong_t evtchn_pending_sel;   /* which evtchn_pending words have bits */
    struct arch_vcpu_info arch;
    struct vcpu_time_info time;
};
typedef struct vcpu_info vcpu_info_t;

struct arch_shared_info {
    uint64_t max_pfn;                        /* guest-maintained: p2m size */
    xen_pfn_t pfn_to_mfn_frame_list_list;    /* guest-maintained */
    uint64_t nmi_reason;
    uint64_t p2m_cr3;                        /* guest-maintained: virtual p2m */
    uint64_t p2m_vaddr;
    uint64_t p2m_generation;
};
typedef struct arch_shared_info arch_shared_info_t;

struct shared_info {
    struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
    xen_ulong_t evtchn_pending[sizeof(xen_ulong_t) * 8];   /* per-port pending bitmap */
    xen_ulong_t evtchn_mask[sizeof(xen_ulong_t) * 8];      /* per-port mask bitmap */
    uint32_t wc_version;   /* wallclock: odd while updating */
    uint32_t wc_sec;       /* wallclock seconds at boot, low 32 bits */
    uint32_t wc_nsec;
    uint32_t wc_sec_hi;    /* wallclock seconds, high 32 bits */
    struct arch_shared_info arch;
};
typedef struct shared_info shared_info_t;

/* Pinned sizes (the full offset list is in tests/abi-layout.c). */
_Static_assert(sizeof(struct mmu_update) == 16, "mmu_update is 16 bytes");
_Static_assert(sizeof(struct mmuext_op) == 24, "mmuext_op is 24 bytes");
_Static_assert(sizeof(struct trap_info) == 16, "trap_info is 16 bytes");
_Static_assert(sizeof(struct multicall_entry) == 64, "multicall_entry is 64 bytes");
_Static_assert(sizeof(struct iret_context) == 72, "iret_context is 72 bytes");
_Static_assert(sizeof(struct start_info) == 1168, "start_info is 1168 bytes");
_Static_assert(sizeof(struct xen_multiboot_mod_list) == 16, "xen_multiboot_mod_list is 16 bytes");
_Static_assert(sizeof(struct vcpu_time_info) == 32, "vcpu_time_info is 32 bytes");
_Static_assert(sizeof(struct vcpu_info) == 64, "vcpu_info is 64 bytes");
_Static_assert(sizeof(struct arch_shared_info) == 48, "arch_shared_info is 48 bytes");
_Static_assert(sizeof(struct shared_info) == 3136, "shared_info is 3136 bytes");

#endif /* PVMM_XEN_XEN_H */
