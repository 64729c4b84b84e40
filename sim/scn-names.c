/*
 * sim/scn-names.c - the symbolic names a scenario may use.
 *
 * Constants: page-table flags (short forms P RW U A D G NX GK ... and Xen's
 * _PAGE_* names), Xen's public constants under their Xen names (MMU_*,
 * MMUEXT_*, UVMF_*, DOMID_*, VMASST_*, XENMEM_*, __HYPERVISOR_*), the
 * hypervisor's virtual addresses, the core's PGT_* type values, #PF error
 * code bits (PFEC_*), errno names (EINVAL or XEN_EINVAL, positive: write
 * -EINVAL for an error return) and domain names d0..d7.  Builtin functions
 * are listed here with their argument counts; scn-eval.c evaluates them.
 */
#include "scenario.h"

#include <stdlib.h>
#include <string.h>
#include <pvmm/pvmm.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/memory.h>
#include <xen/grant_table.h>
#include "walker.h"

struct named { const char *name; uint64_t val; };

static const struct named consts[] = {
    /* page-table entry flags */
    { "P", _PAGE_PRESENT }, { "PRESENT", _PAGE_PRESENT }, { "_PAGE_PRESENT", _PAGE_PRESENT },
    { "RW", _PAGE_RW }, { "_PAGE_RW", _PAGE_RW },
    { "U", _PAGE_USER }, { "USER", _PAGE_USER }, { "_PAGE_USER", _PAGE_USER },
    { "PWT", _PAGE_PWT }, { "_PAGE_PWT", _PAGE_PWT },
    { "PCD", _PAGE_PCD }, { "_PAGE_PCD", _PAGE_PCD },
    { "A", _PAGE_ACCESSED }, { "ACCESSED", _PAGE_ACCESSED }, { "_PAGE_ACCESSED", _PAGE_ACCESSED },
    { "D", _PAGE_DIRTY }, { "DIRTY", _PAGE_DIRTY }, { "_PAGE_DIRTY", _PAGE_DIRTY },
    { "PSE", _PAGE_PSE }, { "_PAGE_PSE", _PAGE_PSE }, { "PAT", _PAGE_PAT },
    { "_PAGE_PAT", _PAGE_PAT },
    { "G", _PAGE_GLOBAL }, { "GLOBAL", _PAGE_GLOBAL }, { "_PAGE_GLOBAL", _PAGE_GLOBAL },
    { "AVAIL", _PAGE_AVAIL }, { "_PAGE_AVAIL", _PAGE_AVAIL },
    { "GK", _PAGE_GUEST_KERNEL }, { "GUEST_KERNEL", _PAGE_GUEST_KERNEL },
    { "_PAGE_GUEST_KERNEL", _PAGE_GUEST_KERNEL },
    { "NX", _PAGE_NX }, { "_PAGE_NX", _PAGE_NX },
    { "PAGE_SIZE", PAGE_SIZE }, { "PTE_ADDR_MASK", PTE_ADDR_MASK },
    /* mmu_update commands */
    { "MMU_NORMAL_PT_UPDATE", MMU_NORMAL_PT_UPDATE },
    { "MMU_MACHPHYS_UPDATE", MMU_MACHPHYS_UPDATE },
    { "MMU_PT_UPDATE_PRESERVE_AD", MMU_PT_UPDATE_PRESERVE_AD },
    { "MMU_PT_UPDATE_NO_TRANSLATE", MMU_PT_UPDATE_NO_TRANSLATE },
    { "MMU_UPDATE_PREEMPTED", MMU_UPDATE_PREEMPTED },
    /* mmuext_op commands */
    { "MMUEXT_PIN_L1_TABLE", MMUEXT_PIN_L1_TABLE }, { "MMUEXT_PIN_L2_TABLE", MMUEXT_PIN_L2_TABLE },
    { "MMUEXT_PIN_L3_TABLE", MMUEXT_PIN_L3_TABLE }, { "MMUEXT_PIN_L4_TABLE", MMUEXT_PIN_L4_TABLE },
    { "MMUEXT_UNPIN_TABLE", MMUEXT_UNPIN_TABLE }, { "MMUEXT_NEW_BASEPTR", MMUEXT_NEW_BASEPTR },
    { "MMUEXT_TLB_FLUSH_LOCAL", MMUEXT_TLB_FLUSH_LOCAL },
    { "MMUEXT_INVLPG_LOCAL", MMUEXT_INVLPG_LOCAL },
    { "MMUEXT_TLB_FLUSH_MULTI", MMUEXT_TLB_FLUSH_MULTI },
    { "MMUEXT_INVLPG_MULTI", MMUEXT_INVLPG_MULTI },
    { "MMUEXT_TLB_FLUSH_ALL", MMUEXT_TLB_FLUSH_ALL }, { "MMUEXT_INVLPG_ALL", MMUEXT_INVLPG_ALL },
    { "MMUEXT_FLUSH_CACHE", MMUEXT_FLUSH_CACHE }, { "MMUEXT_SET_LDT", MMUEXT_SET_LDT },
    { "MMUEXT_NEW_USER_BASEPTR", MMUEXT_NEW_USER_BASEPTR },
    { "MMUEXT_CLEAR_PAGE", MMUEXT_CLEAR_PAGE },
    { "MMUEXT_COPY_PAGE", MMUEXT_COPY_PAGE },
    { "MMUEXT_FLUSH_CACHE_GLOBAL", MMUEXT_FLUSH_CACHE_GLOBAL },
    { "MMUEXT_MARK_SUPER", MMUEXT_MARK_SUPER }, { "MMUEXT_UNMARK_SUPER", MMUEXT_UNMARK_SUPER },
    /* update_va_mapping flags */
    { "UVMF_NONE", UVMF_NONE }, { "UVMF_TLB_FLUSH", UVMF_TLB_FLUSH },
    { "UVMF_INVLPG", UVMF_INVLPG },
    { "UVMF_FLUSHTYPE_MASK", UVMF_FLUSHTYPE_MASK }, { "UVMF_MULTI", UVMF_MULTI },
    { "UVMF_LOCAL", UVMF_LOCAL }, { "UVMF_ALL", UVMF_ALL },
    /* domain ids */
    { "DOMID_FIRST_RESERVED", DOMID_FIRST_RESERVED }, { "DOMID_SELF", DOMID_SELF },
    { "DOMID_IO", DOMID_IO }, { "DOMID_XEN", DOMID_XEN }, { "DOMID_COW", DOMID_COW },
    { "DOMID_INVALID", DOMID_INVALID }, { "DOMID_IDLE", DOMID_IDLE },
    /* vm_assist */
    { "VMASST_CMD_enable", VMASST_CMD_enable }, { "VMASST_CMD_disable", VMASST_CMD_disable },
    { "VMASST_TYPE_4gb_segments", VMASST_TYPE_4gb_segments },
    { "VMASST_TYPE_4gb_segments_notify", VMASST_TYPE_4gb_segments_notify },
    { "VMASST_TYPE_writable_pagetables", VMASST_TYPE_writable_pagetables },
    { "VMASST_TYPE_pae_extended_cr3", VMASST_TYPE_pae_extended_cr3 },
    { "VMASST_TYPE_architectural_iopl", VMASST_TYPE_architectural_iopl },
    { "VMASST_TYPE_runstate_update_flag", VMASST_TYPE_runstate_update_flag },
    { "VMASST_TYPE_m2p_strict", VMASST_TYPE_m2p_strict },
    /* memory_op */
    { "XENMEM_increase_reservation", XENMEM_increase_reservation },
    { "XENMEM_decrease_reservation", XENMEM_decrease_reservation },
    { "XENMEM_populate_physmap", XENMEM_populate_physmap },
    { "XENMEM_maximum_ram_page", XENMEM_maximum_ram_page },
    { "XENMEM_current_reservation", XENMEM_current_reservation },
    { "XENMEM_maximum_reservation", XENMEM_maximum_reservation },
    { "XENMEM_machphys_mapping", XENMEM_machphys_mapping }, { "XENMEM_exchange", XENMEM_exchange },
    { "MEMOP_EXTENT_SHIFT", MEMOP_EXTENT_SHIFT },
    /* grant tables */
    { "GNTMAP_device_map", GNTMAP_device_map }, { "GNTMAP_host_map", GNTMAP_host_map },
    { "GNTMAP_readonly", GNTMAP_readonly }, { "GNTMAP_application_map", GNTMAP_application_map },
    { "GNTMAP_contains_pte", GNTMAP_contains_pte },
    { "GTF_invalid", GTF_invalid }, { "GTF_permit_access", GTF_permit_access },
    { "GTF_accept_transfer", GTF_accept_transfer }, { "GTF_transitive", GTF_transitive },
    { "GTF_readonly", GTF_readonly }, { "GTF_reading", GTF_reading },
    { "GTF_writing", GTF_writing }, { "GTF_sub_page", GTF_sub_page },
    { "GTF_transfer_committed", GTF_transfer_committed },
    { "GTF_transfer_completed", GTF_transfer_completed },
    { "GNTTAB_CACHE_CLEAN", GNTTAB_CACHE_CLEAN }, { "GNTTAB_CACHE_INVAL", GNTTAB_CACHE_INVAL },
    { "GNTTAB_CACHE_SOURCE_GREF", GNTTAB_CACHE_SOURCE_GREF },
    { "GNTST_okay", (uint64_t)GNTST_okay },
    { "GNTST_general_error", (uint64_t)(int64_t)GNTST_general_error },
    { "GNTST_bad_domain", (uint64_t)(int64_t)GNTST_bad_domain },
    { "GNTST_bad_gntref", (uint64_t)(int64_t)GNTST_bad_gntref },
    { "GNTST_bad_handle", (uint64_t)(int64_t)GNTST_bad_handle },
    { "GNTST_bad_virt_addr", (uint64_t)(int64_t)GNTST_bad_virt_addr },
    { "GNTST_bad_dev_addr", (uint64_t)(int64_t)GNTST_bad_dev_addr },
    { "GNTST_permission_denied", (uint64_t)(int64_t)GNTST_permission_denied },
    { "GNTST_bad_page", (uint64_t)(int64_t)GNTST_bad_page },
    { "GNTST_bad_copy_arg", (uint64_t)(int64_t)GNTST_bad_copy_arg },
    { "GNTST_eagain", (uint64_t)(int64_t)GNTST_eagain },
    { "GNTST_no_space", (uint64_t)(int64_t)GNTST_no_space },
    /* hypercall numbers */
    { "__HYPERVISOR_mmu_update", __HYPERVISOR_mmu_update },
    { "__HYPERVISOR_set_gdt", __HYPERVISOR_set_gdt },
    { "__HYPERVISOR_update_descriptor", __HYPERVISOR_update_descriptor },
    { "__HYPERVISOR_memory_op", __HYPERVISOR_memory_op },
    { "__HYPERVISOR_update_va_mapping", __HYPERVISOR_update_va_mapping },
    { "__HYPERVISOR_vm_assist", __HYPERVISOR_vm_assist },
    { "__HYPERVISOR_update_va_mapping_otherdomain", __HYPERVISOR_update_va_mapping_otherdomain },
    { "__HYPERVISOR_mmuext_op", __HYPERVISOR_mmuext_op },
    { "__HYPERVISOR_grant_table_op", __HYPERVISOR_grant_table_op },
    { "__HYPERVISOR_multicall", __HYPERVISOR_multicall },
    /* the hypervisor's virtual addresses (model.md §3.6) */
    { "HYPERVISOR_VIRT_START", HYPERVISOR_VIRT_START },
    { "HYPERVISOR_VIRT_END", HYPERVISOR_VIRT_END },
    { "MACH2PHYS_VIRT_START", MACH2PHYS_VIRT_START }, { "MACH2PHYS_VIRT_END", MACH2PHYS_VIRT_END },
    { "LINEAR_PT_VIRT_START", 0xFFFF810000000000UL },
    { "PERDOMAIN_VIRT_START", 0xFFFF820000000000UL },
    { "RDWR_MPT_VIRT_START", 0xFFFF828000000000UL }, { "XEN_VIRT_START", 0xFFFF82D040000000UL },
    { "DIRECTMAP_VIRT_START", 0xFFFF830000000000UL },
    { "INVALID_MFN", INVALID_MFN }, { "INVALID_M2P_ENTRY", INVALID_M2P_ENTRY },
    /* frame types */
    { "PGT_none", PGT_none }, { "PGT_l1_page_table", PGT_l1_page_table },
    { "PGT_l2_page_table", PGT_l2_page_table }, { "PGT_l3_page_table", PGT_l3_page_table },
    { "PGT_l4_page_table", PGT_l4_page_table }, { "PGT_seg_desc_page", PGT_seg_desc_page },
    { "PGT_writable_page", PGT_writable_page },
    /* #PF error code bits */
    { "PFEC_PRESENT", PFEC_PRESENT }, { "PFEC_WRITE", PFEC_WRITE }, { "PFEC_USER", PFEC_USER },
    { "PFEC_RSVD", PFEC_RSVD }, { "PFEC_INSN", PFEC_INSN }, { "PFEC_PK", PFEC_PK },
    { "true", 1 }, { "false", 0 }, { "on", 1 }, { "off", 0 },
};

