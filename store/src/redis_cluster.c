/*
 * redis_cluster.c — the redis:// backend's leases and alerts (key layout
 * in redis_lua.h): each operation one script, so each is atomic.
 */
#include <stddef.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "backend.h"
#include "redis_conn.h"
#include "redis_fields.h"
#include "redis_lua.h"

#define A_STR(f) { #f, T_STR, offsetof(fo_alert, f), \
                   sizeof(((fo_alert *)0)->f), RD_ALL }
#define A_NUM(f, t) { #f, t, offsetof(fo_alert, f), 0, RD_ALL }

static const rd_field alert_fields[] = {
    A_STR(id),
    A_STR(rule),
    A_STR(subject),
    A_NUM(value, T_DBL),
    A_NUM(threshold, T_DBL),
    A_NUM(started_ms, T_I64),
    A_NUM(ended_ms, T_I64),
    A_STR(message),
    { NULL, 0, 0, 0, 0 }
};

fo_status fo_rd_lease_acquire(void *impl, const char *name,
                              const char *holder, int64_t ttl_ms, int *held,
                              fo_error *err)
{
    rd *r = impl;
    rd_args a;
    int64_t v = 0;
    fo_status rc;

    fo_rd_op(r, "lease_acquire %s", name);
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:lease:%s", name);
    fo_rd_args_str(&a, holder);
    fo_rd_args_num(&a, "%lld", (long long) ttl_ms);
    rc = fo_rd_eval_integer(r, RS_LEASE, &a, &v, err);
    *held = rc == FO_OK && v == 1;
    return rc;
}

fo_status fo_rd_lease_release(void *impl, const char *name,
                              const char *holder, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "lease_release %s", name);
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:lease:%s", name);
    fo_rd_args_str(&a, holder);
    return fo_rd_decide(r, RS_LEASE_RELEASE, &a, "", err);
}

fo_status fo_rd_alert_put(void *impl, const fo_alert *al, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "alert_put %s", al->id);
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:alert:%s", al->id);
    fo_rd_args_key(&a, "fo:alerts:active");
    fo_rd_args_key(&a, "fo:alerts:ended");
    fo_rd_args_str(&a, al->id);
    fo_rd_args_num(&a, "%lld", (long long) al->started_ms);
    fo_rd_args_num(&a, "%lld", (long long) al->ended_ms);
    fo_rd_args_num(&a, "%d", FO_ALERT_KEEP);
    fo_rd_args_fields(&a, alert_fields, al, RD_ALL);
    return fo_rd_decide(r, RS_ALERT_PUT, &a, "", err);
}

fo_status fo_rd_alert_list(void *impl, int ended, fo_alert *out, size_t cap,
                           size_t *n, fo_error *err)
{
    rd *r = impl;
    rd_args a;
    redisReply *rep;
    fo_status rc;

    fo_rd_op(r, "alert_list %s", ended ? "ended" : "active");
    if (cap == 0)
        return FO_OK;
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, ended ? "fo:alerts:ended" : "fo:alerts:active");
    fo_rd_args_num(&a, "%zu", cap > 100000 ? (size_t) 99999 : cap - 1);
    fo_rd_args_str(&a, ended ? "1" : "0");
    rc = fo_rd_eval(r, RS_ALERT_LIST, &a, &rep, err);
    if (rc != FO_OK)
        return rc;
    if (rep->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(rep);
        return fo_rd_fail(r, err, FO_ERR, "unexpected reply");
    }
    for (size_t i = 0; i < rep->elements && *n < cap; i++) {
        const redisReply *h = rep->element[i];

        if (h->type != REDIS_REPLY_ARRAY || h->elements == 0)
            continue;
        memset(&out[*n], 0, sizeof out[*n]);
        fo_rd_decode(alert_fields, &out[*n], h);
        (*n)++;
    }
    freeReplyObject(rep);
    return FO_OK;
}
