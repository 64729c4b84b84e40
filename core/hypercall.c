/*
 * core/hypercall.c - the one dispatcher of the core's hypercalls.
 *
 * Every embedder (the unit-test harness, the simulator, pvmm-hv) hands a
 * memory-management hypercall to pvmm_hypercall with the raw argument
 * registers rdi, rsi, rdx, r10, r8 as a[0..4]; this file turns them into the
 * entry point's parameters, cutting what Xen declares as 32-bit to its low
 * 32 bits.  A new hypercall of the core is added here once.
 */
#include "mm.h"

const char *pvmm_hypercall_name(unsigned int nr)
{
    switch (nr) {
    case __HYPERVISOR_mmu_update:                    return "mmu_update";
    case __HYPERVISOR_set_gdt:                       return "set_gdt";
    case __HYPERVISOR_update_descriptor:             return "update_descriptor";
    case __HYPERVISOR_memory_op:                     return "memory_op";
    case __HYPERVISOR_update_va_mapping:             return "update_va_mapping";
    case __HYPERVISOR_vm_assist:                     return "vm_assist";
    case __HYPERVISOR_update_va_mapping_otherdomain: return "update_va_mapping_otherdomain";
    case __HYPERVISOR_mmuext_op:                     return "mmuext_op";
    case __HYPERVISOR_grant_table_op:                return "grant_table_op";
    default:                                         return NULL;
    }
}

long pvmm_hypercall(struct vcpu *v, unsigned int nr, const uint64_t a[5])
{
    switch (nr) {
    case __HYPERVISOR_mmu_update:
        return do_mmu_update(v, a[0], (unsigned int)a[1], a[2], (unsigned int)a[3]);
    case __HYPERVISOR_mmuext_op:
        return do_mmuext_op(v, a[0], (unsigned int)a[1], a[2], (unsigned int)a[3]);
    case __HYPERVISOR_update_va_mapping:
        return do_update_va_mapping(v, a[0], a[1], a[2]);
    case __HYPERVISOR_update_va_mapping_otherdomain:
        return do_update_va_mapping_otherdomain(v, a[0], a[1], a[2], (domid_t)a[3]);
    case __HYPERVISOR_set_gdt:
        return do_set_gdt(v, a[0], (unsigned int)a[1]);
    case __HYPERVISOR_update_descriptor:
        return do_update_descriptor(v, a[0], a[1]);
    case __HYPERVISOR_memory_op:
        return do_memory_op(v, (unsigned long)a[0], a[1]);
    case __HYPERVISOR_vm_assist:
        return do_vm_assist(v, (unsigned int)a[0], (unsigned int)a[1]);
    case __HYPERVISOR_grant_table_op:
        return do_grant_table_op(v, (unsigned int)a[0], a[1], (unsigned int)a[2]);
    default:
        return -XEN_ENOSYS;
    }
}