static const struct named errnos[] = {
    { "EPERM", XEN_EPERM }, { "ENOENT", XEN_ENOENT }, { "ESRCH", XEN_ESRCH },
    { "EINTR", XEN_EINTR },
    { "EIO", XEN_EIO }, { "ENXIO", XEN_ENXIO }, { "E2BIG", XEN_E2BIG }, { "EAGAIN", XEN_EAGAIN },
    { "ENOMEM", XEN_ENOMEM }, { "EACCES", XEN_EACCES }, { "EFAULT", XEN_EFAULT },
    { "EBUSY", XEN_EBUSY },
    { "EEXIST", XEN_EEXIST }, { "ENODEV", XEN_ENODEV }, { "EINVAL", XEN_EINVAL },
    { "ENOSPC", XEN_ENOSPC }, { "ERANGE", XEN_ERANGE }, { "ENOSYS", XEN_ENOSYS },
    { "EILSEQ", XEN_EILSEQ }, { "ERESTART", XEN_ERESTART }, { "EOPNOTSUPP", XEN_EOPNOTSUPP },
};

static const char *const builtins[][2] = {
    /* name, argument count as a digit */
    { "mfn", "2" }, { "pfn", "1" }, { "m2p", "1" }, { "va", "1" }, { "maddr", "1" },
    { "pte", "2" }, { "index", "2" }, { "entry", "1" },
    { "l4", "1" }, { "base", "2" }, { "user_base", "2" }, { "table", "3" }, { "ptep", "3" },
    { "peek", "2" },
    { "spare", "2" }, { "nr_spare", "1" }, { "scratch", "1" },
    { "pt_base", "1" }, { "start_info", "1" }, { "mfn_list", "1" }, { "stack", "1" },
    { "v_end", "1" }, { "nr_pt_frames", "1" }, { "nr_pages", "1" }, { "tot_pages", "1" },
    { "count", "1" }, { "type_count", "1" }, { "type", "1" }, { "pinned", "1" },
    { "validated", "1" }, { "owner", "1" },
    { "extent", "1" }, { "free_frames", "0" },
    { "gnt_handle", "0" }, { "gnt_bus", "0" }, { "gnt_frame", "1" }, { "gnt_version", "0" },
    { "gnt_nframes", "0" }, { "pin", "2" },
};

