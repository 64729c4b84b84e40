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

/* Read len bytes at va as the guest kernel of v. */
static void kread(struct vcpu *v, uint64_t va, void *buf, size_t len)
{
    assert_int_equal(sim_kernel_copy(m, v, va, buf, len, false), 0);
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
    const char *why;

    (void)state;
    assert_int_equal(parse(&s, &img, &why), 0);
    assert_int_equal(sim_build_domain(m, &p), 0);
    audit_clean();
    v = sim_vcpu_lookup(m, 1, 0);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_checks),
        cmocka_unit_test_setup_teardown(test_build_elf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_regs_and_dom0_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_high_kernel, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
