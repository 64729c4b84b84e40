/*
 * desc-probe.h: a vCPU's own GDT and LDT, each holding one marker descriptor, and a loop
 * that checks the CPU still finds those descriptors through GDTR and LDTR.
 *
 * desc_probe_init gives the calling vCPU a GDT of two alternate frames and an LDT of two
 * alternate pages (each one page, all mapped read-only): entry DESC_PROBE_SEL of the GDT is
 * a present DPL-3 data segment of byte limit `limit` (a 20-bit value naming its owner), entry
 * DESC_PROBE_LDT_SEL of the LDT the same with limit `limit | DESC_PROBE_LDT_BIT`; it loads the
 * first of each (set_gdt, MMUEXT_SET_LDT).  desc_probe_run does n rounds of: flush this vCPU's
 * TLB (MMUEXT_TLB_FLUSH_LOCAL, so the next descriptor access walks the hypervisor's mapping
 * of the tables again), read both limits with LSL, and every eighth round load the other GDT
 * frame and LDT page (so the hypervisor rewrites its mapping of this vCPU's GDT, and maps
 * the new LDT page lazily at the next LSL's fault).  A limit that is not the expected one
 * (or an LSL that fails) is counted in `wrong`, the last such value kept in `seen`
 * (0xffffffff: LSL failed).  On a correct hypervisor `wrong` stays 0 whatever other vCPUs do.
 */
#ifndef GUEST_DESC_PROBE_H
#define GUEST_DESC_PROBE_H

#include <stdint.h>

#define DESC_PROBE_SEL      0x4b        /* GDT entry 9, RPL 3 */
#define DESC_PROBE_LDT_SEL  0x0f        /* LDT entry 1, TI, RPL 3 */
#define DESC_PROBE_LDT_BIT  0x80000u    /* in the LDT marker's limit */

struct desc_probe {
    unsigned long mfn[2];              /* the GDT frames */
    unsigned long ldt[2];              /* the LDT pages (VAs) */
    uint32_t limit;
    unsigned int cur;                  /* which frame and page are loaded */
    unsigned long rounds, wrong;
    uint32_t seen;
};

/*
 * A probe on a secondary vCPU: start it with vcpu_start(id, desc_probe_vcpu, &worker) after
 * filling limit and rounds (0: until `stop` is set).  It sets `rc` (the first error) and
 * `ready` once its GDT is loaded, runs, then sets `done` and goes down.
 */
struct desc_probe_worker {
    struct desc_probe p;
    uint32_t limit;
    unsigned int id, rounds;
    volatile long rc;
    volatile int ready, stop, done;
};
void desc_probe_vcpu(void *worker);
/* Wait (yielding, a bound of yields, not a time) for flag to become set; false if never. */
int desc_probe_wait(volatile int *flag);

/* 0, or the failing step's error (allocation -ENOMEM, the read-only mapping, set_gdt,
 * SET_LDT). */
long desc_probe_init(struct desc_probe *p, uint32_t limit);
/* n rounds as above; 0, or the first refused hypercall's error. */
long desc_probe_run(struct desc_probe *p, unsigned int n);
/* Print a probe's counts; ERROR if rc (its last error) or it never ran, FAILURE if it read
 * another limit. */
void desc_probe_report(const char *who, const struct desc_probe *p, long rc);

#endif /* GUEST_DESC_PROBE_H */
