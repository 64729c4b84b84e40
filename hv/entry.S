/*
 * hv/entry.S - every way into and out of the hypervisor.
 *
 * All entries build the same struct cpu_regs (hv.h): hardware frame (or a synthesised one for
 * SYSCALL), error code, vector, then the fifteen general-purpose registers.  An entry from
 * the guest (CPL 3) always lands at the top of the CPU's hypervisor stack (TSS.rsp0, and the
 * CPU's own SYSCALL stub loads the same address), so the guest's registers are always at
 * guest_cpu_regs() = the stack block's top - the stack info - sizeof(struct cpu_regs)
 * (smp.h).  Each CPU has its own stack block in cpu_stacks and its own pair of SYSCALL
 * stubs (LSTAR and CSTAR point at them), which save the guest's rsp in the block's info
 * area and switch to the block's stack without touching any other register.
 *
 * Every exception and interrupt entry runs `clac` (patched to a NOP when the CPU has no SMAP:
 * a guest may set AC) and `cld` (interrupt gates do not clear DF) before any C code; SYSCALL
 * needs neither (SFMASK clears AC and DF, setup.c).
 *
 * exit_to_guest(regs) leaves through SYSRET when that restores exactly the saved state
 * (checked on the frame after prepare_exit's canonical-RIP check), otherwise through IRETQ.
 */
#include "smp.h"
#include "asm-offsets.h"            /* generated from hv/gen/asm-offsets.c */

/* The fast paths below test these fields as bytes (percpu's softirq_pending as a word). */
.if SIZEOF_kernel_mode != 1 || SIZEOF_cont_pending != 1 || SIZEOF_blocked != 1 || \
    SIZEOF_upcall_pending != 1 || SIZEOF_softirq_pending != 8
.error "entry.S: a field the fast paths test changed size"
.endif

#define REGS_SIZE   (22 * 8)
#define OFF_RIP     (17 * 8)
#define OFF_RSP     (20 * 8)

/* An instruction site that must become a NOP without SMAP (patched by setup.c). */
.macro SMAP_SITE insn
661: \insn
    .pushsection .smap_sites, "a"
    .quad 661b
    .popsection
.endm

.macro SAVE_GPRS
    push    %r8                     /* r8, r10, rdx, rsi, rdi end up contiguous, lowest */
    push    %r10                    /* first: the hypercall arguments in ABI order */
    push    %rdx
    push    %rsi
    push    %rdi
    push    %rcx
    push    %rax
    push    %r9
    push    %r11
    push    %rbx
    push    %rbp
    push    %r12
    push    %r13
    push    %r14
    push    %r15
.endm

.macro RESTORE_GPRS
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %rbp
    pop     %rbx
    pop     %r11
    pop     %r9
    pop     %rax
    pop     %rcx
    pop     %rdi
    pop     %rsi
    pop     %rdx
    pop     %r10
    pop     %r8
.endm

    .text
/* Exception and interrupt stubs: 16 bytes each, vector n at idt_stubs + 16 * n. */
    .balign 16
    .globl idt_stubs
idt_stubs:
vec = 0
.rept 256
    .balign 16
.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || \
    (vec == 29) || (vec == 30)
    push    $vec
.else
    push    $0
    push    $vec
.endif
    jmp     common_entry
vec = vec + 1
.endr

common_entry:
    SAVE_GPRS
    SMAP_SITE clac
    cld
    mov     %rsp, %rdi
    call    handle_exception        /* returns only for a fixed-up hypervisor fault */
    RESTORE_GPRS
    add     $16, %rsp
    iretq

/*
 * SYSCALL from 64-bit guest code (LSTAR) and from 32-bit guest code (CSTAR), through the
 * CPU's stubs.  SFMASK has cleared IF, DF, TF, AC, NT and IOPL.  rcx = guest rip,
 * r11 = guest rflags.  The stubs of CPU n: syscall_stubs + n * 2 * SYSCALL_STUB_SIZE.
 */
.macro SYSCALL_STUB cpu, cs, vector, common
662:
    mov     %rsp, cpu_stacks + (\cpu + 1) * STACK_SIZE - STACK_INFO_SIZE(%rip)
    lea     cpu_stacks + (\cpu + 1) * STACK_SIZE - STACK_INFO_SIZE(%rip), %rsp
    push    $0xe02b                 /* ss */
    push    cpu_stacks + (\cpu + 1) * STACK_SIZE - STACK_INFO_SIZE(%rip)   /* rsp */
    push    %r11                    /* rflags */
    push    $\cs                    /* cs */
    push    %rcx                    /* rip */
    push    $0                      /* error code */
    push    $\vector                /* ENTRY_SYSCALL or ENTRY_SYSCALL32 */
    jmp     \common
    .org    662b + SYSCALL_STUB_SIZE    /* an error if the stub is larger */
