/*
 * hv/evtchn-fifo.c - the FIFO event-channel ABI (Xen's, as 4.17 has it).
 *
 * Each port has an event word in the event array, pages the guest adds with
 * EVTCHNOP_expand_array (1024 words a page, at most 128 pages: ports up to 131071); each vCPU
 * that will receive events has a control block (EVTCHNOP_init_control: a frame and an 8-byte
 * aligned offset within the page) with a READY bit and a HEAD port per priority, 0 the
 * highest and 15 the lowest.  A port belongs to one queue at a time, of the vCPU it notifies
 * and its priority (default 7, EVTCHNOP_set_priority).
 *
 * Setting a port pending sets PENDING in its word; if it is neither MASKED nor LINKED yet it
 * is LINKED and appended to its queue: the link field of the queue's tail is set to it when
 * that tail is still linked, else the queue was empty (the guest consumed it) and HEAD is set;
 * an append to an empty queue sets the queue's READY bit, and the first READY bit raises the
 * vCPU's upcall.  The link update is a compare-and-swap on the guest's word, retried four
 * times against a guest changing it under us (after that the event is lost, as on Xen).
 * Unmasking clears MASKED and links the port if it is pending.  A port without an event word
 * yet remembers that it became pending, and is raised when expand_array gives it its word; an
 * event for a vCPU with no control block is dropped.  A port still LINKED is busy: a closed
 * one is not handed out again until the guest unlinks it.
 *
 * The first init_control switches the domain from the 2-level ABI: every port keeps its
 * 2-level pending state (raised when its event word arrives) and gets the default priority.
 * EVTCHNOP_reset closes every port and switches back (evtchn_fifo_destroy), which also gives
 * back the frames; so does domain teardown.  The frames (control blocks, array pages) hold a
 * general and a writable type reference in the core for as long as they are used (the
 * control block on its vCPU, the array pages on vCPU 0), so the auditor counts them.
 *
 * Locks (docs/concurrency.md, "Event channels").  init_control, expand_array and the switch
 * back run under the domain's event_lock.  An event is linked under the domain's queue lock
 * (`lock` below: every queue's tail, a port's fifo_pending and last queue, the publication of
 * a control block), by a caller that holds the port's lock or its interdomain peer's, so the
 * port stays bound and the frames stay mapped until it is done: the switch back comes only
 * after every port is closed, each close under its port's lock.  While the hypervisor swaps
 * a queue tail's LINK and the guest keeps changing that word, the word is held BUSY, as Xen
 * does (evtchn-fifo-link.h).
 */
#include "evtchn.h"
#include "evtchn-fifo-link.h"

struct fifo_queue {
    volatile event_word_t *head;    /* HEAD in the vCPU's control block */
    uint32_t tail;                  /* the last port linked, 0 if none */
    uint8_t priority;
};

struct fifo_vcpu {
    struct evtchn_fifo_control_block *cb;   /* NULL until init_control for this vCPU */
    uint64_t cb_mfn;
    struct fifo_queue queue[EVTCHN_FIFO_MAX_QUEUES];
};

struct evtchn_fifo_domain {
    pvmm_spinlock_t lock;           /* the queues, each port's fifo_pending and last_* */
    uint32_t num_evtchns;           /* ports with an event word: 1024 per array page */
    volatile event_word_t *array[EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES];
    uint64_t array_mfn[EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES];
    struct fifo_vcpu vcpu[PVMM_MAX_VCPUS];
};

static struct evtchn_fifo_domain fifo_domains[PVMM_MAX_DOMAINS];

#define BIT(n) (1U << (n))

static volatile event_word_t *word_from_port(struct evtchn_fifo_domain *f, uint32_t port)
{
    if (port >= __atomic_load_n(&f->num_evtchns, __ATOMIC_ACQUIRE))
        return NULL;
    return &f->array[port / EVTCHN_FIFO_EVENT_WORDS_PER_PAGE]
                    [port % EVTCHN_FIFO_EVENT_WORDS_PER_PAGE];
}

static volatile event_word_t *port_word(struct domain *d, uint32_t port)
{
    return word_from_port(evtchn_dom(d)->fifo, port);
}

