/*
 * fanout/store.h — the cluster store: one API, several backends.
 *
 * Origins and edges share cluster state (nodes, broadcasts, app settings)
 * through this library.  The backend is chosen by the URI scheme:
 *
 *   sqlite:///abs/path/cluster.db[?opts]        embedded, one machine
 *   redis://[[user]:password@]host[:port][/db][?opts]
 *                                               hiredis; AUTH user password
 *                                               (a Redis 6+ ACL user) when
 *                                               a user is given, else AUTH
 *                                               password
 *   mongodb://...[?opts]                        mongo-c-driver; any URI it
 *                                               accepts (replica sets too)
 *
 * Options every backend understands (query string):
 *   connect_timeout_ms  (default 2000)  bound on establishing a connection
 *   timeout_ms          (default 2000)  bound on one operation
 *   update_period_ms    (default 5000)  node heartbeat period
 *   dead_factor         (default 4)     a node silent for factor x period
 *                                       is dead
 * For mongodb:// the driver's own connectTimeoutMS / socketTimeoutMS /
 * serverSelectionTimeoutMS are set from these unless the URI names them.
 *
 * Time: every timestamp is milliseconds since the Unix epoch on the *store
 * server's* clock (Redis TIME, MongoDB's hello.localTime; SQLite: the local clock), so
 * liveness does not flap between nodes whose clocks disagree.  Callers never
 * supply "now".
 *
 * Thread safety: a fo_store handle may be shared by threads; calls on one
 * handle are serialised by an internal mutex.  Open one handle per thread
 * for parallelism.  Handles must not cross fork(): open after forking.
 *
 * Errors: every call returns a fo_status.  When err is not NULL and the
 * status is not FO_OK, err->msg says what happened, naming the backend and
 * the operation.  Lookups distinguish FO_OK (found), FO_NOT_FOUND and
 * errors.
 *
 * Strings in records are fixed-size, NUL-terminated arrays: records own no
 * heap memory and may be copied with memcpy.
 */
#ifndef FANOUT_STORE_H
#define FANOUT_STORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    FO_OK = 0,
    FO_NOT_FOUND = 1,   /* no such record */
    FO_CONFLICT = 2,    /* live owner holds it, duplicate id, not the owner */
    FO_ERR = -1,        /* backend, I/O or timeout error */
    FO_ERR_INVALID = -2 /* bad argument or malformed URI; nothing was sent */
} fo_status;

typedef struct {
    fo_status code;
    char msg[256];
} fo_error;

#define FO_ID_MAX      64   /* node ids, session ids, app names */
#define FO_STREAM_MAX  128  /* stream ids */
#define FO_ADDR_MAX    64   /* host names and addresses */
#define FO_NAME_MAX    256
#define FO_EXTRA_MAX   2048 /* a JSON object with further fields */
#define FO_RENDITIONS_MAX 1024 /* a live stream's renditions, JSON text */

typedef struct fo_store fo_store;

/* ---- handle -------------------------------------------------------- */

/* Opens a store.  On success *out is a new handle (free with
 * fo_store_close).  Creates schema / indexes when needed. */
fo_status fo_store_open(const char *uri, fo_store **out, fo_error *err);
void fo_store_close(fo_store *s);

/* "sqlite", "redis" or "mongodb". */
const char *fo_store_backend(const fo_store *s);

/* The liveness rule: dead after update_period_ms * dead_factor of silence. */
int64_t fo_store_dead_after_ms(const fo_store *s);

/* The store server's clock. */
fo_status fo_store_now(fo_store *s, int64_t *now_ms, fo_error *err);

/* Mean wall-clock duration of the calls made on this handle so far, in
 * milliseconds, and how many. */
double fo_store_avg_query_ms(const fo_store *s, uint64_t *calls);

/* How many of the last calls fo_store_recent_query_ms averages. */
#define FO_QUERY_WINDOW 128

/* Mean wall-clock duration of the last FO_QUERY_WINDOW calls made on
 * this handle (fewer at first), in milliseconds: what a node reports as
 * Ant Media's dbQueryAverageTimeMs, so that a slow store shows within a
 * window's worth of calls and a recovered one stops showing, which a
 * lifetime mean does neither of.  *calls (may be NULL): how many it
 * averaged. */
double fo_store_recent_query_ms(const fo_store *s, uint64_t *calls);

/* ---- cluster nodes ------------------------------------------------- */

