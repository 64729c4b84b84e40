/*
 * hv/sched-rr.c - the scheduler: round robin over per-CPU run queues with a 30 ms time slice,
 * and a per-CPU idle vCPU that halts with interrupts on.
 *
 * Every vCPU, of any domain, belongs to one CPU (hv_vcpu.processor) and is at any moment
 * either running there (percpu.curr), queued on that CPU's run queue (runnable), blocked
 * (SCHEDOP_block or poll: waiting for an event), or offline (down, or never initialised).
 * vcpu_runnable() is "initialised, not down, not blocked, its domain not paused" (domains.c).
 *
 * schedule() is the SCHEDULE_SOFTIRQ handler, so it runs only on the exit path to a guest
 * (guest_exit_slow, sched.c), with interrupts off and the CPU's guest frame belonging to
 * current:
 *   - a runnable current vCPU keeps the CPU unless another vCPU is queued and its slice has
 *     expired or it yielded; then it goes to the tail of the queue;
 *   - otherwise the head of the queue runs, or the idle vCPU when the queue is empty;
 *   - a vCPU still queued afterwards nudges an idle CPU it may run on, which takes it
 *     (steal_work): simple balancing, which does not rely on the one nudge of a wake-up
 *     (the idle CPU's trylock of this queue may fail).
 * The slice timer runs only while another vCPU waits.  Waking (vcpu_wake: an event, a poll
 * timeout, VCPUOP_up) puts the vCPU at the head of the queue and makes its CPU reschedule:
 * it preempts the running vCPU, which goes to the tail.  Runstates (running, runnable,
 * blocked, offline) change at each of these steps (context_switch, vcpu_wake, vcpu_sleep).  While current is the idle vCPU the exit path
 * halts with `sti; hlt` (sched.c); the interrupt that makes a vCPU runnable raises the
 * softirq that switches to it.
 *
 * Several CPUs: run queues, the idle vCPU and the slice timer are per CPU (struct percpu).  A vCPU
 * stays on the CPU it was placed on (hv_vcpu.processor: dom0's vCPU i on CPU i mod the
 * number of CPUs, Xen's default of one vCPU per CPU), except that a CPU about to idle takes
 * a queued vCPU from another CPU's queue (pull migration, steal_work), and that a vCPU whose
 * hard affinity (affinity.c) excludes its CPU moves to one it allows (pick_cpu: an idle one
 * of hard and soft affinity first): at once when queued (sched_affinity_changed), when its
 * CPU next schedules when running, when it wakes up when blocked or down.  steal_work takes
 * only a vCPU whose hard affinity allows the stealing CPU.  Whoever switches to a vCPU that
 * another CPU still holds lazily makes that CPU save it first, and its timers follow it
 * (take_vcpu: a compare each when the vCPU stays where it was).  A vCPU's processor changes
 * only under the run-queue lock of the CPU it names (lock_runq_of).  A CPU's queue and its
 * curr change under its runq_lock, interrupts off, from any CPU: vcpu_wake on another CPU
 * queues it under the lock and sends the owner a reschedule (an event-check IPI through
 * cpu_raise_softirq); schedule() decides and sets curr under the lock.  So a wake-up that
 * races with the vCPU's own CPU descheduling it is never lost: either the waker sees curr
 * still the vCPU after schedule() saw it runnable (it keeps running), or schedule() switched
 * curr away first and the waker queues it.
 */
#include "events.h"
#include <xen/vcpu.h>

#define SCHED_SLICE  MILLISECS(30)

static struct vcpu idle_vcpu[HV_MAX_CPUS];
static struct hv_vcpu idle_hv_vcpu[HV_MAX_CPUS];
static struct vcpu_info idle_vcpu_info[HV_MAX_CPUS];   /* never read by a guest */

