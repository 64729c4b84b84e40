/*
 * pvmm/lock.h - a tiny test-and-test-and-set spinlock and atomic helpers.
 *
 * The core runs freestanding, so it uses the compiler's __atomic builtins
 * directly.  Counts in the frame table are never protected by these locks:
 * they change with compare-and-swap loops.  Spinlocks only serialise
 * per-domain bookkeeping and the free list.
 */
#ifndef PVMM_LOCK_H
#define PVMM_LOCK_H

#include <stdint.h>
#include <stdbool.h>

typedef struct { uint32_t locked; } pvmm_spinlock_t;

#define PVMM_SPINLOCK_INIT { 0 }

static inline void cpu_relax(void)
{
    __builtin_ia32_pause();
}

static inline void spin_lock(pvmm_spinlock_t *l)
{
    for ( ;; ) {
        if (!__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
            return;
        while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
            cpu_relax();
    }
}

static inline bool spin_trylock(pvmm_spinlock_t *l)
{
    return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_unlock(pvmm_spinlock_t *l)
{
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* Compare-and-swap on a 64-bit word: true if *p was old and is now new. */
static inline bool cmpxchg64(uint64_t *p, uint64_t *old, uint64_t new)
{
    return __atomic_compare_exchange_n(p, old, new, false,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static inline uint64_t read_atomic64(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void write_atomic64(uint64_t *p, uint64_t v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

#endif /* PVMM_LOCK_H */
