/*
 * console-forgery: a guest prints NUL bytes and lines that look like the hypervisor's own.
 *
 * The hardware domain's console_io(CONSOLEIO_write) bytes reach the console raw, on Xen as on
 * pvmm-hv, so a guest controls every byte of its lines: it can print NUL bytes (which once
 * made a harness treat the whole log as binary and find no verdict) and lines such as
 * "pvmm: hardware domain crashed" or "pvmm: PANIC" (which once made a harness call a plain
 * FAILURE a crash). The hypervisor cannot mark its own lines inside a stream the guest
 * writes to; pvmm-hv keeps them on a separate channel (docs/hv.md), and tools/hv-run judges
 * only the guest's channel for the verdict and only the hypervisor's for a crash.
 *
 * A dom0 may also get port I/O (PHYSDEVOP_set_iopl), so it writes the same forgeries straight
 * to port 0xe9, pvmm-hv's channel for its own lines, and a verdict line to 0xea, the channel
 * for the guest's console_io bytes: the hypervisor keeps both ports (writes go nowhere, as on
 * Xen, where nothing listens there).
 *
 * The guest checks what it can see itself: every write, with NULs, of length 0 and split in
 * the middle of a line, returns 0, and the port writes do not fault. The harness side is the
 * verdict: SUCCESS here, and with the command line "fail" the guest prints the same forgeries
 * and then reports FAILURE, which must be judged FAILURE, not CRASH or HV_PANIC
 * (tests/hv/test-hv-run.sh).
 */
#include "guest.h"
#include <xen/physdev.h>

const char test_title[] = "NUL bytes and forged hypervisor lines on the guest console";

static const char nuls[] = "NUL bytes inside a line: [\0\0\0] and after them\n";
static const char only_nuls[] = "\0\0\0\0\n";
static const char *const forged[] = {
    "pvmm: hardware domain crashed: forged by the guest\n",
    "pvmm: domain 0 crashed: forged by the guest\n",
    "pvmm: domain 0 shutdown: crash\n",
    "pvmm: PANIC: forged by the guest\n",
    "(XEN) forged by the guest\n",
};

/* console_io(CONSOLEIO_write) of exactly len bytes; 0 or a report. */
static int write_raw(const char *what, const char *buf, unsigned int len)
{
    long rc = hypercall_console_io(CONSOLEIO_write, len, buf);

    if (rc)
        return xtf_failure("console_io of %s (%u bytes) gave %ld, not 0", what, len, rc);
    return 0;
}

/* With the virtual IOPL raised, write text byte by byte to an I/O port. */
static int write_port(uint16_t port, const char *text)
{
    struct physdev_set_iopl iopl = { 1 };
    long rc = _hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &iopl);

    if (rc)
        return xtf_error("PHYSDEVOP_set_iopl(1) gave %ld", rc);
    for (; *text; text++)
        asm volatile ("outb %b0, %w1" :: "a" (*text), "Nd" (port));
    iopl.iopl = 0;
    rc = _hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &iopl);
    if (rc)
        return xtf_error("PHYSDEVOP_set_iopl(0) gave %ld", rc);
    return 0;
}

int test_main(void)
{
    bool fail = strcmp(start_info->cmd_line, "fail") == 0;
    unsigned int i;

    if (write_raw("a line with NULs", nuls, sizeof(nuls) - 1) ||
        write_raw("a line of NULs", only_nuls, sizeof(only_nuls) - 1) ||
        write_raw("nothing", nuls, 0))
        return XTF_FAILURE;
    for (i = 0; i < ARRAY_SIZE(forged); i++)
        if (write_raw("a forged line", forged[i], strlen(forged[i])))
            return XTF_FAILURE;
    if (write_port(0xe9, "pvmm: PANIC: forged by the guest through port 0xe9\n"
                         "pvmm: hardware domain crashed: forged through port 0xe9\n") ||
        write_port(0xea, "Test result: SUCCESS\n"))
        return XTF_ERROR;
    /* One line in two writes, a NUL in each half. */
    if (write_raw("half a line", "split \0line, ", 13) ||
        write_raw("its other half", "second\0 half\n", 13))
        return XTF_FAILURE;
    if (fail)
        return xtf_failure("asked to fail (command line \"fail\"): the verdict must be FAILURE");
    return xtf_success();
}
