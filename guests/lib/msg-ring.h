/*
 * msg-ring.h: the request/response ring that domu-grant-ring's two domains share in one
 * granted page - a split driver's ring in miniature.  The frontend (the domU) produces
 * requests and notifies; the backend (dom0) answers each with a response and notifies back.
 * Indexes run free; slot = index % MSG_RING_SLOTS; a side never has more than MSG_RING_SLOTS
 * requests outstanding.
 */
#ifndef GUEST_MSG_RING_H
#define GUEST_MSG_RING_H

#include <stdint.h>

#define MSG_RING_SLOTS 8
#define MSG_RING_MAGIC 0x676e6972u           /* "ring": the frontend set the page up */

struct msg {
    uint32_t seq;
    uint32_t value;
    char text[24];
};

struct msg_ring {
    uint32_t magic;
    uint32_t req_prod, rsp_prod;
    uint32_t done;                           /* the frontend sent its last request */
    struct msg req[MSG_RING_SLOTS];
    struct msg rsp[MSG_RING_SLOTS];
};

/* The backend's answer to request value v (both sides compute it). */
static inline uint32_t msg_answer(uint32_t v)
{
    return v * 2654435761u + 12345u;
}

#endif /* GUEST_MSG_RING_H */
