/*
 * stale-segment.h: a data segment that cannot be reloaded, and a context switch that must
 * reload it (the failsafe callback's trigger; failsafe-callback, failsafe-without-callback).
 *
 * stale_ds_setup() installs a one-page GDT whose entry 1 is a flat DPL-3 data segment, loads
 * %ds with it (0x0b) and zeroes the entry with update_descriptor: %ds keeps working on its
 * cached descriptor until something reloads it. stale_ds_switch() then makes the CPU switch
 * away from vCPU 0 and back: vCPU 1 (dom0 needs two vCPUs on one CPU) sends an IPI and takes
 * itself down while vCPU 0 waits for it with SCHEDOP_poll, events masked.
 */
#ifndef GUEST_STALE_SEGMENT_H
#define GUEST_STALE_SEGMENT_H

#include <stdbool.h>
#include <stdint.h>

/* 0 or an error already reported with xtf_error(). */
long stale_ds_setup(void);

/* The poll's result (0 expected), or an error reported with xtf_error()/xtf_failure() (then
 * *ok is false). */
long stale_ds_switch(int *ok);

/* Check a failsafe frame (rcx, r11, ds, es, fs, gs, rip, cs, rflags, rsp, ss) taken by a
 * poll that stale_ds_switch() made with events masked: ds 0x0b, rip in the hypercall page,
 * cs 0xe030 with the saved upcall mask 1 above it, rflags without IF, ss 0xe02b. Prints it;
 * false after an xtf_failure(). */
bool stale_ds_frame_ok(const volatile uint64_t *frame);

/* Jump here with rsp at a failsafe frame: returns through it as a failsafe callback does (every
 * register but rcx and r11 as it is). */
void failsafe_return(void);

static inline uint16_t read_ds(void)
{
    uint16_t s;
    __asm__ volatile ("mov %%ds, %0" : "=r" (s));
    return s;
}

#endif /* GUEST_STALE_SEGMENT_H */
