/*
 * gdt-probe.h: a vCPU's own GDT holding one marker descriptor, and a loop that checks the
 * CPU still finds that descriptor through GDTR.
 *
 * gdt_probe_init gives the calling vCPU a GDT of two alternate frames (each one page, both
 * mapped read-only) whose entry GDT_PROBE_SEL is a present DPL-3 data segment of byte limit
 * `limit` (a 20-bit value naming its owner), and loads the first with set_gdt.
 * gdt_probe_run does n rounds of: flush this vCPU's TLB (MMUEXT_TLB_FLUSH_LOCAL, so the
 * next descriptor access walks the hypervisor's mapping of the GDT again), read the limit
 * of GDT_PROBE_SEL with LSL, and every eighth round set_gdt of the other frame (so the
 * hypervisor rewrites its mapping of this vCPU's GDT).  A limit that is not `limit` (or an
 * LSL that fails) is counted in `wrong`, the last such value kept in `seen` (0xffffffff: LSL
 * failed).  On a correct hypervisor `wrong` stays 0 whatever other vCPUs do.
 */
#ifndef GUEST_GDT_PROBE_H
#define GUEST_GDT_PROBE_H

#include <stdint.h>

#define GDT_PROBE_SEL 0x4b             /* GDT entry 9, RPL 3 */

struct gdt_probe {
    unsigned long mfn[2];
    uint32_t limit;
    unsigned int cur;                  /* which frame is loaded */
    unsigned long rounds, wrong;
    uint32_t seen;
};

/*
 * A probe on a secondary vCPU: start it with vcpu_start(id, gdt_probe_vcpu, &worker) after
 * filling limit and rounds (0: until `stop` is set).  It sets `rc` (the first error) and
 * `ready` once its GDT is loaded, runs, then sets `done` and goes down.
 */
struct gdt_probe_worker {
    struct gdt_probe p;
    uint32_t limit;
    unsigned int id, rounds;
    volatile long rc;
    volatile int ready, stop, done;
};
void gdt_probe_vcpu(void *worker);
/* Wait (yielding, a bound of yields, not a time) for flag to become set; false if never. */
int gdt_probe_wait(volatile int *flag);

/* 0, or the failing step's error (allocation -ENOMEM, the read-only mapping, set_gdt). */
long gdt_probe_init(struct gdt_probe *p, uint32_t limit);
/* n rounds as above; 0, or the first refused hypercall's error. */
long gdt_probe_run(struct gdt_probe *p, unsigned int n);
/* Print a probe's counts; ERROR if rc (its last error) or it never ran, FAILURE if it read
 * another limit. */
void gdt_probe_report(const char *who, const struct gdt_probe *p, long rc);

#endif /* GUEST_GDT_PROBE_H */
