/*
 * desc-probe.c: a vCPU's own GDT and LDT with marker descriptors, checked through GDTR and
 * LDTR (desc-probe.h).
 */
#include "guest.h"
#include "desc-probe.h"
#include "vcpus.h"
#include <xen/sched.h>

#define WAIT_YIELDS 2000000u

/* A present, accessed, writable DPL-3 data segment at base 0 with byte-granular limit. */
static uint64_t marker_desc(uint32_t limit)
{
    return (limit & 0xffffULL) | (0xf3ULL << 40) | ((uint64_t)((limit >> 16) & 0xf) << 48) |
           (1ULL << 54);
}

/* Load GDT frame and LDT page p->cur. */
static long load_tables(const struct desc_probe *p)
{
    unsigned long frame = p->mfn[p->cur];
    struct mmuext_op op = {
        .cmd = MMUEXT_SET_LDT,
        .arg1.linear_addr = p->ldt[p->cur],
        .arg2.nr_ents = 512,
    };
    long rc = _hypercall2(__HYPERVISOR_set_gdt, (uint64_t)(uintptr_t)&frame, 512);

    return rc ? rc : hypercall_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/* A zeroed page with desc at entry idx, mapped read-only; NULL if that fails. */
static uint64_t *table_page(unsigned int idx, uint64_t desc)
{
    uint64_t *page = alloc_page();

    if (!page)
        return NULL;
    page[idx] = desc;
    return pt_make_ro(page) ? NULL : page;
}

long desc_probe_init(struct desc_probe *p, uint32_t limit)
{
    p->limit = limit;
    p->cur = 0;
    p->rounds = p->wrong = 0;
    p->seen = 0;
    for (unsigned int i = 0; i < 2; i++) {
        uint64_t *gdt = table_page(DESC_PROBE_SEL >> 3, marker_desc(limit));
        uint64_t *ldt = table_page(DESC_PROBE_LDT_SEL >> 3,
                                   marker_desc(limit | DESC_PROBE_LDT_BIT));

        if (!gdt || !ldt)
            return -XEN_ENOMEM;
        p->mfn[i] = virt_to_mfn(gdt);
        p->ldt[i] = (unsigned long)ldt;
    }
    return load_tables(p);
}

/* The limit LSL reads for sel through GDTR or LDTR, or 0xffffffff if LSL fails. */
static uint32_t read_limit(uint16_t sel)
{
    uint32_t limit = 0xffffffff;
    uint8_t ok;

    __asm__ volatile("lsl %2, %0\n\tsetz %1" : "+r"(limit), "=q"(ok) : "r"((uint32_t)sel)
                     : "cc");
    return ok ? limit : 0xffffffff;
}

/* Count a limit read that is not the one expected. */
static void check_limit(struct desc_probe *p, uint32_t got, uint32_t want)
{
    if (got != want) {
        p->wrong++;
        p->seen = got;
    }
}

long desc_probe_run(struct desc_probe *p, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++) {
        long rc;

        if ((rc = pt_flush_tlb()) != 0)
            return rc;
        check_limit(p, read_limit(DESC_PROBE_SEL), p->limit);
        check_limit(p, read_limit(DESC_PROBE_LDT_SEL), p->limit | DESC_PROBE_LDT_BIT);
        if ((++p->rounds & 7) == 0) {
            p->cur ^= 1;
            if ((rc = load_tables(p)) != 0)
                return rc;
        }
    }
    return 0;
}

void desc_probe_report(const char *who, const struct desc_probe *p, long rc)
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

void desc_probe_vcpu(void *arg)
{
    struct desc_probe_worker *w = arg;
    long rc = desc_probe_init(&w->p, w->limit);

    w->rc = rc;
    __atomic_store_n(&w->ready, 1, __ATOMIC_SEQ_CST);
    while (!rc) {
        rc = desc_probe_run(&w->p, 64);
        if (w->rounds ? w->p.rounds >= w->rounds : __atomic_load_n(&w->stop, __ATOMIC_SEQ_CST))
            break;
    }
    w->rc = rc;
    __atomic_store_n(&w->done, 1, __ATOMIC_SEQ_CST);
    vcpu_down_self(w->id);
    for (;;)
        hypercall_sched_op(SCHEDOP_yield, NULL);
}

int desc_probe_wait(volatile int *flag)
{
    for (unsigned int i = 0; i < WAIT_YIELDS; i++) {
        if (__atomic_load_n(flag, __ATOMIC_SEQ_CST))
            return 1;
        hypercall_sched_op(SCHEDOP_yield, NULL);
    }
    return 0;
}
