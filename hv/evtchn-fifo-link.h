/*
 * hv/evtchn-fifo-link.h - linking a FIFO event behind its queue's tail: the one update the
 * hypervisor makes to an event word the guest may be changing at the same moment
 * (evtchn-fifo.c; unit-tested hosted by tests/test-fifo-link.c, with a racing "guest").
 *
 * The tail's LINK field is set by compare-and-swap while the tail is still LINKED.  If the
 * guest changes the word under the first swap, the word is held BUSY, as Xen does: a guest
 * does not clear MASKED while BUSY is set (Linux's unmask is a compare-and-swap that expects
 * BUSY clear), so what the guest may still do - set MASKED, clear PENDING, unlink - fails the
 * swaps a few times at most.  Four more are tried; the one that links clears BUSY (the new
 * value has it clear), and finding the tail unlinked or giving up clears it too.
 */
#ifndef HV_EVTCHN_FIFO_LINK_H
#define HV_EVTCHN_FIFO_LINK_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/event_channel.h>

enum fifo_link_result {
    FIFO_LINK_DONE,         /* the tail's LINK names the port now */
    FIFO_LINK_EMPTY,        /* the tail is not LINKED: the guest consumed it, queue empty */
    FIFO_LINK_LOST,         /* the word kept changing: not linked (Xen's "not linked") */
};

/* One swap of *word (last read as *w) to link to `link`: 1 done, 0 not LINKED, -1 the word
 * changed (*w is its new value). */
static inline int fifo_try_set_link(volatile event_word_t *word, event_word_t *w,
                                    uint32_t link)
{
    event_word_t n = (*w & ~((1U << EVTCHN_FIFO_BUSY) | EVTCHN_FIFO_LINK_MASK)) | link;

    if (!(*w & (1U << EVTCHN_FIFO_LINKED)))
        return 0;
    return __atomic_compare_exchange_n(word, w, n, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
               ? 1 : -1;
}

/* Point the tail word's LINK at `link` (see the header); *busy_held (if not NULL) is set when
 * the word had to be held BUSY. */
static inline enum fifo_link_result fifo_set_link(volatile event_word_t *word, uint32_t link,
                                                  int *busy_held)
{
    event_word_t w = __atomic_load_n(word, __ATOMIC_SEQ_CST);
    int rc = fifo_try_set_link(word, &w, link);

    if (busy_held)
        *busy_held = rc < 0;
    if (rc >= 0)
        return rc ? FIFO_LINK_DONE : FIFO_LINK_EMPTY;
    w = __atomic_or_fetch(word, 1U << EVTCHN_FIFO_BUSY, __ATOMIC_SEQ_CST);
    for (unsigned int try = 0; try < 4; try++) {
        rc = fifo_try_set_link(word, &w, link);
        if (rc == 1)
            return FIFO_LINK_DONE;
        if (rc == 0)
            break;
    }
    __atomic_fetch_and(word, ~(1U << EVTCHN_FIFO_BUSY), __ATOMIC_SEQ_CST);
    return rc == 0 ? FIFO_LINK_EMPTY : FIFO_LINK_LOST;
}

#endif /* HV_EVTCHN_FIFO_LINK_H */
