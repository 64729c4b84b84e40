/*
 * ldt-writable: a page the guest can write never serves as its LDT.
 *
 * Descriptor tables are as dangerous as page tables: a guest that could edit a live LDT
 * after Xen checked it could plant a call gate or a DPL-0 code segment. So a frame used as an
 * LDT (or GDT) page takes the "segment descriptor" type, which, like a page-table type, cannot
 * coexist with any writable mapping (model.md §5.4).
 *
 * Xen checks the LDT lazily (model.md §10): MMUEXT_SET_LDT only records base and size and
 * returns 0 even for a writable page. The first load of an LDT selector faults inside Xen,
 * which then tries to map the guest's page into its shadow LDT area; while the page is
 * mapped writable that fails and the guest gets #PF with error code 0 and CR2 = LDT base +
 * selector offset. Once the page is read-only the load works. While the page is the live LDT,
 * remapping it writable fails with -EBUSY and pinning it as an L1 with -EINVAL. A selector
 * past the LDT limit gives #GP(selector).
 */
#include "guest.h"

const char test_title[] = "a writable page is refused as LDT";

#define LDT_DATA_SEL   ((1 << 3) | 4 | 3)   /* LDT entry 1, TI = 1, RPL 3 */
#define FLAT_DATA_DESC 0x00cff3000000ffffUL /* present, DPL 3, read/write data, 4 GiB */

static long set_ldt(unsigned long base, unsigned int nr_ents)
{
    struct mmuext_op op = {
        .cmd = MMUEXT_SET_LDT,
        .arg1.linear_addr = base,
        .arg2.nr_ents = nr_ents,
    };

    return hypercall_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

int test_main(void)
{
    uint64_t *ldt = alloc_page();
    unsigned long base = (unsigned long)ldt, mfn = virt_to_mfn(ldt);
    unsigned int i;
    struct fault f;
    long rc;

    ldt[1] = FLAT_DATA_DESC;

    rc = set_ldt(base, 512);
    printk("SET_LDT on a writable page -> %ld\n", rc);
    if (rc)
        return xtf_failure("SET_LDT on a writable page gave %ld, expected 0 (lazy check)", rc);

    for (i = 0; i < 2; i++) {
        if (!probe_load_fs(LDT_DATA_SEL, &f))
            return xtf_failure("loading an LDT selector from a writable LDT page worked");
        print_fault("load LDT selector (page writable) -> ", &f);
        if (f.vector != X86_EXC_PF || f.error_code != 0 || f.cr2 != base + 8)
            return xtf_failure("got %s ec %#x cr2 %#lx, expected #PF ec 0 cr2 %#lx",
                               exception_name(f.vector), f.error_code, (unsigned long)f.cr2,
                               base + 8);
    }

    rc = pt_make_ro(ldt);
    if (rc)
        return xtf_error("cannot make the LDT page read-only: %ld", rc);
    if (probe_load_fs(LDT_DATA_SEL, &f)) {
        print_fault("", &f);
        return xtf_failure("loading an LDT selector from a read-only LDT page faulted");
    }
    printk("load LDT selector (page read-only) -> ok\n");

    rc = pt_make_rw(ldt);
    printk("remap the live LDT page writable -> %ld\n", rc);
    if (rc != -XEN_EBUSY)
        return xtf_failure("writable mapping of the live LDT page gave %ld, expected %d", rc,
                           -XEN_EBUSY);
    rc = pt_pin(1, mfn);
    printk("pin the live LDT page as L1 -> %ld\n", rc);
    if (rc != -XEN_EINVAL)
        return xtf_failure("pinning the live LDT page as L1 gave %ld, expected %d", rc,
                           -XEN_EINVAL);

    /* A selector past the limit: entries 0-1 only. */
    rc = set_ldt(base, 2);
    if (rc)
        return xtf_failure("SET_LDT with 2 entries gave %ld", rc);
    if (!probe_load_fs((3 << 3) | 4 | 3, &f))
        return xtf_failure("loading a selector past the LDT limit worked");
    print_fault("load selector past the limit -> ", &f);
    if (f.vector != X86_EXC_GP || f.error_code != ((3 << 3) | 4))
        return xtf_failure("got %s ec %#x, expected #GP(%#x)", exception_name(f.vector),
                           f.error_code, (3 << 3) | 4);
    if (probe_load_fs(LDT_DATA_SEL, &f)) {
        print_fault("", &f);
        return xtf_failure("loading the in-limit selector faulted after SET_LDT(2)");
    }

    /* Drop the LDT: the page is an ordinary page again. */
    rc = set_ldt(0, 0);
    if (rc)
        return xtf_failure("SET_LDT(0, 0) gave %ld", rc);
    rc = pt_make_rw(ldt);
    printk("after SET_LDT(0, 0), remap writable -> %ld\n", rc);
    if (rc)
        return xtf_failure("writable mapping after dropping the LDT gave %ld", rc);

    return xtf_success();
}
