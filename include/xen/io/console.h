/*
 * xen/io/console.h - a PV domain's console ring (start_info console.domU.mfn): a shared page
 * with an input ring (backend to guest) and an output ring (guest to backend), each with a
 * free-running producer and consumer index; the guest notifies console.domU.evtchn after
 * producing, the backend the same port's other end after consuming.
 */
#ifndef PVMM_XEN_IO_CONSOLE_H
#define PVMM_XEN_IO_CONSOLE_H

#include <stdint.h>

typedef uint32_t XENCONS_RING_IDX;

/* An index's slot in a ring whose size is a power of two. */
#define MASK_XENCONS_IDX(idx, ring) ((idx) & (sizeof(ring) - 1))

struct xencons_interface {
    char in[1024];
    char out[2048];
    XENCONS_RING_IDX in_cons, in_prod;
    XENCONS_RING_IDX out_cons, out_prod;
};

_Static_assert(sizeof(struct xencons_interface) == 3088, "xencons_interface is 3088 bytes");

#endif /* PVMM_XEN_IO_CONSOLE_H */
