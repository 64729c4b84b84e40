/*
 * core/libc.h - the few C library functions the core uses.
 *
 * The core is freestanding: memset/memcpy/memcmp/memmove come from the C
 * library when hosted and from the hypervisor's own implementations when
 * freestanding (the compiler emits calls to them either way).  Formatting
 * uses the core's own pvmm_snprintf (format.c) in both builds.
 */
#ifndef PVMM_CORE_LIBC_H
#define PVMM_CORE_LIBC_H

#include <stddef.h>
#include <stdarg.h>

void *memset(void *s, int c, size_t n);
void *memcpy(void *restrict d, const void *restrict s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* printf-style formatting: %d %i %u %x %X %lx %llx %p %s %c %%, with width, 0 and - flags. */
size_t pvmm_vsnprintf(char *buf, size_t len, const char *fmt, va_list ap);
size_t pvmm_snprintf(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
size_t pvmm_strlen(const char *s);
int pvmm_strcmp(const char *a, const char *b);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* PVMM_CORE_LIBC_H */
