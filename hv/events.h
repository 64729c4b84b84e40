/*
 * hv/events.h - time, interrupts, softirqs, timers, event channels and scheduling:
 * the interfaces between apic.c, irq.c, time.c, softirq.c, timer.c, evtchn.c, evtchn-op.c,
 * sched.c and vcpu-op.c (docs/hv.md, "Time, interrupts and events").
 */
#ifndef HV_EVENTS_H
#define HV_EVENTS_H

#include "hv.h"
#include "domains.h"
#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/vcpu.h>

/* Vectors of the hypervisor's own interrupts (above every exception and the PIC's 0x20-0x2f). */
#define FIRST_IRQ_VECTOR   0x20
#define TIMER_VECTOR       0xf0
#define SPURIOUS_VECTOR    0xff

static inline void local_irq_enable(void)  { __asm__ volatile("sti" ::: "memory"); }
static inline void local_irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
static inline unsigned long local_irq_save(void)
{
    unsigned long f;
    __asm__ volatile("pushf; pop %0; cli" : "=r"(f) :: "memory");
    return f;
}
static inline void local_irq_restore(unsigned long f)
{
    if (f & X86_EFLAGS_IF)
        local_irq_enable();
}

/* ---- the local APIC (apic.c) and interrupt dispatch (irq.c) ---- */
void apic_init(void);
void apic_eoi(void);
void apic_calibrate_start(void);
uint32_t apic_timer_count(void);
void apic_calibrate_stop(void);
void apic_set_timer_khz(uint64_t khz);
void apic_set_deadline(uint64_t tsc);          /* 0: disarm */
void apic_self_nmi(void);
void apic_nmi_after(uint32_t ticks);
void do_IRQ(struct cpu_regs *r);

/* ---- time (time.c) ---- */
extern uint64_t tsc_khz;
void time_init(void);
void time_init_cpu(unsigned int cpu);
uint64_t get_s_time(void);                     /* ns since boot */
uint64_t s_time_to_tsc(uint64_t ns);
void time_init_wallclock(struct shared_info *si);
void time_set_wallclock(uint64_t secs, uint32_t nsecs, uint64_t system_time);
void update_vcpu_system_time(struct vcpu *v);
void update_time_area(struct vcpu *v);
#define NOW() get_s_time()
#define MILLISECS(ms) ((uint64_t)(ms) * 1000000UL)

/* ---- softirqs (softirq.c) ---- */
enum { TIMER_SOFTIRQ, PIRQ_SOFTIRQ, SCHEDULE_SOFTIRQ, NR_SOFTIRQS };
void raise_softirq(unsigned int nr);
void do_softirq(void);
static inline bool softirq_pending(void) { return this_cpu()->softirq_pending != 0; }

/* ---- software timers (timer.c) ---- */
void init_timer(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu);
void set_timer(struct timer *t, uint64_t expires);
void stop_timer(struct timer *t);
void kill_timer(struct timer *t);              /* stopped, and its function not running */
void timer_softirq_action(void);

/* ---- event channels (evtchn.c, evtchn-op.c) ---- */
void evtchn_init_domain(struct domain *d, struct shared_info *si);
/* A dying domain's ports, all closed: an interdomain peer's end goes back to unbound. */
void evtchn_destroy(struct domain *d);
void evtchn_init_vcpu(struct vcpu *v);
void evtchn_set_max_port(struct domain *d, uint32_t max_port);
void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq);
/* GSI event of pirq: raises `port` if it is still bound to that pirq. */
void send_guest_pirq(struct domain *d, uint32_t pirq, uint32_t port);
bool evtchn_port_is_pending(struct domain *d, uint32_t port);
uint32_t evtchn_max_ports(struct domain *d);
void evtchn_fifo_destroy(struct domain *d);    /* back to 2-level: d's event_lock held */
/* Xen's local_events_need_delivery: an upcall is pending and not masked in v's vcpu_info. */
static inline bool local_events_need_delivery(struct vcpu *v)
{
    const volatile struct vcpu_info *vi = hvv(v)->vcpu_info;

    return vi->evtchn_upcall_pending && !vi->evtchn_upcall_mask;
}
void vcpu_mark_events_pending(struct vcpu *v);
long hc_event_channel_op(unsigned long cmd, uint64_t arg);
long hc_event_channel_op_compat(uint64_t arg);

/* ---- physical interrupts of the hardware domain (io-apic.c, pirq.c) ---- */
#define PIRQ_VECTOR_BASE   0x30            /* GSI g arrives on vector 0x30 + g */
#define PIRQ_MAX_GSIS      64
#define PIRQ_MAX_PIRQS     (8 * 208)
void ioapic_init(void);
uint32_t ioapic_nr_gsis(void);
bool ioapic_read_reg(uint64_t phys, uint32_t reg, uint32_t *val);
void ioapic_route(uint32_t gsi, bool level, bool active_low, bool masked);
void ioapic_set_masked(uint32_t gsi, bool masked);
void pirq_init(void);
long pirq_bind_check(struct domain *d, uint32_t pirq);   /* 0, -EINVAL, -EPERM, -EEXIST */
void pirq_bind(uint32_t pirq, uint32_t port);
void pirq_unbind(struct domain *d, uint32_t pirq);
void pirq_domain_teardown(struct domain *d);
void pirq_interrupt(uint32_t gsi);
void pirq_softirq_action(void);
long hc_physdev_pirq(unsigned long cmd, uint64_t arg);

