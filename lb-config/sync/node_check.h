/*
 * node_check.h — what fanout-lb-sync lets from a node record into nginx's
 * configuration.  Records were written by other processes, or by hand:
 * every field is checked again here, as bytes, before it is rendered, the
 * way the edge checks what its lookups read.  Pure functions, no I/O.
 */
#ifndef FANOUT_LB_NODE_CHECK_H
#define FANOUT_LB_NODE_CHECK_H

#include <stddef.h>

#include "fanout/store.h"

typedef enum {
    LB_ADDR_BAD = 0,
    LB_ADDR_IPV4,   /* a dotted quad */
    LB_ADDR_IPV6,   /* a literal, bare or in brackets */
    LB_ADDR_HOST    /* a name of [A-Za-z0-9.-]: only nginx can resolve it */
} lb_addr_kind;

/* What the len bytes at a are; they need not end in NUL (a NUL among them
 * is bad), and FO_ADDR_MAX or more of them are bad. */
lb_addr_kind lb_addr_kind_of(const char *a, size_t len);

/* NULL when every field of n may be rendered, else the name of the first
 * that may not: "id", "address", "node group", "role", "http port" or
 * "rtmp port".  An empty group is allowed (no group block); port 0 keeps
 * the node out of that pool. */
const char *lb_node_fault(const fo_node *n);

/* "host:port", or "[v6]:port", into buf (cap bytes) for a node that
 * lb_node_fault passed.  -1 when it does not fit. */
int lb_server_addr(const fo_node *n, int port, char *buf, size_t cap);

/* The bytes of s up to its NUL, at most max of them, for a log line:
 * quote, backslash and anything outside printable ASCII as \xNN, cut to
 * fit out (cap bytes, always NUL-terminated). */
void lb_printable(const char *s, size_t max, char *out, size_t cap);

#endif
