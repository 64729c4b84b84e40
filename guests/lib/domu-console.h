/*
 * domu-console.h: dom0 as the console backend of a domU it built with DOMU_RINGS
 * (domu-builder.h): it maps the domU's console ring, and each poll moves what the domU
 * produced to our own console, one line at a time, prefixed with the domain, `(d1) ...`.
 *
 * The domU's own verdict line is kept (verdict) and printed as `(d1) Test result of domain
 * 1: X`, not as `Test result: X`: the harnesses take the first `Test result:` on the serial
 * line as the verdict of the whole run, which is dom0's to give.
 */
#ifndef GUEST_DOMU_CONSOLE_H
#define GUEST_DOMU_CONSOLE_H

#include <stdbool.h>
#include <xen/io/console.h>

#include "domu-builder.h"

#define DOMU_LINE_MAX 160

struct domu_console {
    const struct domu *u;
    volatile struct xencons_interface *ring;    /* our mapping of the domU's ring */
    char line[DOMU_LINE_MAX];
    unsigned int len;
    unsigned int lines;                         /* lines printed so far */
    char verdict[16];                           /* its `Test result:` word, or "" */
    /* Called with every complete line (without the newline), may be NULL. */
    void (*on_line)(const char *line, void *arg);
    void *arg;
};

/* Map u's console ring: 0, or -1 if it has none or the mapping failed. */
int domu_console_open(struct domu_console *c, const struct domu *u);
/* Drain the ring (a domu_wait_shutdown poll function: arg is the struct domu_console). */
void domu_console_poll(void *arg);
/* Print what is left of a partial line and drop the mapping (before destroying the domU). */
void domu_console_close(struct domu_console *c);

#endif /* GUEST_DOMU_CONSOLE_H */
