/*
 * domu-grant-copy: a domU grants dom0 two pages, one read-write and one read-only; dom0 maps
 * them and moves bytes both through the mapping and with GNTTABOP_copy.
 *
 * dom0 builds guests/domu/grant-peer with role=1 (grant-peer.h).  When the domU notifies,
 * dom0 maps its grant N (host, read-write) and N+1 (read-only grant: a writable map is
 * refused, a read-only one succeeds) and checks the domU's bytes through both; it stores its
 * own bytes at the start of page A through the mapping; copies A's bytes at COPY_OFF out of
 * the grant into a frame of its own (source a grant) and checks them, then copies its own
 * bytes into the grant there (destination a grant); a copy into the read-only grant is
 * refused, and so is a copy naming the domU's frame by mfn (permission_denied; a missing
 * domain's id: bad_domain); it sets A's DONE word, unmaps both and notifies.  The domU checks every byte of A
 * and B and the flags of both entries (no mapping left) and ends its grants.  Asserted the
 * same on Xen 4.17 and pvmm-hv: every status, the bytes, the domU's verdict, and that every
 * frame comes back once it is destroyed but dom0's maptrack frame (as domu-grant-ring).
 */
#include "guest.h"
#include "grant.h"
#include "grant-peer.h"
#include "toolstack.h"

const char test_title[] = "a domU grants dom0 two pages; dom0 maps them and copies through them";

#define REF             8
#define MAPTRACK_FRAMES 1

extern const char _binary_domu_grant_peer_elf_start[], _binary_domu_grant_peer_elf_end[];

static struct grant_peer g;
static struct {
    unsigned long va, ro;
    bool done;
    int failures;
} be;

/* expect: a status that must be want (a FAILURE otherwise). */
static void expect_status(const char *what, int16_t st, int16_t want)
{
    printk("  %s: status %d\n", what, st);
    if (st != want) {
        xtf_failure("%s: status %d, expected %d", what, st, want);
        be.failures++;
    }
}

/* GNTTABOP_copy of 8 bytes from frame mfn named as domain dom's (no grant) into ours. */
static int16_t copy_frame_of(domid_t dom, unsigned long mfn, unsigned long own)
{
    struct gnttab_copy cp;

    memset(&cp, 0, sizeof(cp));
    cp.source.u.gmfn = mfn;
    cp.source.domid = dom;
    cp.dest.u.gmfn = own;
    cp.dest.domid = DOMID_SELF;
    cp.len = 8;
    gnttab_op(GNTTABOP_copy, &cp, 1);
    return cp.status;
}

static void serve(struct grant_peer *p)
{
    domid_t dom = p->u.domid;
    volatile uint8_t *a = (volatile uint8_t *)be.va, *b = (volatile uint8_t *)be.ro;
    volatile uint8_t *own = alloc_page();
    grant_handle_t h = 0, hro = 0;

    if (be.done)
        return;
    be.done = true;
    expect_status("map of its grant", gnttab_map_dom(dom, REF, GNTMAP_host_map, be.va, &h, NULL),
                  GNTST_okay);
    expect_status("writable map of its read-only grant",
                  gnttab_map_dom(dom, REF + 1, GNTMAP_host_map, be.ro, NULL, NULL),
                  GNTST_general_error);
    expect_status("read-only map of its read-only grant",
                  gnttab_map_dom(dom, REF + 1, GNTMAP_host_map | GNTMAP_readonly, be.ro, &hro,
                                 NULL), GNTST_okay);
    if (be.failures)
        return;
    for (unsigned int i = 0; i < PAGE_SIZE; i++)
        if ((i < GRANT_PEER_DONE_OFF || i >= GRANT_PEER_DONE_OFF + 4) &&
            (a[i] != grant_peer_byte(GRANT_PEER_SEED_A, i) ||
             b[i] != grant_peer_byte(GRANT_PEER_SEED_B, i))) {
            xtf_failure("the granted pages differ at byte %u: %#x %#x", i, a[i], b[i]);
            be.failures++;
            break;
        }
    for (unsigned int i = 0; i < GRANT_PEER_STORE_LEN; i++)
        a[i] = grant_peer_byte(GRANT_PEER_SEED_DOM0, i);

    expect_status("copy out of its grant",
                  gnttab_copy_ref(REF, dom, GRANT_PEER_COPY_OFF, virt_to_mfn(own), DOMID_SELF,
                                  0, GRANT_PEER_COPY_LEN), GNTST_okay);
    for (unsigned int i = 0; i < GRANT_PEER_COPY_LEN; i++)
        if (own[i] != grant_peer_byte(GRANT_PEER_SEED_A, GRANT_PEER_COPY_OFF + i)) {
            xtf_failure("copied byte %u is %#x", i, own[i]);
            be.failures++;
            break;
        }
    for (unsigned int i = 0; i < GRANT_PEER_COPY_LEN; i++)
        own[i] = grant_peer_byte(GRANT_PEER_SEED_COPY, i);
    expect_status("copy into its grant",
                  gnttab_copy_to_ref(virt_to_mfn(own), 0, REF, dom, GRANT_PEER_COPY_OFF,
                                     GRANT_PEER_COPY_LEN), GNTST_okay);
    expect_status("copy into its read-only grant",
                  gnttab_copy_to_ref(virt_to_mfn(own), 0, REF + 1, dom, GRANT_PEER_COPY_OFF,
                                     GRANT_PEER_COPY_LEN), GNTST_general_error);

    /* A frame side names DOMID_SELF only; another domain's id is looked up first. */
    expect_status("copy from its frame named by mfn",
                  copy_frame_of(dom, p->p2m[0], virt_to_mfn(own)), GNTST_permission_denied);
    expect_status("copy from a frame of a missing domain",
                  copy_frame_of((domid_t)(dom + 7), p->p2m[0], virt_to_mfn(own)),
                  GNTST_bad_domain);

    *(volatile uint32_t *)(a + GRANT_PEER_DONE_OFF) = GRANT_PEER_DONE;
    expect_status("unmap of the read-write grant", gnttab_unmap(h, be.va, 0), GNTST_okay);
    expect_status("unmap of the read-only grant", gnttab_unmap(hro, be.ro, 0), GNTST_okay);
    evtchn_send(p->port);
}

int test_main(void)
{
    size_t len = (size_t)(_binary_domu_grant_peer_elf_end - _binary_domu_grant_peer_elf_start);
    uint64_t free0, free1;
    long rc;

    if (grant_peer_begin(&g))
        return XTF_FAILURE;
    free0 = g.free0;
    be.va = alloc_map_slot();
    be.ro = alloc_map_slot();
    g.serve = serve;
    if (grant_peer_start(&g, _binary_domu_grant_peer_elf_start, len, GRANT_PEER_GRANTER, REF))
        return XTF_FAILURE;
    if (!grant_peer_finish(&g) || be.failures || !be.done)
        xtf_failure("dom0's side: %d failures (served: %d)", be.failures, be.done);
    rc = domu_destroy(&g.u);
    if (rc)
        return xtf_failure("destroydomain: %ld", rc);
    free1 = sysctl_free_pages_back(free0 - MAPTRACK_FRAMES);
    printk("free pages: %lu before, %lu after (dom0's maptrack frame kept)\n",
           (unsigned long)free0, (unsigned long)free1);
    if (!frames_came_back(free1, free0 - MAPTRACK_FRAMES))
        xtf_failure("%ld frames did not come back", (long)(free0 - MAPTRACK_FRAMES - free1));
    return xtf_success();
}
