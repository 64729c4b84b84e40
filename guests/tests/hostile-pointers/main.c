/*
 * hostile-pointers: every guest pointer a hypercall takes, pointed where it must not be; every
 * answer must be Xen 4.17's and the hypervisor must survive.
 *
 * The story. A hypercall reads its argument structure (and writes results back) through the
 * guest's own page tables, after checking that the address starts in guest space - below
 * 2^47 or past the hypervisor's slots (0xffff800000000000-0xffff87ffffffffff) - as Xen's
 * guest-handle checks do. So an argument in the hypervisor's slots (their start, its text, its
 * direct map, their last bytes), a non-canonical one, an unmapped one, one that straddles
 * from a mapped page into an unmapped one, the last bytes below 2^47, or a read-only page for
 * a call that writes back, must each get -EFAULT (or the call's own error when it refuses the
 * contents first), leave nothing done, and never fault in the hypervisor.
 *
 * For each hypercall and sub-operation pvmm-hv implements, the guest passes each of those
 * addresses in the pointer argument (the others valid or 0) and compares the eleven results
 * with Xen's; a read-only page holds 0xff bytes and the straddling structure zeroes. A call
 * that writes back into a straddling structure writes the bytes before the unmapped page, as
 * Xen's copies do (and then fails with -EFAULT).
 */
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/physdev.h>
#include <xen/memory.h>
#include <xen/version.h>
#include <xen/callback.h>
#include <xen/grant_table.h>
#include <xen/event_channel.h>

#include "guest.h"

const char test_title[] = "hypercall pointers into the hypervisor, non-canonical, unmapped, "
                          "straddling, read-only";

static long hc(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
               unsigned long a4)
{
    register unsigned long r10 asm("r10") = a4;
    asm volatile ("syscall" : "+a" (nr), "+D" (a1), "+S" (a2), "+d" (a3), "+r" (r10)
                  :: "rcx", "r11", "r8", "memory");
    return (long)nr;
}

#define NPTR 11
enum { UNMAPPED, NC_LOW, NC_TOP, HV_START, HV_TEXT, HV_DIRECTMAP, HV_END, STRADDLE, RO,
       TOP_LOWER, KERNEL_UNMAPPED };
static unsigned long ptrs[NPTR];

/* The classes' addresses: a straddling one 4 bytes before an unmapped page (what precedes it
 * zeroed), a read-only page of 0xff bytes. */
static int setup_ptrs(void)
{
    uint8_t *p = alloc_page(), *q = alloc_page(), *r = alloc_page();

    if (q != p + PAGE_SIZE)
        return xtf_error("two pages not contiguous"), -1;
    memset(p, 0, PAGE_SIZE);
    memset(r, 0xff, PAGE_SIZE);
    if (pt_update_va((unsigned long)q, 0, UVMF_INVLPG) || pt_make_ro(r))
        return xtf_error("page set-up"), -1;
    ptrs[UNMAPPED] = 0x7ff000000000UL;
    ptrs[NC_LOW] = 0x0000800000000000UL;
    ptrs[NC_TOP] = 0x8000000000000000UL;
    ptrs[HV_START] = 0xffff800000000000UL;
    ptrs[HV_TEXT] = 0xffff82d040000000UL;
    ptrs[HV_DIRECTMAP] = 0xffff830000000000UL;
    ptrs[HV_END] = 0xffff87fffffffffcUL;
    ptrs[STRADDLE] = (unsigned long)q - 4;
    ptrs[RO] = (unsigned long)r;
    ptrs[TOP_LOWER] = 0x00007ffffffffffcUL;
    ptrs[KERNEL_UNMAPPED] = 0xffff880000000000UL;
    return 0;
}

/* One hypercall: the pointer in argument `slot` (1-4), the others from a[]; classes in `skip`
 * (bits) are not tried: their contents would change what the rest of the test sees. */
struct ptr_case {
    const char *name;
    uint8_t nr, slot;
    uint16_t skip;
    uint64_t a[4];
    const char *want;           /* Xen 4.17's results, one per class ("-" where skipped) */
};

#define SKIP(c) (1u << (c))
#define DOMSELF DOMID_SELF

static const struct ptr_case cases[] = {
    { "mmu_update requests", __HYPERVISOR_mmu_update, 1, 0, { 0, 1, 0, DOMSELF }, NULL },
    { "mmu_update done", __HYPERVISOR_mmu_update, 3, 0, { 0, 0, 0, DOMSELF }, NULL },
    { "mmuext_op ops", __HYPERVISOR_mmuext_op, 1, 0, { 0, 1, 0, DOMSELF }, NULL },
    { "mmuext_op done", __HYPERVISOR_mmuext_op, 3, 0, { 0, 0, 0, DOMSELF }, NULL },
    { "set_gdt frames", __HYPERVISOR_set_gdt, 1, 0, { 0, 1 }, NULL },
    { "set_trap_table", __HYPERVISOR_set_trap_table, 1, SKIP(RO), { 0 }, NULL },
    { "multicall", __HYPERVISOR_multicall, 1, SKIP(RO) | SKIP(STRADDLE), { 0, 1 }, NULL },
    { "console_io write", __HYPERVISOR_console_io, 3, SKIP(RO) | SKIP(STRADDLE),
      { CONSOLEIO_write, 8 }, NULL },
    { "console_io read", __HYPERVISOR_console_io, 3, 0, { CONSOLEIO_read, 8 }, NULL },
    { "callback_op register", __HYPERVISOR_callback_op, 2, SKIP(RO) | SKIP(STRADDLE),
      { CALLBACKOP_register }, NULL },
    { "callback_op unregister", __HYPERVISOR_callback_op, 2, 0, { CALLBACKOP_unregister },
      NULL },
    { "sched_op poll", __HYPERVISOR_sched_op, 2, 0, { SCHEDOP_poll }, NULL },
    { "sched_op shutdown_code", __HYPERVISOR_sched_op, 2, SKIP(RO) | SKIP(STRADDLE),
      { SCHEDOP_shutdown_code }, NULL },
    { "physdev_op_compat", __HYPERVISOR_physdev_op_compat, 1, 0, { 0 }, NULL },
    { "event_channel_op_compat", __HYPERVISOR_event_channel_op_compat, 1, 0, { 0 }, NULL },
    { "platform_op", __HYPERVISOR_platform_op, 1, 0, { 0 }, NULL },
    { "sysctl", __HYPERVISOR_sysctl, 1, 0, { 0 }, NULL },
    { "domctl", __HYPERVISOR_domctl, 1, 0, { 0 }, NULL },
};

