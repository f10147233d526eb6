/*
 * redis_lua.c — the redis:// backend's Lua scripts (see redis_lua.h for
 * the key layout they work on and what they return).
 */
#include "redis_lua.h"

#define LUA_NOW                                                              \
    "local t = redis.call('TIME')\n"                                         \
    "local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"                    \
    "local nows = string.format('%.0f', now)\n"

/* A node is alive when its hash exists and it spoke within dead ms. */
#define LUA_ALIVE                                                            \
    "local function seen(node)\n"                                            \
    "  return tonumber(redis.call('HGET', 'fo:node:' .. (node or ''), 'last_update_ms'))\n" \
    "end\n"                                                                  \
    "local function fresh(lu, dead)\n"                                       \
    "  return lu ~= nil and now - lu <= dead\n"                              \
    "end\n"                                                                  \
    "local function alive(node, dead)\n"                                     \
    "  return fresh(seen(node), dead)\n"                                     \
    "end\n"

/* Keeps fo:autodone in step with broadcast k: it holds k, scored by its
 * update_time, while k was auto-created and is finished (what
 * RS_EXPIRE_AUTO may delete). */
#define LUA_SYNC_AUTO                                                        \
    "local function sync_auto(k)\n"                                         \
    "  local v = redis.call('HMGET', k, 'status', 'auto_created', 'update_time')\n" \
    "  if v[1] == 'finished' and v[2] == '1' then\n"                        \
    "    redis.call('ZADD', 'fo:autodone', v[3] or '0', k)\n"               \
    "  else redis.call('ZREM', 'fo:autodone', k) end\n"                     \
    "end\n"

/* Keeps fo:live (KEYS[2]) in step with the status of broadcast KEYS[1],
 * and fo:autodone. */
#define LUA_SYNC_LIVE                                                        \
    LUA_SYNC_AUTO                                                            \
    "if redis.call('HGET', KEYS[1], 'status') == 'broadcasting' then\n"      \
    "  redis.call('SADD', KEYS[2], KEYS[1])\n"                               \
    "else redis.call('SREM', KEYS[2], KEYS[1]) end\n"                        \
    "sync_auto(KEYS[1])\n"

/* The history (redis_lua.h): a list per stream, newest session first,
 * each entry "<session> <node> <address> <port> <start> <end> <reason>"
 * (end 0 and reason "-" while live).  The live session, if any, is the
 * head: end_session ends it, at most once (only if it is session s, when
 * s is not nil); start_session pushes a new head and keeps
 * FO_HISTORY_KEEP (100) entries. */
#define LUA_HISTORY                                                          \
    "local function end_session(h, s, why)\n"                                \
    "  local e = redis.call('LINDEX', h, 0)\n"                               \
    "  if not e then return end\n"                                           \
    "  local f = {}\n"                                                       \
    "  for w in string.gmatch(e, '%S+') do f[#f + 1] = w end\n"              \
    "  if (not s or f[1] == s) and f[6] == '0' and #f == 7 then\n"          \
    "    f[6], f[7] = nows, why\n"                                           \
    "    redis.call('LSET', h, 0, table.concat(f, ' '))\n"                   \
    "  end\n"                                                                \
    "end\n"                                                                  \
    "local function start_session(h, s, node, addr, port)\n"                 \
    "  redis.call('LPUSH', h, table.concat({s, node, addr, port, nows, '0', '-'}, ' '))\n" \
    "  redis.call('LTRIM', h, 0, 99)\n"                                      \
    "end\n"

/* Only the last expression in a Lua call expands, hence unpack(ARGV)
 * last. */
