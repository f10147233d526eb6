/*
 * mongo_broadcast.c — the mongodb:// backend's broadcasts: create, read,
 * update, delete, list and count them, and the viewer reports whose sums
 * they carry (see mongo.c for how writes stay atomic).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mongoc/mongoc.h>

#include "backend.h"
#include "mongo_conn.h"
#include "mongo_doc.h"

#define VIEWER_TRIES 3

/* ---- broadcasts --------------------------------------------------------- */

fo_status fo_mg_broadcast_create(void *impl, const fo_broadcast *b,
                                 fo_error *err)
{
    mg_call c;
    fo_broadcast x = *b;
    bson_t old = BSON_INITIALIZER;
    char key[MG_KEY_MAX];
    int exists;

    fo_mg_begin(&c, impl, err, "create",
                fo_mg_skey(key, b->app, b->stream_id), 1);
    x.date = x.update_time = c.now;
    exists = fo_mg_insert_missing(&c, C_BCAST,
                                  fo_mg_stream_q(b->app, b->stream_id),
                                  fo_mg_with("$setOnInsert",
                                             fo_mg_bcast_fields, &x, F_BODY),
                                  &old);
    bson_destroy(&old);
    if (c.ok && exists) {
        return fo_err(err, FO_CONFLICT, "mongodb: create %s: exists", key);
    }
    return fo_mg_end(&c, FO_OK);
}

fo_status fo_mg_broadcast_get(void *impl, const char *app,
                              const char *stream_id, fo_broadcast *out,
                              fo_error *err)
{
    mg_call c;
    char key[MG_KEY_MAX];
    int found;

    fo_mg_begin(&c, impl, err, "get", fo_mg_skey(key, app, stream_id), 0);
    found = fo_mg_find_record(&c, C_BCAST, fo_mg_stream_q(app, stream_id),
                              fo_mg_bcast_fields, out, sizeof(*out));
    return fo_mg_end(&c, found ? FO_OK : FO_NOT_FOUND);
}

fo_status fo_mg_broadcast_update(void *impl, const fo_broadcast *b,
                                 unsigned mask, fo_error *err)
{
    mg_call c;
    fo_broadcast x = *b;
    char key[MG_KEY_MAX];
    int64_t n;

    fo_mg_begin(&c, impl, err, "update",
                fo_mg_skey(key, b->app, b->stream_id), 1);
    x.update_time = c.now;
    n = fo_mg_update(&c, C_BCAST, fo_mg_stream_q(b->app, b->stream_id),
                     fo_mg_with("$set", fo_mg_bcast_fields, &x,
                                (mask & 0xffff) | F_UPDATE), 0);
    return fo_mg_end(&c, n > 0 ? FO_OK : FO_NOT_FOUND);
}

fo_status fo_mg_broadcast_delete(void *impl, const char *app,
                                 const char *stream_id, fo_error *err)
{
    mg_call c;
    char key[MG_KEY_MAX];
    int64_t n;

    fo_mg_begin(&c, impl, err, "delete", fo_mg_skey(key, app, stream_id), 0);
    n = fo_mg_del(&c, C_BCAST, fo_mg_stream_q(app, stream_id), 0);
    if (n > 0) {
        fo_mg_del(&c, C_VIEWERS, fo_mg_stream_q(app, stream_id), 1);
        fo_mg_del(&c, C_SESSIONS, fo_mg_stream_q(app, stream_id), 1);
    }
    return fo_mg_end(&c, n > 0 ? FO_OK : FO_NOT_FOUND);
}

/* list and count: mongo_list.c */

fo_status fo_mg_broadcast_count_active(void *impl, const char *app,
                                       int64_t *n, fo_error *err)
{
    mg_call c;

    fo_mg_begin(&c, impl, err, "count active", app, 0);
    *n = fo_mg_count(&c, C_BCAST, BCON_NEW("app", BCON_UTF8(app), "status",
                                           BCON_UTF8(FO_STATUS_BROADCASTING)));
    return fo_mg_end(&c, FO_OK);
}

/* ---- viewers ------------------------------------------------------------ */

static void sum_add(mg_call *c, void *arg, const bson_t *doc)
{
    int64_t *sum = arg;

    (void) c;
    sum[0] += fo_mg_num(doc, "hlsViewerCount");
    sum[1] += fo_mg_num(doc, "dashViewerCount");
}

static void fresh_sum(mg_call *c, const char *app, const char *stream_id,
                      int64_t sum[2])
{
    sum[0] = sum[1] = 0;
    fo_mg_each(c, C_VIEWERS,
               BCON_NEW("app", BCON_UTF8(app), "streamId",
                        BCON_UTF8(stream_id), "updated", "{", "$gte",
                        BCON_INT64(c->now - c->m->conf.dead_after_ms), "}"),
               NULL, sum_add, sum);
}

/* Two reports may sum at once and write in the other order; whoever
 * wrote last re-reads the rows and writes again until the sums it wrote
 * are the current ones. */
fo_status fo_mg_viewers_report(void *impl, const char *node_id,
                               const char *app, const char *stream_id,
                               int64_t hls, int64_t dash, fo_error *err)
{
    mg_call c;
    char key[MG_KEY_MAX];
    int64_t sum[2], again[2];

    fo_mg_begin(&c, impl, err, "viewers",
                fo_mg_skey(key, app, stream_id), 1);
    if (!fo_mg_find_one(&c, C_BCAST, fo_mg_stream_q(app, stream_id), NULL)) {
        return fo_mg_end(&c, FO_NOT_FOUND);
    }
    fo_mg_update(&c, C_VIEWERS, BCON_NEW("app", BCON_UTF8(app), "streamId",
                                         BCON_UTF8(stream_id), "nodeId",
                                         BCON_UTF8(node_id)),
                 BCON_NEW("$set", "{", "hlsViewerCount", BCON_INT64(hls),
                          "dashViewerCount", BCON_INT64(dash), "updated",
                          BCON_INT64(c.now), "}"), 1);
    fresh_sum(&c, app, stream_id, sum);
    for (int i = 0; c.ok && i < VIEWER_TRIES; i++) {
        if (!fo_mg_update(&c, C_BCAST, fo_mg_stream_q(app, stream_id),
                          BCON_NEW("$set", "{", "hlsViewerCount",
                                   BCON_INT64(sum[0]), "dashViewerCount",
                                   BCON_INT64(sum[1]), "}"), 0))
        {
            /* deleted meanwhile: its reports go with it */
            fo_mg_del(&c, C_VIEWERS, fo_mg_stream_q(app, stream_id), 1);
            return fo_mg_end(&c, FO_NOT_FOUND);
        }
        fresh_sum(&c, app, stream_id, again);
        if (again[0] == sum[0] && again[1] == sum[1]) {
            break;
        }
        memcpy(sum, again, sizeof(sum));
    }
    return fo_mg_end(&c, FO_OK);
}
