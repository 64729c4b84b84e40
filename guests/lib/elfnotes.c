/*
 * elfnotes.c: the Xen ELF notes that make this image loadable as a PV64 kernel.
 *
 * Each note is {namesz, descsz, type, "Xen\0", desc} with the descriptor padded to 4 bytes
 * (boot-ABI §1.2). They land in .note.Xen, which the linker script covers with a PT_NOTE
 * program header. The structures are packed and 4-byte aligned so that the notes sit back to
 * back in the section, exactly as a note parser walks them.
 *
 * The image is linked at 1 MiB with VA == PA: VIRT_BASE and PADDR_OFFSET are 0, so the builder
 * maps pfn N at VA N << 12. LOADER "generic" plus XEN_VERSION "xen-3.0" are the two notes the
 * builder insists on; HYPERCALL_PAGE asks it to write the stubs into hypercall_page.
 */
#include <stdint.h>
#include <xen/elfnote.h>

extern char _start[];
extern char hypercall_page[];

#define NOTE_ATTR __attribute__((used, section(".note.Xen"), aligned(4)))
#define NOTE_PAD(n) (((n) + 3) & ~3u)

#define XEN_NOTE_STR(tag, ntype, str)                                       \
    static const struct {                                                   \
        uint32_t namesz, descsz, type;                                      \
        char name[4];                                                       \
        char desc[NOTE_PAD(sizeof(str))];                                   \
    } __attribute__((packed)) tag NOTE_ATTR = {                             \
        4, sizeof(str), (ntype), "Xen", str                                 \
    }

#define XEN_NOTE_NUM(tag, ntype, value)                                     \
    static const struct {                                                   \
        uint32_t namesz, descsz, type;                                      \
        char name[4];                                                       \
        uint64_t desc;                                                      \
    } __attribute__((packed)) tag NOTE_ATTR = {                             \
        4, 8, (ntype), "Xen", (uint64_t)(value)                             \
    }

XEN_NOTE_STR(note_xen_version, XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
XEN_NOTE_STR(note_loader, XEN_ELFNOTE_LOADER, "generic");
XEN_NOTE_STR(note_guest_os, XEN_ELFNOTE_GUEST_OS, "pvmm-test-guest");
XEN_NOTE_STR(note_guest_version, XEN_ELFNOTE_GUEST_VERSION, "1");
XEN_NOTE_NUM(note_virt_base, XEN_ELFNOTE_VIRT_BASE, 0);
XEN_NOTE_NUM(note_paddr_offset, XEN_ELFNOTE_PADDR_OFFSET, 0);
XEN_NOTE_NUM(note_entry, XEN_ELFNOTE_ENTRY, (uintptr_t)_start);
XEN_NOTE_NUM(note_hypercall_page, XEN_ELFNOTE_HYPERCALL_PAGE, (uintptr_t)hypercall_page);
