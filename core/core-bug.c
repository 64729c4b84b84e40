/*
 * core/core-bug.c - recording core bugs.
 *
 * A core bug is a state the core's own invariants exclude: a put on a frame
 * with no reference, a type reference left on a frame being freed, a type
 * word no operation can produce.  Guest input can never cause one (guest
 * mistakes are rejections with a reason), so one means the core itself is
 * wrong.  It is not a log line that a harness may discard: the state
 * counts it (s->core_bugs, with the site of the first), the auditor reports
 * a non-zero count as a violation, every test harness fails on it, and
 * pvmm-hv ends the domain whose operation met it (docs/model.md §11).  The
 * code that found it then carries on as safely as it can - usually by
 * leaking rather than freeing - which is what the CORE_BUG call sites say.
 */
#include "mm.h"

void core_bug(struct pvmm_state *s, const char *file, int line, const char *fmt, ...)
{
    char what[160];
    va_list ap;

    va_start(ap, fmt);
    pvmm_vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    /* The first one is the one to debug; later ones may be its consequences. */
    if (__atomic_fetch_add(&s->core_bugs, 1, __ATOMIC_RELAXED) == 0) {
        __atomic_store_n(&s->core_bug_file, file, __ATOMIC_RELAXED);
        __atomic_store_n(&s->core_bug_line, line, __ATOMIC_RELAXED);
    }
    pvmm_log(s, PVMM_LOG_ERROR, "core bug at %s:%d: %s", file, line, what);
}