/* ---- scheduling (sched.c, sched-rr.c, context-switch.c) ---- */
void vcpu_block(struct vcpu *v);
void vcpu_unblock(struct vcpu *v);
bool poll_claim(struct vcpu *v);
void runstate_set(struct vcpu *v, int state);
void runstate_get(struct vcpu *v, struct vcpu_runstate_info *ri);
void update_runstate_area(struct vcpu *v);
void sched_init_cpu(unsigned int cpu, struct cpu_regs *regs);
extern volatile bool domains_paused;
/* The domain's vCPUs may not run: paused by the controller, shut down or dying (domains.c).
 * Inline, as the two below: the exit path asks them whenever it has work (an upcall). */
static inline bool domain_paused(const struct domain *d)
{
    const struct hv_domain *hd = hv_dom(d);

    return hd->pause_count || hd->shut_down || d->is_dying;
}
/* v is a CPU's idle vCPU (sched-rr.c). */
static inline bool is_idle_vcpu(struct vcpu *v)
{
    return hvv(v)->is_idle;
}
/* v may run: initialised, not down, not blocked, not idle, its domain not paused, and no
 * pause of every domain (domain-pause.c) on (sched-rr.c). */
static inline bool vcpu_runnable(struct vcpu *v)
{
    const struct hv_vcpu *h = hvv(v);

    return h->initialised && !h->down && !h->blocked && !h->is_idle &&
           !domain_paused(v->domain) && !domains_paused;
}
void vcpu_wake(struct vcpu *v);
void vcpu_sleep(struct vcpu *v);
void vcpu_sleep_sync(struct vcpu *v);         /* and wait until it runs on no CPU */
void sched_affinity_changed(struct vcpu *v);      /* sched-rr.c: move it if it must */
long sched_pin_override(struct vcpu *v, uint64_t arg);                  /* affinity.c */
void vcpu_yield(struct vcpu *v);
void vcpu_kick(struct vcpu *v);
void schedule(void);
void context_switch(struct vcpu *prev, struct vcpu *next);
void sched_forget_domain(struct domain *d);
void sched_drop_domain(struct domain *d);      /* a domU going: no CPU holds its vCPUs */
void failsafe_bounce(struct cpu_regs *r, struct vcpu *v);
void vcpu_fpu_init(struct hv_vcpu *h, const void *fxsave_img);     /* xstate.c */
void vcpu_xstate_setup(struct vcpu *v);
void vcpu_fpu_save(struct hv_vcpu *h);
void vcpu_fpu_restore(struct hv_vcpu *h);
long sched_poll(struct vcpu *v, uint64_t arg);
void guest_exit_slow(struct cpu_regs *r);
/* The exit path's work (sched.c), inline for the common case of nothing to do. */
static inline void guest_exit_work(struct cpu_regs *r)
{
    const struct percpu *pc = this_cpu();
    const struct hv_vcpu *h = hvv(pc->curr);

    /* One test of the three (no branch per condition on every exit). */
    if (__builtin_expect(pc->softirq_pending | h->blocked |
                         *(const volatile uint8_t *)&h->vcpu_info->evtchn_upcall_pending, 0))
        guest_exit_slow(r);
}
/* Xen's hypercall_preempt_check: a softirq is pending or an event can be delivered.  The
 * teardown of a crashed domain (no current vCPU, interrupts off) runs to the end.  Inline: the
 * core asks before every entry of a long validation. */
static inline bool hv_preempt_check(struct vcpu *v)
{
    if (!current)
        return false;               /* a crashed domain's teardown: nothing to return to */
    return softirq_pending() || (v->plat && local_events_need_delivery(v));
}

/* ---- vCPU timers and operations (vcpu-op.c) ---- */
void vcpu_timers_init(struct vcpu *v);
void vcpu_timers_migrate(struct vcpu *v, unsigned int cpu);
void migrate_timer(struct timer *t, unsigned int cpu);              /* timer.c */
void vcpu_save_if_loaded(struct vcpu *v);                           /* context-switch.c */
/* Every other CPU stops running guest vCPUs and drops their state (domain-pause.c). */
void domain_pause_others(void);
void hv_vcpu_setup(struct vcpu *v, struct hv_vcpu *h, struct vcpu_info *vi, unsigned int cpu);
long vcpu_initialise(struct vcpu *v, uint64_t arg);                 /* vcpu-context.c */
long vcpu_up(struct vcpu *v);
long vcpu_down(struct vcpu *v);
void vcpu_events_teardown(struct domain *d);
void set_periodic(struct vcpu *v, uint64_t period_ns);   /* 0: stop */
long hc_set_timer_op(uint64_t timeout);
long hc_vcpu_op(unsigned long cmd, unsigned long vcpuid, uint64_t arg);

#endif /* HV_EVENTS_H */
