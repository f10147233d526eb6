/*
 * mongo_users.c — the mongodb:// backend's console users: collection
 * "users", one document per email (unique index), Ant Media's field
 * names where it has them (email, userType).  Messages name the user,
 * never the hash.
 */
#include <string.h>

#include "backend.h"
#include "mongo_conn.h"

fo_status fo_mg_user_create(void *impl, const fo_user *u, fo_error *err)
{
    mg_call c;
    bson_t old = BSON_INITIALIZER;
    int exists;

    fo_mg_begin(&c, impl, err, "user create", u->email, 1);
    exists = fo_mg_insert_missing(
        &c, C_USERS, BCON_NEW("email", BCON_UTF8(u->email)),
        BCON_NEW("$setOnInsert", "{", "passwordHash",
                 BCON_UTF8(u->password_hash), "userType",
                 BCON_UTF8(u->user_type), "createdMs", BCON_INT64(c.now),
                 "revokedMs", BCON_INT64(0), "}"),
        &old);
    bson_destroy(&old);
    if (c.ok && exists) {
        return fo_err(err, FO_CONFLICT, "mongodb: user create %s: exists",
                      u->email);
    }
    return fo_mg_end(&c, FO_OK);
}

static void read_text(const bson_t *d, const char *key, char *out,
                      size_t cap)
{
    bson_iter_t it;

    if (bson_iter_init_find(&it, d, key) && BSON_ITER_HOLDS_UTF8(&it)) {
        fo_strlcpy(out, bson_iter_utf8(&it, NULL), cap);
    }
}

static int64_t read_int(const bson_t *d, const char *key)
{
    bson_iter_t it;

    if (bson_iter_init_find(&it, d, key) && BSON_ITER_HOLDS_NUMBER(&it)) {
        return bson_iter_as_int64(&it);
    }
    return 0;
}

fo_status fo_mg_user_get(void *impl, const char *email, fo_user *out,
                         fo_error *err)
{
    mg_call c;
    bson_t d = BSON_INITIALIZER;
    int found;

    fo_mg_begin(&c, impl, err, "user get", email, 0);
    found = fo_mg_find_one(&c, C_USERS, BCON_NEW("email", BCON_UTF8(email)),
                           &d);
    if (found) {
        memset(out, 0, sizeof *out);
        fo_strlcpy(out->email, email, sizeof out->email);
        read_text(&d, "passwordHash", out->password_hash,
                  sizeof out->password_hash);
        read_text(&d, "userType", out->user_type, sizeof out->user_type);
        out->created_ms = read_int(&d, "createdMs");
        out->revoked_ms = read_int(&d, "revokedMs");
    }
    bson_destroy(&d);
    return fo_mg_end(&c, found ? FO_OK : FO_NOT_FOUND);
}

fo_status fo_mg_user_count(void *impl, int64_t *count, fo_error *err)
{
    mg_call c;

    fo_mg_begin(&c, impl, err, "user count", "", 0);
    *count = fo_mg_count(&c, C_USERS, bson_new());
    return fo_mg_end(&c, FO_OK);
}

fo_status fo_mg_user_revoke(void *impl, const char *email, int64_t *at_ms,
                            fo_error *err)
{
    mg_call c;
    int64_t matched;

    fo_mg_begin(&c, impl, err, "user revoke", email, 1);
    matched = fo_mg_update(&c, C_USERS, BCON_NEW("email", BCON_UTF8(email)),
                           BCON_NEW("$set", "{", "revokedMs",
                                    BCON_INT64(c.now), "}"),
                           0);
    if (c.ok && matched == 0) {
        return fo_mg_end(&c, FO_NOT_FOUND);
    }
    *at_ms = c.now;
    return fo_mg_end(&c, FO_OK);
}

/* ---- failed logins: collection login_failures, {key, failures,
 * windowEnd} (ms, the server's clock) ----------------------------------- */

/* key's open window at c->now into failures and retry_ms (0, 0: none). */
static void window_of(mg_call *c, const char *key, int64_t *failures,
                      int64_t *retry_ms)
{
    bson_t doc = BSON_INITIALIZER;

    if (fo_mg_find_one(c, C_LOGINS,
                       BCON_NEW("key", BCON_UTF8(key), "windowEnd", "{",
                                "$gt", BCON_INT64(c->now), "}"),
                       &doc)) {
        *failures = fo_mg_num(&doc, "failures");
        *retry_ms = fo_mg_num(&doc, "windowEnd") - c->now;
    }
    bson_destroy(&doc);
}

/* Ended windows go first (key's own among them), so the upsert counts in
 * an open window or opens a new one. */
fo_status fo_mg_login_failure_add(void *impl, const char *key,
                                  int64_t window_ms, int64_t *failures,
                                  int64_t *retry_ms, fo_error *err)
{
    mg_call c;

    fo_mg_begin(&c, impl, err, "login failure add", key, 1);
    fo_mg_del(&c, C_LOGINS,
              BCON_NEW("windowEnd", "{", "$lte", BCON_INT64(c.now), "}"), 1);
    fo_mg_update(&c, C_LOGINS, BCON_NEW("key", BCON_UTF8(key)),
                 BCON_NEW("$inc", "{", "failures", BCON_INT64(1), "}",
                          "$setOnInsert", "{", "windowEnd",
                          BCON_INT64(c.now + window_ms), "}"),
                 1);
    window_of(&c, key, failures, retry_ms);
    return fo_mg_end(&c, FO_OK);
}

fo_status fo_mg_login_failures_get(void *impl, const char *key,
                                   int64_t *failures, int64_t *retry_ms,
                                   fo_error *err)
{
    mg_call c;

    fo_mg_begin(&c, impl, err, "login failures get", key, 1);
    window_of(&c, key, failures, retry_ms);
    return fo_mg_end(&c, FO_OK);
}

fo_status fo_mg_login_failures_clear(void *impl, const char *key,
                                     fo_error *err)
{
    mg_call c;

    fo_mg_begin(&c, impl, err, "login failures clear", key, 0);
    fo_mg_del(&c, C_LOGINS, BCON_NEW("key", BCON_UTF8(key)), 0);
    return fo_mg_end(&c, FO_OK);
}