bool scn_const_lookup(const char *name, uint64_t *val)
{
    int e;

    for (size_t i = 0; i < sizeof(consts) / sizeof(consts[0]); i++)
        if (strcmp(consts[i].name, name) == 0) {
            *val = consts[i].val;
            return true;
        }
    if (strncmp(name, "XEN_", 4) == 0)
        name += 4;
    e = scn_errno_value(name);
    if (e >= 0) {
        *val = (uint64_t)e;
        return true;
    }
    /* d0 .. d7 name a domain. */
    if (name[0] == 'd' && name[1] >= '0' && name[1] <= '9' && name[2] == '\0') {
        *val = (uint64_t)(name[1] - '0');
        return true;
    }
    return false;
}

int scn_errno_value(const char *name)
{
    for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
        if (strcmp(errnos[i].name, name) == 0)
            return (int)errnos[i].val;
    return -1;
}

const char *scn_errno_name(int e)
{
    for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
        if ((int)errnos[i].val == e)
            return errnos[i].name;
    return NULL;
}

int scn_builtin_lookup(const char *name, int *nargs)
{
    for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
        if (strcmp(builtins[i][0], name) == 0) {
            *nargs = builtins[i][1][0] - '0';
            return (int)i;
        }
    return -1;
}

const char *scn_builtin_name(int fn)
{
    if (fn < 0 || (size_t)fn >= sizeof(builtins) / sizeof(builtins[0]))
        return "?";
    return builtins[fn][0];
}