static bool test_and_set_word(volatile event_word_t *w, unsigned int bit)
{
    return __atomic_fetch_or(w, BIT(bit), __ATOMIC_SEQ_CST) & BIT(bit);
}

static bool test_word(volatile event_word_t *w, unsigned int bit)
{
    return __atomic_load_n(w, __ATOMIC_SEQ_CST) & BIT(bit);
}

/* Point the tail's link at `link` if the tail is still LINKED (evtchn-fifo-link.h): true, or
 * false when the guest has unlinked it (the queue is empty).  If the word kept changing the
 * event is lost, with Xen's warning, and true is returned (the tail stays as it is). */
static bool set_link(struct domain *d, volatile event_word_t *word, uint32_t link)
{
    switch (fifo_set_link(word, link, NULL)) {
    case FIFO_LINK_EMPTY:
        return false;
    case FIFO_LINK_LOST:
        printk("pvmm: d%u FIFO port %u not linked (its queue's tail kept changing)\n",
               d->domain_id, link);
        return true;
    default:
        return true;
    }
}

/* Set `port` pending for v and link it on v's queue of its priority (see the header).  The
 * caller holds the port's lock or its interdomain peer's. */
static bool fifo_set_pending(struct domain *d, struct vcpu *v, uint32_t port)
{
    struct evtchn_fifo_domain *f = evtchn_dom(d)->fifo;
    struct evtchn *chn = &evtchn_dom(d)->port[port];
    struct fifo_vcpu *fv = &f->vcpu[v->vcpu_id];
    volatile event_word_t *word;
    struct fifo_queue *q = NULL, *old_q;
    bool newly = false, linked = true;
    unsigned long flags;

    flags = local_irq_save();
    spin_lock(&f->lock);
    if (!(word = word_from_port(f, port))) {
        chn->fifo_pending = 1;          /* raised when expand_array gives it a word */
        goto unlock;
    }
    if (!fv->cb)
        goto unlock;                    /* no control block: the event is dropped */
    q = &fv->queue[chn->priority];
    old_q = &f->vcpu[chn->last_vcpu].queue[chn->last_priority];
    newly = !test_and_set_word(word, EVTCHN_FIFO_PENDING);
    if (!test_word(word, EVTCHN_FIFO_MASKED) && !test_and_set_word(word, EVTCHN_FIFO_LINKED)) {
        if (old_q->tail == port)
            old_q->tail = 0;            /* its old queue is empty now */
        chn->last_vcpu = (uint8_t)v->vcpu_id;
        chn->last_priority = q->priority;
        linked = q->tail && set_link(d, word_from_port(f, q->tail), port);
        if (!linked)
            __atomic_store_n(q->head, port, __ATOMIC_SEQ_CST);
        q->tail = port;
    }
unlock:
    spin_unlock(&f->lock);
    local_irq_restore(flags);
    /* fv->cb stays: it goes only when the domain leaves FIFO, after the caller's port is
     * closed. */
    if (!linked && !(__atomic_fetch_or(&fv->cb->ready, BIT(q->priority), __ATOMIC_SEQ_CST) &
                     BIT(q->priority)))
        vcpu_mark_events_pending(v);
    return newly;
}

static void fifo_clear_pending(struct domain *d, uint32_t port)
{
    volatile event_word_t *word = port_word(d, port);

    if (word)
        __atomic_fetch_and(word, ~BIT(EVTCHN_FIFO_PENDING), __ATOMIC_SEQ_CST);
}

/* Clear MASKED; a pending port is linked then. */
static void fifo_unmask(struct domain *d, uint32_t port)
{
    volatile event_word_t *word = port_word(d, port);

    if (!word)
        return;
    __atomic_fetch_and(word, ~BIT(EVTCHN_FIFO_MASKED), __ATOMIC_SEQ_CST);
    if (test_word(word, EVTCHN_FIFO_PENDING))
        fifo_set_pending(d, &d->vcpu[evtchn_dom(d)->port[port].notify_vcpu], port);
}

static bool fifo_is_pending(struct domain *d, uint32_t port)
{
    volatile event_word_t *word = port_word(d, port);

    return word && test_word(word, EVTCHN_FIFO_PENDING);
}

static bool fifo_is_busy(struct domain *d, uint32_t port)
{
    volatile event_word_t *word = port_word(d, port);

    return word && test_word(word, EVTCHN_FIFO_LINKED);
}

