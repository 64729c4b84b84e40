/*
 * grant-setup-list-range: GNTTABOP_setup_table checks its frame list's address first.
 *
 * Xen 4.17 reads the structure, then checks that the frame list is a guest address
 * (guest_handle_okay) before the frame limit and the domain: a list in the hypervisor's half
 * or a non-canonical one is -EFAULT with the status not written, whatever the domain and the
 * number of frames (0 included). A list at a guest address goes on to the other checks (a
 * domain that does not exist: status GNTST_bad_domain). Measured on Xen 4.17; found by the
 * fuzzing guest (docs/fuzzing.md), where pvmm-hv answered with a status instead.
 */
#include <xen/grant_table.h>

#include "guest.h"

const char test_title[] = "setup_table: the frame list's address is checked first";

int test_main(void)
{
    static const struct {
        uint16_t dom;
        uint32_t nr;
        uint64_t list;
        long rc;
        int16_t status;
    } c[] = {
        { 62, 0, 0xf3fc6ea9bccc327aUL, -XEN_EFAULT, 77 },
        { 62, 1, 0xffff830000000000UL, -XEN_EFAULT, 77 },
        { 62, 65, 0xf3fc6ea9bccc327aUL, -XEN_EFAULT, 77 },
        { DOMID_SELF, 0, 0xf3fc6ea9bccc327aUL, -XEN_EFAULT, 77 },
        { DOMID_SELF, 1, 0x0000800000000000UL, -XEN_EFAULT, 77 },
        { DOMID_SELF, 65, 0xffff82d040000000UL, -XEN_EFAULT, 77 },
        { 62, 1, 0x1000, 0, GNTST_bad_domain },
    };
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(c); i++) {
        struct gnttab_setup_table st = { .dom = c[i].dom, .nr_frames = c[i].nr,
                                         .frame_list = c[i].list, .status = 77 };
        long rc = _hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, &st, 1);

        printk("setup_table dom %#x, %u frames, list %#lx: %ld, status %d\n", c[i].dom,
               c[i].nr, (unsigned long)c[i].list, rc, st.status);
        if (rc != c[i].rc || st.status != c[i].status)
            return xtf_failure("setup_table dom %#x nr %u list %#lx: %ld status %d, "
                               "expected %ld status %d", c[i].dom, c[i].nr,
                               (unsigned long)c[i].list, rc, st.status, c[i].rc, c[i].status);
    }
    return xtf_success();
}
