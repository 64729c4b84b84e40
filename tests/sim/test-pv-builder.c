/*
 * tests/sim/test-pv-builder.c - the shared PV domain builder (builder/) on
 * the simulated machine, with real guest ELFs.
 *
 * pvmm-hv builds dom0 with this builder; here the same code runs hosted
 * under ASan/UBSan.  The tests check the layout's refusals (§1.3, §2: the
 * hypervisor's range, canonical form, wrapping, alignment, the hypercall
 * page, memory size) and a Linux-style high VIRT_BASE layout, then build
 * ELFs assembled in memory (pv-elf.h) on the machine and read them back
 * through the MMU: segment bytes and zero fill at the right VAs, Xen's exact
 * hypercall stubs (§1.6), start_info for dom0, the initial registers (§4),
 * the XENFEAT_dom0 check, a kernel in L4 slot 511, and the auditor clean.
 * Linux's notes: an initrd mapped after the kernel, or (MOD_START_PFN) left
 * unmapped at the pfns after the power-of-two bootstrap allocation; the p2m
 * list mapped at INIT_P2M outside the region with tables and pages taken from
 * first_p2m_pfn on; and the refusals that go with them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pv-elf.h"
#include "access.h"

static struct sim_machine *m;

static int setup(void **state)
{
    struct sim_machine_config cfg;

    (void)state;
    sim_machine_default_config(&cfg);
    m = sim_machine_new(&cfg);
    return m ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sim_machine_free(m);
    return 0;
}

static void audit_clean(void)
{
    struct pvmm_audit_report r;

    assert_int_equal(sim_audit(m, &r), 0);
}
static void test_layout_checks(void **state)
{
    struct pvmm_image img;
    struct pvmm_dom_layout l;
    const char *why;

    (void)state;
    /* A Linux-style kernel: VIRT_BASE in the top 2 GiB, loaded at 16 MiB. */
    pvmm_image_blank(&img, 0xffffffff81000000UL, 0xffffffff81400000UL);
    img.virt_base = 0xffffffff80000000UL;
    assert_int_equal(pvmm_builder_layout(&img, 8192, &l, &why), 0);
    assert_int_equal(l.v_start, 0xffffffff80000000UL);
    assert_int_equal(l.p2m_va, 0xffffffff81400000UL);
    assert_int_equal(l.start_info_va, 0xffffffff81410000UL);
    assert_int_equal(l.pt_va, 0xffffffff81411000UL);
    assert_int_equal(l.nr_pt_frames, 1 + 1 + 1 + 12);
    assert_int_equal(l.v_end, 0xffffffff81800000UL);
    /* Too little memory for it. */
    assert_int_equal(pvmm_builder_layout(&img, 4096, &l, &why), -XEN_ENOMEM);

    /* Overlapping the hypervisor's range. */
    pvmm_image_blank(&img, 0xffff800000100000UL, 0xffff800000200000UL);
    img.virt_base = 0xffff800000000000UL;
    assert_int_equal(pvmm_builder_layout(&img, 8192, &l, &why), -XEN_EINVAL);
    assert_non_null(strstr(why, "hypervisor"));
    /* Not canonical. */
    pvmm_image_blank(&img, 0x00007ffffff00000UL, 0x00007ffffff01000UL);
    img.virt_base = 0x00007fffffe00000UL;
    assert_int_equal(pvmm_builder_layout(&img, 8192, &l, &why), -XEN_EINVAL);
    assert_non_null(strstr(why, "canonical"));
    /* Wrapping around the top of the address space. */
    pvmm_image_blank(&img, 0xfffffffffff00000UL, 0xfffffffffff01000UL);
    img.virt_base = 0xfffffffffff00000UL;
    assert_int_equal(pvmm_builder_layout(&img, 8192, &l, &why), -XEN_EINVAL);
    assert_non_null(strstr(why, "wraps"));
    /* VIRT_BASE not page-aligned. */
    pvmm_image_blank(&img, 0x100000, 0x101000);
    img.virt_base = 0x800;
    assert_int_equal(pvmm_builder_layout(&img, 8192, &l, &why), -XEN_EINVAL);
    /* The hypercall page outside the region. */
    pvmm_image_blank(&img, 0x100000, 0x101000);
    img.has_hypercall_page = true;
    img.hypercall_page = 0x400000;
    assert_int_equal(pvmm_builder_layout(&img, 8192, &l, &why), -XEN_EINVAL);
    assert_non_null(strstr(why, "HYPERCALL_PAGE"));
    img.hypercall_page = 0x3ff000;
    assert_int_equal(pvmm_builder_layout(&img, 8192, &l, &why), 0);
    /* No memory at all. */
    assert_int_equal(pvmm_builder_layout(&img, 0, &l, &why), -XEN_EINVAL);
}

