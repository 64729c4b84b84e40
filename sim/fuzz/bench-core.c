/*
 * sim/fuzz/bench-core.c - hosted figures of the core itself for `make bench` (bench.c calls
 * bench_core()).
 *
 * The core runs on a bare platform of its own here (host memory from mmap, a guest address
 * is a host pointer, no preemption, flushes counted and ignored), built -O2 without
 * sanitizers, so the figures are the core's work and nothing else's.  Every hypercall goes
 * through its real entry point (do_mmuext_op, do_mmu_update).  Printed as "name: value unit":
 *   frame_bytes               bytes of per-frame metadata the core keeps (struct page_info);
 *                             m2p_bytes_per_frame is the guest-visible M2P, as in Xen
 *   pin_ns_per_entry          MMUEXT_PIN_L4_TABLE + nothing else, per present L1 entry, of a
 *                             tree of 64 full L1s mapping 32768 consecutive frames
 *   refcount_floor_ns_per_entry  the least a reference-counted pin can do per entry: check
 *                             the entry's present bit and frame number and increment the
 *                             frame's count with one compare-and-swap
 *   pin_vs_refcount_floor     the two above, divided (also by instructions when the host
 *                             lets a process count its own: pin_vs_refcount_floor_insns)
 *   pin_random_ns_per_entry   the same pin with the 32768 entries mapping random frames of a
 *                             1 Mi-frame (4 GiB) machine: cache-missing; and
 *                             pin_random_vs_sequential against consecutive frames there
 *   mmu_update_per_s          MMU_NORMAL_PT_UPDATEs per second: 512-entry batches writing and
 *                             then clearing a pinned L1 with writable mappings
 *   audit_ms_per_gib          the full auditor over the 1 Mi-frame machine (every frame a
 *                             domain's, the random tree pinned), per GiB of machine memory
 * Times are the best of several runs (CLOCK_MONOTONIC) on a shared machine: compare figures
 * of one run with each other, not across runs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>

#include <pvmm/pvmm.h>
#include <pvmm/audit.h>

#define TREE_L1S   64
#define REPS       7

struct bench_machine {
    struct pvmm_state s;
    struct pvmm_platform plat;
    uint8_t *mem;
    struct page_info *ft;
    uint16_t *free_in_block;
    uint64_t *m2p;
    uint64_t nr_frames;
    struct domain *d;
    struct vcpu *v;
    mfn_t l4, l3, l2, l1[TREE_L1S];
};

static void *b_map_frame(void *ctx, mfn_t mfn)
{
    struct bench_machine *m = ctx;

    return m->mem + (mfn << PAGE_SHIFT);
}

static void b_flush_tlb(void *ctx, struct domain *d, uint64_t mask, uint64_t va)
{
    (void)ctx; (void)d; (void)mask; (void)va;
}

static void b_write_ptbase(void *ctx, struct vcpu *v)
{
    (void)ctx; (void)v;
}

static void b_log(void *ctx, enum pvmm_log_level lvl, const char *msg)
{
    (void)ctx;
    if (lvl >= PVMM_LOG_WARN)
        fprintf(stderr, "core: %s\n", msg);
}

static bool b_preempt_check(void *ctx, struct vcpu *v)
{
    (void)ctx; (void)v;
    return false;
}

static int b_copy_from(void *ctx, struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
    (void)ctx; (void)v;
    memcpy(dst, (const void *)(uintptr_t)gva, len);
    return 0;
}

static int b_copy_to(void *ctx, struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
    (void)ctx; (void)v;
    memcpy((void *)(uintptr_t)gva, src, len);
    return 0;
}

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* A counter of this process's user-mode instructions, or -1 if the host does not allow it. */
static int insn_counter(void)
{
    struct perf_event_attr a;

    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.type = PERF_TYPE_HARDWARE;
    a.config = PERF_COUNT_HW_INSTRUCTIONS;
    a.exclude_kernel = 1;
    a.exclude_hv = 1;
    return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

static uint64_t insns(int fd)
{
    uint64_t n = 0;

    if (fd < 0 || read(fd, &n, sizeof(n)) != sizeof(n))
        return 0;
    return n;
}

/*
 * A machine of nr frames: the last two are the hypervisor's L3s behind its L4 slots, every
 * other frame above the first 16 is RAM given to domain 1, whose vCPU 0 runs in kernel mode.
 */
static struct bench_machine *machine_new(uint64_t nr)
{
    struct bench_machine *m = calloc(1, sizeof(*m));
    struct pvmm_config cfg;
    mfn_t mfn;

    if (!m)
        return NULL;
    m->nr_frames = nr;
    m->mem = mmap(NULL, nr << PAGE_SHIFT, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    m->ft = calloc(nr, sizeof(*m->ft));
    m->m2p = calloc(nr, sizeof(*m->m2p));
    m->free_in_block = calloc(PVMM_HEAP_BLOCKS(nr), sizeof(*m->free_in_block));
    if (m->mem == MAP_FAILED || !m->ft || !m->m2p || !m->free_in_block)
        return NULL;
    m->plat = (struct pvmm_platform){
        .ctx = m, .map_frame = b_map_frame, .direct_map = m->mem, .flush_tlb = b_flush_tlb,
        .write_ptbase = b_write_ptbase, .log = b_log, .preempt_check = b_preempt_check,
        .copy_from_guest = b_copy_from, .copy_to_guest = b_copy_to,
    };
    memset(&cfg, 0, sizeof(cfg));
    cfg.plat = &m->plat;
    cfg.frame_table = m->ft;
    cfg.m2p = m->m2p;
    cfg.free_in_block = m->free_in_block;
    cfg.nr_frames = nr;
    cfg.linear_pt = true;
    cfg.xen_l4_slots[0] = pte_from_mfn(nr - 2, _PAGE_PRESENT | _PAGE_USER | _PAGE_NX);
    cfg.xen_l4_slots[261 - 256] = pte_from_mfn(nr - 1, _PAGE_PRESENT | _PAGE_RW |
                                               _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX);
    cfg.xen_l4_slots[262 - 256] = cfg.xen_l4_slots[261 - 256];
    pvmm_init(&m->s, &cfg);
    pvmm_add_ram(&m->s, 16, nr - 16 - 2);
    pvmm_reserve_frame(&m->s, nr - 2);
    pvmm_reserve_frame(&m->s, nr - 1);
    m->d = pvmm_domain_create(&m->s, 1, false, nr, 1);
    if (!m->d)
        return NULL;
    m->v = &m->d->vcpu[0];
    m->v->online = true;
    while (pvmm_alloc_domheap_page(m->d, &mfn) == 0)
        pvmm_set_m2p(&m->s, mfn, mfn);
    return m;
}

static void machine_free(struct bench_machine *m)
{
    munmap(m->mem, m->nr_frames << PAGE_SHIFT);
    free(m->ft);
    free(m->m2p);
    free(m->free_in_block);
    free(m);
}

static intpte_t *frame(struct bench_machine *m, mfn_t mfn)
{
    return (intpte_t *)(m->mem + (mfn << PAGE_SHIFT));
}

/* Build the tree: L4 -> L3 -> L2 -> 64 L1s, entry j of L1 i mapping target(i * 512 + j). */
static void tree_build(struct bench_machine *m, mfn_t (*target)(struct bench_machine *, uint64_t))
{
    mfn_t first = 16;                       /* the first RAM frames hold the tables */
    unsigned int i, j;

    m->l4 = first;
    m->l3 = first + 1;
    m->l2 = first + 2;
    memset(frame(m, m->l4), 0, 3 * PAGE_SIZE);
    frame(m, m->l4)[0] = pte_from_mfn(m->l3, _PAGE_PRESENT | _PAGE_RW | _PAGE_USER);
    frame(m, m->l3)[0] = pte_from_mfn(m->l2, _PAGE_PRESENT | _PAGE_RW | _PAGE_USER);
    for (i = 0; i < TREE_L1S; i++) {
        m->l1[i] = first + 3 + i;
        frame(m, m->l2)[i] = pte_from_mfn(m->l1[i], _PAGE_PRESENT | _PAGE_RW | _PAGE_USER);
        for (j = 0; j < L1_PAGETABLE_ENTRIES; j++)
            frame(m, m->l1[i])[j] = pte_from_mfn(target(m, (uint64_t)i * 512 + j),
                                                 _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED |
                                                 _PAGE_DIRTY);
    }
}

static mfn_t target_sequential(struct bench_machine *m, uint64_t i)
{
    (void)m;
    return 16 + 3 + TREE_L1S + i;
}

static mfn_t target_random(struct bench_machine *m, uint64_t i)
{
    uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ULL;
    uint64_t lo = 16 + 3 + TREE_L1S;

    x ^= x >> 29;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 32;
    return lo + x % (m->nr_frames - 2 - lo);
}

static long mmuext1(struct bench_machine *m, unsigned int cmd, mfn_t mfn)
{
    struct mmuext_op op;

    memset(&op, 0, sizeof(op));
    op.cmd = cmd;
    op.arg1.mfn = mfn;
    return do_mmuext_op(m->v, (uint64_t)(uintptr_t)&op, 1, 0, DOMID_SELF);
}

/* The floor: check each entry, one compare-and-swap on its frame's count (dir +1 or -1). */
static __attribute__((noinline)) unsigned long floor_pass(struct bench_machine *m, int64_t dir)
{
    unsigned long done = 0;

    for (unsigned int i = 0; i < TREE_L1S; i++) {
        const intpte_t *l1 = frame(m, m->l1[i]);

        for (unsigned int j = 0; j < L1_PAGETABLE_ENTRIES; j++) {
            intpte_t e = l1[j];
            mfn_t mfn = pte_mfn(e);
            struct page_info *pg;
            uint64_t old;

            if (!(e & _PAGE_PRESENT) || mfn >= m->nr_frames)
                continue;
            pg = &m->ft[mfn];
            old = __atomic_load_n(&pg->count_info, __ATOMIC_RELAXED);
            while (!__atomic_compare_exchange_n(&pg->count_info, &old, old + (uint64_t)dir,
                                                false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
                ;
            done++;
        }
    }
    return done;
}

/* A pin of the tree (forward) or its unpin; false if the core refused. */
static bool pin_pass(struct bench_machine *m, bool forward)
{
    return mmuext1(m, forward ? MMUEXT_PIN_L4_TABLE : MMUEXT_UNPIN_TABLE, m->l4) == 0;
}

/* The floor pass (forward) or the pass that undoes it. */
static bool floor_both(struct bench_machine *m, bool forward)
{
    floor_pass(m, forward ? 1 : -1);
    return true;
}

/*
 * Seconds (best of REPS) of pass(m, true), each followed by the untimed pass(m, false); the
 * instructions of the best one into *n_insns.  -1 if a pass failed.
 */
static double best_of(struct bench_machine *m, bool (*pass)(struct bench_machine *, bool),
                      int fd, uint64_t *n_insns)
{
    double best = 1e9, t0, t;
    uint64_t i0, i1;

    for (int r = 0; r < REPS; r++) {
        i0 = insns(fd);
        t0 = now();
        if (!pass(m, true))
            return -1;
        t = now() - t0;
        i1 = insns(fd);
        if (!pass(m, false))
            return -1;
        if (t < best) {
            best = t;
            *n_insns = i1 - i0;
        }
    }
    return best;
}

/* MMU_NORMAL_PT_UPDATEs per second into a pinned L1 (L1 0 of the tree, pinned alone). */
static double mmu_update_rate(struct bench_machine *m)
{
    static struct mmu_update fill[512], clear[512];
    mfn_t l1 = m->l1[0];
    unsigned long n = 0;
    unsigned int done;
    double t0, t;

    memset(frame(m, l1), 0, PAGE_SIZE);
    if (mmuext1(m, MMUEXT_PIN_L1_TABLE, l1))
        return -1;
    for (unsigned int i = 0; i < 512; i++) {
        fill[i].ptr = ((uint64_t)l1 << PAGE_SHIFT) + 8 * i;
        fill[i].val = pte_from_mfn(target_sequential(m, i),
                                   _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY);
        clear[i].ptr = fill[i].ptr;
        clear[i].val = 0;
    }
    t0 = now();
    do {
        for (int r = 0; r < 100; r++, n += 1024) {
            if (do_mmu_update(m->v, (uint64_t)(uintptr_t)fill, 512, (uint64_t)(uintptr_t)&done,
                              DOMID_SELF) ||
                do_mmu_update(m->v, (uint64_t)(uintptr_t)clear, 512,
                              (uint64_t)(uintptr_t)&done, DOMID_SELF))
                return -1;
        }
        t = now() - t0;
    } while (t < 0.5);
    if (mmuext1(m, MMUEXT_UNPIN_TABLE, l1))
        return -1;
    return (double)n / t;
}

/* Milliseconds (best of 3) of a full audit of m; -1 if it is not clean. */
static double audit_ms(struct bench_machine *m)
{
    struct pvmm_audit_report r;
    void *scratch = malloc(pvmm_audit_scratch_size(&m->s));
    double best = 1e9, t0, t;

    if (!scratch)
        return -1;
    for (int i = 0; i < 3; i++) {
        t0 = now();
        if (pvmm_audit(&m->s, scratch, &r)) {
            free(scratch);
            return -1;
        }
        t = now() - t0;
        best = t < best ? t : best;
    }
    free(scratch);
    return best * 1e3;
}

int bench_core(void)
{
    const double entries = (double)TREE_L1S * L1_PAGETABLE_ENTRIES;
    struct bench_machine *m;
    uint64_t pin_i = 0, floor_i = 0, rnd_i = 0, seq_i = 0;
    double pin, floor_t, rnd, seq, rate, audit;
    int fd = insn_counter();

    printf("frame_bytes: %zu bytes\n", sizeof(struct page_info));
    printf("m2p_bytes_per_frame: %zu bytes\n", sizeof(uint64_t));

    m = machine_new(1UL << 16);
    if (!m)
        return 1;
    tree_build(m, target_sequential);
    pin = best_of(m, pin_pass, fd, &pin_i);
    floor_t = best_of(m, floor_both, fd, &floor_i);
    rate = mmu_update_rate(m);
    machine_free(m);
    if (pin < 0 || rate < 0)
        return 1;
    printf("pin_ns_per_entry: %.1f ns\n", pin * 1e9 / entries);
    printf("refcount_floor_ns_per_entry: %.1f ns\n", floor_t * 1e9 / entries);
    printf("pin_vs_refcount_floor: %.2f x\n", pin / floor_t);
    if (fd >= 0 && floor_i > 0) {
        printf("pin_insns_per_entry: %.1f insns\n", (double)pin_i / entries);
        printf("refcount_floor_insns_per_entry: %.1f insns\n", (double)floor_i / entries);
        printf("pin_vs_refcount_floor_insns: %.2f x\n", (double)pin_i / (double)floor_i);
    } else {
        printf("# pin_vs_refcount_floor_insns: not measured (no perf counter for this "
               "process here)\n");
    }
    printf("mmu_update_per_s: %.0f updates/s\n", rate);

    m = machine_new(1UL << 20);
    if (!m)
        return 1;
    tree_build(m, target_sequential);
    seq = best_of(m, pin_pass, fd, &seq_i);
    tree_build(m, target_random);
    rnd = best_of(m, pin_pass, fd, &rnd_i);
    if (seq < 0 || rnd < 0 || mmuext1(m, MMUEXT_PIN_L4_TABLE, m->l4))
        return 1;
    audit = audit_ms(m);
    machine_free(m);
    if (audit < 0)
        return 1;
    printf("pin_sequential_1mi_ns_per_entry: %.1f ns\n", seq * 1e9 / entries);
    printf("pin_random_ns_per_entry: %.1f ns\n", rnd * 1e9 / entries);
    printf("pin_random_vs_sequential: %.2f x\n", rnd / seq);
    printf("audit_ms_per_gib: %.1f ms\n", audit / 4.0);
    if (fd >= 0)
        close(fd);
    return 0;
}
