/*
 * sim/walker.c - the 4-level x86-64 page walker (see walker.h).
 *
 * Reserved bits per level follow the SDM's tables for 4-level paging:
 * address bits from MAXPHYADDR to 51 at every level, bit 63 unless
 * EFER.NXE, PS (bit 7) in an L4 entry, bits 29:13 of a 1 GiB leaf and bits
 * 20:13 of a 2 MiB leaf (the PAT bit 12 of a large leaf is legal).  Bits
 * 52..62 are ignored by the processor, except that bits 62:59 of a leaf
 * are its protection key when CR4.PKE is set.
 */
#include "walker.h"

#include <string.h>

#define PTE_P    (1UL << 0)
#define PTE_RW   (1UL << 1)
#define PTE_US   (1UL << 2)
#define PTE_A    (1UL << 5)
#define PTE_D    (1UL << 6)
#define PTE_PS   (1UL << 7)
#define PTE_G    (1UL << 8)
#define PTE_XD   (1UL << 63)

void *sim_phys_ptr(const struct sim_phys *m, uint64_t pa)
{
    if ((pa >> 12) >= m->nr_frames)
        return NULL;
    return m->mem + pa;
}

uint64_t sim_phys_read64(const struct sim_phys *m, uint64_t pa)
{
    const uint64_t *p = sim_phys_ptr(m, pa & ~7UL);

    return p ? __atomic_load_n(p, __ATOMIC_ACQUIRE) : ~0UL;
}

void sim_phys_or64(const struct sim_phys *m, uint64_t pa, uint64_t bits)
{
    uint64_t *p = sim_phys_ptr(m, pa & ~7UL);

    if (p)
        __atomic_fetch_or(p, bits, __ATOMIC_ACQ_REL);
}

