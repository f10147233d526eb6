/*
 * query_window.h — the mean of the last FO_QUERY_WINDOW call durations
 * (fo_store_recent_query_ms).  Pure: the caller passes each duration and
 * holds the lock.
 */
#ifndef FANOUT_STORE_QUERY_WINDOW_H
#define FANOUT_STORE_QUERY_WINDOW_H

#include "fanout/store.h"

typedef struct {
    double ms[FO_QUERY_WINDOW];
    unsigned next;              /* the slot the next duration takes */
    unsigned count;             /* filled slots, <= FO_QUERY_WINDOW */
    double sum;                 /* of the filled slots */
} fo_query_window;

static inline void fo_query_window_add(fo_query_window *w, double ms)
{
    if (w->count == FO_QUERY_WINDOW) {
        w->sum -= w->ms[w->next];
    } else {
        w->count++;
    }
    w->ms[w->next] = ms;
    w->sum += ms;
    w->next = (w->next + 1) % FO_QUERY_WINDOW;
    if (w->next == 0) {
        /* Once a lap, the sum afresh: subtracting what was added leaves
         * rounding behind, and it would pile up over a long life. */
        w->sum = 0;
        for (unsigned i = 0; i < w->count; i++) {
            w->sum += w->ms[i];
        }
    }
}

static inline double fo_query_window_mean(const fo_query_window *w)
{
    return w->count ? w->sum / (double) w->count : 0.0;
}

#endif /* FANOUT_STORE_QUERY_WINDOW_H */
