/*
 * guest.h: everything a test guest includes.
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/errno.h>
#include <xen/xen.h>

#include "console.h"
#include "events.h"
#include "hypercall.h"
#include "pagetable.h"
#include "pt-build.h"
#include "runtime.h"
#include "string.h"
#include "traps.h"
#include "user.h"
#include "vcpus.h"
#include "xtf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* GUEST_GUEST_H */
