/*
 * redis.c — the redis:// backend: hiredis, one blocking connection per
 * handle.
 *
 * Key layout (ids are [A-Za-z0-9_.-], so keys cannot collide):
 *   fo:node:<id>               hash    node fields + last_update_ms
 *   fo:nodes                   zset    node ids, all score 0, so ZRANGE by
 *                                      index walks them in byte order
 *   fo:bc:<app>:<stream>       hash    broadcast fields
 *   fo:bcs:<app>               set     the app's stream ids
 *   fo:live                    set     keys (fo:bc:...) of broadcasts whose
 *                                      status is "broadcasting"
 *   fo:viewers:<app>:<stream>  hash    node id -> "<hls> <dash> <updated>"
 *   fo:app:<app>               string  app settings JSON
 *   fo:vod:<app>:<vod>         hash    VoD fields
 *   fo:vods:<app>              set     the app's vod ids
 * Integers are decimal strings, doubles "%.17g", role "origin" / "edge",
 * times ms since the epoch on the server's clock.
 *
 * Whatever writes more than one key, or writes depending on what it read,
 * is a Lua script: Redis runs a script with nothing interleaved, so claim,
 * release, reap, viewer sums, create and update are atomic.  Scripts read
 * the clock with TIME (Redis 7 replicates script effects, so that is
 * allowed) and derive node and broadcast keys from ids: fine on one
 * server, not on Redis Cluster.  They go as EVALSHA, falling back to EVAL
 * on NOSCRIPT.
 *
 * On an I/O error the context is freed; the next call reconnects.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
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

#define RD_KEY_MAX  256
#define RD_ARGS_MAX 48
#define RD_KEYS_MAX 4

/* ---- scripts ---------------------------------------------------------- */

#define LUA_NOW                                                              \
    "local t = redis.call('TIME')\n"                                         \
    "local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"                    \
    "local nows = string.format('%.0f', now)\n"

/* A node is alive when its hash exists and it spoke within dead ms. */
#define LUA_ALIVE                                                            \
    "local function alive(node, dead)\n"                                     \
    "  local lu = redis.call('HGET', 'fo:node:' .. (node or ''), 'last_update_ms')\n" \
    "  lu = tonumber(lu)\n"                                                  \
    "  return lu ~= nil and now - lu <= dead\n"                              \
    "end\n"

/* Keeps fo:live (KEYS[2]) in step with the status of broadcast KEYS[1]. */
#define LUA_SYNC_LIVE                                                        \
    "if redis.call('HGET', KEYS[1], 'status') == 'broadcasting' then\n"      \
    "  redis.call('SADD', KEYS[2], KEYS[1])\n"                               \
    "else redis.call('SREM', KEYS[2], KEYS[1]) end\n"

enum {
    RS_NODE_PUT, RS_NODE_GET, RS_NODE_LIST, RS_NODE_DELETE,
    RS_BC_CREATE, RS_BC_UPDATE, RS_BC_DELETE, RS_BC_ACTIVE,
    RS_CLAIM, RS_RELEASE, RS_LOOKUP, RS_REAP, RS_VIEWERS,
    RS_VOD_PUT, RS_VOD_DELETE, RS_COUNT
};

/* Scripts that decide return 0 done, -1 not found, and 1 or a string
 * (the reason) for a conflict.  Only the last expression in a Lua call
 * expands, hence unpack(ARGV) last. */
