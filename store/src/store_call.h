/*
 * store_call.h — the handle and the one way a public function calls its
 * backend: lock, time, dispatch (store.c and store_cluster.c share it).
 */
#ifndef FANOUT_STORE_CALL_H
#define FANOUT_STORE_CALL_H

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "backend.h"

struct fo_store {
    const fo_backend_ops *ops;
    void *impl;
    fo_backend_conf conf;
    pthread_mutex_t lock;
    uint64_t calls;
    double total_ms;
};

static inline double fo_call_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

/* Every public call runs its backend op between begin and end. */
static inline double fo_call_begin(fo_store *s)
{
    pthread_mutex_lock(&s->lock);
    return fo_call_mono_ms();
}

static inline fo_status fo_call_end(fo_store *s, double t0, fo_status rc)
{
    s->total_ms += fo_call_mono_ms() - t0;
    s->calls++;
    pthread_mutex_unlock(&s->lock);
    return rc;
}

#define CALL(s, op, ...)                                                  \
    do {                                                                  \
        double t0_ = fo_call_begin(s);                                    \
        return fo_call_end(s, t0_, (s)->ops->op((s)->impl, __VA_ARGS__)); \
    } while (0)

/* Validation, then the call: returns check's status unless it is FO_OK. */
#define CHECKED_CALL(s, check, op, ...)                                   \
    do {                                                                  \
        fo_status c_ = (check);                                           \
        if (c_ != FO_OK) {                                                \
            return c_;                                                    \
        }                                                                 \
        CALL(s, op, __VA_ARGS__);                                         \
    } while (0)

/* Is the fixed-size string field NUL-terminated inside its array? */
#define TERMINATED(field) (strnlen((field), sizeof(field)) < sizeof(field))

#endif /* FANOUT_STORE_CALL_H */
