/*
 * check.c: the fuzzing guest's own invariant - no writable mapping of a page table.
 *
 * Every table reachable from a root the hypervisor has validated (the loaded L4, the guest's
 * other L4s while pinned, every pool table it pinned, the big tree while pinned) has a
 * page-table type, so no path of writable entries from any root may end at one of them.
 * The walk marks, per own frame, "is a table" and "is mapped writable" and reports a frame
 * that is both. Frames the guest does not own are not followed.
 */
#include "fuzz.h"

#define MAX_PFNS 32768
static uint8_t is_table[MAX_PFNS / 8], is_rw[MAX_PFNS / 8];
static uint8_t seen[4][2][MAX_PFNS / 8];   /* (level, writable path) already walked */
static uint32_t rw_from[MAX_PFNS];          /* the L1 (pfn << 9 | index) mapping it writable */
static uint32_t table_from[MAX_PFNS];       /* level << 30 | the parent entry (pfn << 9 | i) */

static bool bit(const uint8_t *m, unsigned long n)
{
    return (m[n / 8] >> (n % 8)) & 1;
}

static void set_bit(uint8_t *m, unsigned long n)
{
    m[n / 8] |= (uint8_t)(1 << (n % 8));
}

/* The pfn of an own frame that fits the bitmaps, or -1. */
static long pfn_of(unsigned long mfn)
{
    unsigned long pfn = own_pfn(mfn);

    return pfn == NO_PFN || pfn >= MAX_PFNS ? -1 : (long)pfn;
}

static void walk(unsigned long mfn, unsigned int level, bool rw, uint32_t from)
{
    long pfn = pfn_of(mfn);
    const uint64_t *t;
    unsigned int i;

    if (pfn < 0 || bit(seen[level - 1][rw], (unsigned long)pfn))
        return;
    set_bit(seen[level - 1][rw], (unsigned long)pfn);
    set_bit(is_table, (unsigned long)pfn);
    table_from[pfn] = (uint32_t)level << 30 | from;
    t = pfn_to_virt((unsigned long)pfn);
    for (i = 0; i < PT_ENTRIES; i++) {
        uint64_t e = t[i];
        bool leaf = level == 1 || (level < 4 && (e & _PAGE_PSE));
        long to;

        if (level == 4 && i >= XEN_L4_FIRST_SLOT && i <= XEN_L4_LAST_SLOT)
            continue;
        if (!(e & _PAGE_PRESENT))
            continue;
        if (!leaf) {
            walk(pte_mfn(e), level - 1, rw && (e & _PAGE_RW), (uint32_t)(pfn << 9 | i));
            continue;
        }
        to = pfn_of(pte_mfn(e));
        if (to >= 0 && rw && (e & _PAGE_RW)) {
            set_bit(is_rw, (unsigned long)to);
            rw_from[to] = (uint32_t)(pfn << 9 | i);
        }
    }
}

void check_invariants(void)
{
    unsigned long pfn, n = start_info->nr_pages < MAX_PFNS ? start_info->nr_pages : MAX_PFNS;
    unsigned int i;

    memset(is_table, 0, sizeof(is_table));
    memset(is_rw, 0, sizeof(is_rw));
    memset(seen, 0, sizeof(seen));
    walk(pt_current_l4_mfn(), 4, true, 0);
    if (W.boot_pinned)
        walk(W.boot_l4, (unsigned int)W.boot_pinned, true, 0);
    if (W.copy_pinned)
        walk(W.copy_l4, (unsigned int)W.copy_pinned, true, 0);
    if (W.big_pinned)
        walk(W.big_l3, (unsigned int)W.big_pinned, true, 0);
    for (i = 0; i < NR_POOL; i++) {
        if (W.pinned[i])
            walk(pool_mfn(i), (unsigned int)W.pinned[i], true, 0);
    }
    for (pfn = 0; pfn < n; pfn++) {
        if (bit(is_table, pfn) && bit(is_rw, pfn))
            fuzz_fail("page table p%lx (L%u, from p%x[%u]) is mapped writable by p%x[%u]",
                      pfn, table_from[pfn] >> 30, (table_from[pfn] & 0x3fffffff) >> 9,
                      table_from[pfn] & 511, rw_from[pfn] >> 9, rw_from[pfn] & 511);
    }
}