static const char *const rd_scripts[RS_COUNT] = {
    /* KEYS node, nodes; ARGV id, field, value, ... */
    [RS_NODE_PUT] = LUA_NOW
        "redis.call('HSET', KEYS[1], 'last_update_ms', nows, unpack(ARGV, 2))\n"
        "redis.call('ZADD', KEYS[2], 0, ARGV[1])\n"
        "return 0\n",
    /* KEYS node.  The shape of RS_NODE_LIST's reply: {now, hash...} */
    [RS_NODE_GET] = LUA_NOW
        "return {now, redis.call('HGETALL', KEYS[1])}\n",
    /* KEYS nodes; ARGV start, stop */
    [RS_NODE_LIST] = LUA_NOW
        "local out = {now}\n"
        "for _, id in ipairs(redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2])) do\n"
        "  out[#out + 1] = redis.call('HGETALL', 'fo:node:' .. id)\n"
        "end\n"
        "return out\n",
    /* KEYS node, nodes; ARGV id */
    [RS_NODE_DELETE] =
        "local n = redis.call('DEL', KEYS[1]) + redis.call('ZREM', KEYS[2], ARGV[1])\n"
        "if n == 0 then return -1 end\n"
        "return 0\n",
    /* KEYS bc, live, bcs; ARGV stream, field, value, ... */
    [RS_BC_CREATE] =
        "if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end\n"
        LUA_NOW
        "redis.call('HSET', KEYS[1], 'date', nows, 'update_time', nows, unpack(ARGV, 2))\n"
        "redis.call('SADD', KEYS[3], ARGV[1])\n"
        LUA_SYNC_LIVE
        "return 0\n",
    /* KEYS bc, live; ARGV field, value, ... (maybe none) */
    [RS_BC_UPDATE] =
        "if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end\n"
        LUA_NOW
        "redis.call('HSET', KEYS[1], 'update_time', nows, unpack(ARGV))\n"
        LUA_SYNC_LIVE
        "return 0\n",
    /* KEYS bc, live, bcs, viewers; ARGV stream */
    [RS_BC_DELETE] =
        "if redis.call('DEL', KEYS[1]) == 0 then return -1 end\n"
        "redis.call('SREM', KEYS[2], KEYS[1])\n"
        "redis.call('SREM', KEYS[3], ARGV[1])\n"
        "redis.call('DEL', KEYS[4])\n"
        "return 0\n",
    /* KEYS bcs; ARGV "fo:bc:<app>:" */
    [RS_BC_ACTIVE] =
        "local n = 0\n"
        "for _, s in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
        "  local st = redis.call('HGET', ARGV[1] .. s, 'status')\n"
        "  if st == 'broadcasting' then n = n + 1 end\n"
        "end\n"
        "return n\n",
    /* KEYS bc, live, bcs; ARGV app, stream, node, address, port, session,
     * publish_type, dead_after_ms.  The owner's liveness is decided in
     * here too, or two claims could both win. */
    [RS_CLAIM] = LUA_NOW LUA_ALIVE
        "local cur = redis.call('HMGET', KEYS[1], 'status', 'session_id', 'origin_node')\n"
        "if cur[1] == 'broadcasting' and cur[2] ~= ARGV[6]\n"
        "   and alive(cur[3], tonumber(ARGV[8])) then\n"
        "  return 'broadcasting on live node ' .. cur[3]\n"
        "end\n"
        "if redis.call('EXISTS', KEYS[1]) == 0 then\n"
        "  redis.call('HSET', KEYS[1], 'app', ARGV[1], 'stream_id', ARGV[2],\n"
        "    'name', ARGV[2], 'type', 'liveStream', 'date', nows, 'bitrate', '0',\n"
        "    'hls_viewer_count', '0', 'dash_viewer_count', '0', 'extra', '')\n"
        "  redis.call('SADD', KEYS[3], ARGV[2])\n"
        "end\n"
        "redis.call('HSET', KEYS[1], 'status', 'broadcasting',\n"
        "  'origin_node', ARGV[3], 'origin_address', ARGV[4],\n"
        "  'origin_http_port', ARGV[5], 'session_id', ARGV[6],\n"
        "  'publish_type', ARGV[7], 'start_time', nows, 'update_time', nows)\n"
        "redis.call('SADD', KEYS[2], KEYS[1])\n"
        "return 0\n",
    /* KEYS bc, live; ARGV session */
    [RS_RELEASE] =
        "if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end\n"
        "local cur = redis.call('HMGET', KEYS[1], 'status', 'session_id')\n"
        "if cur[1] ~= 'broadcasting' then\n"
        "  return 'not broadcasting (' .. (cur[1] or '') .. ')'\n"
        "end\n"
        "if cur[2] ~= ARGV[1] then return 'owned by session ' .. (cur[2] or '') end\n"
        LUA_NOW
        "redis.call('HSET', KEYS[1], 'status', 'finished', 'update_time', nows)\n"
        "redis.call('SREM', KEYS[2], KEYS[1])\n"
        "return 0\n",
    /* KEYS bc; ARGV dead_after_ms.  0 when missing, else the owner row. */
    [RS_LOOKUP] = LUA_NOW LUA_ALIVE
        "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end\n"
        "local r = redis.call('HMGET', KEYS[1], 'origin_address',\n"
        "  'origin_http_port', 'origin_node', 'session_id', 'status')\n"
        "r[6] = alive(r[3], tonumber(ARGV[1])) and 1 or 0\n"
        "return r\n",
    /* KEYS live; ARGV dead_after_ms */
    [RS_REAP] = LUA_NOW LUA_ALIVE
        "local dead, n = tonumber(ARGV[1]), 0\n"
        "for _, k in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
        "  local cur = redis.call('HMGET', k, 'status', 'origin_node')\n"
        "  if cur[1] ~= 'broadcasting' then\n"
        "    redis.call('SREM', KEYS[1], k)\n"
        "  elseif not alive(cur[2], dead) then\n"
        "    redis.call('HSET', k, 'status', 'finished', 'update_time', nows)\n"
        "    redis.call('SREM', KEYS[1], k)\n"
        "    n = n + 1\n"
        "  end\n"
        "end\n"
        "return n\n",
    /* KEYS bc, viewers; ARGV node, hls, dash, dead_after_ms.  A stale row
     * counts no more until refreshed, so it is dropped. */
    [RS_VIEWERS] =
        "if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end\n"
        LUA_NOW
        "redis.call('HSET', KEYS[2], ARGV[1], ARGV[2] .. ' ' .. ARGV[3] .. ' ' .. nows)\n"
        "local dead, hls, dash = tonumber(ARGV[4]), 0, 0\n"
        "local rows = redis.call('HGETALL', KEYS[2])\n"
        "for i = 1, #rows, 2 do\n"
        "  local h, d, u = string.match(rows[i + 1], '^(%S+) (%S+) (%S+)$')\n"
        "  if tonumber(u) ~= nil and now - tonumber(u) <= dead then\n"
        "    hls = hls + (tonumber(h) or 0)\n"
        "    dash = dash + (tonumber(d) or 0)\n"
        "  else redis.call('HDEL', KEYS[2], rows[i]) end\n"
        "end\n"
        "redis.call('HSET', KEYS[1], 'hls_viewer_count', string.format('%.0f', hls),\n"
        "  'dash_viewer_count', string.format('%.0f', dash))\n"
        "return 0\n",
    /* KEYS vod, vods; ARGV vod_id, field, value, ... */
    [RS_VOD_PUT] = LUA_NOW
        "redis.call('HSET', KEYS[1], 'creation_date', nows, unpack(ARGV, 2))\n"
        "redis.call('SADD', KEYS[2], ARGV[1])\n"
        "return 0\n",
    /* KEYS vod, vods; ARGV vod_id */
    [RS_VOD_DELETE] =
        "local n = redis.call('DEL', KEYS[1]) + redis.call('SREM', KEYS[2], ARGV[1])\n"
        "if n == 0 then return -1 end\n"
        "return 0\n",
};

/* ---- records <-> hash fields ------------------------------------------ */

enum { T_STR, T_INT, T_I32, T_I64, T_DBL, T_ROLE };

#define RD_ALL 0x80000000u      /* written by create / put */

typedef struct {
    const char *name;
    int type;
    size_t off;
    size_t size;                /* T_STR: the array's size */
    unsigned mask;              /* RD_ALL and the FO_F_* bits naming it;
                                 * 0: a script sets it from the clock */
} rd_field;

