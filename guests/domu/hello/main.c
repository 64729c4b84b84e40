/*
 * domU hello: the domU that toolstack test guests build (domu-build and those after it),
 * built with the same runtime as every test guest.  It checks what its builder gave it:
 * an unprivileged start_info with its memory, a p2m list whose every entry the M2P maps back
 * (MMU_MACHPHYS_UPDATE done for it by the builder), a working page allocator beyond the
 * bootstrap region, and a console_io write refused (-EPERM: Xen as built for release gives a
 * domU no hypervisor console).  Its verdict is its shutdown code (poweroff for SUCCESS) and,
 * once it has a console ring, its `Test result:` line there.
 */
#include "guest.h"

const char test_title[] = "domU hello: what the domain builder gave it";

int test_main(void)
{
    const unsigned long *p2m = (const unsigned long *)start_info->mfn_list;
    unsigned long pfn, bad = 0;
    volatile uint64_t *page;
    long rc;

    if (start_info->flags & (SIF_PRIVILEGED | SIF_INITDOMAIN))
        return xtf_failure("start_info flags %#x: privileged", start_info->flags);
    if (start_info->nr_pages < 1024)
        return xtf_failure("start_info nr_pages %lu", start_info->nr_pages);
    for (pfn = 0; pfn < start_info->nr_pages; pfn++)
        if (mfn_to_pfn(p2m[pfn]) != pfn)
            bad++;
    if (bad)
        return xtf_failure("%lu of %lu pfns not mapped back by the M2P", bad,
                           start_info->nr_pages);
    page = alloc_page();
    page[0] = 0x1234;
    if (page[0] != 0x1234)
        return xtf_failure("a page beyond the bootstrap region does not hold a write");
    rc = hypercall_console_io(CONSOLEIO_write, 3, "hi\n");
    printk("console_io write from the domU: %ld\n", rc);
    if (rc != -XEN_EPERM && rc != 3)
        return xtf_failure("console_io write gave %ld", rc);
    printk("nr_pages %lu, pt_base %#lx, %lu pt frames\n", start_info->nr_pages,
           start_info->pt_base, start_info->nr_pt_frames);
    return xtf_success();
}
