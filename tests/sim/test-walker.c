/*
 * tests/sim/test-walker.c - the simulated page walker against the SDM's rules.
 *
 * Each row of the table builds one 4-level mapping of VA 0x40201000 with
 * chosen flags at every level, sets the processor state (CPL, CR0.WP,
 * SMEP, SMAP, AC, NXE, PKE, PKRU) and performs one access; it states the
 * expected outcome and, for a #PF, the exact error code.  Further tests
 * check large pages, A/D updates, non-canonical addresses and open bus.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "walker.h"

#define NFRAMES 32
#define VA      0x40201000UL          /* L4 0, L3 1, L2 1, L1 1 */
#define L4F     1
#define L3F     2
#define L2F     3
#define L1F     4
#define DATAF   5

#define P   (1UL << 0)
#define RW  (1UL << 1)
#define US  (1UL << 2)
#define A   (1UL << 5)
#define D   (1UL << 6)
#define PS  (1UL << 7)
#define G   (1UL << 8)
#define XD  (1UL << 63)
#define PKEY(k) ((uint64_t)(k) << 59)

static struct sim_phys mem;

static uint64_t *frame(uint64_t f) { return (uint64_t *)(mem.mem + (f << 12)); }

static int setup(void **state)
{
    (void)state;
    mem.nr_frames = NFRAMES;
    mem.mem = aligned_alloc(4096, NFRAMES * 4096);
    return mem.mem ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(mem.mem);
    return 0;
}

/* Map VA with the given flags at each level (addresses filled in). */
static void build(uint64_t f4, uint64_t f3, uint64_t f2, uint64_t f1)
{
    memset(mem.mem, 0, NFRAMES * 4096);
    frame(L4F)[0] = (L3F << 12) | f4;
    frame(L3F)[1] = (L2F << 12) | f3;
    frame(L2F)[1] = (L1F << 12) | f2;
    frame(L1F)[1] = (DATAF << 12) | f1;
}

static struct sim_paging pv_user(void)
{
    struct sim_paging p = {
        .cr3 = L4F << 12, .cr0_wp = true, .cr4_smep = true, .cr4_smap = true,
        .cr4_pke = false, .cr4_pge = true, .efer_nxe = true, .eflags_ac = false,
        .cpl = 3, .pkru = 0, .maxphyaddr = 40,
    };
    return p;
}

enum cpu_variant { USER, SUPER, SUPER_AC, SUPER_NOWP, USER_NONXE, USER_PKE, SUPER_PKE,
                   SUPER_NOSMEP, SUPER_NOWP_PKE };

struct walk_case {
    const char *name;
    uint64_t f4, f3, f2, f1;
    enum cpu_variant cpu;
    uint32_t pkru;
    enum sim_access acc;
    enum sim_fault want;
    uint32_t pfec;
};

#define UP   (P | RW | US | A | D)     /* a permissive upper-level entry */
#define LF   (P | RW | US | A | D)     /* a permissive leaf */

