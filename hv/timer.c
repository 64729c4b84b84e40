/*
 * hv/timer.c - software timers on each CPU's local APIC timer.
 *
 * Each CPU keeps its armed timers in a list sorted by expiry (a handful per vCPU: the
 * singleshot, periodic and poll timers), and arms the APIC for the head.  The timer
 * interrupt only raises TIMER_SOFTIRQ; timer_softirq_action() then runs every timer due
 * within TIMER_SLOP (interrupts off) and re-arms the APIC for the next one.  A timer set in
 * the past, or one the APIC would wake a little early for, runs from the softirq directly:
 * under TCG every APIC interrupt costs a trip through QEMU's main loop (milliseconds on a
 * loaded host).  Lists are
 * changed with interrupts off; each list belongs to one CPU.
 */
#include "events.h"

#define TIMER_SLOP  50000UL    /* ns: timers this close are run together (Xen's default) */

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

/* Arm the APIC for the list's head, or disarm it.  A head already due (within the slop) is
 * run by raising the softirq: no round trip through the APIC. */
static void reprogram(struct percpu *pc)
{
    if (pc->timers && pc->timers->expires <= NOW() + TIMER_SLOP) {
        raise_softirq(TIMER_SOFTIRQ);
        return;
    }
    apic_set_deadline(pc->timers ? s_time_to_tsc(pc->timers->expires) : 0);
}

/* Arm t for system time `expires` (a past time fires at the next timer softirq). */
void set_timer(struct timer *t, uint64_t expires)
{
    struct percpu *pc = &percpu_area[t->cpu];
    unsigned long flags = local_irq_save();
    struct timer **pp;

    if (t->active)
        list_remove(&pc->timers, t);
    t->expires = expires;
    for (pp = &pc->timers; *pp && (*pp)->expires <= expires; pp = &(*pp)->next)
        ;
    t->next = *pp;
    *pp = t;
    t->active = true;
    if (pc->timers == t)
        reprogram(pc);
    local_irq_restore(flags);
}

void stop_timer(struct timer *t)
{
    struct percpu *pc = &percpu_area[t->cpu];
    unsigned long flags = local_irq_save();
    if (t->active) {
        bool was_head = pc->timers == t;
        list_remove(&pc->timers, t);
        if (was_head)
            reprogram(pc);
    }
    local_irq_restore(flags);
}

/* TIMER_SOFTIRQ: run the expired timers (each may re-arm itself), then re-arm the APIC. */
void timer_softirq_action(void)
{
    struct percpu *pc = this_cpu();
    unsigned long flags = local_irq_save();
    uint64_t now = NOW();

    while (pc->timers && pc->timers->expires <= now + TIMER_SLOP) {
        struct timer *t = pc->timers;
        list_remove(&pc->timers, t);
        t->fn(t->data);
        now = NOW();
    }
    reprogram(pc);
    local_irq_restore(flags);
}