typedef enum { FO_ROLE_ORIGIN = 0, FO_ROLE_EDGE = 1 } fo_role;

typedef struct {
    char id[FO_ID_MAX];
    char ip[FO_ADDR_MAX];       /* the address other nodes use */
    int http_port;              /* origin/edge HTTP port (5080) */
    int rtmp_port;              /* 0 when the node takes no publishers */
    fo_role role;
    char node_group[FO_ID_MAX];
    double cpu;                 /* machine CPU busy, % of all cores 0..100 */
    double mem_percent;         /* machine memory used, %: (MemTotal -
                                 * MemAvailable) / MemTotal */
    double process_cpu;         /* the node's process, % of all cores */
    int64_t process_rss;        /* the node's process, resident bytes */
    double load1;               /* 1-minute load average */
    double repl_lag_ms;         /* MongoDB replica set lag, -1 unknown;
                                 * see fo_node_heartbeat */
    int64_t origin_ok_ms;       /* edges: last good origin fetch, 0 none */
    int64_t origin_fail_ms;     /* edges: last failed origin fetch (connect
                                 * error, timeout, 502, 504), 0 none */
    int64_t egress_bps;         /* bits per second the node sent over HTTP,
                                 * averaged over its last heartbeat
                                 * period; 0 on a first heartbeat */
    int32_t active_streams;
    int32_t viewers;
    double db_query_avg_ms;
    int64_t last_update_ms;     /* set by the store (server clock) */
    int alive;                  /* computed on read, never stored */
} fo_node;

/* Registers or refreshes a node; last_update_ms is the server's now.
 * A negative repl_lag_ms asks the store to measure it: the mongodb://
 * backend runs replSetGetStatus and stores the replica set's lag (the
 * largest primary optime - secondary optime), or -1 when the server is
 * not a replica set or does not answer; other backends store -1.  A
 * repl_lag_ms >= 0 is stored as given. */
fo_status fo_node_heartbeat(fo_store *s, const fo_node *n, fo_error *err);

fo_status fo_node_get(fo_store *s, const char *id, fo_node *out,
                      fo_error *err);

/* Nodes ordered by id, from offset, at most cap of them. */
fo_status fo_node_list(fo_store *s, size_t offset, fo_node *out, size_t cap,
                       size_t *n, fo_error *err);

fo_status fo_node_count(fo_store *s, int64_t *count, fo_error *err);

/* Deletes the node and its samples (fo_node_samples).  FO_NOT_FOUND when
 * there was no such node. */
fo_status fo_node_delete(fo_store *s, const char *id, fo_error *err);

/* ---- broadcasts ---------------------------------------------------- */

#define FO_STATUS_CREATED      "created"
#define FO_STATUS_BROADCASTING "broadcasting"
#define FO_STATUS_FINISHED     "finished"
#define FO_STATUS_ERROR        "error"

typedef struct {
    char app[FO_ID_MAX];
    char stream_id[FO_STREAM_MAX];
    char name[FO_NAME_MAX];
    char status[16];
    char type[32];              /* "liveStream" */
    char publish_type[32];      /* "RTMP", "WebRTC", ... */
    char origin_address[FO_ADDR_MAX]; /* JSON name: originAdress */
    int origin_http_port;
    char origin_node[FO_ID_MAX];
    char session_id[FO_ID_MAX];
    int64_t date;               /* created */
    int64_t start_time;         /* last publish start, 0 if never */
    int64_t update_time;
    int64_t hls_viewer_count;
    int64_t dash_viewer_count;
    int64_t bitrate;            /* bits per second */
    char extra[FO_EXTRA_MAX];   /* JSON object text, "" for none */
    int auto_created;           /* 1: a publish's claim created it (no
                                   REST create); stored with the record,
                                   written only when it is created */
    /* Live figures, written only by the owning session's progress put
     * (fo_progress, below); create and update never write them. */
    double speed;               /* Ant Media's speed: 1.0 = real time */
    char renditions[FO_RENDITIONS_MAX]; /* JSON array text, "" none */
} fo_broadcast;

/* Creates a broadcast; status defaults to "created", type to "liveStream",
 * date and update_time are set by the store.  FO_CONFLICT when the
 * (app, stream_id) exists. */
fo_status fo_broadcast_create(fo_store *s, const fo_broadcast *b,
                              fo_error *err);

