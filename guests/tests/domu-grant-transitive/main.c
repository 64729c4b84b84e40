/*
 * domu-grant-transitive: dom0 grants a domU two pages, the domU passes both grants back to
 * dom0 with v2 transitive entries, and dom0 copies through them - the way back, which Xen
 * allows (a transitive grant may end at the copier's own grant).
 *
 * dom0 fills page A and page B (grant-peer.h), grants A read-write at ref N and B read-only
 * at N+1 to the domU, and builds guests/domu/grant-peer with role=4.  The domU switches its
 * table to v2, makes its entries N and N+1 transitive for dom0 (standing for dom0's N and
 * N+1) and N+2 transitive for dom0's N+5, which dom0 never granted, and notifies (dom0
 * creates it with grant version 2 allowed: under the default limit of 1 its set_version(2)
 * would be -ENOSYS, measured on Xen 4.17).  Asserted
 * on Xen 4.17 and pvmm-hv, dom0 copying through the domU's entries:
 *   - out of N: GNTST_okay, A's bytes; into N: GNTST_okay, the bytes land in A;
 *   - out of N+1: GNTST_okay, B's bytes; into N+1: GNTST_general_error (B's grant is
 *     read-only, so the copy through the transitive entry is read-only too);
 *   - out of N+2: GNTST_general_error (the end grant does not exist);
 *   - a map of N: GNTST_general_error (transitive grants are copy-only);
 *   - after each copy dom0's own entries N and N+1 carry no reading/writing bit.
 * dom0 then sets A's DONE word; the domU reads it with a copy out of grant N, checks that
 * no status bit is left on its three entries and shuts down with SUCCESS; dom0 destroys it
 * and gets every frame back but one: its own maptrack, which the refused map grew.
 */
#include "guest.h"
#include "grant.h"
#include "grant-peer.h"
#include "toolstack.h"

const char test_title[] = "dom0 copies through a domU's transitive grants of dom0's own pages";

#define REF 8
#define MAPTRACK_FRAMES 1       /* dom0's refused map still grew its maptrack (both measured) */

extern const char _binary_domu_grant_peer_elf_start[], _binary_domu_grant_peer_elf_end[];

static struct grant_peer g;
static grant_entry_v1_t *gt;
static volatile uint8_t *a, *b, *scratch;
static bool served;

static void expect(long got, long want, const char *what)
{
    if (got != want)
        xtf_failure("%s: got %ld, expected %ld", what, got, want);
    else
        printk("  %-44s %ld\n", what, got);
}

/* Our entries N and N+1 are as we wrote them: no copy left a status bit. */
static void entries_idle(const char *what)
{
    expect(__atomic_load_n(&gt[REF].flags, __ATOMIC_SEQ_CST), GTF_permit_access, what);
    expect(__atomic_load_n(&gt[REF + 1].flags, __ATOMIC_SEQ_CST),
           GTF_permit_access | GTF_readonly, what);
}

/* Do the bytes at p[off, off + len) follow the pattern with this seed (from index base)? */
static bool pattern(const volatile uint8_t *p, unsigned int off, unsigned int len, uint8_t seed,
                    unsigned int base)
{
    for (unsigned int i = 0; i < len; i++)
        if (p[off + i] != grant_peer_byte(seed, base + i))
            return false;
    return true;
}

static void serve(struct grant_peer *p)
{
    domid_t u = p->u.domid;
    unsigned long sm = virt_to_mfn(scratch);
    const unsigned int off = GRANT_PEER_COPY_OFF, len = GRANT_PEER_COPY_LEN;
    uint64_t slot = (uint64_t)(uintptr_t)alloc_page();

    if (served)
        return;
    served = true;
    printk("the domU passed our grants back; copying through its entries:\n");
    expect(gnttab_copy_ref(REF, u, off, sm, DOMID_SELF, 0, len), GNTST_okay, "copy out of N");
    if (!pattern(scratch, 0, len, GRANT_PEER_SEED_A, off))
        xtf_failure("the bytes copied out of N are not A's");
    entries_idle("entries after copying out of N");
    for (unsigned int i = 0; i < len; i++)
        scratch[i] = grant_peer_byte(GRANT_PEER_SEED_COPY, i);
    expect(gnttab_copy_to_ref(sm, 0, REF, u, off, len), GNTST_okay, "copy into N");
    if (!pattern(a, off, len, GRANT_PEER_SEED_COPY, 0))
        xtf_failure("the bytes copied into N did not land in A");
    expect(gnttab_copy_ref(REF + 1, u, 0, sm, DOMID_SELF, 0, len), GNTST_okay,
           "copy out of N+1 (read-only end)");
    if (!pattern(scratch, 0, len, GRANT_PEER_SEED_B, 0))
        xtf_failure("the bytes copied out of N+1 are not B's");
    expect(gnttab_copy_to_ref(sm, 0, REF + 1, u, 0, len), GNTST_general_error,
           "copy into N+1 (read-only end)");
    if (!pattern(b, 0, len, GRANT_PEER_SEED_B, 0))
        xtf_failure("B changed");
    expect(gnttab_copy_ref(REF + 2, u, 0, sm, DOMID_SELF, 0, len), GNTST_general_error,
           "copy out of N+2 (no end grant)");
    expect(gnttab_map_dom(u, REF, GNTMAP_host_map, slot, NULL, NULL), GNTST_general_error,
           "map of the transitive entry N");
    entries_idle("entries after every copy");
    *(volatile uint32_t *)(a + GRANT_PEER_DONE_OFF) = GRANT_PEER_DONE;
    evtchn_send(p->port);
}

int test_main(void)
{
    size_t len = (size_t)(_binary_domu_grant_peer_elf_end - _binary_domu_grant_peer_elf_start);
    struct grant_peer_pages pages;
    uint64_t free0, free1;
    long rc;

    if (grant_peer_begin(&g))
        return XTF_FAILURE;
    scratch = alloc_page();
    g.serve = serve;
    domctl_set_grant_version(2);    /* the domU switches to v2 */
    if (grant_peer_lend(&g, _binary_domu_grant_peer_elf_start, len, GRANT_PEER_RELAY, REF,
                        &pages))
        return XTF_FAILURE;
    gt = pages.gt;
    a = pages.a;
    b = pages.b;
    free0 = pages.free0;
    if (!grant_peer_finish(&g) || !served)
        xtf_failure("the domU never notified, or did not finish with SUCCESS");
    entries_idle("entries at the end");
    gnttab_grant(gt, REF, 0, 0, GTF_invalid);
    gnttab_grant(gt, REF + 1, 0, 0, GTF_invalid);
    rc = domu_destroy(&g.u);
    if (rc)
        return xtf_failure("destroydomain: %ld", rc);
    free1 = sysctl_free_pages_back(free0 - MAPTRACK_FRAMES);
    printk("free pages: %lu before, %lu after\n", (unsigned long)free0, (unsigned long)free1);
    if (!frames_came_back(free1, free0 - MAPTRACK_FRAMES))
        xtf_failure("%ld frames did not come back", (long)(free0 - MAPTRACK_FRAMES - free1));
    return xtf_status() == XTF_RUNNING ? xtf_success() : 0;
}
