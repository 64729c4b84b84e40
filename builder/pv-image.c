/*
 * builder/pv-image.c - checking a PV64 guest ELF and reading its Xen notes
 * (boot ABI §1.1-§1.5).
 *
 * Notes are found through PT_NOTE program headers first (skipping any at
 * file offset 0), then SHT_NOTE sections.  An image whose only Xen
 * information is the legacy __xen_guest section is refused with its own
 * message, as are images asking for things the builder does not implement
 * (BSD_SYMTAB, a required supervisor_mode_kernel or auto_translated_physmap).
 * INIT_P2M and MOD_START_PFN are recorded for the builder (pv-build.h).  Every field is read byte by byte after a bounds
 * check, so any buffer of any alignment is safe to hand in.
 */
#include "pv-image.h"

#include <xen/elfnote.h>
#include <xen/errno.h>
#include <xen/features.h>

/* ELF64 constants and field offsets (System V gABI). */
#define EI_CLASS        4
#define EI_DATA         5
#define ELFCLASS64      2
#define ELFDATA2LSB     1
#define EM_X86_64       62
#define PT_LOAD         1
#define PT_NOTE         4
#define SHT_NOTE        7
#define PF_RWX          7

#define EHDR_SIZE       64
#define E_MACHINE       18
#define E_ENTRY         24
#define E_PHOFF         32
#define E_SHOFF         40
#define E_PHENTSIZE     54
#define E_PHNUM         56
#define E_SHENTSIZE     58
#define E_SHNUM         60
#define E_SHSTRNDX      62

#define PHDR_SIZE       56
#define P_TYPE          0
#define P_FLAGS         4
#define P_OFFSET        8
#define P_PADDR         24
#define P_FILESZ        32
#define P_MEMSZ         40

#define SHDR_SIZE       64
#define SH_NAME         0
#define SH_TYPE         4
#define SH_OFFSET       24
#define SH_SIZE         32

#define NOTE_HDR_SIZE   12
#define BZ_MAGIC_OFF    0x202   /* "HdrS" of an x86 boot-protocol setup header */

/* What the note walk collects before the acceptance checks. */
struct note_state {
    bool found, has_version, version_ok, has_loader, loader_ok;
    bool has_virt_base, has_paddr_offset, has_entry;
    uint64_t virt_base, paddr_offset, entry;
    uint32_t supported_note;
    const char *unsupported;      /* name of a note the builder does not implement */
    const char *bad_features;     /* why FEATURES was refused */
};

static const char *const feature_names[] = {
    [XENFEAT_writable_page_tables] = "writable_page_tables",
    [XENFEAT_writable_descriptor_tables] = "writable_descriptor_tables",
    [XENFEAT_auto_translated_physmap] = "auto_translated_physmap",
    [XENFEAT_supervisor_mode_kernel] = "supervisor_mode_kernel",
    [XENFEAT_pae_pgdir_above_4gb] = "pae_pgdir_above_4gb",
    [XENFEAT_hvm_callback_vector] = "hvm_callback_vector",
    [XENFEAT_dom0] = "dom0",
};

/* True if [off, off + size) lies inside the file. */
static bool range_ok(const struct pvmm_image *img, uint64_t off, uint64_t size)
{
    return off <= img->len && size <= img->len - off;
}

