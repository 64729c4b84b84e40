/*
 * hypercall-regs.S: hypercall_regs(nr, r), see hypercall-regs.h.
 *
 * struct hc_regs offsets: rdi 0, rsi 8, rdx 16, r10 24, r8 32, r9 40, rbx 48, rbp 56,
 * r12 64, r13 72, r14 80, r15 88, rax 96.
 */
    .code64
    .text

    .globl hypercall_regs
hypercall_regs:
    push    %rbx
    push    %rbp
    push    %r12
    push    %r13
    push    %r14
    push    %r15
    push    %rsi                    /* r: found again at 0(%rsp) after the call */
    shl     $5, %edi
    lea     hypercall_page(%rip), %rax
    add     %rdi, %rax
    push    %rax                    /* the stub's address, called through 0(%rsp) */
    mov     %rsi, %rax
    mov     0(%rax), %rdi
    mov     8(%rax), %rsi
    mov     16(%rax), %rdx
    mov     24(%rax), %r10
    mov     32(%rax), %r8
    mov     40(%rax), %r9
    mov     48(%rax), %rbx
    mov     56(%rax), %rbp
    mov     64(%rax), %r12
    mov     72(%rax), %r13
    mov     80(%rax), %r14
    mov     88(%rax), %r15
    call    *(%rsp)
    add     $8, %rsp
    xchg    %rax, (%rsp)            /* rax = r, the result where r was */
    mov     %rdi, 0(%rax)
    mov     %rsi, 8(%rax)
    mov     %rdx, 16(%rax)
    mov     %r10, 24(%rax)
    mov     %r8, 32(%rax)
    mov     %r9, 40(%rax)
    mov     %rbx, 48(%rax)
    mov     %rbp, 56(%rax)
    mov     %r12, 64(%rax)
    mov     %r13, 72(%rax)
    mov     %r14, 80(%rax)
    mov     %r15, 88(%rax)
    pop     %rdi
    mov     %rdi, 96(%rax)
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %rbp
    pop     %rbx
    ret

    .section .note.GNU-stack, "", @progbits