fo_status fo_broadcast_get(fo_store *s, const char *app,
                           const char *stream_id, fo_broadcast *out,
                           fo_error *err);

/* Fields a caller may change with fo_broadcast_update. */
enum {
    FO_F_NAME = 1 << 0,
    FO_F_STATUS = 1 << 1,
    FO_F_TYPE = 1 << 2,
    FO_F_PUBLISH_TYPE = 1 << 3,
    FO_F_BITRATE = 1 << 4,
    FO_F_VIEWERS = 1 << 5,      /* hls_viewer_count and dash_viewer_count */
    FO_F_EXTRA = 1 << 6
};

/* Writes the fields named by mask from b; update_time becomes now. */
fo_status fo_broadcast_update(fo_store *s, const fo_broadcast *b,
                              unsigned mask, fo_error *err);

fo_status fo_broadcast_delete(fo_store *s, const char *app,
                              const char *stream_id, fo_error *err);

typedef enum {
    FO_SORT_NONE = 0,   /* by stream id */
    FO_SORT_NAME,
    FO_SORT_DATE,
    FO_SORT_STATUS
} fo_sort;

typedef struct {
    fo_sort sort_by;
    int descending;
    const char *search; /* substring of name or stream id; NULL for all */
} fo_list_query;

/* Broadcasts of one app, sorted, from offset, at most cap. */
fo_status fo_broadcast_list(fo_store *s, const char *app,
                            const fo_list_query *q, size_t offset,
                            fo_broadcast *out, size_t cap, size_t *n,
                            fo_error *err);

/* search may be NULL.  Without one it is the backend's per-app count (an
 * index, Redis ZCARD), never a read of the records: what a cap reads.
 * Lists and counts page and filter inside the backend. */
fo_status fo_broadcast_count(fo_store *s, const char *app,
                             const char *search, int64_t *count,
                             fo_error *err);

/* Broadcasts of the app whose status is "broadcasting". */
fo_status fo_broadcast_count_active(fo_store *s, const char *app,
                                    int64_t *count, fo_error *err);

/* Deletes at most max broadcasts that a claim auto-created (auto_created)
 * and that are finished, not updated for retention_ms (update_time <=
 * now - retention_ms on the store's clock), each with its viewer reports,
 * progress and history, as fo_broadcast_delete does.  Each record is
 * deleted by one conditional step, so a record claimed again meanwhile
 * stays, and several callers (origins) may run it at once: *deleted (may
 * be NULL) counts only this call's deletions.  max 0 deletes nothing. */
fo_status fo_broadcast_expire_auto(fo_store *s, int64_t retention_ms,
                                   size_t max, int64_t *deleted,
                                   fo_error *err);

/* ---- publishing: claim, release, lookup, reap ---------------------- */

typedef struct {
    const char *app;
    const char *stream_id;
    const char *node_id;        /* the claiming origin */
    const char *address;        /* its address (originAdress) */
    int http_port;
    const char *session_id;     /* unique per publish */
    const char *publish_type;   /* "RTMP" */
    /* Takeover: when not NULL, the claim also succeeds while this session
     * owns the stream on a node that is still alive (the claimer asked
     * that owner, and it has no live publisher, or could not be reached).
     * The compare is on the session: if any other session owns the stream
     * by now, FO_CONFLICT as usual. */
    const char *take_over_session;
} fo_claim;

/* Atomic compare-and-set: makes the caller's session the broadcasting
 * owner of the stream, creating the broadcast if needed.  Succeeds when
 * the stream is not broadcasting, or its owner node is dead or gone.
 * FO_CONFLICT when it is broadcasting for another session on a live node.
 * Claiming again with the owning session is FO_OK. */
fo_status fo_stream_claim(fo_store *s, const fo_claim *c, fo_error *err);

/* Ended sessions, for the history: a claim that replaces a broadcasting
 * session (takeover, or a dead owner) ends that session with
 * FO_END_TAKEN_OVER; release ends it with FO_END_RELEASED; reap with
 * FO_END_REAPED. */
#define FO_END_RELEASED   "released"
#define FO_END_TAKEN_OVER "takenOver"
#define FO_END_REAPED     "reaped"

/* Marks the stream finished, only if session_id owns it.  FO_CONFLICT
 * when another session owns it or it is not broadcasting. */
fo_status fo_stream_release(fo_store *s, const char *app,
                            const char *stream_id, const char *session_id,
                            fo_error *err);

