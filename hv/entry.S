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
.macro SYSCALL_STUB cpu, cs, vector
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
    jmp     syscall_common
    .org    662b + SYSCALL_STUB_SIZE    /* an error if the stub is larger */
.endm

    .balign SYSCALL_STUB_SIZE
    .globl syscall_stubs
syscall_stubs:
.irp cpu, 0, 1, 2, 3, 4, 5, 6, 7         /* HV_MAX_CPUS of them (checked below) */
    SYSCALL_STUB \cpu, 0xe033, 0x100
    SYSCALL_STUB \cpu, 0xe023, 0x101
.endr
    .if HV_MAX_CPUS != 8
    .error "one pair of SYSCALL stubs per CPU: extend the list above"
    .endif

syscall_common:                     /* SFMASK has cleared AC and DF: no clac, no cld */
    SAVE_GPRS
    mov     %rsp, %rdi
    call    handle_syscall          /* never returns: ends in exit_to_guest */
    ud2

/*
 * exit_to_guest(struct cpu_regs *regs): regs is guest_cpu_regs(); never returns.  After
 * prepare_exit() and the registers, SYSRET when it restores exactly the saved state: rcx ==
 * rip and r11 == rflags (SYSRET loads rip and rflags from them), the flat 64-bit selectors
 * SYSRET loads, no RF (SYSRET clears it); IRETQ otherwise.  prepare_exit has made rip
 * canonical (a non-canonical rcx would make SYSRET fault in ring 0).
 */
    .globl exit_to_guest
exit_to_guest:
    cli                             /* hypercalls run with interrupts on */
    mov     %rdi, %rsp
    call    prepare_exit
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
