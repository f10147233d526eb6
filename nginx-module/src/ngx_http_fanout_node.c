/*
 * ngx_http_fanout_node.c — this edge as a node of the cluster.
 *
 * Worker 0 alone heartbeats (one record per edge, not per worker): a
 * timer on its event loop posts fo_node_heartbeat to the thread pool
 * every fanout_update_period.  The record carries role edge, the address
 * and group from the configuration, the machine's CPU use, this worker's
 * memory, how many streams the edge maps now, and its live viewers; the
 * same timer has the viewer counts reported (ngx_http_fanout_viewers.c).
 */
#include "ngx_http_fanout_module.h"


struct ngx_http_fanout_node_s {
    ngx_thread_task_t             task;
    ngx_event_t                   timer;
    ngx_http_fanout_main_conf_t  *fmcf;
    ngx_uint_t                    busy;         /* task posted, not done */
    ngx_uint_t                    failing;

    /* read and written by the pool thread only while the task runs */
    fo_node                       node;
    fo_status                     rc;
    fo_error                      err;
    uint64_t                      cpu_busy;     /* previous /proc/stat */
    uint64_t                      cpu_total;
};


static void ngx_http_fanout_node_timer(ngx_event_t *ev);
static void ngx_http_fanout_node_thread(void *data, ngx_log_t *log);
static void ngx_http_fanout_node_done(ngx_event_t *ev);
static void ngx_http_fanout_node_load(ngx_http_fanout_node_t *hb);


ngx_int_t
ngx_http_fanout_node_init_worker(ngx_cycle_t *cycle,
    ngx_http_fanout_main_conf_t *fmcf)
{
    fo_node                 *n;
    ngx_http_fanout_node_t  *hb;

    if (fmcf->update_period == 0 || ngx_worker != 0) {
        return NGX_OK;
    }

    hb = ngx_pcalloc(cycle->pool, sizeof(ngx_http_fanout_node_t));
    if (hb == NULL) {
        return NGX_ERROR;
    }

    hb->fmcf = fmcf;

    n = &hb->node;
    (void) ngx_cpystrn((u_char *) n->id, fmcf->node_id.data, FO_ID_MAX);
    (void) ngx_cpystrn((u_char *) n->ip, fmcf->node_host.data, FO_ADDR_MAX);
    (void) ngx_cpystrn((u_char *) n->node_group, fmcf->node_group.data,
                       FO_ID_MAX);
    n->http_port = (int) fmcf->node_port;
    n->rtmp_port = 0;
    n->role = FO_ROLE_EDGE;

    hb->task.ctx = hb;
    hb->task.handler = ngx_http_fanout_node_thread;
    hb->task.event.data = hb;
    hb->task.event.handler = ngx_http_fanout_node_done;
    hb->task.event.log = cycle->log;

    hb->timer.handler = ngx_http_fanout_node_timer;
    hb->timer.data = hb;
    hb->timer.log = cycle->log;
    /* a shutting-down worker does not wait for the next beat */
    hb->timer.cancelable = 1;

    fmcf->node = hb;

    if (ngx_http_fanout_viewers_init_worker(cycle, fmcf) != NGX_OK) {
        return NGX_ERROR;
    }

    /* the first beat right away, so the edge shows up as it starts */
    ngx_add_timer(&hb->timer, 1);

    return NGX_OK;
}


static void
ngx_http_fanout_node_timer(ngx_event_t *ev)
{
    ngx_http_fanout_node_t *hb = ev->data;

    ngx_uint_t                    viewers;
    ngx_http_fanout_main_conf_t  *fmcf;

    fmcf = hb->fmcf;

    if (ngx_exiting) {
        return;
    }

    /* the count and the reports: a task of their own, apart from the beat */
    viewers = ngx_http_fanout_viewers_tick(fmcf);

    /* a beat still running (slow store) is not doubled */
    if (!hb->busy) {
        hb->node.active_streams = (int32_t) fmcf->sh->stats.mapped;
        hb->node.viewers = (int32_t) ngx_min(viewers, NGX_MAX_INT32_VALUE);

        if (ngx_thread_task_post(fmcf->thread_pool, &hb->task) == NGX_OK) {
            hb->busy = 1;

        } else {
            ngx_http_fanout_count(fmcf, heartbeat_errors);
        }
    }

    ngx_add_timer(&hb->timer, fmcf->update_period);
}