typedef struct {
    char address[FO_ADDR_MAX];
    int http_port;
    char node_id[FO_ID_MAX];
    char session_id[FO_ID_MAX];
    char status[16];
    int node_alive;             /* owner node heartbeat is fresh */
    int64_t update_time;        /* the broadcast's, Unix ms */
    int64_t node_seen_ms;       /* the owner's last heartbeat; 0 gone */
    /* When the stream lost its live origin, Unix ms by the writers'
     * clocks: finished or error, its update_time (its release or reap,
     * unless edited since); broadcasting on a dead owner, when that
     * owner's heartbeat went stale (node_seen_ms + the dead timeout).
     * 0: live, never published (created), or the owner is gone. */
    int64_t lost_ms;
} fo_origin;

/* Where a stream is published.  FO_OK with the owner even when it is not
 * broadcasting or its node is dead: the caller reads status and
 * node_alive.  FO_NOT_FOUND when there is no such broadcast. */
fo_status fo_stream_lookup(fo_store *s, const char *app,
                           const char *stream_id, fo_origin *out,
                           fo_error *err);

/* Marks finished every broadcasting stream whose owner node is dead or
 * gone; *reaped (may be NULL) is how many. */
fo_status fo_stream_reap_dead(fo_store *s, int64_t *reaped, fo_error *err);

/* ---- continuation: what a successor needs to continue the numbering -- */

/* Written by the owning session with the writes it already makes (its
 * heartbeat, and its release); read by the next publish of the stream, on
 * any origin, right after its claim.  All zero: nothing written yet. */
typedef struct {
    int64_t hls_sequence;       /* next HLS media sequence number */
    int64_t hls_discontinuity;  /* discontinuity sequence of that segment */
    int64_t dash_start_ms;      /* availabilityStartTime, Unix ms: the MPD's
                                   identity across publishes; 0 none yet */
    int64_t dash_period;        /* index of the current Period */
    int64_t dash_period_start_ms; /* that Period's start, ms from
                                   availabilityStartTime */
    int64_t dash_end_ms;        /* presentation reached, ms from
                                   availabilityStartTime */
    int64_t dash_number;        /* next segment $Number$ */
    int64_t written_ms;         /* set by the store (server clock) */
    /* The session's live figures, written with the same step onto the
     * broadcast record (fo_broadcast's bitrate, speed, renditions), so
     * any origin's read of the broadcast has them at no extra write. */
    int64_t bitrate;            /* bits/s measured at ingest, >= 0 */
    double speed;               /* >= 0; 1.0 = real time */
    char renditions[FO_RENDITIONS_MAX]; /* JSON array text, "" none */
} fo_progress;

/* Writes p (written_ms := now), its live figures included, only while
 * session_id owns the stream and
 * it is broadcasting: this is how an origin that was paused or cut off
 * learns, at its next write, that it lost the stream.  FO_CONFLICT when
 * another session owns it or it is not broadcasting (nothing written);
 * FO_NOT_FOUND when there is no broadcast. */
fo_status fo_stream_progress_put(fo_store *s, const char *app,
                                 const char *stream_id,
                                 const char *session_id,
                                 const fo_progress *p, fo_error *err);

/* The stream's last progress, whoever wrote it (all zero when none).
 * FO_NOT_FOUND when there is no broadcast. */
fo_status fo_stream_progress_get(fo_store *s, const char *app,
                                 const char *stream_id, fo_progress *out,
                                 fo_error *err);

/* One broadcasting stream and the progress its owner last wrote: what
 * the stream-stalled alert rule reads. */
typedef struct {
    char stream_id[FO_STREAM_MAX];
    int64_t hls_sequence;
    int64_t written_ms;         /* 0 when nothing was written yet */
} fo_live_progress;

/* The broadcasting streams of app whose id sorts after `after` (byte
 * order; NULL or "" from the first), in stream id order: at most cap of
 * them into out, *n how many.  A page shorter than cap is the last; the
 * next page starts after the last id of this one.  One read of the live
 * streams, not a list of every broadcast and a progress get per stream
 * (the cost the alert evaluator had at 10,000 streams). */
fo_status fo_stream_live_progress(fo_store *s, const char *app,
                                  const char *after, fo_live_progress *out,
                                  size_t cap, size_t *n, fo_error *err);

/* ---- history: one entry per publish session --------------------------- */