#define F_STR(st, f, m) { #f, T_STR, offsetof(st, f), sizeof(((st *)0)->f), m }
#define F_NUM(st, f, t, m) { #f, t, offsetof(st, f), 0, m }

static const rd_field node_fields[] = {
    F_STR(fo_node, id, RD_ALL),
    F_STR(fo_node, ip, RD_ALL),
    F_NUM(fo_node, http_port, T_INT, RD_ALL),
    F_NUM(fo_node, rtmp_port, T_INT, RD_ALL),
    F_NUM(fo_node, role, T_ROLE, RD_ALL),
    F_STR(fo_node, node_group, RD_ALL),
    F_NUM(fo_node, cpu, T_DBL, RD_ALL),
    F_NUM(fo_node, memory, T_I64, RD_ALL),
    F_NUM(fo_node, active_streams, T_I32, RD_ALL),
    F_NUM(fo_node, viewers, T_I32, RD_ALL),
    F_NUM(fo_node, db_query_avg_ms, T_DBL, RD_ALL),
    F_NUM(fo_node, last_update_ms, T_I64, 0),
};

static const rd_field bc_fields[] = {
    F_STR(fo_broadcast, app, RD_ALL),
    F_STR(fo_broadcast, stream_id, RD_ALL),
    F_STR(fo_broadcast, name, RD_ALL | FO_F_NAME),
    F_STR(fo_broadcast, status, RD_ALL | FO_F_STATUS),
    F_STR(fo_broadcast, type, RD_ALL | FO_F_TYPE),
    F_STR(fo_broadcast, publish_type, RD_ALL | FO_F_PUBLISH_TYPE),
    F_STR(fo_broadcast, origin_address, RD_ALL),
    F_NUM(fo_broadcast, origin_http_port, T_INT, RD_ALL),
    F_STR(fo_broadcast, origin_node, RD_ALL),
    F_STR(fo_broadcast, session_id, RD_ALL),
    F_NUM(fo_broadcast, start_time, T_I64, RD_ALL),
    F_NUM(fo_broadcast, hls_viewer_count, T_I64, RD_ALL | FO_F_VIEWERS),
    F_NUM(fo_broadcast, dash_viewer_count, T_I64, RD_ALL | FO_F_VIEWERS),
    F_NUM(fo_broadcast, bitrate, T_I64, RD_ALL | FO_F_BITRATE),
    F_STR(fo_broadcast, extra, RD_ALL | FO_F_EXTRA),
    F_NUM(fo_broadcast, date, T_I64, 0),
    F_NUM(fo_broadcast, update_time, T_I64, 0),
};

static const rd_field vod_fields[] = {
    F_STR(fo_vod, app, RD_ALL),
    F_STR(fo_vod, vod_id, RD_ALL),
    F_STR(fo_vod, stream_id, RD_ALL),
    F_STR(fo_vod, name, RD_ALL),
    F_STR(fo_vod, file_path, RD_ALL),
    F_NUM(fo_vod, duration_ms, T_I64, RD_ALL),
    F_NUM(fo_vod, creation_date, T_I64, 0),
};

#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

/* Lenient: a missing or garbled number reads as 0. */
static int64_t parse_i64(const char *s)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    return (errno != 0 || end == s) ? 0 : (int64_t)v;
}

/* Fills rec from an HGETALL reply; unknown fields are ignored. */
static void decode(const rd_field *t, size_t nt, void *rec,
                   const redisReply *h)
{
    for (size_t i = 0; i + 1 < h->elements; i += 2) {
        const redisReply *k = h->element[i], *v = h->element[i + 1];
        const rd_field *f = NULL;
        char *p;

        for (size_t j = 0; j < nt && k->type == REDIS_REPLY_STRING; j++)
            if (strcmp(t[j].name, k->str) == 0)
                f = &t[j];
        if (f == NULL || v->type != REDIS_REPLY_STRING)
            continue;
        p = (char *)rec + f->off;
        switch (f->type) {
        case T_STR: fo_strlcpy(p, v->str, f->size); break;
        case T_INT: *(int *)p = (int)parse_i64(v->str); break;
        case T_I32: *(int32_t *)p = (int32_t)parse_i64(v->str); break;
        case T_I64: *(int64_t *)p = parse_i64(v->str); break;
        case T_DBL: *(double *)p = strtod(v->str, NULL); break;
        case T_ROLE:
            *(fo_role *)p = strcmp(v->str, "edge") == 0 ? FO_ROLE_EDGE
                                                        : FO_ROLE_ORIGIN;
            break;
        }
    }
}

static const char *elem_str(const redisReply *rep, size_t i)
{
    const redisReply *e = rep->element[i];

    return e->type == REDIS_REPLY_STRING ? e->str : "";
}

/* ---- command arguments ------------------------------------------------ */

/* argv of one command, owning the text it formats.  A script's argv
 * starts with 3 empty slots (EVALSHA sha numkeys), then its keys (added
 * with args_key, which counts them), then its arguments. */
typedef struct {
    int argc, nkeys, overflow;
    const char *argv[RD_ARGS_MAX];
    size_t len[RD_ARGS_MAX];
    char num[RD_ARGS_MAX][32];
    char key[RD_KEYS_MAX][RD_KEY_MAX];
} rd_args;

static void args_init(rd_args *a, int reserve)
{
    a->argc = reserve;
    a->nkeys = 0;
    a->overflow = 0;
}

static void args_str(rd_args *a, const char *s)
{
    if (a->argc == RD_ARGS_MAX) {
        a->overflow = 1;
        return;
    }
    a->argv[a->argc] = s;
    a->len[a->argc] = strlen(s);
    a->argc++;
}

static void args_vfmt(rd_args *a, char *buf, size_t cap, const char *fmt,
                      va_list ap)
{
    vsnprintf(buf, cap, fmt, ap);
    args_str(a, buf);
}