/* A domU's ring pages: start_info, xenstore, console in a row, the page tables after them. */
static void test_layout_ring_pages(void **state)
{
    struct pvmm_image img;
    struct pvmm_dom_layout plain, rings;
    const char *why;

    (void)state;
    pvmm_image_blank(&img, 0x100000, 0x140000);
    assert_int_equal(pvmm_builder_layout_special(&img, 1280, 0, 0, &plain, &why), 0);
    assert_int_equal(plain.store_va, 0);
    assert_int_equal(plain.console_va, 0);
    assert_int_equal(pvmm_builder_layout_special(&img, 1280, 0, 2, &rings, &why), 0);
    assert_int_equal(rings.start_info_va, plain.start_info_va);
    assert_int_equal(rings.store_va, rings.start_info_va + 0x1000);
    assert_int_equal(rings.console_va, rings.start_info_va + 0x2000);
    assert_int_equal(rings.pt_va, plain.pt_va + 0x2000);
    assert_int_equal(rings.stack_va, rings.pt_va + rings.nr_pt_frames * 0x1000);
    /* One ring page alone is not a layout. */
    assert_int_equal(pvmm_builder_layout_special(&img, 1280, 0, 1, &rings, &why), -XEN_EINVAL);
    assert_non_null(strstr(why, "ring"));
}

/* Read len bytes at va as the guest kernel of v. */
static void kread(struct vcpu *v, uint64_t va, void *buf, size_t len)
{
    assert_int_equal(sim_kernel_copy(m, v, va, buf, len, false), 0);
}

/* Parse s into *img, build domain p->domid from it, audit, and return its vCPU 0. */
static struct vcpu *build_parsed(const struct spec *s, struct pvmm_image *img,
                                 const struct pvmm_build_params *p)
{
    const char *why;

    assert_int_equal(parse(s, img, &why), 0);
    assert_int_equal(sim_build_domain(m, p), 0);
    audit_clean();
    return sim_vcpu_lookup(m, p->domid, 0);
}

static void test_build_elf(void **state)
{
    static const uint8_t stub18[] = { 0x51, 0x41, 0x53, 0xb8, 0x12, 0, 0, 0, 0x0f, 0x05,
                                      0x41, 0x5b, 0x59, 0xc3, 0xcc };
    static const uint8_t stub23[] = { 0x51, 0x41, 0x53, 0x50, 0xb8, 0x17, 0, 0, 0,
                                      0x0f, 0x05, 0xcc };
    struct spec s = good_spec();
    struct pvmm_image img;
    struct pvmm_build_params p = {
        .domid = 1, .privileged = true, .nr_pages = 1024, .nr_vcpus = 1, .image = &img,
        .cmdline = "console=hvc0",
    };
    const struct pvmm_dom_layout *l = &m->doms[1].layout;
    uint8_t seg[SEG_FILESZ], bss[0x800], page[64];
    struct start_info si;
    struct vcpu *v;

    (void)state;
    v = build_parsed(&s, &img, &p);
    assert_int_equal(l->kernel_start, 0x100000);
    assert_int_equal(l->p2m_va, 0x103000);

    /* The file bytes, then zeroes up to memsz; the hypercall page over the rest. */
    kread(v, 0x100000, seg, sizeof(seg));
    assert_memory_equal(seg, img_buf + SEG_OFF, sizeof(seg));
    kread(v, 0x100000 + SEG_FILESZ, bss, sizeof(bss));
    for (size_t i = 0; i < sizeof(bss); i++)
        assert_int_equal(bss[i], 0);
    kread(v, 0x102000 + 32 * 18, page, sizeof(stub18));
    assert_memory_equal(page, stub18, sizeof(stub18));
    kread(v, 0x102000 + 32 * 23, page, sizeof(stub23));
    assert_memory_equal(page, stub23, sizeof(stub23));

    kread(v, l->start_info_va, &si, sizeof(si));
    assert_string_equal(si.magic, "xen-3.0-x86_64");
    assert_int_equal(si.flags, SIF_PRIVILEGED | SIF_INITDOMAIN);
    assert_string_equal(si.cmd_line, "console=hvc0");
}