.endm

    .balign SYSCALL_STUB_SIZE
    .globl syscall_stubs
syscall_stubs:
.irp cpu, 0, 1, 2, 3, 4, 5, 6, 7         /* HV_MAX_CPUS of them (checked below) */
    SYSCALL_STUB \cpu, 0xe033, 0x100, syscall_common
    SYSCALL_STUB \cpu, 0xe023, 0x101, syscall32_common
.endr
    .if HV_MAX_CPUS != 8
    .error "one pair of SYSCALL stubs per CPU: extend the list above"
    .endif

/*
 * A 64-bit SYSCALL.  The hypercall fast path, in kernel mode with a known number and neither
 * the trace nor the recording on (hypercall_fast_table is then all NULL): the handler
 * straight from hypercall_table, with interrupts on, as handle_syscall() would call it, then the exit.  Everything else (user mode: the
 * syscall bounce; unknown numbers; the recorder; a continuation) goes to the C code.  rsp is
 * the frame (struct cpu_regs) throughout, 16-byte aligned at the calls; rbp keeps the vCPU
 * (a hypercall comes back to the vCPU that made it).
 */
syscall_common:                     /* SFMASK has cleared AC and DF: no clac, no cld */
    SAVE_GPRS
    mov     %rsp, %rcx
    or      $(STACK_SIZE - 1), %rcx
    mov     -7(%rcx), %rcx          /* this CPU's struct percpu */
    mov     PERCPU_curr(%rcx), %rbp
    cmpb    $0, VCPU_kernel_mode(%rbp)
    je      syscall_slow            /* guest user mode: the syscall bounce */
    cmp     $HYPERCALL_NR_MAX, %rax
    jae     syscall_slow            /* -ENOSYS (dispatch) */
    mov     hypercall_fast_table(%rip), %rcx    /* all NULL with the trace or recording on */
    mov     (%rcx, %rax, 8), %rcx
    test    %rcx, %rcx
    jz      syscall_slow
    sti                             /* hypercalls run with interrupts on */
    mov     %rsp, %rdi              /* regs, nr, args: the table's calling convention */
    mov     %rax, %rsi
    lea     REGS_args(%rsp), %rdx
    call    *%rcx
    mov     %rax, REGS_rax(%rsp)
    cmpb    $0, VCPU_cont_pending(%rbp)
    jne     syscall_continue
    cli
    jmp     exit_work
syscall_continue:                   /* re-execute with the continuation's arguments */
    mov     %rsp, %rdi
    call    hypercall_continue
    cli
    jmp     exit_work
syscall32_common:                   /* compatibility mode: never a hypercall */
    SAVE_GPRS
syscall_slow:
    mov     %rsp, %rdi
    call    handle_syscall          /* never returns: ends in exit_to_guest */
    ud2

/*
 * exit_to_guest(struct cpu_regs *regs): regs is guest_cpu_regs(); never returns.  First the
 * exit work: when a softirq is pending, the vCPU is blocked or an upcall is pending
 * (guest_exit_work's three tests, made here on the fields) or rip is not canonical,
 * prepare_exit() does it all in C.  Then the registers, and SYSRET when it restores exactly
 * the saved state: rcx == rip and r11 == rflags (SYSRET loads rip and rflags from them), the
 * flat 64-bit selectors SYSRET loads, no RF (SYSRET clears it); IRETQ otherwise.  rip is
 * canonical by then (a non-canonical rcx would make SYSRET fault in ring 0).
 */
    .globl exit_to_guest
exit_to_guest:
    cli                             /* hypercalls run with interrupts on */
    mov     %rdi, %rsp
exit_work:                          /* interrupts off, rsp = regs */
    mov     %rsp, %rcx
    or      $(STACK_SIZE - 1), %rcx
    mov     -7(%rcx), %rcx          /* this CPU's struct percpu */
    mov     PERCPU_curr(%rcx), %rax
    mov     VCPU_plat(%rax), %rax   /* its struct hv_vcpu */
    mov     HVV_vcpu_info(%rax), %rdx
    movzbl  HVV_blocked(%rax), %eax
    movzbl  VI_upcall_pending(%rdx), %edx
    or      PERCPU_softirq_pending(%rcx), %rax
    or      %rdx, %rax
    jnz     exit_slow
    mov     REGS_rip(%rsp), %rax    /* canonical: bits 63..47 all equal, so rip >> 47 */
    sar     $47, %rax               /* (arithmetic) is 0 or -1 */
    add     $1, %rax
    shr     $1, %rax
    jnz     exit_slow
