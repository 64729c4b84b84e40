/*
 * hv/dom0-build.h - the dom0 builder's interface (dom0-build.c).
 */
#ifndef HV_DOM0_BUILD_H
#define HV_DOM0_BUILD_H

#include <stdint.h>
#include "boot.h"

struct cpu_regs;

/*
 * Build dom0 from the module (ELF image plus "path args" string) with the shared PV domain
 * builder: load it, build the bootstrap page tables, pin the L4 through the core, share
 * shared_info and the grant frame, and return the initial registers (guest_regs).
 * current and dom0 are set.  Refused images end the run with a message.
 */
struct cpu_regs *dom0_build(const struct boot_module *mod, const struct boot_module *initrd);

/* Size dom0 from the hypervisor option dom0_mem= and allocate its p2m array (boot allocator). */
void dom0_prepare(void);

#endif /* HV_DOM0_BUILD_H */
