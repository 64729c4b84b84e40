/*
 * core/reason-text.c - turning a recorded reason into plain English.
 *
 * The text is written for a guest-kernel developer: which call failed with
 * which error, what was wrong with which frame or entry (types spelled out,
 * entry flags decoded), which writable mapping blocks a type change and the
 * path of tables from the operation down to the failing entry, e.g.
 *
 *   mmuext_op[0] PIN_L4_TABLE failed: -EINVAL (type-conflict)
 *   frame 0x1234 is in use as a writable page (type count 1) and cannot
 *     become a descriptor page (seg_desc)
 *   blocked by the writable mapping in L1 frame 0x1200, slot 37 (virtual address 0x25000)
 *   path: L4 0x1000[0] -> L3 0x1001[0] -> L2 0x1002[3] -> L1 0x1003[17]
 *   frame 0x1234 mid-operation: owner d1, count 2 (allocated), type writable count 1
 *
 * The counts on the last line were taken when the rule was checked, in the
 * middle of the operation: they include the references it held then.
 */
#include "mm.h"
#include <xen/grant_table.h>
#include <xen/domctl.h>

/* An append-only text buffer that counts what it could not store. */
struct text {
    char *buf;
    size_t len;
    size_t pos;
};

static void __attribute__((format(printf, 2, 3))) put(struct text *t, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (t->pos < t->len)
        t->pos += pvmm_vsnprintf(t->buf + t->pos, t->len - t->pos, fmt, ap);
    else
        t->pos += pvmm_vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
}

static const char *hypercall_name(int nr)
{
    switch (nr) {
    case __HYPERVISOR_mmu_update:                 return "mmu_update";
    case __HYPERVISOR_set_gdt:                    return "set_gdt";
    case __HYPERVISOR_update_descriptor:          return "update_descriptor";
    case __HYPERVISOR_memory_op:                  return "memory_op";
    case __HYPERVISOR_multicall:                  return "multicall";
    case __HYPERVISOR_update_va_mapping:          return "update_va_mapping";
    case __HYPERVISOR_grant_table_op:             return "grant_table_op";
    case __HYPERVISOR_vm_assist:                  return "vm_assist";
    case __HYPERVISOR_update_va_mapping_otherdomain: return "update_va_mapping_otherdomain";
    case __HYPERVISOR_vcpu_op:                    return "vcpu_op";
    case __HYPERVISOR_mmuext_op:                  return "mmuext_op";
    case __HYPERVISOR_domctl:                     return "domctl";
    default:                                      return NULL;
    }
}

static const char *const mmuext_names[] = {
    [MMUEXT_PIN_L1_TABLE] = "PIN_L1_TABLE",
    [MMUEXT_PIN_L2_TABLE] = "PIN_L2_TABLE",
    [MMUEXT_PIN_L3_TABLE] = "PIN_L3_TABLE",
    [MMUEXT_PIN_L4_TABLE] = "PIN_L4_TABLE",
    [MMUEXT_UNPIN_TABLE] = "UNPIN_TABLE",
    [MMUEXT_NEW_BASEPTR] = "NEW_BASEPTR",
    [MMUEXT_TLB_FLUSH_LOCAL] = "TLB_FLUSH_LOCAL",
    [MMUEXT_INVLPG_LOCAL] = "INVLPG_LOCAL",
    [MMUEXT_TLB_FLUSH_MULTI] = "TLB_FLUSH_MULTI",
    [MMUEXT_INVLPG_MULTI] = "INVLPG_MULTI",
    [MMUEXT_TLB_FLUSH_ALL] = "TLB_FLUSH_ALL",
    [MMUEXT_INVLPG_ALL] = "INVLPG_ALL",
    [MMUEXT_FLUSH_CACHE] = "FLUSH_CACHE",
    [MMUEXT_SET_LDT] = "SET_LDT",
    [MMUEXT_NEW_USER_BASEPTR] = "NEW_USER_BASEPTR",
    [MMUEXT_CLEAR_PAGE] = "CLEAR_PAGE",
    [MMUEXT_COPY_PAGE] = "COPY_PAGE",
    [MMUEXT_FLUSH_CACHE_GLOBAL] = "FLUSH_CACHE_GLOBAL",
    [MMUEXT_MARK_SUPER] = "MARK_SUPER",
    [MMUEXT_UNMARK_SUPER] = "UNMARK_SUPER",
};

static const char *const mmu_names[] = {
    [MMU_NORMAL_PT_UPDATE] = "NORMAL_PT_UPDATE",
    [MMU_MACHPHYS_UPDATE] = "MACHPHYS_UPDATE",
    [MMU_PT_UPDATE_PRESERVE_AD] = "PT_UPDATE_PRESERVE_AD",
    [MMU_PT_UPDATE_NO_TRANSLATE] = "PT_UPDATE_NO_TRANSLATE",
};