__attribute__((format(printf, 2, 3)))
static void args_num(rd_args *a, const char *fmt, ...)
{
    va_list ap;

    if (a->argc == RD_ARGS_MAX) {
        a->overflow = 1;
        return;
    }
    va_start(ap, fmt);
    args_vfmt(a, a->num[a->argc], sizeof a->num[0], fmt, ap);
    va_end(ap);
}

__attribute__((format(printf, 2, 3)))
static void args_key(rd_args *a, const char *fmt, ...)
{
    va_list ap;

    if (a->nkeys == RD_KEYS_MAX) {
        a->overflow = 1;
        return;
    }
    va_start(ap, fmt);
    args_vfmt(a, a->key[a->nkeys++], RD_KEY_MAX, fmt, ap);
    va_end(ap);
}

/* Appends name, value for each field whose mask meets mask. */
static void args_fields(rd_args *a, const rd_field *t, size_t nt,
                        const void *rec, unsigned mask)
{
    for (size_t i = 0; i < nt; i++) {
        const char *p = (const char *)rec + t[i].off;

        if ((t[i].mask & mask) == 0)
            continue;
        args_str(a, t[i].name);
        switch (t[i].type) {
        case T_STR: args_str(a, p); break;
        case T_INT: args_num(a, "%d", *(const int *)p); break;
        case T_I32: args_num(a, "%" PRId32, *(const int32_t *)p); break;
        case T_I64: args_num(a, "%" PRId64, *(const int64_t *)p); break;
        case T_DBL: args_num(a, "%.17g", *(const double *)p); break;
        case T_ROLE:
            args_str(a, *(const fo_role *)p == FO_ROLE_EDGE ? "edge"
                                                            : "origin");
            break;
        }
    }
}

/* ---- connection ------------------------------------------------------- */

typedef struct {
    redisContext *c;            /* NULL until (re)connected */
    char host[256];
    int port;
    char password[256];
    char db[16];                /* "" for db 0 */
    int timeout_ms;
    struct timeval connect_tv, tv;
    int64_t dead_after_ms;
    char op[320];               /* "<op> <args>" of this call, for errors */
    char sha[RS_COUNT][41];     /* "" until SCRIPT LOAD told us */
} rd;

/* Names the call for the error messages it may produce. */
__attribute__((format(printf, 2, 3)))
static void rd_op(rd *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(r->op, sizeof r->op, fmt, ap);
    va_end(ap);
}

static fo_status rd_fail(const rd *r, fo_error *err, fo_status code,
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
    return rd_fail(r, err, FO_ERR, why);
}

/* Frees the broken context so that the next call reconnects. */
static fo_status rd_drop(rd *r, fo_error *err)
{
    fo_status rc = rd_fail_ctx(r, err, r->c);

    redisFree(r->c);
    r->c = NULL;
    return rc;
}

/* hiredis writes with write(2): a reset peer would raise SIGPIPE and kill
 * a process that does not ignore it.  Block it around our I/O and swallow
 * one we caused, as libpq does. */
static int sigpipe_block(sigset_t *old)
{
    sigset_t set, pending;

    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, old);
    sigemptyset(&pending);
    sigpending(&pending);
    return sigismember(&pending, SIGPIPE) == 1;
}

static void sigpipe_restore(const sigset_t *old, int was_pending)
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

