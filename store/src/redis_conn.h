/*
 * redis_conn.h — the redis:// backend's connection: one blocking hiredis
 * context per handle, the command arguments it sends, and the mapping of
 * replies and I/O errors to fo_status.
 *
 * On an I/O error the context is freed; the next call reconnects.  Every
 * function here fills err (through fo_rd_fail) on any status other than
 * FO_OK / FO_NOT_FOUND, with a message naming the call set by fo_rd_op.
 * A handle is used by one thread at a time (backend.h).
 */
#ifndef FANOUT_STORE_REDIS_CONN_H
#define FANOUT_STORE_REDIS_CONN_H

#include <signal.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "backend.h"
#include "redis_lua.h"

#define RD_KEY_MAX  256
#define RD_ARGS_MAX 48
#define RD_KEYS_MAX 6

/* argv of one command, owning the text it formats.  A script's argv
 * starts with 3 empty slots (EVALSHA sha numkeys), then its keys (added
 * with fo_rd_args_key, which counts them), then its arguments.  Too many
 * arguments or keys set overflow, and sending it then fails. */
typedef struct {
    int argc, nkeys, overflow;
    const char *argv[RD_ARGS_MAX];
    size_t len[RD_ARGS_MAX];
    char num[RD_ARGS_MAX][32];
    char key[RD_KEYS_MAX][RD_KEY_MAX];
} rd_args;

typedef struct {
    redisContext *c;            /* NULL until (re)connected */
    char host[256];
    int port;
    char user[256];             /* ACL user; "" for the default user */
    char password[256];
    char db[16];                /* "" for db 0 */
    int timeout_ms;
    struct timeval connect_tv, tv;
    int64_t dead_after_ms;
    char op[320];               /* "<op> <args>" of this call, for errors */
    char sha[RS_COUNT][41];     /* "" until SCRIPT LOAD told us */
} rd;

/* ---- arguments -------------------------------------------------------- */

/* Starts an empty argv; reserve is 3 for a script (see rd_args), else 0. */
void fo_rd_args_init(rd_args *a, int reserve);

/* Appends s, which is not copied: it must outlive the send. */
void fo_rd_args_str(rd_args *a, const char *s);

/* Appends a formatted argument, copied into a: with key, a key (counted
 * as one), else a number or short text.  fo_rd_args_num and
 * fo_rd_args_key name the two. */
void fo_rd_args_fmt(rd_args *a, int key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define fo_rd_args_num(a, ...) fo_rd_args_fmt((a), 0, __VA_ARGS__)
#define fo_rd_args_key(a, ...) fo_rd_args_fmt((a), 1, __VA_ARGS__)

/* ---- handle ----------------------------------------------------------- */

/* The operations of the ops table (backend.h): fo_rd_open and fo_rd_close
 * in redis_conn.c (open connects, AUTH and SELECT, at once, so that a
 * wrong address or password shows there), the others in redis.c,
 * redis_broadcast.c and redis_publish.c. */
FO_BACKEND_DECLARE(fo_rd)

/* Moves the layout before issue #14 (an app's ids in a set) to the
 * current one, once per database (redis_list.c); open calls it. */
fo_status fo_rd_migrate_layout(rd *r, fo_error *err);

/* Names the call for the error messages it may produce. */
void fo_rd_op(rd *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Fills err with "redis: <op>: <reason> (host:port)"; returns code. */
fo_status fo_rd_fail(const rd *r, fo_error *err, fo_status code,
                     const char *reason);

/* Fails with why r->c broke and frees it, so that the next call
 * reconnects.  Call it right after the failed hiredis call. */
fo_status fo_rd_drop(rd *r, fo_error *err);

/* hiredis writes with write(2): a reset peer would raise SIGPIPE.  block
 * masks it for this thread and returns whether one was already pending;
 * restore swallows one we caused and puts the old mask back.  Needed only
 * around hiredis calls made outside the functions below (pipelines). */
int fo_rd_sigpipe_block(sigset_t *old);
void fo_rd_sigpipe_restore(const sigset_t *old, int was_pending);

/* ---- commands --------------------------------------------------------- */

/* Sends a, reconnecting first if the connection is gone or went stale;
 * *out is the reply, error replies included (the caller frees it). */
fo_status fo_rd_send(rd *r, rd_args *a, redisReply **out, fo_error *err);

/* Turns an error reply into FO_ERR (freeing it, *out = NULL); rc is the
 * status of the call that produced *out, passed through otherwise. */
fo_status fo_rd_check(rd *r, fo_status rc, redisReply **out, fo_error *err);

/* fo_rd_send then fo_rd_check, and a reply that is not an array is
 * FO_ERR too ("unexpected reply"; freed, *out = NULL). */
fo_status fo_rd_send_array(rd *r, rd_args *a, redisReply **out,
                           fo_error *err);

/* cmd on one key, formatted from fmt; error replies are FO_ERR. */
fo_status fo_rd_cmd(rd *r, redisReply **out, fo_error *err, const char *cmd,
                    const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Runs script s (RS_*) with the keys and arguments in a: EVALSHA, loading
 * the script first if this handle has not, and EVAL on NOSCRIPT.  Error
 * replies are FO_ERR; *out is the caller's to free on FO_OK. */
fo_status fo_rd_eval(rd *r, int s, rd_args *a, redisReply **out,
                     fo_error *err);

/* Runs a deciding script (redis_lua.h) and maps its result: 0 FO_OK, -1
 * FO_NOT_FOUND, 1 FO_CONFLICT with message conflict, a string FO_CONFLICT
 * with that string. */
fo_status fo_rd_decide(rd *r, int s, rd_args *a, const char *conflict,
                       fo_error *err);

/* Takes the integer out of rep, the reply of a call that returned rc, and
 * frees rep; anything but an integer reply is FO_ERR. */
fo_status fo_rd_integer(rd *r, fo_status rc, redisReply *rep, int64_t *v,
                        fo_error *err);

/* fo_rd_eval then fo_rd_integer: script s's integer result into *v. */
fo_status fo_rd_eval_integer(rd *r, int s, rd_args *a, int64_t *v,
                             fo_error *err);

/* ---- pipelines (redis_live.c) ----------------------------------------- */

/* Called with each reply of a pipeline, in order. */
typedef void (*fo_rd_take_fn)(void *arg, size_t i, const char *id,
                              const redisReply *h);

/* Sends one command per id of ids[0..n) (argv: cmd, the broadcast's key
 * fo:bc:<app>:<id>, then fields), pipelined, and hands each reply to
 * take(i, reply).  argv[1] is overwritten. */
fo_status fo_rd_pipeline(rd *r, const char *app, const char *const *ids,
                         size_t n, const char **argv, int argc,
                         fo_rd_take_fn take, void *arg, fo_error *err);

#endif /* FANOUT_STORE_REDIS_CONN_H */
