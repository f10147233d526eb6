/*
 * store_internal.h — what the generic layer's files (store.c, and
 * store_*.c beside it: store_retention.c, store_cluster.c) share: the handle, and the CALL macro by which
 * every public function is validation plus one locked, timed backend
 * call.
 */
#ifndef FANOUT_STORE_INTERNAL_H
#define FANOUT_STORE_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "query_window.h"

struct fo_store {
    const fo_backend_ops *ops;
    void *impl;
    fo_backend_conf conf;
    pthread_mutex_t lock;
    uint64_t calls;
    double total_ms;
    fo_query_window recent;
};

static inline double mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

/* Every public call runs its backend op between begin() and end(). */
static inline double begin(fo_store *s)
{
    pthread_mutex_lock(&s->lock);
    return mono_ms();
}

static inline fo_status end(fo_store *s, double t0, fo_status rc)
{
    double ms = mono_ms() - t0;

    s->total_ms += ms;
    s->calls++;
    fo_query_window_add(&s->recent, ms);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

#define CALL(s, op, ...)                                                  \
    do {                                                                  \
        double t0_ = begin(s);                                            \
        return end(s, t0_, (s)->ops->op((s)->impl, __VA_ARGS__));          \
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

/* An FO_ERR_INVALID "store: <op>: invalid <what>" in err. */
fo_status fo_store_bad(fo_error *err, const char *op, const char *what);

/* A valid app name, and stream id unless it is NULL. */
fo_status fo_store_check_key(const char *op, const char *app,
                             const char *stream_id, fo_error *err);

/* The short names the generic layer's files use. */
#define bad fo_store_bad
#define check_key fo_store_check_key

#endif /* FANOUT_STORE_INTERNAL_H */