static void
ngx_http_fanout_node_thread(void *data, ngx_log_t *log)
{
    ngx_http_fanout_node_t *hb = data;

    fo_store  *st;
    uint64_t   calls;

    st = ngx_http_fanout_store_get(hb->fmcf, &hb->err);
    if (st == NULL) {
        hb->rc = FO_ERR;
        return;
    }

    ngx_http_fanout_node_load(hb);
    hb->node.db_query_avg_ms = fo_store_avg_query_ms(st, &calls);

    hb->rc = fo_node_heartbeat(st, &hb->node, &hb->err);

    ngx_http_fanout_store_put(hb->fmcf, st);
}


static void
ngx_http_fanout_node_done(ngx_event_t *ev)
{
    ngx_http_fanout_node_t *hb = ev->data;

    hb->busy = 0;

    if (hb->rc == FO_OK) {
        ngx_http_fanout_count(hb->fmcf, heartbeats);

        if (hb->failing) {
            hb->failing = 0;
            ngx_log_error(NGX_LOG_NOTICE, ev->log, 0,
                          "fanout: node \"%s\" heartbeats again", hb->node.id);
        }

        return;
    }

    ngx_http_fanout_count(hb->fmcf, heartbeat_errors);

    if (!hb->failing) {
        hb->failing = 1;
        ngx_log_error(NGX_LOG_ERR, ev->log, 0,
                      "fanout: heartbeat of node \"%s\" failed: %s",
                      hb->node.id, hb->err.msg);
    }
}


/*
 * In the pool thread: machine CPU use since the previous beat (percent of
 * all cores, /proc/stat) and this worker's resident memory (/proc/self/
 * statm).  A value that cannot be read stays 0.
 */
static void
ngx_http_fanout_node_load(ngx_http_fanout_node_t *hb)
{
    int                 fd;
    ssize_t             n;
    uint64_t            v[8], busy, total;
    ngx_uint_t          i;
    u_char              buf[256], *p, *last;

    fd = open("/proc/stat", O_RDONLY);
    if (fd != -1) {
        n = read(fd, buf, sizeof(buf) - 1);
        (void) close(fd);

        if (n > 4 && ngx_strncmp(buf, "cpu ", 4) == 0) {
            p = buf + 4;
            last = buf + n;

            /* user nice system idle iowait irq softirq steal */
            for (i = 0; i < 8; i++) {
                while (p < last && *p == ' ') {
                    p++;
                }

                v[i] = 0;
                while (p < last && *p >= '0' && *p <= '9') {
                    v[i] = v[i] * 10 + (*p++ - '0');
                }
            }

            total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
            busy = total - v[3] - v[4];

            if (hb->cpu_total && total > hb->cpu_total
                && busy >= hb->cpu_busy)
            {
                hb->node.cpu = 100.0 * (double) (busy - hb->cpu_busy)
                               / (double) (total - hb->cpu_total);
            }

            hb->cpu_busy = busy;
            hb->cpu_total = total;
        }
    }

    fd = open("/proc/self/statm", O_RDONLY);
    if (fd != -1) {
        n = read(fd, buf, sizeof(buf) - 1);
        (void) close(fd);

        if (n > 0) {
            p = buf;
            last = buf + n;

            while (p < last && *p != ' ') {         /* size */
                p++;
            }

            v[0] = 0;
            while (++p < last && *p >= '0' && *p <= '9') {
                v[0] = v[0] * 10 + (*p - '0');      /* resident */
            }

            hb->node.memory = (int64_t) (v[0] * ngx_pagesize);
        }
    }
}
