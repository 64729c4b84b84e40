/*
 * builder/hypercall-page.c - the hypercall page a PV64 guest names with its
 * HYPERCALL_PAGE note (boot ABI §1.6): 128 stubs of 32 bytes, each saving
 * rcx and r11 around a SYSCALL with the hypercall number in eax; stub 23
 * (iret) pushes rax too and never returns.  Padding is int3 (0xcc).
 */
#include "pv-build.h"

#include <xen/xen.h>

#define STUB_SIZE  32
#define NR_STUBS   (PAGE_SIZE / STUB_SIZE)

void pvmm_hypercall_page_fill(uint8_t *page)
{
    __builtin_memset(page, 0xcc, PAGE_SIZE);
    for (unsigned int i = 0; i < NR_STUBS; i++) {
        uint8_t *p = page + STUB_SIZE * i;

        if (i == __HYPERVISOR_iret) {
            /* push %rcx; push %r11; push %rax; mov $23, %eax; syscall */
            static const uint8_t iret_stub[] = {
                0x51, 0x41, 0x53, 0x50, 0xb8, __HYPERVISOR_iret, 0, 0, 0, 0x0f, 0x05,
            };

            __builtin_memcpy(p, iret_stub, sizeof(iret_stub));
        } else {
            /* push %rcx; push %r11; mov $i, %eax; syscall; pop %r11; pop %rcx; ret */
            const uint8_t stub[] = {
                0x51, 0x41, 0x53, 0xb8, (uint8_t)i, 0, 0, 0, 0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3,
            };

            __builtin_memcpy(p, stub, sizeof(stub));
        }
    }
}
