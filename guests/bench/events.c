/*
 * events.c: event and timer delivery, and how long a long validation runs between two
 * preemption points.
 *
 *   event_upcall_insns     EVTCHNOP_send to a self-bound IPI port -> the first instruction of
 *                          the event callback (the hypercall, the exit path's upcall bounce);
 *   timer_virq_insns       set_timer_op with a deadline already due -> the first instruction
 *                          of the event callback for VIRQ_TIMER (the timer softirq included);
 *   preempt_gap_pin1g_insns  the longest delay, over one pin of the 1 GiB tree, from a timer
 *                          deadline to the event callback: the singleshot timer is re-armed
 *                          0.25 ms ahead from each upcall, so the samples land all over the
 *                          pin, and the worst one bounds the stretch between two preemption
 *                          points (plus the constant cost of delivering the event);
 *   preempt_gap_pin4g_insns, preempt_gap_unpin4g_insns  the same over a pin and an unpin of
 *                          the 4 GiB tree (2048 full L1s of distinct frames, tree.c).
 * Under icount the TSC and the PV clock both count instructions (from different origins), so
 * a deadline 250 000 ns ahead is 250 000 TSC ticks ahead.
 */
#include <xen/callback.h>
#include <xen/vcpu.h>

#include "bench.h"

extern char bench_event_entry[];
volatile uint64_t bench_upcall_tsc;

/* The callback: stamp the TSC on entry, then the runtime's event handling. */
asm (".pushsection .text\n"
     ".globl bench_event_entry\n"
     "bench_event_entry:\n"
     "    push %rax\n"
     "    push %rdx\n"
     "    lfence; rdtsc; lfence\n"
     "    shl $32, %rdx\n"
     "    or %rdx, %rax\n"
     "    mov %rax, bench_upcall_tsc(%rip)\n"
     "    pop %rdx\n"
     "    pop %rax\n"
     "    jmp event_entry\n"
     ".popsection\n");

#define ROUNDS 16

static unsigned int timer_port;
static volatile uint64_t deadline_tsc, worst, samples;
static volatile bool sampling;

/* The next sample: a singleshot timer 250 000 ns (= instructions) ahead, its deadline also
 * in TSC ticks (the TSC counts from machine start, the PV clock from boot). */
static void arm_sample_timer(void)
{
    deadline_tsc = bench_tsc() + 250000;
    hypercall_set_timer_op(pvclock_ns() + 250000);
}

static void on_event(unsigned int port, const struct cpu_regs *regs)
{
    (void)regs;
    if (port != timer_port || !sampling)
        return;
    if (bench_upcall_tsc - deadline_tsc > worst)
        worst = bench_upcall_tsc - deadline_tsc;
    samples++;
    arm_sample_timer();
}

/* Once: shared_info, this file's event callback, VIRQ_TIMER bound, no periodic timer. */
static int setup(void)
{
    struct callback_register cb = {
        .type = CALLBACKTYPE_event,
        .address = (uint64_t)(uintptr_t)bench_event_entry,
    };
    static bool done;
    long rc;

    if (done)
        return 0;
    done = true;
    rc = events_init();

    if (!rc)
        rc = hypercall_callback_op(CALLBACKOP_register, &cb);
    if (!rc)
        rc = evtchn_bind_virq(VIRQ_TIMER, 0, &timer_port);
    if (!rc)
        rc = hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
    if (rc)
        return xtf_error("event set-up: %ld", rc);
    event_handler = on_event;
    events_unmask();
    return 0;
}

int bench_event_upcall(void)
{
    unsigned int port, i;
    uint64_t t0, best = ~0UL;
    int rc = setup();

    if (rc)
        return rc;
    if (evtchn_bind_ipi(0, &port))
        return xtf_error("bind_ipi failed");
    for (i = 0; i < ROUNDS; i++) {
        bench_upcall_tsc = 0;
        t0 = bench_tsc();
        evtchn_send(port);
        if (!bench_upcall_tsc)
            return xtf_error("no upcall after EVTCHNOP_send");
        if (bench_upcall_tsc - t0 < best)
            best = bench_upcall_tsc - t0;
    }
    bench_report("event_upcall", best, "insns");
    best = ~0UL;
    for (i = 0; i < ROUNDS; i++) {
        bench_upcall_tsc = 0;
        t0 = bench_tsc();
        hypercall_set_timer_op(pvclock_ns());
        while (!bench_upcall_tsc)
            ;
        if (bench_upcall_tsc - t0 < best)
            best = bench_upcall_tsc - t0;
    }
    bench_report("timer_virq", best, "insns");
    return 0;
}

