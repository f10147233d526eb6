/*
 * redis_list.c — the redis:// backend's broadcast lists and counts, paged
 * inside Redis, and the expiry of auto-created broadcasts (issue #14).
 *
 * An app's stream ids are the sorted set fo:bcz:<app> (all score 0, so
 * byte order).  Without a search, list is ZRANGE (ZREVRANGE) of the page
 * and one pipelined HGETALL per listed stream, count is ZCARD: neither
 * reads more than the page.  With a search or a sort by name, date or
 * status, the ids are walked in batches of SCAN_BATCH (ZRANGE by index),
 * each batch's name, status and date read by one pipeline of HMGETs; the
 * matches are counted, or the best offset + cap of them kept (bounded by
 * the page asked for, not by the app's size), then the page is read
 * whole.  No call walks every id inside one Lua script, so Redis never
 * runs one long command.  The exception to the walk: a status-ascending
 * page of live streams only (the console's Overview asks for the first
 * 50), read from fo:live, the set of broadcasting keys.  Why no sort indexes: docs/architecture.md.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "backend.h"
#include "redis_conn.h"
#include "redis_fields.h"

#define SCAN_BATCH 256
#define MIGRATE_BATCH 1000

/* The sort fields of one broadcast, while walking. */
typedef struct {
    char stream_id[FO_STREAM_MAX];
    char name[FO_NAME_MAX];
    char status[16];
    int64_t date;
} slim;

/* Called for each existing broadcast of a walk, in the walk's order; a
 * nonzero return stops the walk. */
typedef int (*walk_fn)(void *arg, const slim *b);

/* ZRANGE (or ZREVRANGE) of the app's ids from start, at most count. */
static fo_status id_range(rd *r, const char *app, int reverse, size_t start,
                          size_t count, redisReply **ids, fo_error *err)
{
    rd_args a;

    fo_rd_args_init(&a, 0);
    fo_rd_args_str(&a, reverse ? "ZREVRANGE" : "ZRANGE");
    fo_rd_args_key(&a, "fo:bcz:%s", app);
    fo_rd_args_num(&a, "%zu", start);
    fo_rd_args_num(&a, "%zu", start + count - 1);
    return fo_rd_send_array(r, &a, ids, err);
}

typedef struct {
    walk_fn fn;
    void *arg;
    int stop;
} walk_state;

static void take_slim(void *arg, size_t i, const char *id,
                      const redisReply *h)
{
    walk_state *w = arg;
    slim b;

    (void)i;
    if (w->stop || h->type != REDIS_REPLY_ARRAY || h->elements != 3
        || h->element[1]->type != REDIS_REPLY_STRING)
        return;                 /* deleted meanwhile */
    fo_strlcpy(b.stream_id, id, sizeof b.stream_id);
    fo_strlcpy(b.name, fo_rd_elem_str(h, 0), sizeof b.name);
    fo_strlcpy(b.status, fo_rd_elem_str(h, 1), sizeof b.status);
    b.date = fo_rd_parse_i64(fo_rd_elem_str(h, 2));
    w->stop = w->fn(w->arg, &b);
}

/* Walks the app's broadcasts in id order (reversed when reverse), a
 * batch at a time, calling fn on each until it returns nonzero. */
static fo_status walk(rd *r, const char *app, int reverse, walk_fn fn,
                      void *arg, fo_error *err)
{
    const char *argv[5] = { "HMGET", NULL, "name", "status", "date" };
    const char *ids[SCAN_BATCH];
    walk_state w = { fn, arg, 0 };
    redisReply *rep;
    fo_status rc = FO_OK;
    size_t pos = 0, n;

    while (rc == FO_OK && !w.stop) {
        rc = id_range(r, app, reverse, pos, SCAN_BATCH, &rep, err);
        if (rc != FO_OK)
            break;
        n = rep->elements;
        for (size_t i = 0; i < n; i++)
            ids[i] = fo_rd_elem_str(rep, i);
        rc = fo_rd_pipeline(r, app, ids, n, argv, 5, take_slim, &w, err);
        freeReplyObject(rep);
        if (n < SCAN_BATCH)
            break;
        pos += n;
    }
    return rc;
}

/* ---- list --------------------------------------------------------------- */

typedef struct {
    const fo_list_query *q;
    size_t want;                /* offset + cap: how many to keep */
    size_t skip;                /* id order: matches still to skip */
    slim *top;                  /* the best so far, in list order */
    size_t n;
    fo_broadcast x, y;          /* scratch for record.c's rules */
} page_state;

