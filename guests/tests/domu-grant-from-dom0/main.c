/*
 * domu-grant-from-dom0: dom0 grants a domU two of its pages (read-write and read-only); the
 * domU maps them, stores and copies through them, and dom0 checks what it left.
 *
 * dom0 sets up its grant table, fills page A and page B (grant-peer.h), grants A read-write
 * at ref N and B read-only at N+1 to the domU it is about to build (its domid is known once
 * the domain is created, before the image is loaded), and builds guests/domu/grant-peer with
 * role=3.  The domU maps N and N+1 (a writable map of the read-only grant is refused, a
 * read-only one succeeds), checks the bytes, stores its own at the start of A, copies out of
 * grant N and into it with GNTTABOP_copy (into N+1 is refused) and notifies.  dom0 then sees
 * its entries in use (N: reading and writing, N+1: reading only) and the domU's bytes in A,
 * sets A's ACK word and notifies; the domU unmaps both and shuts down with SUCCESS.  dom0
 * checks that the entries lost their reading/writing bits, ends both grants, destroys the
 * domU and gets every frame back (the domU's maptrack goes with it).  Asserted the same on
 * Xen 4.17 and pvmm-hv.
 */
#include "guest.h"
#include "grant.h"
#include "grant-peer.h"
#include "toolstack.h"

const char test_title[] = "dom0 grants a domU two pages; the domU maps and copies through them";

#define REF 8

extern const char _binary_domu_grant_peer_elf_start[], _binary_domu_grant_peer_elf_end[];

static struct grant_peer g;
static grant_entry_v1_t *gt;
static volatile uint8_t *a, *b;
static bool acked;
static uint16_t flags_mapped, flags_ro_mapped;

/* Does page A hold the domU's bytes (stored and copied) and ours elsewhere? */
static bool page_a_answered(void)
{
    for (unsigned int i = 0; i < PAGE_SIZE; i++) {
        int want = grant_peer_answered_byte(i);

        if ((want >= 0 && a[i] != want) || b[i] != grant_peer_byte(GRANT_PEER_SEED_B, i)) {
            xtf_failure("page A byte %u is %#x (expected %#x), B's %#x", i, a[i], want, b[i]);
            return false;
        }
    }
    return true;
}

static void serve(struct grant_peer *p)
{
    if (acked)
        return;
    acked = true;
    flags_mapped = __atomic_load_n(&gt[REF].flags, __ATOMIC_SEQ_CST);
    flags_ro_mapped = __atomic_load_n(&gt[REF + 1].flags, __ATOMIC_SEQ_CST);
    printk("the domU is done: grant flags %#x and %#x\n", flags_mapped, flags_ro_mapped);
    page_a_answered();
    *(volatile uint32_t *)(a + GRANT_PEER_DONE_OFF) = GRANT_PEER_DONE;
    evtchn_send(p->port);
}

int test_main(void)
{
    size_t len = (size_t)(_binary_domu_grant_peer_elf_end - _binary_domu_grant_peer_elf_start);
    struct grant_peer_pages pages;
    uint16_t f, fro, want;
    uint64_t free0, free1;
    long rc;

    if (grant_peer_begin(&g))
        return XTF_FAILURE;
    g.serve = serve;
    if (grant_peer_lend(&g, _binary_domu_grant_peer_elf_start, len, GRANT_PEER_MAPPER, REF,
                        &pages))
        return XTF_FAILURE;
    gt = pages.gt;
    a = pages.a;
    b = pages.b;
    free0 = pages.free0;
    if (!grant_peer_finish(&g) || !acked)
        xtf_failure("the domU never notified");
    if (flags_mapped != (GTF_permit_access | GTF_reading | GTF_writing) ||
        flags_ro_mapped != (GTF_permit_access | GTF_readonly | GTF_reading))
        xtf_failure("grant flags while the domU mapped: %#x and %#x", flags_mapped,
                    flags_ro_mapped);
    f = __atomic_load_n(&gt[REF].flags, __ATOMIC_SEQ_CST);
    fro = __atomic_load_n(&gt[REF + 1].flags, __ATOMIC_SEQ_CST);
    printk("grant flags once the domU unmapped: %#x and %#x\n", f, fro);
    want = GTF_permit_access;
    if (!__atomic_compare_exchange_n(&gt[REF].flags, &want, 0, false, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST))
        xtf_failure("ending grant %u: flags %#x", REF, want);
    want = GTF_permit_access | GTF_readonly;
    if (!__atomic_compare_exchange_n(&gt[REF + 1].flags, &want, 0, false, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST))
        xtf_failure("ending grant %u: flags %#x", REF + 1, want);
    rc = domu_destroy(&g.u);
    if (rc)
        return xtf_failure("destroydomain: %ld", rc);
    free1 = sysctl_free_pages_back(free0);
    printk("free pages: %lu before, %lu after\n", (unsigned long)free0, (unsigned long)free1);
    if (!frames_came_back(free1, free0))
        xtf_failure("%ld frames did not come back", (long)(free0 - free1));
    return xtf_success();
}
