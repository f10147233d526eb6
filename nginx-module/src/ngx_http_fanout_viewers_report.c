/*
 * ngx_http_fanout_viewers_report.c — worker 0 counts the viewers of
 * ngx_http_fanout_viewers.c's zone and reports them to the store.
 *
 * Worker 0, at every heartbeat of this node (every fanout_update_period,
 * ngx_http_fanout_node.c calls ngx_http_fanout_viewers_beat), posts one
 * thread-pool task that counts the live entries of each stream and
 * clears expired ones (the whole table: on the event loop that would stall
 * the worker, 2.5 ms for a 4m zone), then calls fo_viewers_report for
 * every stream with viewers, and with zeros for a stream whose viewers
 * left (until the store took it, at most NGX_HTTP_FANOUT_ZERO_TRIES
 * periods).  Only then is the stream's node freed.  The thread takes the
 * zone's lock per chunk of entries: a worker recording a viewer waits for
 * one chunk at most.
 */
#include "ngx_http_fanout_viewers.h"


#define NGX_HTTP_FANOUT_CHUNK       1024    /* entries counted per lock */
#define NGX_HTTP_FANOUT_ZERO_TRIES  3


typedef struct {
    size_t                      key_len;
    u_char                      key[NGX_HTTP_FANOUT_KEY_MAX];
    uint32_t                    hash;
    int64_t                     live[2];
    fo_status                   rc;         /* FO_ERR until sent */
} ngx_http_fanout_report_t;


/* Worker 0's reporter; the task owns what follows failing while busy. */
struct ngx_http_fanout_reporter_s {
    ngx_http_fanout_task_t      task;
    ngx_http_fanout_viewers_main_conf_t *vmcf;
    char                       *node_id;
    ngx_uint_t                  cap;
    ngx_uint_t                  failing;

    uint32_t                    now;        /* the tick's ngx_current_msec */
    ngx_http_fanout_report_t   *reports;
    ngx_uint_t                  nreports;
    ngx_uint_t                  errors;
};


static void ngx_http_fanout_viewers_count(ngx_http_fanout_reporter_t *rp);
static void ngx_http_fanout_viewers_count_chunk(
    ngx_http_fanout_viewers_main_conf_t *vmcf, uint32_t now, ngx_uint_t start,
    ngx_uint_t end);
static void ngx_http_fanout_viewers_publish(ngx_http_fanout_reporter_t *rp);
static fo_status ngx_http_fanout_report_thread(ngx_http_fanout_task_t *t);
static void ngx_http_fanout_report_send(ngx_http_fanout_reporter_t *rp,
    fo_store *st);
static void ngx_http_fanout_report_done(ngx_http_fanout_task_t *t);


/* Worker 0, at start: the reporter and its report array. */
ngx_int_t
ngx_http_fanout_viewers_init_reporter(ngx_cycle_t *cycle,
    ngx_http_fanout_viewers_main_conf_t *vmcf)
{
    ngx_http_fanout_reporter_t        *rp;
    ngx_http_fanout_node_main_conf_t  *nmcf;

    nmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_fanout_node_module);

    rp = ngx_pcalloc(cycle->pool, sizeof(ngx_http_fanout_reporter_t));
    if (rp == NULL) {
        return NGX_ERROR;
    }

    rp->vmcf = vmcf;
    rp->node_id = (char *) nmcf->id.data;
    rp->cap = vmcf->sh->max_streams;
    rp->reports = ngx_palloc(cycle->pool,
                             rp->cap * sizeof(ngx_http_fanout_report_t));
    if (rp->reports == NULL) {
        return NGX_ERROR;
    }

    ngx_http_fanout_task_init(&rp->task, vmcf->fmcf,
                              ngx_http_fanout_report_thread,
                              ngx_http_fanout_report_done, rp);

    vmcf->reporter = rp;

    return NGX_OK;
}


/*
 * Worker 0, at every heartbeat: post the count and the reports, unless
 * the previous ones are still running (slow store).  The heartbeat
 * carries the edge's live viewers (HLS + DASH) at the last count.
 */
void
ngx_http_fanout_viewers_beat(void *data, ngx_http_fanout_load_t *load)
{
    ngx_http_fanout_viewers_main_conf_t *vmcf = data;

    ngx_http_fanout_reporter_t  *rp;

    rp = vmcf->reporter;

    if (rp == NULL) {
        return;
    }

    if (!rp->task.busy) {
        rp->now = (uint32_t) ngx_current_msec;
        rp->nreports = 0;
        rp->errors = 0;

        if (ngx_http_fanout_task_post(&rp->task) != NGX_OK) {
            ngx_http_fanout_count(vmcf->metrics,
                                  NGX_HTTP_FANOUT_MV_REPORT_ERRORS);
        }
    }

    load->viewers = vmcf->metrics[NGX_HTTP_FANOUT_MV_HLS]
                    + vmcf->metrics[NGX_HTTP_FANOUT_MV_DASH];
}