static fo_status rd_connect(rd *r, fo_error *err)
{
    const char *cmds[2][2] = { { "AUTH", r->password }, { "SELECT", r->db } };
    redisContext *c;
    redisReply *rep;
    fo_status rc = FO_OK;

    c = redisConnectWithTimeout(r->host, r->port, r->connect_tv);
    if (c == NULL)
        return rd_fail(r, err, FO_ERR, "out of memory");
    if (c->err || redisSetTimeout(c, r->tv) != REDIS_OK) {
        rc = rd_fail_ctx(r, err, c);
        goto fail;
    }
    for (int i = 0; i < 2; i++) {
        if (cmds[i][1][0] == '\0')
            continue;
        rep = redisCommandArgv(c, 2, cmds[i], NULL);
        if (rep == NULL) {
            rc = rd_fail_ctx(r, err, c);
            goto fail;
        }
        if (rep->type == REDIS_REPLY_ERROR)
            rc = rd_fail(r, err, FO_ERR, rep->str);
        freeReplyObject(rep);
        if (rc != FO_OK)
            goto fail;
    }
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
static fo_status rd_send(rd *r, rd_args *a, redisReply **out, fo_error *err)
{
    sigset_t old;
    int was_pending;
    fo_status rc;

    *out = NULL;
    if (a->overflow)
        return rd_fail(r, err, FO_ERR, "too many arguments");
    was_pending = sigpipe_block(&old);
    rc = rd_ready(r, err);
    if (rc == FO_OK) {
        *out = redisCommandArgv(r->c, a->argc, a->argv, a->len);
        if (*out == NULL)
            rc = rd_drop(r, err);
    }
    sigpipe_restore(&old, was_pending);
    return rc;
}

/* An error reply becomes FO_ERR. */
static fo_status rd_check(rd *r, fo_status rc, redisReply **out,
                          fo_error *err)
{
    if (rc == FO_OK && (*out)->type == REDIS_REPLY_ERROR) {
        rc = rd_fail(r, err, FO_ERR, (*out)->str);
        freeReplyObject(*out);
        *out = NULL;
    }
    return rc;
}

/* cmd on one key, formatted from fmt. */
__attribute__((format(printf, 5, 6)))
static fo_status rd_cmd(rd *r, redisReply **out, fo_error *err,
                        const char *cmd, const char *fmt, ...)
{
    rd_args a;
    va_list ap;

    args_init(&a, 0);
    args_str(&a, cmd);
    va_start(ap, fmt);
    args_vfmt(&a, a.key[0], RD_KEY_MAX, fmt, ap);
    va_end(ap);
    return rd_check(r, rd_send(r, &a, out, err), out, err);
}

/* Runs script s with the keys and arguments in a (see rd_args). */
static fo_status rd_eval(rd *r, int s, rd_args *a, redisReply **out,
                         fo_error *err)
{
    rd_args load;
    fo_status rc;

    if (r->sha[s][0] == '\0') {
        args_init(&load, 0);
        args_str(&load, "SCRIPT");
        args_str(&load, "LOAD");
        args_str(&load, rd_scripts[s]);
        rc = rd_check(r, rd_send(r, &load, out, err), out, err);
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
    rc = rd_send(r, a, out, err);
    if (rc == FO_OK && (*out)->type == REDIS_REPLY_ERROR &&
        strncmp((*out)->str, "NOSCRIPT", 8) == 0) {
        /* A restarted or flushed server; EVAL caches the script again. */
        freeReplyObject(*out);
        a->argv[0] = "EVAL";
        a->argv[1] = rd_scripts[s];
        a->len[0] = 4;
        a->len[1] = strlen(rd_scripts[s]);
        rc = rd_send(r, a, out, err);
    }
    return rd_check(r, rc, out, err);
}

/* Runs a deciding script and maps its result to a status. */
static fo_status rd_decide(rd *r, int s, rd_args *a, const char *conflict,
                           fo_error *err)
{
    redisReply *rep;
    fo_status rc = rd_eval(r, s, a, &rep, err);

    if (rc != FO_OK)
        return rc;
    if (rep->type == REDIS_REPLY_INTEGER && rep->integer == 0)
        rc = FO_OK;
    else if (rep->type == REDIS_REPLY_INTEGER && rep->integer == -1)
        rc = rd_fail(r, err, FO_NOT_FOUND, "not found");
    else if (rep->type == REDIS_REPLY_INTEGER && rep->integer == 1)
        rc = rd_fail(r, err, FO_CONFLICT, conflict);
    else if (rep->type == REDIS_REPLY_STRING)
        rc = rd_fail(r, err, FO_CONFLICT, rep->str);
    else
        rc = rd_fail(r, err, FO_ERR, "unexpected reply");
    freeReplyObject(rep);
    return rc;
}

/* Takes the integer out of rep, the result of a call that returned rc,
 * and frees rep. */
static fo_status rd_integer(rd *r, fo_status rc, redisReply *rep, int64_t *v,
                            fo_error *err)
{
    if (rc != FO_OK)
        return rc;
    if (rep->type == REDIS_REPLY_INTEGER)
        *v = rep->integer;
    else
        rc = rd_fail(r, err, FO_ERR, "unexpected reply");
    freeReplyObject(rep);
    return rc;
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

static fo_status rd_open(const fo_uri *uri, const fo_backend_conf *conf,
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
    fo_strlcpy(r->password, uri->password, sizeof r->password);
    if (uri->db != 0)
        snprintf(r->db, sizeof r->db, "%d", uri->db);
    r->connect_tv = ms_tv(conf->connect_timeout_ms);
    r->tv = ms_tv(conf->timeout_ms);
    r->timeout_ms = (int)(r->tv.tv_sec * 1000 + r->tv.tv_usec / 1000);
    r->dead_after_ms = conf->dead_after_ms;

    /* Connect now, so that a wrong address or password shows at open. */
    rd_op(r, "open");
    was_pending = sigpipe_block(&old);
    rc = rd_connect(r, err);
    sigpipe_restore(&old, was_pending);
    if (rc != FO_OK) {
        free(r);
        return rc;
    }
    *impl = r;
    return FO_OK;
}

static void rd_close(void *impl)
{
    rd *r = impl;

    if (r == NULL)
        return;
    if (r->c != NULL)
        redisFree(r->c);
    free(r);
}

static fo_status rd_now(void *impl, int64_t *now_ms, fo_error *err)
{
    rd *r = impl;
    rd_args a;
    redisReply *rep;
    fo_status rc;

    rd_op(r, "now");
    args_init(&a, 0);
    args_str(&a, "TIME");
    rc = rd_check(r, rd_send(r, &a, &rep, err), &rep, err);
    if (rc != FO_OK)
        return rc;
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2)
        *now_ms = parse_i64(elem_str(rep, 0)) * 1000 +
                  parse_i64(elem_str(rep, 1)) / 1000;
    else
        rc = rd_fail(r, err, FO_ERR, "unexpected reply");
    freeReplyObject(rep);
    return rc;
}

/* ---- nodes ------------------------------------------------------------ */

static fo_status rd_node_heartbeat(void *impl, const fo_node *n,
                                   fo_error *err)
{
    rd *r = impl;
    rd_args a;

    rd_op(r, "heartbeat %s", n->id);
    args_init(&a, 3);
    args_key(&a, "fo:node:%s", n->id);
    args_key(&a, "fo:nodes");
    args_str(&a, n->id);
    args_fields(&a, node_fields, NFIELDS(node_fields), n, RD_ALL);
    return rd_decide(r, RS_NODE_PUT, &a, "", err);
}

/* Decodes {now, hash, hash...} into out[0..cap); empty hashes (ids whose
 * node went away) are skipped.  Frees rep. */
static fo_status nodes_decode(rd *r, redisReply *rep, fo_node *out,
                              size_t cap, size_t *n, fo_error *err)
{
    fo_status rc = FO_OK;
    int64_t now;

    *n = 0;
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 1 ||
        rep->element[0]->type != REDIS_REPLY_INTEGER) {
        rc = rd_fail(r, err, FO_ERR, "unexpected reply");
        goto done;
    }
    now = rep->element[0]->integer;
    for (size_t i = 1; i < rep->elements && *n < cap; i++) {
        const redisReply *h = rep->element[i];
        fo_node *o = &out[*n];

        if (h->type != REDIS_REPLY_ARRAY || h->elements == 0)
            continue;
        memset(o, 0, sizeof *o);
        decode(node_fields, NFIELDS(node_fields), o, h);
        o->alive = now - o->last_update_ms <= r->dead_after_ms;
        (*n)++;
    }
done:
    freeReplyObject(rep);
    return rc;
}

static fo_status rd_node_get(void *impl, const char *id, fo_node *out,
                             fo_error *err)
{
    rd *r = impl;
    rd_args a;
    redisReply *rep;
    size_t n = 0;
    fo_status rc;

    rd_op(r, "node_get %s", id);
    args_init(&a, 3);
    args_key(&a, "fo:node:%s", id);
    rc = rd_eval(r, RS_NODE_GET, &a, &rep, err);
    if (rc == FO_OK)
        rc = nodes_decode(r, rep, out, 1, &n, err);
    if (rc == FO_OK && n == 0)
        rc = rd_fail(r, err, FO_NOT_FOUND, "not found");
    return rc;
}

static fo_status rd_node_list(void *impl, size_t offset, fo_node *out,
                              size_t cap, size_t *n, fo_error *err)
{
    rd *r = impl;
    rd_args a;
    redisReply *rep;
    fo_status rc;

    *n = 0;
    rd_op(r, "node_list %zu", offset);
    /* ZRANGE stops are inclusive, and -1 would mean "to the end". */
    if (cap == 0 || offset >= (size_t)INT64_MAX)
        return FO_OK;
    if (cap > (size_t)INT64_MAX - offset)
        cap = (size_t)INT64_MAX - offset;
    args_init(&a, 3);
    args_key(&a, "fo:nodes");
    args_num(&a, "%zu", offset);
    args_num(&a, "%zu", offset + cap - 1);
    rc = rd_eval(r, RS_NODE_LIST, &a, &rep, err);
    return rc != FO_OK ? rc : nodes_decode(r, rep, out, cap, n, err);
}

static fo_status rd_node_count(void *impl, int64_t *count, fo_error *err)
{
    rd *r = impl;
    redisReply *rep;
    fo_status rc;

    rd_op(r, "node_count");
    rc = rd_cmd(r, &rep, err, "ZCARD", "fo:nodes");
    return rd_integer(r, rc, rep, count, err);
}

static fo_status rd_node_delete(void *impl, const char *id, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    rd_op(r, "node_delete %s", id);
    args_init(&a, 3);
    args_key(&a, "fo:node:%s", id);
    args_key(&a, "fo:nodes");
    args_str(&a, id);
    return rd_decide(r, RS_NODE_DELETE, &a, "", err);
}

/* ---- broadcasts ------------------------------------------------------- */

/* Starts a script's argv with the keys of broadcast app/stream: the
 * broadcast, fo:live, and the app's set when with_set. */
static void args_bc(rd_args *a, const char *app, const char *stream,
                    int with_set)
{
    args_init(a, 3);
    args_key(a, "fo:bc:%s:%s", app, stream);
    args_key(a, "fo:live");
    if (with_set)
        args_key(a, "fo:bcs:%s", app);
}

static fo_status rd_broadcast_create(void *impl, const fo_broadcast *b,
                                     fo_error *err)
{
    rd *r = impl;
    rd_args a;

    rd_op(r, "create %s/%s", b->app, b->stream_id);
    args_bc(&a, b->app, b->stream_id, 1);
    args_str(&a, b->stream_id);
    args_fields(&a, bc_fields, NFIELDS(bc_fields), b, RD_ALL);
    return rd_decide(r, RS_BC_CREATE, &a, "already exists", err);
}

static fo_status rd_broadcast_get(void *impl, const char *app,
                                  const char *stream_id, fo_broadcast *out,
                                  fo_error *err)
{
    rd *r = impl;
    redisReply *rep;
    fo_status rc;

    rd_op(r, "get %s/%s", app, stream_id);
    rc = rd_cmd(r, &rep, err, "HGETALL", "fo:bc:%s:%s", app, stream_id);
    if (rc != FO_OK)
        return rc;
    if (rep->type != REDIS_REPLY_ARRAY) {
        rc = rd_fail(r, err, FO_ERR, "unexpected reply");
    } else if (rep->elements == 0) {
        rc = rd_fail(r, err, FO_NOT_FOUND, "not found");
    } else {
        memset(out, 0, sizeof *out);
        decode(bc_fields, NFIELDS(bc_fields), out, rep);
        fo_strlcpy(out->app, app, sizeof out->app);
        fo_strlcpy(out->stream_id, stream_id, sizeof out->stream_id);
    }
    freeReplyObject(rep);
    return rc;
}

static fo_status rd_broadcast_update(void *impl, const fo_broadcast *b,
                                     unsigned mask, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    rd_op(r, "update %s/%s", b->app, b->stream_id);
    args_bc(&a, b->app, b->stream_id, 0);
    args_fields(&a, bc_fields, NFIELDS(bc_fields), b, mask & ~RD_ALL);
    return rd_decide(r, RS_BC_UPDATE, &a, "", err);
}

static fo_status rd_broadcast_delete(void *impl, const char *app,
                                     const char *stream_id, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    rd_op(r, "delete %s/%s", app, stream_id);
    args_bc(&a, app, stream_id, 1);
    args_key(&a, "fo:viewers:%s:%s", app, stream_id);
    args_str(&a, stream_id);
    return rd_decide(r, RS_BC_DELETE, &a, "", err);
}

/* Every broadcast of app into *all (heap, the caller frees; NULL when
 * none): SMEMBERS, then one pipelined HGETALL per stream.  Streams
 * deleted in between are skipped. */
static fo_status bc_fetch(rd *r, const char *app, fo_broadcast **all,
                          size_t *n, fo_error *err)
{
    redisReply *ids, *h;
    fo_broadcast *v = NULL;
    char key[RD_KEY_MAX];
    const char *argv[2] = { "HGETALL", key };
    sigset_t old;
    int was_pending;
    fo_status rc;
    size_t i;

    *all = NULL;
    *n = 0;
    rc = rd_cmd(r, &ids, err, "SMEMBERS", "fo:bcs:%s", app);
    if (rc != FO_OK)
        return rc;
    if (ids->type != REDIS_REPLY_ARRAY) {
        rc = rd_fail(r, err, FO_ERR, "unexpected reply");
        goto done;
    }
    if (ids->elements == 0)
        goto done;
    v = calloc(ids->elements, sizeof *v);
    if (v == NULL) {
        rc = rd_fail(r, err, FO_ERR, "out of memory");
        goto done;
    }
    was_pending = sigpipe_block(&old);
    for (i = 0; i < ids->elements; i++) {
        snprintf(key, sizeof key, "fo:bc:%s:%s", app, elem_str(ids, i));
        if (redisAppendCommandArgv(r->c, 2, argv, NULL) != REDIS_OK)
            break;
    }
    /* A failed append leaves a half-queued pipeline: drop the context. */
    if (i < ids->elements)
        rc = rd_drop(r, err);
    for (i = 0; rc == FO_OK && i < ids->elements; i++) {
        if (redisGetReply(r->c, (void **)&h) != REDIS_OK) {
            rc = rd_drop(r, err);
            break;
        }
        if (h->type == REDIS_REPLY_ARRAY && h->elements > 0) {
            decode(bc_fields, NFIELDS(bc_fields), &v[*n], h);
            fo_strlcpy(v[*n].app, app, sizeof v[*n].app);
            fo_strlcpy(v[*n].stream_id, elem_str(ids, i),
                       sizeof v[*n].stream_id);
            (*n)++;
        }
        freeReplyObject(h);
    }
    sigpipe_restore(&old, was_pending);
done:
    freeReplyObject(ids);
    if (rc != FO_OK) {
        free(v);
        *n = 0;
        return rc;
    }
    *all = v;
    return FO_OK;
}

static fo_status rd_broadcast_list(void *impl, const char *app,
                                   const fo_list_query *q, size_t offset,
                                   fo_broadcast *out, size_t cap, size_t *n,
                                   fo_error *err)
{
    rd *r = impl;
    fo_broadcast *all;
    size_t nall;
    fo_status rc;

    *n = 0;
    rd_op(r, "list %s", app);
    rc = bc_fetch(r, app, &all, &nall, err);
    if (rc != FO_OK)
        return rc;
    if (nall > 0)
        fo_broadcast_page(all, nall, q, offset, out, cap, n);
    free(all);
    return FO_OK;
}

static fo_status rd_broadcast_count(void *impl, const char *app,
                                    const char *search, int64_t *count,
                                    fo_error *err)
{
    rd *r = impl;
    fo_broadcast *all;
    size_t nall;
    redisReply *rep;
    fo_status rc;

    rd_op(r, "count %s", app);
    if (search == NULL || search[0] == '\0') {
        rc = rd_cmd(r, &rep, err, "SCARD", "fo:bcs:%s", app);
        return rd_integer(r, rc, rep, count, err);
    }
    rc = bc_fetch(r, app, &all, &nall, err);
    if (rc != FO_OK)
        return rc;
    *count = 0;
    for (size_t i = 0; i < nall; i++)
        *count += fo_broadcast_matches(&all[i], search) ? 1 : 0;
    free(all);
    return FO_OK;
}

static fo_status rd_broadcast_count_active(void *impl, const char *app,
                                           int64_t *count, fo_error *err)
{
    rd *r = impl;
    rd_args a;
    redisReply *rep;
    fo_status rc;

    rd_op(r, "count_active %s", app);
    args_init(&a, 3);
    args_key(&a, "fo:bcs:%s", app);
    args_num(&a, "fo:bc:%s:", app);
    rc = rd_eval(r, RS_BC_ACTIVE, &a, &rep, err);
    return rd_integer(r, rc, rep, count, err);
}

/* ---- publishing ------------------------------------------------------- */

static fo_status rd_stream_claim(void *impl, const fo_claim *c,
                                 fo_error *err)
{
    rd *r = impl;
    rd_args a;

    rd_op(r, "claim %s/%s", c->app, c->stream_id);
    args_bc(&a, c->app, c->stream_id, 1);
    args_str(&a, c->app);
    args_str(&a, c->stream_id);
    args_str(&a, c->node_id);
    args_str(&a, c->address);
    args_num(&a, "%d", c->http_port);
    args_str(&a, c->session_id);
    args_str(&a, c->publish_type);
    args_num(&a, "%" PRId64, r->dead_after_ms);
    return rd_decide(r, RS_CLAIM, &a, "", err);
}

static fo_status rd_stream_release(void *impl, const char *app,
                                   const char *stream_id,
                                   const char *session_id, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    rd_op(r, "release %s/%s", app, stream_id);
    args_bc(&a, app, stream_id, 0);
    args_str(&a, session_id);
    return rd_decide(r, RS_RELEASE, &a, "", err);
}

static fo_status rd_stream_lookup(void *impl, const char *app,
                                  const char *stream_id, fo_origin *out,
                                  fo_error *err)
{
    rd *r = impl;
    rd_args a;
    redisReply *rep;
    fo_status rc;

    rd_op(r, "lookup %s/%s", app, stream_id);
    args_init(&a, 3);
    args_key(&a, "fo:bc:%s:%s", app, stream_id);
    args_num(&a, "%" PRId64, r->dead_after_ms);
    rc = rd_eval(r, RS_LOOKUP, &a, &rep, err);
    if (rc != FO_OK)
        return rc;
    if (rep->type == REDIS_REPLY_INTEGER && rep->integer == 0) {
        rc = rd_fail(r, err, FO_NOT_FOUND, "not found");
    } else if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 6 ||
               rep->element[5]->type != REDIS_REPLY_INTEGER) {
        rc = rd_fail(r, err, FO_ERR, "unexpected reply");
    } else {
        memset(out, 0, sizeof *out);
        fo_strlcpy(out->address, elem_str(rep, 0), sizeof out->address);
        out->http_port = (int)parse_i64(elem_str(rep, 1));
        fo_strlcpy(out->node_id, elem_str(rep, 2), sizeof out->node_id);
        fo_strlcpy(out->session_id, elem_str(rep, 3), sizeof out->session_id);
        fo_strlcpy(out->status, elem_str(rep, 4), sizeof out->status);
        out->node_alive = rep->element[5]->integer != 0;
    }
    freeReplyObject(rep);
    return rc;
}

