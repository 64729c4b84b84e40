/*
 * tests/test-grant-transitive.c - copies through v2 transitive grants
 * (core/grant-transitive.c): d1 grants a frame to d2, d2 passes it on to d3 with a
 * transitive entry, d3 copies through it.  Each rule of Xen 4.17's acquire_grant_for_copy:
 * read-only anywhere on the way, the self-referential entry, a missing domain, one level
 * only (which also ends loops), the way back to the copier, the end grant's sub-page
 * window, maps refused, and the retry when the entry changes while it is followed.  The
 * auditor runs after every step; no pin or status bit outlives a copy.
 */
#include "grant-helpers.h"

#include <string.h>

#define END_REF   10     /* d1's grant to d2 */
#define TRANS_REF 20     /* d2's transitive entry for d3 */

struct tfx {
    struct gfx g;
    struct domain *d2, *d3;
    union grant_entry_v2 *e2;    /* d2's entries (v2) */
    mfn_t data;                  /* d1's granted frame */
    mfn_t mine;                  /* d3's own frame */
};

/* Set up d2's table as v2 and point transitive entry TRANS_REF at (to_dom, to_ref). */
static struct tfx tfx_new(void)
{
    struct tfx t;
    struct gnttab_set_version sv = { .version = 2 };

    t.g = gfx_new();
    t.d2 = harness_domain(t.g.f.h, 2, false);
    t.d3 = harness_domain(t.g.f.h, 3, false);
    t.e2 = (union grant_entry_v2 *)harness_pt(t.g.f.h, setup_frames(&t.d2->vcpu[0], 1));
    assert_int_equal(gop(&t.d2->vcpu[0], GNTTABOP_set_version, &sv, 1), 0);
    t.data = t.g.as.data[1];
    t.mine = harness_alloc(t.g.f.h, t.d3);
    memcpy(harness_pt(t.g.f.h, t.data), "granted by d1", 14);
    grant(&t.g, END_REF, 2, t.data, GTF_permit_access);
    return t;
}

static void transitive(struct tfx *t, grant_ref_t ref, domid_t to, domid_t trans_domid,
                       grant_ref_t trans_gref, uint16_t extra)
{
    t->e2[ref].hdr.domid = to;
    t->e2[ref].transitive.trans_domid = trans_domid;
    t->e2[ref].transitive.gref = trans_gref;
    t->e2[ref].hdr.flags = (uint16_t)(GTF_transitive | extra);
}

/* d2's v2 status word of ref. */
static uint16_t status2(struct tfx *t, grant_ref_t ref)
{
    return *gnttab_status_word(t->d2, ref);
}

/* d3 copies len bytes from (d2, ref) at off to its own frame (to_grant: the other way). */
static int16_t copy3(struct tfx *t, grant_ref_t ref, unsigned int off, unsigned int len,
                     bool to_grant)
{
    struct gnttab_copy c;
    struct gnttab_copy_ptr *g = to_grant ? &c.dest : &c.source;
    struct gnttab_copy_ptr *f = to_grant ? &c.source : &c.dest;

    memset(&c, 0, sizeof(c));
    g->u.ref = ref;
    g->domid = 2;
    g->offset = (uint16_t)off;
    f->u.gmfn = t->mine;
    f->domid = DOMID_SELF;
    c.len = (uint16_t)len;
    c.flags = to_grant ? GNTCOPY_dest_gref : GNTCOPY_source_gref;
    assert_int_equal(gop(&t->d3->vcpu[0], GNTTABOP_copy, &c, 1), 0);
    return c.status;
}

/* Nothing pinned, no status bit left anywhere on the way; the auditor agrees. */
static void assert_released(struct tfx *t)
{
    assert_int_equal(pvmm_grant_pin(t->d2, TRANS_REF), 0);
    assert_int_equal(pvmm_grant_pin(t->g.f.d, END_REF), 0);
    assert_int_equal(status2(t, TRANS_REF), 0);
    assert_int_equal(t->g.e1[END_REF].flags & (GTF_reading | GTF_writing), 0);
    harness_audit(t->g.f.h);
}

