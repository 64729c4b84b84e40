/*
 * result.c: the XTF-style verdict and the final shutdown.
 *
 * The status only ever gets more severe; xtf_exit() prints it as the single final line a
 * harness greps for (`Test result: X`) and then asks for SCHEDOP_shutdown(poweroff), or first
 * calls the test's own xtf_power_off if it set one (and falls back if that returns). A guest
 * whose test failed still powers off normally: the verdict is in the line, not in the reason.
 * An unprivileged guest (a domU built by a toolstack test guest, domu-builder.h) shuts down
 * with SHUTDOWN_crash instead when its verdict is ERROR or FAILURE, so that the domain that
 * built it reads the verdict from its shutdown code too.
 */
#include <xen/sched.h>

#include "hypercall.h"
#include "xtf.h"

extern const start_info_t *start_info;

static enum xtf_status status = XTF_RUNNING;

void (*xtf_power_off)(void);

static const char *const status_names[] = {
    [XTF_RUNNING] = "ERROR",        /* the test never reported anything */
    [XTF_SUCCESS] = "SUCCESS",
    [XTF_SKIP]    = "SKIP",
    [XTF_ERROR]   = "ERROR",
    [XTF_FAILURE] = "FAILURE",
};

static void raise_status(enum xtf_status s)
{
    if (s > status)
        status = s;
}

/* Print "<label>: <message>\n" for a report. */
static void report(const char *label, const char *fmt, va_list ap)
{
    printk("%s: ", label);
    vprintk(fmt, ap);
    printk("\n");
}

enum xtf_status xtf_status(void)
{
    return status;
}

int xtf_success(void)
{
    raise_status(XTF_SUCCESS);
    return XTF_SUCCESS;
}

int xtf_skip(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report("SKIP", fmt, ap);
    va_end(ap);
    raise_status(XTF_SKIP);
    return XTF_SKIP;
}

int xtf_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report("ERROR", fmt, ap);
    va_end(ap);
    raise_status(XTF_ERROR);
    return XTF_ERROR;
}

int xtf_failure(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report("FAILURE", fmt, ap);
    va_end(ap);
    raise_status(XTF_FAILURE);
    return XTF_FAILURE;
}

void xtf_exit(void)
{
    struct sched_shutdown sd = { .reason = SHUTDOWN_poweroff };

    if (status == XTF_RUNNING)
        printk("ERROR: the test finished without reporting a result\n");
    printk("Test result: %s\n", status_names[status]);

    if (!(start_info->flags & SIF_PRIVILEGED) && status != XTF_SUCCESS && status != XTF_SKIP)
        sd.reason = SHUTDOWN_crash;
    else if (xtf_power_off)
        xtf_power_off();
    for (;;)
        hypercall_sched_op(SCHEDOP_shutdown, &sd);
}