static void test_build_regs_and_dom0_check(void **state)
{
    static const struct note no_dom0[] = {
        { XEN_ELFNOTE_XEN_VERSION, "xen-3.0", 0 },
        { XEN_ELFNOTE_LOADER, "generic", 0 },
        { XEN_ELFNOTE_SUPPORTED_FEATURES, NULL, 1u << XENFEAT_writable_descriptor_tables },
    };
    struct spec s = good_spec();
    struct pvmm_image img;
    struct pvmm_build_params p = {
        .domid = 2, .nr_pages = 1024, .nr_vcpus = 1, .image = &img,
    };
    struct pvmm_dom_layout l;
    struct pvmm_boot_regs r;
    mfn_t *p2m = calloc(1024, sizeof(*p2m));
    const char *why;

    (void)state;
    assert_int_equal(parse(&s, &img, &why), 0);
    assert_int_equal(pvmm_build_domain_regs(&m->s, &p, p2m, &l, &r, &why), 0);
    assert_int_equal(r.rip, 0x100040);
    assert_int_equal(r.rsp, l.stack_va + 4096);
    assert_int_equal(r.rsi, l.start_info_va);
    assert_int_equal(r.rflags, 0x202);
    assert_int_equal(r.cs, 0xe033);
    assert_int_equal(r.ss, 0xe02b);
    assert_int_equal(r.ds | r.es | r.fs | r.gs, 0);
    while (pvmm_domain_destroy(pvmm_domain_lookup(&m->s, 2)) == -XEN_ERESTART)
        ;

    /* SUPPORTED_FEATURES without XENFEAT_dom0: fine for a domU, refused for dom0. */
    s.notes = no_dom0;
    s.nr_notes = 3;
    assert_int_equal(parse(&s, &img, &why), 0);
    p.privileged = true;
    assert_int_equal(pvmm_build_domain_regs(&m->s, &p, p2m, &l, &r, &why), -XEN_EINVAL);
    assert_non_null(strstr(why, "Dom0"));
    assert_null(pvmm_domain_lookup(&m->s, 2));
    p.privileged = false;
    assert_int_equal(pvmm_build_domain_regs(&m->s, &p, p2m, &l, &r, &why), 0);
    while (pvmm_domain_destroy(pvmm_domain_lookup(&m->s, 2)) == -XEN_ERESTART)
        ;
    free(p2m);
    audit_clean();
}

/* A kernel at VIRT_BASE 0xffffffff80000000: the region sits in L4 slot 511. */
static void test_build_high_kernel(void **state)
{
    struct note notes[6];
    struct spec s = good_spec();
    struct pvmm_image img;
    struct pvmm_build_params p = {
        .domid = 1, .nr_pages = 2048, .nr_vcpus = 1, .image = &img,
    };
    const struct pvmm_dom_layout *l = &m->doms[1].layout;
    uint8_t seg[64];
    struct start_info si;
    struct vcpu *v;
    const char *why;

    (void)state;
    memcpy(notes, good_notes, sizeof(good_notes));
    notes[3].num = 0xffffffff80102000UL;
    notes[5] = (struct note){ XEN_ELFNOTE_VIRT_BASE, NULL, 0xffffffff80000000UL };
    s.notes = notes;
    s.nr_notes = 6;
    s.entry = 0xffffffff80100040UL;
    assert_int_equal(parse(&s, &img, &why), 0);
    assert_int_equal(img.kstart, 0xffffffff80100000UL);
    assert_int_equal(sim_build_domain(m, &p), 0);
    audit_clean();
    v = sim_vcpu_lookup(m, 1, 0);
    assert_int_equal(l->v_start, 0xffffffff80000000UL);
    kread(v, 0xffffffff80100000UL, seg, sizeof(seg));
    assert_memory_equal(seg, img_buf + SEG_OFF, sizeof(seg));
    kread(v, l->start_info_va, &si, sizeof(si));
    assert_int_equal(si.pt_base, l->pt_va);
    assert_int_equal(si.mfn_list, l->p2m_va);
    assert_int_equal(si.nr_pt_frames, l->nr_pt_frames);
}

