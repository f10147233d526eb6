/*
 * redis_users.c — the redis:// backend's console users (fo:user:<email>
 * and fo:users, redis_lua.h).  Messages name the user, never the hash.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "redis_conn.h"

fo_status fo_rd_user_create(void *impl, const fo_user *u, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "user_create %s", u->email);
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:user:%s", u->email);
    fo_rd_args_key(&a, "fo:users");
    fo_rd_args_str(&a, u->email);
    fo_rd_args_str(&a, u->password_hash);
    fo_rd_args_str(&a, u->user_type);
    return fo_rd_decide(r, RS_USER_CREATE, &a, "exists", err);
}

static int64_t field_int(const redisReply *e)
{
    return e->type == REDIS_REPLY_STRING ? strtoll(e->str, NULL, 10) : 0;
}

fo_status fo_rd_user_get(void *impl, const char *email, fo_user *out,
                         fo_error *err)
{
    rd *r = impl;
    rd_args a;
    redisReply *rep;
    redisReply **e;
    fo_status rc;

    fo_rd_op(r, "user_get %s", email);
    fo_rd_args_init(&a, 0);
    fo_rd_args_str(&a, "HMGET");
    fo_rd_args_key(&a, "fo:user:%s", email);
    fo_rd_args_str(&a, "password_hash");
    fo_rd_args_str(&a, "user_type");
    fo_rd_args_str(&a, "created_ms");
    fo_rd_args_str(&a, "revoked_ms");
    rc = fo_rd_check(r, fo_rd_send(r, &a, &rep, err), &rep, err);
    if (rc != FO_OK)
        return rc;
    e = rep->element;
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 4) {
        rc = fo_rd_fail(r, err, FO_ERR, "unexpected reply");
    } else if (e[0]->type != REDIS_REPLY_STRING) {
        rc = fo_rd_fail(r, err, FO_NOT_FOUND, "not found");
    } else {
        memset(out, 0, sizeof *out);
        fo_strlcpy(out->email, email, sizeof out->email);
        fo_strlcpy(out->password_hash, e[0]->str, sizeof out->password_hash);
        if (e[1]->type == REDIS_REPLY_STRING)
            fo_strlcpy(out->user_type, e[1]->str, sizeof out->user_type);
        out->created_ms = field_int(e[2]);
        out->revoked_ms = field_int(e[3]);
    }
    freeReplyObject(rep);
    return rc;
}

fo_status fo_rd_user_count(void *impl, int64_t *count, fo_error *err)
{
    rd *r = impl;
    redisReply *rep;
    fo_status rc;

    fo_rd_op(r, "user_count");
    rc = fo_rd_cmd(r, &rep, err, "SCARD", "fo:users");
    return fo_rd_integer(r, rc, rep, count, err);
}

fo_status fo_rd_user_revoke(void *impl, const char *email, int64_t *at_ms,
                            fo_error *err)
{
    rd *r = impl;
    rd_args a;
    int64_t v = 0;
    fo_status rc;

    fo_rd_op(r, "user_revoke %s", email);
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:user:%s", email);
    rc = fo_rd_eval_integer(r, RS_USER_REVOKE, &a, &v, err);
    if (rc == FO_OK && v < 0)
        return fo_rd_fail(r, err, FO_NOT_FOUND, "not found");
    if (rc == FO_OK)
        *at_ms = v;
    return rc;
}

/* ---- failed logins: fo:login:<key>, a counter that expires with its
 * window (RS_LOGIN_ADD, RS_LOGIN_GET) ---------------------------------- */

static fo_status login_script(rd *r, int script, const char *key,
                              int64_t window_ms, int64_t *failures,
                              int64_t *retry_ms, fo_error *err)
{
    rd_args a;
    redisReply *rep;
    fo_status rc;

    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:login:%s", key);
    if (script == RS_LOGIN_ADD) {
        fo_rd_args_num(&a, "%" PRId64, window_ms);
    }
    rc = fo_rd_eval(r, script, &a, &rep, err);
    if (rc != FO_OK) {
        return rc;
    }
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2
        || rep->element[0]->type != REDIS_REPLY_INTEGER
        || rep->element[1]->type != REDIS_REPLY_INTEGER) {
        rc = fo_rd_fail(r, err, FO_ERR, "unexpected reply");
    } else {
        *failures = rep->element[0]->integer;
        *retry_ms = rep->element[1]->integer;
    }
    freeReplyObject(rep);
    return rc;
}

fo_status fo_rd_login_failure_add(void *impl, const char *key,
                                  int64_t window_ms, int64_t *failures,
                                  int64_t *retry_ms, fo_error *err)
{
    fo_rd_op(impl, "login_failure_add %s", key);
    return login_script(impl, RS_LOGIN_ADD, key, window_ms, failures,
                        retry_ms, err);
}

fo_status fo_rd_login_failures_get(void *impl, const char *key,
                                   int64_t *failures, int64_t *retry_ms,
                                   fo_error *err)
{
    fo_rd_op(impl, "login_failures_get %s", key);
    return login_script(impl, RS_LOGIN_GET, key, 0, failures, retry_ms,
                        err);
}

fo_status fo_rd_login_failures_clear(void *impl, const char *key,
                                     fo_error *err)
{
    rd *r = impl;
    redisReply *rep;
    fo_status rc;

    fo_rd_op(r, "login_failures_clear %s", key);
    rc = fo_rd_cmd(r, &rep, err, "DEL", "fo:login:%s", key);
    if (rc == FO_OK) {
        freeReplyObject(rep);
    }
    return rc;
}
