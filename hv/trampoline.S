/*
 * hv/trampoline.S - where another CPU starts: real mode at TRAMPOLINE_PA (smp.h), straight
 * into long mode, then the hypervisor image.
 *
 * The STARTUP IPI starts a CPU in real mode at CS:IP = (TRAMPOLINE_PA >> 4):0.  smpboot.c
 * copies trampoline_start..trampoline_end there and fills in the data at its end: the CR3
 * (the idle L4, which maps this page 1:1 and executable while CPUs start), EFER and CR0 of
 * the boot CPU, and the stack and 64-bit entry point of the CPU being started.  The code
 * loads the boot stub's GDT (boot.S: its 64-bit code and data selectors), sets CR4.PAE, CR3
 * and EFER (LME, and NXE before any page table with NX bits is walked), then CR0.PE and PG
 * together, far-jumps to the 64-bit code segment, and jumps to the entry on the stack given.
 * Everything is addressed relative to the copy: DS = CS in real mode, RIP-relative in long
 * mode.
 */
#include "smp.h"

#define TRAMP(sym)  (TRAMPOLINE_PA + (sym) - trampoline_start)

    .section .rodata
    .balign 16
    .globl trampoline_start, trampoline_end
    .globl trampoline_cr3, trampoline_efer, trampoline_cr0, trampoline_stack
    .globl trampoline_entry
    .code16
trampoline_start:
    cli
    cld
    mov     %cs, %ax
    mov     %ax, %ds
    lgdtl   trampoline_gdtr - trampoline_start
    mov     %cr4, %eax
    or      $0x20, %eax                         /* PAE */
    mov     %eax, %cr4
    movl    trampoline_cr3 - trampoline_start, %eax
    mov     %eax, %cr3
    mov     $0xC0000080, %ecx                   /* EFER */
    movl    trampoline_efer - trampoline_start, %eax
    movl    trampoline_efer + 4 - trampoline_start, %edx
    wrmsr
    movl    trampoline_cr0 - trampoline_start, %eax
    mov     %eax, %cr0                          /* PE and PG: long mode, compatibility */
    ljmpl   $0x08, $TRAMP(trampoline_long)

    .code64
trampoline_long:
    mov     $0x10, %eax
    mov     %eax, %ds
    mov     %eax, %es
    mov     %eax, %ss
    mov     trampoline_stack(%rip), %rsp
    jmp     *trampoline_entry(%rip)

trampoline_gdtr:                                /* boot.S's GDT, mapped 1:1 (below 2 MiB) */
    .word 3 * 8 - 1                             /* null, 0x08 code, 0x10 data */
    .long boot_gdt
    .balign 8
trampoline_cr3:     .quad 0
trampoline_efer:    .quad 0
trampoline_cr0:     .quad 0
trampoline_stack:   .quad 0
trampoline_entry:   .quad 0
trampoline_end:

    /* The 64-bit entry of a started CPU, on its own stack (smpboot.c): never returns. */
    .text
    .globl ap_start64
ap_start64:
    call    ap_main
1:  cli
    hlt
    jmp     1b

    .section .note.GNU-stack, "", @progbits
