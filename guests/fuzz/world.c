/*
 * world.c: the fuzzing guest's generator, output line, frame names and world (fuzz.h).
 */
#include <xen/memory.h>

#include "fuzz.h"

struct world W;
uint8_t *scratch;
static uint64_t rng_state;

void rng_seed(uint64_t seed)
{
    rng_state = seed;
}

/* splitmix64: fast, and every seed gives a different stream. */
uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

unsigned int rnd_below(unsigned int n)
{
    return n ? (unsigned int)(rnd() % n) : 0;
}

bool chance(unsigned int percent)
{
    return rnd_below(100) < percent;
}

static char line[1024];
static size_t line_len;

void fl(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line + line_len, sizeof(line) - line_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        line_len += (size_t)n;
    if (line_len >= sizeof(line) - 1)
        line_len = sizeof(line) - 2;
}

void fl_end(void)
{
    line[line_len++] = '\n';
    console_write(line, line_len);
    line_len = 0;
}

void fuzz_fail(const char *fmt, ...)
{
    char buf[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    printk("INVARIANT after op %lu: %s\n", W.ops, buf);
    W.failures++;
}

/* Frames whose machine numbers are not the same on two hypervisors get a name instead:
 * the guest's own frames their pfn, the hypervisor's shared ones a class. */
void fl_mfn(unsigned long mfn)
{
    unsigned long pfn, hi = mfn & ~0xfffffffUL;

    if (hi && (mfn & 0xfffffff) >= 0x100 && (mfn & 0xfffffff) < 0xf0000) {
        fl("%lx|", hi);     /* high address bits set over a frame number */
        mfn &= 0xfffffff;
    }
    if (mfn == W.si_mfn) {
        fl("si");
        return;
    }
    if (mfn == W.m2p_mfn) {
        fl("m2p");
        return;
    }
    if (mfn < 0x100 || mfn >= 0xf0000) {     /* the first MiB, MMIO, beyond RAM: fixed */
        fl("m%lx", mfn);
        return;
    }
    pfn = own_pfn(mfn);
    if (pfn != NO_PFN) {
        fl("p%lx", pfn);
        return;
    }
    fl("x");
}

unsigned long own_pfn(unsigned long mfn)
{
    unsigned long pfn;

    if (mfn > W.max_mfn)
        return NO_PFN;
    pfn = mfn_to_pfn(mfn);
    if (pfn >= start_info->nr_pages || pfn_to_mfn(pfn) != mfn)
        return NO_PFN;
    return pfn;
}

void *own_virt(unsigned long mfn)
{
    unsigned long pfn = own_pfn(mfn);

    return pfn == NO_PFN ? NULL : pfn_to_virt(pfn);
}

/* Hardware may set A and D at any time: they are not part of what is compared. */
#define PTE_AD (_PAGE_ACCESSED | _PAGE_DIRTY)

void fl_pte(uint64_t pte)
{
    if (!(pte & _PAGE_PRESENT))
        fl("np:");
    fl_mfn(pte_mfn(pte));
    fl("+%lx", (unsigned long)(pte & ~PTE_ADDR_MASK & ~PTE_AD));
}

unsigned long pool_mfn(unsigned int i)
{
    return pfn_to_mfn(W.pool_pfn[i]);
}

void *pool_va(unsigned int i)
{
    return pfn_to_virt(W.pool_pfn[i]);
}

int pool_index_of_mfn(unsigned long mfn)
{
    unsigned int i;

    for (i = 0; i < NR_POOL; i++) {
        if (pool_mfn(i) == mfn)
            return (int)i;
    }
    return -1;
}

bool pool_mapped_rw(unsigned int i)
{
    return (pt_l1e((unsigned long)pool_va(i)) & (_PAGE_PRESENT | _PAGE_RW)) ==
           (_PAGE_PRESENT | _PAGE_RW);
}

unsigned long pick_frame(void)
{
    static const unsigned long fixed[] = {
        0xb8, 0xa0, 0x0, 0xfee00, 0xfec00, 0xfed00, 0xfffff, 0xffffffffffUL,
        0x8000000UL, 0xfffffffffUL,
    };

    switch (rnd_below(12)) {
    case 0: case 1: case 2: case 3: case 4:
        return pool_mfn(rnd_below(NR_POOL));
    case 5:
        return rnd_below(2) ? W.boot_l4 : W.copy_l4;
    case 6:
        return rnd_below(2) ? W.big_l1[rnd_below(BIG_L1S)] : (rnd_below(2) ? W.big_l2 : W.big_l3);
    case 7:     /* the guest's own image, start_info, boot tables */
        return pfn_to_mfn(rnd_below((unsigned int)(bootstrap_end() >> PAGE_SHIFT)));
    case 8:
        return rnd_below(2) ? W.si_mfn : W.m2p_mfn;
    case 9:
        return virt_to_mfn(scratch);
    default:
        return fixed[rnd_below(ARRAY_SIZE(fixed))];
    }
}

/* Frames the guest may lose the contents of: its pool, scratch page and big tree. */
static bool expendable(unsigned long mfn)
{
    unsigned int i;

    if (pool_index_of_mfn(mfn) >= 0 || mfn == virt_to_mfn(scratch) || mfn == W.big_l3 ||
        mfn == W.big_l2)
        return true;
    for (i = 0; i < BIG_L1S; i++) {
        if (mfn == W.big_l1[i])
            return true;
    }
    return false;
}

unsigned long pick_victim(void)
{
    unsigned long mfn = pick_frame();

    if (own_pfn(mfn) != NO_PFN && pool_index_of_mfn(mfn) < 0 && mfn != virt_to_mfn(scratch))
        return pool_mfn(rnd_below(NR_POOL));     /* never the guest's own pages */
    return mfn;
}

uint64_t pick_entry(unsigned int level)
{
    static const uint64_t flag_sets[] = {
        PTE_FLAGS_RO, PTE_FLAGS_RW, PDE_FLAGS, PTE_FLAGS_RO | _PAGE_USER,
        PTE_FLAGS_RW | _PAGE_NX, PTE_FLAGS_RW | _PAGE_PSE, PTE_FLAGS_RW | _PAGE_GLOBAL,
        PTE_FLAGS_RO | _PAGE_PCD | _PAGE_PWT, 0, _PAGE_RW,
    };
    unsigned long mfn;
    uint64_t e;

    (void)level;
    if (chance(4))      /* raw bits, with a frame no machine has (its name is its number) */
        return (rnd() & ~(0xfffffffUL << PAGE_SHIFT)) | (1UL << 50);
    mfn = pick_frame();
    e = ((uint64_t)mfn << PAGE_SHIFT) & PTE_ADDR_MASK;
    e |= flag_sets[rnd_below(ARRAY_SIZE(flag_sets))];
    if (own_pfn(mfn) != NO_PFN && !expendable(mfn))
        e &= ~_PAGE_RW;     /* hypercall output through the fuzz window must not hit it */
    if (chance(10))      /* one odd bit: available, reserved, protection key, bit 52 */
        e ^= 1UL << (rnd_below(2) ? rnd_below(12) : 51 + rnd_below(12));
    return e;
}

unsigned int pick_index(void)
{
    static const unsigned int common[] = { 0, 1, 2, 3, 255, 256, 511 };

    return chance(70) ? common[rnd_below(ARRAY_SIZE(common))] : rnd_below(PT_ENTRIES);
}

unsigned long pick_fuzz_va(void)
{
    return FUZZ_BASE + ((unsigned long)rnd_below(4) << L2_SHIFT) +
           ((unsigned long)(chance(70) ? rnd_below(4) : rnd_below(PT_ENTRIES)) << L1_SHIFT);
}

uint64_t pick_bad_ptr(void)
{
    /* Not NULL: this guest maps pfn 0 at VA 0 (VA == pfn << 12), so NULL is readable. */
    static const uint64_t bad[] = { 0xffff830000000000UL, 0x0000800000000000UL,
                                    FUZZ_BASE + (100UL << L2_SHIFT), 0xfffffffffffff000UL };

    return bad[rnd_below(ARRAY_SIZE(bad))];
}

uint64_t pick_ptr(void)
{
    switch (rnd_below(8)) {
    case 0: return 0;
    case 1: return 0xffff830000000000UL + (rnd() & 0xfff000);    /* the hypervisor's half */
    case 2: return 0x0000800000000000UL;                          /* non-canonical */
    case 3: return (uint64_t)(uintptr_t)pool_va(rnd_below(NR_POOL)); /* maybe read-only */
    case 4: return pick_fuzz_va();                                /* maybe unmapped */
    case 5: return (uint64_t)(uintptr_t)scratch + PAGE_SIZE - 8;  /* crosses into a hole? */
    default: return (uint64_t)(uintptr_t)scratch;
    }
}

/* Pool pages are compared without the hypervisor's L4 slots, which it fills in an L4 it
 * validates. */
static bool entry_same(uint64_t a, uint64_t b)
{
    /* Validation may add USER and bit 52 (a guest-kernel mapping) or GLOBAL (a user
     * mapping), forces a mapping of any frame that is not RAM uncacheable (PCD and PWT
     * set, the L1 PAT bit - bit 7 - cleared; the guest does not know where RAM ends, so
     * these are ignored for every frame), and stores a writable mapping of a read-only
     * MMIO frame (IO-APIC, HPET) read-only. */
    uint64_t ignore = PTE_AD | _PAGE_USER | _PAGE_GUEST_KERNEL | _PAGE_GLOBAL | _PAGE_PCD |
                      _PAGE_PWT | _PAGE_PSE;

    if (pte_mfn(a) < 0x100 || pte_mfn(a) >= 0xf0000)
        ignore |= _PAGE_RW;
    return ((a ^ b) & ~ignore) == 0;
}

/* What the current operation may change: entries of pool pages, whole pool pages, or
 * anything (an operation whose effects the guest does not predict entry by entry). */
static struct {
    bool all;
    bool page[NR_POOL];
    unsigned int nr;
    uint16_t pool[32], idx[32];
} touched;

void touch_entry(unsigned long mfn, unsigned int idx)
{
    int i = pool_index_of_mfn(mfn);

    if (i < 0)
        return;
    if (touched.nr == ARRAY_SIZE(touched.pool)) {
        touched.page[i] = true;
        return;
    }
    touched.pool[touched.nr] = (uint16_t)i;
    touched.idx[touched.nr++] = (uint16_t)idx;
}

void touch_page(unsigned long mfn)
{
    int i = pool_index_of_mfn(mfn);

    if (i >= 0)
        touched.page[i] = true;
}

void touch_all(void)
{
    touched.all = true;
}

static bool was_touched(unsigned int i, unsigned int j)
{
    unsigned int k;

    if (touched.all || touched.page[i])
        return true;
    for (k = 0; k < touched.nr; k++) {
        if (touched.pool[k] == i && touched.idx[k] == j)
            return true;
    }
    return false;
}

void shadow_after_op(void)
{
    unsigned int i, j;

    for (i = 0; i < NR_POOL; i++) {
        uint64_t *p = pool_va(i);

        for (j = 0; j < PT_ENTRIES; j++) {
            if ((j < XEN_L4_FIRST_SLOT || j > XEN_L4_LAST_SLOT) &&
                !entry_same(p[j], W.shadow[i][j]) && !was_touched(i, j))
                fuzz_fail("pool page %u entry %u changed behind the guest: %lx -> %lx", i, j,
                          (unsigned long)W.shadow[i][j], (unsigned long)p[j]);
            W.shadow[i][j] = p[j];
        }
    }
    memset(&touched, 0, sizeof(touched));
}

/* After a successful write of `want` at `entry`: the entry maps what was written (frame,
 * present, writable, NX); the hypervisor may add USER and its bit 52, and the CPU A/D. */
void check_written(const volatile uint64_t *entry, uint64_t want, const char *what)
{
    uint64_t keep = PTE_ADDR_MASK | _PAGE_PRESENT | _PAGE_RW | _PAGE_NX;
    uint64_t got = *entry;

    if (pte_mfn(want) == 0xfec00 || pte_mfn(want) == 0xfed00)
        keep &= ~_PAGE_RW;      /* read-only MMIO: a writable mapping is stored read-only */
    if (!(want & _PAGE_PRESENT))
        return;
    if ((got ^ want) & keep)
        fuzz_fail("%s: entry reads %lx after writing %lx", what, (unsigned long)got,
                  (unsigned long)want);
}