static const char *const mmuext_short[] = {
    [MMUEXT_PIN_L1_TABLE] = "pin_l1_table", [MMUEXT_PIN_L2_TABLE] = "pin_l2_table",
    [MMUEXT_PIN_L3_TABLE] = "pin_l3_table", [MMUEXT_PIN_L4_TABLE] = "pin_l4_table",
    [MMUEXT_UNPIN_TABLE] = "unpin_table", [MMUEXT_NEW_BASEPTR] = "new_baseptr",
    [MMUEXT_TLB_FLUSH_LOCAL] = "tlb_flush_local", [MMUEXT_INVLPG_LOCAL] = "invlpg_local",
    [MMUEXT_TLB_FLUSH_MULTI] = "tlb_flush_multi", [MMUEXT_INVLPG_MULTI] = "invlpg_multi",
    [MMUEXT_TLB_FLUSH_ALL] = "tlb_flush_all", [MMUEXT_INVLPG_ALL] = "invlpg_all",
    [MMUEXT_FLUSH_CACHE] = "flush_cache", [MMUEXT_SET_LDT] = "set_ldt",
    [MMUEXT_NEW_USER_BASEPTR] = "new_user_baseptr", [MMUEXT_CLEAR_PAGE] = "clear_page",
    [MMUEXT_COPY_PAGE] = "copy_page", [MMUEXT_FLUSH_CACHE_GLOBAL] = "flush_cache_global",
    [MMUEXT_MARK_SUPER] = "mark_super", [MMUEXT_UNMARK_SUPER] = "unmark_super",
};

