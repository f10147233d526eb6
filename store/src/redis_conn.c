/*
 * redis_conn.c — the redis:// backend's connection (see redis_conn.h):
 * connect, AUTH and SELECT, reconnect, the SIGPIPE guard, argument
 * building, EVALSHA with EVAL as the fallback, and error mapping.
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "backend.h"
#include "redis_conn.h"

/* ---- command arguments ------------------------------------------------ */

void fo_rd_args_init(rd_args *a, int reserve)
{
    a->argc = reserve;
    a->nkeys = 0;
    a->overflow = 0;
}

void fo_rd_args_str(rd_args *a, const char *s)
{
    if (a->argc == RD_ARGS_MAX) {
        a->overflow = 1;
        return;
    }
    a->argv[a->argc] = s;
    a->len[a->argc] = strlen(s);
    a->argc++;
}

/* fo_rd_args_fmt with a va_list. */
static void args_vfmt(rd_args *a, int key, const char *fmt, va_list ap)
{
    char *buf;
    size_t cap;

    if (key ? a->nkeys == RD_KEYS_MAX : a->argc == RD_ARGS_MAX) {
        a->overflow = 1;
        return;
    }
    if (key) {
        buf = a->key[a->nkeys++];
        cap = RD_KEY_MAX;
    } else {
        buf = a->num[a->argc];
        cap = sizeof a->num[0];
    }
    vsnprintf(buf, cap, fmt, ap);
    fo_rd_args_str(a, buf);
}

void fo_rd_args_fmt(rd_args *a, int key, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    args_vfmt(a, key, fmt, ap);
    va_end(ap);
}

/* ---- connection ------------------------------------------------------- */

/* Names the call for the error messages it may produce. */
void fo_rd_op(rd *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(r->op, sizeof r->op, fmt, ap);
    va_end(ap);
}

fo_status fo_rd_fail(const rd *r, fo_error *err, fo_status code,
                     const char *reason)
{
    return fo_err(err, code, "redis: %s: %s (%s:%d)", r->op, reason, r->host,
                  r->port);
}

/* Fails with why c broke.  Call it right after the failed hiredis call:
 * errno tells a timeout apart. */
static fo_status rd_fail_ctx(const rd *r, fo_error *err,
                             const redisContext *c)
{
    char why[160];

    if (c->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK))
        snprintf(why, sizeof why, "timed out after %d ms", r->timeout_ms);
    else
        fo_strlcpy(why, c->errstr, sizeof why);
    /* hiredis says "Connection refused", our messages "connection
     * refused". */
    if (isupper((unsigned char)why[0]) && islower((unsigned char)why[1]))
        why[0] = (char)tolower((unsigned char)why[0]);
    return fo_rd_fail(r, err, FO_ERR, why);
}

/* Frees the broken context so that the next call reconnects. */
fo_status fo_rd_drop(rd *r, fo_error *err)
{
    fo_status rc = rd_fail_ctx(r, err, r->c);

    redisFree(r->c);
    r->c = NULL;
    return rc;
}

/* hiredis writes with write(2): a reset peer would raise SIGPIPE and kill
 * a process that does not ignore it.  Block it around our I/O and swallow
 * one we caused, as libpq does. */
int fo_rd_sigpipe_block(sigset_t *old)
{
    sigset_t set, pending;

    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, old);
    sigemptyset(&pending);
    sigpending(&pending);
    return sigismember(&pending, SIGPIPE) == 1;
}

void fo_rd_sigpipe_restore(const sigset_t *old, int was_pending)
{
    sigset_t set, pending;
    struct timespec zero = { 0, 0 };

    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigemptyset(&pending);
    sigpending(&pending);
    if (!was_pending && sigismember(&pending, SIGPIPE) == 1)
        while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR)
            ;
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* Sends one setup command on the new context c; an error reply fails. */
static fo_status rd_setup(const rd *r, redisContext *c, int argc,
                          const char **argv, fo_error *err)
{
    redisReply *rep = redisCommandArgv(c, argc, argv, NULL);
    fo_status rc = FO_OK;

    if (rep == NULL)
        return rd_fail_ctx(r, err, c);
    if (rep->type == REDIS_REPLY_ERROR)
        rc = fo_rd_fail(r, err, FO_ERR, rep->str);
    freeReplyObject(rep);
    return rc;
}

/* Connects, authenticates and selects the database.  An ACL user (Redis
 * 6+) logs in with AUTH user password; without one, AUTH password logs in
 * the default user, the only form Redis 5 knows. */
