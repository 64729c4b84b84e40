/*
 * gdt-probe.c: a vCPU's own GDT with a marker descriptor, checked through GDTR (gdt-probe.h).
 */
#include "guest.h"
#include "gdt-probe.h"
#include "vcpus.h"
#include <xen/sched.h>

#define WAIT_YIELDS 2000000u

/* A present, accessed, writable DPL-3 data segment at base 0 with byte-granular limit. */
static uint64_t marker_desc(uint32_t limit)
{
    return (limit & 0xffffULL) | (0xf3ULL << 40) | ((uint64_t)((limit >> 16) & 0xf) << 48) |
           (1ULL << 54);
}

static long load_gdt(const struct gdt_probe *p)
{
    unsigned long frame = p->mfn[p->cur];

    return _hypercall2(__HYPERVISOR_set_gdt, (uint64_t)(uintptr_t)&frame, 512);
}

long gdt_probe_init(struct gdt_probe *p, uint32_t limit)
{
    p->limit = limit;
    p->cur = 0;
    p->rounds = p->wrong = 0;
    p->seen = 0;
    for (unsigned int i = 0; i < 2; i++) {
        uint64_t *page = alloc_page();
        long rc;

        if (!page)
            return -XEN_ENOMEM;
        page[GDT_PROBE_SEL >> 3] = marker_desc(limit);
        if ((rc = pt_make_ro(page)) != 0)
            return rc;
        p->mfn[i] = virt_to_mfn(page);
    }
    return load_gdt(p);
}

/* The limit LSL reads for sel through this CPU's GDTR, or 0xffffffff if LSL fails. */
static uint32_t read_limit(uint16_t sel)
{
    uint32_t limit = 0xffffffff;
    uint8_t ok;

    __asm__ volatile("lsl %2, %0\n\tsetz %1" : "+r"(limit), "=q"(ok) : "r"((uint32_t)sel)
                     : "cc");
    return ok ? limit : 0xffffffff;
}

long gdt_probe_run(struct gdt_probe *p, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++) {
        uint32_t got;
        long rc;

        if ((rc = pt_flush_tlb()) != 0)
            return rc;
        got = read_limit(GDT_PROBE_SEL);
        if (got != p->limit) {
            p->wrong++;
            p->seen = got;
        }
        if ((++p->rounds & 7) == 0) {
            p->cur ^= 1;
            if ((rc = load_gdt(p)) != 0)
                return rc;
        }
    }
    return 0;
}

void gdt_probe_report(const char *who, const struct gdt_probe *p, long rc)
{
    printk("%s: %lu rounds, %lu with another limit (last %#x), rc %ld\n", who, p->rounds,
           p->wrong, p->seen, rc);
    if (rc)
        xtf_error("%s: a probe hypercall failed: %ld", who, rc);
    else if (p->wrong)
        xtf_failure("%s read another vCPU's descriptor %lu times (limit %#x, its own %#x)",
                    who, p->wrong, p->seen, p->limit);
    else if (!p->rounds)
        xtf_error("%s never probed", who);
}

void gdt_probe_vcpu(void *arg)
{
    struct gdt_probe_worker *w = arg;
    long rc = gdt_probe_init(&w->p, w->limit);

    w->rc = rc;
    __atomic_store_n(&w->ready, 1, __ATOMIC_SEQ_CST);
    while (!rc) {
        rc = gdt_probe_run(&w->p, 64);
        if (w->rounds ? w->p.rounds >= w->rounds : __atomic_load_n(&w->stop, __ATOMIC_SEQ_CST))
            break;
    }
    w->rc = rc;
    __atomic_store_n(&w->done, 1, __ATOMIC_SEQ_CST);
    vcpu_down_self(w->id);
    for (;;)
        hypercall_sched_op(SCHEDOP_yield, NULL);
}

int gdt_probe_wait(volatile int *flag)
{
    for (unsigned int i = 0; i < WAIT_YIELDS; i++) {
        if (__atomic_load_n(flag, __ATOMIC_SEQ_CST))
            return 1;
        hypercall_sched_op(SCHEDOP_yield, NULL);
    }
    return 0;
}
