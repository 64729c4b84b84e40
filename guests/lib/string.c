/*
 * string.c: byte-at-a-time implementations of the standard memory and string helpers.
 *
 * Speed does not matter for the test guests; obviousness does. -fno-builtin stops the compiler
 * from turning these loops back into calls to themselves.
 */
#include "string.h"

/* Fill n bytes at dst with (unsigned char)c; returns dst. */
void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;

    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

/* Copy n bytes from src to dst; the ranges must not overlap. Returns dst. */
void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    while (n--)
        *d++ = *s++;
    return dst;
}

/* Copy n bytes from src to dst; the ranges may overlap. Returns dst. */
void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if (d < s) {
        while (n--)
            *d++ = *s++;
    } else {
        while (n--)
            d[n] = s[n];
    }
    return dst;
}

/* Compare n bytes; returns <0, 0 or >0 as the first differing byte of a is below/above b's. */
int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;

    for (; n; n--, x++, y++) {
        if (*x != *y)
            return *x - *y;
    }
    return 0;
}

/* Returns the number of bytes before the terminating NUL of s. */
size_t strlen(const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    return n;
}

/* Like strlen, but never looks at more than max bytes. */
size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;

    while (n < max && s[n])
        n++;
    return n;
}

/* Compare two NUL-terminated strings; same result convention as memcmp. */
int strcmp(const char *a, const char *b)
{
    return strncmp(a, b, (size_t)-1);
}

/* Compare at most n bytes of two NUL-terminated strings. */
int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            break;
    }
    return 0;
}
