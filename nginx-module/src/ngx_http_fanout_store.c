/*
 * ngx_http_fanout_store.c — what every module's store calls share: the
 * worker's store handles and the thread-pool task that runs a call.
 *
 * Store calls block (network, disk), so they run on the thread pool
 * (fanout_thread_pool), never on a worker's event loop.  A task takes an
 * idle handle of its worker, or opens one, and gives it back when its
 * handler returns (a handle serialises its calls: one shared handle would
 * make every call wait behind the slowest).  There are never more handles
 * than pool threads.  They are closed in exit_process, once the thread
 * pools have stopped: not from the threads as they exit, which may still
 * be running when nginx unloads this module.
 */
#include "ngx_http_fanout.h"


static void ngx_http_fanout_task_thread(void *data, ngx_log_t *log);
static void ngx_http_fanout_task_done(ngx_event_t *ev);
static fo_store *ngx_http_fanout_store_get(ngx_http_fanout_main_conf_t *fmcf,
    fo_error *err);
static void ngx_http_fanout_store_put(ngx_http_fanout_main_conf_t *fmcf,
    fo_store *st);


ngx_int_t
ngx_http_fanout_stores_init(ngx_cycle_t *cycle,
    ngx_http_fanout_main_conf_t *fmcf)
{
    int  err;

    err = pthread_mutex_init(&fmcf->stores_mutex, NULL);
    if (err) {
        ngx_log_error(NGX_LOG_ALERT, cycle->log, err,
                      "fanout: pthread_mutex_init() failed");
        return NGX_ERROR;
    }

    fmcf->nstores = 0;
    fmcf->stores_ready = 1;

    return NGX_OK;
}


/* After the thread pools stopped (ngx_thread_pool_module exits first). */
void
ngx_http_fanout_stores_close(ngx_http_fanout_main_conf_t *fmcf)
{
    if (!fmcf->stores_ready) {
        return;
    }

    while (fmcf->nstores) {
        fo_store_close(fmcf->stores[--fmcf->nstores]);
    }

    (void) pthread_mutex_destroy(&fmcf->stores_mutex);
    fmcf->stores_ready = 0;
}


void
ngx_http_fanout_task_init(ngx_http_fanout_task_t *t,
    ngx_http_fanout_main_conf_t *fmcf, ngx_http_fanout_task_pt handler,
    ngx_http_fanout_done_pt done, void *data)
{
    t->fmcf = fmcf;
    t->handler = handler;
    t->done = done;
    t->data = data;

    t->task.ctx = t;
    t->task.handler = ngx_http_fanout_task_thread;
    t->task.event.data = t;
    t->task.event.handler = ngx_http_fanout_task_done;
    t->task.event.log = ngx_cycle->log;
}


/* NGX_OK: the task runs, and done() will be called; NGX_ERROR: it does
 * not (the pool's queue is full); NGX_BUSY: it still runs from before. */
ngx_int_t
ngx_http_fanout_task_post(ngx_http_fanout_task_t *t)
{
    if (t->busy) {
        return NGX_BUSY;
    }

    if (ngx_thread_task_post(t->fmcf->thread_pool, &t->task) != NGX_OK) {
        return NGX_ERROR;
    }

    t->busy = 1;

    return NGX_OK;
}


/* In the task's handler: a store handle, or NULL with t->err set. */
fo_store *
ngx_http_fanout_task_store(ngx_http_fanout_task_t *t)
{
    if (t->store == NULL) {
        t->store = ngx_http_fanout_store_get(t->fmcf, &t->err);
    }

    return t->store;
}


static void
ngx_http_fanout_task_thread(void *data, ngx_log_t *log)
{
    ngx_http_fanout_task_t *t = data;

    t->store = NULL;
    t->rc = t->handler(t);

    if (t->store) {
        ngx_http_fanout_store_put(t->fmcf, t->store);
        t->store = NULL;
    }
}


static void
ngx_http_fanout_task_done(ngx_event_t *ev)
{
    ngx_http_fanout_task_t *t = ev->data;

    t->busy = 0;
    t->done(t);
}


/* In a pool thread: an idle handle of this worker, or a new one. */
static fo_store *
ngx_http_fanout_store_get(ngx_http_fanout_main_conf_t *fmcf, fo_error *err)
{
    fo_store  *st;

    st = NULL;

    (void) pthread_mutex_lock(&fmcf->stores_mutex);

    if (fmcf->nstores) {
        st = fmcf->stores[--fmcf->nstores];
    }

    (void) pthread_mutex_unlock(&fmcf->stores_mutex);

    if (st) {
        return st;
    }

    if (fo_store_open((const char *) fmcf->uri.data, &st, err) != FO_OK) {
        return NULL;
    }

    return st;
}


/* In a pool thread: the handle is idle again. */
static void
ngx_http_fanout_store_put(ngx_http_fanout_main_conf_t *fmcf, fo_store *st)
{
    (void) pthread_mutex_lock(&fmcf->stores_mutex);

    if (fmcf->nstores < NGX_HTTP_FANOUT_STORES) {
        fmcf->stores[fmcf->nstores++] = st;
        st = NULL;
    }

    (void) pthread_mutex_unlock(&fmcf->stores_mutex);

    if (st) {
        fo_store_close(st);
    }
}