/* The queue of the port's next event: -EINVAL past the lowest priority. */
static long fifo_set_priority(struct domain *d, uint32_t port, uint32_t priority)
{
    if (priority > EVTCHN_FIFO_PRIORITY_MIN)
        return -XEN_EINVAL;
    evtchn_dom(d)->port[port].priority = (uint8_t)priority;
    return 0;
}

const struct evtchn_port_ops evtchn_port_ops_fifo = {
    .set_pending = fifo_set_pending,
    .clear_pending = fifo_clear_pending,
    .unmask = fifo_unmask,
    .is_pending = fifo_is_pending,
    .is_busy = fifo_is_busy,
    .set_priority = fifo_set_priority,
};

/* Hold mfn writable for v and give its address in the hypervisor, or NULL (-EINVAL). */
static void *map_guest_frame(struct vcpu *v, uint64_t mfn)
{
    if (mfn >= DIRECTMAP_SIZE >> PAGE_SHIFT || mmglue_get_writable_frame(v, mfn))
        return NULL;
    return mfn_to_virt(mfn);
}

/* v's control block at gfn + offset: -EINVAL if v has one or the frame cannot be held. */
static long map_control_block(struct evtchn_fifo_domain *f, struct vcpu *v, uint64_t gfn,
                              uint32_t offset)
{
    struct fifo_vcpu *fv = &f->vcpu[v->vcpu_id];
    unsigned long flags;
    uint8_t *page;

    if (fv->cb)
        return -XEN_EINVAL;
    if (!(page = map_guest_frame(v, gfn)))
        return -XEN_EINVAL;
    flags = local_irq_save();
    spin_lock(&f->lock);
    fv->cb_mfn = gfn;
    for (unsigned int i = 0; i < EVTCHN_FIFO_MAX_QUEUES; i++)
        fv->queue[i].head = &((struct evtchn_fifo_control_block *)(page + offset))->head[i];
    fv->cb = (struct evtchn_fifo_control_block *)(page + offset);
    spin_unlock(&f->lock);
    local_irq_restore(flags);
    return 0;
}

/* The switch from 2-level, after the FIFO operations are in place: every valid port keeps
 * its pending bit for later, priority 7.  Under each port's lock, so an event sent on the
 * port meanwhile is either in the 2-level bit read here or finds the FIFO operations. */
static void setup_ports(struct domain *d, struct evtchn_fifo_domain *f)
{
    struct evtchn_domain *ed = evtchn_dom(d);
    uint32_t n = ed->valid_evtchns;

    for (uint32_t port = 1; port < n; port++) {
        struct evtchn *chn = &ed->port[port];
        unsigned long flags;

        spin_lock(&chn->lock);
        flags = local_irq_save();
        spin_lock(&f->lock);
        chn->fifo_pending |= evtchn_port_ops_2l.is_pending(d, port);
        chn->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
        spin_unlock(&f->lock);
        local_irq_restore(flags);
        spin_unlock(&chn->lock);
    }
}

/* init_control with d's event_lock held. */
static long init_control_locked(struct domain *d, struct vcpu *v,
                                const struct evtchn_init_control *ic)
{
    struct evtchn_domain *ed = evtchn_dom(d);
    struct evtchn_fifo_domain *f = &fifo_domains[d->domain_id % PVMM_MAX_DOMAINS];
    long rc;

    if (ed->fifo)
        return map_control_block(f, v, ic->control_gfn, ic->offset);
    memset(f->vcpu, 0, sizeof(f->vcpu));
    f->num_evtchns = 0;
    for (unsigned int i = 0; i < PVMM_MAX_VCPUS; i++)
        for (unsigned int p = 0; p < EVTCHN_FIFO_MAX_QUEUES; p++)
            f->vcpu[i].queue[p].priority = (uint8_t)p;
    rc = map_control_block(f, v, ic->control_gfn, ic->offset);
    if (rc)
        return rc;
    ed->fifo = f;
    __atomic_store_n(&ed->ops, &evtchn_port_ops_fifo, __ATOMIC_RELEASE);
    setup_ports(d, f);
    return 0;
}

