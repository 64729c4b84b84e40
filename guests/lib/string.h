/*
 * string.h: the few memory and string helpers the guest runtime needs.
 *
 * The guests are freestanding, but the compilers may still emit calls to memset, memcpy,
 * memmove and memcmp for struct copies and initialisers, so these must exist with the
 * standard contracts.
 */
#ifndef GUEST_STRING_H
#define GUEST_STRING_H

#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif /* GUEST_STRING_H */
