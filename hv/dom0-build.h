/*
 * hv/dom0-build.h - the dom0 builder's interface (dom0-build.c).
 */
#ifndef HV_DOM0_BUILD_H
#define HV_DOM0_BUILD_H

#include <stdint.h>
#include "boot.h"

struct cpu_regs;

/* The bootstrap layout (boot-ABI §2.2), all guest virtual addresses. */
struct dom0_layout {
    uint64_t v_start, v_end;
    uint64_t vkern_start, vkern_end;
    uint64_t vphysmap_start, vphysmap_end;
    uint64_t vstartinfo_start, vstartinfo_end;
    uint64_t vpt_start, vpt_end, nr_pt_pages;
    uint64_t vstack_start, vstack_end;
};

/*
 * Build dom0 from the module (ELF image plus "path args" string): load it, build the
 * bootstrap page tables, pin the L4 through the core, and return the initial registers
 * (guest_regs).  current and dom0 are set.  Refused images end the run with a message.
 */
struct cpu_regs *dom0_build(const struct boot_module *mod);

#endif /* HV_DOM0_BUILD_H */