static const struct walk_case cases[] = {
    /* not present at each level: P=0 in the error code */
    { "read, L4 not present", 0, UP, UP, LF, USER, 0, SIM_READ, SIM_PF, PFEC_USER },
    { "read, L3 not present", UP, 0, UP, LF, USER, 0, SIM_READ, SIM_PF, PFEC_USER },
    { "write, L2 not present", UP, UP, 0, LF, USER, 0, SIM_WRITE, SIM_PF, PFEC_USER | PFEC_WRITE },
    { "fetch, L1 not present", UP, UP, UP, 0, USER, 0, SIM_FETCH, SIM_PF, PFEC_USER | PFEC_INSN },
    { "fetch without NXE/SMEP: no I/D bit", UP, UP, UP, 0, USER_NONXE, 0, SIM_FETCH, SIM_PF, PFEC_USER },
    { "supervisor read, not present", UP, UP, UP, 0, SUPER, 0, SIM_READ, SIM_PF, 0 },
    /* plain success */
    { "user read", UP, UP, UP, LF, USER, 0, SIM_READ, SIM_OK, 0 },
    { "user write", UP, UP, UP, LF, USER, 0, SIM_WRITE, SIM_OK, 0 },
    { "user fetch", UP, UP, UP, LF, USER, 0, SIM_FETCH, SIM_OK, 0 },
    /* R/W */
    { "user write, leaf read-only", UP, UP, UP, LF & ~RW, USER, 0, SIM_WRITE, SIM_PF,
      PFEC_PRESENT | PFEC_WRITE | PFEC_USER },
    { "user write, L3 read-only", UP, UP & ~RW, UP, LF, USER, 0, SIM_WRITE, SIM_PF,
      PFEC_PRESENT | PFEC_WRITE | PFEC_USER },
    { "user read, read-only is fine", UP, UP & ~RW, UP, LF & ~RW, USER, 0, SIM_READ, SIM_OK, 0 },
    { "supervisor write, RO, WP=1", UP, UP, UP, (LF & ~RW & ~US), SUPER, 0, SIM_WRITE, SIM_PF,
      PFEC_PRESENT | PFEC_WRITE },
    { "supervisor write, RO, WP=0", UP, UP, UP, (LF & ~RW & ~US), SUPER_NOWP, 0, SIM_WRITE, SIM_OK, 0 },
    /* U/S */
    { "user read, leaf supervisor", UP, UP, UP, LF & ~US, USER, 0, SIM_READ, SIM_PF,
      PFEC_PRESENT | PFEC_USER },
    { "user read, L4 supervisor", UP & ~US, UP, UP, LF, USER, 0, SIM_READ, SIM_PF,
      PFEC_PRESENT | PFEC_USER },
    { "supervisor read, supervisor page", UP & ~US, UP, UP, LF, SUPER, 0, SIM_READ, SIM_OK, 0 },
    /* NX */
    { "user fetch, leaf NX", UP, UP, UP, LF | XD, USER, 0, SIM_FETCH, SIM_PF,
      PFEC_PRESENT | PFEC_USER | PFEC_INSN },
    { "user fetch, L2 NX", UP, UP, UP | XD, LF, USER, 0, SIM_FETCH, SIM_PF,
      PFEC_PRESENT | PFEC_USER | PFEC_INSN },
    { "user read, NX page is readable", UP, UP, UP, LF | XD, USER, 0, SIM_READ, SIM_OK, 0 },
    { "bit 63 without NXE is reserved", UP, UP, UP, LF | XD, USER_NONXE, 0, SIM_READ, SIM_PF,
      PFEC_PRESENT | PFEC_RSVD | PFEC_USER },
    /* SMEP / SMAP */
    { "SMEP: supervisor fetch from user page", UP, UP, UP, LF, SUPER, 0, SIM_FETCH, SIM_PF,
      PFEC_PRESENT | PFEC_INSN },
    { "no SMEP: supervisor fetch from user page", UP, UP, UP, LF, SUPER_NOSMEP, 0, SIM_FETCH, SIM_OK, 0 },
    { "SMEP: supervisor fetch from supervisor page", UP, UP, UP, LF & ~US, SUPER, 0, SIM_FETCH, SIM_OK, 0 },
    { "SMAP: supervisor read of user page", UP, UP, UP, LF, SUPER, 0, SIM_READ, SIM_PF, PFEC_PRESENT },
    { "SMAP: supervisor write of user page", UP, UP, UP, LF, SUPER, 0, SIM_WRITE, SIM_PF,
      PFEC_PRESENT | PFEC_WRITE },
    { "SMAP with AC: read allowed", UP, UP, UP, LF, SUPER_AC, 0, SIM_READ, SIM_OK, 0 },
    { "SMAP with AC: write to RO user page, WP", UP, UP, UP, LF & ~RW, SUPER_AC, 0, SIM_WRITE, SIM_PF,
      PFEC_PRESENT | PFEC_WRITE },
    /* reserved bits */
    { "PS in an L4 entry is reserved", UP | PS, UP, UP, LF, USER, 0, SIM_READ, SIM_PF,
      PFEC_PRESENT | PFEC_RSVD | PFEC_USER },
    { "address bit above MAXPHYADDR in L1", UP, UP, UP, LF | (1UL << 45), USER, 0, SIM_WRITE, SIM_PF,
      PFEC_PRESENT | PFEC_RSVD | PFEC_USER | PFEC_WRITE },
    { "address bit above MAXPHYADDR in L3", UP, UP | (1UL << 51), UP, LF, USER, 0, SIM_FETCH, SIM_PF,
      PFEC_PRESENT | PFEC_RSVD | PFEC_USER | PFEC_INSN },
    { "reserved beats a later not-present", UP | (1UL << 48), UP, UP, 0, USER, 0, SIM_READ, SIM_PF,
      PFEC_PRESENT | PFEC_RSVD | PFEC_USER },
    { "bits 52..62 are ignored without PKE", UP | (0x7FFUL << 52), UP, UP, LF | (0x7FFUL << 52), USER, 0,
      SIM_READ, SIM_OK, 0 },
    /* protection keys */
    { "PK: access disabled", UP, UP, UP, LF | PKEY(3), USER_PKE, 1U << 6, SIM_READ, SIM_PF,
      PFEC_PRESENT | PFEC_USER | PFEC_PK },
    { "PK: write disabled, read ok", UP, UP, UP, LF | PKEY(3), USER_PKE, 1U << 7, SIM_READ, SIM_OK, 0 },
    { "PK: write disabled, write", UP, UP, UP, LF | PKEY(3), USER_PKE, 1U << 7, SIM_WRITE, SIM_PF,
      PFEC_PRESENT | PFEC_USER | PFEC_WRITE | PFEC_PK },
    { "PK: other key unaffected", UP, UP, UP, LF | PKEY(2), USER_PKE, 3U << 6, SIM_WRITE, SIM_OK, 0 },
    { "PK: fetch ignores keys", UP, UP, UP, LF | PKEY(3), USER_PKE, 3U << 6, SIM_FETCH, SIM_OK, 0 },
    { "PK: supervisor pages have no key", UP, UP, UP, (LF & ~US) | PKEY(3), SUPER_PKE, 3U << 6,
      SIM_WRITE, SIM_OK, 0 },
    { "PK: supervisor write to user page, WD, WP=1", UP, UP, UP, LF | PKEY(1), SUPER_PKE, 1U << 3,
      SIM_WRITE, SIM_PF, PFEC_PRESENT | PFEC_WRITE | PFEC_PK },
    { "PK: supervisor write to user page, WD, WP=0", UP, UP, UP, LF | PKEY(1), SUPER_NOWP_PKE, 1U << 3,
      SIM_WRITE, SIM_OK, 0 },
    { "PK and R/W both refuse: both bits", UP, UP, UP, (LF & ~RW) | PKEY(1), USER_PKE, 1U << 3,
      SIM_WRITE, SIM_PF, PFEC_PRESENT | PFEC_USER | PFEC_WRITE | PFEC_PK },
};