int scn_mmuext_cmd(const char *name)
{
    for (size_t i = 0; i < sizeof(mmuext_short) / sizeof(mmuext_short[0]); i++)
        if (mmuext_short[i] && strcmp(mmuext_short[i], name) == 0)
            return (int)i;
    return -1;
}

const char *scn_mmuext_name(unsigned int cmd)
{
    if (cmd < sizeof(mmuext_short) / sizeof(mmuext_short[0]))
        return mmuext_short[cmd];
    return NULL;
}

static const char *const memop_short[] = {
    [XENMEM_increase_reservation] = "increase_reservation",
    [XENMEM_decrease_reservation] = "decrease_reservation",
    [XENMEM_populate_physmap] = "populate_physmap",
};

int scn_memop_cmd(const char *name)
{
    for (size_t i = 0; i < sizeof(memop_short) / sizeof(memop_short[0]); i++)
        if (memop_short[i] && strcmp(memop_short[i], name) == 0)
            return (int)i;
    return -1;
}

static const char *const vmasst_types[] = {
    [VMASST_TYPE_4gb_segments] = "4gb_segments",
    [VMASST_TYPE_4gb_segments_notify] = "4gb_segments_notify",
    [VMASST_TYPE_writable_pagetables] = "writable_pagetables",
    [VMASST_TYPE_pae_extended_cr3] = "pae_extended_cr3",
    [VMASST_TYPE_architectural_iopl] = "architectural_iopl",
    [VMASST_TYPE_runstate_update_flag] = "runstate_update_flag",
    [VMASST_TYPE_m2p_strict] = "m2p_strict",
};

