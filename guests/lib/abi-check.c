/*
 * abi-check.c: compile-time checks that the assembly-side constants in asm-defs.h agree with
 * the C ABI headers. No code.
 */
#include <xen/xen.h>

#include "asm-defs.h"

_Static_assert(ASM_HYPERVISOR_iret == __HYPERVISOR_iret, "iret hypercall number");
_Static_assert(ASM_FLAT_USER_CS == FLAT_USER_CS, "user code selector");
_Static_assert(ASM_FLAT_USER_SS == FLAT_USER_SS, "user stack selector");
