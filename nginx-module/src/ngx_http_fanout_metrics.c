/*
 * ngx_http_fanout_metrics.c — the counters every worker adds to, and the
 * fanout_status page that shows them in the Prometheus text format.
 *
 * Each module registers a table of its counters and gauges at
 * configuration time (ngx_http_fanout_metrics_add) and gets a pointer to
 * their values: one array of atomics in the small zone fanout_metrics,
 * shared by the workers and kept across reloads while the set of
 * counters stays the same.  The page names them fanout_edge_<name>,
 * counters with _total, as the origin's /metrics does; the node gauges
 * (ngx_http_fanout_node.c) keep the origin's own names, fanout_node_*.
 */
#include "ngx_http_fanout.h"


#define NGX_HTTP_FANOUT_METRICS_ZONE  (8 * 4096)


typedef struct {
    ngx_http_fanout_metric_t   *metrics;
    ngx_uint_t                  n;
    ngx_uint_t                  first;      /* index in the zone's array */
    ngx_atomic_t              **values;     /* the module's pointer */
} ngx_http_fanout_source_t;


typedef struct {
    ngx_uint_t                  nvalues;
    ngx_atomic_t                values[1];
} ngx_http_fanout_metrics_sh_t;


static ngx_int_t ngx_http_fanout_metrics_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_http_fanout_status_handler(ngx_http_request_t *r);
static u_char *ngx_http_fanout_metric_write(u_char *p,
    ngx_http_fanout_metric_t *m, ngx_atomic_uint_t value);
static u_char *ngx_http_fanout_fixed_write(u_char *p, ngx_atomic_int_t value,
    ngx_uint_t scale);


static ngx_str_t  ngx_http_fanout_metrics_zone_name =
    ngx_string("fanout_metrics");


ngx_int_t
ngx_http_fanout_metrics_add(ngx_conf_t *cf, ngx_http_fanout_metric_t *metrics,
    ngx_uint_t n, ngx_atomic_t **values)
{
    ngx_http_fanout_source_t     *src;
    ngx_http_fanout_main_conf_t  *fmcf;

    fmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_fanout_module);

    if (fmcf->metrics_zone == NULL) {
        if (ngx_array_init(&fmcf->metrics, cf->pool, 4,
                           sizeof(ngx_http_fanout_source_t))
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        fmcf->metrics_zone = ngx_shared_memory_add(cf,
                                 &ngx_http_fanout_metrics_zone_name,
                                 NGX_HTTP_FANOUT_METRICS_ZONE,
                                 &ngx_http_fanout_module);
        if (fmcf->metrics_zone == NULL) {
            return NGX_ERROR;
        }

        fmcf->metrics_zone->init = ngx_http_fanout_metrics_init_zone;
        fmcf->metrics_zone->data = fmcf;
    }

    src = ngx_array_push(&fmcf->metrics);
    if (src == NULL) {
        return NGX_ERROR;
    }

    src->metrics = metrics;
    src->n = n;
    src->first = fmcf->nvalues;
    src->values = values;

    fmcf->nvalues += n;

    return NGX_OK;
}


