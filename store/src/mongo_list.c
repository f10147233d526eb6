/*
 * mongo_list.c — the mongodb:// backend's broadcast lists and counts,
 * filtered, sorted and paged by the server (find with filter, sort, skip
 * and limit; countDocuments), and the expiry of auto-created broadcasts
 * (issue #14).
 *
 * Sorting is on the hex sort keys streamKey and nameKey (mongo_doc.h), so
 * the order is the contract's byte order whatever the collation; date
 * and status sort as they are (numbers; lowercase words).  The search is
 * a case-insensitive regex of the escaped text on name or streamId; its
 * case folding is the server's (ASCII and beyond), where record.c folds
 * ASCII only.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mongoc/mongoc.h>

#include "backend.h"
#include "mongo_conn.h"
#include "mongo_doc.h"

/* Every character a regex gives a meaning to, escaped: the search is
 * plain text. */
static void regex_escape(char *dst, const char *s, size_t cap)
{
    size_t i = 0;

    for (; *s != '\0' && i + 3 < cap; s++) {
        if (strchr("\\^$.|?*+()[]{}/-#", *s) != NULL) {
            dst[i++] = '\\';
        }
        dst[i++] = *s;
    }
    dst[i] = '\0';
}

/* {app, $or: [{name: /search/i}, {streamId: /search/i}]}; no $or for an
 * empty search. */
static bson_t *list_q(const char *app, const char *search)
{
    char re[2 * FO_NAME_MAX + 1];
    bson_t *q = BCON_NEW("app", BCON_UTF8(app));

    if (search == NULL || search[0] == '\0') {
        return q;
    }
    regex_escape(re, search, sizeof(re));
    BCON_APPEND(q, "$or", "[", "{", "name", BCON_REGEX(re, "i"), "}", "{",
                "streamId", BCON_REGEX(re, "i"), "}", "]");
    return q;
}

/* find's options: the sort (the key, then streamKey ascending), the
 * page. */
static bson_t *list_opts(const fo_list_query *q, size_t offset, size_t cap)
{
    static const char *const keys[] = { "streamKey", "nameKey", "date",
                                        "status" };
    int dir = q->descending ? -1 : 1;
    bson_t *o = bson_new(), sort;

    BSON_APPEND_DOCUMENT_BEGIN(o, "sort", &sort);
    BSON_APPEND_INT32(&sort, keys[q->sort_by], dir);
    if (q->sort_by != FO_SORT_NONE) {
        BSON_APPEND_INT32(&sort, "streamKey", 1);
    }
    bson_append_document_end(o, &sort);
    BSON_APPEND_INT64(o, "skip", (int64_t) offset);
    BSON_APPEND_INT64(o, "limit", (int64_t) cap);
    return o;
}

typedef struct {
    fo_broadcast *out;
    size_t cap, *n;
} page;

static void take(mg_call *c, void *arg, const bson_t *doc)
{
    page *p = arg;

    (void) c;
    if (*p->n < p->cap) {
        fo_mg_get_fields(doc, fo_mg_bcast_fields, &p->out[*p->n],
                         sizeof(fo_broadcast));
        (*p->n)++;
    }
}

fo_status fo_mg_broadcast_list(void *impl, const char *app,
                               const fo_list_query *q, size_t offset,
                               fo_broadcast *out, size_t cap, size_t *n,
                               fo_error *err)
{
    mg_call c;
    page p = { out, cap, n };

    *n = 0;
    if (offset > INT64_MAX / 2 || cap > INT64_MAX / 2) {
        return FO_OK;           /* no app holds that many */
    }
    fo_mg_begin(&c, impl, err, "list", app, 0);
    fo_mg_each(&c, C_BCAST, list_q(app, q->search),
               list_opts(q, offset, cap), take, &p);
    if (!c.ok) {
        *n = 0;
    }
    return fo_mg_end(&c, FO_OK);
}

fo_status fo_mg_broadcast_count(void *impl, const char *app,
                                const char *search, int64_t *n,
                                fo_error *err)
{
    mg_call c;

    fo_mg_begin(&c, impl, err, "count", app, 0);
    *n = fo_mg_count(&c, C_BCAST, list_q(app, search));
    return fo_mg_end(&c, FO_OK);
}

/* ---- expiry ------------------------------------------------------------- */