#define LINUX_BASE   0xffffffff80000000UL
#define LINUX_P2M    0x0000008000000000UL   /* Linux's INIT_P2M: L4 slot 1 */
#define INITRD_LEN   5000                   /* two pages, the second partly used */

static uint8_t initrd[INITRD_LEN];

/* good_notes at a high VIRT_BASE, plus `extra` (INIT_P2M, MOD_START_PFN). */
static struct spec linux_spec(struct note *notes, const struct note *extra, unsigned int n)
{
    struct spec s = good_spec();

    memcpy(notes, good_notes, sizeof(good_notes));
    notes[3].num = LINUX_BASE + 0x102000;
    notes[5] = (struct note){ XEN_ELFNOTE_VIRT_BASE, NULL, LINUX_BASE };
    if (n)
        memcpy(notes + 6, extra, n * sizeof(*extra));
    s.notes = notes;
    s.nr_notes = 6 + n;
    s.entry = LINUX_BASE + 0x100040;
    for (unsigned int i = 0; i < INITRD_LEN; i++)
        initrd[i] = (uint8_t)(i * 13 + 5);
    return s;
}

/* Domain 1, dom0-like, of nr_pages pages, from img with the test initrd. */
static struct pvmm_build_params linux_params(const struct pvmm_image *img, uint64_t nr_pages)
{
    struct pvmm_build_params p = {
        .domid = 1, .privileged = true, .nr_pages = nr_pages, .nr_vcpus = 1, .image = img,
        .initrd = initrd, .initrd_len = INITRD_LEN,
    };

    return p;
}

/* The bytes of pfn `pfn` of domain 1, through the machine's frame mapping. */
static const uint8_t *pfn_bytes(uint64_t pfn)
{
    return m->plat.map_frame(m->plat.ctx, m->doms[1].p2m[pfn]);
}

/* Without MOD_START_PFN the initrd sits after the kernel and the p2m list follows it. */
static void test_build_mapped_initrd(void **state)
{
    struct note notes[8];
    struct spec s = linux_spec(notes, NULL, 0);
    struct pvmm_image img;
    struct pvmm_build_params p = linux_params(&img, 2048);
    const struct pvmm_dom_layout *l = &m->doms[1].layout;
    uint8_t back[INITRD_LEN];
    struct start_info si;
    struct vcpu *v;

    (void)state;
    v = build_parsed(&s, &img, &p);
    assert_int_equal(l->initrd_va, l->kernel_end);
    assert_int_equal(l->initrd_pfn, (l->kernel_end - LINUX_BASE) >> 12);
    assert_int_equal(l->p2m_va, l->initrd_va + 2 * 4096);
    kread(v, l->initrd_va, back, sizeof(back));
    assert_memory_equal(back, initrd, sizeof(back));
    kread(v, l->start_info_va, &si, sizeof(si));
    assert_int_equal(si.mod_start, l->initrd_va);
    assert_int_equal(si.mod_len, INITRD_LEN);
    assert_int_equal(si.flags, SIF_PRIVILEGED | SIF_INITDOMAIN);
    assert_int_equal(si.mfn_list, l->p2m_va);
    assert_int_equal(si.first_p2m_pfn | si.nr_p2m_frames, 0);
}

