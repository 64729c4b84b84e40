/*
 * fork-user.S: the user side of the fork+exec+exit workload (fork.c).
 *
 * bench_user_touch(rdi = a page in a 2 MiB-aligned data region) writes the first quadword of
 * every page from rdi up to the 16th page of the region, then makes a syscall. A page fault
 * abandons the run; the kernel fixes the entry and runs it again from the faulting page.
 */
    .code64
    .section .user.text, "ax", @progbits
    .globl bench_user_touch
bench_user_touch:
    mov     %rdi, %rsi
    and     $~0x1fffff, %rsi
    add     $0x10000, %rsi
1:  mov     %rdi, (%rdi)
    add     $4096, %rdi
    cmp     %rsi, %rdi
    jb      1b
    syscall
    ud2

    .section .note.GNU-stack, "", @progbits