int scn_vmasst_type(const char *name)
{
    for (size_t i = 0; i < sizeof(vmasst_types) / sizeof(vmasst_types[0]); i++)
        if (vmasst_types[i] && strcmp(vmasst_types[i], name) == 0)
            return (int)i;
    return -1;
}

static const char *const hypercalls[] = {
    [__HYPERVISOR_set_trap_table] = "set_trap_table", [__HYPERVISOR_mmu_update] = "mmu_update",
    [__HYPERVISOR_set_gdt] = "set_gdt", [__HYPERVISOR_stack_switch] = "stack_switch",
    [__HYPERVISOR_set_callbacks] = "set_callbacks",
    [__HYPERVISOR_fpu_taskswitch] = "fpu_taskswitch",
    [__HYPERVISOR_update_descriptor] = "update_descriptor", [__HYPERVISOR_memory_op] = "memory_op",
    [__HYPERVISOR_multicall] = "multicall", [__HYPERVISOR_update_va_mapping] = "update_va_mapping",
    [__HYPERVISOR_xen_version] = "xen_version", [__HYPERVISOR_console_io] = "console_io",
    [__HYPERVISOR_grant_table_op] = "grant_table_op", [__HYPERVISOR_vm_assist] = "vm_assist",
    [__HYPERVISOR_update_va_mapping_otherdomain] = "update_va_mapping_otherdomain",
    [__HYPERVISOR_iret] = "iret", [__HYPERVISOR_vcpu_op] = "vcpu_op",
    [__HYPERVISOR_set_segment_base] = "set_segment_base", [__HYPERVISOR_mmuext_op] = "mmuext_op",
    [__HYPERVISOR_sched_op] = "sched_op", [__HYPERVISOR_callback_op] = "callback_op",
    [__HYPERVISOR_event_channel_op] = "event_channel_op", [__HYPERVISOR_physdev_op] = "physdev_op",
};

int scn_hypercall_nr(const char *name)
{
    for (size_t i = 0; i < sizeof(hypercalls) / sizeof(hypercalls[0]); i++)
        if (hypercalls[i] && strcmp(hypercalls[i], name) == 0)
            return (int)i;
    return -1;
}

/* Is `word` a valid symbolic value for key `key` of statement `kind`? */
bool scn_word_ok(enum scn_stmt_kind kind, const char *key, const char *word)
{
    switch (kind) {
    case ST_MMUEXT_OP:
        return scn_mmuext_cmd(word) >= 0;
    case ST_MEMORY_OP:
        return scn_memop_cmd(word) >= 0;
    case ST_VM_ASSIST:
        if (!strcmp(key, "cmd"))
            return !strcmp(word, "enable") || !strcmp(word, "disable");
        return scn_vmasst_type(word) >= 0;
    case ST_HYPERCALL:
        return scn_hypercall_nr(word) >= 0;
    case ST_GRANT_TABLE_OP:
        return scn_gnttab_cmd(word) >= 0;
    case ST_SET:
        if (!strcmp(key, "audit"))
            return false;   /* on/off are constants */
        if (!strcmp(key, "preempt"))
            return !strcmp(word, "never") || !strcmp(word, "every");
        return !strcmp(word, "debug") || !strcmp(word, "info") || !strcmp(word, "warn") ||
               !strcmp(word, "error") || !strcmp(word, "none");
    default:
        return false;
    }
}
