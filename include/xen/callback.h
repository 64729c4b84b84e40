/*
 * xen/callback.h: callback_op(cmd, arg), hypercall 30.
 *
 * This is pvmm's own rendering of Xen's public callback.h for 64-bit PV.
 * Values and layouts must match Xen exactly for binary compatibility.
 */
#ifndef PVMM_XEN_CALLBACK_H
#define PVMM_XEN_CALLBACK_H

#include <stdint.h>

/* Callback types. */
#define CALLBACKTYPE_event                0   /* event-channel upcall; always masks events */
#define CALLBACKTYPE_failsafe             1   /* segment reload failed */
#define CALLBACKTYPE_syscall              2   /* user-mode SYSCALL from 64-bit code */
#define CALLBACKTYPE_sysenter_deprecated  3   /* -ENOSYS on x86-64 */
#define CALLBACKTYPE_nmi                  4   /* NMI; always masks events */
#define CALLBACKTYPE_sysenter             5   /* user-mode SYSENTER */
#define CALLBACKTYPE_syscall32            7   /* user-mode SYSCALL from 32-bit code */

/* callback_register.flags. */
#define _CALLBACKF_mask_events  0
#define CALLBACKF_mask_events   (1U << _CALLBACKF_mask_events)   /* mask events on entry */

/* Commands. */
#define CALLBACKOP_register    0   /* struct callback_register */
#define CALLBACKOP_unregister  1   /* struct callback_unregister */

typedef uint64_t xen_callback_t;   /* 64-bit PV: the handler's VA */

struct callback_register {
    uint16_t type;            /* CALLBACKTYPE_* */
    uint16_t flags;           /* CALLBACKF_* */
    uint32_t _pad;
    xen_callback_t address;   /* handler VA; must be canonical */
};
typedef struct callback_register callback_register_t;

struct callback_unregister {
    uint16_t type;            /* CALLBACKTYPE_* (only nmi may be unregistered) */
    uint16_t _unused;
};
typedef struct callback_unregister callback_unregister_t;

_Static_assert(sizeof(struct callback_register) == 16, "callback_register is 16 bytes");
_Static_assert(sizeof(struct callback_unregister) == 4, "callback_unregister is 4 bytes");

#endif /* PVMM_XEN_CALLBACK_H */