static void test_transitive_copy_both_ways(void **state)
{
    struct tfx t = tfx_new();

    (void)state;
    transitive(&t, TRANS_REF, 3, 1, END_REF, 0);
    assert_int_equal(copy3(&t, TRANS_REF, 0, 14, false), GNTST_okay);
    assert_memory_equal(harness_pt(t.g.f.h, t.mine), "granted by d1", 14);
    assert_released(&t);
    memcpy(harness_pt(t.g.f.h, t.mine), "written by d3", 14);
    assert_int_equal(copy3(&t, TRANS_REF, 100, 14, true), GNTST_okay);
    assert_memory_equal((char *)harness_pt(t.g.f.h, t.data) + 100, "written by d3", 14);
    assert_released(&t);
    harness_free(t.g.f.h);
}

/* A read-only grant anywhere on the way makes the copy read-only. */
static void test_transitive_readonly_propagates(void **state)
{
    struct tfx t = tfx_new();

    (void)state;
    transitive(&t, TRANS_REF, 3, 1, END_REF, GTF_readonly);
    assert_int_equal(copy3(&t, TRANS_REF, 0, 8, false), GNTST_okay);
    assert_int_equal(copy3(&t, TRANS_REF, 0, 8, true), GNTST_general_error);
    assert_reason(&t.d3->vcpu[0], PVMM_RULE_GRANT_NOT_PERMITTED);
    assert_released(&t);
    transitive(&t, TRANS_REF, 3, 1, END_REF, 0);
    grant(&t.g, END_REF, 2, t.data, GTF_permit_access | GTF_readonly);
    assert_int_equal(copy3(&t, TRANS_REF, 0, 8, false), GNTST_okay);
    assert_int_equal(copy3(&t, TRANS_REF, 0, 8, true), GNTST_general_error);
    assert_reason(&t.d3->vcpu[0], PVMM_RULE_GRANT_NOT_PERMITTED);
    assert_int_equal(pvmm_last_reason(&t.d3->vcpu[0])->index, END_REF);
    assert_released(&t);
    harness_free(t.g.f.h);
}

/* Refusals: back into its own table, no such domain, a second level, not our grant. */
static void test_transitive_refusals(void **state)
{
    struct tfx t = tfx_new();
    struct gnttab_set_version sv = { .version = 2 };
    union grant_entry_v2 *e1;
    char text[1024];

    (void)state;
    transitive(&t, TRANS_REF, 3, 2, 21, 0);
    assert_int_equal(copy3(&t, TRANS_REF, 0, 8, false), GNTST_general_error);
    assert_reason(&t.d3->vcpu[0], PVMM_RULE_GRANT_TRANSITIVE_SELF);
    pvmm_reason_format(pvmm_last_reason(&t.d3->vcpu[0]), text, sizeof(text));
    assert_non_null(strstr(text, "copy failed: GNTST_general_error (grant-transitive-self)"));
    assert_non_null(strstr(text, "entry 20"));
    assert_released(&t);

    transitive(&t, TRANS_REF, 3, 9, END_REF, 0);
    assert_int_equal(copy3(&t, TRANS_REF, 0, 8, false), GNTST_general_error);
    assert_reason(&t.d3->vcpu[0], PVMM_RULE_BAD_DOMID);
    assert_released(&t);

    /* Granted to d4, not to d3. */
    transitive(&t, TRANS_REF, 4, 1, END_REF, 0);
    assert_int_equal(copy3(&t, TRANS_REF, 0, 8, false), GNTST_general_error);
    assert_reason(&t.d3->vcpu[0], PVMM_RULE_GRANT_NOT_PERMITTED);
    assert_released(&t);

    /* The end grant is not granted to d2 but to d3 itself. */
    transitive(&t, TRANS_REF, 3, 1, END_REF, 0);
    grant(&t.g, END_REF, 3, t.data, GTF_permit_access);
    assert_int_equal(copy3(&t, TRANS_REF, 0, 8, false), GNTST_general_error);
    assert_reason(&t.d3->vcpu[0], PVMM_RULE_GRANT_NOT_PERMITTED);
    assert_released(&t);

    /* One level only: d1's entry is transitive too (a loop back to d2:20 ends here). */
    assert_int_equal(gop(t.g.f.v, GNTTABOP_set_version, &sv, 1), 0);
    e1 = (union grant_entry_v2 *)t.g.e1;
    e1[END_REF].hdr.domid = 2;
    e1[END_REF].transitive.trans_domid = 2;
    e1[END_REF].transitive.gref = TRANS_REF;
    e1[END_REF].hdr.flags = GTF_transitive;
    assert_int_equal(copy3(&t, TRANS_REF, 0, 8, false), GNTST_general_error);
    assert_reason(&t.d3->vcpu[0], PVMM_RULE_GRANT_TRANSITIVE_DEPTH);
    assert_int_equal(pvmm_grant_pin(t.d2, TRANS_REF), 0);
    assert_int_equal(status2(&t, TRANS_REF), 0);
    harness_audit(t.g.f.h);
    harness_free(t.g.f.h);
}