static const char *const xenmem_names[] = {
    [XENMEM_increase_reservation] = "increase_reservation",
    [XENMEM_decrease_reservation] = "decrease_reservation",
    [XENMEM_maximum_ram_page] = "maximum_ram_page",
    [XENMEM_current_reservation] = "current_reservation",
    [XENMEM_maximum_reservation] = "maximum_reservation",
    [XENMEM_machphys_mfn_list] = "machphys_mfn_list",
    [XENMEM_populate_physmap] = "populate_physmap",
    [XENMEM_add_to_physmap] = "add_to_physmap",
    [XENMEM_memory_map] = "memory_map",
    [XENMEM_machine_memory_map] = "machine_memory_map",
    [XENMEM_exchange] = "exchange",
    [XENMEM_machphys_mapping] = "machphys_mapping",
    [XENMEM_set_memory_map] = "set_memory_map",
    [XENMEM_maximum_gpfn] = "maximum_gpfn",
    [XENMEM_remove_from_physmap] = "remove_from_physmap",
};

static const char *const gnttab_names[] = {
    "map_grant_ref", "unmap_grant_ref", "setup_table", "dump_table", "transfer", "copy",
    "query_size", "unmap_and_replace", "set_version", "get_status_frames", "get_version",
    "swap_grant_ref", "cache_flush",
};
static const char *const gntst_names[] = {
    "okay", "general_error", "bad_domain", "bad_gntref", "bad_handle", "bad_virt_addr",
    "bad_dev_addr", "no_device_space", "permission_denied", "bad_page", "bad_copy_arg",
    "address_too_big", "eagain", "no_space",
};

/*
 * The GNTST name of a grant_table_op element's status, or NULL if rc is an errno: every
 * grant sub-op but get/set_version and cache_flush records its refusals as the element's GNTST status
 * (-1..-13); its own errors (-EINVAL, -EFAULT, -ENOSYS) lie outside that range.
 */
static const char *gntst_name(const struct pvmm_reason *r)
{
    if (r->hypercall != __HYPERVISOR_grant_table_op || r->sub_op == GNTTABOP_set_version ||
        r->sub_op == GNTTABOP_get_version || r->sub_op == GNTTABOP_cache_flush || r->rc >= 0 ||
        -r->rc >= (int)ARRAY_SIZE(gntst_names))
        return NULL;
    return gntst_names[-r->rc];
}

/* Name of sub-operation `op` of hypercall `nr`, or NULL. */
static const char *sub_op_name(int nr, int op)
{
    if (op < 0)
        return NULL;
    if (nr == __HYPERVISOR_mmuext_op && (size_t)op < ARRAY_SIZE(mmuext_names))
        return mmuext_names[op];
    if (nr == __HYPERVISOR_mmu_update && (size_t)op < ARRAY_SIZE(mmu_names))
        return mmu_names[op];
    if (nr == __HYPERVISOR_memory_op && (size_t)op < ARRAY_SIZE(xenmem_names))
        return xenmem_names[op];
    if (nr == __HYPERVISOR_grant_table_op && (size_t)op < ARRAY_SIZE(gnttab_names))
        return gnttab_names[op];
    if (nr == __HYPERVISOR_domctl && op == XEN_DOMCTL_unpausedomain)
        return "unpausedomain";
    return NULL;
}

/* Short name of a PGT_* type ("writable", "L2", "seg_desc"). */
static const char *type_name(uint64_t type)
{
    static const char *const names[8] = {
        "none", "L1", "L2", "L3", "L4", "seg_desc", "shared", "writable",
    };
    return names[(type & PGT_type_mask) >> PGT_type_shift];
}

/* The type as a noun phrase ("a writable page", "an L2 page table"). */
static const char *type_noun(uint64_t type)
{
    static const char *const nouns[8] = {
        "an untyped page (none)", "an L1 page table", "an L2 page table",
        "an L3 page table", "an L4 page table", "a descriptor page (seg_desc)",
        "a shared page (shared)", "a writable page",
    };
    return nouns[(type & PGT_type_mask) >> PGT_type_shift];
}

/* "d1", "dom_xen", "dom_io" or "no domain". */
static void put_owner(struct text *t, domid_t owner)
{
    if (owner == DOMID_XEN)
        put(t, "dom_xen");
    else if (owner == DOMID_IO)
        put(t, "dom_io");
    else if (owner == PVMM_OWNER_NONE)
        put(t, "no domain");
    else
        put(t, "d%u", (unsigned int)owner);
}

