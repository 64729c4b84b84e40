/*
 * sim/replay.h - the statements of a recorded pvmm-hv run (replay.c).
 */
#ifndef PVMM_SIM_REPLAY_H
#define PVMM_SIM_REPLAY_H

#include "op.h"

/*
 * A data line: `frame MFN [INDEX:VALUE]...` or `poke dN va=VA bytes=HEX` into st.  1 parsed,
 * 0 not a data line, -1 malformed (err set).
 */
int scn_parse_data(const char *file, int lineno, const char *src, struct scn_stmt *st,
                   struct scn_error *err);
/* Apply a frame or poke statement to m's memory: 0, or -1 with a message in err. */
int sim_replay_data(struct sim_machine *m, const struct scn_stmt *st, char *err, size_t len);
/* Execute a replay operation (ram ... release_frame) on m: 0 with *res, or -1 with err. */
int sim_replay_exec(struct sim_machine *m, struct vcpu *v, const struct sim_op *op,
                    struct sim_result *res, char *err, size_t len);

/* Write a replay operation in scenario syntax (without the newline), for traces. */
void sim_replay_print(FILE *f, const struct sim_op *op);

#endif /* PVMM_SIM_REPLAY_H */