static fo_status rd_stream_reap_dead(void *impl, int64_t *reaped,
                                     fo_error *err)
{
    rd *r = impl;
    rd_args a;
    redisReply *rep;
    int64_t n = 0;
    fo_status rc;

    rd_op(r, "reap_dead");
    args_init(&a, 3);
    args_key(&a, "fo:live");
    args_num(&a, "%" PRId64, r->dead_after_ms);
    rc = rd_eval(r, RS_REAP, &a, &rep, err);
    rc = rd_integer(r, rc, rep, &n, err);
    if (rc == FO_OK && reaped != NULL)
        *reaped = n;
    return rc;
}

/* ---- viewers, app settings, VoD --------------------------------------- */

static fo_status rd_viewers_report(void *impl, const char *node_id,
                                   const char *app, const char *stream_id,
                                   int64_t hls, int64_t dash, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    rd_op(r, "viewers %s/%s %s", app, stream_id, node_id);
    args_init(&a, 3);
    args_key(&a, "fo:bc:%s:%s", app, stream_id);
    args_key(&a, "fo:viewers:%s:%s", app, stream_id);
    args_str(&a, node_id);
    args_num(&a, "%" PRId64, hls);
    args_num(&a, "%" PRId64, dash);
    args_num(&a, "%" PRId64, r->dead_after_ms);
    return rd_decide(r, RS_VIEWERS, &a, "", err);
}