static void runq_insert(struct percpu *pc, struct vcpu *v)
{
    struct hv_vcpu *h = hvv(v);

    h->runq_next = NULL;
    h->on_runq = true;
    if (pc->runq_tail)
        hvv(pc->runq_tail)->runq_next = v;
    else
        pc->runq_head = v;
    pc->runq_tail = v;
}

/* Put v at the head of the queue: it runs next. */
static void runq_push_front(struct percpu *pc, struct vcpu *v)
{
    struct hv_vcpu *h = hvv(v);

    h->runq_next = pc->runq_head;
    h->on_runq = true;
    pc->runq_head = v;
    if (!pc->runq_tail)
        pc->runq_tail = v;
}

static void runq_remove(struct percpu *pc, struct vcpu *v)
{
    struct vcpu *prev = NULL;

    for (struct vcpu *p = pc->runq_head; p; prev = p, p = hvv(p)->runq_next) {
        if (p != v)
            continue;
        if (prev)
            hvv(prev)->runq_next = hvv(p)->runq_next;
        else
            pc->runq_head = hvv(p)->runq_next;
        if (pc->runq_tail == v)
            pc->runq_tail = prev;
        break;
    }
    hvv(v)->on_runq = false;
    hvv(v)->runq_next = NULL;
}

static struct vcpu *runq_pop(struct percpu *pc)
{
    struct vcpu *v = pc->runq_head;
    if (v)
        runq_remove(pc, v);
    return v;
}

/* Lock the run queue of the CPU h's vCPU belongs to and return that CPU (h->processor
 * changes only under the lock of the queue it names). */
static struct percpu *lock_runq_of(struct hv_vcpu *h)
{
    for (;;) {
        struct percpu *pc = &percpu_area[__atomic_load_n(&h->processor, __ATOMIC_ACQUIRE)];

        spin_lock(&pc->runq_lock);
        if (pc == &percpu_area[h->processor])
            return pc;
        spin_unlock(&pc->runq_lock);
    }
}

/* Whether v's hard affinity allows CPU cpu. */
static bool may_run_on(struct vcpu *v, unsigned int cpu)
{
    return (__atomic_load_n(&hvv(v)->hard_affinity, __ATOMIC_RELAXED) >> cpu) & 1;
}

/*
 * The CPU v should move to, its hard affinity excluding the one it is on: one that both its
 * hard and soft affinity allow if there is one, else one its hard affinity allows; of those
 * an idle CPU first, else the lowest.  (setvcpuaffinity keeps at least one online CPU in
 * the hard affinity; the CPU v is on is the answer if none is left.)
 */
static unsigned int pick_cpu(struct vcpu *v)
{
    const struct hv_vcpu *h = hvv(v);
    cpumask_t hard = __atomic_load_n(&h->hard_affinity, __ATOMIC_RELAXED) & cpu_online_map;
    cpumask_t both = hard & __atomic_load_n(&h->soft_affinity, __ATOMIC_RELAXED);
    cpumask_t mask = both ? both : hard;

    if (!mask)
        return h->processor;
    for (unsigned int c = 0; c < nr_cpus_online; c++) {
        const struct percpu *o = &percpu_area[c];
        if (((mask >> c) & 1) && o->curr == o->idle && !o->parked)
            return c;
    }
    return (unsigned int)__builtin_ctzl(mask);
}

/* The CPU whose state holds v lazily (pc.loaded) saves it, so v can run elsewhere. */
static void sync_fn(void *data)
{
    vcpu_save_if_loaded(data);
}

/*
 * pc is about to switch to v, which it did not run last: a CPU that still holds v's state
 * lazily saves it first (Xen's sync_vcpu_execstate), and v's timers move to pc.  Nothing to
 * do (two compares) when v stays on the CPU it ran on.
 */
static void take_vcpu(struct percpu *pc, struct vcpu *v)
{
    struct hv_vcpu *h = hvv(v);
    cpumask_t others = __atomic_load_n(&h->dirty_cpumask, __ATOMIC_ACQUIRE) &
                       ~(1UL << pc->cpu_id);

    if (others && pc->loaded != v)
        on_selected_cpus(others, sync_fn, v);
    if (__atomic_load_n(&h->singleshot_timer.cpu, __ATOMIC_ACQUIRE) != pc->cpu_id)
        vcpu_timers_migrate(v, pc->cpu_id);
}

