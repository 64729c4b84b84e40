/*
 * traps-entry.S: exception entry stubs and the return path through the iret hypercall.
 *
 * Xen bounces an exception onto the guest stack as (lowest address first)
 *     rcx, r11, [error code], rip, cs, rflags, rsp, ss
 * (boot-ABI §9.2). Each stub pops rcx and r11 (restoring the interrupted values), pushes a
 * zero error code if the vector has none, pushes the vector number and joins
 * handle_exception, which saves every general-purpose register into a struct cpu_regs and
 * calls do_exception(regs).
 *
 * On the way back the error-code slot is reused as the `flags` word of the iret hypercall
 * frame (flags 0: restore rcx and r11 from the frame), so the stack holds exactly the guest's
 * half of struct iret_context, and we jump to hypercall stub 23. The iret hypercall works for
 * returns to guest kernel and guest user mode alike, and restores the event mask from the
 * saved rflags.IF.
 */
#include "asm-defs.h"

    .code64
    .text

.macro EXC_ENTRY vec, has_error_code
    .globl exc_entry_\vec
exc_entry_\vec:
    pop     %rcx
    pop     %r11
    .if !\has_error_code
    push    $0
    .endif
    push    $\vec
    jmp     handle_exception
.endm

EXC_ENTRY 0, 0      /* #DE */
EXC_ENTRY 1, 0      /* #DB */
EXC_ENTRY 2, 0      /* NMI */
EXC_ENTRY 3, 0      /* #BP */
EXC_ENTRY 4, 0      /* #OF */
EXC_ENTRY 5, 0      /* #BR */
EXC_ENTRY 6, 0      /* #UD */
EXC_ENTRY 7, 0      /* #NM */
EXC_ENTRY 8, 1      /* #DF */
EXC_ENTRY 9, 0      /* coprocessor segment overrun */
EXC_ENTRY 10, 1     /* #TS */
EXC_ENTRY 11, 1     /* #NP */
EXC_ENTRY 12, 1     /* #SS */
EXC_ENTRY 13, 1     /* #GP */
EXC_ENTRY 14, 1     /* #PF */
EXC_ENTRY 15, 0     /* reserved */
EXC_ENTRY 16, 0     /* #MF */
EXC_ENTRY 17, 1     /* #AC */
EXC_ENTRY 18, 0     /* #MC */
EXC_ENTRY 19, 0     /* #XM */
EXC_ENTRY 20, 0     /* #VE */
EXC_ENTRY 21, 1     /* #CP */

/*
 * Stack on entry: vector, error code, rip, cs, rflags, rsp, ss. The bounce frame's base is
 * 16-byte aligned, so after the 15 register pushes rsp is 16-byte aligned for the C call.
 */
    .globl handle_exception
handle_exception:
    push    %rax
    push    %rbx
    push    %rcx
    push    %rdx
    push    %rsi
    push    %rdi
    push    %rbp
    push    %r8
    push    %r9
    push    %r10
    push    %r11
    push    %r12
    push    %r13
    push    %r14
    push    %r15
    cld
    mov     %rsp, %rdi
    call    do_exception

    .globl exception_return
exception_return:
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %r11
    pop     %r10
    pop     %r9
    pop     %r8
    pop     %rbp
    pop     %rdi
    pop     %rsi
    pop     %rdx
    pop     %rcx
    pop     %rbx
    pop     %rax
    add     $8, %rsp                /* drop the vector */
    movq    $0, (%rsp)              /* error code slot := iret flags (0) */
    jmp     hypercall_page + ASM_HYPERVISOR_iret * 32

/*
 * The event callback: the same frame as an exception without an error code (events are
 * masked on entry). It joins handle_exception as vector EVENT_VECTOR (0x100); returning
 * through the iret hypercall restores the event mask from the saved rflags.IF.
 */
    .globl event_entry
event_entry:
    pop     %rcx
    pop     %r11
    push    $0
    push    $0x100
    jmp     handle_exception

/* The event callbacks of secondary vCPUs (lib/vcpus.c): vector EVENT_VECTOR + the vCPU id. */
.macro EVENT_ENTRY_VCPU n
    .globl event_entry_\n
event_entry_\n:
    pop     %rcx
    pop     %r11
    push    $0
    push    $(0x100 + \n)
    jmp     handle_exception
.endm
EVENT_ENTRY_VCPU 1
EVENT_ENTRY_VCPU 2
EVENT_ENTRY_VCPU 3

/*
 * The failsafe callback: Xen could not reload a data segment register. The frame is
 * rcx, r11, ds, es, fs, gs, rip, cs, rflags, rsp, ss. We only report it.
 */
    .globl failsafe_entry
failsafe_entry:
    mov     %rsp, %rdi
    and     $~15, %rsp
    call    do_failsafe
1:  jmp     1b

    .section .note.GNU-stack, "", @progbits
