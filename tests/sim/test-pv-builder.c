/*
 * tests/sim/test-pv-builder.c - the shared PV domain builder (builder/) with a
 * real guest ELF, on the simulated machine.
 *
 * pvmm-hv boots every guest through this builder; here the same code runs
 * hosted under ASan/UBSan.  Each test assembles a small PV64 ELF in memory
 * (a PT_LOAD segment, Xen notes in a PT_NOTE or a SHT_NOTE section), then
 * checks the parser's reading of it (boot ABI §1), its refusals of images
 * Xen refuses or that the builder does not implement, its robustness to
 * truncated and corrupted files, the layout checks (§1.3, §2), and a build
 * on the machine: segment bytes and zero fill at the right VAs, Xen's exact
 * hypercall stubs (§1.6), start_info flags for dom0, the initial registers
 * (§4), a high VIRT_BASE kernel, and the auditor clean afterwards.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <xen/elfnote.h>
#include <xen/features.h>
#include "access.h"

#define IMG_SIZE     0x3000
#define PHDR_OFF     0x40
#define NOTE_OFF     0x200
#define SHDR_OFF     0x800
#define STRTAB_OFF   0xa00
#define SEG_OFF      0x1000
#define SEG_FILESZ   0x1800

/* One Xen note: numeric (str NULL) or string. */
struct note {
    uint32_t type;
    const char *str;
    uint64_t num;
};

/* What the assembled image looks like. */
struct spec {
    const struct note *notes;
    unsigned int nr_notes;
    bool notes_in_section;       /* SHT_NOTE section instead of a PT_NOTE */
    bool legacy_section;         /* a section named __xen_guest (and no notes) */
    uint64_t paddr, memsz, entry;
};

static uint8_t img_buf[IMG_SIZE];
static struct sim_machine *m;