/* A v1 table has no transitive entries: type 3 is refused as any non-grant. */
static void test_transitive_needs_v2(void **state)
{
    struct tfx t = tfx_new();
    struct gnttab_set_version sv = { .version = 1 };
    struct grant_entry_v1 *e1;

    (void)state;
    assert_int_equal(gop(&t.d2->vcpu[0], GNTTABOP_set_version, &sv, 1), 0);
    e1 = (struct grant_entry_v1 *)t.e2;
    e1[TRANS_REF] = (struct grant_entry_v1){ .flags = GTF_transitive, .domid = 3,
                                             .frame = END_REF };
    assert_int_equal(copy3(&t, TRANS_REF, 0, 8, false), GNTST_general_error);
    assert_reason(&t.d3->vcpu[0], PVMM_RULE_GRANT_NOT_PERMITTED);
    harness_audit(t.g.f.h);
    harness_free(t.g.f.h);
}

/* The way back: d3 grants d2 its frame, and d2 passes it back to d3 transitively. */
static void test_transitive_back_to_copier(void **state)
{
    struct tfx t = tfx_new();
    mfn_t other = harness_alloc(t.g.f.h, t.d3);
    struct grant_entry_v1 *e3 =
        (struct grant_entry_v1 *)harness_pt(t.g.f.h, setup_frames(&t.d3->vcpu[0], 1));

    (void)state;
    memcpy(harness_pt(t.g.f.h, other), "own frame", 10);
    e3[5] = (struct grant_entry_v1){ .flags = GTF_permit_access, .domid = 2,
                                     .frame = (uint32_t)other };
    transitive(&t, TRANS_REF, 3, 3, 5, 0);
    assert_int_equal(copy3(&t, TRANS_REF, 0, 10, false), GNTST_okay);
    assert_memory_equal(harness_pt(t.g.f.h, t.mine), "own frame", 10);
    assert_int_equal(pvmm_grant_pin(t.d3, 5), 0);
    assert_int_equal(e3[5].flags, GTF_permit_access);
    harness_audit(t.g.f.h);
    harness_free(t.g.f.h);
}

/* The end grant's sub-page window is the copy's. */
static void test_transitive_sub_page_window(void **state)
{
    struct tfx t = tfx_new();
    struct gnttab_set_version sv = { .version = 2 };
    union grant_entry_v2 *e1;

    (void)state;
    assert_int_equal(gop(t.g.f.v, GNTTABOP_set_version, &sv, 1), 0);
    e1 = (union grant_entry_v2 *)t.g.e1;
    e1[END_REF].hdr.domid = 2;
    e1[END_REF].sub_page.page_off = 100;
    e1[END_REF].sub_page.length = 50;
    e1[END_REF].sub_page.frame = t.data;
    e1[END_REF].hdr.flags = GTF_permit_access | GTF_sub_page;
    transitive(&t, TRANS_REF, 3, 1, END_REF, 0);
    assert_int_equal(copy3(&t, TRANS_REF, 100, 50, false), GNTST_okay);
    assert_int_equal(copy3(&t, TRANS_REF, 90, 20, false), GNTST_general_error);
    assert_reason(&t.d3->vcpu[0], PVMM_RULE_GRANT_BAD_COPY);
    assert_int_equal(pvmm_grant_pin(t.d2, TRANS_REF), 0);
    harness_audit(t.g.f.h);
    harness_free(t.g.f.h);
}