static fo_status rd_connect(rd *r, fo_error *err)
{
    const char *auth_user[3] = { "AUTH", r->user, r->password };
    const char *auth[2] = { "AUTH", r->password };
    const char *select_db[2] = { "SELECT", r->db };
    redisContext *c;
    fo_status rc = FO_OK;

    c = redisConnectWithTimeout(r->host, r->port, r->connect_tv);
    if (c == NULL)
        return fo_rd_fail(r, err, FO_ERR, "out of memory");
    if (c->err || redisSetTimeout(c, r->tv) != REDIS_OK) {
        rc = rd_fail_ctx(r, err, c);
        goto fail;
    }
    if (r->user[0] != '\0')
        rc = rd_setup(r, c, 3, auth_user, err);
    else if (r->password[0] != '\0')
        rc = rd_setup(r, c, 2, auth, err);
    if (rc == FO_OK && r->db[0] != '\0')
        rc = rd_setup(r, c, 2, select_db, err);
    if (rc != FO_OK)
        goto fail;
    r->c = c;
    return FO_OK;

fail:
    redisFree(c);
    return rc;
}

/* Nothing may be readable on an idle connection.  If something is (EOF
 * from a restarted server, or an error it sent before closing), reconnect
 * before sending rather than fail the call. */
static fo_status rd_ready(rd *r, fo_error *err)
{
    struct pollfd p;

    if (r->c != NULL) {
        p.fd = r->c->fd;
        p.events = POLLIN;
        p.revents = 0;
        if (poll(&p, 1, 0) == 0)
            return FO_OK;
        redisFree(r->c);
        r->c = NULL;
    }
    return rd_connect(r, err);
}

/* Sends a; *out is the reply, error replies included. */
fo_status fo_rd_send(rd *r, rd_args *a, redisReply **out, fo_error *err)
{
    sigset_t old;
    int was_pending;
    fo_status rc;

    *out = NULL;
    if (a->overflow)
        return fo_rd_fail(r, err, FO_ERR, "too many arguments");
    was_pending = fo_rd_sigpipe_block(&old);
    rc = rd_ready(r, err);
    if (rc == FO_OK) {
        *out = redisCommandArgv(r->c, a->argc, a->argv, a->len);
        if (*out == NULL)
            rc = fo_rd_drop(r, err);
    }
    fo_rd_sigpipe_restore(&old, was_pending);
    return rc;
}

/* An error reply becomes FO_ERR. */
fo_status fo_rd_check(rd *r, fo_status rc, redisReply **out,
                      fo_error *err)
{
    if (rc == FO_OK && (*out)->type == REDIS_REPLY_ERROR) {
        rc = fo_rd_fail(r, err, FO_ERR, (*out)->str);
        freeReplyObject(*out);
        *out = NULL;
    }
    return rc;
}

fo_status fo_rd_send_array(rd *r, rd_args *a, redisReply **out,
                           fo_error *err)
{
    fo_status rc = fo_rd_check(r, fo_rd_send(r, a, out, err), out, err);

    if (rc == FO_OK && (*out)->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(*out);
        *out = NULL;
        rc = fo_rd_fail(r, err, FO_ERR, "unexpected reply");
    }
    return rc;
}

/* cmd on one key, formatted from fmt. */
fo_status fo_rd_cmd(rd *r, redisReply **out, fo_error *err,
                    const char *cmd, const char *fmt, ...)
{
    rd_args a;
    va_list ap;

    fo_rd_args_init(&a, 0);
    fo_rd_args_str(&a, cmd);
    va_start(ap, fmt);
    args_vfmt(&a, 1, fmt, ap);
    va_end(ap);
    return fo_rd_check(r, fo_rd_send(r, &a, out, err), out, err);
}

/* Runs script s with the keys and arguments in a (see rd_args). */
fo_status fo_rd_eval(rd *r, int s, rd_args *a, redisReply **out,
                     fo_error *err)
{
    rd_args load;
    fo_status rc;

    if (r->sha[s][0] == '\0') {
        fo_rd_args_init(&load, 0);
        fo_rd_args_str(&load, "SCRIPT");
        fo_rd_args_str(&load, "LOAD");
        fo_rd_args_str(&load, fo_rd_scripts[s]);
        rc = fo_rd_check(r, fo_rd_send(r, &load, out, err), out, err);
        if (rc != FO_OK)
            return rc;
        if ((*out)->type == REDIS_REPLY_STRING && (*out)->len == 40)
            memcpy(r->sha[s], (*out)->str, 41);
        freeReplyObject(*out);
    }
    a->argv[0] = "EVALSHA";
    a->argv[1] = r->sha[s];
    snprintf(a->num[2], sizeof a->num[2], "%d", a->nkeys);
    a->argv[2] = a->num[2];
    for (int i = 0; i < 3; i++)
        a->len[i] = strlen(a->argv[i]);
    rc = fo_rd_send(r, a, out, err);
    if (rc == FO_OK && (*out)->type == REDIS_REPLY_ERROR &&
        strncmp((*out)->str, "NOSCRIPT", 8) == 0) {
        /* A restarted or flushed server; EVAL caches the script again. */
        freeReplyObject(*out);
        a->argv[0] = "EVAL";
        a->argv[1] = fo_rd_scripts[s];
        a->len[0] = 4;
        a->len[1] = strlen(fo_rd_scripts[s]);
        rc = fo_rd_send(r, a, out, err);
    }
    return fo_rd_check(r, rc, out, err);
}

