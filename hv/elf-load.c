/*
 * hv/elf-load.c - checking a PV64 guest ELF and reading its Xen notes (boot-ABI §1.1-§1.5).
 *
 * Notes are found through PT_NOTE program headers first, then SHT_NOTE sections.  An image
 * whose only Xen information is the legacy __xen_guest section is refused with its own
 * message, as are images asking for features pvmm-hv does not implement (INIT_P2M,
 * MOD_START_PFN, BSD_SYMTAB, a required supervisor_mode_kernel or auto_translated_physmap).
 * Every offset read from the file is bounds-checked: the image is guest input.
 */
#include "hv.h"
#include "elf-load.h"
#include <xen/elfnote.h>
#include <xen/features.h>

#define PT_LOAD   1
#define PT_NOTE   4
#define SHT_NOTE  7
#define EM_X86_64 62

struct ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
struct shdr {
    uint32_t name, type;
    uint64_t flags, addr, offset, size;
    uint32_t link, info;
    uint64_t addralign, entsize;
};

struct note_state {
    bool found, has_version, has_loader, has_virt_base, has_paddr_offset, has_entry;
    bool has_supported, version_ok, loader_ok, unsupported;
    uint64_t virt_base, paddr_offset, entry;
    uint32_t supported_note;
    char unsupported_name[24];
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

static bool range_ok(const struct elf_image *img, uint64_t off, uint64_t size)
{
    return off <= img->len && size <= img->len - off;
}

static bool prefix(const char *s, size_t n, const char *p)
{
    size_t i = 0;
    for (; p[i]; i++)
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

static uint64_t note_num(const uint8_t *d, uint32_t sz)
{
    uint64_t v = 0;
    if (sz != 1 && sz != 2 && sz != 4 && sz != 8)
        return 0;
    for (uint32_t i = 0; i < sz; i++)
        v |= (uint64_t)d[i] << (8 * i);
    return v;
}

/* Parse the FEATURES string: '|'-separated names, '!' marks a required one. */
static int parse_features(struct elf_image *img, const char *s, size_t n, char *err, size_t el)
{
    size_t i = 0;
    while (i < n && s[i]) {
        size_t j = i;
        while (j < n && s[j] && s[j] != '|')
            j++;
        bool req = s[i] == '!';
        const char *name = s + i + req;
        size_t len = j - i - req;
        int bit = -1;
        for (unsigned int f = 0; f < sizeof(feature_names) / sizeof(feature_names[0]); f++)
            if (feature_names[f] && len == str_len(feature_names[f]) &&
                !memcmp(name, feature_names[f], len))
                bit = (int)f;
        if (bit < 0 && req) {
            hv_snprintf(err, el, "FEATURES requires an unknown feature");
            return -1;
        }
        if (bit >= 0) {
            img->features_supported |= 1u << bit;
            if (req)
                img->features_required |= 1u << bit;
        }
        i = j + 1;
    }
    return 0;
}

/* Walk one note area; returns -1 (with err) on a fatal note. */
static int walk_notes(struct elf_image *img, struct note_state *ns, uint64_t off, uint64_t size,
                      char *err, size_t el)
{
    uint64_t end = off + size;
    while (off + 12 <= end) {
        const uint32_t *h = (const uint32_t *)(img->data + off);
        uint32_t namesz = h[0], descsz = h[1], type = h[2];
        uint64_t name_off = off + 12, desc_off = name_off + ((namesz + 3ULL) & ~3ULL);
        uint64_t next = desc_off + ((descsz + 3ULL) & ~3ULL);
        if (next > end)
            break;
        const uint8_t *desc = img->data + desc_off;
        if (namesz == 4 && !memcmp(img->data + name_off, "Xen", 4)) {
            ns->found = true;
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
                ns->version_ok = prefix((const char *)desc, descsz, "xen-3.0");
                break;
            case XEN_ELFNOTE_LOADER:
                ns->has_loader = true;
                ns->loader_ok = prefix((const char *)desc, descsz, "generic");
                break;
            case XEN_ELFNOTE_GUEST_OS:
                for (uint32_t i = 0; i < descsz && i + 1 < sizeof(img->guest_os) && desc[i]; i++)
                    img->guest_os[i] = (char)desc[i];
                break;
            case XEN_ELFNOTE_FEATURES:
                if (parse_features(img, (const char *)desc, descsz, err, el))
                    return -1;
                break;
            case XEN_ELFNOTE_SUPPORTED_FEATURES:
                ns->has_supported = true;
                ns->supported_note |= (uint32_t)note_num(desc, descsz >= 4 ? 4 : descsz);
                break;
            case XEN_ELFNOTE_INIT_P2M:
            case XEN_ELFNOTE_MOD_START_PFN:
                if (note_num(desc, descsz)) {
                    ns->unsupported = true;
                    hv_snprintf(ns->unsupported_name, sizeof(ns->unsupported_name), "%s",
                                type == XEN_ELFNOTE_INIT_P2M ? "INIT_P2M" : "MOD_START_PFN");
                }
                break;
            case XEN_ELFNOTE_BSD_SYMTAB:
                if (prefix((const char *)desc, descsz, "yes")) {
                    ns->unsupported = true;
                    hv_snprintf(ns->unsupported_name, sizeof(ns->unsupported_name), "BSD_SYMTAB");
                }
                break;
            default:
                break;
            }
        }
        off = next;
    }
    return 0;
}

static bool has_legacy_section(const struct elf_image *img, const struct ehdr *eh)
{
    if (!eh->shoff || eh->shentsize != sizeof(struct shdr) || eh->shstrndx >= eh->shnum ||
        !range_ok(img, eh->shoff, (uint64_t)eh->shnum * sizeof(struct shdr)))
        return false;
    const struct shdr *sh = (const struct shdr *)(img->data + eh->shoff);
    const struct shdr *strs = &sh[eh->shstrndx];
    for (unsigned int i = 0; i < eh->shnum; i++) {
        uint64_t n = strs->offset + sh[i].name;
        if (sh[i].name < strs->size && range_ok(img, n, 12) &&
            !memcmp(img->data + n, "__xen_guest", 12))
            return true;
    }
    return false;
}

int elf_parse(struct elf_image *img, const void *data, size_t len, char *err, size_t el)
{
    memset(img, 0, sizeof(*img));
    img->data = data;
    img->len = len;
    const struct ehdr *eh = data;
    if (len < sizeof(*eh) || memcmp(eh->ident, "\177ELF", 4))
        return hv_snprintf(err, el, "not an ELF file"), -1;
    if (eh->ident[4] != 2)
        return hv_snprintf(err, el, "32-bit ELF (PV32 is not supported)"), -1;
    if (eh->ident[5] != 1)
        return hv_snprintf(err, el, "big-endian ELF"), -1;
    if (eh->machine != EM_X86_64)
        return hv_snprintf(err, el, "ELF machine %u is not x86-64", eh->machine), -1;
    if (eh->phentsize != sizeof(struct phdr) || !eh->phnum ||
        !range_ok(img, eh->phoff, (uint64_t)eh->phnum * sizeof(struct phdr)))
        return hv_snprintf(err, el, "bad ELF program headers"), -1;

    const struct phdr *ph = (const struct phdr *)(img->data + eh->phoff);
    struct note_state ns = { 0 };
    bool any_load = false;
    img->pstart = ~0UL;
    for (unsigned int i = 0; i < eh->phnum; i++) {
        if (ph[i].type == PT_LOAD && (ph[i].flags & 7)) {
            if (ph[i].filesz > ph[i].memsz || !range_ok(img, ph[i].offset, ph[i].filesz) ||
                ph[i].paddr + ph[i].memsz < ph[i].paddr)
                return hv_snprintf(err, el, "segment %u lies outside the file", i), -1;
            any_load = true;
            if (ph[i].paddr < img->pstart)
                img->pstart = ph[i].paddr;
            if (ph[i].paddr + ph[i].memsz > img->pend)
                img->pend = ph[i].paddr + ph[i].memsz;
        } else if (ph[i].type == PT_NOTE && ph[i].offset && range_ok(img, ph[i].offset, ph[i].filesz)) {
            if (walk_notes(img, &ns, ph[i].offset, ph[i].filesz, err, el))
                return -1;
        }
    }
    if (!any_load)
        return hv_snprintf(err, el, "no loadable segment"), -1;
    if (!ns.found && eh->shoff && eh->shentsize == sizeof(struct shdr) &&
        range_ok(img, eh->shoff, (uint64_t)eh->shnum * sizeof(struct shdr))) {
        const struct shdr *sh = (const struct shdr *)(img->data + eh->shoff);
        for (unsigned int i = 0; i < eh->shnum; i++)
            if (sh[i].type == SHT_NOTE && range_ok(img, sh[i].offset, sh[i].size))
                if (walk_notes(img, &ns, sh[i].offset, sh[i].size, err, el))
                    return -1;
    }
    if (!ns.found)
        return hv_snprintf(err, el, has_legacy_section(img, eh)
                           ? "only a legacy __xen_guest section (pvmm-hv needs Xen ELF notes)"
                           : "not a Xen-ELF image: no Xen ELF notes"), -1;
    if (!ns.has_version || !ns.version_ok)
        return hv_snprintf(err, el, "XEN_VERSION note missing or not \"xen-3.0\""), -1;
    if ((!ns.has_loader || !ns.loader_ok) && !prefix(img->guest_os, sizeof(img->guest_os), "linux"))
        return hv_snprintf(err, el, "LOADER note missing or not \"generic\""), -1;
    if (ns.has_paddr_offset && !ns.has_virt_base)
        return hv_snprintf(err, el, "PADDR_OFFSET without VIRT_BASE"), -1;
    if (ns.unsupported)
        return hv_snprintf(err, el, "note %s is not supported by pvmm-hv", ns.unsupported_name), -1;
    if (img->features_required & ((1u << XENFEAT_supervisor_mode_kernel) |
                                  (1u << XENFEAT_auto_translated_physmap)))
        return hv_snprintf(err, el, "FEATURES requires supervisor_mode_kernel or "
                           "auto_translated_physmap"), -1;
    img->features_supported |= ns.supported_note;
    if (ns.has_supported && !(img->features_supported & (1u << XENFEAT_dom0)))
        return hv_snprintf(err, el, "Kernel does not support Dom0 operation"), -1;

    img->virt_base = ns.virt_base;
    img->paddr_offset = ns.paddr_offset;
    img->virt_offset = img->virt_base - img->paddr_offset;
    img->kstart = img->pstart + img->virt_offset;
    img->kend = img->pend + img->virt_offset;
    img->entry = ns.has_entry ? ns.entry : eh->entry;
    if (img->kstart > img->kend || img->entry < img->kstart || img->entry > img->kend ||
        img->virt_base > img->kstart)
        return hv_snprintf(err, el, "kernel addresses out of order (start %lx end %lx entry %lx "
                           "base %lx)", img->kstart, img->kend, img->entry, img->virt_base), -1;
    return 0;
}

void elf_for_each_segment(const struct elf_image *img,
                          void (*load)(uint64_t, const void *, uint64_t, uint64_t, void *),
                          void *ctx)
{
    const struct ehdr *eh = (const struct ehdr *)img->data;
    const struct phdr *ph = (const struct phdr *)(img->data + eh->phoff);
    for (unsigned int i = 0; i < eh->phnum; i++)
        if (ph[i].type == PT_LOAD && (ph[i].flags & 7))
            load(ph[i].paddr + img->virt_offset, img->data + ph[i].offset, ph[i].filesz,
                 ph[i].memsz, ctx);
}