/* Some CPU other than pc that v may run on idles: make it reschedule, so it takes v from
 * pc's queue (steal_work). */
static void kick_idle_cpu(const struct percpu *pc, struct vcpu *v)
{
    for (unsigned int c = 0; c < nr_cpus_online; c++) {
        const struct percpu *o = &percpu_area[c];
        if (o != pc && o->curr == o->idle && !o->parked && may_run_on(v, c)) {
            cpu_raise_softirq(c, SCHEDULE_SOFTIRQ);
            return;
        }
    }
}

/*
 * This CPU has nothing to run: take the first queued vCPU of another CPU's queue that may
 * run here (pull migration, within hard affinity), make it this CPU's curr and return it,
 * or NULL.  Both queues' locks are held while it moves (this CPU's, then the other's only
 * if free: no lock order to keep), so no wake-up sees it neither queued nor running.  Its old CPU saves its state first if it still
 * holds it (a lazy switch to idle keeps it there), and its timers follow it.
 */
static struct vcpu *steal_work(struct percpu *me)
{
    struct vcpu *v = NULL;
    unsigned int from = 0;

    spin_lock(&me->runq_lock);
    for (unsigned int c = 0; c < nr_cpus_online && !v && !me->runq_head; c++) {
        struct percpu *pc = &percpu_area[c];

        if (pc == me || !pc->runq_head || !spin_trylock(&pc->runq_lock))
            continue;
        for (v = pc->runq_head; v && !may_run_on(v, me->cpu_id); v = hvv(v)->runq_next)
            ;
        if (v) {
            runq_remove(pc, v);
            __atomic_store_n(&hvv(v)->processor, me->cpu_id, __ATOMIC_RELEASE);
            me->curr = v;
            from = c;
        }
        spin_unlock(&pc->runq_lock);
    }
    spin_unlock(&me->runq_lock);
    if (!v)
        return NULL;
    if (percpu_area[from].loaded == v)
        on_selected_cpus(1UL << from, sync_fn, v);
    vcpu_timers_migrate(v, me->cpu_id);
    return v;
}

/* The slice of the vCPU running on this CPU is over: reschedule (a queued vCPU goes next). */
static void slice_timer_fn(void *data)
{
    struct percpu *pc = data;
    pc->slice_expired = true;
    raise_softirq(SCHEDULE_SOFTIRQ);       /* the timer runs on pc's own CPU */
}

/*
 * Set up CPU `cpu`'s scheduler: its idle vCPU (always "blocked", so the exit path's fast
 * test sends it to the slow path, with a vcpu_info of its own whose events stay masked), an
 * empty run queue and the guest frame at the top of its stack.  The CPU starts running idle.
 */
void sched_init_cpu(unsigned int cpu, struct cpu_regs *regs)
{
    struct percpu *pc = &percpu_area[cpu];
    struct vcpu *v = &idle_vcpu[cpu];
    struct hv_vcpu *h = &idle_hv_vcpu[cpu];

    pc->regs = regs;
    v->vcpu_id = cpu;
    v->plat = h;
    h->is_idle = true;
    h->blocked = true;
    h->processor = cpu;
    h->vcpu_info = &idle_vcpu_info[cpu];
    h->vcpu_info->evtchn_upcall_mask = 1;
    pc->idle = v;
    pc->curr = v;
    init_timer(&pc->slice_timer, slice_timer_fn, pc, cpu);
}

/*
 * v may have become runnable (woken from blocked or offline, brought up): it goes to the
 * head of its CPU's queue and that CPU reschedules at its next exit, so v runs next and
 * the vCPU it preempts goes to the tail (as Xen runs a woken vCPU at once: measured with
 * VCPUOP_up on one CPU).  Nothing for a vCPU that is not runnable, already queued or
 * running.  Any context, interrupts on or off.
 */