static fo_status rd_app_settings_put(void *impl, const char *app,
                                     const char *json, fo_error *err)
{
    rd *r = impl;
    rd_args a;
    redisReply *rep;
    fo_status rc;

    rd_op(r, "app_settings_put %s", app);
    args_init(&a, 0);
    args_str(&a, "SET");
    args_key(&a, "fo:app:%s", app);
    args_str(&a, json);
    rc = rd_check(r, rd_send(r, &a, &rep, err), &rep, err);
    if (rc == FO_OK)
        freeReplyObject(rep);
    return rc;
}

static fo_status rd_app_settings_get(void *impl, const char *app, char *json,
                                     size_t cap, fo_error *err)
{
    rd *r = impl;
    redisReply *rep;
    char why[64];
    fo_status rc;

    rd_op(r, "app_settings_get %s", app);
    rc = rd_cmd(r, &rep, err, "GET", "fo:app:%s", app);
    if (rc != FO_OK)
        return rc;
    if (rep->type == REDIS_REPLY_NIL) {
        rc = rd_fail(r, err, FO_NOT_FOUND, "not found");
    } else if (rep->type != REDIS_REPLY_STRING) {
        rc = rd_fail(r, err, FO_ERR, "unexpected reply");
    } else if (rep->len >= cap) {
        snprintf(why, sizeof why, "%zu bytes do not fit in %zu", rep->len,
                 cap);
        rc = rd_fail(r, err, FO_ERR, why);
    } else {
        memcpy(json, rep->str, rep->len + 1);
    }
    freeReplyObject(rep);
    return rc;
}

