/*
 * hv/string.c - the memory functions the compiler may call even with -ffreestanding.
 *
 * They serve the hypervisor and the core (core/libc.h) alike.  String instructions keep
 * them short; under TCG every iteration of a rep prefix costs about one instruction.
 */
#include <stddef.h>
#include <stdint.h>

void clear_frame(void *va);
void *memset(void *s, int c, size_t n);
void *memcpy(void *restrict d, const void *restrict s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* Whole 8-byte words first (rep stosq: far fewer iterations under TCG), then the tail. */
void *memset(void *s, int c, size_t n)
{
    void *d = s;
    size_t words = n / 8, tail = n % 8;
    uint64_t pattern = 0x0101010101010101UL * (uint8_t)c;
    __asm__ volatile("rep stosq" : "+D"(d), "+c"(words) : "a"(pattern) : "memory");
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(tail) : "a"(c) : "memory");
    return s;
}

void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
    void *dd = d;
    size_t words = n / 8, tail = n % 8;
    __asm__ volatile("rep movsq" : "+D"(dd), "+S"(s), "+c"(words) :: "memory");
    __asm__ volatile("rep movsb" : "+D"(dd), "+S"(s), "+c"(tail) :: "memory");
    return d;
}

/* Overlapping copies go backwards when the destination is above the source. */
void *memmove(void *d, const void *s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
    if (dp <= sp || dp >= sp + n)
        return memcpy(d, s, n);
    while (n--)
        dp[n] = sp[n];
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] - y[i];
    return 0;
}

/* Zero one 4 KiB frame (the dom0 builder scrubs every frame it hands to the guest). */
void clear_frame(void *va)
{
    memset(va, 0, 4096);
}
