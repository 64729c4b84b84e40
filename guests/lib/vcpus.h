/*
 * vcpus.h: secondary vCPUs for tests (VCPUOP_initialise and VCPUOP_up).
 *
 * vcpu_context_init() fills a PV64 vcpu_guest_context that runs fn(arg) in guest kernel
 * mode on a stack of its own, on the runtime's page tables (the current L4) and trap table,
 * with the event callback event_entry_<id> (upcalls reach event_handler_vcpu / event_handler
 * with the vCPU's own vcpu_info, shared_info->vcpu_info[id]) and the runtime's failsafe
 * callback (events masked). fn must not return (it ends with vcpu_down_self()). Up to
 * 3 secondary vCPUs (ids 1-3).
 */
#ifndef GUEST_VCPUS_H
#define GUEST_VCPUS_H

#include <stdint.h>
#include <xen/vcpu.h>

void vcpu_context_init(struct vcpu_guest_context *c, unsigned int id, void (*fn)(void *),
                       void *arg);
/* VCPUOP_initialise with vcpu_context_init's context, then VCPUOP_up; 0 or the first error. */
long vcpu_start(unsigned int id, void (*fn)(void *), void *arg);
/* VCPUOP_down of the calling vCPU `id`; returns when it has been brought up again. */
void vcpu_down_self(unsigned int id);
/* vCPU id's vcpu_info in shared_info (events_init() first). */
struct vcpu_info *vcpu_info_of(unsigned int id);

#endif /* GUEST_VCPUS_H */
