/*
 * hv/guest-access.h - word-sized guest memory accesses for the hot entry/exit paths.
 *
 * copy_{from,to}_guest_va() (uaccess.c) suit any size; the bounce frame and the iret frame
 * are a handful of aligned words, and going through a buffer and raw_copy_user() costs more
 * than the accesses themselves.  These helpers do the accesses in place:
 *
 *     if (!guest_range_ok(va, len)) ...fail...;
 *     guest_access_begin();
 *     guest_put(val, &p[0], fault);    (or guest_get(var, &p[1], fault))
 *     ...
 *     guest_access_end();
 *     ...
 *   fault:
 *     guest_access_end();
 *
 * Each access is one instruction with an entry in the fixup table: a fault in it resumes at
 * the C label `fault` (fixup_exception()).  guest_access_begin/end lift and restore SMAP
 * (stac/clac, patched to NOPs when the CPU has no SMAP, like the sites in entry.S).  The
 * caller checks the range first, as Xen's __addr_ok does, so that no access can touch the
 * hypervisor's slots; between begin and end nothing else may run (no calls).
 */
#ifndef HV_GUEST_ACCESS_H
#define HV_GUEST_ACCESS_H

#include <stdint.h>

#define GUEST_ACCESS_SMAP_SITE(insn) \
    "661: " insn "\n\t.pushsection .smap_sites, \"a\"\n\t.quad 661b\n\t.popsection\n\t"
#define GUEST_ACCESS_FIXUP(label) \
    "\n\t.pushsection .fixup_table, \"a\"\n\t.quad 1b, %l[" #label "]\n\t.popsection"

static inline void guest_access_begin(void)
{
    __asm__ volatile(GUEST_ACCESS_SMAP_SITE("stac") ::: "memory");
}

static inline void guest_access_end(void)
{
    __asm__ volatile(GUEST_ACCESS_SMAP_SITE("clac") ::: "memory");
}

/* Store the 64-bit val at guest address ptr; a fault jumps to label. */
#define guest_put(val, ptr, label)                                                 \
    __asm__ goto("1: movq %[v], %[m]" GUEST_ACCESS_FIXUP(label)                           \
                 : : [v] "r" ((uint64_t)(val)), [m] "m" (*(uint64_t *)(ptr)) : "memory" : label)

/* Load the 64-bit word at guest address ptr into var; a fault jumps to label.  (The output
 * goes through a scalar temporary: gcc 12 crashes on asm-goto outputs into struct fields.) */
#define guest_get(var, ptr, label)                                                 \
    do {                                                                           \
        uint64_t guest_get_v_;                                                     \
        __asm__ goto("1: movq %[m], %[v]" GUEST_ACCESS_FIXUP(label)                 \
                     : [v] "=r" (guest_get_v_) : [m] "m" (*(const uint64_t *)(ptr))  \
                     : "memory" : label);                                          \
        (var) = guest_get_v_;                                                      \
    } while (0)

#endif /* HV_GUEST_ACCESS_H */