/* Sub-operations taking (cmd, pointer): memory_op, xen_version, event_channel_op, physdev_op;
 * (cmd, pointer, count 1): grant_table_op; (cmd, vcpu, pointer): vcpu_op. */
static const uint8_t memory_ops[] = { 0, 1, 3, 4, 5, 6, 9, 10, 11, 12 };
static const uint8_t version_ops[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15 };
static const uint8_t evtchn_ops[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15 };
static const uint8_t physdev_ops[] = { 0, 5, 6, 7, 8, 10, 12, 13, 14, 17, 21, 28, 32 };
static const uint8_t grant_ops[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
static const uint8_t vcpu_ops[] = { 0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14 };

static unsigned int misses;

/* Run the classes, print the results as Xen's table has them, compare with want. */
static void run(const char *name, uint8_t nr, uint8_t slot, uint16_t skip, const uint64_t a[4],
                const char *want)
{
    char got[NPTR * 12 + 1], *o = got;

    for (unsigned int i = 0; i < NPTR; i++) {
        uint64_t v[4] = { a[0], a[1], a[2], a[3] };

        if (skip & SKIP(i)) {
            o += snprintf(o, sizeof(got) - (size_t)(o - got), "%s-", i ? " " : "");
            continue;
        }
        v[slot - 1] = ptrs[i];
        *(volatile uint32_t *)ptrs[STRADDLE] = 0;     /* a call may have written it */
        o += snprintf(o, sizeof(got) - (size_t)(o - got), "%s%ld", i ? " " : "",
                      hc(nr, v[0], v[1], v[2], v[3]));
    }
    if (!want) {
        printk("    \"%s\", /* %s */\n", got, name);
        return;
    }
    if (strcmp(got, want)) {
        printk("MISS %s: %s\n     expected %s\n", name, got, want);
        misses++;
    }
}

#include "expected.h"

/* Xen's answer for the k-th hypercall, or NULL past the table (then the results are printed). */
static const char *want_of(unsigned int k)
{
    return k < ARRAY_SIZE(expected) ? expected[k] : NULL;
}

int test_main(void)
{
    unsigned int k = 0;
    char name[48];

    if (setup_ptrs())
        return xtf_status();
    for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++, k++)
        run(cases[i].name, cases[i].nr, cases[i].slot, cases[i].skip, cases[i].a, want_of(k));
    for (unsigned int i = 0; i < ARRAY_SIZE(memory_ops); i++, k++) {
        uint64_t a[4] = { memory_ops[i] };
        snprintf(name, sizeof(name), "memory_op %u", memory_ops[i]);
        run(name, __HYPERVISOR_memory_op, 2, 0, a, want_of(k));
    }
    for (unsigned int i = 0; i < ARRAY_SIZE(version_ops); i++, k++) {
        uint64_t a[4] = { version_ops[i] };
        snprintf(name, sizeof(name), "xen_version %u", version_ops[i]);
        run(name, __HYPERVISOR_xen_version, 2, 0, a, want_of(k));
    }
    for (unsigned int i = 0; i < ARRAY_SIZE(evtchn_ops); i++, k++) {
        uint64_t a[4] = { evtchn_ops[i] };
        uint16_t skip = evtchn_ops[i] == EVTCHNOP_reset ? SKIP(RO) | SKIP(STRADDLE) : 0;
        snprintf(name, sizeof(name), "event_channel_op %u", evtchn_ops[i]);
        run(name, __HYPERVISOR_event_channel_op, 2, skip, a, want_of(k));
    }
    for (unsigned int i = 0; i < ARRAY_SIZE(physdev_ops); i++, k++) {
        uint64_t a[4] = { physdev_ops[i] };
        snprintf(name, sizeof(name), "physdev_op %u", physdev_ops[i]);
        run(name, __HYPERVISOR_physdev_op, 2, 0, a, want_of(k));
    }
    for (unsigned int i = 0; i < ARRAY_SIZE(grant_ops); i++, k++) {
        uint64_t a[4] = { grant_ops[i], 0, 1 };
        snprintf(name, sizeof(name), "grant_table_op %u", grant_ops[i]);
        run(name, __HYPERVISOR_grant_table_op, 2, 0, a, want_of(k));
    }
    for (unsigned int i = 0; i < ARRAY_SIZE(vcpu_ops); i++, k++) {
        uint64_t a[4] = { vcpu_ops[i], 0 };
        snprintf(name, sizeof(name), "vcpu_op %u", vcpu_ops[i]);
        run(name, __HYPERVISOR_vcpu_op, 3, 0, a, want_of(k));
    }
    if (k != ARRAY_SIZE(expected))
        return xtf_error("%u hypercalls run, %zu expected", k, ARRAY_SIZE(expected));
    if (misses)
        return xtf_failure("%u hypercalls answer differently from Xen 4.17", misses);
    return xtf_success();
}
