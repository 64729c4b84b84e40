/*
 * hv/selftest/head.S - entry, Xen notes, hypercall page and exception stubs of the bring-up
 * guest.
 *
 * Exception stubs record the vector, error code and faulting rip in `fault` and resume at
 * `recover_rip` if the test set one (then clear it), else at the saved rip.  The interrupted
 * context is always guest kernel mode, so they return with a native iretq after setting RPL 3
 * in the saved CS (boot-ABI §8.4, last paragraph).
 */
    .section .text.head, "ax", @progbits
    .code64
    .globl _start
_start:
    cld
    mov     %rsi, start_info_va(%rip)
    lea     stack_top(%rip), %rsp
    call    selftest_main
1:  ud2
    jmp     1b

    .text
.macro HANDLER vec, has_err
    .globl handler_\vec
handler_\vec:
    pop     %rcx
    pop     %r11
    movq    $\vec, fault_vec(%rip)
.if \has_err
    popq    fault_err(%rip)
.else
    movq    $0, fault_err(%rip)
.endif
    jmp     handler_common
.endm
    HANDLER 3, 0
    HANDLER 6, 0
    HANDLER 13, 1
    HANDLER 14, 1
    HANDLER 32, 0

handler_common:
    push    %rax
    mov     8(%rsp), %rax
    mov     %rax, fault_rip(%rip)
    incq    fault_count(%rip)
    mov     recover_rip(%rip), %rax
    test    %rax, %rax
    jz      1f
    mov     %rax, 8(%rsp)
    movq    $0, recover_rip(%rip)
1:  orq     $3, 16(%rsp)
    pop     %rax
    iretq

/*
 * User-mode round trip: the syscall callback returns straight to user mode with the iret
 * hypercall (VGCF_in_syscall), so every user `syscall` is one bounce plus one iret.
 */
    .globl syscall_cb, user_loop
syscall_cb:
    pop     %rcx
    pop     %r11
    pushq   $0x100                  /* VGCF_in_syscall */
    jmp     hypercall_page + 23 * 32

/* Runs in guest user mode: ebx syscalls, then ud2 to get back to the kernel. */
user_loop:
1:  syscall
    dec     %ebx
    jnz     1b
    ud2

    .balign 4096
    .globl hypercall_page
hypercall_page:
    .fill 4096, 1, 0xc3

    .data
    .globl fault_vec, fault_err, fault_rip, fault_count, recover_rip, start_info_va
fault_vec:      .quad 0
fault_err:      .quad 0
fault_rip:      .quad 0
fault_count:    .quad 0
recover_rip:    .quad 0
start_info_va:  .quad 0

    .bss
    .balign 4096
    .skip 16384
stack_top:
    .globl kstack_top, ustack_top
    .skip 8192
kstack_top:
    .skip 8192
ustack_top:

/* Xen ELF notes: {namesz, descsz, type, "Xen\0", desc}. */
.macro NOTE_STR type, str
    .balign 4
    .long 4, 2f - 1f, \type
    .asciz "Xen"
1:  .asciz "\str"
2:  .balign 4
.endm
.macro NOTE_NUM type, val
    .balign 4
    .long 4, 8, \type
    .asciz "Xen"
    .quad \val
.endm
    .section .note.Xen, "a", @note
    NOTE_STR 5, "xen-3.0"
    NOTE_STR 8, "generic"
    NOTE_STR 6, "pvmm-hv-selftest"
    NOTE_NUM 1, _start
    NOTE_NUM 2, hypercall_page

    .section .note.GNU-stack, "", @progbits
