/*
 * store_call.h — the generic layer's handle and its call discipline,
 * shared by store.c and the files that add operations to it
 * (store_users.c): validation, then CALL, which locks the handle, times
 * the backend op and unlocks.
 */
#ifndef FANOUT_STORE_CALL_H
#define FANOUT_STORE_CALL_H

#include <pthread.h>
#include <string.h>

#include "backend.h"

struct fo_store {
    const fo_backend_ops *ops;
    void *impl;
    fo_backend_conf conf;
    pthread_mutex_t lock;
    uint64_t calls;
    double total_ms;
};

/* Every public call runs its backend op between these two (store.c). */
double fo_store_begin(fo_store *s);
fo_status fo_store_end(fo_store *s, double t0, fo_status rc);

/* Fills err with "store: <op>: invalid <what>"; FO_ERR_INVALID. */
fo_status fo_store_bad(fo_error *err, const char *op, const char *what);

#define CALL(s, op, ...)                                                  \
    do {                                                                  \
        double t0_ = fo_store_begin(s);                                   \
        return fo_store_end(s, t0_, (s)->ops->op((s)->impl, __VA_ARGS__)); \
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