exit_restore:
    RESTORE_GPRS
    add     $16, %rsp               /* vector and error code: rsp at the hardware frame */
    cmp     (%rsp), %rcx            /* rip */
    jne     exit_iretq
    cmp     16(%rsp), %r11          /* rflags */
    jne     exit_iretq
    cmpq    $0xe033, 8(%rsp)        /* cs: FLAT_KERNEL_CS64 */
    jne     exit_iretq
    cmpq    $0xe02b, 32(%rsp)       /* ss: FLAT_KERNEL_SS64 */
    jne     exit_iretq
    test    $0x10000, %r11d         /* rflags.RF */
    jnz     exit_iretq
    mov     24(%rsp), %rsp
    sysretq
    .globl exit_iretq
exit_iretq:
    iretq
exit_slow:
    mov     %rsp, %rdi
    call    prepare_exit
    jmp     exit_restore

/*
 * raw_copy_user(dst, src, len): copy with guest (user) pages accessible under SMAP, whole
 * words first.  Returns the number of bytes NOT copied; a fault resumes at a fixup
 * (fixup_exception(), uaccess.c).  A fault in the word copy goes on byte by byte from the
 * faulting word, so that every byte before the faulting one is copied, as Xen's copies do (a
 * structure that runs into an unmapped page is written up to the page's end).
 */
    .globl raw_copy_user
raw_copy_user:
    mov     %rdx, %rcx
    shr     $3, %rcx
    and     $7, %edx
    SMAP_SITE stac
2:  rep movsq
    mov     %rdx, %rcx
3:  rep movsb
4:  SMAP_SITE clac
    mov     %rcx, %rax
    ret
5:  lea     (%rdx, %rcx, 8), %rcx       /* fault in the word copy: words left plus the tail, */
    jmp     3b                          /* copied as bytes up to the faulting one */
    .pushsection .fixup_table, "a"
    .quad 2b, 5b
    .quad 3b, 4b
    .popsection

/*
 * load_user_gs_sel(sel): load the guest-user %gs selector (set_segment_base GS_USER_SEL).
 * The guest kernel's GS base is live, so swap to the user one around the load.  A bad
 * selector faults; the fixup loads the null selector instead.  Returns 0, or -1 on fault.
 */
    .globl load_user_gs_sel
load_user_gs_sel:
    xor     %eax, %eax
    swapgs
4:  mov     %edi, %gs
5:  swapgs
    ret
6:  xor     %edi, %edi
    mov     %edi, %gs
    mov     $-1, %eax
    jmp     5b
    .pushsection .fixup_table, "a"
    .quad 4b, 6b
    .popsection

    /* Aligned to STACK_SIZE by hv.ld (an alignment here would raise the segment's and
     * break the flat multiboot copy). */
/*
 * load_data_segments(const uint16_t sel[4]): load %ds, %es, %fs, %gs from sel[0..3] (a
 * vCPU's saved selectors, context-switch.c).  A load that faults (a descriptor the guest has
 * since changed or dropped) leaves the null selector in that register instead.  Returns a
 * mask with bit i set when sel[i] faulted.
 */
    .globl load_data_segments
load_data_segments:
    xor     %eax, %eax
    movzwl  0(%rdi), %ecx
10: mov     %cx, %ds
11: movzwl  2(%rdi), %ecx
12: mov     %cx, %es
13: movzwl  4(%rdi), %ecx
14: mov     %cx, %fs
15: movzwl  6(%rdi), %ecx
16: mov     %cx, %gs
17: ret
20: or      $1, %eax
    xor     %ecx, %ecx
    mov     %cx, %ds
    jmp     11b
21: or      $2, %eax
    xor     %ecx, %ecx
    mov     %cx, %es
    jmp     13b
22: or      $4, %eax
    xor     %ecx, %ecx
    mov     %cx, %fs
    jmp     15b
23: or      $8, %eax
    xor     %ecx, %ecx
    mov     %cx, %gs
    jmp     17b
    .pushsection .fixup_table, "a"
    .quad 10b, 20b
    .quad 12b, 21b
    .quad 14b, 22b
    .quad 16b, 23b
    .popsection

    .section .bss.cpu_stacks, "aw", @nobits
    .balign 4096
    .globl cpu_stacks
cpu_stacks:                         /* one STACK_SIZE block per CPU (smp.h) */
    .skip HV_MAX_CPUS * STACK_SIZE

    .section .note.GNU-stack, "", @progbits
