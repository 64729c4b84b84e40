/*
 * hv/record.c - the trace and the recording of a guest's run (hypervisor options `trace`,
 * `record`; tools/hv-run --trace, --record; docs/hv.md).
 *
 * trace: one line per hypercall, trapped page-table write, emulated CR3 load, lazy LDT
 * mapping and held frame, on HV_TRACE_PORT: the vCPU, the call with its arguments named,
 * the result, and for a refusal the core's rule and first sentence.
 *
 * record: the same run as a scenario (docs/scenarios.md, "Recorded runs") on
 * HV_RECORD_PORT, which `pvmm run` replays through the same core: first the machine as the
 * hypervisor gave it to the core (its frames, the RAM handed over in order, the frames
 * kept, the frames shared), then dom0 as built, then every operation that reached the core
 * with its raw arguments, preemption point and result.  What the core read of guest memory
 * goes before each operation: the bytes it copied from guest virtual addresses (`poke`),
 * and every frame it mapped whose contents the replay does not have yet (`frame`).  To know
 * that, the recorder keeps a hash of each frame as the replay has it: frames the builder
 * wrote the same way in both, and frames after each operation (the same core writes the
 * same bytes); a guest store between operations changes the hash and the frame goes out
 * again.  Hypercalls outside the memory model become comments.
 *
 * Both are off unless asked for, and then cost nothing to the guest but time.
 */
#include "events.h"
#include <xen/xen.h>
#include <xen/memory.h>
#include <xen/errno.h>

#define UNKNOWN_HASH   0UL          /* never a frame hash (hash_frame sets bit 0) */
#define MAX_TOUCHED    4096
#define POKE_MAX       256

static bool tracing, recording, tearing_down;
bool rec_on;                        /* tracing || recording (hv.h's inline hooks) */
static uint64_t *known;             /* hash of each frame's contents as the replay has them */
static uint32_t *touch_gen;         /* == op_gen: mapped during the current operation */
static uint64_t nr_known;
static uint32_t op_gen = 1;
static unsigned int op_depth;
static uint64_t touched[MAX_TOUCHED];
static unsigned int nr_touched;
static unsigned long preempt_checks, preempt_first;
static uint64_t run_first, run_nr;  /* a pending run of `reserve` or `share_privileged` */
static const char *run_kind;
static uint8_t poke_buf[POKE_MAX];  /* pending guest bytes, contiguous from poke_va */
static uint64_t poke_va;
static unsigned int poke_len;