static ngx_int_t
ngx_http_fanout_metrics_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_fanout_main_conf_t  *ofmcf = data;

    ngx_uint_t                     i;
    ngx_slab_pool_t               *pool;
    ngx_http_fanout_source_t      *src;
    ngx_http_fanout_main_conf_t   *fmcf;
    ngx_http_fanout_metrics_sh_t  *sh;

    fmcf = shm_zone->data;
    pool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    sh = (ofmcf || shm_zone->shm.exists) ? pool->data : NULL;

    /* a reload keeps the values, unless the counters changed */
    if (sh == NULL || sh->nvalues != fmcf->nvalues) {
        sh = ngx_slab_calloc(pool, sizeof(ngx_http_fanout_metrics_sh_t)
                                   + fmcf->nvalues * sizeof(ngx_atomic_t));
        if (sh == NULL) {
            return NGX_ERROR;
        }

        sh->nvalues = fmcf->nvalues;
        pool->data = sh;
    }

    src = fmcf->metrics.elts;

    for (i = 0; i < fmcf->metrics.nelts; i++) {
        *src[i].values = &sh->values[src[i].first];
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_fanout_status_handler(ngx_http_request_t *r)
{
    size_t                        len;
    ngx_int_t                     rc;
    ngx_uint_t                    i, j;
    ngx_buf_t                    *b;
    ngx_chain_t                   out;
    ngx_http_fanout_source_t     *src;
    ngx_http_fanout_main_conf_t  *fmcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    fmcf = ngx_http_get_module_main_conf(r, ngx_http_fanout_module);

    if (fmcf->metrics_zone == NULL) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    src = fmcf->metrics.elts;
    len = 0;

    for (i = 0; i < fmcf->metrics.nelts; i++) {
        for (j = 0; j < src[i].n; j++) {
            len += 3 * (sizeof("fanout_edge__total")
                        + src[i].metrics[j].name.len)
                   + ngx_strlen(src[i].metrics[j].help)
                   + sizeof("# HELP \n# TYPE counter\n \n")
                   + 2 * NGX_ATOMIC_T_LEN + sizeof("-.");
        }
    }

    b = ngx_create_temp_buf(r->pool, len ? len : 1);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    for (i = 0; i < fmcf->metrics.nelts; i++) {
        for (j = 0; j < src[i].n; j++) {
            b->last = ngx_http_fanout_metric_write(b->last,
                                                   &src[i].metrics[j],
                                                   (*src[i].values)[j]);
        }
    }

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = b->last - b->pos;
    ngx_str_set(&r->headers_out.content_type,
                "text/plain; version=0.0.4; charset=utf-8");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/* "# HELP", "# TYPE" and the sample of one metric. */
static u_char *
ngx_http_fanout_metric_write(u_char *p, ngx_http_fanout_metric_t *m,
    ngx_atomic_uint_t value)
{
    u_char  buf[128];
    size_t  len;

    if (m->name.len > 7 && ngx_strncmp(m->name.data, "fanout_", 7) == 0) {
        len = ngx_snprintf(buf, sizeof(buf), "%V", &m->name) - buf;

    } else {
        len = ngx_snprintf(buf, sizeof(buf), "fanout_edge_%V%s", &m->name,
                           m->gauge ? "" : "_total") - buf;
    }

    p = ngx_sprintf(p, "# HELP %*s %s\n# TYPE %*s %s\n%*s ",
                    len, buf, m->help,
                    len, buf, m->gauge ? "gauge" : "counter",
                    len, buf);

    if (m->gauge > 1) {
        return ngx_http_fanout_fixed_write(p, (ngx_atomic_int_t) value,
                                           m->gauge);
    }

    return ngx_sprintf(p, "%uA\n", value);
}


/* value / scale in decimal: "-1.000", "37.250". */
static u_char *
ngx_http_fanout_fixed_write(u_char *p, ngx_atomic_int_t value,
    ngx_uint_t scale)
{
    ngx_uint_t         digits, s, i;
    ngx_atomic_uint_t  a, frac;

    for (digits = 0, s = scale; s > 1; s /= 10) {
        digits++;
    }

    if (value < 0) {
        *p++ = '-';
        a = (ngx_atomic_uint_t) -(value + 1) + 1;

    } else {
        a = (ngx_atomic_uint_t) value;
    }

    p = ngx_sprintf(p, "%uA.", a / scale);

    /* ngx_sprintf takes no width argument for numbers */
    for (frac = a % scale, i = digits; i-- > 0; frac /= 10) {
        p[i] = (u_char) ('0' + frac % 10);
    }

    p += digits;
    *p++ = '\n';

    return p;
}


/* fanout_status: this location answers with the counters. */
char *
ngx_http_fanout_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_fanout_status_handler;

    return NGX_CONF_OK;
}
