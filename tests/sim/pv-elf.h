/*
 * tests/sim/pv-elf.h - assembling small PV64 guest ELFs in memory for the
 * tests of the shared domain builder (test-pv-image.c, test-pv-builder.c).
 *
 * The image: an ELF64 header, a PT_LOAD segment (SEG_FILESZ bytes of a
 * pattern from file offset SEG_OFF, placed at p_paddr, zero-filled to
 * p_memsz) and the Xen notes of a spec, in a PT_NOTE or in a SHT_NOTE
 * section; or a section named __xen_guest instead (the legacy form).
 */
#ifndef PVMM_TESTS_SIM_PV_ELF_H
#define PVMM_TESTS_SIM_PV_ELF_H

#include <stdint.h>
#include <string.h>
#include <xen/elfnote.h>
#include <xen/features.h>
#include "../../builder/pv-image.h"

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

static inline void put(uint8_t *p, uint64_t v, unsigned int n)
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

static inline struct spec good_spec(void)
{
    struct spec s = {
        .notes = good_notes, .nr_notes = 5, .paddr = 0x100000, .memsz = 0x3000,
        .entry = 0x100040,
    };
    return s;
}

/* Write the notes at img_buf + NOTE_OFF; returns their size. */
static inline uint64_t put_notes(const struct spec *s)
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
static inline void put_shdr(unsigned int i, uint32_t name, uint32_t type, uint64_t off, uint64_t size)
{
    uint8_t *sh = img_buf + SHDR_OFF + 64 * i;

    put(sh, name, 4);
    put(sh + 4, type, 4);
    put(sh + 24, off, 8);
    put(sh + 32, size, 8);
}

/* Assemble the image described by s into img_buf. */
static inline void make_image(const struct spec *s)
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

static inline int parse(const struct spec *s, struct pvmm_image *img, const char **why)
{
    make_image(s);
    return pvmm_image_parse(img, img_buf, sizeof(img_buf), why);
}

#endif /* PVMM_TESTS_SIM_PV_ELF_H */
