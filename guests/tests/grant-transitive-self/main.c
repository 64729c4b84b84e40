/*
 * grant-transitive-self: a copy through a v2 transitive entry that points at another entry
 * of the same domain, with Xen 4.17's answers.
 *
 * A transitive entry lets its grantee copy through it to the grant it stands for
 * (trans_domid's entry gref, which must be granted to the granter).  Xen follows one level
 * and refuses an entry that points back into its own table, so a domain alone can only be
 * refused.  Measured on Xen 4.17 (and asserted here), dom0 granting to itself:
 *   - the plain grant the transitive entry would stand for copies (GNTST_okay);
 *   - a copy out of or into the transitive entry pointing at it (trans_domid = our id) is
 *     GNTST_general_error, and so it is with trans_domid DOMID_SELF or an unknown domain;
 *   - a map of the transitive entry is GNTST_general_error (copy-only);
 *   - the status words of both entries read 0 after each refusal, our frame is unchanged;
 *   - in a v1 table the same flags (type 3) are no grant: GNTST_general_error.
 */
#include "guest.h"
#include "grant.h"

const char test_title[] = "grant copy through a v2 transitive entry of our own table";

#define PLAIN 31
#define TRANS 32

static void expect(long got, long want, const char *what)
{
    if (got != want)
        xtf_failure("%s: got %ld, expected %ld", what, got, want);
}

/* A copy from (or into) our grant ref and our frame `mine`: the status. */
static int16_t copy(grant_ref_t ref, unsigned long mine, bool into_grant)
{
    struct gnttab_copy c;
    struct gnttab_copy_ptr *g = into_grant ? &c.dest : &c.source;
    struct gnttab_copy_ptr *f = into_grant ? &c.source : &c.dest;

    memset(&c, 0, sizeof(c));
    g->u.ref = ref;
    g->domid = SELF_ID;
    g->offset = 8;
    f->u.gmfn = mine;
    f->domid = DOMID_SELF;
    c.len = 4;
    c.flags = into_grant ? GNTCOPY_dest_gref : GNTCOPY_source_gref;
    if (gnttab_op(GNTTABOP_copy, &c, 1))
        xtf_failure("copy itself failed");
    return c.status;
}

static void transitive(union grant_entry_v2 *g2, domid_t trans_domid)
{
    g2[TRANS].hdr.domid = SELF_ID;
    g2[TRANS].transitive.trans_domid = trans_domid;
    g2[TRANS].transitive.gref = PLAIN;
    __atomic_store_n(&g2[TRANS].hdr.flags, GTF_transitive, __ATOMIC_SEQ_CST);
}

/* Both entries' status words are clear and the data frame is as it was. */
static void clean(const grant_status_t *st, const char *data, const char *what)
{
    expect(st[PLAIN], 0, what);
    expect(st[TRANS], 0, what);
    expect(memcmp(data + 8, "data", 4), 0, what);
}

int test_main(void)
{
    unsigned long gt_mfn, st_mfn;
    grant_entry_v1_t *gt = gnttab_map_table(1, &gt_mfn);
    union grant_entry_v2 *g2 = (union grant_entry_v2 *)gt;
    char *data = alloc_page(), *mine = alloc_page(), *slot = alloc_page();
    grant_status_t *st = alloc_page();
    unsigned long mine_mfn = virt_to_mfn(mine);
    uint64_t frames[1];
    struct gnttab_get_status_frames gs = { .nr_frames = 1, .dom = DOMID_SELF,
                                           .frame_list = (uint64_t)(uintptr_t)frames };
    unsigned int v;

    if (!gt)
        return xtf_error("no grant table");
    memcpy(data + 8, "data", 4);

    /* v1: type 3 is no grant. */
    gnttab_grant(gt, TRANS, SELF_ID, PLAIN, GTF_transitive);
    expect(copy(TRANS, mine_mfn, false), GNTST_general_error, "v1 entry of type 3");
    gnttab_grant(gt, TRANS, SELF_ID, 0, GTF_invalid);

    expect(gnttab_set_version(2, &v), 0, "set_version 2");
    if (gnttab_op(GNTTABOP_get_status_frames, &gs, 1) || gs.status != GNTST_okay)
        return xtf_error("get_status_frames failed");
    st_mfn = frames[0];
    if (pt_map_mfn((unsigned long)st, st_mfn, PTE_FLAGS_RO))
        return xtf_error("mapping the status frame failed");

    g2[PLAIN].hdr.domid = SELF_ID;
    g2[PLAIN].full_page.frame = virt_to_mfn(data);
    __atomic_store_n(&g2[PLAIN].hdr.flags, GTF_permit_access, __ATOMIC_SEQ_CST);
    expect(copy(PLAIN, mine_mfn, false), GNTST_okay, "copy of the plain grant");
    expect(memcmp(mine, "data", 4), 0, "bytes of the plain copy");
    clean(st, data, "after the plain copy");

    memcpy(mine, "MINE", 4);
    transitive(g2, SELF_ID);
    expect(copy(TRANS, mine_mfn, false), GNTST_general_error, "copy out, trans_domid = us");
    clean(st, data, "after copy out");
    expect(copy(TRANS, mine_mfn, true), GNTST_general_error, "copy in, trans_domid = us");
    clean(st, data, "after copy in");
    expect(gnttab_map(TRANS, GNTMAP_host_map, (uint64_t)(uintptr_t)slot, NULL, NULL),
           GNTST_general_error, "map of a transitive entry");
    clean(st, data, "after the map");
    transitive(g2, DOMID_SELF);
    expect(copy(TRANS, mine_mfn, false), GNTST_general_error, "trans_domid DOMID_SELF");
    clean(st, data, "after DOMID_SELF");
    transitive(g2, 7);
    expect(copy(TRANS, mine_mfn, false), GNTST_general_error, "trans_domid 7");
    clean(st, data, "after domain 7");
    expect(memcmp(mine, "MINE", 4), 0, "our frame after the refusals");

    if (pt_update_va((unsigned long)st, 0, UVMF_INVLPG))
        return xtf_error("unmapping the status frame failed");
    expect(gnttab_set_version(1, &v), 0, "set_version 1");
    return xtf_status() == XTF_RUNNING ? xtf_success() : 0;
}
