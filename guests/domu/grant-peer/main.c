/*
 * domU grant-peer: the domU side of the cross-domain grant guests (grant-peer.h has the
 * protocol).  Its command line is `role=R ref=N port=P`: P is the event channel its
 * builder bound to dom0, N the first of the two grant references the role uses.
 *
 *   role=1 (GRANT_PEER_GRANTER, guest domu-grant-copy): grants dom0 page A read-write at N
 *     and page B read-only at N+1, both filled with known bytes, and notifies; waits for
 *     dom0's DONE word in A, then for both grants' flags to drop (dom0 unmapped); checks what
 *     dom0 left in A (its stores through the mapping, its copy into the grant) and that B
 *     did not change; ends both grants.
 *   role=2 (GRANT_PEER_HOLDER, guest domu-destroy-while-mapped): grants page A at N,
 *     notifies, waits for dom0's DONE word (dom0 maps it) and shuts down with the grant
 *     still mapped.
 *   role=3 (GRANT_PEER_MAPPER, guest domu-grant-from-dom0): maps dom0's grant N read-write
 *     and N+1 (a read-only grant) read-only, checks dom0's bytes, stores its answer
 *     through the mapping, copies out of dom0's grant and into it with GNTTABOP_copy, and
 *     is refused a writable mapping of the read-only grant; notifies, waits for dom0's ACK
 *     word and unmaps both.
 *   role=4 (GRANT_PEER_RELAY, guest domu-grant-transitive): switches its table to v2 and
 *     passes dom0's grants N (read-write) and N+1 (read-only) back to dom0 with transitive
 *     entries at N and N+1, and makes N+2 a transitive entry standing for dom0's N+5, which
 *     dom0 never granted;
 *     notifies; waits for dom0's DONE word in dom0's page A (read by GNTTABOP_copy out of
 *     grant N, after each notification from dom0: no mapping), then checks that no status bit of its entries is left and ends
 *     them.
 * Every wait is bounded by a number of notifications, never by time.
 */
#include "guest.h"
#include "grant.h"
#include "grant-peer.h"
#include "toolstack.h"
#include <xen/sched.h>

const char test_title[] = "domU grant-peer: the other side of dom0's cross-domain grants";

#define MAX_POLLS 100000u

static evtchn_port_t port;

/* Wait (notification by notification) until the word at w is want; false if it never is. */
static bool wait_word(volatile uint32_t *w, uint32_t want)
{
    for (unsigned int i = 0; i < MAX_POLLS; i++) {
        if (__atomic_load_n(w, __ATOMIC_SEQ_CST) == want)
            return true;
        port_wait(port);
    }
    return false;
}

/* Wait for a notification from dom0: the port pending, then cleared.  SCHEDOP_poll may also
 * return without it (the vCPU's first upcall_pending wakes it, on Xen too), so the port
 * itself is what says dom0 notified; false if it never is. */
static bool wait_notified(void)
{
    evtchn_port_t p = port;
    struct sched_poll poll = { .ports = (uint64_t)(uintptr_t)&p, .nr_ports = 1 };

    for (unsigned int i = 0; i < MAX_POLLS; i++) {
        if (port_pending(port)) {
            port_clear(port);
            return true;
        }
        hypercall_sched_op(SCHEDOP_poll, &poll);
    }
    return false;
}

/* Wait until neither ref's entry nor ref+1's shows a mapping any more (dom0 unmaps them one
 * after the other, then notifies); ref's flags. */
static uint16_t wait_unmapped(grant_entry_v1_t *gt, grant_ref_t ref)
{
    uint16_t f = 0, f1;

    for (unsigned int i = 0; i < MAX_POLLS; i++) {
        f = __atomic_load_n(&gt[ref].flags, __ATOMIC_SEQ_CST);
        f1 = __atomic_load_n(&gt[ref + 1].flags, __ATOMIC_SEQ_CST);
        if (!((f | f1) & (GTF_reading | GTF_writing)))
            break;
        port_wait(port);
    }
    return f;
}

/* End grant ref (flags want -> 0); false if its flags were not want. */
static bool end_grant(grant_entry_v1_t *gt, grant_ref_t ref, uint16_t want)
{
    uint16_t f = want;

    if (__atomic_compare_exchange_n(&gt[ref].flags, &f, 0, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST))
        return true;
    xtf_failure("ending grant %u: flags %#x, expected %#x", ref, f, want);
    return false;
}