void vcpu_wake(struct vcpu *v)
{
    struct hv_vcpu *h = hvv(v);
    unsigned long flags = local_irq_save();
    struct percpu *pc;
    struct vcpu *preempted = NULL;
    bool kick = false;

    for (;;) {
        unsigned int to;

        pc = lock_runq_of(h);
        if (may_run_on(v, pc->cpu_id) || pc->curr == v || h->on_runq)
            break;
        /* Its hard affinity changed while it was off a CPU: it wakes on another. */
        to = pick_cpu(v);
        if (to == pc->cpu_id)
            break;
        __atomic_store_n(&h->processor, to, __ATOMIC_RELEASE);
        spin_unlock(&pc->runq_lock);
    }
    if (vcpu_runnable(v) && pc->curr != v && !h->on_runq) {
        runstate_set(v, RUNSTATE_runnable);
        runq_push_front(pc, v);
        pc->slice_expired = true;      /* it preempts the running vCPU, as on Xen 4.17 */
        kick = true;
        preempted = pc->curr;
    }
    spin_unlock(&pc->runq_lock);
    if (kick) {
        cpu_raise_softirq(pc->cpu_id, SCHEDULE_SOFTIRQ);        /* an IPI if remote */
        if (preempted != pc->idle)
            kick_idle_cpu(pc, preempted);   /* an idle CPU may take it (steal_work) */
    }
    local_irq_restore(flags);
}

/*
 * v's hard or soft affinity changed (affinity.c): if its hard affinity excludes its CPU, a
 * queued v leaves that CPU's queue for another CPU's (pick_cpu, then vcpu_wake there), a
 * running v is descheduled by its CPU's next schedule(), which moves it; a blocked or down
 * v moves when it wakes up (vcpu_wake).  A v still queued where it may run makes an idle
 * CPU it may now run on take it (steal_work).  Any context.
 */
void sched_affinity_changed(struct vcpu *v)
{
    struct hv_vcpu *h = hvv(v);
    unsigned long flags = local_irq_save();
    struct percpu *pc;
    bool requeue = false, resched = false, kick = false;

    pc = lock_runq_of(h);
    if (!may_run_on(v, pc->cpu_id)) {
        if (h->on_runq && pick_cpu(v) != pc->cpu_id) {
            runq_remove(pc, v);
            __atomic_store_n(&h->processor, pick_cpu(v), __ATOMIC_RELEASE);
            requeue = true;
        } else if (pc->curr == v) {
            resched = true;
        }
    } else {
        kick = h->on_runq;         /* an idle CPU it may now run on can take it */
    }
    spin_unlock(&pc->runq_lock);
    if (kick)
        kick_idle_cpu(pc, v);
    if (requeue)
        vcpu_wake(v);
    if (resched)
        cpu_raise_softirq(pc->cpu_id, SCHEDULE_SOFTIRQ);        /* an IPI if remote */
    local_irq_restore(flags);
}

/*
 * v stopped being runnable (down, or blocked while not running): take it off its run queue;
 * a running v is descheduled by its own CPU's next exit path.
 */
void vcpu_sleep(struct vcpu *v)
{
    struct hv_vcpu *h = hvv(v);
    unsigned long flags = local_irq_save();
    struct percpu *pc = lock_runq_of(h);
    bool resched = false;

    if (h->on_runq) {
        runq_remove(pc, v);
        runstate_set(v, h->blocked ? RUNSTATE_blocked : RUNSTATE_offline);
    } else if (pc->curr == v) {
        resched = true;
    }
    /* A blocked vCPU keeps the runstate blocked, as on Xen 4.17 (measured). */
    spin_unlock(&pc->runq_lock);
    if (resched)
        cpu_raise_softirq(pc->cpu_id, SCHEDULE_SOFTIRQ);        /* an IPI if remote */
    local_irq_restore(flags);
}

