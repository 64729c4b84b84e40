/*
 * hv/boot.S - multiboot v1 header and the 32-bit entry stub that enters long mode.
 *
 * QEMU enters start32 in flat 32-bit protected mode with paging off, EAX = 0x2BADB002 and
 * EBX = the physical address of the multiboot info.  We build boot page
 * tables in .boot.data:
 *   - L4[0] and L4[262] -> one L3 whose first four entries map physical 0..4 GiB with 2 MiB
 *     pages (identity for the switch, and the direct map at 0xffff830000000000);
 *   - L4[261] -> an L3 whose entry 321 reuses the first of those L2s, so that
 *     0xffff82d040000000 + p maps physical p for p < 1 GiB (the image, linked there).
 * then enable PAE, long mode (plus NX when CPUID offers it), paging and write protection, and
 * jump to start64 in the high image.  The identity slot is removed later by mm_boot_init().
 */
#include "smp.h"

#define MB_MAGIC   0x1BADB002
#define MB_FLAGS   ((1 << 0) | (1 << 1) | (1 << 16))

    .section .multiboot, "a"
    .balign 4
mb_header:
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)
    .long mb_header                 /* header_addr */
    .long _phys_start               /* load_addr */
    .long _phys_load_end            /* load_end_addr */
    .long _phys_bss_end             /* bss_end_addr */
    .long start32                   /* entry_addr */

    .section .boot.text, "ax"
    .code32
    .globl start32
start32:
    cli
    cld
    mov     %eax, %ebp              /* multiboot magic */
    mov     %ebx, %esi              /* multiboot info (physical) */

    /* Four L2 tables: entry i maps 2 MiB page i (P | RW | PS). */
    mov     $boot_l2, %edi
    xor     %ecx, %ecx
1:  mov     %ecx, %eax
    shl     $21, %eax
    or      $0x83, %eax
    mov     %eax, (%edi, %ecx, 8)
    movl    $0, 4(%edi, %ecx, 8)
    inc     %ecx
    cmp     $2048, %ecx
    jb      1b

    /* The direct-map L3: entries 0..3 -> the four L2s. */
    mov     $boot_l2 + 3, %eax
    mov     %eax, boot_l3_dm
    add     $4096, %eax
    mov     %eax, boot_l3_dm + 8
    add     $4096, %eax
    mov     %eax, boot_l3_dm + 16
    add     $4096, %eax
    mov     %eax, boot_l3_dm + 24

    /* The image L3: entry 321 (0xffff82d040000000) -> the first L2. */
    movl    $boot_l2 + 3, boot_l3_hv + 321 * 8

    /* The L4. */
    movl    $boot_l3_dm + 3, boot_l4 + 0 * 8
    movl    $boot_l3_dm + 3, boot_l4 + 262 * 8
    movl    $boot_l3_hv + 3, boot_l4 + 261 * 8

    /* PAE, then CR3. */
    mov     %cr4, %eax
    or      $0x20, %eax
    mov     %eax, %cr4
    mov     $boot_l4, %eax
    mov     %eax, %cr3

    /* EFER: LME, SCE, and NXE if CPUID 0x80000001 EDX bit 20 says NX exists. */
    mov     $0x80000000, %eax
    cpuid
    xor     %edi, %edi
    cmp     $0x80000001, %eax
    jb      2f
    mov     $0x80000001, %eax
    cpuid
    bt      $20, %edx
    jnc     2f
    mov     $(1 << 11), %edi
2:  mov     $0xC0000080, %ecx
    rdmsr
    or      $((1 << 8) | (1 << 0)), %eax
    or      %edi, %eax
    wrmsr

    /* Paging, write protection (CR0.WP), protected mode, numeric errors. */
    mov     %cr0, %eax
    or      $0x80010021, %eax
    mov     %eax, %cr0

    lgdt    boot_gdtr
    ljmp    $0x08, $start64_low

    .code64
start64_low:
    movabs  $start64, %rax
    jmp     *%rax

    .balign 8
    .globl boot_gdt   /* also the other CPUs' (trampoline.S) */
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff        /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff        /* 0x10: data */
boot_gdtr:
    .word boot_gdtr - boot_gdt - 1
    .long boot_gdt

    .section .boot.data, "aw"
    .balign 4096
    .globl boot_l4
boot_l4:    .fill 512, 8, 0
boot_l3_dm: .fill 512, 8, 0
boot_l3_hv: .fill 512, 8, 0
    .globl boot_l2
boot_l2:    .fill 4 * 512, 8, 0

    /* 64-bit entry in the high image: a real stack, then C. */
    .text
    .globl start64
start64:
    mov     $0x10, %eax
    mov     %eax, %ds
    mov     %eax, %es
    mov     %eax, %ss
    xor     %eax, %eax
    mov     %eax, %fs
    mov     %eax, %gs
    /* CPU 0's stack block (smp.h): its percpu pointer, the stack below the guest frame. */
    lea     percpu_area(%rip), %rax
    mov     %rax, cpu_stacks + STACK_SIZE - 8(%rip)
    lea     cpu_stacks + STACK_SIZE - STACK_INFO_SIZE - 22 * 8(%rip), %rsp
    mov     %esi, %edi              /* multiboot info */
    mov     %ebp, %esi              /* magic */
    call    hv_main
3:  cli
    hlt
    jmp     3b

    /* Physical addresses for C, as 64-bit data (RIP-relative references cannot reach them). */
    .section .rodata
    .balign 8
    .globl boot_l4_pa, boot_l3_hv_pa, boot_l2_pa, phys_image_start, phys_image_end
boot_l4_pa:       .quad boot_l4
boot_l3_hv_pa:    .quad boot_l3_hv
boot_l2_pa:       .quad boot_l2
phys_image_start: .quad _phys_start
phys_image_end:   .quad _phys_bss_end

    .section .note.GNU-stack, "", @progbits