/* Decode the flags of a page-table entry of level `level` (0: unknown). */
static void put_flags(struct text *t, intpte_t e, int level)
{
    static const char *const low[12] = {
        "P", "RW", "U", "PWT", "PCD", "A", "D", NULL, "G", "AVL0", "AVL1", "AVL2",
    };

    for (unsigned int b = 0; b < 12; b++) {
        if (!(e & (1UL << b)))
            continue;
        if (b == 7)
            put(t, " %s", level == 1 ? "PAT" : "PSE");
        else
            put(t, " %s", low[b]);
    }
    for (unsigned int b = 52; b < 64; b++) {
        if (!(e & (1UL << b)))
            continue;
        if (b == 52)
            put(t, " GK");
        else if (b == 63)
            put(t, " NX");
        else
            put(t, " bit%u", b);
    }
}

/* "0x... (not present)" or "0x... (frame 0x1234, flags P RW U)". */
static void put_entry(struct text *t, intpte_t e, int level)
{
    put(t, "0x%lx", (unsigned long)e);
    if (level < 1 || level > 4)
        return;
    if (!(e & _PAGE_PRESENT)) {
        put(t, " (not present)");
        return;
    }
    put(t, " (frame 0x%lx, flags", (unsigned long)pte_mfn(e));
    put_flags(t, e, level);
    put(t, ")");
}

/* The table a level number names: "L3" for 1..4, "descriptor page" for 0. */
static void put_level(struct text *t, int level)
{
    if (level >= 1 && level <= 4)
        put(t, "L%d", level);
    else
        put(t, "descriptor page");
}

/* Start a new line (nothing before the first one). */
static void line(struct text *t)
{
    if (t->pos)
        put(t, "\n");
}

/* Line 1: which call failed and how. */
static void put_header(struct text *t, const struct pvmm_reason *r)
{
    const char *hc = hypercall_name(r->hypercall);
    const char *sub = sub_op_name(r->hypercall, r->sub_op);

    if (hc)
        put(t, "%s", hc);
    else if (r->hypercall >= 0)
        put(t, "hypercall %d", r->hypercall);
    else
        put(t, "operation");
    if (r->op_index >= 0)
        put(t, "[%d]", r->op_index);
    if (sub)
        put(t, " %s", sub);
    else if (r->sub_op >= 0)
        put(t, " sub-op %d", r->sub_op);
    if (gntst_name(r))
        put(t, " failed: GNTST_%s (%s)", gntst_name(r), pvmm_rule_name(r->rule));
    else
        put(t, " failed: -%s (%s)", xen_errno_name(r->rc), pvmm_rule_name(r->rule));
}

/* Line 2: the rule, said about the frame and types involved. */
static void put_rule(struct text *t, const struct pvmm_reason *r)
{
    unsigned long f = (unsigned long)r->frame;
    uint64_t tc = r->type_info & PGT_count_mask;
    bool have_frame = r->frame != INVALID_MFN;
    const char *text;

    line(t);
    switch (r->rule) {
    case PVMM_RULE_TYPE_CONFLICT:
        put(t, "frame 0x%lx is in use as %s (type count %lu) and cannot become %s",
            f, type_noun(r->type_info), (unsigned long)tc, type_noun(r->want_type));
        return;
    case PVMM_RULE_WRITABLE_PAGETABLE:
        put(t, "frame 0x%lx is in use as %s (type count %lu) and cannot be mapped writable",
            f, type_noun(r->type_info), (unsigned long)tc);
        return;
    case PVMM_RULE_WRONG_LEVEL:
        put(t, "frame 0x%lx is %s, but this entry must point at %s",
            f, type_noun(r->type_info), type_noun(r->want_type));
        return;
    case PVMM_RULE_NOT_OWNER:
        put(t, "frame 0x%lx belongs to ", f);
        put_owner(t, r->owner);
        put(t, ", not to the domain that uses it");
        return;
    case PVMM_RULE_FREE_FRAME:
        put(t, "frame 0x%lx is free: it has no owner and no references", f);
        return;
    case PVMM_RULE_BAD_MFN:
        put(t, "frame 0x%lx is not valid machine memory", f);
        return;
    case PVMM_RULE_SEALED_MAPPED:
        if (!have_frame)
            break;
        put(t, "sealed domain ");
        put_owner(t, r->owner);
        put(t, " cannot run while ");
        put_owner(t, r->mapper);
        put(t, " maps its frame 0x%lx", f);
        return;
    case PVMM_RULE_VALIDATION_FAILED:
        put(t, "frame 0x%lx cannot be validated as %s: an entry failed validation",
            f, type_noun(r->want_type));
        return;
    case PVMM_RULE_GRANT_NOT_ACCEPTING:
        put(t, "grant entry %d has flags 0x%x for d%u: a transfer needs flags exactly "
            "GTF_accept_transfer (0x2) and the sender's domain id", r->index,
            (unsigned int)(r->entry & 0xffff), (unsigned int)((r->entry >> 16) & 0xffff));
        return;
    case PVMM_RULE_GRANT_TRANSITIVE_SELF:
        put(t, "transitive grant %d names its own domain d%u: it must point into another "
            "domain's table", r->index, (unsigned int)r->entry);
        return;
    case PVMM_RULE_GRANT_TRANSITIVE_DEPTH:
        put(t, "grant %d of d%u, reached through a transitive grant, is transitive itself: "
            "one level only", r->index, (unsigned int)r->entry);
        return;
    case PVMM_RULE_GRANT_NOT_GRANTED:
        put(t, "frame 0x%lx belongs to d%u, and no active grant of d%u pins it for the caller",
            f, (unsigned int)r->entry, (unsigned int)r->entry);
        return;
    case PVMM_RULE_NOT_PAGETABLE:
        put(t, "frame 0x%lx is %s, not a validated page table of a suitable type",
            f, type_noun(r->type_info));
        return;
    default:
        break;
    }
    text = pvmm_rule_text(r->rule);
    put(t, "%c%s", text[0] >= 'a' && text[0] <= 'z' ? text[0] - 'a' + 'A' : text[0], text + 1);
    if (have_frame)
        put(t, " (frame 0x%lx)", f);
}

