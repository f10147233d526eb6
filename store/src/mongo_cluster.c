/*
 * mongo_cluster.c — the mongodb:// backend's leases (collection "leases":
 * name, holder, expiresMs) and alerts (collection "alerts", fo_alert in
 * camelCase, keyed by alertId).  Times are the server's clock.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <mongoc/mongoc.h>

#include "backend.h"
#include "mongo_conn.h"
#include "mongo_doc.h"

#define AFIELD(n, t, f, mk)                                               \
    { n, t, offsetof(fo_alert, f), sizeof(((fo_alert *) 0)->f), mk }

static const mg_field alert_fields[] = {
    AFIELD("alertId", 's', id, F_KEY),
    AFIELD("rule", 's', rule, F_ALL),
    AFIELD("subject", 's', subject, F_ALL),
    AFIELD("value", 'd', value, F_ALL),
    AFIELD("threshold", 'd', threshold, F_ALL),
    AFIELD("startedMs", 'l', started_ms, F_ALL),
    AFIELD("endedMs", 'l', ended_ms, F_ALL),
    AFIELD("message", 's', message, F_ALL),
    { NULL, 0, 0, 0, 0 }
};

/* Two atomic steps: insert the lease if there is none (the unique index
 * on name makes one of two racing inserts lose), else take it over with
 * one update whose filter is "mine or expired". */
fo_status fo_mg_lease_acquire(void *impl, const char *name,
                              const char *holder, int64_t ttl_ms, int *held,
                              fo_error *err)
{
    mg_call c;
    bson_t old = BSON_INITIALIZER;
    int existed;

    fo_mg_begin(&c, impl, err, "lease acquire", name, 1);
    existed = fo_mg_insert_missing(
        &c, C_LEASES, BCON_NEW("name", BCON_UTF8(name)),
        BCON_NEW("$setOnInsert", "{", "holder", BCON_UTF8(holder),
                 "expiresMs", BCON_INT64(c.now + ttl_ms), "}"),
        &old);
    bson_destroy(&old);
    *held = c.ok && !existed;
    if (c.ok && existed) {
        *held = fo_mg_update(
                    &c, C_LEASES,
                    BCON_NEW("name", BCON_UTF8(name), "$or", "[", "{",
                             "holder", BCON_UTF8(holder), "}", "{",
                             "expiresMs", "{", "$lte", BCON_INT64(c.now), "}",
                             "}", "]"),
                    BCON_NEW("$set", "{", "holder", BCON_UTF8(holder),
                             "expiresMs", BCON_INT64(c.now + ttl_ms), "}"),
                    0)
                > 0;
    }
    return fo_mg_end(&c, FO_OK);
}

fo_status fo_mg_lease_release(void *impl, const char *name,
                              const char *holder, fo_error *err)
{
    return fo_mg_delete_call(impl, err, "lease release", name, C_LEASES,
                             BCON_NEW("name", BCON_UTF8(name), "holder",
                                      BCON_UTF8(holder)));
}

static void alert_add(mg_call *c, void *arg, const bson_t *doc)
{
    fo_alert *a = fo_mg_push(c, arg);

    if (a != NULL) {
        fo_mg_get_fields(doc, alert_fields, a, sizeof(*a));
    }
}

/* Active: oldest started first; ended: newest ended first; ties by id,
 * in byte order (the test server sorts strings by locale). */
static int by_started(const void *x, const void *y)
{
    const fo_alert *a = x, *b = y;

    if (a->started_ms != b->started_ms) {
        return a->started_ms < b->started_ms ? -1 : 1;
    }
    return strcmp(a->id, b->id);
}

static int by_ended_desc(const void *x, const void *y)
{
    const fo_alert *a = x, *b = y;

    if (a->ended_ms != b->ended_ms) {
        return a->ended_ms > b->ended_ms ? -1 : 1;
    }
    return -strcmp(a->id, b->id);
}

/* Every alert of one kind, sorted; the caller frees all->v. */
static void load_sorted(mg_call *c, int ended, mg_vec *all)
{
    memset(all, 0, sizeof(*all));
    all->size = sizeof(fo_alert);
    fo_mg_each(c, C_ALERTS,
               ended ? BCON_NEW("endedMs", "{", "$gt", BCON_INT64(0), "}")
                     : BCON_NEW("endedMs", BCON_INT64(0)),
               NULL, alert_add, all);
    if (c->ok && all->n > 1) {
        qsort(all->v, all->n, sizeof(fo_alert),
              ended ? by_ended_desc : by_started);
    }
}

fo_status fo_mg_alert_put(void *impl, const fo_alert *a, fo_error *err)
{
    mg_call c;
    mg_vec ended;

    fo_mg_begin(&c, impl, err, "alert put", a->id, 0);
    fo_mg_update(&c, C_ALERTS, BCON_NEW("alertId", BCON_UTF8(a->id)),
                 fo_mg_with("$set", alert_fields, a, F_BODY), 1);
    if (!c.ok || a->ended_ms == 0) {
        return fo_mg_end(&c, FO_OK);
    }
    load_sorted(&c, 1, &ended);
    for (size_t i = FO_ALERT_KEEP; c.ok && i < ended.n; i++) {
        const fo_alert *old = (const fo_alert *) ended.v + i;

        fo_mg_del(&c, C_ALERTS, BCON_NEW("alertId", BCON_UTF8(old->id)), 0);
    }
    free(ended.v);
    return fo_mg_end(&c, FO_OK);
}

fo_status fo_mg_alert_list(void *impl, int ended, fo_alert *out, size_t cap,
                           size_t *n, fo_error *err)
{
    mg_call c;
    mg_vec all;

    fo_mg_begin(&c, impl, err, "alert list", ended ? "ended" : "active", 0);
    load_sorted(&c, ended, &all);
    for (size_t i = 0; c.ok && i < all.n && *n < cap; i++) {
        out[(*n)++] = ((const fo_alert *) all.v)[i];
    }
    free(all.v);
    return fo_mg_end(&c, FO_OK);
}
