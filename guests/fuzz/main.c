/*
 * fuzz: the fuzzing guest (docs/fuzzing.md).
 *
 * Command line: `seed=N [ops=N] [audit=N] [check=N]` (a bare number is the seed). From the
 * seed, a reproducible stream of operations: hypercalls with arguments from a grammar that
 * knows the ABI (pool frames, tables it built, frames it does not own, batches with bad
 * entries in the middle, multicalls, long preemptible validations, descriptor pages, events)
 * mixed with raw random arguments, trapped page-table writes, privileged instructions and
 * faults. One line per operation, normalised (fuzz.h), so that `tools/hv-fuzz --xen`
 * compares a run on pvmm-hv with one on Xen line by line.
 *
 * Oracles in the guest: every `check` operations (and at the end) no page table it can
 * reach is mapped writable (check.c), and after every operation no pool page changed where
 * the operation had no business (world.c: shadow_after_op, "failure leaves no trace"); a
 * successful write maps what was written. Every `audit` operations (and at the end) it asks
 * pvmm-hv's auditor to check the whole machine through the debug hypercall, which Xen
 * answers -ENOSYS. Any violation makes the verdict FAILURE; hypervisor panics and hangs are
 * the harness's to see.
 */
#include "fuzz.h"

const char test_title[] = "fuzz: seeded hypercalls, page-table writes and faults";

long hypercall_n(unsigned long nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                 uint64_t a5)
{
    register uint64_t r10 asm ("r10") = a4;
    register uint64_t r8 asm ("r8") = a5;
    void *stub = hypercall_page + 32 * (nr & 127);
    long rc;

    asm volatile ("call *%[stub]"
                  : "=a" (rc), "+D" (a1), "+S" (a2), "+d" (a3), "+r" (r10), "+r" (r8)
                  : [stub] "r" (stub)
                  : "memory", "rcx", "r11", "r9");
    return rc;
}

/* The value of `name=` on the command line (decimal or 0x hex), or def. */
static uint64_t arg(const char *name, uint64_t def)
{
    const char *p = (const char *)start_info->cmd_line;
    size_t n = strlen(name);

    while (*p) {
        while (*p == ' ')
            p++;
        if (!strncmp(p, name, n) && p[n] == '=') {
            uint64_t v = 0;
            unsigned int base = 10;

            p += n + 1;
            if (p[0] == '0' && p[1] == 'x') {
                base = 16;
                p += 2;
            }
            for (;; p++) {
                unsigned int d;

                if (*p >= '0' && *p <= '9')
                    d = (unsigned int)(*p - '0');
                else if (base == 16 && *p >= 'a' && *p <= 'f')
                    d = (unsigned int)(*p - 'a' + 10);
                else
                    break;
                v = v * base + d;
            }
            return v;
        }
        while (*p && *p != ' ')
            p++;
    }
    return def;
}

static const struct {
    void (*run)(void);
    unsigned int weight;
} ops[] = {
    { op_mmu_update, 16 }, { op_uva, 10 }, { op_pin, 8 }, { op_mmuext, 6 }, { op_store, 6 },
    { op_seal, 6 }, { op_ptwr, 8 }, { op_touch, 5 }, { op_long, 1 }, { op_multicall, 6 },
    { op_desc, 5 }, { op_evtchn, 5 }, { op_raw, 8 }, { op_cpu, 8 }, { op_timer, 2 },
    { op_grant, 12 },
};

static void run_one(void)
{
    unsigned int total = 0, i, r;

    for (i = 0; i < ARRAY_SIZE(ops); i++)
        total += ops[i].weight;
    r = rnd_below(total);
    for (i = 0; r >= ops[i].weight; i++)
        r -= ops[i].weight;
    fl("%05lu ", W.ops);
    ops[i].run();
    fl_end();
    shadow_after_op();
}

/* pvmm-hv's auditor over the whole machine; -ENOSYS (Xen) counts as nothing to say. */
static void audit(void)
{
    long rc = hypercall_n(__HYPERVISOR_pvmm_debug, PVMM_DEBUG_AUDIT, 0, 0, 0, 0);

    if (rc == -XEN_ENOSYS)
        return;
    W.audits++;
    if (rc == 0)
        W.audits_clean++;
    else
        fuzz_fail("the hypervisor's auditor reports %ld violations", rc);
}

int test_main(void)
{
    uint64_t seed = arg("seed", 0), nr_ops = arg("ops", 1000);
    uint64_t every_audit = arg("audit", 100), every_check = arg("check", 16);
    const char *c = (const char *)start_info->cmd_line;

    if (*c >= '0' && *c <= '9') {          /* a bare number is the seed */
        seed = 0;
        while (*c >= '0' && *c <= '9')
            seed = seed * 10 + (uint64_t)(*c++ - '0');
    }
    printk("fuzz: seed=%lu ops=%lu\n", (unsigned long)seed, (unsigned long)nr_ops);
    rng_seed(seed);
    world_init();
    check_invariants();
    audit();
    for (W.ops = 0; W.ops < nr_ops; W.ops++) {
        run_one();
        if (every_check && (W.ops + 1) % every_check == 0)
            check_invariants();
        if (every_audit && (W.ops + 1) % every_audit == 0)
            audit();
    }
    check_invariants();
    audit();
    printk("fuzz: seed=%lu ops=%lu invariant-failures=%lu audits=%lu clean=%lu\n",
           (unsigned long)seed, W.ops, W.failures, W.audits, W.audits_clean);
    if (W.failures)
        return xtf_failure("%lu invariant violations", W.failures);
    return xtf_success();
}