static const fo_broadcast *as_bc(fo_broadcast *to, const slim *b)
{
    fo_strlcpy(to->stream_id, b->stream_id, sizeof to->stream_id);
    fo_strlcpy(to->name, b->name, sizeof to->name);
    fo_strlcpy(to->status, b->status, sizeof to->status);
    to->date = b->date;
    return to;
}

/* Keeps b if it is among the best want in list order (binary insertion
 * into top). */
static int keep_best(void *arg, const slim *b)
{
    page_state *p = arg;
    const fo_broadcast *x = as_bc(&p->x, b);
    size_t lo = 0, hi = p->n;

    if (!fo_broadcast_matches(x, p->q->search))
        return 0;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;

        if (fo_broadcast_cmp(as_bc(&p->y, &p->top[mid]), x, p->q) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo >= p->want)
        return 0;
    if (p->n == p->want)
        p->n--;                 /* the worst falls off */
    memmove(&p->top[lo + 1], &p->top[lo], (p->n - lo) * sizeof *p->top);
    p->top[lo] = *b;
    p->n++;
    return 0;
}

/* In id order the walk's order is the list's: skip offset matches, keep
 * cap, stop. */
static int keep_in_order(void *arg, const slim *b)
{
    page_state *p = arg;

    if (!fo_broadcast_matches(as_bc(&p->x, b), p->q->search))
        return 0;
    if (p->skip > 0) {
        p->skip--;
        return 0;
    }
    p->top[p->n++] = *b;
    return p->n == p->want;
}

typedef struct {
    const char *app;
    fo_broadcast *out;
    size_t *n;
} fill_state;

static void take_record(void *arg, size_t i, const char *id,
                        const redisReply *h)
{
    fill_state *f = arg;
    fo_broadcast *b = &f->out[*f->n];

    (void)i;
    if (h->type != REDIS_REPLY_ARRAY || h->elements == 0)
        return;                 /* deleted meanwhile */
    memset(b, 0, sizeof *b);
    fo_rd_decode(fo_rd_bc_fields, b, h);
    fo_strlcpy(b->app, f->app, sizeof b->app);
    fo_strlcpy(b->stream_id, id, sizeof b->stream_id);
    (*f->n)++;
}

/* HGETALL of each id, in order, into out. */
static fo_status fill(rd *r, const char *app, const char *const *ids,
                      size_t count, fo_broadcast *out, size_t *n,
                      fo_error *err)
{
    const char *argv[2] = { "HGETALL", NULL };
    fill_state f = { app, out, n };

    return fo_rd_pipeline(r, app, ids, count, argv, 2, take_record, &f, err);
}

/* The unsearched id-order page: ZRANGE of exactly the page. */
static fo_status list_by_id(rd *r, const char *app, const fo_list_query *q,
                            size_t offset, fo_broadcast *out, size_t cap,
                            size_t *n, fo_error *err)
{
    const char **ids;
    redisReply *rep;
    fo_status rc;

    if (cap > SIZE_MAX / 2 - offset)
        cap = SIZE_MAX / 2 - offset;
    rc = id_range(r, app, q->descending, offset, cap, &rep, err);
    if (rc != FO_OK)
        return rc;
    ids = calloc(rep->elements + 1, sizeof *ids);
    if (ids == NULL) {
        freeReplyObject(rep);
        return fo_rd_fail(r, err, FO_ERR, "out of memory");
    }
    for (size_t i = 0; i < rep->elements; i++)
        ids[i] = fo_rd_elem_str(rep, i);
    rc = fill(r, app, ids, rep->elements, out, n, err);
    free(ids);
    freeReplyObject(rep);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* The status-ascending page, unsearched, while it holds live streams
 * only: "broadcasting" sorts before every other status, so the page is
 * the app's live ids (from fo:live, the set of every broadcasting key,
 * kept by the scripts) in id order, offset to offset + cap.  1 when it
 * answered, 0 when the page reaches past the live streams (the caller
 * walks). */