/* Transitive and sub-page grants are copy-only: maps are refused, pinned or not. */
static void test_transitive_map_refused(void **state)
{
    struct tfx t = tfx_new();
    struct active_grant_entry *act;

    (void)state;
    transitive(&t, TRANS_REF, 3, 1, END_REF, 0);
    assert_int_equal(map(&t.d3->vcpu[0], 2, TRANS_REF, GNTMAP_device_map, 0, NULL),
                     GNTST_general_error);
    assert_reason(&t.d3->vcpu[0], PVMM_RULE_GRANT_COPY_ONLY);
    t.e2[21].hdr.domid = 3;
    t.e2[21].sub_page.page_off = 0;
    t.e2[21].sub_page.length = 8;
    t.e2[21].sub_page.frame = t.data;
    t.e2[21].hdr.flags = GTF_permit_access | GTF_sub_page;
    assert_int_equal(map(&t.d3->vcpu[0], 2, 21, GNTMAP_device_map, 0, NULL),
                     GNTST_general_error);
    assert_reason(&t.d3->vcpu[0], PVMM_RULE_GRANT_COPY_ONLY);
    harness_audit(t.g.f.h);

    /* A copy in flight on another vCPU holds a copy-only pin: a map cannot join it. */
    act = gnttab_active(t.d2, TRANS_REF);
    *act = (struct active_grant_entry){ .pin = GNTPIN_hstr_inc, .domid = 3, .mfn = t.data,
                                        .length = PAGE_SIZE, .is_sub_page = true,
                                        .transitive = true, .trans_domid = 1,
                                        .trans_gref = END_REF };
    t.e2[TRANS_REF].hdr.flags = GTF_permit_access;
    assert_int_equal(map(&t.d3->vcpu[0], 2, TRANS_REF, GNTMAP_device_map, 0, NULL),
                     GNTST_general_error);
    assert_reason(&t.d3->vcpu[0], PVMM_RULE_GRANT_COPY_ONLY);
    /* ... nor a copy through what the entry says now. */
    assert_int_equal(copy3(&t, TRANS_REF, 0, 8, false), GNTST_general_error);
    assert_reason(&t.d3->vcpu[0], PVMM_RULE_GRANT_PINNED_ELSEWHERE);
    act->pin = 0;
    harness_audit(t.g.f.h);
    harness_free(t.g.f.h);
}

/*
 * A copy that finds the transitive entry pinned by another copy in flight (another vCPU's,
 * played here by pins set by hand) joins it: one more pin of each grant on the way, the
 * same window, and both given back.
 */
static void test_transitive_joins_a_copy_in_flight(void **state)
{
    struct tfx t = tfx_new();
    struct active_grant_entry *outer = gnttab_active(t.d2, TRANS_REF);
    struct active_grant_entry *end = gnttab_active(t.g.f.d, END_REF);

    (void)state;
    transitive(&t, TRANS_REF, 3, 1, END_REF, 0);
    *end = (struct active_grant_entry){ .pin = GNTPIN_hstr_inc, .domid = 2, .mfn = t.data,
                                        .length = PAGE_SIZE };
    *outer = (struct active_grant_entry){ .pin = GNTPIN_hstr_inc, .domid = 3, .mfn = t.data,
                                          .length = PAGE_SIZE, .is_sub_page = true,
                                          .transitive = true, .trans_domid = 1,
                                          .trans_gref = END_REF };
    *gnttab_status_word(t.d2, TRANS_REF) = GTF_reading;
    t.g.e1[END_REF].flags |= GTF_reading;
    assert_int_equal(copy3(&t, TRANS_REF, 0, 14, false), GNTST_okay);
    assert_memory_equal(harness_pt(t.g.f.h, t.mine), "granted by d1", 14);
    assert_int_equal(outer->pin, GNTPIN_hstr_inc);
    assert_int_equal(end->pin, GNTPIN_hstr_inc);
    assert_int_equal(status2(&t, TRANS_REF), GTF_reading);
    outer->pin = end->pin = 0;
    *gnttab_status_word(t.d2, TRANS_REF) = 0;
    t.g.e1[END_REF].flags = GTF_permit_access;
    assert_released(&t);
    harness_free(t.g.f.h);
}

