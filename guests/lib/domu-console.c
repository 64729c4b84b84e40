/*
 * domu-console.c: the console backend for a domU (domu-console.h).
 */
#include <xen/event_channel.h>

#include "console.h"
#include "domu-console.h"
#include "events.h"
#include "string.h"

#define VERDICT_PREFIX "Test result: "

int domu_console_open(struct domu_console *c, const struct domu *u)
{
    memset(c, 0, sizeof(*c));
    c->u = u;
    if (!u->console_mfn)
        return -1;
    c->ring = domu_map_frame(u, u->console_mfn);
    return c->ring ? 0 : -1;
}

/* One complete line of the domU's: print it with the domain's prefix. */
static void emit_line(struct domu_console *c)
{
    size_t plen = sizeof(VERDICT_PREFIX) - 1;

    c->line[c->len] = '\0';
    if (c->on_line)
        c->on_line(c->line, c->arg);
    if (c->len >= plen && !memcmp(c->line, VERDICT_PREFIX, plen)) {
        memset(c->verdict, 0, sizeof(c->verdict));
        memcpy(c->verdict, c->line + plen, strnlen(c->line + plen, sizeof(c->verdict) - 1));
        printk("(d%u) Test result of domain %u: %s\n", c->u->domid, c->u->domid, c->verdict);
    } else {
        printk("(d%u) %s\n", c->u->domid, c->line);
    }
    c->lines++;
    c->len = 0;
}

void domu_console_poll(void *arg)
{
    struct domu_console *c = arg;
    volatile struct xencons_interface *r = c->ring;
    XENCONS_RING_IDX cons, prod;

    if (!r)
        return;
    cons = r->out_cons;
    prod = r->out_prod;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (prod - cons > sizeof(r->out))
        cons = prod - sizeof(r->out);       /* a domU's bad index: take the last ring's worth */
    if (cons == prod)
        return;
    for (; cons != prod; cons++) {
        char ch = r->out[MASK_XENCONS_IDX(cons, r->out)];

        if (ch == '\n') {
            emit_line(c);
            continue;
        }
        if (ch == '\r')
            continue;
        if (c->len == DOMU_LINE_MAX - 1)
            emit_line(c);                   /* an overlong line goes out in pieces */
        c->line[c->len++] = ch;
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    r->out_cons = cons;
    evtchn_send(c->u->console_port);
}

void domu_console_close(struct domu_console *c)
{
    if (!c->ring)
        return;
    domu_console_poll(c);
    if (c->len)
        emit_line(c);
    domu_unmap_frame((void *)c->ring);
    c->ring = NULL;
}