static void out(uint16_t port, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(uint16_t port, const char *fmt, ...)
{
    char buf[320];
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    n = pvmm_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    debugcon_write(port, buf, n < sizeof(buf) ? n : sizeof(buf) - 1);
}

#define rec(...)   out(HV_RECORD_PORT, __VA_ARGS__)
#define trace(...) out(HV_TRACE_PORT, __VA_ARGS__)

static uint64_t hash_frame(uint64_t mfn)
{
    const uint64_t *w = mfn_to_virt(mfn);
    uint64_t h = 0xcbf29ce484222325UL;

    for (unsigned int i = 0; i < PAGE_SIZE / 8; i++)
        h = (h ^ w[i]) * 0x100000001b3UL;
    return h | 1;
}

/* ---- the machine and dom0 ---- */

bool rec_tracing(void)
{
    return tracing;
}

void rec_init(uint64_t nr_frames, uint64_t m2p_mfn, uint64_t tables_mfn)
{
    tracing = hv_option("trace");
    recording = hv_option("record");
    rec_on = tracing || recording;
    if (rec_on)
        hypercall_fast_path_off();
    if (!recording)
        return;
    hv_platform.direct_map = NULL;      /* every frame the core maps goes by rec_touch */
    nr_known = nr_frames;
    known = alloc_boot_pages((unsigned int)((nr_frames * 8 + PAGE_SIZE - 1) >> PAGE_SHIFT),
                             NULL);
    touch_gen = alloc_boot_pages((unsigned int)((nr_frames * 4 + PAGE_SIZE - 1) >> PAGE_SHIFT),
                                 NULL);
    rec("# A run of a guest on pvmm-hv, recorded by the hypervisor (tools/hv-run --record).\n"
        "# `pvmm run` replays it through the same core; docs/scenarios.md, Recorded runs.\n");
    rec("machine frames=0x%lx maxphyaddr=%u m2p=0x%lx tables=0x%lx\n", nr_frames,
        cpu_paddr_bits() > 52 ? 52 : cpu_paddr_bits(), m2p_mfn, tables_mfn);
}

static void run_flush(void)
{
    if (run_kind && run_nr)
        rec("%s first=0x%lx count=%lu\n", run_kind, run_first, run_nr);
    run_kind = NULL;
    run_nr = 0;
}

/* Extend the pending run of `kind` statements by frame mfn, or start a new one. */
static void run_add(const char *kind, uint64_t mfn)
{
    if (!recording)
        return;
    if (run_kind != kind || mfn != run_first + run_nr) {
        run_flush();
        run_kind = kind;
        run_first = mfn;
    }
    run_nr++;
}

void rec_ram(uint64_t first, uint64_t nr)
{
    if (!recording)
        return;
    run_flush();
    rec("ram first=0x%lx count=%lu\n", first, nr);
}

void rec_reserve(uint64_t mfn)
{
    run_add("reserve", mfn);
}

void rec_share_privileged(uint64_t mfn)
{
    run_add("share_privileged", mfn);
}

void rec_share(const struct domain *d, uint64_t mfn, bool writable)
{
    if (!recording)
        return;
    run_flush();
    rec("share_page d%u mfn=0x%lx writable=%d\n", d->domain_id, mfn, writable);
}

void rec_domain(const struct domain *d, uint64_t nr_pages, uint64_t kstart, uint64_t kend,
                uint64_t virt_base, bool plain, const uint64_t *p2m, uint64_t pt_pfn,
                uint64_t nr_pt)
{
    const struct rangeset *rs = &d->iomem_caps;

    if (!recording)
        return;
    run_flush();
    if (!plain || virt_base != 0 || kstart != 0x100000)
        rec("# dom0's layout (virt_base 0x%lx, kernel 0x%lx-0x%lx, initrd or INIT_P2M) is not "
            "the one `domain` builds: the replay's frames will not line up\n", virt_base,
            kstart, kend);
    rec("domain d%u pages=%lu privileged=%d vcpus=%u kernel=0x%lx\n", d->domain_id, nr_pages,
        d->is_privileged, d->max_vcpus, kend - kstart);
    rec("iomem d%u first=0 last=0x%lx allow=0\n", d->domain_id, ~0UL >> 12);
    for (unsigned int i = 0; i < rs->nr; i++)
        rec("iomem d%u first=0x%lx last=0x%lx allow=1\n", d->domain_id, rs->r[i].s, rs->r[i].e);
    rs = &d->state->mmio_ro_ranges;
    for (unsigned int i = 0; i < rs->nr; i++)
        rec("mmio_ro first=0x%lx last=0x%lx\n", rs->r[i].s, rs->r[i].e);
    /* The bootstrap tables are built alike on both sides (the L4's slots 256..271 aside,
     * which each side's core fills): the replay has them. */
    for (uint64_t i = 0; i < nr_pt; i++)
        if (p2m[pt_pfn + i] < nr_known)
            known[p2m[pt_pfn + i]] = hash_frame(p2m[pt_pfn + i]);
}

/* ---- operations ---- */

static void poke_flush(void)
{
    static const char hex[] = "0123456789abcdef";
    char line[2 * POKE_MAX + 1];

    if (!poke_len)
        return;
    for (unsigned int i = 0; i < poke_len; i++) {
        line[2 * i] = hex[poke_buf[i] >> 4];
        line[2 * i + 1] = hex[poke_buf[i] & 15];
    }
    line[2 * poke_len] = '\0';
    rec("poke d%u va=0x%lx bytes=", current->domain->domain_id, poke_va);
    debugcon_write(HV_RECORD_PORT, line, 2 * poke_len);
    debugcon_write(HV_RECORD_PORT, "\n", 1);
    poke_len = 0;
}

void rec_op_begin_slow(void)
{
    if (!recording)
        return;
    if (op_depth++ == 0) {
        op_gen++;
        nr_touched = 0;
    }
    preempt_checks = preempt_first = 0;
}

/* Frame mfn is mapped by the core: send its contents if the replay lacks them. */
void rec_touch_slow(uint64_t mfn)
{
    const uint64_t *w;
    uint64_t h;

    if (!recording || !op_depth || tearing_down || mfn >= nr_known || touch_gen[mfn] == op_gen)
        return;
    touch_gen[mfn] = op_gen;
    h = hash_frame(mfn);
    if (h != known[mfn]) {
        poke_flush();
        w = mfn_to_virt(mfn);
        rec("frame 0x%lx", mfn);
        for (unsigned int i = 0; i < PAGE_SIZE / 8; i++)
            if (w[i])
                rec(" %u:0x%lx", i, w[i]);
        rec("\n");
    }
    if (nr_touched < MAX_TOUCHED)
        touched[nr_touched++] = mfn;
    else
        known[mfn] = UNKNOWN_HASH;      /* not rehashed after the operation: send it again */
}

/* The core copied len bytes from guest address gva: the replay needs them there. */
void rec_guest_read_slow(uint64_t gva, const void *buf, size_t len)
{
    const uint8_t *b = buf;

    if (!recording || !op_depth)
        return;
    for (size_t i = 0; i < len; i++) {
        if (poke_len && (poke_len == POKE_MAX || gva + i != poke_va + poke_len))
            poke_flush();
        if (!poke_len)
            poke_va = gva + i;
        poke_buf[poke_len++] = b[i];
    }
}

/* A preemption check of the core said `yes`: remember the first one of the operation. */
bool rec_preempt_slow(bool yes)
{
    if (recording && op_depth) {
        preempt_checks++;
        if (yes && !preempt_first)
            preempt_first = preempt_checks;
    }
    return yes;
}

/* End of an operation: its frames as the core left them are what the replay will have. */
static void op_end(void)
{
    if (!recording || !op_depth || --op_depth)
        return;
    poke_flush();
    for (unsigned int i = 0; i < nr_touched; i++)
        known[touched[i]] = hash_frame(touched[i]);
    nr_touched = 0;
}

/* The expectations that pin down an operation's result in the replay: its return value,
 * or for a lazy LDT mapping (access) the outcome the guest saw. */
static void rec_result(struct vcpu *v, long rc, bool continued, bool access)
{
    const struct pvmm_reason *r = pvmm_last_reason(v);

    if (!access)
        rec("expect %ld\n", rc);
    else
        rec("expect %s\n", !rc ? "ok" : rc == -XEN_ERANGE ? "gp" : "fault 0");
    if (rc < 0 && r->rc == rc)
        rec("expect reason %s\n", pvmm_rule_name(r->rule));
    if (continued)
        rec("expect preempted\n");
}

/* " (EINVAL)" for a negative rc, "" otherwise, into a static buffer. */
static const char *errno_str(long rc)
{
    static char buf[24];
    const char *n = rc < 0 ? xen_errno_name((int)-rc) : NULL;

    if (!n)
        return "";
    pvmm_snprintf(buf, sizeof(buf), " (%s)", n);
    return buf;
}

/* The rule and the core's first sentence after it, for a trace line. */
static void trace_reason(struct vcpu *v, long rc, bool mm)
{
    char buf[600], *p, *e;

    if (rc >= 0 || !mm || !pvmm_last_reason(v)->rc) {
        trace("\n");
        return;
    }
    pvmm_reason_format(pvmm_last_reason(v), buf, sizeof(buf));
    p = buf;
    while (*p && *p != '\n')
        p++;
    if (*p)
        p++;
    for (e = p; *e && *e != '\n'; e++)
        ;
    *e = '\0';
    trace(" [%s: %s]\n", pvmm_rule_name(pvmm_last_reason(v)->rule), p);
}

/* Names of the arguments of each hypercall, for the trace. */
static const char *const arg_names[XEN_HYPERCALL_NR_MAX] = {
    [__HYPERVISOR_set_trap_table] = "table",
    [__HYPERVISOR_mmu_update] = "req count pdone foreigndom",
    [__HYPERVISOR_set_gdt] = "frames entries",
    [__HYPERVISOR_stack_switch] = "ss esp",
    [__HYPERVISOR_set_callbacks] = "event failsafe syscall",
    [__HYPERVISOR_fpu_taskswitch] = "set",
    [__HYPERVISOR_sched_op_compat] = "cmd arg",
    [__HYPERVISOR_update_descriptor] = "maddr desc",
    [__HYPERVISOR_memory_op] = "cmd arg",
    [__HYPERVISOR_multicall] = "calls count",
    [__HYPERVISOR_update_va_mapping] = "va val flags",
    [__HYPERVISOR_set_timer_op] = "timeout",
    [__HYPERVISOR_xen_version] = "cmd arg",
    [__HYPERVISOR_console_io] = "cmd count buf",
    [__HYPERVISOR_grant_table_op] = "cmd uop count",
    [__HYPERVISOR_vm_assist] = "cmd type",
    [__HYPERVISOR_update_va_mapping_otherdomain] = "va val flags domid",
    [__HYPERVISOR_iret] = "",
    [__HYPERVISOR_vcpu_op] = "cmd vcpuid arg",
    [__HYPERVISOR_set_segment_base] = "which base",
    [__HYPERVISOR_mmuext_op] = "ops count pdone foreigndom",
    [__HYPERVISOR_callback_op] = "cmd arg",
    [__HYPERVISOR_event_channel_op_compat] = "op",
    [__HYPERVISOR_event_channel_op] = "cmd arg",
    [__HYPERVISOR_physdev_op] = "cmd arg",
    [__HYPERVISOR_set_debugreg] = "reg value",
    [__HYPERVISOR_get_debugreg] = "reg",
    [__HYPERVISOR_sched_op] = "cmd arg",
    [__HYPERVISOR_physdev_op_compat] = "op",
};

static const char *const call_names[XEN_HYPERCALL_NR_MAX] = {
    [__HYPERVISOR_set_trap_table] = "set_trap_table", [__HYPERVISOR_mmu_update] = "mmu_update",
    [__HYPERVISOR_set_gdt] = "set_gdt", [__HYPERVISOR_stack_switch] = "stack_switch",
    [__HYPERVISOR_set_callbacks] = "set_callbacks",
    [__HYPERVISOR_fpu_taskswitch] = "fpu_taskswitch",
    [__HYPERVISOR_sched_op_compat] = "sched_op_compat",
    [__HYPERVISOR_update_descriptor] = "update_descriptor",
    [__HYPERVISOR_memory_op] = "memory_op", [__HYPERVISOR_multicall] = "multicall",
    [__HYPERVISOR_update_va_mapping] = "update_va_mapping",
    [__HYPERVISOR_set_timer_op] = "set_timer_op", [__HYPERVISOR_xen_version] = "xen_version",
    [__HYPERVISOR_console_io] = "console_io", [__HYPERVISOR_grant_table_op] = "grant_table_op",
    [__HYPERVISOR_vm_assist] = "vm_assist",
    [__HYPERVISOR_update_va_mapping_otherdomain] = "update_va_mapping_otherdomain",
    [__HYPERVISOR_iret] = "iret", [__HYPERVISOR_vcpu_op] = "vcpu_op",
    [__HYPERVISOR_set_segment_base] = "set_segment_base",
    [__HYPERVISOR_mmuext_op] = "mmuext_op", [__HYPERVISOR_callback_op] = "callback_op",
    [__HYPERVISOR_event_channel_op_compat] = "event_channel_op_compat",
    [__HYPERVISOR_event_channel_op] = "event_channel_op",
    [__HYPERVISOR_physdev_op] = "physdev_op", [__HYPERVISOR_set_debugreg] = "set_debugreg",
    [__HYPERVISOR_get_debugreg] = "get_debugreg", [__HYPERVISOR_sched_op] = "sched_op",
    [__HYPERVISOR_physdev_op_compat] = "physdev_op_compat",
};

/* "name(arg=0x.., ...)" of hypercall nr into buf; a console write shows its text. */
static void describe_call(char *buf, size_t len, unsigned long nr, const uint64_t a[5])
{
    const char *names = nr < XEN_HYPERCALL_NR_MAX ? arg_names[nr] : NULL;
    const char *call = nr < XEN_HYPERCALL_NR_MAX ? call_names[nr] : NULL;
    char text[72];
    size_t n, t;
    unsigned int i = 0;

    if (nr == __HYPERVISOR_console_io && (unsigned int)a[0] == CONSOLEIO_write) {
        t = (unsigned int)a[1] < sizeof(text) - 1 ? (unsigned int)a[1] : sizeof(text) - 1;
        if (copy_from_guest_va(text, a[2], t))
            t = 0;
        for (size_t k = 0; k < t; k++)
            if (text[k] < 0x20 || text[k] > 0x7e || text[k] == '"')
                text[k] = text[k] == '\n' ? ' ' : '.';
        text[t] = '\0';
        pvmm_snprintf(buf, len, "console_io(write, \"%s\")", text);
        return;
    }
    n = call ? pvmm_snprintf(buf, len, "%s(", call) : pvmm_snprintf(buf, len, "#%lu(", nr);
    for (const char *p = names ? names : "a0 a1 a2 a3 a4"; *p && n < len; i++) {
        char name[16];
        size_t k = 0;

        while (*p && *p != ' ' && k < sizeof(name) - 1)
            name[k++] = *p++;
        name[k] = '\0';
        while (*p == ' ')
            p++;
        n += pvmm_snprintf(buf + n, len - n, "%s%s=0x%lx", i ? ", " : "", name, a[i]);
    }
    if (n < len)
        pvmm_snprintf(buf + n, len - n, ")");
}

/* How many argument registers hypercall nr takes (its names above). */
static unsigned int nr_args(unsigned long nr)
{
    unsigned int n = 1;

    for (const char *p = arg_names[nr]; *p; p++)
        n += *p == ' ';
    return n;
}

/* Is this call the core's, with a replay: the memory-management hypercalls pvmm-hv gives to
 * the core (not the two memory_op commands about the machine it answers itself)? */
static bool replayable(unsigned long nr, const uint64_t a[5])
{
    if (nr > ~0U || !pvmm_hypercall_name((unsigned int)nr))
        return false;
    return nr != __HYPERVISOR_memory_op ||
           (a[0] != XENMEM_machine_memory_map && a[0] != XENMEM_machphys_mfn_list);
}

void rec_hypercall_slow(struct vcpu *v, unsigned long nr, const uint64_t a[5], long rc)
{
    char call[200];
    bool mm = replayable(nr, a), cont = v->cont.pending;

    describe_call(call, sizeof(call), nr, a);
    if (tracing) {
        trace("%lu.%06lu d%uv%u %s = %ld%s", NOW() / 1000000000UL, NOW() / 1000 % 1000000,
              v->domain->domain_id, v->vcpu_id, call, rc, errno_str(rc));
        if (cont)
            trace(" (preempted: continued)");
        trace_reason(v, rc, mm);
    }
    if (!recording)
        return;
    if (!mm) {
        op_end();
        if (nr == __HYPERVISOR_console_io && (unsigned int)a[0] == CONSOLEIO_write) {
            char *end = call;

            while (*end)
                end++;
            end[-1] = '\0';                 /* the closing parenthesis */
            rec("# the guest's console: %s\n", call + 18);
        }
        else if (nr != __HYPERVISOR_multicall)
            rec("# not replayed (outside the memory model): %s = %ld\n", call, rc);
        return;
    }
    poke_flush();
    rec("hypercall d%u.v%u nr=%s", v->domain->domain_id, v->vcpu_id, call_names[nr]);
    for (unsigned int i = 0, n = nr_args(nr); i < n; i++)
        rec(" a%u=0x%lx", i, a[i]);
    rec(" once=1");
    if (preempt_first)
        rec(" preempt=%lu", preempt_first);
    rec("\n");
    op_end();
    rec_result(v, rc, cont, false);
}

void rec_ptwr_slow(struct vcpu *v, uint64_t addr, uint64_t val, unsigned int bytes, bool cmpxchg,
              uint64_t old, int rc)
{
    if (tracing) {
        trace("%lu.%06lu d%uv%u trapped write va=0x%lx val=0x%lx bytes=%u", NOW() / 1000000000UL,
              NOW() / 1000 % 1000000, v->domain->domain_id, v->vcpu_id, addr, val, bytes);
        if (cmpxchg)
            trace(" cmpxchg old=0x%lx", old);
        trace(" = %d%s", rc, errno_str(rc));
        trace_reason(v, rc, true);
    }
    if (!recording)
        return;
    poke_flush();
    rec("ptwr_emulate d%u.v%u va=0x%lx val=0x%lx bytes=%u", v->domain->domain_id, v->vcpu_id,
        addr, val, bytes);
    if (cmpxchg)
        rec(" old=0x%lx", old);
    rec("\n");
    op_end();
    rec_result(v, rc, false, false);
}

/* An operation of the core that is not a hypercall, as the scenario statement `stmt dN.vM
 * key=val` (write_cr3, ldt_load, hold_frame, release_frame); rc its result (access: a lazy
 * LDT mapping, whose replay reports what the guest saw). */
void rec_other_slow(struct vcpu *v, const char *stmt, const char *key, uint64_t val, long rc,
               bool access)
{
    if (tracing) {
        trace("%lu.%06lu d%uv%u %s %s=0x%lx = %ld%s", NOW() / 1000000000UL,
              NOW() / 1000 % 1000000, v->domain->domain_id, v->vcpu_id, stmt, key, val, rc,
              errno_str(rc));
        trace_reason(v, rc, true);
    }
    if (!recording)
        return;
    poke_flush();
    rec("%s d%u.v%u %s=0x%lx\n", stmt, v->domain->domain_id, v->vcpu_id, key, val);
    op_end();
    rec_result(v, rc, false, access);
}

/* The domain's teardown after a crash, whatever operation the crash interrupted.  It reads
 * only the page tables, which the replay has: no frame contents go out (the teardown maps
 * every frame of the domain). */
void rec_destroy_begin(void)
{
    tearing_down = true;
    op_depth = 0;
    poke_len = 0;
    rec_op_begin();
}

void rec_destroy_end(const struct domain *d, int rc)
{
    if (!recording)
        return;
    rec("destroy d%u\n", d->domain_id);
    op_end();
    rec("expect %d\n", rc);
}

/* A comment in the recording (the end of the run, a crash). */
void rec_note(const char *text)
{
    if (recording)
        rec("# %s\n", text);
    if (tracing)
        trace("%lu.%06lu %s\n", NOW() / 1000000000UL, NOW() / 1000 % 1000000, text);
}
