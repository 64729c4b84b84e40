/*
 * sim/cpu.c - one simulated processor (see cpu.h).
 */
#include "cpu.h"

#include <string.h>

/*
 * Xen runs a 64-bit PV guest at CPL 3 with CR0.WP, NXE, SMEP and SMAP on
 * (they guard the hypervisor), global pages on (no XPTI, no PCID) and PKE
 * off (bits 59..62 are guest bits for PV).
 */
void sim_cpu_init(struct sim_cpu *c, unsigned int maxphyaddr)
{
    memset(c, 0, sizeof(*c));
    c->p.cr0_wp = true;
    c->p.cr4_smep = true;
    c->p.cr4_smap = true;
    c->p.cr4_pke = false;
    c->p.cr4_pge = true;
    c->p.efer_nxe = true;
    c->p.eflags_ac = false;
    c->p.cpl = 3;
    c->p.pkru = 0;
    c->p.maxphyaddr = maxphyaddr;
}

void sim_cpu_write_cr3(struct sim_cpu *c, uint64_t cr3)
{
    c->p.cr3 = cr3;
    sim_tlb_flush_nonglobal(&c->tlb);
}

void sim_cpu_set_paging(struct sim_cpu *c, const struct sim_paging *np)
{
    bool flush = np->cr4_pge != c->p.cr4_pge || np->cr4_pke != c->p.cr4_pke ||
                 np->cr0_wp != c->p.cr0_wp || np->efer_nxe != c->p.efer_nxe ||
                 np->cr4_smep != c->p.cr4_smep || np->cr4_smap != c->p.cr4_smap ||
                 np->maxphyaddr != c->p.maxphyaddr;
    bool new_root = np->cr3 != c->p.cr3;

    c->p = *np;
    if (flush)
        sim_tlb_flush_all(&c->tlb);
    else if (new_root)
        sim_tlb_flush_nonglobal(&c->tlb);
}

static enum sim_fault fault(struct sim_cpu *c, struct sim_fault_info *f, enum sim_fault kind,
                            uint32_t pfec, uint64_t va)
{
    f->kind = kind;
    f->pfec = pfec;
    f->addr = va;
    if (kind == SIM_PF) {
        c->cr2 = va;
        c->last_pfec = pfec;
    }
    return kind;
}

enum sim_fault sim_cpu_translate(struct sim_cpu *c, const struct sim_phys *m, uint64_t va,
                                 enum sim_access acc, uint64_t *pa, struct sim_fault_info *f)
{
    struct sim_translation t;
    struct sim_walk_result r;

    f->kind = SIM_OK;
    if (!sim_canonical(va))
        return fault(c, f, SIM_GP, 0, va);
    if (sim_tlb_lookup(&c->tlb, va, &t)) {
        if (sim_check_rights(&c->p, &t, acc) == 0 && (acc != SIM_WRITE || t.dirty)) {
            *pa = t.pa_page + (va & 0xFFF);
            return SIM_OK;
        }
        /* Stale or not yet dirty: the hardware re-walks (after a spurious fault). */
        sim_tlb_invlpg(&c->tlb, va);
    }
    if (sim_walk(m, &c->p, va, acc, true, &r) != SIM_OK) {
        /* A faulting access leaves no translation for va behind. */
        sim_tlb_invlpg(&c->tlb, va);
        return fault(c, f, r.fault, r.pfec, va);
    }
    sim_tlb_insert(&c->tlb, va, &r.t);
    *pa = r.t.pa_page + (va & 0xFFF);
    return SIM_OK;
}

enum sim_fault sim_cpu_access(struct sim_cpu *c, const struct sim_phys *m, uint64_t va,
                              enum sim_access acc, void *buf, size_t len,
                              struct sim_fault_info *f)
{
    uint64_t pa[2];
    size_t first = len, off = 0;
    int n = 1;

    f->kind = SIM_OK;
    if (len == 0)
        return SIM_OK;
    if ((va & 0xFFF) + len > 0x1000) {
        first = 0x1000 - (va & 0xFFF);
        n = 2;
    }
    if (len - first > 0x1000)
        return fault(c, f, SIM_GP, 0, va);  /* callers never cross more than one boundary */
    if (sim_cpu_translate(c, m, va, acc, &pa[0], f) != SIM_OK)
        return f->kind;
    if (n == 2 && sim_cpu_translate(c, m, va + first, acc, &pa[1], f) != SIM_OK)
        return f->kind;
    for (int i = 0; i < n; i++) {
        size_t chunk = i == 0 ? first : len - first;
        uint8_t *host = sim_phys_ptr(m, pa[i]);

        if (acc == SIM_WRITE) {
            if (host)
                memcpy(host, (const uint8_t *)buf + off, chunk);
        } else {
            if (host)
                memcpy((uint8_t *)buf + off, host, chunk);
            else
                memset((uint8_t *)buf + off, 0xFF, chunk);
        }
        off += chunk;
    }
    return SIM_OK;
}