/* The worst timer-to-upcall delay while pt_pin(4, l4_mfn) (pin true) or pt_unpin(l4_mfn)
 * runs, into *gap; the number of samples into *nr. 0 or the operation's error. */
static long sample_gap(unsigned long l4_mfn, bool pin, uint64_t *gap, uint64_t *nr)
{
    long rc;

    worst = samples = 0;
    sampling = true;
    arm_sample_timer();
    rc = pin ? pt_pin(4, l4_mfn) : pt_unpin(l4_mfn);
    sampling = false;
    hypercall_set_timer_op(0);
    *gap = worst;
    *nr = samples;
    return rc;
}

int bench_preempt_gap(void)
{
    static unsigned long frames[PT_ENTRIES];
    static struct pt_tree_1g tree;
    unsigned long l4_mfn;
    uint64_t gap, nr;
    unsigned int i;
    long rc;

    if ((rc = setup()) != 0)
        return (int)rc;
    for (i = 0; i < PT_ENTRIES; i++)
        frames[i] = bench_frame_mfn[i];
    pt_tree_1g_build(&tree, frames);
    l4_mfn = virt_to_mfn(tree.l4);
    if ((rc = pt_tree_1g_set_rw(&tree, false)) != 0)
        return xtf_error("making the 1 GiB tree read-only: %ld", rc);
    rc = sample_gap(l4_mfn, true, &gap, &nr);
    if (rc)
        return xtf_error("pinning the 1 GiB tree: %ld", rc);
    if ((rc = pt_unpin(l4_mfn)) != 0 || (rc = pt_tree_1g_set_rw(&tree, true)) != 0)
        return xtf_error("unpinning the 1 GiB tree: %ld", rc);
    printk("preempt_gap_pin1g: %lu samples\n", (unsigned long)nr);
    if (nr < 4)
        return xtf_error("only %lu timer samples during the pin", (unsigned long)nr);
    bench_report("preempt_gap_pin1g", gap, "insns");
    return 0;
}

/* The same for a pin and an unpin of the 4 GiB tree (2048 full L1s, distinct frames). */
int bench_preempt_gap_4g(void)
{
    unsigned long l4_mfn;
    uint64_t gap[2], nr[2];
    long rc;

    if ((rc = setup()) != 0)
        return (int)rc;
    events_unmask();                        /* user mode (fork_exec) left them masked */
    tree_alloc();
    tree_fill(BENCH_TREE_L1S, PT_ENTRIES);
    l4_mfn = virt_to_mfn(bench_tree.l4);
    if ((rc = tree_set_ro(true)) != 0)
        return xtf_error("sealing the 4 GiB tree: %ld", rc);
    if ((rc = sample_gap(l4_mfn, true, &gap[0], &nr[0])) != 0)
        return xtf_error("pinning the 4 GiB tree: %ld", rc);
    if ((rc = sample_gap(l4_mfn, false, &gap[1], &nr[1])) != 0)
        return xtf_error("unpinning the 4 GiB tree: %ld", rc);
    if ((rc = tree_set_ro(false)) != 0)
        return xtf_error("unsealing the 4 GiB tree: %ld", rc);
    printk("preempt_gap_4g: %lu samples in the pin, %lu in the unpin\n",
           (unsigned long)nr[0], (unsigned long)nr[1]);
    if (nr[0] < 4 || nr[1] < 4)
        return xtf_error("too few timer samples during the 4 GiB pin/unpin");
    bench_report("preempt_gap_pin4g", gap[0], "insns");
    bench_report("preempt_gap_unpin4g", gap[1], "insns");
    return 0;
}

/* Pin the 4 GiB tree and leave it pinned: the domain's teardown after the shutdown releases
 * it (pvmm-hv measures that teardown's longest stretch between preemption points). */
int bench_destroy_state(void)
{
    long rc;

    tree_alloc();
    tree_fill(BENCH_TREE_L1S, PT_ENTRIES);
    rc = tree_set_ro(true);
    if (!rc)
        rc = pt_pin(4, virt_to_mfn(bench_tree.l4));
    if (rc)
        return xtf_error("pinning the 4 GiB tree for the teardown: %ld", rc);
    printk("destroy_state: a 4 GiB tree pinned for the teardown\n");
    return 0;
}
