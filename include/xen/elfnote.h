/*
 * xen/elfnote.h: types of the "Xen" ELF notes in a PV guest image.
 *
 * This is pvmm's own rendering of Xen's public elfnote.h. The numbers must
 * match Xen exactly: guest images carry them.
 */
#ifndef PVMM_XEN_ELFNOTE_H
#define PVMM_XEN_ELFNOTE_H

#define XEN_ELFNOTE_INFO                 0   /* not parsed */
#define XEN_ELFNOTE_ENTRY                1   /* num: entry VA */
#define XEN_ELFNOTE_HYPERCALL_PAGE       2   /* num: VA of the hypercall page */
#define XEN_ELFNOTE_VIRT_BASE            3   /* num: VA of pfn 0 */
#define XEN_ELFNOTE_PADDR_OFFSET         4   /* num: subtracted from p_paddr */
#define XEN_ELFNOTE_XEN_VERSION          5   /* str: must begin "xen-3.0" */
#define XEN_ELFNOTE_GUEST_OS             6   /* str: informational ("linux" passes the loader check) */
#define XEN_ELFNOTE_GUEST_VERSION        7   /* str: informational */
#define XEN_ELFNOTE_LOADER               8   /* str: must begin "generic" */
#define XEN_ELFNOTE_PAE_MODE             9   /* str: 32-bit only */
#define XEN_ELFNOTE_FEATURES            10   /* str: '|'-separated XENFEAT names, '!' = required */
#define XEN_ELFNOTE_BSD_SYMTAB          11   /* str "yes": load the symbol table */
#define XEN_ELFNOTE_HV_START_LOW        12   /* num: 32-bit only */
#define XEN_ELFNOTE_L1_MFN_VALID        13   /* pairs: toolstack save/restore hint */
#define XEN_ELFNOTE_SUSPEND_CANCEL      14   /* num: toolstack only */
#define XEN_ELFNOTE_INIT_P2M            15   /* num: VA at which to map the p2m */
#define XEN_ELFNOTE_MOD_START_PFN       16   /* num: non-zero = initrd may be unmapped */
#define XEN_ELFNOTE_SUPPORTED_FEATURES  17   /* u32 array: XENFEAT bitmap */
#define XEN_ELFNOTE_PHYS32_ENTRY        18   /* num: PVH entry; ignored for PV */
#define XEN_ELFNOTE_PHYS32_RELOC        19   /* PVH only */
#define XEN_ELFNOTE_MAX                 XEN_ELFNOTE_PHYS32_RELOC

#endif /* PVMM_XEN_ELFNOTE_H */
