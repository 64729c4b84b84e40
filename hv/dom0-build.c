/*
 * hv/dom0-build.c - building dom0 from the guest ELF module: pvmm-hv's side of the shared
 * PV domain builder (builder/pv-build.h), which lays out and populates the domain exactly
 * as it does for the hosted simulator (boot-ABI §1-§4): the bootstrap region at the image's
 * virt_base with kernel, p2m list, start_info, read-only page tables (L4 first), one stack
 * page and padding; mfn != pfn; the hypercall page; the L4 validated and pinned by the
 * memory-management core.
 *
 * What is pvmm-hv's own, and stays here:
 *   - the module: the guest ELF in RAM, and its string "path args", of which the arguments
 *     become the guest command line;
 *   - the domain: created by the core glue (mmglue_create_dom0), which attaches the
 *     per-domain L3 (slot 260); 64 MiB, as xen-run's dom0_mem=64M;
 *   - shared_info and the grant frame: hypervisor frames shared writable with dom0, every
 *     event masked (§6); start_info names shared_info's machine address;
 *   - scrubbing: the builder clears every frame of the bootstrap region before anything is
 *     written to it.  The other dom0 frames (about 60 of the 64 MiB) come from RAM above the
 *     boot allocator, which the hypervisor has never written; the machine (QEMU) starts with
 *     zeroed RAM and the firmware's leftovers there are nothing the privileged initial domain
 *     could not map anyway, so clearing them would only cost boot time (about 40 ms under
 *     TCG).  The hypervisor option `scrub=all` (its multiboot command line) clears every
 *     frame regardless;
 *   - the first guest registers, in the frame the entry path returns to the guest with.
 * Failures here are the guest image's fault: they are reported and the run fails.
 */
#include "events.h"
#include "boot.h"
#include "dom0-build.h"
#include "../builder/pv-build.h"
#include <xen/xen.h>

#define DOM0_PAGES     16384UL          /* 64 MiB, as xen-run's dom0_mem=64M */

static mfn_t dom0_p2m[DOM0_PAGES];
static struct hv_vcpu dom0_hv_vcpu;
uint64_t hv_shared_info_mfn;

/* True if the hypervisor command line has the word `word`. */
bool hv_option(const char *word)
{
    for (const char *p = hv_cmdline; *p;) {
        size_t i = 0;
        while (word[i] && p[i] == word[i])
            i++;
        if (!word[i] && (p[i] == ' ' || p[i] == '\0'))
            return true;
        while (*p && *p != ' ')
            p++;
        while (*p == ' ')
            p++;
    }
    return false;
}

/* Print the core's reason for refusing the bootstrap L4, one console line per line. */
static void report_l4_refusal(struct vcpu *v)
{
    char buf[600];
    pvmm_reason_format(pvmm_last_reason(v), buf, sizeof(buf));
    for (char *line = buf; *line;) {
        char *end = line;
        while (*end && *end != '\n')
            end++;
        bool more = *end != '\0';
        *end = '\0';
        if (*line)
            printk("pvmm:   %s\n", line);
        line = more ? end + 1 : end;
    }
}

/* shared_info and the grant frame: cleared, every event masked (§6), shared with d. */
static void share_hypervisor_pages(struct domain *d)
{
    struct shared_info *si = mfn_to_virt(hv_shared_info_mfn);
    memset(si, 0, PAGE_SIZE);
    for (unsigned int i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
        si->vcpu_info[i].evtchn_upcall_mask = 1;
    dom0_hv_vcpu.vcpu_info = &si->vcpu_info[0];
    time_init_wallclock(si);
    evtchn_init_domain(d, si);
    evtchn_init_vcpu(&d->vcpu[0]);
    vcpu_timers_init(&d->vcpu[0]);
    update_vcpu_system_time(&d->vcpu[0]);
    dom0_hv_vcpu.runstate_entry = NOW();
    mmglue_share_xen_page(d, hv_shared_info_mfn);
    memset(mfn_to_virt(hv_grant_mfn), 0, PAGE_SIZE);
    mmglue_share_xen_page(d, hv_grant_mfn);
}

struct cpu_regs *dom0_build(const struct boot_module *mod)
{
    static struct pvmm_dom_layout L;
    struct pvmm_image img;
    struct pvmm_boot_regs boot;
    const char *why, *cmdline = mod->string;

    while (*cmdline && *cmdline != ' ')   /* drop the module's path */
        cmdline++;
    while (*cmdline == ' ')
        cmdline++;
    if (pvmm_image_parse(&img, (const uint8_t *)mfn_to_virt(0) + mod->start,
                         mod->end - mod->start, &why))
        panic("dom0 builder: guest image refused: %s", why);

    struct domain *d = mmglue_create_dom0(DOM0_PAGES);
    struct vcpu *v = &d->vcpu[0];
    v->plat = &dom0_hv_vcpu;
    debugreg_init(&dom0_hv_vcpu);
    current = v;
    dom0 = d;
    const struct pvmm_builder_params params = {
        .image = &img,
        .nr_pages = DOM0_PAGES,
        .cmdline = cmdline,
        .dom0 = true,
        .scrub_all = hv_option("scrub=all"),
        .shared_info_maddr = hv_shared_info_mfn << PAGE_SHIFT,
    };
    int rc = pvmm_builder_build(d, &params, dom0_p2m, &L, &boot, &why);
    if (rc) {
        printk("pvmm: dom0 builder: %s (%d)\n", why, rc);
        if (pvmm_last_reason(v)->rc)      /* the core refused the tables: say why */
            report_l4_refusal(v);
        panic("dom0 builder: guest image refused: %s", why);
    }
    share_hypervisor_pages(d);

    printk("pvmm: dom0 \"%s\": kernel %lx-%lx entry %lx, %lu pages, pt %lx (%lu frames), "
           "start_info %lx, stack %lx, v_end %lx\n", img.guest_os, L.kernel_start,
           L.kernel_end, img.entry, DOM0_PAGES, L.pt_va, L.nr_pt_frames, L.start_info_va,
           boot.rsp, L.v_end);
    if (*cmdline)
        printk("pvmm: dom0 command line \"%s\"\n", cmdline);

    extern struct cpu_regs guest_regs;
    struct cpu_regs *r = &guest_regs;
    memset(r, 0, sizeof(*r));
    r->rip = boot.rip;
    r->rsp = boot.rsp;
    r->rsi = boot.rsi;
    r->rflags = boot.rflags;
    r->cs = boot.cs;
    r->ss = boot.ss;
    return r;
}
