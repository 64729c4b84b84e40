/*
 * hv/serial.c - the COM1 console, polled.
 *
 * QEMU's 16550 at 0x3f8 is driven without interrupts: wait for the transmit holding register
 * to empty, then write the byte.  Every line the hypervisor or the guest prints goes here;
 * the debug ports get the same bytes split by source (hv.h, HV_LINES_PORT).
 */
#include "hv.h"

#define COM1 0x3f8

/* Program 115200 8N1 with FIFOs on and interrupts off. */
void serial_init(void)
{
    outb(COM1 + 1, 0x00);   /* no interrupts */
    outb(COM1 + 3, 0x80);   /* DLAB on */
    outb(COM1 + 0, 0x01);   /* divisor 1: 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);   /* 8N1, DLAB off */
    outb(COM1 + 2, 0xC7);   /* FIFOs on and cleared */
    outb(COM1 + 4, 0x03);   /* DTR, RTS */
}

/* Send one byte, waiting for the transmitter. */
void serial_putc(char c)
{
    while (!(inb(COM1 + 5) & 0x20))
        ;
    outb(COM1, (uint8_t)c);
}

/* Send n bytes as they are (no newline translation). */
void serial_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        serial_putc(s[i]);
}

/* Write n bytes to an isa-debugcon port: no status to wait for, nothing happens without one. */
void debugcon_write(uint16_t port, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        outb(port, (uint8_t)s[i]);
}
