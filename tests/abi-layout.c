/*
 * tests/abi-layout.c: compile-time pins of the Xen PV64 guest ABI.
 *
 * Every structure size, field offset and key constant of include/xen/ is
 * checked here against the values in the reference documents
 * (Xen's public headers). Compiling this file is the
 * test: any drift fails the build. It must build hosted and freestanding
 * with gcc and clang.
 */
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/version.h>
#include <xen/callback.h>
#include <xen/elfnote.h>
#include <xen/features.h>
#include <xen/grant_table.h>
#include <xen/event_channel.h>
#include <xen/vcpu.h>
#include <xen/platform.h>
#include <xen/physdev.h>
#include <xen/xen-mca.h>
#include <xen/domctl.h>
#include <xen/sysctl.h>

#define PIN(cond) _Static_assert(cond, #cond)
#define PIN_SIZE(type, size) _Static_assert(sizeof(type) == (size), "sizeof(" #type ") == " #size)
#define PIN_OFF(type, field, off) \
    _Static_assert(offsetof(type, field) == (off), "offsetof(" #type ", " #field ") == " #off)
#define PIN_FIELD(type, field, off, size) \
    PIN_OFF(type, field, off); \
    _Static_assert(sizeof(((type *)0)->field) == (size), "sizeof(" #type "." #field ") == " #size)

/* Basic types. */
PIN_SIZE(xen_pfn_t, 8);
PIN_SIZE(xen_ulong_t, 8);
PIN_SIZE(domid_t, 2);
PIN_SIZE(void *, 8);   /* the ABI here is 64-bit only */

/* Errno values (Xen's public headers). */
PIN(XEN_EPERM == 1);
PIN(XEN_ENOENT == 2);
PIN(XEN_ESRCH == 3);
PIN(XEN_EINTR == 4);
PIN(XEN_EIO == 5);
PIN(XEN_ENXIO == 6);
PIN(XEN_E2BIG == 7);
PIN(XEN_EAGAIN == 11);
PIN(XEN_ENOMEM == 12);
PIN(XEN_EACCES == 13);
PIN(XEN_EFAULT == 14);
PIN(XEN_EBUSY == 16);
PIN(XEN_EEXIST == 17);
PIN(XEN_ENODEV == 19);
PIN(XEN_EINVAL == 22);
PIN(XEN_ERANGE == 34);
PIN(XEN_ENOSYS == 38);
PIN(XEN_EILSEQ == 84);
PIN(XEN_ERESTART == 85);
PIN(XEN_EOPNOTSUPP == 95);

/* Hypercall numbers (model.md §4.2). */
PIN(__HYPERVISOR_set_trap_table == 0);
PIN(__HYPERVISOR_mmu_update == 1);
PIN(__HYPERVISOR_set_gdt == 2);
PIN(__HYPERVISOR_stack_switch == 3);
PIN(__HYPERVISOR_set_callbacks == 4);
PIN(__HYPERVISOR_fpu_taskswitch == 5);
PIN(__HYPERVISOR_sched_op_compat == 6);
PIN(__HYPERVISOR_platform_op == 7);
PIN(__HYPERVISOR_set_debugreg == 8);
PIN(__HYPERVISOR_get_debugreg == 9);
PIN(__HYPERVISOR_update_descriptor == 10);
PIN(__HYPERVISOR_memory_op == 12);
PIN(__HYPERVISOR_multicall == 13);
PIN(__HYPERVISOR_update_va_mapping == 14);
PIN(__HYPERVISOR_set_timer_op == 15);
PIN(__HYPERVISOR_event_channel_op_compat == 16);
PIN(__HYPERVISOR_xen_version == 17);
PIN(__HYPERVISOR_console_io == 18);
PIN(__HYPERVISOR_physdev_op_compat == 19);
PIN(__HYPERVISOR_grant_table_op == 20);
PIN(__HYPERVISOR_vm_assist == 21);
PIN(__HYPERVISOR_update_va_mapping_otherdomain == 22);
PIN(__HYPERVISOR_iret == 23);
PIN(__HYPERVISOR_vcpu_op == 24);
PIN(__HYPERVISOR_set_segment_base == 25);
PIN(__HYPERVISOR_mmuext_op == 26);
PIN(__HYPERVISOR_xsm_op == 27);
PIN(__HYPERVISOR_nmi_op == 28);
PIN(__HYPERVISOR_sched_op == 29);
PIN(__HYPERVISOR_callback_op == 30);
PIN(__HYPERVISOR_xenoprof_op == 31);
PIN(__HYPERVISOR_event_channel_op == 32);
PIN(__HYPERVISOR_physdev_op == 33);
PIN(__HYPERVISOR_hvm_op == 34);
PIN(__HYPERVISOR_sysctl == 35);
PIN(__HYPERVISOR_domctl == 36);
PIN(__HYPERVISOR_kexec_op == 37);
PIN(__HYPERVISOR_tmem_op == 38);
PIN(__HYPERVISOR_argo_op == 39);
PIN(__HYPERVISOR_xenpmu_op == 40);
PIN(__HYPERVISOR_dm_op == 41);
PIN(__HYPERVISOR_hypfs_op == 42);
PIN(__HYPERVISOR_arch_0 == 48);
PIN(__HYPERVISOR_arch_7 == 55);
PIN(CONSOLEIO_write == 0);
PIN(CONSOLEIO_read == 1);

/* mmu_update (model.md §4.3). */
PIN_SIZE(struct mmu_update, 16);
PIN_FIELD(struct mmu_update, ptr, 0, 8);
PIN_FIELD(struct mmu_update, val, 8, 8);
PIN(MMU_NORMAL_PT_UPDATE == 0);
PIN(MMU_MACHPHYS_UPDATE == 1);
PIN(MMU_PT_UPDATE_PRESERVE_AD == 2);
PIN(MMU_PT_UPDATE_NO_TRANSLATE == 3);
PIN(MMU_UPDATE_PREEMPTED == 0x80000000U);

/* mmuext_op (model.md §4.4). */
PIN_SIZE(struct mmuext_op, 24);
PIN_FIELD(struct mmuext_op, cmd, 0, 4);
PIN_FIELD(struct mmuext_op, arg1, 8, 8);
PIN_FIELD(struct mmuext_op, arg1.mfn, 8, 8);
PIN_FIELD(struct mmuext_op, arg1.linear_addr, 8, 8);
PIN_FIELD(struct mmuext_op, arg2, 16, 8);
PIN_FIELD(struct mmuext_op, arg2.nr_ents, 16, 4);
PIN_FIELD(struct mmuext_op, arg2.vcpumask, 16, 8);
PIN_FIELD(struct mmuext_op, arg2.src_mfn, 16, 8);
PIN(MMUEXT_PIN_L1_TABLE == 0);
PIN(MMUEXT_PIN_L2_TABLE == 1);
PIN(MMUEXT_PIN_L3_TABLE == 2);
PIN(MMUEXT_PIN_L4_TABLE == 3);
PIN(MMUEXT_UNPIN_TABLE == 4);
PIN(MMUEXT_NEW_BASEPTR == 5);
PIN(MMUEXT_TLB_FLUSH_LOCAL == 6);
PIN(MMUEXT_INVLPG_LOCAL == 7);
PIN(MMUEXT_TLB_FLUSH_MULTI == 8);
PIN(MMUEXT_INVLPG_MULTI == 9);
PIN(MMUEXT_TLB_FLUSH_ALL == 10);
PIN(MMUEXT_INVLPG_ALL == 11);
PIN(MMUEXT_FLUSH_CACHE == 12);
PIN(MMUEXT_SET_LDT == 13);
PIN(MMUEXT_NEW_USER_BASEPTR == 15);
PIN(MMUEXT_CLEAR_PAGE == 16);
PIN(MMUEXT_COPY_PAGE == 17);
PIN(MMUEXT_FLUSH_CACHE_GLOBAL == 18);
PIN(MMUEXT_MARK_SUPER == 19);
PIN(MMUEXT_UNMARK_SUPER == 20);

/* update_va_mapping flags (model.md §4.5). */
PIN(UVMF_NONE == 0);
PIN(UVMF_TLB_FLUSH == 1);
PIN(UVMF_INVLPG == 2);
PIN(UVMF_FLUSHTYPE_MASK == 3);
PIN(UVMF_MULTI == 0);
PIN(UVMF_LOCAL == 0);
PIN(UVMF_ALL == 4);

/* Domain ids (model.md §4.7). */
PIN(DOMID_FIRST_RESERVED == 0x7FF0);
PIN(DOMID_SELF == 0x7FF0);
PIN(DOMID_IO == 0x7FF1);
PIN(DOMID_XEN == 0x7FF2);
PIN(DOMID_COW == 0x7FF3);
PIN(DOMID_INVALID == 0x7FF4);
PIN(DOMID_IDLE == 0x7FFF);

/* vm_assist (Xen's public headers). */
PIN(VMASST_CMD_enable == 0);
PIN(VMASST_CMD_disable == 1);
PIN(VMASST_TYPE_4gb_segments == 0);
PIN(VMASST_TYPE_4gb_segments_notify == 1);
PIN(VMASST_TYPE_writable_pagetables == 2);
PIN(VMASST_TYPE_pae_extended_cr3 == 3);
PIN(VMASST_TYPE_architectural_iopl == 4);
PIN(VMASST_TYPE_runstate_update_flag == 5);
PIN(VMASST_TYPE_m2p_strict == 32);

/* trap_info (Xen's public headers). */
PIN_SIZE(struct trap_info, 16);
PIN_FIELD(struct trap_info, vector, 0, 1);
PIN_FIELD(struct trap_info, flags, 1, 1);
PIN_FIELD(struct trap_info, cs, 2, 2);
PIN_FIELD(struct trap_info, address, 8, 8);

/* multicall_entry (Xen's public headers). */
PIN_SIZE(struct multicall_entry, 64);
PIN_FIELD(struct multicall_entry, op, 0, 8);
PIN_FIELD(struct multicall_entry, result, 8, 8);
PIN_FIELD(struct multicall_entry, args, 16, 48);

/* Selectors and GDT (Xen's public headers). */
PIN(FLAT_RING3_CS32 == 0xe023);
PIN(FLAT_RING3_CS64 == 0xe033);
PIN(FLAT_RING3_DS32 == 0xe02b);
PIN(FLAT_RING3_DS64 == 0);
PIN(FLAT_RING3_SS32 == 0xe02b);
PIN(FLAT_RING3_SS64 == 0xe02b);
PIN(FLAT_KERNEL_CS == 0xe033);
PIN(FLAT_KERNEL_CS64 == 0xe033);
PIN(FLAT_KERNEL_CS32 == 0xe023);
PIN(FLAT_KERNEL_SS == 0xe02b);
PIN(FLAT_KERNEL_SS64 == 0xe02b);
PIN(FLAT_KERNEL_DS == 0);
PIN(FLAT_KERNEL_DS64 == 0);
PIN(FLAT_KERNEL_DS32 == 0xe02b);
PIN(FLAT_USER_CS == 0xe033);
PIN(FLAT_USER_CS32 == 0xe023);
PIN(FLAT_USER_SS == 0xe02b);
PIN(FLAT_USER_DS == 0);
PIN(FIRST_RESERVED_GDT_PAGE == 14);
PIN(FIRST_RESERVED_GDT_BYTE == 0xE000);
PIN(FIRST_RESERVED_GDT_ENTRY == 7168);

/* Hypervisor virtual addresses (Xen's public headers). */
PIN(HYPERVISOR_VIRT_START == 0xFFFF800000000000UL);
PIN(HYPERVISOR_VIRT_END == 0xFFFF880000000000UL);
PIN(MACH2PHYS_VIRT_START == 0xFFFF800000000000UL);
PIN(MACH2PHYS_VIRT_END == 0xFFFF804000000000UL);
PIN(MACH2PHYS_NR_ENTRIES == (1UL << 35));

/* set_segment_base. */
PIN(SEGBASE_FS == 0);
PIN(SEGBASE_GS_USER == 1);
PIN(SEGBASE_GS_KERNEL == 2);
PIN(SEGBASE_GS_USER_SEL == 3);

/* iret frame (Xen's public headers). */
PIN(VGCF_in_syscall == 0x100);
PIN_SIZE(struct iret_context, 72);
PIN_FIELD(struct iret_context, rax, 0, 8);
PIN_FIELD(struct iret_context, r11, 8, 8);
PIN_FIELD(struct iret_context, rcx, 16, 8);
PIN_FIELD(struct iret_context, flags, 24, 8);
PIN_FIELD(struct iret_context, rip, 32, 8);
PIN_FIELD(struct iret_context, cs, 40, 8);
PIN_FIELD(struct iret_context, rflags, 48, 8);
PIN_FIELD(struct iret_context, rsp, 56, 8);
PIN_FIELD(struct iret_context, ss, 64, 8);

/* start_info (Xen's public headers). */
PIN(MAX_GUEST_CMDLINE == 1024);
PIN(SIF_PRIVILEGED == 0x1);
PIN(SIF_INITDOMAIN == 0x2);
PIN(SIF_MULTIBOOT_MOD == 0x4);
PIN(SIF_MOD_START_PFN == 0x8);
PIN(SIF_VIRT_P2M_4TOOLS == 0x10);
PIN(SIF_PM_MASK == 0xff00);
PIN_SIZE(start_info_t, 1168);
PIN_FIELD(struct start_info, magic, 0, 32);
PIN_FIELD(struct start_info, nr_pages, 32, 8);
PIN_FIELD(struct start_info, shared_info, 40, 8);
PIN_FIELD(struct start_info, flags, 48, 4);
PIN_FIELD(struct start_info, store_mfn, 56, 8);
PIN_FIELD(struct start_info, store_evtchn, 64, 4);
PIN_FIELD(struct start_info, console, 72, 16);
PIN_FIELD(struct start_info, console.domU.mfn, 72, 8);
PIN_FIELD(struct start_info, console.domU.evtchn, 80, 4);
PIN_FIELD(struct start_info, console.dom0.info_off, 72, 4);
PIN_FIELD(struct start_info, console.dom0.info_size, 76, 4);
PIN_FIELD(struct start_info, pt_base, 88, 8);
PIN_FIELD(struct start_info, nr_pt_frames, 96, 8);
PIN_FIELD(struct start_info, mfn_list, 104, 8);
PIN_FIELD(struct start_info, mod_start, 112, 8);
PIN_FIELD(struct start_info, mod_len, 120, 8);
PIN_FIELD(struct start_info, cmd_line, 128, 1024);
PIN_FIELD(struct start_info, first_p2m_pfn, 1152, 8);
PIN_FIELD(struct start_info, nr_p2m_frames, 1160, 8);
PIN_SIZE(struct xen_multiboot_mod_list, 16);

/* vcpu_time_info, vcpu_info, shared_info (Xen's public headers). */
PIN(XEN_LEGACY_MAX_VCPUS == 32);
PIN(EVTCHN_2L_NR_CHANNELS == 4096);
PIN_SIZE(struct vcpu_time_info, 32);
PIN_FIELD(struct vcpu_time_info, version, 0, 4);
PIN_FIELD(struct vcpu_time_info, tsc_timestamp, 8, 8);
PIN_FIELD(struct vcpu_time_info, system_time, 16, 8);
PIN_FIELD(struct vcpu_time_info, tsc_to_system_mul, 24, 4);
PIN_FIELD(struct vcpu_time_info, tsc_shift, 28, 1);
PIN_FIELD(struct vcpu_time_info, flags, 29, 1);
PIN_SIZE(struct arch_vcpu_info, 16);
PIN_SIZE(struct vcpu_info, 64);
PIN_FIELD(struct vcpu_info, evtchn_upcall_pending, 0, 1);
PIN_FIELD(struct vcpu_info, evtchn_upcall_mask, 1, 1);
PIN_FIELD(struct vcpu_info, evtchn_pending_sel, 8, 8);
PIN_FIELD(struct vcpu_info, arch.cr2, 16, 8);
PIN_FIELD(struct vcpu_info, arch.pad, 24, 8);
PIN_FIELD(struct vcpu_info, time, 32, 32);
PIN_SIZE(struct arch_shared_info, 48);
PIN_SIZE(struct shared_info, 3136);
PIN_FIELD(struct shared_info, vcpu_info, 0, 32 * 64);
PIN_FIELD(struct shared_info, evtchn_pending, 2048, 512);
PIN_FIELD(struct shared_info, evtchn_mask, 2560, 512);
PIN_FIELD(struct shared_info, wc_version, 3072, 4);
PIN_FIELD(struct shared_info, wc_sec, 3076, 4);
PIN_FIELD(struct shared_info, wc_nsec, 3080, 4);
PIN_FIELD(struct shared_info, wc_sec_hi, 3084, 4);
PIN_FIELD(struct shared_info, arch.max_pfn, 3088, 8);
PIN_FIELD(struct shared_info, arch.pfn_to_mfn_frame_list_list, 3096, 8);
PIN_FIELD(struct shared_info, arch.nmi_reason, 3104, 8);
PIN_FIELD(struct shared_info, arch.p2m_cr3, 3112, 8);
PIN_FIELD(struct shared_info, arch.p2m_vaddr, 3120, 8);
PIN_FIELD(struct shared_info, arch.p2m_generation, 3128, 8);

/* memory_op (model.md §7.1). */
PIN(MEMOP_EXTENT_SHIFT == 6);
PIN(MEMOP_CMD_MASK == 0x3F);
PIN(XENMEM_increase_reservation == 0);
PIN(XENMEM_decrease_reservation == 1);
PIN(XENMEM_maximum_ram_page == 2);
PIN(XENMEM_current_reservation == 3);
PIN(XENMEM_maximum_reservation == 4);
PIN(XENMEM_machphys_mfn_list == 5);
PIN(XENMEM_populate_physmap == 6);
PIN(XENMEM_add_to_physmap == 7);
PIN(XENMEM_memory_map == 9);
PIN(XENMEM_machine_memory_map == 10);
PIN(XENMEM_exchange == 11);
PIN(XENMEM_machphys_mapping == 12);
PIN(XENMEM_set_memory_map == 13);
PIN(XENMEM_maximum_gpfn == 14);
PIN(XENMEM_remove_from_physmap == 15);
PIN(XENMEM_add_to_physmap_batch == 23);
PIN(XENMEM_machphys_compat_mfn_list == 25);
PIN(XENMEMF_address_bits(32) == 32);
PIN(XENMEMF_get_address_bits(XENMEMF_node(3) | 40) == 40);
PIN(XENMEMF_node(0) == 0x100);
PIN(XENMEMF_get_node(XENMEMF_node(5)) == 5);
PIN(XENMEMF_populate_on_demand == (1U << 16));
PIN(XENMEMF_exact_node_request == (1U << 17));
PIN(XENMEMF_vnode == (1U << 18));
PIN_SIZE(struct xen_memory_reservation, 32);
PIN_FIELD(struct xen_memory_reservation, extent_start, 0, 8);
PIN_FIELD(struct xen_memory_reservation, nr_extents, 8, 8);
PIN_FIELD(struct xen_memory_reservation, extent_order, 16, 4);
PIN_FIELD(struct xen_memory_reservation, mem_flags, 20, 4);
PIN_FIELD(struct xen_memory_reservation, domid, 24, 2);
PIN_SIZE(struct xen_memory_exchange, 72);
PIN_OFF(struct xen_memory_exchange, in, 0);
PIN_OFF(struct xen_memory_exchange, out, 32);
PIN_OFF(struct xen_memory_exchange, nr_exchanged, 64);
PIN_SIZE(struct xen_machphys_mfn_list, 24);
PIN_FIELD(struct xen_machphys_mfn_list, max_extents, 0, 4);
PIN_FIELD(struct xen_machphys_mfn_list, extent_start, 8, 8);
PIN_FIELD(struct xen_machphys_mfn_list, nr_extents, 16, 4);
PIN_SIZE(struct xen_machphys_mapping, 24);
PIN_FIELD(struct xen_machphys_mapping, v_start, 0, 8);
PIN_FIELD(struct xen_machphys_mapping, v_end, 8, 8);
PIN_FIELD(struct xen_machphys_mapping, max_mfn, 16, 8);
PIN_SIZE(struct xen_memory_map, 16);
PIN_FIELD(struct xen_memory_map, nr_entries, 0, 4);
PIN_FIELD(struct xen_memory_map, buffer, 8, 8);
PIN_SIZE(struct xen_foreign_memory_map, 24);
PIN_OFF(struct xen_foreign_memory_map, map, 8);
PIN_SIZE(struct xen_add_to_physmap, 24);
PIN_FIELD(struct xen_add_to_physmap, domid, 0, 2);
PIN_FIELD(struct xen_add_to_physmap, size, 2, 2);
PIN_FIELD(struct xen_add_to_physmap, space, 4, 4);
PIN_FIELD(struct xen_add_to_physmap, idx, 8, 8);
PIN_FIELD(struct xen_add_to_physmap, gpfn, 16, 8);
PIN_SIZE(struct xen_remove_from_physmap, 16);
PIN_FIELD(struct xen_remove_from_physmap, gpfn, 8, 8);

/* sched_op (Xen's public headers). */
PIN(SCHEDOP_yield == 0);
PIN(SCHEDOP_block == 1);
PIN(SCHEDOP_shutdown == 2);
PIN(SCHEDOP_poll == 3);
PIN(SCHEDOP_remote_shutdown == 4);
PIN(SCHEDOP_shutdown_code == 5);
PIN(SCHEDOP_watchdog == 6);
PIN(SCHEDOP_pin_override == 7);
PIN(SHUTDOWN_poweroff == 0);
PIN(SHUTDOWN_reboot == 1);
PIN(SHUTDOWN_suspend == 2);
PIN(SHUTDOWN_crash == 3);
PIN(SHUTDOWN_watchdog == 4);
PIN(SHUTDOWN_soft_reset == 5);
PIN_SIZE(struct sched_shutdown, 4);
PIN_FIELD(struct sched_shutdown, reason, 0, 4);
PIN_SIZE(struct sched_poll, 24);
PIN_FIELD(struct sched_poll, ports, 0, 8);
PIN_FIELD(struct sched_poll, nr_ports, 8, 4);
PIN_FIELD(struct sched_poll, timeout, 16, 8);
PIN_SIZE(struct sched_remote_shutdown, 8);
PIN_FIELD(struct sched_remote_shutdown, domain_id, 0, 2);
PIN_FIELD(struct sched_remote_shutdown, reason, 4, 4);

/* xen_version (Xen's public headers). */
PIN(XENVER_version == 0);
PIN(XENVER_extraversion == 1);
PIN(XENVER_compile_info == 2);
PIN(XENVER_capabilities == 3);
PIN(XENVER_changeset == 4);
PIN(XENVER_platform_parameters == 5);
PIN(XENVER_get_features == 6);
PIN(XENVER_pagesize == 7);
PIN(XENVER_guest_handle == 8);
PIN(XENVER_commandline == 9);
PIN(XENVER_build_id == 10);
PIN(XENVER_extraversion2 == 11);
PIN(XENVER_capabilities2 == 12);
PIN(XENVER_changeset2 == 13);
PIN(XENVER_commandline2 == 14);
PIN_SIZE(xen_extraversion_t, 16);
PIN_SIZE(xen_capabilities_info_t, 1024);
PIN_SIZE(xen_changeset_info_t, 64);
PIN_SIZE(xen_commandline_t, 1024);
PIN_SIZE(xen_domain_handle_t, 16);
PIN_SIZE(struct xen_compile_info, 144);
PIN_FIELD(struct xen_compile_info, compiler, 0, 64);
PIN_FIELD(struct xen_compile_info, compile_by, 64, 16);
PIN_FIELD(struct xen_compile_info, compile_domain, 80, 32);
PIN_FIELD(struct xen_compile_info, compile_date, 112, 32);
PIN_SIZE(struct xen_platform_parameters, 8);
PIN_SIZE(struct xen_feature_info, 8);
PIN_FIELD(struct xen_feature_info, submap_idx, 0, 4);
PIN_FIELD(struct xen_feature_info, submap, 4, 4);
PIN_OFF(struct xen_build_id, buf, 4);

/* callback_op (Xen's public headers). */
PIN(CALLBACKTYPE_event == 0);
PIN(CALLBACKTYPE_failsafe == 1);
PIN(CALLBACKTYPE_syscall == 2);
PIN(CALLBACKTYPE_sysenter_deprecated == 3);
PIN(CALLBACKTYPE_nmi == 4);
PIN(CALLBACKTYPE_sysenter == 5);
PIN(CALLBACKTYPE_syscall32 == 7);
PIN(CALLBACKF_mask_events == 1);
PIN(CALLBACKOP_register == 0);
PIN(CALLBACKOP_unregister == 1);
PIN_SIZE(struct callback_register, 16);
PIN_FIELD(struct callback_register, type, 0, 2);
PIN_FIELD(struct callback_register, flags, 2, 2);
PIN_FIELD(struct callback_register, address, 8, 8);
PIN_SIZE(struct callback_unregister, 4);

/* ELF notes (Xen's public headers). */
PIN(XEN_ELFNOTE_INFO == 0);
PIN(XEN_ELFNOTE_ENTRY == 1);
PIN(XEN_ELFNOTE_HYPERCALL_PAGE == 2);
PIN(XEN_ELFNOTE_VIRT_BASE == 3);
PIN(XEN_ELFNOTE_PADDR_OFFSET == 4);
PIN(XEN_ELFNOTE_XEN_VERSION == 5);
PIN(XEN_ELFNOTE_GUEST_OS == 6);
PIN(XEN_ELFNOTE_GUEST_VERSION == 7);
PIN(XEN_ELFNOTE_LOADER == 8);
PIN(XEN_ELFNOTE_PAE_MODE == 9);
PIN(XEN_ELFNOTE_FEATURES == 10);
PIN(XEN_ELFNOTE_BSD_SYMTAB == 11);
PIN(XEN_ELFNOTE_HV_START_LOW == 12);
PIN(XEN_ELFNOTE_L1_MFN_VALID == 13);
PIN(XEN_ELFNOTE_SUSPEND_CANCEL == 14);
PIN(XEN_ELFNOTE_INIT_P2M == 15);
PIN(XEN_ELFNOTE_MOD_START_PFN == 16);
PIN(XEN_ELFNOTE_SUPPORTED_FEATURES == 17);
PIN(XEN_ELFNOTE_PHYS32_ENTRY == 18);
PIN(XEN_ELFNOTE_PHYS32_RELOC == 19);
PIN(XEN_ELFNOTE_MAX == 19);

/* Feature bits (Xen's public headers). */
PIN(XENFEAT_writable_page_tables == 0);
PIN(XENFEAT_writable_descriptor_tables == 1);
PIN(XENFEAT_auto_translated_physmap == 2);
PIN(XENFEAT_supervisor_mode_kernel == 3);
PIN(XENFEAT_pae_pgdir_above_4gb == 4);
PIN(XENFEAT_mmu_pt_update_preserve_ad == 5);
PIN(XENFEAT_highmem_assist == 6);
PIN(XENFEAT_gnttab_map_avail_bits == 7);
PIN(XENFEAT_hvm_callback_vector == 8);
PIN(XENFEAT_dom0 == 11);
PIN(XENFEAT_memory_op_vnode_supported == 13);
PIN(XENFEAT_direct_mapped == 17);
PIN(XENFEAT_runstate_phys_area == 18);
PIN(XENFEAT_vcpu_time_phys_area == 19);
PIN(XENFEAT_dm_msix_all_writes == 20);
PIN(XENFEAT_NR_SUBMAPS == 1);

/* Grant tables (model.md §6; not implemented). */
PIN(GNTTAB_NR_RESERVED_ENTRIES == 8);
PIN_SIZE(struct grant_entry_v1, 8);
PIN_FIELD(struct grant_entry_v1, flags, 0, 2);
PIN_FIELD(struct grant_entry_v1, domid, 2, 2);
PIN_FIELD(struct grant_entry_v1, frame, 4, 4);
PIN_SIZE(union grant_entry_v2, 16);
PIN_FIELD(union grant_entry_v2, full_page.frame, 8, 8);
PIN_FIELD(union grant_entry_v2, sub_page.page_off, 4, 2);
PIN_FIELD(union grant_entry_v2, sub_page.length, 6, 2);
PIN_FIELD(union grant_entry_v2, sub_page.frame, 8, 8);
PIN_FIELD(union grant_entry_v2, transitive.trans_domid, 4, 2);
PIN_FIELD(union grant_entry_v2, transitive.gref, 8, 4);
PIN(GTF_invalid == 0);
PIN(GTF_permit_access == 1);
PIN(GTF_accept_transfer == 2);
PIN(GTF_transitive == 3);
PIN(GTF_readonly == 0x4);
PIN(GTF_reading == 0x8);
PIN(GTF_writing == 0x10);
PIN(GTF_PWT == 0x20);
PIN(GTF_PCD == 0x40);
PIN(GTF_PAT == 0x80);
PIN(GTF_sub_page == 0x100);
PIN(GTF_transfer_committed == 0x4);
PIN(GTF_transfer_completed == 0x8);
PIN(GNTTABOP_map_grant_ref == 0);
PIN(GNTTABOP_unmap_grant_ref == 1);
PIN(GNTTABOP_setup_table == 2);
PIN(GNTTABOP_dump_table == 3);
PIN(GNTTABOP_transfer == 4);
PIN(GNTTABOP_copy == 5);
PIN(GNTTABOP_query_size == 6);
PIN(GNTTABOP_unmap_and_replace == 7);
PIN(GNTTABOP_set_version == 8);
PIN(GNTTABOP_get_status_frames == 9);
PIN(GNTTABOP_get_version == 10);
PIN(GNTTABOP_swap_grant_ref == 11);
PIN(GNTTABOP_cache_flush == 12);
PIN(GNTST_okay == 0);
PIN(GNTST_general_error == -1);
PIN(GNTST_bad_domain == -2);
PIN(GNTST_bad_gntref == -3);
PIN(GNTST_bad_handle == -4);
PIN(GNTST_bad_virt_addr == -5);
PIN(GNTST_bad_dev_addr == -6);
PIN(GNTST_no_device_space == -7);
PIN(GNTST_permission_denied == -8);
PIN(GNTST_bad_page == -9);
PIN(GNTST_bad_copy_arg == -10);
PIN(GNTST_address_too_big == -11);
PIN(GNTST_eagain == -12);
PIN(GNTST_no_space == -13);
PIN(GNTMAP_device_map == 0x1);
PIN(GNTMAP_host_map == 0x2);
PIN(GNTMAP_readonly == 0x4);
PIN(GNTMAP_application_map == 0x8);
PIN(GNTMAP_contains_pte == 0x10);
PIN(GNTMAP_guest_avail_mask == 0xFFFF0000U);
PIN_SIZE(struct gnttab_map_grant_ref, 32);
PIN_FIELD(struct gnttab_map_grant_ref, host_addr, 0, 8);
PIN_FIELD(struct gnttab_map_grant_ref, flags, 8, 4);
PIN_FIELD(struct gnttab_map_grant_ref, ref, 12, 4);
PIN_FIELD(struct gnttab_map_grant_ref, dom, 16, 2);
PIN_FIELD(struct gnttab_map_grant_ref, status, 18, 2);
PIN_FIELD(struct gnttab_map_grant_ref, handle, 20, 4);
PIN_FIELD(struct gnttab_map_grant_ref, dev_bus_addr, 24, 8);
PIN_SIZE(struct gnttab_unmap_grant_ref, 24);
PIN_FIELD(struct gnttab_unmap_grant_ref, host_addr, 0, 8);
PIN_FIELD(struct gnttab_unmap_grant_ref, dev_bus_addr, 8, 8);
PIN_FIELD(struct gnttab_unmap_grant_ref, handle, 16, 4);
PIN_FIELD(struct gnttab_unmap_grant_ref, status, 20, 2);
PIN_SIZE(struct gnttab_setup_table, 24);
PIN_FIELD(struct gnttab_setup_table, dom, 0, 2);
PIN_FIELD(struct gnttab_setup_table, nr_frames, 4, 4);
PIN_FIELD(struct gnttab_setup_table, status, 8, 2);
PIN_FIELD(struct gnttab_setup_table, frame_list, 16, 8);
PIN_SIZE(struct gnttab_query_size, 16);
PIN_FIELD(struct gnttab_query_size, dom, 0, 2);
PIN_FIELD(struct gnttab_query_size, nr_frames, 4, 4);
PIN_FIELD(struct gnttab_query_size, max_nr_frames, 8, 4);
PIN_FIELD(struct gnttab_query_size, status, 12, 2);
PIN_SIZE(struct gnttab_set_version, 4);
PIN_SIZE(struct gnttab_get_version, 8);
PIN_FIELD(struct gnttab_get_version, version, 4, 4);

/* event_channel_op (32) and vcpu_op (24). */
PIN(EVTCHNOP_bind_interdomain == 0);
PIN(EVTCHNOP_bind_virq == 1);
PIN(EVTCHNOP_close == 3);
PIN(EVTCHNOP_send == 4);
PIN(EVTCHNOP_status == 5);
PIN(EVTCHNOP_alloc_unbound == 6);
PIN(EVTCHNOP_bind_ipi == 7);
PIN(EVTCHNOP_bind_vcpu == 8);
PIN(EVTCHNOP_unmask == 9);
PIN(EVTCHNOP_reset == 10);
PIN(EVTCHNOP_init_control == 11);
PIN(EVTCHNOP_expand_array == 12);
PIN(EVTCHNOP_set_priority == 13);
PIN_FIELD(struct evtchn_alloc_unbound, remote_dom, 2, 2);
PIN_FIELD(struct evtchn_alloc_unbound, port, 4, 4);
PIN_FIELD(struct evtchn_bind_interdomain, remote_port, 4, 4);
PIN_FIELD(struct evtchn_bind_interdomain, local_port, 8, 4);
PIN_FIELD(struct evtchn_bind_virq, port, 8, 4);
PIN_FIELD(struct evtchn_bind_ipi, port, 4, 4);
PIN_FIELD(struct evtchn_status, port, 4, 4);
PIN_FIELD(struct evtchn_status, status, 8, 4);
PIN_FIELD(struct evtchn_status, vcpu, 12, 4);
PIN_OFF(struct evtchn_status, u.interdomain.port, 20);
PIN_FIELD(struct evtchn_init_control, offset, 8, 4);
PIN_FIELD(struct evtchn_init_control, vcpu, 12, 4);
PIN_FIELD(struct evtchn_init_control, link_bits, 16, 1);
PIN_OFF(struct evtchn_op, u, 4);
PIN(VCPUOP_register_runstate_memory_area == 5);
PIN(VCPUOP_set_periodic_timer == 6);
PIN(VCPUOP_set_singleshot_timer == 8);
PIN(VCPUOP_register_vcpu_info == 10);
PIN_FIELD(struct vcpu_runstate_info, state_entry_time, 8, 8);
PIN_FIELD(struct vcpu_runstate_info, time, 16, 32);
PIN_FIELD(struct vcpu_set_singleshot_timer, flags, 8, 4);
PIN_FIELD(struct vcpu_register_vcpu_info, offset, 8, 4);

/* domctl and sysctl (Xen 4.17: both interface version 0x15). */
PIN(XEN_DOMCTL_INTERFACE_VERSION == 0x15);
PIN(XEN_SYSCTL_INTERFACE_VERSION == 0x15);
PIN(XEN_DOMCTL_createdomain == 1 && XEN_DOMCTL_destroydomain == 2);
PIN(XEN_DOMCTL_pausedomain == 3 && XEN_DOMCTL_unpausedomain == 4);
PIN(XEN_DOMCTL_getdomaininfo == 5 && XEN_DOMCTL_max_mem == 11);
PIN(XEN_DOMCTL_setvcpucontext == 12 && XEN_DOMCTL_getvcpucontext == 13);
PIN(XEN_DOMCTL_max_vcpus == 15 && XEN_DOMCTL_iomem_permission == 20);
PIN(XEN_DOMCTL_ioport_permission == 21 && XEN_DOMCTL_getpageframeinfo3 == 61);
PIN(XEN_SYSCTL_physinfo == 3 && XEN_SYSCTL_getdomaininfolist == 6);
PIN(XEN_DOMCTL_PFINFO_L4TAB == 0x40000000U && XEN_DOMCTL_PFINFO_LPINTAB == 0x80000000U);
PIN(XEN_DOMCTL_PFINFO_XTAB == 0xf0000000U);
PIN_FIELD(struct xen_domctl, cmd, 0, 4);
PIN_FIELD(struct xen_domctl, interface_version, 4, 4);
PIN_FIELD(struct xen_domctl, domain, 8, 2);
PIN_FIELD(struct xen_domctl, u, 16, 128);
PIN_FIELD(struct xen_domctl_createdomain, handle, 4, 16);
PIN_FIELD(struct xen_domctl_createdomain, flags, 20, 4);
PIN_FIELD(struct xen_domctl_createdomain, max_vcpus, 28, 4);
PIN_FIELD(struct xen_domctl_createdomain, max_grant_frames, 36, 4);
PIN_FIELD(struct xen_domctl_createdomain, grant_opts, 44, 4);
PIN_FIELD(struct xen_domctl_createdomain, cpupool_id, 52, 4);
PIN_FIELD(struct xen_domctl_createdomain, arch, 56, 8);
PIN_FIELD(struct xen_domctl_getdomaininfo, flags, 4, 4);
PIN_FIELD(struct xen_domctl_getdomaininfo, tot_pages, 8, 8);
PIN_FIELD(struct xen_domctl_getdomaininfo, max_pages, 16, 8);
PIN_FIELD(struct xen_domctl_getdomaininfo, shared_info_frame, 48, 8);
PIN_FIELD(struct xen_domctl_getdomaininfo, cpu_time, 56, 8);
PIN_FIELD(struct xen_domctl_getdomaininfo, nr_online_vcpus, 64, 4);
PIN_FIELD(struct xen_domctl_getdomaininfo, max_vcpu_id, 68, 4);
PIN_FIELD(struct xen_domctl_getdomaininfo, handle, 76, 16);
PIN_FIELD(struct xen_domctl_getdomaininfo, cpupool, 92, 4);
PIN_FIELD(struct xen_domctl_getdomaininfo, gpaddr_bits, 96, 1);
PIN_FIELD(struct xen_domctl_getdomaininfo, arch_config, 104, 8);
PIN_FIELD(struct xen_domctl_vcpucontext, ctxt, 8, 8);
PIN_FIELD(struct xen_domctl_iomem_permission, allow_access, 16, 1);
PIN_SIZE(struct xen_domctl_iomem_permission, 24);
PIN_FIELD(struct xen_domctl_ioport_permission, allow_access, 8, 1);
PIN_SIZE(struct xen_domctl_ioport_permission, 12);
PIN_FIELD(struct xen_domctl_getpageframeinfo3, array, 8, 8);
PIN_FIELD(struct xenctl_bitmap, nr_bits, 8, 4);
PIN_SIZE(struct xenctl_bitmap, 16);
PIN_FIELD(struct xen_domctl_vcpuaffinity, flags, 4, 4);
PIN_FIELD(struct xen_domctl_vcpuaffinity, cpumap_hard, 8, 16);
PIN_FIELD(struct xen_domctl_vcpuaffinity, cpumap_soft, 24, 16);
PIN_FIELD(struct xen_domctl_getvcpuinfo, online, 4, 1);
PIN_FIELD(struct xen_domctl_getvcpuinfo, blocked, 5, 1);
PIN_FIELD(struct xen_domctl_getvcpuinfo, running, 6, 1);
PIN_FIELD(struct xen_domctl_getvcpuinfo, cpu_time, 8, 8);
PIN_FIELD(struct xen_domctl_getvcpuinfo, cpu, 16, 4);
PIN_FIELD(struct xen_sysctl, u, 8, 128);
PIN_FIELD(struct xen_sysctl_physinfo, cpu_khz, 24, 4);
PIN_FIELD(struct xen_sysctl_physinfo, capabilities, 28, 4);
PIN_FIELD(struct xen_sysctl_physinfo, total_pages, 40, 8);
PIN_FIELD(struct xen_sysctl_physinfo, free_pages, 48, 8);
PIN_FIELD(struct xen_sysctl_physinfo, max_mfn, 72, 8);
PIN_FIELD(struct xen_sysctl_physinfo, hw_cap, 80, 32);
PIN_FIELD(struct xen_sysctl_getdomaininfolist, max_domains, 4, 4);
PIN_FIELD(struct xen_sysctl_getdomaininfolist, buffer, 8, 8);
PIN_FIELD(struct xen_sysctl_getdomaininfolist, num_domains, 16, 4);

/* The PV64 vCPU context. */
PIN_FIELD(struct cpu_user_regs, rdi, 112, 8);
PIN_FIELD(struct cpu_user_regs, error_code, 120, 4);
PIN_FIELD(struct cpu_user_regs, rip, 128, 8);
PIN_FIELD(struct cpu_user_regs, cs, 136, 2);
PIN_FIELD(struct cpu_user_regs, saved_upcall_mask, 140, 1);
PIN_FIELD(struct cpu_user_regs, rflags, 144, 8);
PIN_FIELD(struct cpu_user_regs, rsp, 152, 8);
PIN_FIELD(struct cpu_user_regs, ss, 160, 2);
PIN_FIELD(struct cpu_user_regs, gs, 192, 2);
PIN_FIELD(struct vcpu_guest_context, flags, 512, 8);
PIN_FIELD(struct vcpu_guest_context, user_regs, 520, 200);
PIN_FIELD(struct vcpu_guest_context, trap_ctxt, 720, 4096);
PIN_FIELD(struct vcpu_guest_context, ldt_base, 4816, 8);
PIN_FIELD(struct vcpu_guest_context, gdt_frames, 4832, 128);
PIN_FIELD(struct vcpu_guest_context, gdt_ents, 4960, 8);
PIN_FIELD(struct vcpu_guest_context, kernel_ss, 4968, 8);
PIN_FIELD(struct vcpu_guest_context, ctrlreg, 4984, 64);
PIN_FIELD(struct vcpu_guest_context, debugreg, 5048, 64);
PIN_FIELD(struct vcpu_guest_context, event_callback_eip, 5112, 8);
PIN_FIELD(struct vcpu_guest_context, syscall_callback_eip, 5128, 8);
PIN_FIELD(struct vcpu_guest_context, vm_assist, 5136, 8);
PIN_FIELD(struct vcpu_guest_context, gs_base_user, 5160, 8);
PIN(VGCF_IN_KERNEL == 4 && VGCF_online == 32);

/*
 * One function so the translation unit is never empty and the inline
 * helpers and accessor macros are compiled at least once.
 */
int abi_layout_smoke(void);
int abi_layout_smoke(void)
{
    struct trap_info ti = { 0 };

    TI_SET_DPL(&ti, 3);
    TI_SET_IF(&ti, 1);
    return (TI_GET_DPL(&ti) == 3 && TI_GET_IF(&ti) == 4 &&
            xen_errno_name(-XEN_EINVAL)[1] == 'I') ? 0 : 1;
}

/* platform_op (xen/platform.h). */
PIN(__HYPERVISOR_platform_op == 7);
PIN(XENPF_INTERFACE_VERSION == 0x03000001);
PIN(XENPF_settime32 == 17 && XENPF_firmware_info == 50 && XENPF_enter_acpi_sleep == 51);
PIN(XENPF_get_cpuinfo == 55 && XENPF_settime64 == 62 && XENPF_get_cpu_version == 48);
PIN_SIZE(struct xenpf_settime32, 16);
PIN_FIELD(struct xenpf_settime64, secs, 0, 8);
PIN_FIELD(struct xenpf_settime64, nsecs, 8, 4);
PIN_FIELD(struct xenpf_settime64, mbz, 12, 4);
PIN_FIELD(struct xenpf_settime64, system_time, 16, 8);
PIN_OFF(struct xenpf_firmware_info, u, 8);
PIN_OFF(struct xenpf_firmware_info, u.disk_info.edd_params, 16);
PIN_OFF(struct xenpf_firmware_info, u.disk_mbr_signature.mbr_signature, 12);
PIN_OFF(struct xenpf_firmware_info, u.vbeddc_info.edid, 16);
PIN_SIZE(struct xenpf_firmware_info, 40);
PIN_SIZE(struct xenpf_enter_acpi_sleep, 12);
PIN_SIZE(struct xenpf_pcpuinfo, 20);
PIN_OFF(struct xen_platform_op, u, 8);
PIN_SIZE(struct xen_platform_op, 136);

/* The machine-check hypercall (xen/xen-mca.h). */
PIN(__HYPERVISOR_mca == 48);
PIN(XEN_MCA_INTERFACE_VERSION == 0x01ecc003);
PIN(XEN_MC_fetch == 1 && XEN_MC_physcpuinfo == 3 && XEN_MC_mceinject == 5);
PIN_SIZE(struct mcinfo_msr, 16);
PIN_OFF(struct mcinfo_logical_cpu, mc_apicid, 12);
PIN_OFF(struct mcinfo_logical_cpu, mc_vendorid, 52);
PIN_OFF(struct mcinfo_logical_cpu, mc_brandid, 68);
PIN_OFF(struct mcinfo_logical_cpu, mc_cpu_caps, 132);
PIN_OFF(struct mcinfo_logical_cpu, mc_nmsrvals, 168);
PIN_OFF(struct mcinfo_logical_cpu, mc_msrvalues, 176);
PIN_SIZE(struct mcinfo_logical_cpu, 304);
PIN_SIZE(struct xen_mc_fetch, 24);
PIN_SIZE(struct xen_mc_physcpuinfo, 16);
PIN_SIZE(struct xen_mc_msrinject, 144);
PIN_OFF(struct xen_mc, u, 8);
PIN_SIZE(struct xen_mc, 152);

/* Physical interrupts (xen/physdev.h). */
PIN(PHYSDEVOP_irq_status_query == 5 && PHYSDEVOP_apic_read == 8);
PIN(PHYSDEVOP_alloc_irq_vector == 10 && PHYSDEVOP_eoi == 12 && PHYSDEVOP_map_pirq == 13);
PIN(PHYSDEVOP_unmap_pirq == 14 && PHYSDEVOP_setup_gsi == 21);
PIN(MAP_PIRQ_TYPE_GSI == 1 && XENIRQSTAT_needs_eoi == 1);
PIN_SIZE(struct physdev_irq_status_query, 8);
PIN_SIZE(struct physdev_apic, 16);
PIN_OFF(struct physdev_map_pirq, type, 4);
PIN_OFF(struct physdev_map_pirq, pirq, 12);
PIN_OFF(struct physdev_map_pirq, entry_nr, 24);
PIN_OFF(struct physdev_map_pirq, table_base, 32);
PIN_SIZE(struct physdev_map_pirq, 40);
PIN_OFF(struct physdev_unmap_pirq, pirq, 4);
PIN_SIZE(struct physdev_setup_gsi, 8);
PIN_SIZE(struct physdev_irq, 8);
