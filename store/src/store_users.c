/*
 * store_users.c — the generic layer of the console users: validation,
 * then the backend's op (store_internal.h).
 */
#include "store_internal.h"

int fo_valid_email(const char *email)
{
    size_t n;

    if (email == NULL) {
        return 0;
    }
    n = strnlen(email, FO_EMAIL_MAX);
    if (n == 0 || n == FO_EMAIL_MAX) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = email[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '@'
              || c == '+' || c == '-'))
        {
            return 0;
        }
    }
    return 1;
}

static fo_status check_email(const char *op, const char *email,
                             fo_error *err)
{
    return fo_valid_email(email) ? FO_OK
                                 : fo_store_bad(err, op, "email");
}

fo_status fo_user_create(fo_store *s, const fo_user *u, fo_error *err)
{
    fo_status rc = check_email("user create", u->email, err);

    if (rc != FO_OK) {
        return rc;
    }
    /* A hash, not a password: libsodium's strings start "$argon2". */
    if (!TERMINATED(u->password_hash)
        || strncmp(u->password_hash, "$argon2", 7) != 0)
    {
        return fo_store_bad(err, "user create", "password hash");
    }
    if (!TERMINATED(u->user_type) || !fo_valid_id(u->user_type, 32)) {
        return fo_store_bad(err, "user create", "user type");
    }
    CALL(s, user_create, u, err);
}

fo_status fo_user_get(fo_store *s, const char *email, fo_user *out,
                      fo_error *err)
{
    CHECKED_CALL(s, check_email("user get", email, err), user_get, email,
                 out, err);
}

fo_status fo_user_count(fo_store *s, int64_t *count, fo_error *err)
{
    CALL(s, user_count, count, err);
}

fo_status fo_user_revoke(fo_store *s, const char *email, int64_t *at_ms,
                         fo_error *err)
{
    int64_t ignored;

    CHECKED_CALL(s, check_email("user revoke", email, err), user_revoke,
                 email, at_ms != NULL ? at_ms : &ignored, err);
}

/* ---- failed logins -------------------------------------------------- */

#define LOGIN_WINDOW_MAX 86400000

static fo_status check_login_key(const char *op, const char *key,
                                 fo_error *err)
{
    size_t n = key != NULL ? strnlen(key, FO_LOGIN_KEY_MAX) : 0;

    if (n == 0 || n == FO_LOGIN_KEY_MAX) {
        return fo_store_bad(err, op, "login key");
    }
    for (size_t i = 0; i < n; i++) {
        if (key[i] <= ' ' || key[i] > '~') {
            return fo_store_bad(err, op, "login key");
        }
    }
    return FO_OK;
}

fo_status fo_login_failure_add(fo_store *s, const char *key,
                               int64_t window_ms, int64_t *failures,
                               int64_t *retry_ms, fo_error *err)
{
    fo_status rc = check_login_key("login failure add", key, err);

    *failures = 0;
    *retry_ms = 0;
    if (rc == FO_OK && (window_ms < 1 || window_ms > LOGIN_WINDOW_MAX)) {
        rc = fo_store_bad(err, "login failure add", "window (1 ms to 1 day)");
    }
    if (rc != FO_OK) {
        return rc;
    }
    CALL(s, login_failure_add, key, window_ms, failures, retry_ms, err);
}

fo_status fo_login_failures_get(fo_store *s, const char *key,
                                int64_t *failures, int64_t *retry_ms,
                                fo_error *err)
{
    *failures = 0;
    *retry_ms = 0;
    CHECKED_CALL(s, check_login_key("login failures get", key, err),
                 login_failures_get, key, failures, retry_ms, err);
}

fo_status fo_login_failures_clear(fo_store *s, const char *key,
                                  fo_error *err)
{
    CHECKED_CALL(s, check_login_key("login failures clear", key, err),
                 login_failures_clear, key, err);
}