static struct sim_paging cpu_for(enum cpu_variant v, uint32_t pkru)
{
    struct sim_paging p = pv_user();

    p.pkru = pkru;
    switch (v) {
    case USER: break;
    case SUPER: p.cpl = 0; break;
    case SUPER_AC: p.cpl = 0; p.eflags_ac = true; break;
    case SUPER_NOWP: p.cpl = 0; p.cr0_wp = false; break;
    case USER_NONXE: p.efer_nxe = false; p.cr4_smep = false; break;
    case USER_PKE: p.cr4_pke = true; break;
    case SUPER_PKE: p.cpl = 0; p.cr4_pke = true; p.eflags_ac = true; break;
    case SUPER_NOSMEP: p.cpl = 0; p.cr4_smep = false; break;
    case SUPER_NOWP_PKE: p.cpl = 0; p.cr0_wp = false; p.cr4_pke = true; p.eflags_ac = true; break;
    }
    return p;
}

static void test_walk_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct walk_case *c = &cases[i];
        struct sim_paging p = cpu_for(c->cpu, c->pkru);
        struct sim_walk_result r;
        enum sim_fault got;

        build(c->f4, c->f3, c->f2, c->f1);
        got = sim_walk(&mem, &p, VA + 0x123, c->acc, true, &r);
        if (got != c->want || (got == SIM_PF && r.pfec != c->pfec))
            fail_msg("case '%s': got fault %d pfec %#x, want fault %d pfec %#x",
                     c->name, got, r.pfec, c->want, c->pfec);
        if (got == SIM_OK)
            assert_int_equal(r.t.pa_page, DATAF << 12);
    }
}

/* A and D are set on success only; D only by writes. */
static void test_accessed_dirty(void **state)
{
    struct sim_paging p = pv_user();
    struct sim_walk_result r;

    (void)state;
    build(P | RW | US, P | RW | US, P | RW | US, P | RW | US);
    assert_int_equal(sim_walk(&mem, &p, VA, SIM_READ, true, &r), SIM_OK);
    assert_true(frame(L4F)[0] & A);
    assert_true(frame(L3F)[1] & A);
    assert_true(frame(L2F)[1] & A);
    assert_true(frame(L1F)[1] & A);
    assert_false(frame(L1F)[1] & D);
    assert_false(frame(L2F)[1] & D);
    assert_false(r.t.dirty);
    assert_int_equal(sim_walk(&mem, &p, VA, SIM_WRITE, true, &r), SIM_OK);
    assert_true(frame(L1F)[1] & D);
    assert_false(frame(L2F)[1] & D);
    assert_true(r.t.dirty);

    /* A faulting walk leaves A alone. */
    build(P | RW | US, P | RW | US, P | RW | US, P | US);
    assert_int_equal(sim_walk(&mem, &p, VA, SIM_WRITE, true, &r), SIM_PF);
    assert_false(frame(L4F)[0] & A);
    assert_false(frame(L1F)[1] & (A | D));
    /* Without set_ad nothing is written either. */
    assert_int_equal(sim_walk(&mem, &p, VA, SIM_READ, false, &r), SIM_OK);
    assert_false(frame(L4F)[0] & A);
}