static int granter(grant_ref_t ref, bool hold)
{
    volatile uint8_t *a = alloc_page(), *b = alloc_page();
    volatile uint32_t *done = (volatile uint32_t *)(a + GRANT_PEER_DONE_OFF);
    unsigned long gt_mfn;
    grant_entry_v1_t *gt = gnttab_map_table(1, &gt_mfn);
    uint16_t f;

    if (!gt)
        return xtf_error("setting up the grant table");
    for (unsigned int i = 0; i < PAGE_SIZE; i++) {
        a[i] = grant_peer_byte(GRANT_PEER_SEED_A, i);
        b[i] = grant_peer_byte(GRANT_PEER_SEED_B, i);
    }
    *done = 0;
    gnttab_grant(gt, ref, 0, virt_to_mfn(a), GTF_permit_access);
    gnttab_grant(gt, ref + 1, 0, virt_to_mfn(b), GTF_permit_access | GTF_readonly);
    evtchn_send(port);
    if (!wait_word(done, GRANT_PEER_DONE))
        return xtf_failure("dom0 never said it was done (word %#x)", *done);
    f = __atomic_load_n(&gt[ref].flags, __ATOMIC_SEQ_CST);
    printk("dom0 is done; grant %u flags %#x\n", ref, f);
    if (hold) {
        /* Shut down with the grant mapped: dom0 destroys us while it maps the page. */
        if (f != (GTF_permit_access | GTF_reading | GTF_writing))
            return xtf_failure("grant flags while dom0 maps the page: %#x", f);
        return xtf_success();
    }
    f = wait_unmapped(gt, ref);
    printk("grant flags once dom0 unmapped: %#x and %#x\n", f, gt[ref + 1].flags);
    for (unsigned int i = 0; i < PAGE_SIZE; i++) {
        int want = grant_peer_answered_byte(i);

        if (want >= 0 && a[i] != want)
            return xtf_failure("page A byte %u is %#x, expected %#x", i, a[i], want);
        if (b[i] != grant_peer_byte(GRANT_PEER_SEED_B, i))
            return xtf_failure("the read-only page B changed at byte %u", i);
    }
    if (!end_grant(gt, ref, GTF_permit_access) ||
        !end_grant(gt, ref + 1, GTF_permit_access | GTF_readonly))
        return XTF_FAILURE;
    return xtf_success();
}

static int mapper(grant_ref_t ref)
{
    unsigned long va = alloc_map_slot(), ro = alloc_map_slot();
    volatile uint8_t *p = (volatile uint8_t *)va, *own = alloc_page();
    volatile uint32_t *ack = (volatile uint32_t *)(va + GRANT_PEER_DONE_OFF);
    grant_handle_t h, hro;
    int16_t st;

    st = gnttab_map_dom(0, ref, GNTMAP_host_map, va, &h, NULL);
    printk("map of dom0's grant %u: status %d\n", ref, st);
    if (st != GNTST_okay)
        return xtf_failure("mapping dom0's grant %u: status %d", ref, st);
    st = gnttab_map_dom(0, ref + 1, GNTMAP_host_map, ro, NULL, NULL);
    printk("writable map of dom0's read-only grant %u: status %d\n", ref + 1, st);
    if (st != GNTST_general_error)
        return xtf_failure("a writable map of a read-only grant: status %d", st);
    st = gnttab_map_dom(0, ref + 1, GNTMAP_host_map | GNTMAP_readonly, ro, &hro, NULL);
    printk("read-only map of it: status %d\n", st);
    if (st != GNTST_okay)
        return xtf_failure("a read-only map of a read-only grant: status %d", st);
    for (unsigned int i = 0; i < PAGE_SIZE; i++) {
        if (i >= GRANT_PEER_DONE_OFF && i < GRANT_PEER_DONE_OFF + 4)
            continue;
        if (p[i] != grant_peer_byte(GRANT_PEER_SEED_A, i))
            return xtf_failure("dom0's page byte %u is %#x", i, p[i]);
        if (((volatile uint8_t *)ro)[i] != grant_peer_byte(GRANT_PEER_SEED_B, i))
            return xtf_failure("dom0's read-only page byte %u is %#x", i,
                               ((volatile uint8_t *)ro)[i]);
    }
    for (unsigned int i = 0; i < GRANT_PEER_STORE_LEN; i++)
        p[i] = grant_peer_byte(GRANT_PEER_SEED_DOM0, i);   /* our answer, stored in place */

    /* Out of dom0's grant into our page, then our bytes into its grant. */
    st = gnttab_copy_ref(ref, 0, GRANT_PEER_COPY_OFF, virt_to_mfn(own), DOMID_SELF, 0,
                         GRANT_PEER_COPY_LEN);
    printk("copy out of dom0's grant: status %d\n", st);
    if (st != GNTST_okay)
        return xtf_failure("copy out of dom0's grant: status %d", st);
    for (unsigned int i = 0; i < GRANT_PEER_COPY_LEN; i++)
        if (own[i] != grant_peer_byte(GRANT_PEER_SEED_A, GRANT_PEER_COPY_OFF + i))
            return xtf_failure("copied byte %u is %#x", i, own[i]);
    for (unsigned int i = 0; i < GRANT_PEER_COPY_LEN; i++)
        own[i] = grant_peer_byte(GRANT_PEER_SEED_COPY, i);
    st = gnttab_copy_to_ref(virt_to_mfn(own), 0, ref, 0, GRANT_PEER_COPY_OFF,
                            GRANT_PEER_COPY_LEN);
    if (st != GNTST_okay)
        return xtf_failure("copy into dom0's grant: status %d", st);
    st = gnttab_copy_to_ref(virt_to_mfn(own), 0, ref + 1, 0, GRANT_PEER_COPY_OFF,
                            GRANT_PEER_COPY_LEN);
    printk("copy into dom0's grant: status 0; into its read-only grant: status %d\n", st);
    if (st != GNTST_general_error)
        return xtf_failure("copy into a read-only grant: status %d", st);

    evtchn_send(port);
    if (!wait_word(ack, GRANT_PEER_DONE))
        return xtf_failure("dom0 never acknowledged (word %#x)", *ack);
    st = gnttab_unmap(h, va, 0);
    if (st != GNTST_okay || (st = gnttab_unmap(hro, ro, 0)) != GNTST_okay)
        return xtf_failure("unmapping dom0's grants: status %d", st);
    printk("both unmapped\n");
    return xtf_success();
}