/*
 * In a pool thread: counts each stream's live viewers and clears expired
 * entries, one chunk of the table per lock (workers record meanwhile);
 * then, under one lock, publishes the counts, fills rp's reports and frees
 * the nodes of streams whose viewers left and whose zero was reported.
 *
 * A node is freed only when its own time is past the window: it is never
 * older than any of its viewers, so every entry that still points to it
 * is expired, and expired entries are cleared before they are followed.
 */
static void
ngx_http_fanout_viewers_count(ngx_http_fanout_reporter_t *rp)
{
    ngx_uint_t                            i, end, total;
    ngx_queue_t                          *q;
    ngx_http_fanout_vshctx_t             *vsh;
    ngx_http_fanout_vstream_t            *st;
    ngx_http_fanout_viewers_main_conf_t  *vmcf;

    vmcf = rp->vmcf;
    vsh = vmcf->sh;
    total = vsh->nbuckets * NGX_HTTP_FANOUT_WAYS;

    ngx_shmtx_lock(&vmcf->pool->mutex);

    for (q = ngx_queue_head(&vsh->streams);
         q != ngx_queue_sentinel(&vsh->streams);
         q = ngx_queue_next(q))
    {
        st = ngx_queue_data(q, ngx_http_fanout_vstream_t, queue);
        st->counting[0] = 0;
        st->counting[1] = 0;
    }

    ngx_shmtx_unlock(&vmcf->pool->mutex);

    for (i = 0; i < total; i = end) {
        end = ngx_min(i + NGX_HTTP_FANOUT_CHUNK, total);
        ngx_http_fanout_viewers_count_chunk(vmcf, rp->now, i, end);
    }

    ngx_http_fanout_viewers_publish(rp);
}


/* Entries start to end: each live one counts for its stream. */
static void
ngx_http_fanout_viewers_count_chunk(ngx_http_fanout_viewers_main_conf_t *vmcf,
    uint32_t now, ngx_uint_t start, ngx_uint_t end)
{
    ngx_http_fanout_viewer_t   *v;
    ngx_http_fanout_vstream_t  *st;

    ngx_shmtx_lock(&vmcf->pool->mutex);

    for (v = &vmcf->sh->viewers[start]; v < &vmcf->sh->viewers[end]; v++) {
        if (v->key == 0) {
            continue;
        }

        if (ngx_http_fanout_expired(now, v->seen, vmcf->window)) {
            v->key = 0;
            continue;
        }

        st = (ngx_http_fanout_vstream_t *)
                 ((u_char *) vmcf->pool + (v->stream & ~1u));
        st->counting[v->stream & 1]++;
    }

    ngx_shmtx_unlock(&vmcf->pool->mutex);
}


/* The counts as the live ones, the gauges and rp's reports. */
static void
ngx_http_fanout_viewers_publish(ngx_http_fanout_reporter_t *rp)
{
    ngx_uint_t                            streams, hls, dash;
    ngx_queue_t                          *q, *next;
    ngx_http_fanout_vshctx_t             *vsh;
    ngx_http_fanout_report_t             *rep;
    ngx_http_fanout_vstream_t            *st;
    ngx_http_fanout_viewers_main_conf_t  *vmcf;

    vmcf = rp->vmcf;
    vsh = vmcf->sh;
    hls = 0;
    dash = 0;
    streams = 0;

    ngx_shmtx_lock(&vmcf->pool->mutex);

    for (q = ngx_queue_head(&vsh->streams);
         q != ngx_queue_sentinel(&vsh->streams);
         q = next)
    {
        next = ngx_queue_next(q);
        st = ngx_queue_data(q, ngx_http_fanout_vstream_t, queue);

        st->live[0] = st->counting[0];
        st->live[1] = st->counting[1];
        hls += st->live[0];
        dash += st->live[1];

        if (st->live[0] || st->live[1]) {
            streams++;
            st->zero_tries = NGX_HTTP_FANOUT_ZERO_TRIES;

        } else if (st->zero_tries) {
            st->zero_tries--;

        } else {
            if (ngx_http_fanout_expired(rp->now, st->seen, vmcf->window)) {
                ngx_http_fanout_vstream_free(vmcf, st);
            }

            continue;
        }

        if (rp->nreports == rp->cap) {
            continue;
        }

        rep = &rp->reports[rp->nreports++];
        rep->key_len = st->sn.str.len;
        ngx_memcpy(rep->key, st->key, st->sn.str.len);
        rep->hash = (uint32_t) st->sn.node.key;
        rep->live[0] = st->live[0];
        rep->live[1] = st->live[1];
        rep->rc = FO_ERR;
    }

    ngx_shmtx_unlock(&vmcf->pool->mutex);

    vmcf->metrics[NGX_HTTP_FANOUT_MV_HLS] = hls;
    vmcf->metrics[NGX_HTTP_FANOUT_MV_DASH] = dash;
    vmcf->metrics[NGX_HTTP_FANOUT_MV_STREAMS] = streams;
}