/* The expiry's filter: auto-created, finished, not updated since cutoff. */
static bson_t *expired_q(int64_t cutoff)
{
    return BCON_NEW("autoCreated", BCON_INT32(1), "status",
                    BCON_UTF8(FO_STATUS_FINISHED), "updateTime", "{", "$lte",
                    BCON_INT64(cutoff), "}");
}

static void take_key(mg_call *c, void *arg, const bson_t *doc)
{
    fo_broadcast *b = fo_mg_push(c, arg);

    if (b != NULL) {
        memset(b, 0, sizeof(*b));
        fo_mg_get_str(doc, "app", b->app, sizeof(b->app));
        fo_mg_get_str(doc, "streamId", b->stream_id, sizeof(b->stream_id));
    }
}

/* Finds at most max candidates, oldest first, then deletes each with the
 * whole filter again (a delete is one atomic step: a stream claimed
 * since, or deleted by another origin, is left alone and not counted),
 * and its viewer reports and history after it. */
fo_status fo_mg_broadcast_expire_auto(void *impl, int64_t retention_ms,
                                      size_t max, int64_t *deleted,
                                      fo_error *err)
{
    mg_call c;
    mg_vec keys = { NULL, 0, 0, sizeof(fo_broadcast) };
    int64_t cutoff;

    fo_mg_begin(&c, impl, err, "expire auto", "broadcasts", 1);
    cutoff = c.now - retention_ms;
    fo_mg_each(&c, C_BCAST, expired_q(cutoff),
               BCON_NEW("sort", "{", "updateTime", BCON_INT32(1), "}",
                        "limit", BCON_INT64((int64_t) max), "projection",
                        "{", "app", BCON_INT32(1), "streamId", BCON_INT32(1),
                        "}"), take_key, &keys);
    for (size_t i = 0; c.ok && i < keys.n; i++) {
        const fo_broadcast *b = (const fo_broadcast *) keys.v + i;
        bson_t *q = expired_q(cutoff);

        BCON_APPEND(q, "app", BCON_UTF8(b->app), "streamId",
                    BCON_UTF8(b->stream_id));
        if (fo_mg_del(&c, C_BCAST, q, 0) > 0) {
            fo_mg_del(&c, C_VIEWERS, fo_mg_stream_q(b->app, b->stream_id), 1);
            fo_mg_del(&c, C_SESSIONS, fo_mg_stream_q(b->app, b->stream_id),
                      1);
            (*deleted)++;
        }
    }
    free(keys.v);
    return fo_mg_end(&c, FO_OK);
}

/* ---- layout ------------------------------------------------------------- */

#define BACKFILL_BATCH 500

/* Marks the database's layout: a document of app_settings under a name no
 * application can have (not an id: fo_valid_id refuses '#'). */
#define LAYOUT_APP "#layout"

static void take_doc(mg_call *c, void *arg, const bson_t *doc)
{
    fo_broadcast *b = fo_mg_push(c, arg);

    if (b != NULL) {
        fo_mg_get_fields(doc, fo_mg_bcast_fields, b, sizeof(*b));
    }
}

/* One batch of documents without streamKey get their sort keys; how many
 * there were. */
static size_t backfill_batch(mg_call *c)
{
    mg_vec docs = { NULL, 0, 0, sizeof(fo_broadcast) };
    size_t n;

    fo_mg_each(c, C_BCAST, BCON_NEW("streamKey", "{", "$exists",
                                    BCON_BOOL(false), "}"),
               BCON_NEW("limit", BCON_INT64(BACKFILL_BATCH)), take_doc,
               &docs);
    for (size_t i = 0; c->ok && i < docs.n; i++) {
        const fo_broadcast *b = (const fo_broadcast *) docs.v + i;

        fo_mg_update(c, C_BCAST, fo_mg_stream_q(b->app, b->stream_id),
                     fo_mg_with("$set", fo_mg_bcast_fields, b, F_KEYS), 0);
    }
    n = docs.n;
    free(docs.v);
    return n;
}

void fo_mg_backfill_keys(mg_call *c)
{
    if (fo_mg_find_one(c, C_APPS, BCON_NEW("app", BCON_UTF8(LAYOUT_APP),
                                           "version", BCON_INT32(2)), NULL))
    {
        return;
    }
    while (c->ok && backfill_batch(c) == BACKFILL_BATCH) {
    }
    if (c->ok) {
        fo_mg_update(c, C_APPS, BCON_NEW("app", BCON_UTF8(LAYOUT_APP)),
                     BCON_NEW("$set", "{", "version", BCON_INT32(2), "}"), 1);
    }
}