static void put(uint8_t *p, uint64_t v, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The minimal valid set of notes plus a hypercall page at 0x102000. */
static const struct note good_notes[] = {
    { XEN_ELFNOTE_XEN_VERSION, "xen-3.0", 0 },
    { XEN_ELFNOTE_LOADER, "generic", 0 },
    { XEN_ELFNOTE_GUEST_OS, "pvmm-unit", 0 },
    { XEN_ELFNOTE_HYPERCALL_PAGE, NULL, 0x102000 },
    { XEN_ELFNOTE_FEATURES, "writable_descriptor_tables|!pae_pgdir_above_4gb", 0 },
};

static struct spec good_spec(void)
{
    struct spec s = {
        .notes = good_notes, .nr_notes = 5, .paddr = 0x100000, .memsz = 0x3000,
        .entry = 0x100040,
    };
    return s;
}

/* Write the notes at img_buf + NOTE_OFF; returns their size. */
static uint64_t put_notes(const struct spec *s)
{
    uint64_t off = NOTE_OFF;

    for (unsigned int i = 0; i < s->nr_notes; i++) {
        const struct note *n = &s->notes[i];
        uint32_t descsz = n->str ? (uint32_t)strlen(n->str) + 1 : 8;

        put(img_buf + off, 4, 4);
        put(img_buf + off + 4, descsz, 4);
        put(img_buf + off + 8, n->type, 4);
        memcpy(img_buf + off + 12, "Xen", 4);
        if (n->str)
            memcpy(img_buf + off + 16, n->str, descsz);
        else
            put(img_buf + off + 16, n->num, 8);
        off += 16 + ((descsz + 3) & ~3U);
    }
    return off - NOTE_OFF;
}

/* One section header i at SHDR_OFF. */
static void put_shdr(unsigned int i, uint32_t name, uint32_t type, uint64_t off, uint64_t size)
{
    uint8_t *sh = img_buf + SHDR_OFF + 64 * i;

    put(sh, name, 4);
    put(sh + 4, type, 4);
    put(sh + 24, off, 8);
    put(sh + 32, size, 8);
}

/* Assemble the image described by s into img_buf. */
static void make_image(const struct spec *s)
{
    static const char strtab[] = "\0.shstrtab\0__xen_guest\0.note.Xen";
    uint8_t *ph = img_buf + PHDR_OFF;
    uint64_t notes_size;

    memset(img_buf, 0, sizeof(img_buf));
    memcpy(img_buf, "\177ELF", 4);
    img_buf[4] = 2;                        /* ELFCLASS64 */
    img_buf[5] = 1;                        /* little-endian */
    img_buf[6] = 1;
    put(img_buf + 16, 2, 2);               /* ET_EXEC */
    put(img_buf + 18, 62, 2);              /* EM_X86_64 */
    put(img_buf + 20, 1, 4);
    put(img_buf + 24, s->entry, 8);
    put(img_buf + 32, PHDR_OFF, 8);
    put(img_buf + 52, 64, 2);
    put(img_buf + 54, 56, 2);
    put(img_buf + 56, 2, 2);

    put(ph, 1, 4);                         /* PT_LOAD, R|X */
    put(ph + 4, 5, 4);
    put(ph + 8, SEG_OFF, 8);
    put(ph + 16, s->paddr, 8);
    put(ph + 24, s->paddr, 8);
    put(ph + 32, SEG_FILESZ, 8);
    put(ph + 40, s->memsz, 8);
    for (unsigned int i = 0; i < SEG_FILESZ; i++)
        img_buf[SEG_OFF + i] = (uint8_t)(i * 7 + 1);

    notes_size = put_notes(s);
    if (!s->notes_in_section && !s->legacy_section) {
        put(ph + 56, 4, 4);                /* PT_NOTE */
        put(ph + 56 + 8, NOTE_OFF, 8);
        put(ph + 56 + 32, notes_size, 8);
    }
    if (s->notes_in_section || s->legacy_section) {
        memcpy(img_buf + STRTAB_OFF, strtab, sizeof(strtab));
        put(img_buf + 40, SHDR_OFF, 8);
        put(img_buf + 58, 64, 2);
        put(img_buf + 60, 3, 2);
        put(img_buf + 62, 1, 2);
        put_shdr(1, 1, 3, STRTAB_OFF, sizeof(strtab));
        if (s->legacy_section)
            put_shdr(2, 11, 1, NOTE_OFF, 16);
        else
            put_shdr(2, 23, 7, NOTE_OFF, notes_size);
    }
}

static int parse(const struct spec *s, struct pvmm_image *img, const char **why)
{
    make_image(s);
    return pvmm_image_parse(img, img_buf, sizeof(img_buf), why);
}

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

static void test_parse(void **state)
{
    struct spec s = good_spec();
    struct pvmm_image img;
    const char *why = NULL;

    (void)state;
    assert_int_equal(parse(&s, &img, &why), 0);
    assert_int_equal(img.virt_base, 0);
    assert_int_equal(img.kstart, 0x100000);
    assert_int_equal(img.kend, 0x103000);
    assert_int_equal(img.entry, 0x100040);
    assert_true(img.has_hypercall_page);
    assert_int_equal(img.hypercall_page, 0x102000);
    assert_string_equal(img.guest_os, "pvmm-unit");
    assert_int_equal(img.features_supported, (1u << XENFEAT_writable_descriptor_tables) |
                                             (1u << XENFEAT_pae_pgdir_above_4gb));
    assert_int_equal(img.features_required, 1u << XENFEAT_pae_pgdir_above_4gb);

    /* Notes found through SHT_NOTE sections when no PT_NOTE has them. */
    s.notes_in_section = true;
    assert_int_equal(parse(&s, &img, &why), 0);
    assert_int_equal(img.hypercall_page, 0x102000);
}

/* Each case replaces or adds one note of the good set; the parser must refuse it. */
static void test_parse_refusals(void **state)
{
    static const struct {
        struct note note;
        int replace;               /* index in good_notes to replace, -1 to add */
        const char *why;
    } cases[] = {
        { { XEN_ELFNOTE_XEN_VERSION, "xen-2.0", 0 }, 0, "XEN_VERSION" },
        { { XEN_ELFNOTE_LOADER, "elsewhere", 0 }, 1, "LOADER" },
        { { XEN_ELFNOTE_PADDR_OFFSET, NULL, 0x1000 }, -1, "PADDR_OFFSET without VIRT_BASE" },
        { { XEN_ELFNOTE_INIT_P2M, NULL, 0x40000000 }, -1, "INIT_P2M" },
        { { XEN_ELFNOTE_MOD_START_PFN, NULL, 1 }, -1, "MOD_START_PFN" },
        { { XEN_ELFNOTE_BSD_SYMTAB, "yes", 0 }, -1, "BSD_SYMTAB" },
        { { XEN_ELFNOTE_FEATURES, "!supervisor_mode_kernel", 0 }, 4, "supervisor_mode_kernel" },
        { { XEN_ELFNOTE_FEATURES, "dom0|!auto_translated_physmap", 0 }, 4, "auto_translated" },
        { { XEN_ELFNOTE_FEATURES, "!no_such_feature", 0 }, 4, "unknown feature" },
        { { XEN_ELFNOTE_ENTRY, NULL, 0x200000 }, -1, "out of order" },
        { { XEN_ELFNOTE_VIRT_BASE, NULL, 0x200000 }, -1, "out of order" },
    };
    struct note notes[6];
    struct pvmm_image img;
    const char *why;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct spec s = good_spec();

        memcpy(notes, good_notes, sizeof(good_notes));
        s.notes = notes;
        if (cases[i].replace >= 0)
            notes[cases[i].replace] = cases[i].note;
        else
            notes[s.nr_notes++] = cases[i].note;
        why = NULL;
        if (parse(&s, &img, &why) != -XEN_EINVAL || !why || !strstr(why, cases[i].why))
            fail_msg("case %zu: want '%s', got '%s'", i, cases[i].why, why ? why : "(none)");
    }

    /* A Linux GUEST_OS stands in for the LOADER note. */
    {
        struct spec s = good_spec();

        memcpy(notes, good_notes, sizeof(good_notes));
        notes[1] = (struct note){ XEN_ELFNOTE_GUEST_VERSION, "1", 0 };
        notes[2] = (struct note){ XEN_ELFNOTE_GUEST_OS, "linux", 0 };
        s.notes = notes;
        assert_int_equal(parse(&s, &img, &why), 0);
    }
}