/* In a pool thread: the count, then the reports. */
static fo_status
ngx_http_fanout_report_thread(ngx_http_fanout_task_t *t)
{
    ngx_http_fanout_reporter_t *rp = t->data;

    fo_store  *st;

    ngx_http_fanout_viewers_count(rp);

    if (rp->nreports == 0) {
        return FO_OK;
    }

    st = ngx_http_fanout_task_store(t);
    if (st == NULL) {
        rp->errors = rp->nreports;
        return FO_ERR;
    }

    ngx_http_fanout_report_send(rp, st);

    return rp->errors ? FO_ERR : FO_OK;
}


/*
 * In a pool thread: one fo_viewers_report per stream, within one update
 * period (a slow store must not make every report stale: what is left is
 * sent next period, counted afresh).
 */
static void
ngx_http_fanout_report_send(ngx_http_fanout_reporter_t *rp, fo_store *st)
{
    char                       app[FO_ID_MAX], stream[FO_STREAM_MAX];
    u_char                    *slash;
    fo_error                   err;
    ngx_uint_t                 i;
    ngx_msec_t                 start;
    struct timespec            ts;
    ngx_http_fanout_report_t  *rep;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    start = (ngx_msec_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;

    for (i = 0; i < rp->nreports; i++) {
        rep = &rp->reports[i];

        /* "app/stream": the parser and fo_valid_id bounded both */
        slash = ngx_strlchr(rep->key, rep->key + rep->key_len, '/');
        if (slash == NULL) {
            continue;
        }

        ngx_memcpy(app, rep->key, slash - rep->key);
        app[slash - rep->key] = '\0';
        ngx_memcpy(stream, slash + 1, rep->key + rep->key_len - slash - 1);
        stream[rep->key + rep->key_len - slash - 1] = '\0';

        rep->rc = fo_viewers_report(st, rp->node_id, app, stream,
                                    rep->live[0], rep->live[1], &err);

        if (rep->rc != FO_OK && rep->rc != FO_NOT_FOUND) {
            if (rp->errors++ == 0) {
                rp->task.err = err;
            }
        }

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);

        if (i + 1 < rp->nreports
            && (ngx_msec_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - start
               >= rp->vmcf->period)
        {
            if (rp->errors == 0) {
                (void) ngx_snprintf((u_char *) rp->task.err.msg,
                                    sizeof(rp->task.err.msg),
                                    "the store is slow: %ui left for the next "
                                    "period%Z", rp->nreports - i - 1);
            }

            rp->errors += rp->nreports - i - 1;
            break;
        }
    }
}


/*
 * Back on worker 0's loop.  A zero the store took needs no repeating; a
 * broadcast that is gone (FO_NOT_FOUND) is not an error: it was deleted.
 */
static void
ngx_http_fanout_report_done(ngx_http_fanout_task_t *t)
{
    ngx_http_fanout_reporter_t *rp = t->data;

    ngx_str_t                             key;
    ngx_uint_t                            i, sent;
    ngx_http_fanout_report_t             *rep;
    ngx_http_fanout_vstream_t            *st;
    ngx_http_fanout_viewers_main_conf_t  *vmcf;

    vmcf = rp->vmcf;
    sent = 0;

    ngx_shmtx_lock(&vmcf->pool->mutex);

    for (i = 0; i < rp->nreports; i++) {
        rep = &rp->reports[i];

        if (rep->rc != FO_OK && rep->rc != FO_NOT_FOUND) {
            continue;
        }

        sent++;

        if (rep->live[0] || rep->live[1]) {
            continue;
        }

        key.data = rep->key;
        key.len = rep->key_len;

        st = (ngx_http_fanout_vstream_t *)
                 ngx_str_rbtree_lookup(&vmcf->sh->rbtree, &key, rep->hash);

        if (st && st->live[0] == 0 && st->live[1] == 0) {
            st->zero_tries = 0;
        }
    }

    ngx_shmtx_unlock(&vmcf->pool->mutex);

    (void) ngx_atomic_fetch_add(&vmcf->metrics[NGX_HTTP_FANOUT_MV_REPORTS],
                                sent);

    if (rp->errors) {
        (void) ngx_atomic_fetch_add(
                   &vmcf->metrics[NGX_HTTP_FANOUT_MV_REPORT_ERRORS],
                   rp->errors);

        if (!rp->failing) {
            rp->failing = 1;
            ngx_log_error(NGX_LOG_ERR, t->task.event.log, 0,
                          "fanout: %ui of %ui viewer reports failed: %s",
                          rp->errors, rp->nreports, t->err.msg);
        }

    } else if (rp->failing) {
        rp->failing = 0;
        ngx_log_error(NGX_LOG_NOTICE, t->task.event.log, 0,
                      "fanout: viewer reports reach the store again");
    }

    rp->nreports = 0;
}
