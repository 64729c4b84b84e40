/*
 * core/libc.h - the few C library functions the core uses.
 *
 * The core is freestanding: memset/memcpy/memcmp/memmove come from the C
 * library when hosted and from the hypervisor's own implementations when
 * freestanding (the compiler emits calls to them either way).  Formatting
 * uses the core's own pvmm_snprintf (format.c) in both builds; pvmm-hv uses
 * it too.
 */
#ifndef PVMM_CORE_LIBC_H
#define PVMM_CORE_LIBC_H

#include <stddef.h>
#include <stdarg.h>

void *memset(void *s, int c, size_t n);
void *memcpy(void *restrict d, const void *restrict s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* pvmm_snprintf and pvmm_vsnprintf (format.c) are declared in pvmm/pvmm.h. */
size_t pvmm_strlen(const char *s);
int pvmm_strcmp(const char *a, const char *b);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* PVMM_CORE_LIBC_H */