/* EVTCHNOP_init_control: Xen's checks in Xen's order, then v's control block; the first one
 * switches the domain to FIFO (nothing changes when it fails). */
long evtchn_fifo_init_control(struct evtchn_init_control *ic)
{
    struct domain *d = current->domain;
    long rc;

    ic->link_bits = EVTCHN_FIFO_LINK_BITS;
    if (ic->vcpu >= d->max_vcpus || !d->vcpu[ic->vcpu].plat)
        return -XEN_ENOENT;
    if (ic->offset > PAGE_SIZE - EVTCHN_FIFO_CONTROL_BLOCK_SIZE)
        return -XEN_EINVAL;
    if (ic->offset & 7)
        return -XEN_EINVAL;
    event_lock(d);
    rc = init_control_locked(d, &d->vcpu[ic->vcpu], ic);
    event_unlock(d);
    return rc;
}

/* expand_array with d's event_lock held. */
static long expand_array_locked(struct domain *d, struct evtchn_fifo_domain *f, uint64_t gfn)
{
    uint32_t first = f->num_evtchns, end, slot = first / EVTCHN_FIFO_EVENT_WORDS_PER_PAGE;
    void *page;

    if (slot >= EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES)
        return -XEN_ENOSPC;
    if (!(page = map_guest_frame(&d->vcpu[0], gfn)))
        return -XEN_EINVAL;
    f->array[slot] = page;
    f->array_mfn[slot] = gfn;
    end = first + EVTCHN_FIFO_EVENT_WORDS_PER_PAGE;
    __atomic_store_n(&f->num_evtchns, end, __ATOMIC_RELEASE);
    /* An event that found no word set fifo_pending under the queue lock before it saw the
     * new num_evtchns; one after it links the port itself. */
    for (uint32_t port = first; port < end && port_is_valid(d, port); port++) {
        struct evtchn *chn = &evtchn_dom(d)->port[port];
        unsigned long flags = local_irq_save();
        bool was;

        spin_lock(&f->lock);
        was = chn->fifo_pending;
        chn->fifo_pending = 0;
        spin_unlock(&f->lock);
        local_irq_restore(flags);
        if (was)
            evtchn_raise(d, port);
    }
    return 0;
}

/* EVTCHNOP_expand_array: one more page of event words (held on vCPU 0), then the ports it
 * covers that became pending without a word are raised.  -EOPNOTSUPP on 2-level, -ENOSPC past
 * 128 pages, -EINVAL for a frame the domain cannot map writable. */
long evtchn_fifo_expand_array(const struct evtchn_expand_array *ea)
{
    struct domain *d = current->domain;
    struct evtchn_domain *ed = evtchn_dom(d);
    long rc;

    event_lock(d);
    rc = ed->fifo ? expand_array_locked(d, ed->fifo, ea->array_gfn) : -XEN_EOPNOTSUPP;
    event_unlock(d);
    return rc;
}

/* Back to 2-level (EVTCHNOP_reset after every port is closed, domain teardown; d's
 * event_lock held): the control blocks and array pages are given back to the core.  No event
 * is in FIFO code: each sender holds the lock of a port in use, and none is left. */
void evtchn_fifo_destroy(struct domain *d)
{
    struct evtchn_domain *ed = evtchn_dom(d);
    struct evtchn_fifo_domain *f = ed->fifo;

    if (!f)
        return;
    __atomic_store_n(&ed->ops, &evtchn_port_ops_2l, __ATOMIC_RELEASE);
    ed->fifo = NULL;
    for (unsigned int i = 0; i < PVMM_MAX_VCPUS; i++)
        if (f->vcpu[i].cb)
            mmglue_put_writable_frame(&d->vcpu[i], f->vcpu[i].cb_mfn);
    for (uint32_t s = 0; s < f->num_evtchns / EVTCHN_FIFO_EVENT_WORDS_PER_PAGE; s++)
        mmglue_put_writable_frame(&d->vcpu[0], f->array_mfn[s]);
    memset(f->vcpu, 0, sizeof(f->vcpu));
    f->num_evtchns = 0;
    if (ed->valid_evtchns > EVTCHN_2L_NR_CHANNELS)
        __atomic_store_n(&ed->valid_evtchns, EVTCHN_2L_NR_CHANNELS, __ATOMIC_RELEASE);
}
