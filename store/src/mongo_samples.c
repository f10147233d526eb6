/*
 * mongo_samples.c — the mongodb:// backend's node samples: collection
 * "node_samples", one document per node and time (nodeId, timeMs, cpu,
 * memPercent, viewers, dbQueryAverageTimeMs; unique on nodeId, timeMs),
 * trimmed by time at each put.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <mongoc/mongoc.h>

#include "backend.h"
#include "mongo_conn.h"
#include "mongo_doc.h"

#define SFIELD(n, t, f, mk)                                               \
    { n, t, offsetof(fo_node_sample, f),                                  \
      sizeof(((fo_node_sample *) 0)->f), mk }

static const mg_field sample_fields[] = {
    SFIELD("nodeId", 's', node_id, F_KEY),
    SFIELD("timeMs", 'l', time_ms, F_KEY),
    SFIELD("cpu", 'd', cpu, F_ALL),
    SFIELD("memPercent", 'd', mem_percent, F_ALL),
    SFIELD("viewers", 'i', viewers, F_ALL),
    SFIELD("dbQueryAverageTimeMs", 'd', db_query_avg_ms, F_ALL),
    { NULL, 0, 0, 0, 0 }
};

static int node_exists(mg_call *c, const char *id)
{
    return fo_mg_count(c, C_NODES, fo_mg_node_q(id)) > 0;
}

/* Check, insert, check again: a delete of the node that ran between the
 * first check and the insert is seen by the second, which takes the
 * sample back (fo_mg_node_delete removes the node before its samples). */
fo_status fo_mg_node_sample_put(void *impl, const fo_node_sample *v,
                                int64_t keep_ms, fo_error *err)
{
    mg_call c;
    fo_node_sample rec = *v;

    fo_mg_begin(&c, impl, err, "node sample put", v->node_id, 1);
    if (c.ok && !node_exists(&c, v->node_id)) {
        return fo_mg_end(&c, FO_NOT_FOUND);
    }
    rec.time_ms = c.now;
    fo_mg_update(&c, C_SAMPLES,
                 BCON_NEW("nodeId", BCON_UTF8(v->node_id), "timeMs",
                          BCON_INT64(c.now)),
                 fo_mg_with("$set", sample_fields, &rec, F_BODY), 1);
    if (c.ok && !node_exists(&c, v->node_id)) {
        fo_mg_del(&c, C_SAMPLES, BCON_NEW("nodeId", BCON_UTF8(v->node_id)), 1);
        return fo_mg_end(&c, FO_NOT_FOUND);
    }
    fo_mg_del(&c, C_SAMPLES,
              BCON_NEW("timeMs", "{", "$lt", BCON_INT64(c.now - keep_ms), "}"),
              1);
    return fo_mg_end(&c, FO_OK);
}

static void sample_add(mg_call *c, void *arg, const bson_t *doc)
{
    fo_node_sample *v = fo_mg_push(c, arg);

    if (v != NULL) {
        fo_mg_get_fields(doc, sample_fields, v, sizeof(*v));
    }
}

/* Node id in byte order (the test server sorts strings by locale), then
 * time. */
static int by_node_time(const void *x, const void *y)
{
    const fo_node_sample *a = x, *b = y;
    int d = strcmp(a->node_id, b->node_id);

    if (d != 0) {
        return d;
    }
    return a->time_ms < b->time_ms ? -1 : a->time_ms > b->time_ms;
}

fo_status fo_mg_node_samples(void *impl, const char *node_id,
                             int64_t since_ms, fo_node_sample *out,
                             size_t cap, size_t *n, fo_error *err)
{
    mg_call c;
    mg_vec all;
    bson_t *q = node_id != NULL
                    ? BCON_NEW("nodeId", BCON_UTF8(node_id), "timeMs", "{",
                               "$gte", BCON_INT64(since_ms), "}")
                    : BCON_NEW("timeMs", "{", "$gte", BCON_INT64(since_ms),
                               "}");

    memset(&all, 0, sizeof(all));
    all.size = sizeof(fo_node_sample);
    fo_mg_begin(&c, impl, err, "node samples", node_id ? node_id : "*", 0);
    fo_mg_each(&c, C_SAMPLES, q, NULL, sample_add, &all);
    if (c.ok && all.n > 1) {
        qsort(all.v, all.n, sizeof(fo_node_sample), by_node_time);
    }
    for (size_t i = 0; c.ok && i < all.n && *n < cap; i++) {
        out[(*n)++] = ((const fo_node_sample *) all.v)[i];
    }
    free(all.v);
    return fo_mg_end(&c, FO_OK);
}
