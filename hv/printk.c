/*
 * hv/printk.c - formatted output for the hypervisor: printk, panic and the register dump.
 *
 * The formatter understands %d %i %u %x %X %p %s %c %% with the l/ll/z length modifiers, a
 * field width, and the 0 and - flags.  That is all the hypervisor prints.
 */
#include "hv.h"

struct outbuf {
    char *buf;
    size_t len, pos;
};

static void put(struct outbuf *o, char c)
{
    if (o->pos + 1 < o->len)
        o->buf[o->pos] = c;
    o->pos++;
}

static void put_num(struct outbuf *o, uint64_t v, unsigned int base, bool neg, bool upper,
                    int width, bool zero, bool left)
{
    char tmp[24];
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int n = 0;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    int len = n + (neg ? 1 : 0);
    if (!left && !zero)
        for (; width > len; width--)
            put(o, ' ');
    if (neg)
        put(o, '-');
    if (!left && zero)
        for (; width > len; width--)
            put(o, '0');
    while (n)
        put(o, tmp[--n]);
    if (left)
        for (; width > len; width--)
            put(o, ' ');
}

/* Format into buf (always NUL-terminated if len > 0); returns the full formatted length. */
size_t hv_vsnprintf(char *buf, size_t len, const char *fmt, va_list ap)
{
    struct outbuf o = { buf, len, 0 };
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        bool zero = false, left = false;
        int width = 0, lng = 0;
        for (;; fmt++) {
            if (*fmt == '0')
                zero = true;
            else if (*fmt == '-')
                left = true;
            else
                break;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l' || *fmt == 'z') {
            lng++;
            fmt++;
        }
        switch (*fmt) {
        case 'd':
        case 'i': {
            int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
            put_num(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, false, width, zero, left);
            break;
        }
        case 'u':
            put_num(&o, lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int), 10, false, false,
                    width, zero, left);
            break;
        case 'x':
        case 'X':
            put_num(&o, lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int), 16, false,
                    *fmt == 'X', width, zero, left);
            break;
        case 'p':
            put(&o, '0');
            put(&o, 'x');
            put_num(&o, (uint64_t)va_arg(ap, void *), 16, false, false, width, zero, left);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            size_t n = 0;
            while (s[n])
                n++;
            if (!left)
                for (; width > (int)n; width--)
                    put(&o, ' ');
            for (size_t i = 0; i < n; i++)
                put(&o, s[i]);
            for (; left && width > (int)n; width--)
                put(&o, ' ');
            break;
        }
        case 'c':
            put(&o, (char)va_arg(ap, int));
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
    if (len)
        buf[o.pos < len ? o.pos : len - 1] = '\0';
    return o.pos;
}

size_t hv_snprintf(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n = hv_vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    return n;
}

/*
 * Print to the serial console ("\n" becomes "\r\n" like the guests' output) and, as it is,
 * to the hypervisor's own debug port.
 */
static void vprintk(const char *fmt, va_list ap)
{
    char buf[512];
    size_t n = hv_vsnprintf(buf, sizeof(buf), fmt, ap);
    if (n >= sizeof(buf))
        n = sizeof(buf) - 1;
    debugcon_write(HV_LINES_PORT, buf, n);
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == '\n')
            serial_putc('\r');
        serial_putc(buf[i]);
    }
}

void printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}

/* Report a hypervisor bug and end the run with the FAIL code. */
void panic(const char *fmt, ...)
{
    va_list ap;
    printk("pvmm: PANIC: ");
    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
    printk("\n");
    hv_exit(HV_EXIT_FAIL);
}

/* Print every saved register of an entry frame. */
void dump_regs(const struct cpu_regs *r)
{
    printk("pvmm:   rip %016lx  cs %04lx  rflags %08lx  rsp %016lx  ss %04lx\n",
           r->rip, r->cs, r->rflags, r->rsp, r->ss);
    printk("pvmm:   vec %lu err %lx  cr2 %016lx  cr3 %016lx\n",
           r->entry_vector, r->error_code, read_cr2(), read_cr3());
    printk("pvmm:   rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", r->rax, r->rbx, r->rcx, r->rdx);
    printk("pvmm:   rsi %016lx rdi %016lx rbp %016lx r8  %016lx\n", r->rsi, r->rdi, r->rbp, r->r8);
    printk("pvmm:   r9  %016lx r10 %016lx r11 %016lx r12 %016lx\n", r->r9, r->r10, r->r11, r->r12);
    printk("pvmm:   r13 %016lx r14 %016lx r15 %016lx\n", r->r13, r->r14, r->r15);
}
