/*
 * asm-defs.h: the few ABI constants the assembly files need.
 *
 * include/xen/xen.h declares C structures and static assertions, so it cannot be included
 * from assembly. These copies are checked against it in abi-check.c.
 * TODO: move to include/xen (an __ASSEMBLY__-safe section of xen.h).
 */
#ifndef GUEST_ASM_DEFS_H
#define GUEST_ASM_DEFS_H

#define ASM_HYPERVISOR_iret  23        /* __HYPERVISOR_iret */
#define ASM_FLAT_USER_CS     0xe033    /* FLAT_USER_CS */
#define ASM_FLAT_USER_SS     0xe02b    /* FLAT_USER_SS */

#endif /* GUEST_ASM_DEFS_H */