bool sim_canonical(uint64_t va)
{
    return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

/* Address bits a paging-structure entry may use: 12 .. maxphyaddr-1. */
static uint64_t addr_mask(const struct sim_paging *p)
{
    return ((1UL << p->maxphyaddr) - 1) & ~0xFFFUL;
}

/* Reserved bits of a present level-`level` entry (leaf = PS set at L2/L3). */
static uint64_t reserved_bits(const struct sim_paging *p, int level, uint64_t e)
{
    uint64_t rsvd = ((1UL << 52) - 1) & ~((1UL << p->maxphyaddr) - 1);

    if (!p->efer_nxe)
        rsvd |= PTE_XD;
    if (level == 4)
        rsvd |= PTE_PS;
    else if (level == 3 && (e & PTE_PS))
        rsvd |= ((1UL << 30) - 1) & ~((1UL << 13) - 1);   /* bits 29:13 */
    else if (level == 2 && (e & PTE_PS))
        rsvd |= ((1UL << 21) - 1) & ~((1UL << 13) - 1);   /* bits 20:13 */
    return rsvd;
}

uint32_t sim_pfec_base(const struct sim_paging *p, enum sim_access acc)
{
    uint32_t pfec = 0;

    if (acc == SIM_WRITE)
        pfec |= PFEC_WRITE;
    if (p->cpl == 3)
        pfec |= PFEC_USER;
    if (acc == SIM_FETCH && (p->efer_nxe || p->cr4_smep))
        pfec |= PFEC_INSN;
    return pfec;
}

/* Protection-key verdict for a data access to a user page: true = denied. */
static bool pkey_denies(const struct sim_paging *p, const struct sim_translation *t,
                        enum sim_access acc)
{
    bool ad, wd;

    if (!p->cr4_pke || !t->user || acc == SIM_FETCH)
        return false;
    ad = (p->pkru >> (2 * t->pkey)) & 1;
    wd = (p->pkru >> (2 * t->pkey + 1)) & 1;
    if (ad)
        return true;
    return acc == SIM_WRITE && wd && (p->cpl == 3 || p->cr0_wp);
}

/* Paging rights without protection keys: true = allowed. */
static bool paging_allows(const struct sim_paging *p, const struct sim_translation *t,
                          enum sim_access acc)
{
    bool user_mode = p->cpl == 3;

    if (user_mode) {
        if (!t->user)
            return false;
        if (acc == SIM_WRITE)
            return t->rw;
        if (acc == SIM_FETCH)
            return !t->nx;
        return true;
    }
    /* Supervisor-mode access. */
    switch (acc) {
    case SIM_FETCH:
        if (t->user && p->cr4_smep)
            return false;
        return !t->nx;
    case SIM_READ:
        return !(t->user && p->cr4_smap && !p->eflags_ac);
    case SIM_WRITE:
        if (t->user && p->cr4_smap && !p->eflags_ac)
            return false;
        return t->rw || !p->cr0_wp;
    }
    return false;
}

uint32_t sim_check_rights(const struct sim_paging *p, const struct sim_translation *t,
                          enum sim_access acc)
{
    bool pk = pkey_denies(p, t, acc);

    if (paging_allows(p, t, acc) && !pk)
        return 0;
    return PFEC_PRESENT | sim_pfec_base(p, acc) | (pk ? PFEC_PK : 0);
}

enum sim_fault sim_walk(const struct sim_phys *m, const struct sim_paging *p, uint64_t va,
                        enum sim_access acc, bool set_ad, struct sim_walk_result *r)
{
    uint64_t table = p->cr3 & addr_mask(p);
    struct sim_translation *t = &r->t;
    int level, leaf = 1;

    memset(r, 0, sizeof(*r));
    if (!sim_canonical(va)) {
        r->fault = SIM_GP;
        return SIM_GP;
    }
    t->rw = t->user = true;
    t->nx = false;
    for (level = 4; level >= 1; level--) {
        uint64_t pa = table + 8 * ((va >> (12 + 9 * (level - 1))) & 511);
        uint64_t e = sim_phys_read64(m, pa);

        r->level = level;
        r->entry[level] = e;
        r->entry_pa[level] = pa;
        if (!(e & PTE_P)) {
            r->fault = SIM_PF;
            r->pfec = sim_pfec_base(p, acc);
            return SIM_PF;
        }
        if (e & reserved_bits(p, level, e)) {
            r->fault = SIM_PF;
            r->pfec = PFEC_PRESENT | PFEC_RSVD | sim_pfec_base(p, acc);
            return SIM_PF;
        }
        t->rw = t->rw && (e & PTE_RW);
        t->user = t->user && (e & PTE_US);
        t->nx = t->nx || (p->efer_nxe && (e & PTE_XD));
        if (level == 1 || ((level == 2 || level == 3) && (e & PTE_PS))) {
            leaf = level;
            break;
        }
        table = e & addr_mask(p);
    }

    {
        uint64_t e = r->entry[leaf];
        uint64_t size = 1UL << (12 + 9 * (leaf - 1));
        uint64_t base = e & addr_mask(p) & ~(size - 1);

        t->page_size = size;
        t->pa_page = base + ((va & (size - 1)) & ~0xFFFUL);
        t->global = p->cr4_pge && (e & PTE_G);
        t->dirty = (e & PTE_D) != 0;
        t->pkey = p->cr4_pke ? (unsigned int)((e >> 59) & 15) : 0;
    }

    r->pfec = sim_check_rights(p, t, acc);
    if (r->pfec) {
        r->fault = SIM_PF;
        return SIM_PF;
    }
    if (set_ad) {
        for (level = 4; level >= leaf; level--)
            if (!(r->entry[level] & PTE_A))
                sim_phys_or64(m, r->entry_pa[level], PTE_A);
        if (acc == SIM_WRITE && !t->dirty) {
            sim_phys_or64(m, r->entry_pa[leaf], PTE_D);
            t->dirty = true;
        }
    }
    r->fault = SIM_OK;
    return SIM_OK;
}
