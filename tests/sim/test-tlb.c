/*
 * tests/sim/test-tlb.c - the TLB model makes a missing flush observable.
 *
 * A processor (struct sim_cpu) translates through its TLB; the tests change
 * page-table entries in memory behind its back and check which changes it
 * sees: none until INVLPG, a CR3 write or a full flush, except that global
 * entries survive CR3 writes.  Also: permission upgrades are picked up
 * without a flush (the hardware's spurious-fault retry), a fault leaves no
 * entry behind, and large pages are dropped whole by INVLPG.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cpu.h"

#define NFRAMES 32
#define P   (1UL << 0)
#define RW  (1UL << 1)
#define US  (1UL << 2)
#define PS  (1UL << 7)
#define G   (1UL << 8)
#define UP  (P | RW | US)

static struct sim_phys mem;
static struct sim_cpu cpu;

static uint64_t *frame(uint64_t f) { return (uint64_t *)(mem.mem + (f << 12)); }

/* L4 frame 1 -> L3 frame 2 -> L2 frame 3 -> L1 frame 4; VA page n -> frame 10+n. */
static int setup(void **state)
{
    (void)state;
    mem.nr_frames = NFRAMES;
    mem.mem = aligned_alloc(4096, NFRAMES * 4096);
    if (!mem.mem)
        return -1;
    memset(mem.mem, 0, NFRAMES * 4096);
    frame(1)[0] = (2UL << 12) | UP;
    frame(2)[0] = (3UL << 12) | UP;
    frame(3)[0] = (4UL << 12) | UP;
    for (uint64_t n = 0; n < 8; n++) {
        frame(4)[n] = ((10 + n) << 12) | UP;
        frame(10 + n)[0] = 0x1000 + n;          /* a marker in every data page */
    }
    sim_cpu_init(&cpu, 40);
    sim_cpu_write_cr3(&cpu, 1UL << 12);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(mem.mem);
    return 0;
}

static uint64_t rd(uint64_t va)
{
    struct sim_fault_info f;
    uint64_t v = 0;

    assert_int_equal(sim_cpu_access(&cpu, &mem, va, SIM_READ, &v, 8, &f), SIM_OK);
    return v;
}

/* Remap VA page 0 to frame 17 in memory, without telling the TLB. */
static void remap_page0(uint64_t flags)
{
    frame(4)[0] = (17UL << 12) | flags;
}

static void test_stale_entry_survives_missing_invlpg(void **state)
{
    (void)state;
    assert_int_equal(rd(0), 0x1000);          /* cached: page 0 -> frame 10 */
    remap_page0(UP);
    assert_int_equal(rd(0), 0x1000);          /* stale translation still used */
    sim_tlb_invlpg(&cpu.tlb, 0x123);
    assert_int_equal(rd(0), 0x1007);          /* frame 17 */
}

static void test_stale_unmapped_page_still_readable(void **state)
{
    struct sim_fault_info f;
    uint64_t v;

    (void)state;
    assert_int_equal(rd(0x1000), 0x1001);
    frame(4)[1] = 0;                          /* unmap page 1, no flush */
    assert_int_equal(rd(0x1000), 0x1001);
    sim_tlb_invlpg(&cpu.tlb, 0x1000);
    assert_int_equal(sim_cpu_access(&cpu, &mem, 0x1000, SIM_READ, &v, 8, &f), SIM_PF);
    assert_int_equal(f.pfec, PFEC_USER);
    assert_int_equal(cpu.cr2, 0x1000);
}

static void test_stale_writable_entry(void **state)
{
    struct sim_fault_info f;
    uint64_t v = 0x55;

    (void)state;
    assert_int_equal(sim_cpu_access(&cpu, &mem, 0x2000, SIM_WRITE, &v, 8, &f), SIM_OK);
    frame(4)[2] &= ~RW;                       /* write-protect, no flush */
    v = 0x66;
    assert_int_equal(sim_cpu_access(&cpu, &mem, 0x2000, SIM_WRITE, &v, 8, &f), SIM_OK);
    assert_int_equal(frame(12)[0], 0x66);     /* the stale RW entry let it through */
    sim_tlb_invlpg(&cpu.tlb, 0x2000);
    assert_int_equal(sim_cpu_access(&cpu, &mem, 0x2000, SIM_WRITE, &v, 8, &f), SIM_PF);
    assert_int_equal(f.pfec, PFEC_PRESENT | PFEC_WRITE | PFEC_USER);
}

static void test_cr3_write_flushes_nonglobal(void **state)
{
    (void)state;
    assert_int_equal(rd(0), 0x1000);
    remap_page0(UP);
    sim_cpu_write_cr3(&cpu, 1UL << 12);       /* same root, still a flush */
    assert_int_equal(rd(0), 0x1007);
}

