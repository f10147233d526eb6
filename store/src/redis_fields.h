/*
 * redis_fields.h — the redis:// backend's records as hashes: one hash
 * field per struct member, named after it (the tables in redis_fields.c),
 * and the keys of a broadcast.  Integers are decimal strings, doubles
 * "%.17g", role "origin" / "edge" (redis_lua.h has the whole key layout).
 * Pure: no I/O.
 */
#ifndef FANOUT_STORE_REDIS_FIELDS_H
#define FANOUT_STORE_REDIS_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "backend.h"
#include "redis_conn.h"

enum { T_STR, T_INT, T_I32, T_I64, T_DBL, T_ROLE };

#define RD_ALL 0x80000000u      /* written by create / put */

typedef struct {
    const char *name;
    int type;
    size_t off;
    size_t size;                /* T_STR: the array's size */
    unsigned mask;              /* RD_ALL and the FO_F_* bits naming it;
                                 * 0: a script sets it from the clock */
} rd_field;

/* The fields of fo_node, fo_broadcast and fo_vod; each table ends with a
 * NULL name. */
extern const rd_field fo_rd_node_fields[];
extern const rd_field fo_rd_bc_fields[];
extern const rd_field fo_rd_vod_fields[];

/* s as a decimal integer.  Lenient: a missing or garbled number reads
 * as 0. */
int64_t fo_rd_parse_i64(const char *s);

/* Fills rec from an HGETALL reply h; unknown fields are ignored, missing
 * ones left as they were. */
void fo_rd_decode(const rd_field *t, void *rec, const redisReply *h);

/* Element i of array reply rep when it is a string, else "". */
const char *fo_rd_elem_str(const redisReply *rep, size_t i);

/* Appends name, value to a for each field of rec whose mask meets mask. */
void fo_rd_args_fields(rd_args *a, const rd_field *t, const void *rec,
                       unsigned mask);

/* Starts a script's argv with the keys of broadcast app/stream: the
 * broadcast, fo:live, and the app's set when with_set. */
void fo_rd_args_bc(rd_args *a, const char *app, const char *stream,
                   int with_set);

#endif /* FANOUT_STORE_REDIS_FIELDS_H */