/*
 * Xen's vcpu_sleep_sync: vcpu_sleep, then wait until v is no CPU's current vCPU (the CPU it
 * ran on took the reschedule at its next preemption point or exit and switched away; v must
 * no longer be runnable, so it is not chosen again; every CPU is looked at, a vCPU may move
 * while we look).  Cross-CPU calls are answered while
 * waiting: the CPU v runs on may be waiting for this one (a TLB shootdown of v's domain).
 * The state the CPU may keep loaded lazily after it is sched_drop_domain's to drop.
 */
void vcpu_sleep_sync(struct vcpu *v)
{
    bool running = true;

    vcpu_sleep(v);
    while (running) {
        running = false;
        for (unsigned int c = 0; c < nr_cpus_online; c++)
            if (__atomic_load_n(&percpu_area[c].curr, __ATOMIC_ACQUIRE) == v)
                running = true;
        if (running) {
            smp_call_poll();
            cpu_relax();
        }
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* v has a new event to look at: if it runs on another CPU, make that CPU pass through its
 * exit path (where the upcall is delivered); a blocked v is woken by vcpu_unblock. */
void vcpu_kick(struct vcpu *v)
{
    unsigned int cpu = hvv(v)->processor;

    if (cpu != this_cpu()->cpu_id && percpu_area[cpu].curr == v)
        smp_send_event_check(cpu);
}

/* SCHEDOP_yield: let the other runnable vCPUs of this CPU run before v again. */
void vcpu_yield(struct vcpu *v)
{
    hvv(v)->yielded = true;
    raise_softirq(SCHEDULE_SOFTIRQ);
}

/* SCHEDULE_SOFTIRQ: pick the vCPU to run on this CPU and switch to it (see the header). */
void schedule(void)
{
    struct percpu *pc = this_cpu();
    struct vcpu *prev = pc->curr, *next, *moving = NULL, *waiting;
    struct hv_vcpu *ph = hvv(prev);
    bool expired = pc->slice_expired;
    unsigned int to;

    pc->slice_expired = false;
    next = prev;
    spin_lock(&pc->runq_lock);
    if (vcpu_runnable(prev) && !may_run_on(prev, pc->cpu_id) &&
        (to = pick_cpu(prev)) != pc->cpu_id) {
        /* Its hard affinity excludes this CPU: it goes to another (woken there below). */
        __atomic_store_n(&ph->processor, to, __ATOMIC_RELEASE);
        moving = prev;
        next = runq_pop(pc);
        if (!next)
            next = pc->idle;
    } else if (vcpu_runnable(prev)) {
        if (pc->runq_head && (expired || ph->yielded)) {
            runq_insert(pc, prev);
            next = runq_pop(pc);
        }
    } else {
        next = runq_pop(pc);
        if (!next)
            next = pc->idle;
    }
    pc->curr = next;                       /* under the lock: vcpu_wake sees it */
    waiting = pc->runq_head;
    spin_unlock(&pc->runq_lock);
    if (is_idle_vcpu(next) && nr_cpus_online > 1 && !pc->parked) {
        struct vcpu *stolen = steal_work(pc);
        if (stolen)
            next = stolen;
    }
    ph->yielded = false;
    if (next != prev && !is_idle_vcpu(next))
        take_vcpu(pc, next);
    if (next != prev)
        context_switch(prev, next);
    if (moving)
        vcpu_wake(moving);              /* on its new CPU, which takes it from this one */
    if (waiting && nr_cpus_online > 1)
        kick_idle_cpu(pc, waiting);     /* balancing: an idle CPU may take it (steal_work) */
    if (!is_idle_vcpu(next) && pc->runq_head) {
        if (!pc->slice_timer.active || next != prev)
            set_timer(&pc->slice_timer, NOW() + SCHED_SLICE);
    } else {
        stop_timer(&pc->slice_timer);
    }
}
