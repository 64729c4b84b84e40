/*
 * core/format.c - a tiny freestanding snprintf, string helpers and logging.
 *
 * The core cannot use the C library's printf (pvmm-hv links no libc), so it
 * carries its own formatter.  It understands exactly what the core needs:
 * %d %i %u %x %X %p %s %c %% with the flags '0' and '-', a decimal field
 * width, and the length modifiers l, ll and z.  Output is always
 * NUL-terminated when len > 0; the return value is the length the full
 * output would have had, as C's snprintf.
 */
#include "mm.h"

/* An output cursor: writes what fits, counts everything. */
struct fmt_out {
    char *buf;
    size_t len;
    size_t pos;
};

static void out_char(struct fmt_out *o, char c)
{
    if (o->len && o->pos < o->len - 1)
        o->buf[o->pos] = c;
    o->pos++;
}

static void out_pad(struct fmt_out *o, char c, size_t n)
{
    while (n--)
        out_char(o, c);
}

/*
 * Emit the string s of length n in a field of `width`, left-justified if
 * `left`, otherwise padded on the left with spaces.
 */
static void out_field(struct fmt_out *o, const char *s, size_t n, size_t width, bool left)
{
    size_t pad = width > n ? width - n : 0;

    if (!left)
        out_pad(o, ' ', pad);
    while (n--)
        out_char(o, *s++);
    if (left)
        out_pad(o, ' ', pad);
}

/*
 * Emit an unsigned number in base 10 or 16 with an optional sign or "0x"
 * prefix.  Zero padding goes between the prefix and the digits, as printf.
 */
static void out_number(struct fmt_out *o, uint64_t v, unsigned int base, bool upper,
                       const char *prefix, size_t width, bool left, bool zero)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    size_t n = 0, plen = pvmm_strlen(prefix), total, pad;

    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);

    total = n + plen;
    pad = width > total ? width - total : 0;
    if (!left && !zero)
        out_pad(o, ' ', pad);
    while (*prefix)
        out_char(o, *prefix++);
    if (!left && zero)
        out_pad(o, '0', pad);
    while (n)
        out_char(o, tmp[--n]);
    if (left)
        out_pad(o, ' ', pad);
}

size_t pvmm_vsnprintf(char *buf, size_t len, const char *fmt, va_list ap)
{
    struct fmt_out o = { .buf = buf, .len = len, .pos = 0 };

    while (*fmt) {
        bool left = false, zero = false;
        size_t width = 0;
        int lmod = 0;       /* 0: int, 1: long, 2: long long, 3: size_t */
        char c = *fmt++;

        if (c != '%') {
            out_char(&o, c);
            continue;
        }
        for (;; fmt++) {
            if (*fmt == '-')
                left = true;
            else if (*fmt == '0')
                zero = true;
            else
                break;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (size_t)(*fmt++ - '0');
        if (*fmt == 'l') {
            fmt++;
            lmod = 1;
            if (*fmt == 'l') {
                fmt++;
                lmod = 2;
            }
        } else if (*fmt == 'z') {
            fmt++;
            lmod = 3;
        }

        c = *fmt;
        if (!c)
            break;
        fmt++;
        switch (c) {
        case 'd':
        case 'i': {
            int64_t v;
            uint64_t mag;

            if (lmod == 1)
                v = va_arg(ap, long);
            else if (lmod == 2)
                v = va_arg(ap, long long);
            else if (lmod == 3)
                v = (int64_t)va_arg(ap, size_t);
            else
                v = va_arg(ap, int);
            mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            out_number(&o, mag, 10, false, v < 0 ? "-" : "", width, left, zero);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v;

            if (lmod == 1)
                v = va_arg(ap, unsigned long);
            else if (lmod == 2)
                v = va_arg(ap, unsigned long long);
            else if (lmod == 3)
                v = va_arg(ap, size_t);
            else
                v = va_arg(ap, unsigned int);
            out_number(&o, v, c == 'u' ? 10 : 16, c == 'X', "", width, left, zero);
            break;
        }
        case 'p':
            out_number(&o, (uint64_t)(uintptr_t)va_arg(ap, void *), 16, false, "0x",
                       width, left, zero);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);

            if (!s)
                s = "(null)";
            out_field(&o, s, pvmm_strlen(s), width, left);
            break;
        }
        case 'c': {
            char ch = (char)va_arg(ap, int);

            out_field(&o, &ch, 1, width, left);
            break;
        }
        case '%':
            out_char(&o, '%');
            break;
        default:
            /* Unknown conversion: print it literally so the mistake is visible. */
            out_char(&o, '%');
            out_char(&o, c);
            break;
        }
    }

    if (len)
        buf[o.pos < len ? o.pos : len - 1] = '\0';
    return o.pos;
}

size_t pvmm_snprintf(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    n = pvmm_vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    return n;
}

size_t pvmm_strlen(const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    return n;
}

int pvmm_strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (int)(unsigned char)*a - (int)(unsigned char)*b;
}

/* Format a message into a stack buffer and hand it to the platform's log hook. */
void pvmm_log(struct pvmm_state *s, enum pvmm_log_level lvl, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    if (!s->plat || !s->plat->log)
        return;
    va_start(ap, fmt);
    pvmm_vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    s->plat->log(s->plat->ctx, lvl, msg);
}
