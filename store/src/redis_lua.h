/*
 * redis_lua.h — the redis:// backend's key layout and its Lua scripts.
 *
 * Key layout (ids are [A-Za-z0-9_.-], so keys cannot collide):
 *   fo:node:<id>               hash    node fields + last_update_ms
 *   fo:nodes                   zset    node ids, all score 0, so ZRANGE by
 *                                      index walks them in byte order
 *   fo:bc:<app>:<stream>       hash    broadcast fields
 *   fo:bcz:<app>               zset    the app's stream ids, all score 0:
 *                                      ZRANGE by index pages them in byte
 *                                      order, ZCARD counts them (the
 *                                      per-app cap); until issue #14 the
 *                                      set fo:bcs:<app>, moved over when a
 *                                      handle opens (RS_BCS_MIGRATE)
 *   fo:autodone                zset    keys (fo:bc:...) of auto-created
 *                                      broadcasts that are finished, scored
 *                                      by update_time: what
 *                                      RS_EXPIRE_AUTO deletes, oldest first
 *   fo:live                    set     keys (fo:bc:...) of broadcasts whose
 *                                      status is "broadcasting"
 *   fo:viewers:<app>:<stream>  hash    node id -> "<hls> <dash> <updated>"
 *   fo:hist:<app>:<stream>     list    the stream's sessions, newest first:
 *                                      "<session> <node> <address> <port>
 *                                      <start> <end> <reason>" (end 0 and
 *                                      reason "-" while live), at most 100
 *   fo:app:<app>               string  app settings JSON
 *   fo:vod:<app>:<vod>         hash    VoD fields
 *   fo:vods:<app>              set     the app's vod ids
 *   fo:tok:<token>             hash    a one-time token: app, stream_id,
 *                                      type, expire_date (Unix s); the key
 *                                      expires then (EXPIREAT)
 *   fo:lease:<name>            string  the holder; expires with the lease
 *                                      (SET PX: the server's clock)
 *   fo:alert:<id>              hash    alert fields (fo_alert's names)
 *   fo:alerts:active           zset    active alert ids, score started_ms
 *   fo:alerts:ended            zset    ended alert ids, score ended_ms; at
 *                                      most 100 (a put drops the oldest
 *                                      and their hashes)
 *   fo:user:<email>            hash    a console user: password_hash,
 *                                      user_type, created_ms, revoked_ms
 *   fo:users                   set     the users' emails (emails are
 *                                      [A-Za-z0-9_.@+-]: fo_valid_email)
 *   fo:samples:<id>            zset    the node's samples, score time_ms,
 *                                      member "<time_ms> <cpu> <mem_percent>
 *                                      <viewers> <db_query_avg_ms>"; a put
 *                                      drops those older than its keep and
 *                                      sets the key to expire keep after it
 * Integers are decimal strings, doubles "%.17g", role "origin" / "edge",
 * times ms since the epoch on the server's clock.
 *
 * Whatever writes more than one key, or writes depending on what it read,
 * is a Lua script: Redis runs a script with nothing interleaved, so claim,
 * release, reap (each with the history it writes), progress, viewer sums,
 * create and update are atomic.  A broadcast's progress lives in its hash
 * (hls_sequence ... dash_number, progress_time); claim, release and reap
 * leave those fields alone.  Scripts read
 * the clock with TIME (Redis 7 replicates script effects, so that is
 * allowed) and derive node and broadcast keys from ids: fine on one
 * server, not on Redis Cluster.  They go as EVALSHA, falling back to EVAL
 * on NOSCRIPT.
 *
 * The scripts themselves, with the KEYS and ARGV each takes, are in
 * redis_lua.c; redis.c names them by RS_*, redis_conn.c sends them.
 */
#ifndef FANOUT_STORE_REDIS_LUA_H
#define FANOUT_STORE_REDIS_LUA_H

/* The scripts, by name. */
enum {
    RS_NODE_PUT, RS_NODE_GET, RS_NODE_LIST, RS_NODE_DELETE,
    RS_BC_CREATE, RS_BC_UPDATE, RS_BC_DELETE, RS_EXPIRE_AUTO, RS_BCS_MIGRATE,
    RS_CLAIM, RS_RELEASE, RS_LOOKUP, RS_REAP, RS_PROGRESS_PUT, RS_VIEWERS,
    RS_VOD_PUT, RS_VOD_DELETE, RS_TOKEN_PUT, RS_TOKEN_CONSUME,
    RS_LEASE, RS_LEASE_RELEASE, RS_ALERT_PUT, RS_ALERT_LIST,
    RS_USER_CREATE, RS_USER_REVOKE, RS_SAMPLE_PUT, RS_SAMPLES, RS_LOGIN_ADD,
    RS_LOGIN_GET, RS_COUNT
};

/* The script texts, indexed by RS_*.  Scripts that decide return 0 done,
 * -1 not found, and 1 or a string (the reason) for a conflict, which is
 * what fo_rd_decide maps. */
extern const char *const fo_rd_scripts[RS_COUNT];

#endif /* FANOUT_STORE_REDIS_LUA_H */