/* Linux's notes: unmapped initrd after the 2^order allocation, p2m list at INIT_P2M. */
static void test_build_linux_notes(void **state)
{
    static const struct note extra[] = {
        { XEN_ELFNOTE_INIT_P2M, NULL, LINUX_P2M },
        { XEN_ELFNOTE_MOD_START_PFN, NULL, 1 },
    };
    struct note notes[8];
    struct spec s = linux_spec(notes, extra, 2);
    struct pvmm_image img;
    struct pvmm_build_params p = linux_params(&img, 4096);
    const struct pvmm_dom_layout *l = &m->doms[1].layout;
    uint64_t region, chunk = 1, entries[512];
    struct start_info si;
    struct vcpu *v;

    (void)state;
    v = build_parsed(&s, &img, &p);
    assert_true(img.has_init_p2m && img.mod_start_pfn);
    region = (l->v_end - l->v_start) >> 12;
    while (chunk < region)
        chunk <<= 1;
    assert_int_equal(l->initrd_va, 0);
    assert_int_equal(l->initrd_pfn, chunk);
    assert_true(l->p2m_outside);
    assert_int_equal(l->p2m_va, LINUX_P2M);
    assert_int_equal(l->first_p2m_pfn, chunk + 2);
    /* An L3, an L2, an L1 and 4096 * 8 / 4096 = 8 pages of entries. */
    assert_int_equal(l->nr_p2m_frames, 3 + 8);

    kread(v, l->start_info_va, &si, sizeof(si));
    assert_int_equal(si.flags, SIF_PRIVILEGED | SIF_INITDOMAIN | SIF_MOD_START_PFN);
    assert_int_equal(si.mod_start, chunk);
    assert_int_equal(si.mod_len, INITRD_LEN);
    assert_int_equal(si.mfn_list, LINUX_P2M);
    assert_int_equal(si.first_p2m_pfn, chunk + 2);
    assert_int_equal(si.nr_p2m_frames, 11);
    /* The initrd in its pfns, zero-padded; the p2m list readable at its VA. */
    assert_memory_equal(pfn_bytes(chunk), initrd, 4096);
    assert_memory_equal(pfn_bytes(chunk + 1), initrd + 4096, INITRD_LEN - 4096);
    for (unsigned int i = INITRD_LEN - 4096; i < 4096; i++)
        assert_int_equal(pfn_bytes(chunk + 1)[i], 0);
    for (uint64_t first = 0; first < 4096; first += 512) {
        kread(v, LINUX_P2M + first * 8, entries, sizeof(entries));
        for (unsigned int i = 0; i < 512; i++)
            assert_int_equal(entries[i], m->doms[1].p2m[first + i]);
    }
}

/* What the Linux notes may not do, and a bzImage. */
static void test_linux_note_refusals(void **state)
{
    struct note inside[] = { { XEN_ELFNOTE_INIT_P2M, NULL, LINUX_BASE + 0x101000 } };
    struct note in_region[] = { { XEN_ELFNOTE_INIT_P2M, NULL, LINUX_BASE + 0x200000 } };
    struct note hv_range[] = { { XEN_ELFNOTE_INIT_P2M, NULL, 0xffff800000000000UL } };
    struct note unmapped[] = { { XEN_ELFNOTE_MOD_START_PFN, NULL, 1 } };
    struct note notes[8];
    struct spec s = linux_spec(notes, inside, 1);
    struct pvmm_image img;
    struct pvmm_dom_layout l;
    const char *why;

    (void)state;
    assert_int_equal(parse(&s, &img, &why), -XEN_EINVAL);
    assert_non_null(strstr(why, "INIT_P2M"));
    s = linux_spec(notes, in_region, 1);
    assert_int_equal(parse(&s, &img, &why), 0);
    assert_int_equal(pvmm_builder_layout(&img, 2048, &l, &why), -XEN_EINVAL);
    assert_non_null(strstr(why, "overlaps"));
    s = linux_spec(notes, hv_range, 1);
    assert_int_equal(parse(&s, &img, &why), 0);
    assert_int_equal(pvmm_builder_layout(&img, 2048, &l, &why), -XEN_EINVAL);
    /* The region is 4 MiB = 1024 pages: an unmapped initrd needs two pfns above it. */
    s = linux_spec(notes, unmapped, 1);
    assert_int_equal(parse(&s, &img, &why), 0);
    assert_int_equal(pvmm_builder_layout_initrd(&img, 1025, INITRD_LEN, &l, &why), -XEN_ENOMEM);
    assert_int_equal(l.v_end - l.v_start, 4UL << 20);
    assert_int_equal(pvmm_builder_layout_initrd(&img, 1026, INITRD_LEN, &l, &why), 0);
    assert_int_equal(l.initrd_pfn, 1024);
    /* A bzImage is named as such. */
    memset(img_buf, 0, sizeof(img_buf));
    memcpy(img_buf + 0x202, "HdrS", 4);
    assert_int_equal(pvmm_image_parse(&img, img_buf, sizeof(img_buf), &why), -XEN_EINVAL);
    assert_non_null(strstr(why, "bzImage"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_checks),
        cmocka_unit_test(test_layout_ring_pages),
        cmocka_unit_test_setup_teardown(test_build_elf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_regs_and_dom0_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_high_kernel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_mapped_initrd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_linux_notes, setup, teardown),
        cmocka_unit_test(test_linux_note_refusals),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