/* An entry mapped as an ordinary grant that then turns transitive is not followed. */
static void test_transitive_over_a_mapped_grant(void **state)
{
    struct tfx t = tfx_new();
    mfn_t own = harness_alloc(t.g.f.h, t.d2);
    grant_handle_t h;

    (void)state;
    t.e2[TRANS_REF].hdr.domid = 3;
    t.e2[TRANS_REF].full_page.frame = own;
    t.e2[TRANS_REF].hdr.flags = GTF_permit_access;
    assert_int_equal(map(&t.d3->vcpu[0], 2, TRANS_REF, GNTMAP_device_map | GNTMAP_readonly,
                         0, &h), GNTST_okay);
    transitive(&t, TRANS_REF, 3, 1, END_REF, 0);
    assert_int_equal(copy3(&t, TRANS_REF, 0, 8, false), GNTST_general_error);
    assert_reason(&t.d3->vcpu[0], PVMM_RULE_GRANT_PINNED_ELSEWHERE);
    assert_int_equal(pvmm_grant_pin(t.g.f.d, END_REF), 0);
    harness_audit(t.g.f.h);
    assert_int_equal(unmap(&t.d3->vcpu[0], h, 0, (uint64_t)own << PAGE_SHIFT), GNTST_okay);
    harness_audit(t.g.f.h);
    harness_free(t.g.f.h);
}

/*
 * The entry's pins change while d2's lock is dropped (another vCPU's copy, played here by a
 * hook on the mapping of d1's active entries): the copy is undone and retried.
 */
static struct tfx *restart_fx;
static unsigned int restart_calls;

static void restart_hook(struct harness *h, mfn_t mfn)
{
    struct active_grant_entry *act;

    (void)h;
    if (mfn != restart_fx->g.f.d->grant_table.active[0])
        return;
    restart_calls++;
    act = (struct active_grant_entry *)harness_pt(h, restart_fx->d2->grant_table.active[0]) +
          TRANS_REF;
    if (restart_calls == 1)
        act->pin += GNTPIN_hstr_inc;      /* while d1's entry is being pinned */
    else if (restart_calls == 2)
        act->pin -= GNTPIN_hstr_inc;      /* while it is given back */
}

static void test_transitive_changed_while_followed(void **state)
{
    struct tfx t = tfx_new();
    unsigned long conts = 0;
    struct gnttab_copy c;
    long rc;

    (void)state;
    transitive(&t, TRANS_REF, 3, 1, END_REF, 0);
    memset(&c, 0, sizeof(c));
    c.source.u.ref = TRANS_REF;
    c.source.domid = 2;
    c.dest.u.gmfn = t.mine;
    c.dest.domid = DOMID_SELF;
    c.len = 8;
    c.flags = GNTCOPY_source_gref;
    restart_fx = &t;
    restart_calls = 0;
    t.g.f.h->map_hook = restart_hook;
    rc = do_grant_table_op(&t.d3->vcpu[0], GNTTABOP_copy, (uint64_t)(uintptr_t)&c, 1);
    while (t.d3->vcpu[0].cont.pending) {
        struct pvmm_continuation k = t.d3->vcpu[0].cont;

        t.d3->vcpu[0].cont.pending = false;
        conts++;
        rc = do_grant_table_op(&t.d3->vcpu[0], (unsigned int)k.args[0], k.args[1],
                               (unsigned int)k.args[2]);
    }
    t.g.f.h->map_hook = NULL;
    assert_int_equal(rc, 0);
    assert_int_equal(conts, 1);
    assert_true(restart_calls >= 3);
    assert_int_equal(c.status, GNTST_okay);
    assert_memory_equal(harness_pt(t.g.f.h, t.mine), "granted ", 8);
    assert_released(&t);
    harness_free(t.g.f.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transitive_copy_both_ways),
        cmocka_unit_test(test_transitive_readonly_propagates),
        cmocka_unit_test(test_transitive_refusals),
        cmocka_unit_test(test_transitive_needs_v2),
        cmocka_unit_test(test_transitive_back_to_copier),
        cmocka_unit_test(test_transitive_sub_page_window),
        cmocka_unit_test(test_transitive_map_refused),
        cmocka_unit_test(test_transitive_joins_a_copy_in_flight),
        cmocka_unit_test(test_transitive_over_a_mapped_grant),
        cmocka_unit_test(test_transitive_changed_while_followed),
    };
    return cmocka_run_group_tests_name("grant-transitive", tests, NULL, NULL);
}