static fo_status rd_vod_put(void *impl, const fo_vod *v, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    rd_op(r, "vod_put %s/%s", v->app, v->vod_id);
    args_init(&a, 3);
    args_key(&a, "fo:vod:%s:%s", v->app, v->vod_id);
    args_key(&a, "fo:vods:%s", v->app);
    args_str(&a, v->vod_id);
    args_fields(&a, vod_fields, NFIELDS(vod_fields), v, RD_ALL);
    return rd_decide(r, RS_VOD_PUT, &a, "", err);
}

static fo_status rd_vod_count(void *impl, const char *app, int64_t *count,
                              fo_error *err)
{
    rd *r = impl;
    redisReply *rep;
    fo_status rc;

    rd_op(r, "vod_count %s", app);
    rc = rd_cmd(r, &rep, err, "SCARD", "fo:vods:%s", app);
    return rd_integer(r, rc, rep, count, err);
}

static fo_status rd_vod_delete(void *impl, const char *app,
                               const char *vod_id, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    rd_op(r, "vod_delete %s/%s", app, vod_id);
    args_init(&a, 3);
    args_key(&a, "fo:vod:%s:%s", app, vod_id);
    args_key(&a, "fo:vods:%s", app);
    args_str(&a, vod_id);
    return rd_decide(r, RS_VOD_DELETE, &a, "", err);
}

const fo_backend_ops fo_redis_ops = {
    .name = "redis",
    .open = rd_open,
    .close = rd_close,
    .now = rd_now,
    .node_heartbeat = rd_node_heartbeat,
    .node_get = rd_node_get,
    .node_list = rd_node_list,
    .node_count = rd_node_count,
    .node_delete = rd_node_delete,
    .broadcast_create = rd_broadcast_create,
    .broadcast_get = rd_broadcast_get,
    .broadcast_update = rd_broadcast_update,
    .broadcast_delete = rd_broadcast_delete,
    .broadcast_list = rd_broadcast_list,
    .broadcast_count = rd_broadcast_count,
    .broadcast_count_active = rd_broadcast_count_active,
    .stream_claim = rd_stream_claim,
    .stream_release = rd_stream_release,
    .stream_lookup = rd_stream_lookup,
    .stream_reap_dead = rd_stream_reap_dead,
    .viewers_report = rd_viewers_report,
    .app_settings_put = rd_app_settings_put,
    .app_settings_get = rd_app_settings_get,
    .vod_put = rd_vod_put,
    .vod_count = rd_vod_count,
    .vod_delete = rd_vod_delete,
};