/* v2 transitive entry ref of ours for dom0, standing for (trans_domid, gref). */
static void pass_on(union grant_entry_v2 *g2, grant_ref_t ref, domid_t trans_domid,
                    grant_ref_t gref)
{
    g2[ref].hdr.domid = 0;
    g2[ref].transitive.trans_domid = trans_domid;
    g2[ref].transitive.gref = gref;
    __atomic_store_n(&g2[ref].hdr.flags, GTF_transitive, __ATOMIC_SEQ_CST);
}

static int relay(grant_ref_t ref)
{
    unsigned long gt_mfn;
    union grant_entry_v2 *g2 = (union grant_entry_v2 *)gnttab_map_table(1, &gt_mfn);
    grant_status_t *st = alloc_page();
    volatile uint32_t *word = alloc_page();
    uint64_t frames[1];
    struct gnttab_get_status_frames gs = { .nr_frames = 1, .dom = DOMID_SELF,
                                           .frame_list = (uint64_t)(uintptr_t)frames };
    unsigned int v, i;
    long rc;

    if (!g2)
        return xtf_error("setting up the grant table");
    rc = gnttab_set_version(2, &v);
    if (rc || v != 2)
        return xtf_failure("set_version 2: rc %ld, version %u", rc, v);
    if (gnttab_op(GNTTABOP_get_status_frames, &gs, 1) || gs.status != GNTST_okay ||
        pt_map_mfn((unsigned long)st, frames[0], PTE_FLAGS_RO))
        return xtf_error("mapping the status frame");
    pass_on(g2, ref, 0, ref);
    pass_on(g2, ref + 1, 0, ref + 1);
    pass_on(g2, ref + 2, 0, ref + 5);     /* an end grant dom0 never made */
    evtchn_send(port);
    /* Wait for dom0's notification before each read: our copy out of its entry N sets the
     * entry's GTF_reading for a moment, and dom0, on another CPU, checks that entry's flags
     * between its own copies until it says it is done. */
    for (i = 0; i < MAX_POLLS; i++) {
        int16_t s;

        if (!wait_notified())
            return xtf_failure("dom0 never notified");
        s = gnttab_copy_ref(ref, 0, GRANT_PEER_DONE_OFF, virt_to_mfn(word), DOMID_SELF, 0, 4);
        if (s != GNTST_okay)
            return xtf_failure("reading dom0's DONE word: status %d", s);
        if (*word == GRANT_PEER_DONE)
            break;
    }
    if (i == MAX_POLLS)
        return xtf_failure("dom0 never said it was done");
    printk("dom0 is done; status words %#x %#x %#x\n", st[ref], st[ref + 1], st[ref + 2]);
    if (st[ref] || st[ref + 1] || st[ref + 2])
        return xtf_failure("status bits left on the transitive entries");
    for (grant_ref_t r = ref; r < ref + 3; r++)
        __atomic_store_n(&g2[r].hdr.flags, GTF_invalid, __ATOMIC_SEQ_CST);
    return xtf_success();
}

int test_main(void)
{
    unsigned long role = cmdline_uint("role="), ref = cmdline_uint("ref=");
    unsigned long p = cmdline_uint("port=");

    printk("command line '%s'\n", (const char *)start_info->cmd_line);
    if (ref + 2 >= PAGE_SIZE / sizeof(union grant_entry_v2) || p >= 4096)
        return xtf_error("no ref or port on the command line");
    port = (evtchn_port_t)p;
    if (events_init())
        return xtf_error("mapping shared_info");
    switch (role) {
    case GRANT_PEER_GRANTER:
        return granter((grant_ref_t)ref, false);
    case GRANT_PEER_HOLDER:
        return granter((grant_ref_t)ref, true);
    case GRANT_PEER_MAPPER:
        return mapper((grant_ref_t)ref);
    case GRANT_PEER_RELAY:
        return relay((grant_ref_t)ref);
    default:
        return xtf_error("role %lu?", role);
    }
}
