/*
 * hv/boot.h - what the boot loader handed over: the guest module and command lines, and the
 * hand-over of free memory from the boot allocator to the memory-management core.
 */
#ifndef HV_BOOT_H
#define HV_BOOT_H

#include <stdbool.h>
#include <stdint.h>

/* The first multiboot module: the guest ELF.  string is "path args..." as QEMU passed it. */
struct boot_module {
    uint64_t start, end;          /* physical, end exclusive; start == end: none */
    char string[1024];
};
extern struct boot_module boot_module;
/* The second multiboot module, if any: dom0's initrd (start_info mod_start/mod_len). */
extern struct boot_module boot_initrd;
extern char hv_cmdline[256];      /* the hypervisor's own command line (after the path) */

void mm_handover(void (*add)(uint64_t first, uint64_t nr), void (*reserve)(uint64_t mfn));
/*
 * After the domain build: give module m's frames (left out of the hand-over) to add() as free
 * RAM, as Xen frees the boot modules once dom0 is built.
 */
/*
 * True if module m is made of whole frames of its own, left out of the hand-over, from
 * *first_mfn on: a builder may give them to dom0 (pvmm_assign_boot_frame) instead of copying.
 */
bool mm_module_whole(const struct boot_module *m, uint64_t *first_mfn);
void mm_release_module(const struct boot_module *m, void (*add)(uint64_t first, uint64_t nr));
uint64_t mm_perdomain_l3_mfn(void);

#endif /* HV_BOOT_H */