/* A deciding script's result as a status (redis_lua.h). */
static fo_status decision(rd *r, const redisReply *rep, const char *conflict,
                          fo_error *err)
{
    if (rep->type == REDIS_REPLY_STRING)
        return fo_rd_fail(r, err, FO_CONFLICT, rep->str);
    if (rep->type != REDIS_REPLY_INTEGER)
        return fo_rd_fail(r, err, FO_ERR, "unexpected reply");
    switch (rep->integer) {
    case 0: return FO_OK;
    case -1: return fo_rd_fail(r, err, FO_NOT_FOUND, "not found");
    case 1: return fo_rd_fail(r, err, FO_CONFLICT, conflict);
    default: return fo_rd_fail(r, err, FO_ERR, "unexpected reply");
    }
}

/* Runs a deciding script and maps its result to a status. */
fo_status fo_rd_decide(rd *r, int s, rd_args *a, const char *conflict,
                       fo_error *err)
{
    redisReply *rep;
    fo_status rc = fo_rd_eval(r, s, a, &rep, err);

    if (rc == FO_OK) {
        rc = decision(r, rep, conflict, err);
        freeReplyObject(rep);
    }
    return rc;
}

/* Takes the integer out of rep, the result of a call that returned rc,
 * and frees rep. */
fo_status fo_rd_integer(rd *r, fo_status rc, redisReply *rep, int64_t *v,
                        fo_error *err)
{
    if (rc != FO_OK)
        return rc;
    if (rep->type == REDIS_REPLY_INTEGER)
        *v = rep->integer;
    else
        rc = fo_rd_fail(r, err, FO_ERR, "unexpected reply");
    freeReplyObject(rep);
    return rc;
}

fo_status fo_rd_eval_integer(rd *r, int s, rd_args *a, int64_t *v,
                             fo_error *err)
{
    redisReply *rep = NULL;
    fo_status rc = fo_rd_eval(r, s, a, &rep, err);

    return fo_rd_integer(r, rc, rep, v, err);
}

/* ---- handle ----------------------------------------------------------- */

static struct timeval ms_tv(int ms)
{
    struct timeval tv;

    if (ms <= 0)
        ms = 2000;
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    return tv;
}

fo_status fo_rd_open(const fo_uri *uri, const fo_backend_conf *conf,
                     void **impl, fo_error *err)
{
    rd *r = calloc(1, sizeof *r);
    sigset_t old;
    int was_pending;
    fo_status rc;

    if (r == NULL)
        return fo_err(err, FO_ERR, "redis: open: out of memory");
    fo_strlcpy(r->host, uri->host[0] ? uri->host : "127.0.0.1",
               sizeof r->host);
    r->port = uri->port > 0 ? uri->port : 6379;
    fo_strlcpy(r->user, uri->user, sizeof r->user);
    fo_strlcpy(r->password, uri->password, sizeof r->password);
    if (uri->db != 0)
        snprintf(r->db, sizeof r->db, "%d", uri->db);
    r->connect_tv = ms_tv(conf->connect_timeout_ms);
    r->tv = ms_tv(conf->timeout_ms);
    r->timeout_ms = (int)(r->tv.tv_sec * 1000 + r->tv.tv_usec / 1000);
    r->dead_after_ms = conf->dead_after_ms;

    /* Connect now, so that a wrong address or password shows at open. */
    fo_rd_op(r, "open");
    was_pending = fo_rd_sigpipe_block(&old);
    rc = rd_connect(r, err);
    if (rc == FO_OK)
        rc = fo_rd_migrate_layout(r, err);
    fo_rd_sigpipe_restore(&old, was_pending);
    if (rc != FO_OK) {
        if (r->c != NULL)
            redisFree(r->c);
        free(r);
        return rc;
    }
    *impl = r;
    return FO_OK;
}

void fo_rd_close(void *impl)
{
    rd *r = impl;

    if (r == NULL)
        return;
    if (r->c != NULL)
        redisFree(r->c);
    free(r);
}
