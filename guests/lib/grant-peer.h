/*
 * grant-peer.h: what dom0's cross-domain grant guests (domu-grant-copy, domu-grant-from-dom0,
 * domu-destroy-while-mapped, domu-grant-transitive) and their domU (guests/domu/grant-peer) agree on.
 *
 * The granted page A holds known bytes (grant_peer_byte with SEED_A) except the 32-bit word
 * at DONE_OFF, which the side that does not own the page sets to GRANT_PEER_DONE when it has
 * finished (the owner then checks).  The mapping side stores STORE_LEN bytes of SEED_DOM0 at
 * the start of A through its mapping and copies COPY_LEN bytes of SEED_COPY into the grant at
 * COPY_OFF with GNTTABOP_copy.  Page B (the read-only grant, the next reference) holds
 * SEED_B bytes and never changes.
 */
#ifndef GUEST_GRANT_PEER_H
#define GUEST_GRANT_PEER_H

#include <stdint.h>

enum { GRANT_PEER_GRANTER = 1, GRANT_PEER_HOLDER = 2, GRANT_PEER_MAPPER = 3,
       GRANT_PEER_RELAY = 4 };

#define GRANT_PEER_DONE       0x656e6f64u     /* "done" */
#define GRANT_PEER_DONE_OFF   4000u
#define GRANT_PEER_STORE_LEN  64u
#define GRANT_PEER_COPY_OFF   2048u
#define GRANT_PEER_COPY_LEN   128u
#define GRANT_PEER_SEED_A     0x11u
#define GRANT_PEER_SEED_B     0x5au
#define GRANT_PEER_SEED_DOM0  0xd0u
#define GRANT_PEER_SEED_COPY  0xc3u

/* Byte i of the pattern with this seed. */
static inline uint8_t grant_peer_byte(uint8_t seed, unsigned int i)
{
    return (uint8_t)(seed ^ (i * 7u) ^ (i >> 8));
}

/* Byte i of page A once the mapping side has stored and copied, or -1 for the DONE word. */
static inline int grant_peer_answered_byte(unsigned int i)
{
    if (i < GRANT_PEER_STORE_LEN)
        return grant_peer_byte(GRANT_PEER_SEED_DOM0, i);
    if (i >= GRANT_PEER_COPY_OFF && i < GRANT_PEER_COPY_OFF + GRANT_PEER_COPY_LEN)
        return grant_peer_byte(GRANT_PEER_SEED_COPY, i - GRANT_PEER_COPY_OFF);
    if (i >= GRANT_PEER_DONE_OFF && i < GRANT_PEER_DONE_OFF + 4)
        return -1;
    return grant_peer_byte(GRANT_PEER_SEED_A, i);
}

/* ---- dom0's side (grant-peer.c) ---- */

#include <stdbool.h>
#include <stddef.h>
#include <xen/grant_table.h>
#include "domu-builder.h"
#include "domu-console.h"

#define GRANT_PEER_PAGES 1280

struct grant_peer {
    struct domu u;
    struct domu_console con;
    uint32_t port;                  /* dom0's end of the channel named on its command line */
    void (*serve)(struct grant_peer *g);   /* called when the domU notified */
    unsigned int notifications;
    uint64_t free0;                 /* physinfo's free pages at grant_peer_begin */
    xen_pfn_t p2m[GRANT_PEER_PAGES];
};

/* Record the free pages (g->free0) and map shared_info: 0, or -1 after reporting it. */
int grant_peer_begin(struct grant_peer *g);
/*
 * Build the grant-peer domU from the ELF at elf[0, len) with `role=R ref=N port=P`, open its
 * console and unpause it.  0, or -1 after reporting a FAILURE (the domU destroyed).  In two
 * steps when dom0 needs the domid first (g->u.domid, to grant it pages): grant_peer_create
 * makes the domain, grant_peer_load the rest.
 */
int grant_peer_start(struct grant_peer *g, const void *elf, size_t len, unsigned int role,
                     unsigned int ref);
int grant_peer_create(struct grant_peer *g);
int grant_peer_load(struct grant_peer *g, const void *elf, size_t len, unsigned int role,
                    unsigned int ref);
/* What dom0 lends the domU with grant_peer_lend. */
struct grant_peer_pages {
    grant_entry_v1_t *gt;           /* dom0's grant table (v1) */
    volatile uint8_t *a, *b;        /* page A (granted read-write), page B (read-only) */
    uint64_t free0;                 /* physinfo's free pages with dom0's table set up */
};
/*
 * dom0 lends the domU two pages: map dom0's grant table, fill A and B with their patterns
 * (A's DONE word 0), record the free pages, create the domU, grant it A at ref read-write
 * and B at ref+1 read-only, and build it with role (grant_peer_load).  0, or -1 after
 * reporting.
 */
int grant_peer_lend(struct grant_peer *g, const void *elf, size_t len, unsigned int role,
                    unsigned int ref, struct grant_peer_pages *p);
/*
 * Serve it until it shuts down (g->serve on each notification), then close its console.
 * True if it powered off with its SUCCESS verdict (a FAILURE reported otherwise).
 */
bool grant_peer_finish(struct grant_peer *g);

#endif /* GUEST_GRANT_PEER_H */
