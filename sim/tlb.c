/*
 * sim/tlb.c - the per-vCPU TLB model (see tlb.h).
 */
#include "tlb.h"

#include <string.h>

static unsigned int slot_of(uint64_t vpn)
{
    return (unsigned int)((vpn ^ (vpn >> 9) ^ (vpn >> 18) ^ (vpn >> 27)) % SIM_TLB_ENTRIES);
}

void sim_tlb_flush_all(struct sim_tlb *tlb)
{
    for (unsigned int i = 0; i < SIM_TLB_ENTRIES; i++)
        tlb->e[i].valid = false;
    tlb->flushes++;
}

void sim_tlb_flush_nonglobal(struct sim_tlb *tlb)
{
    for (unsigned int i = 0; i < SIM_TLB_ENTRIES; i++)
        if (!tlb->e[i].t.global)
            tlb->e[i].valid = false;
    tlb->flushes++;
}

void sim_tlb_invlpg(struct sim_tlb *tlb, uint64_t va)
{
    uint64_t vpn = va >> 12;

    tlb->invlpgs++;
    for (unsigned int i = 0; i < SIM_TLB_ENTRIES; i++) {
        struct sim_tlb_entry *e = &tlb->e[i];
        uint64_t pages = e->t.page_size >> 12;

        if (!e->valid)
            continue;
        /* Same page, or a piece of the same large page. */
        if (e->vpn == vpn || (pages > 1 && (e->vpn & ~(pages - 1)) == (vpn & ~(pages - 1))))
            e->valid = false;
    }
}

bool sim_tlb_lookup(struct sim_tlb *tlb, uint64_t va, struct sim_translation *t)
{
    uint64_t vpn = va >> 12;
    struct sim_tlb_entry *e = &tlb->e[slot_of(vpn)];

    if (e->valid && e->vpn == vpn) {
        *t = e->t;
        tlb->hits++;
        return true;
    }
    tlb->misses++;
    return false;
}

void sim_tlb_insert(struct sim_tlb *tlb, uint64_t va, const struct sim_translation *t)
{
    uint64_t vpn = va >> 12;
    struct sim_tlb_entry *e = &tlb->e[slot_of(vpn)];

    e->valid = true;
    e->vpn = vpn;
    e->t = *t;
}

unsigned int sim_tlb_count(const struct sim_tlb *tlb)
{
    unsigned int n = 0;

    for (unsigned int i = 0; i < SIM_TLB_ENTRIES; i++)
        n += tlb->e[i].valid;
    return n;
}
