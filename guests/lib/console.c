/*
 * console.c: printf-style console output.
 *
 * Output goes to console_io(CONSOLEIO_write), which Xen copies raw to the serial line for the
 * hardware domain; an unprivileged guest with a console ring writes there (console-ring.c). Lines are written whole where possible so that they are not interleaved
 * with the hypervisor's own messages.
 */
#include <stdint.h>
#include <xen/xen.h>

#include "console.h"
#include "hypercall.h"
#include "string.h"

void console_write(const char *buf, size_t len)
{
    if (console_ring_active()) {
        console_ring_write(buf, len);
        return;
    }
    hypercall_console_io(CONSOLEIO_write, (unsigned int)len, buf);
}

/* An output cursor that counts every byte but stores only what fits. */
struct out {
    char *buf;
    size_t size;
    size_t len;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

/* Emit an unsigned number in the given base with padding rules from the format. */
static void put_number(struct out *o, uint64_t v, unsigned int base, int negative,
                       int width, int zero_pad, int left, int upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0, len;

    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);

    len = n + negative;
    if (negative && zero_pad)
        put(o, '-');
    if (!left) {
        for (; len < width; width--)
            put(o, zero_pad ? '0' : ' ');
    }
    if (negative && !zero_pad)
        put(o, '-');
    while (n)
        put(o, tmp[--n]);
    if (left) {
        for (; len < width; width--)
            put(o, ' ');
    }
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { .buf = buf, .size = size, .len = 0 };

    for (; *fmt; fmt++) {
        int zero_pad = 0, left = 0, alt = 0, width = 0, lng = 0, prec = -1;
        const char *s;
        uint64_t u;
        int64_t d;

        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        for (;; fmt++) {
            if (*fmt == '0')
                zero_pad = 1;
            else if (*fmt == '-')
                left = 1;
            else if (*fmt == '#')
                alt = 1;
            else
                break;
        }
        if (left)
            zero_pad = 0;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        if (*fmt == '.') {
            prec = 0;
            for (fmt++; *fmt >= '0' && *fmt <= '9'; fmt++)
                prec = prec * 10 + (*fmt - '0');
        }
        while (*fmt == 'l' || *fmt == 'z') {
            lng = 1;
            fmt++;
        }

        switch (*fmt) {
        case 'd':
        case 'i':
            d = lng ? va_arg(ap, long) : va_arg(ap, int);
            u = d < 0 ? 0 - (uint64_t)d : (uint64_t)d;
            put_number(&o, u, 10, d < 0, width, zero_pad, left, 0);
            break;
        case 'u':
            u = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
            put_number(&o, u, 10, 0, width, zero_pad, left, 0);
            break;
        case 'x':
        case 'X':
            u = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
            if (alt) {
                put(&o, '0');
                put(&o, 'x');
                width = width > 2 ? width - 2 : 0;
            }
            put_number(&o, u, 16, 0, width, zero_pad, left, *fmt == 'X');
            break;
        case 'p':
            u = (uintptr_t)va_arg(ap, void *);
            put(&o, '0');
            put(&o, 'x');
            put_number(&o, u, 16, 0, 16, 1, 0, 0);
            break;
        case 'c':
            put(&o, (char)va_arg(ap, int));
            break;
        case 's':
            s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            {
                int len = (int)strnlen(s, prec < 0 ? (size_t)-1 : (size_t)prec), i;

                if (!left) {
                    for (; len < width; width--)
                        put(&o, ' ');
                }
                for (i = 0; i < len; i++)
                    put(&o, s[i]);
                if (left) {
                    for (; len < width; width--)
                        put(&o, ' ');
                }
            }
            break;
        case '%':
            put(&o, '%');
            break;
        case '\0':
            fmt--;
            break;
        default:
            put(&o, '%');
            put(&o, *fmt);
            break;
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

void vprintk(const char *fmt, va_list ap)
{
    char buf[512];
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);

    if (n > (int)sizeof(buf) - 1)
        n = sizeof(buf) - 1;
    console_write(buf, (size_t)n);
}

void printk(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}
