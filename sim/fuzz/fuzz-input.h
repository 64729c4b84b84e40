/*
 * sim/fuzz/fuzz-input.h - the fuzz input format, shared by the harness and the seed converter.
 *
 * A fuzz input is a 2-byte header and a stream of operations.  Every byte
 * string decodes to something (missing bytes read as zero), and every
 * operation it decodes to is one a scenario line could express, so any
 * input's run prints as a replayable scenario (PVMM_FUZZ_TRACE).
 *
 * Header byte 0 (flags), byte 1 (max_pages slack of the initial domains, & 63):
 *   FUZZ_H_THREE_DOMAINS  three initial domains d0..d2 instead of two
 *   FUZZ_H_PRIVILEGED     d0 is privileged
 *   FUZZ_H_WRITABLE_PT    VMASST_TYPE_writable_pagetables on for the initial domains
 *   FUZZ_H_NO_LINEAR      the machine refuses linear page tables (pv-linear-pt off)
 *   FUZZ_H_SCENARIO       no initial domains: the stream builds them (seeds made
 *                         from scenario files); the other domain bits are ignored
 * Initial domains have 1024 pages, 2 vCPUs (both up); the machine has
 * FUZZ_NR_FRAMES frames and is power-cycled for every input.
 *
 * Each operation starts with a class byte k and a target byte t.  Classes
 * (k & 15) other than FUZZ_CLASS_VERBATIM are "aimed": their few argument
 * bytes choose among interesting frames, entries and addresses of a built
 * domain (see fuzz-ops.c).  A verbatim operation (fuzz-codec.c) carries a
 * kind byte and then every argument as an unsigned LEB128 number, exactly;
 * t holds the target: bits 0-2 the domain, bits 3-5 the vCPU, bit 6
 * kernel mode.  The seed converter (seed.c) writes scenarios as verbatim
 * operations, so a seed replays its scenario operation for operation.
 */
#ifndef PVMM_SIM_FUZZ_INPUT_H
#define PVMM_SIM_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../op.h"

#define FUZZ_H_THREE_DOMAINS 0x01
#define FUZZ_H_PRIVILEGED    0x02
#define FUZZ_H_WRITABLE_PT   0x04
#define FUZZ_H_NO_LINEAR     0x08
#define FUZZ_H_SCENARIO      0x10
#define FUZZ_H_GRANTS        0x20

#define FUZZ_NR_FRAMES       3300
#define FUZZ_CLASS_VERBATIM  12

/* A cursor over the input: reads past the end give zero. */
struct fuzz_input {
    const uint8_t *p;
    size_t n;
};

uint8_t fuzz_byte(struct fuzz_input *in);

/* A growable output buffer for the encoder. */
struct fuzz_buf {
    uint8_t *data;
    size_t len, cap;
};

void fuzz_buf_put(struct fuzz_buf *b, uint8_t byte);
void fuzz_buf_free(struct fuzz_buf *b);

/*
 * Append op as one verbatim operation (class byte, target byte, kind,
 * arguments).  False if op is not something the format carries (a kind
 * that is not an operation, `set audit=` or `set log=`, which the harness
 * ignores).
 */
bool fuzz_encode_verbatim(struct fuzz_buf *b, const struct sim_op *op);

/*
 * Decode the rest of a verbatim operation whose class byte has been read
 * and whose target byte is t.  Values a scenario could not express are
 * brought into range (a batch of at most SIM_MAX_BATCH, an access of 1, 2,
 * 4 or 8 bytes, ...), so the result always prints as a valid line.
 */
void fuzz_decode_verbatim(struct fuzz_input *in, uint8_t t, struct sim_op *op);

/* An operation with the defaults of a freshly resolved scenario line. */
void fuzz_op_init(struct sim_op *op, enum scn_stmt_kind kind, int dom, int vcpu);

/*
 * Does the harness run op in m's current state?  It skips what cannot
 * apply: an audit (it audits after every operation anyway), an operation
 * on a domain that does not exist, code of a dying domain (its destroy was
 * refused while others hold its frames), rebuilding a live domain.
 */
bool fuzz_runnable(struct sim_machine *m, const struct sim_op *op);

/*
 * The pickers of aimed operations (fuzz-ops.c), each consuming input bytes:
 * a little-endian number of `bytes` bytes; the i-th built domain (counting
 * cyclically; -1 if none); a built domain other than d (d if none); a frame
 * interesting to d (its page tables, its pages, another domain's, anything
 * up to beyond memory); a PTE of such a frame with common or any flags; a
 * virtual address of d's boot region, of Xen's area, or any.
 */
uint64_t fuzz_word(struct fuzz_input *in, int bytes);
int fuzz_built_domain(const struct sim_machine *m, unsigned int i);
int fuzz_other_domain(const struct sim_machine *m, int d);
mfn_t fuzz_pick_frame(struct sim_machine *m, int d, struct fuzz_input *in);
uint64_t fuzz_pick_pte(struct sim_machine *m, int d, struct fuzz_input *in);
uint64_t fuzz_pick_va(struct sim_machine *m, int d, struct fuzz_input *in);

/* A grant operation of built domain d (fuzz-grant.c), decoded from in into op
 * (initialised by fuzz_op_init for d). */
void fuzz_grant_decode(struct sim_machine *m, int d, struct fuzz_input *in, struct sim_op *op);
/*
 * Step `step` (0, 1, ...) of giving initial domain d its grant table in a
 * FUZZ_H_GRANTS run: setup_table, then mapping each frame.  False when
 * there are no more steps (or d cannot take part).
 */
bool fuzz_grant_setup_op(struct sim_machine *m, int d, unsigned int step, struct sim_op *op);
/* The i-th built-in grant seed (an input that maps, copies and unmaps), NULL past the last. */
const uint8_t *fuzz_grant_seed(unsigned int i, size_t *len);

/*
 * Run one input (the harness proper, fuzz-ops.c).  The auditor runs after
 * every operation; a violation aborts.  With trace set, the run is written
 * to it in scenario syntax (every operation and its outcome as expect
 * lines).  Returns the number of operations executed.
 */
unsigned long fuzz_run(const uint8_t *data, size_t size, FILE *trace);

#endif /* PVMM_SIM_FUZZ_INPUT_H */