/* Broken files: each refused with its reason. */
static void test_parse_bad_files(void **state)
{
    static const struct {
        unsigned int off, bytes;
        uint64_t val;
        const char *why;
    } pokes[] = {
        { 0, 1, 0x7e, "not an ELF" },
        { 4, 1, 1, "64-bit" },
        { 5, 1, 2, "big-endian" },
        { 18, 2, 3, "x86-64" },
        { 54, 2, 32, "program headers" },
        { 32, 8, IMG_SIZE - 8, "program headers" },
        { PHDR_OFF + 8, 8, IMG_SIZE - 16, "outside the file" },
        { PHDR_OFF + 32, 8, 0x4000, "outside the file" },
        { PHDR_OFF + 24, 8, ~0UL - 0x1000, "wraps" },
        { PHDR_OFF + 4, 4, 0, "no loadable segment" },
        { PHDR_OFF + 56, 4, 0, "no Xen ELF notes" },
    };
    struct spec s = good_spec();
    struct pvmm_image img;
    const char *why;

    (void)state;
    for (size_t i = 0; i < sizeof(pokes) / sizeof(pokes[0]); i++) {
        make_image(&s);
        put(img_buf + pokes[i].off, pokes[i].val, pokes[i].bytes);
        why = NULL;
        if (pvmm_image_parse(&img, img_buf, sizeof(img_buf), &why) != -XEN_EINVAL || !why ||
            !strstr(why, pokes[i].why))
            fail_msg("poke %zu: want '%s', got '%s'", i, pokes[i].why, why ? why : "(none)");
    }

    /* Only the legacy __xen_guest section: refused with its own message. */
    s.nr_notes = 0;
    s.legacy_section = true;
    assert_int_equal(parse(&s, &img, &why), -XEN_EINVAL);
    assert_non_null(strstr(why, "__xen_guest"));
}

/* Read the first and last byte of a segment's file bytes (pvmm_segment_fn). */
static int touch_segment(void *ctx, uint64_t va, const uint8_t *src, uint64_t filesz,
                         uint64_t memsz)
{
    volatile uint8_t sink;

    (void)ctx;
    (void)va;
    assert_true(filesz <= memsz);
    if (filesz) {
        sink = src[0];
        sink = src[filesz - 1];
    }
    (void)sink;
    return 0;
}

/*
 * Guest input: every truncation of a good image, and many corrupted copies,
 * parse without reading outside the buffer (ASan watches a heap copy of
 * exactly the given length).
 */
static void test_parse_robust(void **state)
{
    struct spec s = good_spec();
    struct pvmm_image img;
    const char *why;
    uint64_t seed = 0x9e3779b97f4a7c15UL;

    (void)state;
    s.notes_in_section = true;
    make_image(&s);
    for (size_t len = 0; len <= SEG_OFF; len++) {
        uint8_t *copy = malloc(len ? len : 1);

        memcpy(copy, img_buf, len);
        (void)pvmm_image_parse(&img, copy, len, &why);
        free(copy);
    }
    for (unsigned int round = 0; round < 20000; round++) {
        uint8_t *copy = malloc(SEG_OFF);

        memcpy(copy, img_buf, SEG_OFF);
        for (unsigned int k = 0; k < 4; k++) {
            seed = seed * 6364136223846793005UL + 1442695040888963407UL;
            /* Mostly the headers and notes, where every field is an offset or a size. */
            copy[(seed >> 33) % (k & 1 ? SEG_OFF : 0x240)] ^= (uint8_t)(1u << ((seed >> 29) & 7));
        }
        if (pvmm_image_parse(&img, copy, SEG_OFF, &why) == 0)
            assert_int_equal(pvmm_image_for_each_segment(&img, touch_segment, NULL), 0);
        free(copy);
    }
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
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_refusals),
        cmocka_unit_test(test_parse_bad_files),
        cmocka_unit_test(test_parse_robust),
        cmocka_unit_test(test_layout_checks),
        cmocka_unit_test_setup_teardown(test_build_elf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_regs_and_dom0_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_high_kernel, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
