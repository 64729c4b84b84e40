/*
 * sim/machine.c - creating the simulated machine and its domains (see machine.h).
 */
#include "machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void sim_machine_default_config(struct sim_machine_config *cfg)
{
    cfg->nr_frames = 8192;
    cfg->nr_io_frames = 16;
    cfg->maxphyaddr = 46;
    cfg->linear_pt = true;
    cfg->junk = true;
    cfg->m2p_mfn = cfg->tables_mfn = 0;
}

/*
 * Bring the allocated machine m to its power-on state for cfg: memory
 * junk-filled (or zero), the hypervisor's tables and template built, the
 * core initialised with RAM, I/O and hypervisor frames, every processor
 * reset, no domains.
 */
static void setup(struct sim_machine *m, const struct sim_machine_config *cfg)
{
    struct pvmm_config pc;

    m->linear_pt = cfg->linear_pt;
    m->m2p_mfn = cfg->m2p_mfn;
    m->tables_mfn = cfg->tables_mfn;
    /* Junk, as xv6 does, so nothing relies on fresh memory being zero. */
    memset(m->phys.mem, cfg->junk ? 0xa5 : 0, cfg->nr_frames << PAGE_SHIFT);
    memset(m->ft, 0, cfg->nr_frames * sizeof(*m->ft));
    memset(&m->s, 0, sizeof(m->s));
    for (unsigned int d = 0; d < PVMM_MAX_DOMAINS; d++) {
        free(m->doms[d].p2m);
        memset(&m->doms[d], 0, sizeof(m->doms[d]));
    }
    m->preempt = SIM_PREEMPT_NEVER;
    m->preempt_n = m->preempt_checks = 0;
    m->nr_flush_calls = m->nr_ptbase_writes = 0;

    sim_platform_init(m);
    sim_xen_layout_build(m);

    memset(&pc, 0, sizeof(pc));
    pc.plat = &m->plat;
    pc.frame_table = m->ft;
    pc.free_in_block = m->free_in_block;
    pc.m2p = (uint64_t *)(m->phys.mem + (m->xl.m2p << PAGE_SHIFT));
    pc.nr_frames = cfg->nr_frames;
    pc.linear_pt = cfg->linear_pt;
    memcpy(pc.xen_l4_slots, m->xl.slots, sizeof(pc.xen_l4_slots));
    pvmm_init(&m->s, &pc);
    if (!cfg->tables_mfn) {
        pvmm_add_ram(&m->s, cfg->nr_io_frames, m->xl.first - cfg->nr_io_frames);
        for (mfn_t f = m->xl.first; f < cfg->nr_frames; f++)
            pvmm_reserve_frame(&m->s, f);
    }

    for (unsigned int d = 0; d < PVMM_MAX_DOMAINS; d++)
        for (unsigned int v = 0; v < PVMM_MAX_VCPUS; v++) {
            sim_cpu_init(&m->vcpus[d][v].cpu, cfg->maxphyaddr);
            m->vcpus[d][v].has_cr3 = false;
        }
}

bool sim_machine_reset(struct sim_machine *m, const struct sim_machine_config *cfg)
{
    if (cfg->nr_frames != m->nr_frames || cfg->nr_io_frames != m->nr_io_frames ||
        cfg->maxphyaddr != m->maxphyaddr || cfg->m2p_mfn != m->m2p_mfn ||
        cfg->tables_mfn != m->tables_mfn)
        return false;
    setup(m, cfg);
    return true;
}

struct sim_machine *sim_machine_new(const struct sim_machine_config *cfg)
{
    struct sim_machine *m;
    uint64_t nxen;

    if (cfg->nr_frames < 256 || cfg->nr_frames > (1UL << 24) ||
        cfg->maxphyaddr < 36 || cfg->maxphyaddr > 52 ||
        (cfg->nr_frames << PAGE_SHIFT) > (1UL << cfg->maxphyaddr))
        return NULL;
    nxen = sim_xen_layout_frames(cfg->nr_frames);
    if (cfg->nr_io_frames + nxen + 16 > cfg->nr_frames)
        return NULL;
    if (cfg->tables_mfn && (cfg->m2p_mfn > cfg->nr_frames || cfg->tables_mfn > cfg->nr_frames ||
                            nxen > cfg->nr_frames - cfg->m2p_mfn ||
                            nxen > cfg->nr_frames - cfg->tables_mfn))
        return NULL;

    m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->nr_frames = cfg->nr_frames;
    m->nr_io_frames = cfg->nr_io_frames;
    m->maxphyaddr = cfg->maxphyaddr;
    m->log_level = PVMM_LOG_WARN;
    m->phys.nr_frames = cfg->nr_frames;
    /* Straight from the kernel: page aligned, zero, and cheap until touched. */
    m->phys.mem = mmap(NULL, cfg->nr_frames << PAGE_SHIFT, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m->phys.mem == MAP_FAILED)
        m->phys.mem = NULL;
    m->ft = calloc(cfg->nr_frames, sizeof(*m->ft));
    m->free_in_block = calloc(PVMM_HEAP_BLOCKS(cfg->nr_frames), sizeof(*m->free_in_block));
    if (!m->phys.mem || !m->ft || !m->free_in_block) {
        sim_machine_free(m);
        return NULL;
    }
    setup(m, cfg);

