/*
 * xen/features.h: feature bits reported by XENVER_get_features and named in
 * the FEATURES and SUPPORTED_FEATURES ELF notes.
 *
 * This is pvmm's own rendering of Xen's public features.h. The bit numbers
 * must match Xen exactly.
 */
#ifndef PVMM_XEN_FEATURES_H
#define PVMM_XEN_FEATURES_H

#define XENFEAT_writable_page_tables        0   /* never reported for PV */
#define XENFEAT_writable_descriptor_tables  1
#define XENFEAT_auto_translated_physmap     2   /* not PV */
#define XENFEAT_supervisor_mode_kernel      3   /* unsupported */
#define XENFEAT_pae_pgdir_above_4gb         4
#define XENFEAT_mmu_pt_update_preserve_ad   5   /* MMU_PT_UPDATE_PRESERVE_AD works */
#define XENFEAT_highmem_assist              6
#define XENFEAT_gnttab_map_avail_bits       7   /* GNTMAP guest-available bits honoured */
#define XENFEAT_hvm_callback_vector         8
#define XENFEAT_hvm_safe_pvclock            9
#define XENFEAT_hvm_pirqs                  10
#define XENFEAT_dom0                       11   /* the kernel can run as dom0 */
#define XENFEAT_grant_map_identity         12
#define XENFEAT_memory_op_vnode_supported  13
#define XENFEAT_ARM_SMCCC_supported        14
#define XENFEAT_linux_rsdp_unrestricted    15
#define XENFEAT_not_direct_mapped          16
#define XENFEAT_direct_mapped              17
#define XENFEAT_runstate_phys_area         18
#define XENFEAT_vcpu_time_phys_area        19
#define XENFEAT_dm_msix_all_writes         20

#define XENFEAT_NR_SUBMAPS                  1   /* 32-bit submaps defined */

#endif /* PVMM_XEN_FEATURES_H */
