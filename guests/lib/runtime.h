/*
 * runtime.h: boot-time facts the runtime records for tests.
 */
#ifndef GUEST_RUNTIME_H
#define GUEST_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/xen.h>

/* rsp as the builder set it (the end of its one-page boot stack). */
extern unsigned long boot_rsp;

/* The image bounds from the linker script. */
extern char __image_start[], __image_end[];

/* True if stub nr of the hypercall page holds exactly the bytes Xen writes (boot-ABI §1.6),
 * including the 0xcc filler up to the next stub. */
bool hypercall_stub_ok(unsigned int nr);

/* The decimal number after `key` (e.g. "ref=") on start_info's command line, or ~0 if it is
 * not there. */
unsigned long cmdline_uint(const char *key);

/* CPUID through the forced-emulation prefix: the hypervisor's view (boot-ABI §10). */
static inline void pv_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    asm volatile ("ud2a; .ascii \"xen\"; cpuid"
                  : "=a" (r[0]), "=b" (r[1]), "=c" (r[2]), "=d" (r[3])
                  : "0" (leaf), "2" (sub));
}

#endif /* GUEST_RUNTIME_H */
