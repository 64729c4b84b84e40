/*
 * tests/sim/test-pv-image.c - the shared builder's guest-ELF and Xen-note
 * parser (builder/pv-image.c), hosted under ASan/UBSan.
 *
 * pvmm-hv loads every guest through this parser.  Each test assembles a
 * small PV64 ELF in memory (pv-elf.h) and checks the parser's reading of it
 * (boot ABI §1: addresses, entry, hypercall page, FEATURES, notes in a
 * PT_NOTE or a SHT_NOTE section), its refusals of images Xen refuses or the
 * builder does not implement (§1.3), of broken ELF files and of the legacy
 * __xen_guest form, and its robustness to every truncation and to many
 * corrupted copies of a good image.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <xen/errno.h>
#include "pv-elf.h"

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
        { { XEN_ELFNOTE_INIT_P2M, NULL, 0x101000 }, -1, "INIT_P2M lies inside the kernel" },
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_refusals),
        cmocka_unit_test(test_parse_bad_files),
        cmocka_unit_test(test_parse_robust),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