size_t pvmm_reason_format(const struct pvmm_reason *r, char *buf, size_t len)
{
    struct text t = { .buf = buf, .len = len, .pos = 0 };

    if (len)
        buf[0] = '\0';
    if (r->rule == PVMM_RULE_NONE) {
        put(&t, "no failure recorded");
        return t.pos;
    }
    put_header(&t, r);
    put_rule(&t, r);

    if (r->table != INVALID_MFN || r->index >= 0) {
        line(&t);
        put(&t, "entry");
        if (r->index >= 0)
            put(&t, " %d", r->index);
        if (r->table != INVALID_MFN) {
            put(&t, " of ");
            /*
             * Level 0 is a descriptor page for descriptor rules, and an
             * ordinary page (not a page table) for mmu_update on one.
             */
            if (r->level == 0 && r->rule != PVMM_RULE_BAD_DESCRIPTOR &&
                !(r->table == r->frame &&
                  (r->type_info & PGT_type_mask) == PGT_seg_desc_page))
                put(&t, "page");
            else
                put_level(&t, r->level);
            put(&t, " frame 0x%lx", (unsigned long)r->table);
        }
        put(&t, " is ");
        put_entry(&t, r->entry, r->table != INVALID_MFN ? r->level : 0);
    }

    if (r->have_blocker) {
        line(&t);
        put(&t, "blocked by the writable mapping in L1 frame 0x%lx, slot %d",
            (unsigned long)r->blocker_l1, r->blocker_slot);
        if (r->blocker_va != ~(uint64_t)0)
            put(&t, " (virtual address 0x%lx)", (unsigned long)r->blocker_va);
        else if (r->blocker_search_exhausted)
            put(&t, " (virtual address unknown: search budget exhausted)");
        else
            put(&t, " (not reachable from any L4 of the domain)");
    } else if (r->blocker_search_exhausted) {
        line(&t);
        put(&t, "a writable mapping exists; search budget exhausted");
    }

    if (r->path_len > 0) {
        line(&t);
        put(&t, "path:");
        for (int i = 0; i < r->path_len && i < PVMM_REASON_PATH_MAX; i++) {
            put(&t, "%s", i ? " -> " : " ");
            put_level(&t, r->path[i].level);
            put(&t, " 0x%lx[%d]", (unsigned long)r->path[i].table, r->path[i].index);
        }
    }

    if (r->frame != INVALID_MFN && (r->count_info || r->type_info ||
                                    r->owner != PVMM_OWNER_NONE)) {
        line(&t);
        /* A snapshot from when the rule was checked: the operation's own references count. */
        put(&t, "frame 0x%lx mid-operation: owner ", (unsigned long)r->frame);
        put_owner(&t, r->owner);
        put(&t, ", count %lu%s, type %s count %lu%s%s%s%s",
            (unsigned long)(r->count_info & PGC_count_mask),
            r->count_info & PGC_allocated ? " (allocated)" : "",
            type_name(r->type_info), (unsigned long)(r->type_info & PGT_count_mask),
            r->type_info & PGT_validated ? ", validated" : "",
            r->type_info & PGT_pinned ? ", pinned" : "",
            r->type_info & PGT_partial ? ", partial" : "",
            r->type_info & PGT_locked ? ", locked" : "");
    }

    return t.pos;
}