static int list_live_first(rd *r, const char *app, size_t offset,
                           fo_broadcast *out, size_t cap, size_t *n,
                           fo_status *rc, fo_error *err)
{
    char prefix[RD_KEY_MAX];
    size_t plen, live = 0;
    const char **ids;
    redisReply *rep;
    int answered = 0;

    *rc = fo_rd_cmd(r, &rep, err, "SMEMBERS", "%s", "fo:live");
    if (*rc != FO_OK)
        return 1;
    if (rep->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(rep);
        *rc = fo_rd_fail(r, err, FO_ERR, "unexpected reply");
        return 1;
    }
    plen = (size_t)snprintf(prefix, sizeof prefix, "fo:bc:%s:", app);
    ids = calloc(rep->elements + 1, sizeof *ids);
    if (ids == NULL) {
        freeReplyObject(rep);
        *rc = fo_rd_fail(r, err, FO_ERR, "out of memory");
        return 1;
    }
    for (size_t i = 0; i < rep->elements; i++) {
        const char *k = fo_rd_elem_str(rep, i);

        if (strncmp(k, prefix, plen) == 0 && k[plen] != '\0')
            ids[live++] = k + plen;
    }
    if (cap <= SIZE_MAX - offset && offset + cap <= live) {
        qsort(ids, live, sizeof *ids, cmp_str);
        *rc = fill(r, app, ids + offset, cap, out, n, err);
        answered = 1;
    }
    free(ids);
    freeReplyObject(rep);
    return answered;
}

fo_status fo_rd_broadcast_list(void *impl, const char *app,
                               const fo_list_query *q, size_t offset,
                               fo_broadcast *out, size_t cap, size_t *n,
                               fo_error *err)
{
    rd *r = impl;
    int by_id = q->sort_by == FO_SORT_NONE;
    page_state *p;
    const char **ids;
    redisReply *rep;
    int64_t total;
    fo_status rc;
    size_t from;

    *n = 0;
    fo_rd_op(r, "list %s", app);
    if (by_id && (q->search == NULL || q->search[0] == '\0'))
        return list_by_id(r, app, q, offset, out, cap, n, err);
    if (q->sort_by == FO_SORT_STATUS && !q->descending
        && (q->search == NULL || q->search[0] == '\0')
        && list_live_first(r, app, offset, out, cap, n, &rc, err))
        return rc;
    /* Memory in proportion to the page, and never beyond the app's
     * records: the page is cut to what the app holds. */
    rc = fo_rd_cmd(r, &rep, err, "ZCARD", "fo:bcz:%s", app);
    if ((rc = fo_rd_integer(r, rc, rep, &total, err)) != FO_OK)
        return rc;
    if (offset >= (size_t)total)
        return FO_OK;
    if (cap > (size_t)total - offset)
        cap = (size_t)total - offset;
    p = calloc(1, sizeof *p);
    ids = calloc(cap, sizeof *ids);
    if (p != NULL)
        p->top = malloc((by_id ? cap : offset + cap) * sizeof *p->top);
    if (p == NULL || ids == NULL || p->top == NULL) {
        rc = fo_rd_fail(r, err, FO_ERR, "out of memory");
        goto done;
    }
    p->q = q;
    p->want = by_id ? cap : offset + cap;
    p->skip = by_id ? offset : 0;
    rc = walk(r, app, by_id && q->descending,
              by_id ? keep_in_order : keep_best, p, err);
    from = by_id ? 0 : offset;
    for (size_t i = from; i < p->n; i++)
        ids[i - from] = p->top[i].stream_id;
    if (rc == FO_OK && p->n > from)
        rc = fill(r, app, ids, p->n - from, out, n, err);
done:
    if (p != NULL)
        free(p->top);
    free(p);
    free(ids);
    return rc;
}

/* ---- counts ------------------------------------------------------------- */

typedef struct {
    const char *search;
    int64_t n;
    fo_broadcast x;
} count_state;

static int count_match(void *arg, const slim *b)
{
    count_state *c = arg;

    c->n += fo_broadcast_matches(as_bc(&c->x, b), c->search);
    return 0;
}

fo_status fo_rd_broadcast_count(void *impl, const char *app,
                                const char *search, int64_t *count,
                                fo_error *err)
{
    rd *r = impl;
    redisReply *rep;
    count_state *c;
    fo_status rc;

    fo_rd_op(r, "count %s", app);
    if (search == NULL || search[0] == '\0') {
        rc = fo_rd_cmd(r, &rep, err, "ZCARD", "fo:bcz:%s", app);
        return fo_rd_integer(r, rc, rep, count, err);
    }
    c = calloc(1, sizeof *c);
    if (c == NULL)
        return fo_rd_fail(r, err, FO_ERR, "out of memory");
    c->search = search;
    rc = walk(r, app, 0, count_match, c, err);
    *count = c->n;
    free(c);
    return rc;
}

/* fo:live holds the keys of the broadcasting streams of every app: as
 * many as there are live publishers, which the origins' connection caps
 * bound, not the number of records. */
