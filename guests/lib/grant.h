/*
 * grant.h: grant_table_op for the test guests.  A guest grants its own frames to itself
 * (dom0, domain id 0: Xen's map looks the granter up by id, so DOMID_SELF is refused there).
 */
#ifndef GUEST_GRANT_H
#define GUEST_GRANT_H

#include <stdint.h>
#include <xen/grant_table.h>

#define SELF_ID 0   /* the test guests run as dom0 */

long gnttab_op(unsigned int cmd, void *arg, unsigned int count);
/*
 * setup_table(nr) for DOMID_SELF and map the first frame read-write at a fresh page; the
 * entries as v1 (cast for v2).  *mfn gets the frame.  NULL (with an ERROR) on failure.
 */
grant_entry_v1_t *gnttab_map_table(unsigned int nr, unsigned long *mfn);
/* Write a v1 entry: frame and domid first, then flags. */
void gnttab_grant(grant_entry_v1_t *gt, grant_ref_t ref, domid_t to, unsigned long mfn,
                  uint16_t flags);
/* One map_grant_ref of our own ref; the status (handle, bus address if wanted). */
int16_t gnttab_map(grant_ref_t ref, uint32_t flags, uint64_t addr, grant_handle_t *h,
                   uint64_t *bus);
/* The same for domain dom's ref (a grant made to us by another domain). */
int16_t gnttab_map_dom(domid_t dom, grant_ref_t ref, uint32_t flags, uint64_t addr,
                       grant_handle_t *h, uint64_t *bus);
/* One unmap_grant_ref; the status. */
int16_t gnttab_unmap(grant_handle_t h, uint64_t addr, uint64_t bus);
/*
 * GNTTABOP_copy of len bytes from our grant ref at src_off (the source's domid as given)
 * to our own frame dst_mfn at dst_off; the status.
 */
int16_t gnttab_copy_ref(grant_ref_t ref, domid_t src_dom, unsigned int src_off,
                        unsigned long dst_mfn, domid_t dst_dom, unsigned int dst_off,
                        unsigned int len);
/*
 * GNTTABOP_copy of len bytes from our own frame src_mfn at src_off into domain dst_dom's
 * grant ref at dst_off; the status.
 */
int16_t gnttab_copy_to_ref(unsigned long src_mfn, unsigned int src_off, grant_ref_t ref,
                           domid_t dst_dom, unsigned int dst_off, unsigned int len);
/* get/set_version for ourselves: the hypercall's result; *version the version after. */
long gnttab_set_version(unsigned int want, unsigned int *version);
unsigned int gnttab_get_version(void);

#endif /* GUEST_GRANT_H */