/* Little-endian value of n bytes at p. */
static uint64_t get_le(const uint8_t *p, unsigned int n)
{
    uint64_t v = 0;

    for (unsigned int i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint16_t rd16(const struct pvmm_image *img, uint64_t off)
{
    return (uint16_t)get_le(img->data + off, 2);
}

static uint32_t rd32(const struct pvmm_image *img, uint64_t off)
{
    return (uint32_t)get_le(img->data + off, 4);
}

static uint64_t rd64(const struct pvmm_image *img, uint64_t off)
{
    return get_le(img->data + off, 8);
}

/* True if the n bytes at a equal those at b. */
static bool bytes_equal(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;

    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return false;
    return true;
}

/* True if the string s (at most n bytes, maybe unterminated) begins with p. */
static bool has_prefix(const char *s, size_t n, const char *p)
{
    for (size_t i = 0; p[i]; i++)
        if (i >= n || s[i] != p[i])
            return false;
    return true;
}

static size_t str_len(const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    return n;
}

/* A numeric note: little-endian of size 1, 2, 4 or 8; any other size reads as 0. */
static uint64_t note_num(const uint8_t *d, uint32_t sz)
{
    return (sz == 1 || sz == 2 || sz == 4 || sz == 8) ? get_le(d, sz) : 0;
}

/*
 * The FEATURES string: '|'-separated XENFEAT names, '!' marks a required
 * one.  Unknown names are ignored unless required; returns false then.
 */
static bool parse_features(struct pvmm_image *img, const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && s[i]) {
        size_t j = i;
        bool req = s[i] == '!';
        int bit = -1;

        while (j < n && s[j] && s[j] != '|')
            j++;
        for (unsigned int f = 0; f < sizeof(feature_names) / sizeof(feature_names[0]); f++)
            if (feature_names[f] && j - i - req == str_len(feature_names[f]) &&
                bytes_equal(s + i + req, feature_names[f], j - i - req))
                bit = (int)f;
        if (bit < 0 && req)
            return false;
        if (bit >= 0) {
            img->features_supported |= 1u << bit;
            if (req)
                img->features_required |= 1u << bit;
        }
        i = j + 1;
    }
    return true;
}

/* Record one Xen note of type `type` with descriptor desc[0, descsz). */
static void take_note(struct pvmm_image *img, struct note_state *ns, uint32_t type,
                      const uint8_t *desc, uint32_t descsz)
{
    const char *str = (const char *)desc;

    switch (type) {
    case XEN_ELFNOTE_ENTRY:
        ns->has_entry = true;
        ns->entry = note_num(desc, descsz);
        break;
    case XEN_ELFNOTE_HYPERCALL_PAGE:
        img->has_hypercall_page = true;
        img->hypercall_page = note_num(desc, descsz);
        break;
    case XEN_ELFNOTE_VIRT_BASE:
        ns->has_virt_base = true;
        ns->virt_base = note_num(desc, descsz);
        break;
    case XEN_ELFNOTE_PADDR_OFFSET:
        ns->has_paddr_offset = true;
        ns->paddr_offset = note_num(desc, descsz);
        break;
    case XEN_ELFNOTE_XEN_VERSION:
        ns->has_version = true;
        ns->version_ok = has_prefix(str, descsz, "xen-3.0");
        break;
    case XEN_ELFNOTE_LOADER:
        ns->has_loader = true;
        ns->loader_ok = has_prefix(str, descsz, "generic");
        break;
    case XEN_ELFNOTE_GUEST_OS:
        for (uint32_t i = 0; i < descsz && i + 1 < sizeof(img->guest_os) && desc[i]; i++)
            img->guest_os[i] = (char)desc[i];
        break;
    case XEN_ELFNOTE_FEATURES:
        if (!parse_features(img, str, descsz))
            ns->bad_features = "FEATURES requires an unknown feature";
        break;
    case XEN_ELFNOTE_SUPPORTED_FEATURES:
        img->has_supported_features = true;
        ns->supported_note |= (uint32_t)(descsz >= 4 ? get_le(desc, 4) : note_num(desc, descsz));
        break;
    case XEN_ELFNOTE_INIT_P2M:
        img->has_init_p2m = true;
        img->init_p2m = note_num(desc, descsz);
        break;
    case XEN_ELFNOTE_MOD_START_PFN:
        img->mod_start_pfn = note_num(desc, descsz) != 0;
        break;
    case XEN_ELFNOTE_BSD_SYMTAB:
        if (has_prefix(str, descsz, "yes"))
            ns->unsupported = "note BSD_SYMTAB is not supported";
        break;
    default:
        break;
    }
}

/* Walk the notes in file bytes [off, off + size) (already bounds-checked). */
static void walk_notes(struct pvmm_image *img, struct note_state *ns, uint64_t off, uint64_t size)
{
    uint64_t end = off + size;

    while (off + NOTE_HDR_SIZE <= end) {
        uint32_t namesz = rd32(img, off), descsz = rd32(img, off + 4), type = rd32(img, off + 8);
        uint64_t name_off = off + NOTE_HDR_SIZE;
        uint64_t desc_off = name_off + ((namesz + 3ULL) & ~3ULL);
        uint64_t next = desc_off + ((descsz + 3ULL) & ~3ULL);

        if (next > end)
            break;
        if (namesz == 4 && bytes_equal(img->data + name_off, "Xen", 4)) {
            ns->found = true;
            take_note(img, ns, type, img->data + desc_off, descsz);
        }
        off = next;
    }
}

/* Offset of section header i, or 0 if the section table is unusable. */
static uint64_t shdr_off(const struct pvmm_image *img, unsigned int i)
{
    uint64_t shoff = rd64(img, E_SHOFF);
    uint16_t shnum = rd16(img, E_SHNUM);

    if (!shoff || rd16(img, E_SHENTSIZE) != SHDR_SIZE || i >= shnum ||
        !range_ok(img, shoff, (uint64_t)shnum * SHDR_SIZE))
        return 0;
    return shoff + (uint64_t)i * SHDR_SIZE;
}

/* Walk every SHT_NOTE section. */
static void walk_note_sections(struct pvmm_image *img, struct note_state *ns)
{
    for (unsigned int i = 0; i < rd16(img, E_SHNUM); i++) {
        uint64_t sh = shdr_off(img, i);
        uint64_t off, size;

        if (!sh)
            return;
        off = rd64(img, sh + SH_OFFSET);
        size = rd64(img, sh + SH_SIZE);
        if (rd32(img, sh + SH_TYPE) == SHT_NOTE && range_ok(img, off, size))
            walk_notes(img, ns, off, size);
    }
}

/* True if the image has a section named __xen_guest (the legacy, unsupported form). */
static bool has_legacy_section(const struct pvmm_image *img)
{
    static const char legacy[] = "__xen_guest";
    uint64_t strs = shdr_off(img, rd16(img, E_SHSTRNDX));
    uint64_t str_off, str_size;

    if (!strs)
        return false;
    str_off = rd64(img, strs + SH_OFFSET);
    str_size = rd64(img, strs + SH_SIZE);
    for (unsigned int i = 0; i < rd16(img, E_SHNUM); i++) {
        uint32_t name = rd32(img, shdr_off(img, i) + SH_NAME);

        if (name < str_size && sizeof(legacy) <= str_size - name &&
            range_ok(img, str_off + name, sizeof(legacy)) &&
            bytes_equal(img->data + str_off + name, legacy, sizeof(legacy)))
            return true;
    }
    return false;
}

/* Check the ELF header and program headers; fill pstart/pend and walk PT_NOTEs. */
static const char *read_headers(struct pvmm_image *img, struct note_state *ns)
{
    uint64_t phoff;
    uint16_t phnum;
    bool any_load = false;

    if (img->len > BZ_MAGIC_OFF + 4 && bytes_equal(img->data + BZ_MAGIC_OFF, "HdrS", 4))
        return "an x86 bzImage: the builder takes the ELF inside it (tools/linux-extract)";
    if (img->len < EHDR_SIZE || !bytes_equal(img->data, "\177ELF", 4))
        return "not an ELF file";
    if (img->data[EI_CLASS] != ELFCLASS64)
        return "not a 64-bit ELF (PV32 is not supported)";
    if (img->data[EI_DATA] != ELFDATA2LSB)
        return "big-endian ELF";
    if (rd16(img, E_MACHINE) != EM_X86_64)
        return "ELF machine is not x86-64";
    phoff = rd64(img, E_PHOFF);
    phnum = rd16(img, E_PHNUM);
    if (rd16(img, E_PHENTSIZE) != PHDR_SIZE || !phnum ||
        !range_ok(img, phoff, (uint64_t)phnum * PHDR_SIZE))
        return "bad ELF program headers";

    img->pstart = ~0UL;
    for (unsigned int i = 0; i < phnum; i++) {
        uint64_t ph = phoff + (uint64_t)i * PHDR_SIZE;
        uint32_t type = rd32(img, ph + P_TYPE);
        uint64_t off = rd64(img, ph + P_OFFSET), paddr = rd64(img, ph + P_PADDR);
        uint64_t filesz = rd64(img, ph + P_FILESZ), memsz = rd64(img, ph + P_MEMSZ);

        if (type == PT_LOAD && (rd32(img, ph + P_FLAGS) & PF_RWX)) {
            if (filesz > memsz || !range_ok(img, off, filesz) || paddr + memsz < paddr)
                return "a loadable segment lies outside the file or wraps";
            any_load = true;
            if (paddr < img->pstart)
                img->pstart = paddr;
            if (paddr + memsz > img->pend)
                img->pend = paddr + memsz;
        } else if (type == PT_NOTE && off && range_ok(img, off, filesz)) {
            walk_notes(img, ns, off, filesz);
        }
    }
    return any_load ? NULL : "no loadable segment";
}

/* The acceptance checks of §1.3 and the derived addresses of §1.4. */
static const char *check_notes(struct pvmm_image *img, const struct note_state *ns)
{
    if (!ns->found)
        return has_legacy_section(img)
               ? "only a legacy __xen_guest section (Xen ELF notes are needed)"
               : "not a Xen-ELF image: no Xen ELF notes";
    if (!ns->has_version || !ns->version_ok)
        return "XEN_VERSION note missing or not \"xen-3.0\"";
    if ((!ns->has_loader || !ns->loader_ok) &&
        !has_prefix(img->guest_os, sizeof(img->guest_os), "linux"))
        return "LOADER note missing or not \"generic\"";
    if (ns->has_paddr_offset && !ns->has_virt_base)
        return "PADDR_OFFSET without VIRT_BASE";
    if (ns->bad_features)
        return ns->bad_features;
    if (ns->unsupported)
        return ns->unsupported;
    if (img->features_required & ((1u << XENFEAT_supervisor_mode_kernel) |
                                  (1u << XENFEAT_auto_translated_physmap)))
        return "FEATURES requires supervisor_mode_kernel or auto_translated_physmap";
    img->features_supported |= ns->supported_note;

    img->virt_base = ns->virt_base;
    img->paddr_offset = ns->paddr_offset;
    img->virt_offset = img->virt_base - img->paddr_offset;
    img->kstart = img->pstart + img->virt_offset;
    img->kend = img->pend + img->virt_offset;
    img->entry = ns->has_entry ? ns->entry : rd64(img, E_ENTRY);
    if (img->kstart > img->kend || img->entry < img->kstart || img->entry > img->kend ||
        img->virt_base > img->kstart)
        return "kernel addresses out of order (start, end, entry, VIRT_BASE)";
    if (img->has_init_p2m && img->init_p2m >= img->kstart && img->init_p2m < img->kend)
        return "INIT_P2M lies inside the kernel image";
    return NULL;
}

int pvmm_image_parse(struct pvmm_image *img, const void *data, size_t len, const char **why)
{
    struct note_state ns = { 0 };
    const char *err;

    __builtin_memset(img, 0, sizeof(*img));
    img->data = data;
    img->len = len;
    err = read_headers(img, &ns);
    if (!err && !ns.found)
        walk_note_sections(img, &ns);
    if (!err)
        err = check_notes(img, &ns);
    if (err) {
        *why = err;
        return -XEN_EINVAL;
    }
    return 0;
}

void pvmm_image_blank(struct pvmm_image *img, uint64_t kstart, uint64_t kend)
{
    __builtin_memset(img, 0, sizeof(*img));
    img->pstart = img->kstart = img->entry = kstart;
    img->pend = img->kend = kend;
}

int pvmm_image_for_each_segment(const struct pvmm_image *img, pvmm_segment_fn *load, void *ctx)
{
    uint64_t phoff;

    if (!img->data)
        return 0;
    phoff = rd64(img, E_PHOFF);
    for (unsigned int i = 0; i < rd16(img, E_PHNUM); i++) {
        uint64_t ph = phoff + (uint64_t)i * PHDR_SIZE;
        int rc;

        if (rd32(img, ph + P_TYPE) != PT_LOAD || !(rd32(img, ph + P_FLAGS) & PF_RWX))
            continue;
        rc = load(ctx, rd64(img, ph + P_PADDR) + img->virt_offset,
                  img->data + rd64(img, ph + P_OFFSET), rd64(img, ph + P_FILESZ),
                  rd64(img, ph + P_MEMSZ));
        if (rc)
            return rc;
    }
    return 0;
}