static void test_global_survives_cr3_write(void **state)
{
    (void)state;
    frame(4)[0] |= G;
    assert_int_equal(rd(0), 0x1000);
    remap_page0(UP | G);
    sim_cpu_write_cr3(&cpu, 1UL << 12);
    assert_int_equal(rd(0), 0x1000);          /* global entry survived */
    sim_tlb_invlpg(&cpu.tlb, 0);               /* INVLPG drops global entries too */
    assert_int_equal(rd(0), 0x1007);
    remap_page0(UP | G);
    frame(4)[0] = (10UL << 12) | UP | G;
    sim_cpu_write_cr3(&cpu, 1UL << 12);
    assert_int_equal(rd(0), 0x1007);          /* cached again, global */
    sim_tlb_flush_all(&cpu.tlb);
    assert_int_equal(rd(0), 0x1000);
}

static void test_global_needs_pge(void **state)
{
    struct sim_paging p;

    (void)state;
    p = cpu.p;
    p.cr4_pge = false;
    sim_cpu_set_paging(&cpu, &p);
    frame(4)[0] |= G;
    assert_int_equal(rd(0), 0x1000);
    remap_page0(UP | G);
    sim_cpu_write_cr3(&cpu, 1UL << 12);
    assert_int_equal(rd(0), 0x1007);          /* without PGE, G means nothing */
}

static void test_full_flush(void **state)
{
    (void)state;
    assert_int_equal(rd(0), 0x1000);
    assert_int_equal(rd(0x3000), 0x1003);
    assert_int_equal(sim_tlb_count(&cpu.tlb), 2);
    sim_tlb_flush_all(&cpu.tlb);
    assert_int_equal(sim_tlb_count(&cpu.tlb), 0);
}

static void test_upgrade_seen_without_flush(void **state)
{
    struct sim_fault_info f;
    uint64_t v = 1;

    (void)state;
    frame(4)[3] &= ~RW;
    assert_int_equal(rd(0x3000), 0x1003);
    frame(4)[3] |= RW;                        /* upgrade: hardware re-walks after the fault */
    assert_int_equal(sim_cpu_access(&cpu, &mem, 0x3000, SIM_WRITE, &v, 8, &f), SIM_OK);
    assert_int_equal(frame(13)[0], 1);
}

static void test_fault_leaves_no_entry(void **state)
{
    struct sim_fault_info f;
    uint64_t v;

    (void)state;
    frame(4)[5] = 0;
    assert_int_equal(sim_cpu_access(&cpu, &mem, 0x5000, SIM_READ, &v, 8, &f), SIM_PF);
    frame(4)[5] = (15UL << 12) | UP;          /* now mapped: no flush needed */
    assert_int_equal(rd(0x5000), 0x1005);
}

static void test_invlpg_drops_whole_large_page(void **state)
{
    (void)state;
    frame(3)[1] = (0UL << 21) | UP | PS;      /* 2 MiB page at VA 2 MiB -> PA 0 */
    assert_int_equal(rd(0x200000 + (10UL << 12)), 0x1000);
    assert_int_equal(rd(0x200000 + (11UL << 12)), 0x1001);
    frame(3)[1] = 0;
    sim_tlb_invlpg(&cpu.tlb, 0x200000 + (300UL << 12)); /* another address in the page */
    assert_int_equal(sim_tlb_count(&cpu.tlb), 0);
}

static void test_access_across_pages(void **state)
{
    struct sim_fault_info f;
    uint64_t v = ~0UL;

    (void)state;
    frame(4)[7] = 0;
    assert_int_equal(sim_cpu_access(&cpu, &mem, 0x6ffc, SIM_WRITE, &v, 8, &f), SIM_PF);
    assert_int_equal(f.addr, 0x7000);
    assert_int_equal(frame(16)[511], 0);      /* nothing written on a fault */
    frame(4)[7] = (17UL << 12) | UP;
    assert_int_equal(sim_cpu_access(&cpu, &mem, 0x6ffc, SIM_WRITE, &v, 8, &f), SIM_OK);
    assert_int_equal(frame(16)[511] >> 32, 0xFFFFFFFFUL);
    assert_int_equal(frame(17)[0] & 0xFFFFFFFFUL, 0xFFFFFFFFUL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stale_entry_survives_missing_invlpg, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_unmapped_page_still_readable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_writable_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cr3_write_flushes_nonglobal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_global_survives_cr3_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_global_needs_pge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_seen_without_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_leaves_no_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invlpg_drops_whole_large_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_across_pages, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
