/*
 * console.h: console output through console_io(CONSOLEIO_write) and a small printf.
 *
 * Supported conversions: %s %c %d %i %u %x %X %p %%, with the flags 0, - and # (0x prefix), a
 * field width, a precision for %s (%.32s) and the length modifiers l, ll and z. %p prints "0x"
 * and 16 hex digits.
 */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define PRINTF_FMT(f, a) __attribute__((format(printf, f, a)))

/* Write len bytes to the hypervisor console, or to the console ring of an unprivileged
 * guest that has one (console-ring.c). Never fails visibly. */
void console_write(const char *buf, size_t len);
/* True for an unprivileged guest whose start_info names a console ring. */
bool console_ring_active(void);
void console_ring_write(const char *buf, size_t len);

/* Format into buf (at most size bytes, always NUL-terminated if size > 0).
 * Returns the length the full output would have had. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) PRINTF_FMT(3, 4);

/* Format and write to the console. */
void vprintk(const char *fmt, va_list ap);
void printk(const char *fmt, ...) PRINTF_FMT(1, 2);

#endif /* GUEST_CONSOLE_H */