/* 2 MiB and 1 GiB leaves, and their reserved bits. */
static void test_large_pages(void **state)
{
    struct sim_paging p = pv_user();
    struct sim_walk_result r;
    uint64_t va2m = 0x40200000UL + 0x5000;    /* L2 slot 1 of L3 slot 1 */

    (void)state;
    build(UP, UP, UP, LF);
    frame(L2F)[1] = 0x600000UL | P | RW | US | PS;    /* 2 MiB at pa 6 MiB */
    assert_int_equal(sim_walk(&mem, &p, va2m, SIM_READ, true, &r), SIM_OK);
    assert_int_equal(r.t.page_size, 2UL << 20);
    assert_int_equal(r.t.pa_page, 0x605000UL);
    assert_true(frame(L2F)[1] & A);

    frame(L2F)[1] = 0x600000UL | (1UL << 13) | P | RW | US | PS;  /* bit 13: reserved */
    assert_int_equal(sim_walk(&mem, &p, va2m, SIM_READ, true, &r), SIM_PF);
    assert_int_equal(r.pfec, PFEC_PRESENT | PFEC_RSVD | PFEC_USER);
    frame(L2F)[1] = 0x600000UL | (1UL << 12) | P | RW | US | PS;  /* bit 12: PAT, legal */
    assert_int_equal(sim_walk(&mem, &p, va2m, SIM_READ, true, &r), SIM_OK);

    frame(L3F)[1] = 0x40000000UL | P | RW | US | PS;  /* 1 GiB at 1 GiB */
    assert_int_equal(sim_walk(&mem, &p, VA, SIM_READ, true, &r), SIM_OK);
    assert_int_equal(r.t.page_size, 1UL << 30);
    assert_int_equal(r.t.pa_page, 0x40000000UL + (VA & ((1UL << 30) - 1)));
    frame(L3F)[1] = 0x40000000UL | (1UL << 20) | P | RW | US | PS;  /* bits 29:13 reserved */
    assert_int_equal(sim_walk(&mem, &p, VA, SIM_READ, true, &r), SIM_PF);
    assert_true(r.pfec & PFEC_RSVD);
}

static void test_non_canonical(void **state)
{
    struct sim_paging p = pv_user();
    struct sim_walk_result r;

    (void)state;
    build(UP, UP, UP, LF);
    assert_int_equal(sim_walk(&mem, &p, 0x0000800000000000UL, SIM_READ, true, &r), SIM_GP);
    assert_int_equal(sim_walk(&mem, &p, 0xFFFF7FFFFFFFF000UL, SIM_READ, true, &r), SIM_GP);
    assert_true(sim_canonical(0xFFFF800000000000UL));
}

/* Tables outside memory read as all ones: reserved bits, so a RSVD fault. */
static void test_open_bus(void **state)
{
    struct sim_paging p = pv_user();
    struct sim_walk_result r;

    (void)state;
    build(UP, UP, UP, LF);
    frame(L2F)[1] = (1000UL << 12) | UP;
    assert_int_equal(sim_walk(&mem, &p, VA, SIM_READ, true, &r), SIM_PF);
    assert_int_equal(r.pfec, PFEC_PRESENT | PFEC_RSVD | PFEC_USER);
    assert_int_equal(sim_phys_read64(&mem, 1000UL << 12), ~0UL);
}

/* Global flag: only with CR4.PGE. */
static void test_global(void **state)
{
    struct sim_paging p = pv_user();
    struct sim_walk_result r;

    (void)state;
    build(UP, UP, UP, LF | G);
    assert_int_equal(sim_walk(&mem, &p, VA, SIM_READ, true, &r), SIM_OK);
    assert_true(r.t.global);
    p.cr4_pge = false;
    assert_int_equal(sim_walk(&mem, &p, VA, SIM_READ, true, &r), SIM_OK);
    assert_false(r.t.global);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walk_table),
        cmocka_unit_test(test_accessed_dirty),
        cmocka_unit_test(test_large_pages),
        cmocka_unit_test(test_non_canonical),
        cmocka_unit_test(test_open_bus),
        cmocka_unit_test(test_global),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