const char *const fo_rd_scripts[RS_COUNT] = {
    /* KEYS node, samples; ARGV keep_ms, "<cpu> <mem> <viewers> <db>".
     * Only while the node exists; the key expires keep_ms after the last
     * sample, so a silent node's samples go by themselves. */
    [RS_SAMPLE_PUT] =
        "if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end\n"
        LUA_NOW
        "local keep = tonumber(ARGV[1])\n"
        "redis.call('ZADD', KEYS[2], now, nows .. ' ' .. ARGV[2])\n"
        "redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. string.format('%.0f', now - keep))\n"
        "redis.call('PEXPIRE', KEYS[2], keep)\n"
        "return 0\n",
    /* KEYS nodes; ARGV id ('' for every node, in fo:nodes order), since,
     * cap.  Reply: {id, {member...}, id, {member...}, ...} */
    [RS_SAMPLES] =
        "local ids = {ARGV[1]}\n"
        "if ARGV[1] == '' then ids = redis.call('ZRANGE', KEYS[1], 0, -1) end\n"
        "local left = tonumber(ARGV[3])\n"
        "local out = {}\n"
        "for _, id in ipairs(ids) do\n"
        "  if left <= 0 then break end\n"
        "  local s = redis.call('ZRANGEBYSCORE', 'fo:samples:' .. id, ARGV[2], '+inf', 'LIMIT', 0, left)\n"
        "  if #s > 0 then\n"
        "    out[#out + 1] = id\n"
        "    out[#out + 1] = s\n"
        "    left = left - #s\n"
        "  end\n"
        "end\n"
        "return out\n",
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
    /* KEYS node, nodes, samples; ARGV id */
    [RS_NODE_DELETE] =
        "redis.call('DEL', KEYS[3])\n"
        "local n = redis.call('DEL', KEYS[1]) + redis.call('ZREM', KEYS[2], ARGV[1])\n"
        "if n == 0 then return -1 end\n"
        "return 0\n",
    /* KEYS bc, live, bcs; ARGV stream, field, value, ... */
    [RS_BC_CREATE] =
        "if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end\n"
        LUA_NOW
        "redis.call('HSET', KEYS[1], 'date', nows, 'update_time', nows, unpack(ARGV, 2))\n"
        "redis.call('ZADD', KEYS[3], 0, ARGV[1])\n"
        LUA_SYNC_LIVE
        "return 0\n",
    /* KEYS bc, live; ARGV field, value, ... (maybe none) */
    [RS_BC_UPDATE] =
        "if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end\n"
        LUA_NOW
        "redis.call('HSET', KEYS[1], 'update_time', nows, unpack(ARGV))\n"
        LUA_SYNC_LIVE
        "return 0\n",
    /* KEYS bc, live, bcs, viewers, hist; ARGV stream.  The history goes
     * with the broadcast. */
    [RS_BC_DELETE] =
        "if redis.call('DEL', KEYS[1]) == 0 then return -1 end\n"
        "redis.call('SREM', KEYS[2], KEYS[1])\n"
        "redis.call('ZREM', KEYS[3], ARGV[1])\n"
        "redis.call('ZREM', 'fo:autodone', KEYS[1])\n"
        "redis.call('DEL', KEYS[4], KEYS[5])\n"
        "return 0\n",
    /* KEYS bc, live, bcs, hist; ARGV app, stream, node, address, port,
     * session, publish_type, dead_after_ms, session taken over ("" for
     * none).  The owner's liveness is decided in here too, or two claims
     * could both win.  A new session ends the live history entry, whoever
     * it was (the replaced session, or one whose status an update
     * changed), and starts its own.  Progress fields are left as they
     * are. */
    [RS_CLAIM] = LUA_NOW LUA_ALIVE LUA_HISTORY
        "local cur = redis.call('HMGET', KEYS[1], 'status', 'session_id', 'origin_node')\n"
        "local live = cur[1] == 'broadcasting' and cur[2] or nil\n"
        "if live and live ~= ARGV[6] and (ARGV[9] == '' or live ~= ARGV[9])\n"
        "   and alive(cur[3], tonumber(ARGV[8])) then\n"
        "  return 'broadcasting on live node ' .. cur[3]\n"
        "end\n"
        "if redis.call('EXISTS', KEYS[1]) == 0 then\n"
        "  redis.call('HSET', KEYS[1], 'app', ARGV[1], 'stream_id', ARGV[2],\n"
        "    'name', ARGV[2], 'type', 'liveStream', 'date', nows, 'bitrate', '0',\n"
        "    'hls_viewer_count', '0', 'dash_viewer_count', '0', 'extra', '',\n"
        "    'auto_created', '1')\n"
        "  redis.call('ZADD', KEYS[3], 0, ARGV[2])\n"
        "end\n"
        "redis.call('HSET', KEYS[1], 'status', 'broadcasting',\n"
        "  'origin_node', ARGV[3], 'origin_address', ARGV[4],\n"
        "  'origin_http_port', ARGV[5], 'session_id', ARGV[6],\n"
        "  'publish_type', ARGV[7], 'start_time', nows, 'update_time', nows)\n"
        "redis.call('SADD', KEYS[2], KEYS[1])\n"
        "redis.call('ZREM', 'fo:autodone', KEYS[1])\n"
        "if live ~= ARGV[6] then\n"
        "  end_session(KEYS[4], nil, 'takenOver')\n"
        "  start_session(KEYS[4], ARGV[6], ARGV[3], ARGV[4], ARGV[5])\n"
        "end\n"
        "return 0\n",
    /* KEYS bc, live, hist; ARGV session */
    [RS_RELEASE] =
        "if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end\n"
        "local cur = redis.call('HMGET', KEYS[1], 'status', 'session_id')\n"
        "if cur[1] ~= 'broadcasting' then\n"
        "  return 'not broadcasting (' .. (cur[1] or '') .. ')'\n"
        "end\n"
        "if cur[2] ~= ARGV[1] then return 'owned by session ' .. (cur[2] or '') end\n"
        LUA_NOW LUA_HISTORY LUA_SYNC_AUTO
        "redis.call('HSET', KEYS[1], 'status', 'finished', 'update_time', nows)\n"
        "redis.call('SREM', KEYS[2], KEYS[1])\n"
        "sync_auto(KEYS[1])\n"
        "end_session(KEYS[3], ARGV[1], 'released')\n"
        "return 0\n",
    /* KEYS bc; ARGV dead_after_ms.  0 when missing, else the owner row. */
    [RS_LOOKUP] = LUA_NOW LUA_ALIVE
        "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end\n"
        "local r = redis.call('HMGET', KEYS[1], 'origin_address',\n"
        "  'origin_http_port', 'origin_node', 'session_id', 'status')\n"
        "local lu = seen(r[3])\n"
        "r[6] = fresh(lu, tonumber(ARGV[1])) and 1 or 0\n"
        "r[7] = redis.call('HGET', KEYS[1], 'update_time') or '0'\n"
        "r[8] = string.format('%.0f', lu or 0)\n"
        "return r\n",
    /* KEYS live; ARGV dead_after_ms.  A broadcast key fo:bc:<a>:<s> has
     * its history at fo:hist:<a>:<s>. */
    [RS_REAP] = LUA_NOW LUA_ALIVE LUA_HISTORY LUA_SYNC_AUTO
        "local dead, n = tonumber(ARGV[1]), 0\n"
        "for _, k in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
        "  local cur = redis.call('HMGET', k, 'status', 'origin_node', 'session_id')\n"
        "  if cur[1] ~= 'broadcasting' then\n"
        "    redis.call('SREM', KEYS[1], k)\n"
        "  elseif not alive(cur[2], dead) then\n"
        "    redis.call('HSET', k, 'status', 'finished', 'update_time', nows)\n"
        "    redis.call('SREM', KEYS[1], k)\n"
        "    sync_auto(k)\n"
        "    end_session('fo:hist:' .. string.sub(k, 7), cur[3] or '', 'reaped')\n"
        "    n = n + 1\n"
        "  end\n"
        "end\n"
        "return n\n",
    /* KEYS bc; ARGV session, hls_sequence, hls_discontinuity,
     * dash_start_ms, dash_period, dash_period_start_ms, dash_end_ms,
     * dash_number, and the live figures bitrate, speed, renditions.  Written only while that
     * session broadcasts it. */
    [RS_PROGRESS_PUT] =
        "local cur = redis.call('HMGET', KEYS[1], 'status', 'session_id')\n"
        "if not cur[1] then return -1 end\n"
        "if cur[1] ~= 'broadcasting' then\n"
        "  return 'not broadcasting (' .. cur[1] .. ')'\n"
        "end\n"
        "if cur[2] ~= ARGV[1] then return 'owned by session ' .. (cur[2] or '') end\n"
        LUA_NOW
        "redis.call('HSET', KEYS[1], 'hls_sequence', ARGV[2],\n"
        "  'hls_discontinuity', ARGV[3], 'dash_start_ms', ARGV[4],\n"
        "  'dash_period', ARGV[5], 'dash_period_start_ms', ARGV[6],\n"
        "  'dash_end_ms', ARGV[7], 'dash_number', ARGV[8],\n"
        "  'progress_time', nows, 'bitrate', ARGV[9], 'speed', ARGV[10],\n"
        "  'renditions', ARGV[11])\n"
        "return 0\n",
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
    /* KEYS token; ARGV app, stream, type, expire_date (Unix s).  The key
     * expires with the token (EXPIREAT, the server's clock), so expired
     * tokens never accumulate. */
    [RS_TOKEN_PUT] =
        "if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end\n"
        "redis.call('HSET', KEYS[1], 'app', ARGV[1], 'stream_id', ARGV[2],\n"
        "  'type', ARGV[3], 'expire_date', ARGV[4])\n"
        "redis.call('EXPIREAT', KEYS[1], ARGV[4])\n"
        "return 0\n",
    /* KEYS token; ARGV app, stream, type.  Deleted only when it matches
     * and has not expired: a token for another stream stays usable. */
    [RS_TOKEN_CONSUME] =
        "local v = redis.call('HMGET', KEYS[1], 'app', 'stream_id', 'type', 'expire_date')\n"
        "if v[1] ~= ARGV[1] or v[2] ~= ARGV[2] or v[3] ~= ARGV[3] then return -1 end\n"
        LUA_NOW
        "if now >= (tonumber(v[4]) or 0) * 1000 then\n"
        "  redis.call('DEL', KEYS[1])\n"
        "  return -1\n"
        "end\n"
        "redis.call('DEL', KEYS[1])\n"
        "return 0\n",
    /* KEYS autodone; ARGV retention_ms, max.  At most max of the oldest
     * entries; each is checked again (finished, auto-created, old enough)
     * before it is deleted, with its viewers and history, as RS_BC_DELETE
     * does; an entry that no longer qualifies is re-scored or dropped.
     * Returns how many were deleted. */
    [RS_EXPIRE_AUTO] = LUA_NOW LUA_SYNC_AUTO
        "local cutoff, n = now - tonumber(ARGV[1]), 0\n"
        "local ks = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf',\n"
        "  string.format('%.0f', cutoff),\n"
        "  'LIMIT', 0, tonumber(ARGV[2]))\n"
        "for _, k in ipairs(ks) do\n"
        "  local v = redis.call('HMGET', k, 'status', 'auto_created', 'update_time')\n"
        "  local a, s = string.match(k, '^fo:bc:([^:]+):(.+)$')\n"
        "  if a and v[1] == 'finished' and v[2] == '1'\n"
        "     and (tonumber(v[3]) or 0) <= cutoff then\n"
        "    redis.call('DEL', k, 'fo:viewers:' .. a .. ':' .. s,\n"
        "      'fo:hist:' .. a .. ':' .. s)\n"
        "    redis.call('ZREM', 'fo:bcz:' .. a, s)\n"
        "    redis.call('SREM', 'fo:live', k)\n"
        "    redis.call('ZREM', KEYS[1], k)\n"
        "    n = n + 1\n"
        "  else sync_auto(k) end\n"
        "end\n"
        "return n\n",
    /* KEYS the old set fo:bcs:<app>, the index fo:bcz:<app>; ARGV count.
     * Moves at most count ids from the set (layout before issue #14) to
     * the sorted set; returns how many are left in the set. */
    [RS_BCS_MIGRATE] =
        "local ids = redis.call('SPOP', KEYS[1], tonumber(ARGV[1]))\n"
        "for _, s in ipairs(ids) do redis.call('ZADD', KEYS[2], 0, s) end\n"
        "return redis.call('SCARD', KEYS[1])\n",
    /* KEYS vod, vods; ARGV vod_id */
    [RS_VOD_DELETE] =
        "local n = redis.call('DEL', KEYS[1]) + redis.call('SREM', KEYS[2], ARGV[1])\n"
        "if n == 0 then return -1 end\n"
        "return 0\n",
    /* KEYS lease; ARGV holder, ttl_ms.  1 held, 0 another holds it. */
    [RS_LEASE] =
        "local cur = redis.call('GET', KEYS[1])\n"
        "if cur and cur ~= ARGV[1] then return 0 end\n"
        "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])\n"
        "return 1\n",
    /* KEYS lease; ARGV holder.  Deleted only when holder holds it. */
    [RS_LEASE_RELEASE] =
        "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end\n"
        "redis.call('DEL', KEYS[1])\n"
        "return 0\n",
    /* KEYS alert, active, ended; ARGV id, started_ms, ended_ms, keep,
     * field, value, ... */
    [RS_ALERT_PUT] =
        "redis.call('HSET', KEYS[1], unpack(ARGV, 5))\n"
        "if tonumber(ARGV[3]) == 0 then\n"
        "  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])\n"
        "  redis.call('ZREM', KEYS[3], ARGV[1])\n"
        "  return 0\n"
        "end\n"
        "redis.call('ZREM', KEYS[2], ARGV[1])\n"
        "redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])\n"
        "local stop = -1 - tonumber(ARGV[4])\n"
        "local old = redis.call('ZRANGE', KEYS[3], 0, stop)\n"
        "for _, id in ipairs(old) do redis.call('DEL', 'fo:alert:' .. id) end\n"
        "if #old > 0 then redis.call('ZREMRANGEBYRANK', KEYS[3], 0, stop) end\n"
        "return 0\n",
    /* KEYS zset; ARGV stop, newest first (1 or 0) */
    [RS_ALERT_LIST] =
        "local ids\n"
        "if ARGV[2] == '1' then ids = redis.call('ZREVRANGE', KEYS[1], 0, ARGV[1])\n"
        "else ids = redis.call('ZRANGE', KEYS[1], 0, ARGV[1]) end\n"
        "local out = {}\n"
        "for _, id in ipairs(ids) do\n"
        "  out[#out + 1] = redis.call('HGETALL', 'fo:alert:' .. id)\n"
        "end\n"
        "return out\n",
    /* KEYS user, users; ARGV email, password_hash, user_type */
    [RS_USER_CREATE] =
        "if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end\n"
        LUA_NOW
        "redis.call('HSET', KEYS[1], 'password_hash', ARGV[2], 'user_type', ARGV[3],\n"
        "  'created_ms', nows, 'revoked_ms', '0')\n"
        "redis.call('SADD', KEYS[2], ARGV[1])\n"
        "return 0\n",
    /* KEYS user.  -1 when there is no such user, else the time set. */
    [RS_USER_REVOKE] =
        "if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end\n"
        LUA_NOW
        "redis.call('HSET', KEYS[1], 'revoked_ms', nows)\n"
        "return now\n",
    /* KEYS login; ARGV window_ms.  {failures, ms left}: the key counts
     * the window's failures and expires with it (a new key: a new
     * window). */
    [RS_LOGIN_ADD] =
        "local n = redis.call('INCR', KEYS[1])\n"
        "local left = redis.call('PTTL', KEYS[1])\n"
        "if left < 0 then\n"
        "  redis.call('PEXPIRE', KEYS[1], ARGV[1])\n"
        "  left = tonumber(ARGV[1])\n"
        "end\n"
        "return {n, left}\n",
    /* KEYS login.  {failures, ms left}, {0, 0} when no window is open. */
    [RS_LOGIN_GET] =
        "local n = redis.call('GET', KEYS[1])\n"
        "if not n then return {0, 0} end\n"
        "local left = redis.call('PTTL', KEYS[1])\n"
        "if left < 0 then left = 0 end\n"
        "return {tonumber(n), left}\n",
};