typedef struct {
    char app[FO_ID_MAX];
    char stream_id[FO_STREAM_MAX];
    char session_id[FO_ID_MAX];
    char node_id[FO_ID_MAX];
    char origin_address[FO_ADDR_MAX];
    int origin_http_port;
    int64_t start_time;         /* the claim, server clock */
    int64_t end_time;           /* 0 while the session is live */
    char end_reason[16];        /* FO_END_*, "" while live */
} fo_session;

/* A stream's sessions, newest first, from offset, at most cap.  A claim
 * starts an entry; release, takeover and reap end it (at most once).  The
 * store keeps at least the last 100 sessions of each stream. */
fo_status fo_stream_history(fo_store *s, const char *app,
                            const char *stream_id, size_t offset,
                            fo_session *out, size_t cap, size_t *n,
                            fo_error *err);

/* ---- viewers -------------------------------------------------------- */

/* One node's viewer counts for a stream.  The broadcast's hls/dash viewer
 * counts become the sum over nodes whose reports are fresh. */
fo_status fo_viewers_report(fo_store *s, const char *node_id,
                            const char *app, const char *stream_id,
                            int64_t hls, int64_t dash, fo_error *err);

/* ---- app settings ---------------------------------------------------- */

/* json: a JSON object text, at most FO_EXTRA_MAX - 1 bytes. */
fo_status fo_app_settings_put(fo_store *s, const char *app,
                              const char *json, fo_error *err);
fo_status fo_app_settings_get(fo_store *s, const char *app, char *json,
                              size_t cap, fo_error *err);

/* ---- one-time stream tokens (Ant Media's Token) ---------------------- */

#define FO_TOKEN_PUBLISH "publish"
#define FO_TOKEN_PLAY    "play"

typedef struct {
    char token_id[FO_ID_MAX];       /* the token itself: a valid id */
    char app[FO_ID_MAX];
    char stream_id[FO_STREAM_MAX];
    char type[16];                  /* FO_TOKEN_PUBLISH or FO_TOKEN_PLAY */
    int64_t expire_date;            /* Unix seconds (Ant Media's expireDate),
                                       on the store server's clock */
} fo_token;

/* Stores a new token, usable once by fo_token_consume until it expires.
 * FO_CONFLICT when a token with that id is stored and not expired.
 * Expired tokens do not accumulate: each backend drops them (Redis by
 * EXPIREAT, SQLite and MongoDB on every put). */
fo_status fo_token_put(fo_store *s, const fo_token *t, fo_error *err);

/* Uses a token: in one atomic step, deletes token_id if it is stored for
 * exactly (app, stream_id, type) and not expired (now < expire_date s on
 * the store's clock): FO_OK, and no other caller on any node can use it
 * again.  Otherwise FO_NOT_FOUND, and a token for another stream or type
 * stays usable for its own. */
fo_status fo_token_consume(fo_store *s, const char *token_id,
                           const char *app, const char *stream_id,
                           const char *type, fo_error *err);

/* ---- VoD records ------------------------------------------------------ */

typedef struct {
    char app[FO_ID_MAX];
    char vod_id[FO_STREAM_MAX];
    char stream_id[FO_STREAM_MAX];
    char name[FO_NAME_MAX];
    char file_path[FO_NAME_MAX];
    int64_t duration_ms;
    int64_t creation_date;      /* set by the store */
} fo_vod;

fo_status fo_vod_put(fo_store *s, const fo_vod *v, fo_error *err);
fo_status fo_vod_count(fo_store *s, const char *app, int64_t *count,
                       fo_error *err);
fo_status fo_vod_delete(fo_store *s, const char *app, const char *vod_id,
                        fo_error *err);

/* ---- leases: one holder at a time, cluster-wide ---------------------- */

/* Takes or keeps lease name for holder (both ids) for ttl_ms (1 ..
 * 3600000) on the store server's clock, in one atomic step: *held = 1
 * when the lease was free, expired or already holder's (its expiry is then
 * now + ttl_ms: renewing is acquiring again); *held = 0 when another
 * holder has it unexpired (FO_OK all the same: not an error).  A holder
 * keeps the lease by acquiring again well within ttl_ms. */
fo_status fo_lease_acquire(fo_store *s, const char *name, const char *holder,
                           int64_t ttl_ms, int *held, fo_error *err);

/* Gives the lease up at once when holder holds it (a clean shutdown: the
 * next holder need not wait for the ttl).  FO_NOT_FOUND when holder does
 * not hold it (nothing changes). */
