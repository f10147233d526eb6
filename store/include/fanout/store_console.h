/*
 * fanout/store_console.h — the web console's part of the cluster store:
 * its users (Ant Media's User) and their failed logins, counted for the
 * whole cluster.  Included by fanout/store.h (the handle, statuses and
 * errors are its).
 */
#ifndef FANOUT_STORE_CONSOLE_H
#define FANOUT_STORE_CONSOLE_H

#include "fanout/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- console users (Ant Media's User) -------------------------------- */

#define FO_EMAIL_MAX   128  /* a user's email (Ant Media's login name) */
#define FO_PWHASH_MAX  128  /* libsodium's crypto_pwhash_STRBYTES */

typedef struct {
    char email[FO_EMAIL_MAX];       /* the key: see fo_valid_email */
    char password_hash[FO_PWHASH_MAX]; /* an argon2id string ("$argon2id$..."),
                                       never a password */
    char user_type[32];             /* Ant Media's userType: "ADMIN", ... */
    int64_t created_ms;             /* set by the store */
    int64_t revoked_ms;             /* sessions issued at or before this
                                       (store clock) are void; 0: none */
} fo_user;

/* Stores a new user (created_ms := now, revoked_ms := 0).  FO_CONFLICT
 * when a user with that email exists: never overwrites. */
fo_status fo_user_create(fo_store *s, const fo_user *u, fo_error *err);

fo_status fo_user_get(fo_store *s, const char *email, fo_user *out,
                      fo_error *err);

fo_status fo_user_count(fo_store *s, int64_t *count, fo_error *err);

/* Voids the user's sessions issued so far (logout): revoked_ms := now on
 * the store's clock, written to *at_ms when not NULL.  FO_NOT_FOUND when
 * there is no such user. */
fo_status fo_user_revoke(fo_store *s, const char *email, int64_t *at_ms,
                         fo_error *err);

/* ---- failed console logins, counted for the whole cluster ------------ */

/* A key: "addr:<client address>" or "user:<email>", 1 to
 * FO_LOGIN_KEY_MAX - 1 printable ASCII characters without blanks. */
#define FO_LOGIN_KEY_MAX 160

/* Counts one failed login against key: in its open window, else in a new
 * window of window_ms (1 ms to 1 day) from now, on the store's clock.
 * *failures: the window's count after this one; *retry_ms: ms until the
 * window ends.  Bounded: a window's record expires with it (Redis: the
 * key's TTL; SQLite and MongoDB delete ended windows on each add). */
fo_status fo_login_failure_add(fo_store *s, const char *key,
                               int64_t window_ms, int64_t *failures,
                               int64_t *retry_ms, fo_error *err);

/* The failures counted against key in its open window, and ms until it
 * ends; 0 and 0 when no window is open. */
fo_status fo_login_failures_get(fo_store *s, const char *key,
                                int64_t *failures, int64_t *retry_ms,
                                fo_error *err);

/* Forgets key's window (a successful login).  FO_OK when there was none. */
fo_status fo_login_failures_clear(fo_store *s, const char *key,
                                  fo_error *err);

/* 1 when email is 1..FO_EMAIL_MAX-1 bytes of [A-Za-z0-9_.@+-]: it can
 * stand in a Redis key or a Mongo _id unescaped. */
int fo_valid_email(const char *email);

#ifdef __cplusplus
}
#endif

#endif /* FANOUT_STORE_CONSOLE_H */