fo_status fo_rd_broadcast_count_active(void *impl, const char *app,
                                       int64_t *count, fo_error *err)
{
    rd *r = impl;
    redisReply *rep;
    char prefix[RD_KEY_MAX];
    size_t len;
    fo_status rc;

    fo_rd_op(r, "count_active %s", app);
    len = (size_t)snprintf(prefix, sizeof prefix, "fo:bc:%s:", app);
    rc = fo_rd_cmd(r, &rep, err, "SMEMBERS", "%s", "fo:live");
    if (rc != FO_OK)
        return rc;
    *count = 0;
    if (rep->type != REDIS_REPLY_ARRAY)
        rc = fo_rd_fail(r, err, FO_ERR, "unexpected reply");
    for (size_t i = 0; rc == FO_OK && i < rep->elements; i++)
        *count += strncmp(fo_rd_elem_str(rep, i), prefix, len) == 0;
    freeReplyObject(rep);
    return rc;
}

/* ---- expiry, layout ------------------------------------------------------ */

fo_status fo_rd_broadcast_expire_auto(void *impl, int64_t retention_ms,
                                      size_t max, int64_t *deleted,
                                      fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "expire auto");
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:autodone");
    fo_rd_args_num(&a, "%" PRId64, retention_ms);
    fo_rd_args_num(&a, "%zu", max);
    return fo_rd_eval_integer(r, RS_EXPIRE_AUTO, &a, deleted, err);
}

/* Moves one old set fo:bcs:<app> into fo:bcz:<app>, a batch per script
 * call, so that no call blocks Redis for long. */
static fo_status migrate_app(rd *r, const char *set, fo_error *err)
{
    int64_t left = 1;
    fo_status rc = FO_OK;

    while (rc == FO_OK && left > 0) {
        rd_args a;

        fo_rd_args_init(&a, 3);
        fo_rd_args_key(&a, "%s", set);
        fo_rd_args_key(&a, "fo:bcz:%s", set + strlen("fo:bcs:"));
        fo_rd_args_num(&a, "%d", MIGRATE_BATCH);
        rc = fo_rd_eval_integer(r, RS_BCS_MIGRATE, &a, &left, err);
    }
    return rc;
}

/* The layout before issue #14 kept an app's ids in the set fo:bcs:<app>.
 * Once per database (the marker fo:layout), each such set is moved into
 * the sorted set; a handle that finds the marker does nothing. */
fo_status fo_rd_migrate_layout(rd *r, fo_error *err)
{
    redisReply *rep, *keys;
    char cursor[32] = "0";
    fo_status rc;
    int done, done_before;

    fo_rd_op(r, "open: layout");
    rc = fo_rd_cmd(r, &rep, err, "GET", "%s", "fo:layout");
    if (rc != FO_OK)
        return rc;
    done = rep->type == REDIS_REPLY_STRING && strcmp(rep->str, "2") == 0;
    done_before = done;
    freeReplyObject(rep);
    while (rc == FO_OK && !done) {
        rd_args a;

        fo_rd_args_init(&a, 0);
        fo_rd_args_str(&a, "SCAN");
        fo_rd_args_str(&a, cursor);
        fo_rd_args_str(&a, "MATCH");
        fo_rd_args_str(&a, "fo:bcs:*");
        fo_rd_args_str(&a, "COUNT");
        fo_rd_args_str(&a, "1000");
        rc = fo_rd_check(r, fo_rd_send(r, &a, &rep, err), &rep, err);
        if (rc != FO_OK)
            break;
        if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2
            || rep->element[1]->type != REDIS_REPLY_ARRAY) {
            freeReplyObject(rep);
            return fo_rd_fail(r, err, FO_ERR, "unexpected reply");
        }
        fo_strlcpy(cursor, fo_rd_elem_str(rep, 0), sizeof cursor);
        keys = rep->element[1];
        for (size_t i = 0; rc == FO_OK && i < keys->elements; i++)
            rc = migrate_app(r, fo_rd_elem_str(keys, i), err);
        freeReplyObject(rep);
        done = strcmp(cursor, "0") == 0;
    }
    if (rc == FO_OK && !done_before) {
        rd_args a;

        fo_rd_args_init(&a, 0);
        fo_rd_args_str(&a, "SET");
        fo_rd_args_str(&a, "fo:layout");
        fo_rd_args_str(&a, "2");
        rc = fo_rd_check(r, fo_rd_send(r, &a, &rep, err), &rep, err);
        if (rc == FO_OK)
            freeReplyObject(rep);
    }
    return rc;
}
