/*
 * hv/timer.c - software timers on each CPU's local APIC timer.
 *
 * Each CPU keeps its armed timers in a list sorted by expiry (a handful per vCPU: the
 * singleshot, periodic and poll timers), and arms the APIC for the head.  The timer
 * interrupt only raises TIMER_SOFTIRQ; timer_softirq_action() then runs every timer that is
 * due (interrupts off) and re-arms the APIC for the next one.  A timer never runs before its
 * expiry, as on Xen (a guest's SCHEDOP_poll timeout or singleshot deadline is a promise of
 * "not before"): one due within TIMER_SLOP - set that close, or woken for a little early by
 * the one-shot APIC, whose rate is a calibrated estimate - is waited for on the TSC by the
 * softirq rather than re-armed, since under TCG every APIC interrupt costs a trip through
 * QEMU's main loop (milliseconds on a loaded host).  Each list belongs to one CPU and is changed under that CPU's timer_lock
 * with interrupts off, from any CPU; only its own CPU programs its APIC, so a timer set at
 * the head of another CPU's list raises TIMER_SOFTIRQ there (an event-check IPI), which
 * re-arms it.  A timer's function runs with the lock dropped (it may set timers again).
 * A timer moves to another CPU with its vCPU (migrate_timer); its cpu changes only under the
 * old list's lock, so every other operation locks the list t->cpu names and checks it again.
 */
#include "events.h"

#define TIMER_SLOP  50000UL    /* ns: a head this close is waited for, not re-armed */

void init_timer(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu)
{
    memset(t, 0, sizeof(*t));
    t->fn = fn;
    t->data = data;
    t->cpu = cpu;
}

static void list_remove(struct timer **head, struct timer *t)
{
    for (struct timer **pp = head; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->next = NULL;
    t->active = false;
}

/* Arm this CPU's APIC for its list's head, or disarm it (interrupts off).  A head due
 * within the slop is left to the softirq (raised here), which waits for it: no round trip
 * through the APIC. */
static void reprogram(struct percpu *pc)
{
    uint64_t expires = 0;
    bool any;

    spin_lock(&pc->timer_lock);
    any = pc->timers != NULL;
    if (any)
        expires = pc->timers->expires;
    spin_unlock(&pc->timer_lock);
    if (any && expires <= NOW() + TIMER_SLOP) {
        raise_softirq(TIMER_SOFTIRQ);
        return;
    }
    apic_set_deadline(any ? s_time_to_tsc(expires) : 0);
}

/* Arm the CPU's APIC for its new head: here directly, on another CPU through its softirq. */
static void head_changed(struct percpu *pc)
{
    if (pc == this_cpu())
        reprogram(pc);
    else
        cpu_raise_softirq(pc->cpu_id, TIMER_SOFTIRQ);
}

/*
 * Lock the list of the CPU t belongs to (interrupts off).  t->cpu changes only under the old
 * CPU's lock (migrate_timer), so it is read again once the lock is held.
 */
static struct percpu *lock_timer(struct timer *t)
{
    for (;;) {
        struct percpu *pc = &percpu_area[__atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE)];

        spin_lock(&pc->timer_lock);
        if (pc == &percpu_area[t->cpu])
            return pc;
        spin_unlock(&pc->timer_lock);
    }
}

/* Arm t for system time `expires` (a past time fires at the next timer softirq). */
void set_timer(struct timer *t, uint64_t expires)
{
    unsigned long flags = local_irq_save();
    struct percpu *pc = lock_timer(t);
    struct timer **pp;
    bool head;

    if (t->active)
        list_remove(&pc->timers, t);
    t->expires = expires;
    for (pp = &pc->timers; *pp && (*pp)->expires <= expires; pp = &(*pp)->next)
        ;
    t->next = *pp;
    *pp = t;
    t->active = true;
    head = pc->timers == t;
    spin_unlock(&pc->timer_lock);
    if (head)
        head_changed(pc);
    local_irq_restore(flags);
}

void stop_timer(struct timer *t)
{
    unsigned long flags = local_irq_save();
    struct percpu *pc = lock_timer(t);
    bool was_head = false;

    if (t->active) {
        was_head = pc->timers == t;
        list_remove(&pc->timers, t);
    }
    spin_unlock(&pc->timer_lock);
    if (was_head)
        head_changed(pc);
    local_irq_restore(flags);
}

/* Stop t and wait until its function runs on no CPU (Xen's kill_timer): then it neither fires
 * nor is in the middle of firing, and its data may go.  The caller has made sure that the
 * function re-arms it no more (a function that had already decided to is waited for, and
 * the timer stopped again). */
void kill_timer(struct timer *t)
{
    do {
        stop_timer(t);
        for (unsigned int cpu = 0; cpu < HV_MAX_CPUS; cpu++)
            while (__atomic_load_n(&percpu_area[cpu].timer_running, __ATOMIC_ACQUIRE) == t)
                cpu_relax();
    } while (__atomic_load_n(&t->active, __ATOMIC_ACQUIRE));
}

/* Move t to CPU cpu's list, keeping its expiry if it was armed (its vCPU moved there). */
void migrate_timer(struct timer *t, unsigned int cpu)
{
    unsigned long flags = local_irq_save();
    struct percpu *pc = lock_timer(t);
    uint64_t expires = t->expires;
    bool armed = t->active;

    if (armed)
        list_remove(&pc->timers, t);
    __atomic_store_n(&t->cpu, cpu, __ATOMIC_RELEASE);
    spin_unlock(&pc->timer_lock);
    if (armed)
        set_timer(t, expires);
    local_irq_restore(flags);
}

/*
 * TIMER_SOFTIRQ: run the expired timers (each may re-arm itself), then re-arm the APIC.  A
 * head due within the slop is waited for (at most TIMER_SLOP, the lock dropped: it may be
 * stopped or moved meanwhile, so the head is looked at again) and then run, never before
 * its expiry.
 */
void timer_softirq_action(void)
{
    struct percpu *pc = this_cpu();
    unsigned long flags = local_irq_save();
    uint64_t now = NOW();

    spin_lock(&pc->timer_lock);
    while (pc->timers && pc->timers->expires <= now + TIMER_SLOP) {
        struct timer *t = pc->timers;

        if (t->expires > now) {                 /* due within the slop: wait for it */
            uint64_t expires = t->expires;

            spin_unlock(&pc->timer_lock);
            while ((now = NOW()) < expires)
                cpu_relax();
            spin_lock(&pc->timer_lock);
            continue;                           /* the head again: it may have changed */
        }
        list_remove(&pc->timers, t);
        __atomic_store_n(&pc->timer_running, t, __ATOMIC_SEQ_CST);
        spin_unlock(&pc->timer_lock);
        t->fn(t->data);
        now = NOW();
        spin_lock(&pc->timer_lock);
        __atomic_store_n(&pc->timer_running, NULL, __ATOMIC_RELEASE);
    }
    spin_unlock(&pc->timer_lock);
    reprogram(pc);
    local_irq_restore(flags);
}
