/*
 * render.h — the upstream blocks fanout-lb-sync writes, as text.  Only
 * the nodes the caller marks in use are rendered, and what is rendered of
 * them has passed node_check.h: ids into comments, addresses into
 * `server`, groups into upstream names.
 */
#ifndef FANOUT_LB_RENDER_H
#define FANOUT_LB_RENDER_H

#include <stddef.h>

#include "fanout/store.h"

typedef struct {
    char *buf;
    size_t len, cap;
} lb_text;

/* Appends the formatted text; 0, or -1 out of memory. */
int lb_append(lb_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Renders nodes[i] with use[i] set (alive and checked) into http
 * (fanout_edges, fanout_origins and their per-group blocks) and stream
 * (fanout_rtmp and its per-group blocks), both empty on entry.  0, or -1
 * out of memory; the caller frees both buffers either way. */
int lb_render(const fo_node *nodes, const unsigned char *use, size_t n,
              lb_text *http, lb_text *stream);

#endif
