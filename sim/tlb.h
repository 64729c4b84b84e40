/*
 * sim/tlb.h - a per-vCPU TLB model.
 *
 * The TLB caches completed translations (struct sim_translation) by linear
 * page, including the access rights and whether the leaf was dirty, exactly
 * so that a guest which changes an entry and forgets to flush keeps using
 * the old translation: the class of bug behind XSA-286.  It is
 * direct-mapped with SIM_TLB_ENTRIES slots, so replacement is deterministic
 * and a scenario replays identically.  Large pages are cached per 4 KiB
 * piece and remember their size, so INVLPG anywhere inside one drops every
 * piece of it.  Global entries survive sim_tlb_flush_nonglobal (a CR3
 * write without PCID); INVLPG and full flushes drop them.  Paging-structure
 * caches are not modelled: a miss always walks from CR3.
 */
#ifndef PVMM_SIM_TLB_H
#define PVMM_SIM_TLB_H

#include <stdint.h>
#include <stdbool.h>
#include "walker.h"

#define SIM_TLB_ENTRIES 512

struct sim_tlb_entry {
    bool     valid;
    uint64_t vpn;                  /* linear address >> 12 */
    struct sim_translation t;
};

struct sim_tlb {
    struct sim_tlb_entry e[SIM_TLB_ENTRIES];
    uint64_t hits, misses;         /* statistics */
    uint64_t flushes, invlpgs;
};

/* Empty the whole TLB, global entries included (CR4.PGE toggle, INVPCID all). */
void sim_tlb_flush_all(struct sim_tlb *tlb);
/* Drop every non-global entry (a MOV to CR3). */
void sim_tlb_flush_nonglobal(struct sim_tlb *tlb);
/* Drop the translations of the page containing va, global or not (INVLPG). */
void sim_tlb_invlpg(struct sim_tlb *tlb, uint64_t va);
/* Cached translation for va, or false. */
bool sim_tlb_lookup(struct sim_tlb *tlb, uint64_t va, struct sim_translation *t);
/* Cache t as the translation of va's page (replacing whatever shared the slot). */
void sim_tlb_insert(struct sim_tlb *tlb, uint64_t va, const struct sim_translation *t);
/* Number of valid entries (for tests and `show`). */
unsigned int sim_tlb_count(const struct sim_tlb *tlb);

#endif /* PVMM_SIM_TLB_H */