fo_status fo_lease_release(fo_store *s, const char *name, const char *holder,
                           fo_error *err);

/* ---- alerts: raised and cleared by the cluster's evaluator ------------ */

#define FO_ALERT_KEEP  100      /* ended alerts kept, the newest */
#define FO_RULE_MAX    32
#define FO_SUBJECT_MAX (FO_ID_MAX + FO_STREAM_MAX)
#define FO_MESSAGE_MAX 256

typedef struct {
    char id[FO_ID_MAX];             /* one raise: a valid id */
    char rule[FO_RULE_MAX];         /* "highCpu", ...: a valid id */
    char subject[FO_SUBJECT_MAX];   /* node id, or "app/streamId" */
    double value;                   /* what was measured when raised */
    double threshold;
    int64_t started_ms;             /* > 0 */
    int64_t ended_ms;               /* 0 while active */
    char message[FO_MESSAGE_MAX];
} fo_alert;

/* Writes a by its id (inserting or replacing); ending an alert is a put
 * with ended_ms set.  The store keeps every active alert and the last
 * FO_ALERT_KEEP ended ones (by ended_ms): a put drops older ended ones. */
fo_status fo_alert_put(fo_store *s, const fo_alert *a, fo_error *err);

/* ended 0: the active alerts, oldest started first; ended 1: the ended
 * ones, newest ended first.  At most cap of them. */
fo_status fo_alert_list(fo_store *s, int ended, fo_alert *out, size_t cap,
                        size_t *n, fo_error *err);

/* ---- node samples: the console's charts of the last hour --------------- */

/* A node's metrics at one time, appended by the alert evaluator (the
 * origin holding the "alerts" lease) every alerts.sample_interval_ms, so
 * that every origin answers the same history.  A store keeps at most
 * FO_SAMPLE_KEEP_MS of them: the caller bounds the count by its period
 * (origin: keep = min(FO_SAMPLE_KEEP_MS, 120 x period)). */
#define FO_SAMPLE_KEEP_MS 3600000

typedef struct {
    char node_id[FO_ID_MAX];
    int64_t time_ms;            /* set by the store (server clock) */
    double cpu;                 /* machine CPU %, as fo_node.cpu */
    double mem_percent;         /* machine memory %, as fo_node */
    int32_t viewers;
    double db_query_avg_ms;
} fo_node_sample;

/* Appends v to node v->node_id's samples at the store's now (v->time_ms
 * is ignored) and drops that node's samples older than now - keep_ms
 * (1 .. FO_SAMPLE_KEEP_MS).  Other nodes' old samples go too: SQLite and
 * MongoDB drop every node's at each put, Redis expires a node's samples
 * keep_ms after its last one.  FO_NOT_FOUND, nothing written, when there
 * is no such node: a sample never brings a removed node's history back. */
fo_status fo_node_sample_put(fo_store *s, const fo_node_sample *v,
                             int64_t keep_ms, fo_error *err);

/* The samples with time_ms >= since_ms, of node_id or, when node_id is
 * NULL, of every node; ordered by node id (byte order), then time; at most
 * cap of them.  A node's samples go with it (fo_node_delete). */
fo_status fo_node_samples(fo_store *s, const char *node_id, int64_t since_ms,
                          fo_node_sample *out, size_t cap, size_t *n,
                          fo_error *err);

/* ---- console users and their failed logins: fanout/store_console.h -- */

/* ---- helpers ---------------------------------------------------------- */

/*
 * The one rule for names: stream ids, app names, node, session and group
 * ids.  1 when the name is 1..max-1 bytes of [A-Za-z0-9_.-] and not "." or
 * "..": it can stand in a URL path, a file name, a Redis key or a Mongo
 * _id unescaped.  max is the buffer size (FO_STREAM_MAX for stream ids,
 * FO_ID_MAX otherwise).  fo_valid_id_len takes bytes that need not end
 * in NUL (a NUL among them is invalid); every validator in the origin
 * and the edge's tests state this same rule (tests/data/stream_ids.tsv).
 */
int fo_valid_id(const char *id, size_t max);
int fo_valid_id_len(const char *id, size_t len, size_t max);

const char *fo_status_str(fo_status st);

#ifdef __cplusplus
}
#endif

#include "fanout/store_console.h"

#endif /* FANOUT_STORE_H */