    m->audit_scratch = malloc(pvmm_audit_scratch_size(&m->s));
    if (!m->audit_scratch) {
        sim_machine_free(m);
        return NULL;
    }
    return m;
}

void sim_machine_free(struct sim_machine *m)
{
    if (!m)
        return;
    for (unsigned int d = 0; d < PVMM_MAX_DOMAINS; d++)
        free(m->doms[d].p2m);
    free(m->audit_scratch);
    if (m->phys.mem)
        munmap(m->phys.mem, m->nr_frames << PAGE_SHIFT);
    free(m->ft);
    free(m->free_in_block);
    free(m);
}

struct sim_vcpu *sim_vcpu_of(struct sim_machine *m, const struct vcpu *v)
{
    const struct domain *d = v->domain;

    if (!d || d->domain_id >= PVMM_MAX_DOMAINS || v->vcpu_id >= PVMM_MAX_VCPUS)
        return NULL;
    return &m->vcpus[d->domain_id][v->vcpu_id];
}

struct vcpu *sim_vcpu_lookup(struct sim_machine *m, domid_t domid, unsigned int vid)
{
    struct domain *d = pvmm_domain_lookup(&m->s, domid);

    if (!d || vid >= d->max_vcpus || vid >= PVMM_MAX_VCPUS)
        return NULL;
    return &d->vcpu[vid];
}

void sim_reload_cr3(struct sim_machine *m, struct vcpu *v)
{
    struct sim_vcpu *sv = sim_vcpu_of(m, v);
    mfn_t t;

    if (!sv)
        return;
    t = v->kernel_mode ? v->guest_table : v->guest_table_user;
    sv->has_cr3 = t != INVALID_MFN && t != 0;
    sim_cpu_write_cr3(&sv->cpu, sv->has_cr3 ? t << PAGE_SHIFT : 0);
}

bool sim_set_mode(struct sim_machine *m, struct vcpu *v, bool kernel)
{
    if (v->kernel_mode == kernel)
        return true;
    if (!kernel && (v->guest_table_user == INVALID_MFN || v->guest_table_user == 0))
        return false;
    v->kernel_mode = kernel;
    sim_reload_cr3(m, v);
    return true;
}

int sim_build_domain(struct sim_machine *m, const struct pvmm_build_params *p)
{
    const char *why;

    return sim_build_domain_why(m, p, &why);
}

int sim_build_domain_why(struct sim_machine *m, const struct pvmm_build_params *p,
                         const char **why)
{
    struct sim_domain *sd;
    struct pvmm_dom_layout layout;
    mfn_t *p2m;
    int rc;

    *why = p->domid >= PVMM_MAX_DOMAINS ? "domain id out of range" :
           "the domain has more pages than the machine has frames";
    if (p->domid >= PVMM_MAX_DOMAINS || p->nr_pages > m->nr_frames)
        return -XEN_EINVAL;
    *why = "the simulator is out of host memory";
    p2m = calloc(p->nr_pages, sizeof(*p2m));
    if (!p2m)
        return -XEN_ENOMEM;
    /* Build into a local layout: a failure (e.g. -EEXIST) leaves the live domain's alone. */
    rc = pvmm_build_domain_regs(&m->s, p, p2m, &layout, NULL, why);
    if (rc) {
        free(p2m);
        return rc;
    }
    sd = &m->doms[p->domid];
    sd->layout = layout;
    free(sd->p2m);
    sd->p2m = p2m;
    sd->built = true;
    for (unsigned int i = 0; i < PVMM_MAX_VCPUS; i++) {
        struct sim_vcpu *sv = &m->vcpus[p->domid][i];

        sim_cpu_init(&sv->cpu, m->maxphyaddr);
        sv->has_cr3 = false;
    }
    sim_reload_cr3(m, &pvmm_domain_lookup(&m->s, p->domid)->vcpu[0]);
    return 0;
}

int sim_destroy_domain(struct sim_machine *m, domid_t domid)
{
    struct domain *d = pvmm_domain_lookup(&m->s, domid);
    unsigned long rounds = 0;
    int rc;

    if (!d || domid >= PVMM_MAX_DOMAINS)
        return -XEN_ESRCH;
    while ((rc = pvmm_domain_destroy(d)) == -XEN_ERESTART)
        if (++rounds > 1000000)
            return rc;
    if (rc == 0) {
        free(m->doms[domid].p2m);
        memset(&m->doms[domid], 0, sizeof(m->doms[domid]));
        for (unsigned int i = 0; i < PVMM_MAX_VCPUS; i++) {
            sim_cpu_init(&m->vcpus[domid][i].cpu, m->maxphyaddr);
            m->vcpus[domid][i].has_cr3 = false;
        }
    }
    return rc;
}

unsigned int sim_audit(struct sim_machine *m, struct pvmm_audit_report *r)
{
    return pvmm_audit(&m->s, m->audit_scratch, r);
}
