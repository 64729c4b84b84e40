/*
 * events.h: shared_info, the guest's PV clock, and event-channel delivery.
 *
 * events_init() maps shared_info (start_info->shared_info is its machine address) and
 * registers the event callback. Events then arrive as upcalls while vcpu_info's
 * evtchn_upcall_mask is clear: the callback scans the 2-level bitmaps, clears each pending
 * unmasked port and calls event_handler(port, regs) with the interrupted registers.
 */
#ifndef GUEST_EVENTS_H
#define GUEST_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/event_channel.h>
#include <xen/xen.h>

#include "traps.h"

#define EVENT_VECTOR 0x100        /* the vector number do_exception sees for an upcall */

extern struct shared_info *shared_info;
extern void (*event_handler)(unsigned int port, const struct cpu_regs *regs);
extern volatile unsigned long upcall_count;
/* With several vCPUs (lib/vcpus.h): called instead of event_handler, with the vCPU whose
 * upcall found the port; upcalls of vCPUs 1-3 are counted here (vCPU 0's in upcall_count). */
extern void (*event_handler_vcpu)(unsigned int vcpu, unsigned int port,
                                  const struct cpu_regs *regs);
extern volatile unsigned long upcall_count_vcpu[4];

/* Map shared_info (shared_info, vcpu0_info_ptr) unless it is mapped: 0 or a negated XEN_E*. */
int shared_info_map(void);
/* Map shared_info and register the event callback. Returns 0 or a negated XEN_E*. */
int events_init(void);

/* The guest's view of system time (ns), from vcpu_info[0].time. */
uint64_t pvclock_ns(void);
/* A deadline ns of PV-clock time from now, for pvclock_before (shared_info is mapped
 * first if it is not); 0 (no deadline) if it cannot be mapped. */
uint64_t pvclock_deadline(uint64_t ns);
/* True while the PV clock is before `end` (false for the deadline 0): a wait's bound in
 * time, which a loaded host or a peer on another CPU cannot outrun as a count of tries. */
bool pvclock_before(uint64_t end);
/* The TSC frequency (kHz) that vcpu_info[0].time's scale implies. */
uint64_t pvclock_tsc_khz(void);

/* vCPU 0's vcpu_info: in shared_info, or where VCPUOP_register_vcpu_info moved it. */
extern struct vcpu_info *vcpu0_info_ptr;
static inline struct vcpu_info *vcpu0_info(void)
{
    return vcpu0_info_ptr;
}

/* The virtual interrupt flag. */
static inline void events_mask(void)
{
    vcpu0_info()->evtchn_upcall_mask = 1;
    asm volatile ("" ::: "memory");
}
/* Clear the mask; a pending upcall arrives at the next hypercall (xen_version). */
void events_unmask(void);

static inline void port_mask(unsigned int port)
{
    __atomic_fetch_or(&shared_info->evtchn_mask[port / 64], 1UL << (port % 64),
                      __ATOMIC_SEQ_CST);
}
static inline bool port_pending(unsigned int port)
{
    return (shared_info->evtchn_pending[port / 64] >> (port % 64)) & 1;
}
static inline void port_clear(unsigned int port)
{
    __atomic_fetch_and(&shared_info->evtchn_pending[port / 64], ~(1UL << (port % 64)),
                       __ATOMIC_SEQ_CST);
}

/* Block in SCHEDOP_poll until port is pending, then clear it. */
void port_wait(unsigned int port);

/* Event-channel commands; each returns the hypercall's result. */
long evtchn_bind_virq(unsigned int virq, unsigned int vcpu, unsigned int *port);
long evtchn_bind_ipi(unsigned int vcpu, unsigned int *port);
long evtchn_alloc_unbound(domid_t remote, unsigned int *port);
long evtchn_send(unsigned int port);
long evtchn_close(unsigned int port);
long evtchn_unmask(unsigned int port);

/* The upcall entry point (traps-entry.S) and the dispatcher do_exception calls. */
void event_upcall(const struct cpu_regs *regs);

#endif /* GUEST_EVENTS_H */
