/*
 * ngx_http_fanout_cache_module — HLS playlists and DASH MPDs served from
 * shared memory (fanout_playlist_cache), and the response cache's
 * variables ($fanout_cache_status, $fanout_cache_offset).
 *
 * A playlist is small and asked for by every viewer every target
 * duration; nginx's proxy_cache hit path (key MD5, open, fstat, read and
 * parse of the cached header, upstream set-up, sendfile) costs half again
 * what a static file does.  So a copy of each playlist the proxy cache
 * holds lives in the zone fanout_playlist_cache, and a request that finds
 * a fresh copy is answered from it by this module's content handler: no
 * file, no upstream (ngx_http_fanout_cache_copies.c).  The copies are
 * made by filters (ngx_http_fanout_cache_fill.c).
 *
 * This file: the directives, configuration and variables.
 */
#include "ngx_http_fanout_cache.h"

#include "fanout/cache_pad.h"


static void *ngx_http_fanout_cache_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_fanout_cache_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_fanout_cache_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static ngx_int_t ngx_http_fanout_cache_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_fanout_cache_postconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_fanout_cache_found(ngx_http_request_t *r,
    ngx_http_fanout_ctx_t *ctx);
static ngx_int_t ngx_http_fanout_cache_refresh_variable(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_fanout_cache_status_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_fanout_cache_offset_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_fanout_cache_epoch_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


static ngx_command_t  ngx_http_fanout_cache_commands[] = {

    { ngx_string("fanout_playlist_cache"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fanout_cache_loc_conf_t, playlist_cache),
      NULL },

    { ngx_string("fanout_playlist_cache_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_fanout_cache_main_conf_t, zone_size),
      NULL },

    { ngx_string("fanout_playlist_cache_max_size"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fanout_cache_loc_conf_t, playlist_max_size),
      NULL },

    { ngx_string("fanout_playlist_cache_valid"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fanout_cache_loc_conf_t, playlist_valid),
      NULL },

    { ngx_string("fanout_playlist_grace"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fanout_cache_loc_conf_t, playlist_grace),
      NULL },

    { ngx_string("fanout_playlist_final"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fanout_cache_loc_conf_t, playlist_final),
      NULL },

    { ngx_string("fanout_playlist_stale"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fanout_cache_loc_conf_t, playlist_stale),
      NULL },

    { ngx_string("fanout_prefetch"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_fanout_prefetch_set,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_fanout_cache_module_ctx = {
    ngx_http_fanout_cache_preconfiguration,   /* preconfiguration */
    ngx_http_fanout_cache_postconfiguration,  /* postconfiguration */

    ngx_http_fanout_cache_create_main_conf,   /* create main configuration */
    NULL,                                     /* init main configuration */

    NULL,                                     /* create server configuration */
    NULL,                                     /* merge server configuration */

    ngx_http_fanout_cache_create_loc_conf,    /* create location conf */
    ngx_http_fanout_cache_merge_loc_conf      /* merge location conf */
};


ngx_module_t  ngx_http_fanout_cache_module = {
    NGX_MODULE_V1,
    &ngx_http_fanout_cache_module_ctx,      /* module context */
    ngx_http_fanout_cache_commands,         /* module directives */
    NGX_HTTP_MODULE,                        /* module type */
    NULL,                                   /* init master */
    NULL,                                   /* init module */
    NULL,                                   /* init process */
    NULL,                                   /* init thread */
    NULL,                                   /* exit thread */
    NULL,                                   /* exit process */
    NULL,                                   /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_fanout_metric_t  ngx_http_fanout_cache_metrics[] = {
    { ngx_string("playlist_hits"), 0,
      "Playlists and MPDs answered from a copy in memory." },
    { ngx_string("playlist_misses"), 0,
      "Playlists and MPDs with no fresh copy in memory." },
    { ngx_string("playlist_stores"), 0, "Copies stored." },
    { ngx_string("playlist_too_big"), 0,
      "Answers not copied: body or headers over the limits." },
    { ngx_string("playlist_no_room"), 0,
      "Answers not copied: no room in the zone." },
    { ngx_string("playlist_evictions"), 0,
      "Fresh copies dropped to make room." },
    { ngx_string("playlist_older"), 0,
      "Origin answers older than the last one served, answered with that." },
    { ngx_string("playlist_grace"), 0,
      "Last playlists answered while their stream had no live origin." },
    { ngx_string("playlist_final"), 0,
      "Final playlists (ENDLIST, static MPD) answered after the grace." },
    { ngx_string("playlist_refreshes"), 0,
      "Playlists fetched past a proxy cache entry still valid, their copy "
      "expired ($fanout_playlist_refresh)." },
    { ngx_string("prefetches"), 0,
      "Segments this edge asked itself for, listed by a fresh playlist." },
    { ngx_string("prefetch_failures"), 0,
      "Prefetches that failed: no connection, a timeout, not a 200." },
    { ngx_string("prefetch_skipped"), 0,
      "Prefetches not made: too many in flight in the worker." },
    { ngx_string("prefetch_holds"), 0,
      "Viewers' segment requests that waited for its prefetch." },
    { ngx_string("prefetch_waits"), 0,
      "Playlists that waited for the prefetch of a segment they list." },
    { ngx_string("prefetch_lost"), 0,
      "Playlists answered with the one before: a segment they list could "
      "not be fetched." },
    { ngx_string("playlist_entries"), 1, "Copies in the zone." },
    { ngx_string("playlist_bytes"), 1,
      "Bytes of the zone the copies and last playlists take." },
    { ngx_string("playlist_last_entries"), 1,
      "Last playlists served, kept per path." }
};


static ngx_http_variable_t  ngx_http_fanout_cache_vars[] = {

    { ngx_string("fanout_cache_status"), NULL,
      ngx_http_fanout_cache_status_variable, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("fanout_cache_offset"), NULL,
      ngx_http_fanout_cache_offset_variable, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("fanout_cache_epoch"), NULL,
      ngx_http_fanout_cache_epoch_variable, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("fanout_playlist_refresh"), NULL,
      ngx_http_fanout_cache_refresh_variable, 0, NGX_HTTP_VAR_NOCACHEABLE,
      0 },

      ngx_http_null_variable
};


static ngx_str_t  ngx_http_fanout_cache_zone_name =
    ngx_string("fanout_playlist_cache");
static ngx_str_t  ngx_http_fanout_mem[] = {
    ngx_string("MEM"), ngx_string("GRACE"), ngx_string("FINAL")
};


static void *
ngx_http_fanout_cache_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_fanout_cache_main_conf_t  *camcf;

    camcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_fanout_cache_main_conf_t));
    if (camcf == NULL) {
        return NULL;
    }

    camcf->zone_size = NGX_CONF_UNSET_SIZE;

    return camcf;
}


static void *
ngx_http_fanout_cache_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_fanout_cache_loc_conf_t  *calcf;

    calcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_fanout_cache_loc_conf_t));
    if (calcf == NULL) {
        return NULL;
    }

    calcf->playlist_cache = NGX_CONF_UNSET;
    calcf->playlist_max_size = NGX_CONF_UNSET_SIZE;
    calcf->playlist_valid = NGX_CONF_UNSET_MSEC;
    calcf->playlist_grace = NGX_CONF_UNSET_MSEC;
    calcf->playlist_final = NGX_CONF_UNSET_MSEC;
    calcf->playlist_stale = NGX_CONF_UNSET_MSEC;
    calcf->prefetch_segments = NGX_CONF_UNSET_UINT;
    calcf->prefetch_addr = NGX_CONF_UNSET_PTR;

    return calcf;
}


static char *
ngx_http_fanout_cache_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_fanout_cache_loc_conf_t *prev = parent;
    ngx_http_fanout_cache_loc_conf_t *conf = child;

    ngx_http_fanout_cache_main_conf_t  *camcf;
    ngx_http_fanout_lookup_loc_conf_t  *llcf;

    ngx_conf_merge_value(conf->playlist_cache, prev->playlist_cache, 0);
    ngx_conf_merge_size_value(conf->playlist_max_size,
                              prev->playlist_max_size, 64 * 1024);
    ngx_conf_merge_msec_value(conf->playlist_valid, prev->playlist_valid,
                              1000);
    /* 4 x hlsTime at the origins' default hlsTime of 2 s */
    ngx_conf_merge_msec_value(conf->playlist_grace, prev->playlist_grace,
                              8000);
    ngx_conf_merge_msec_value(conf->playlist_final, prev->playlist_final,
                              30000);
    /* the store's default dead timeout (4 x 5 s), and one heartbeat */
    ngx_conf_merge_msec_value(conf->playlist_stale, prev->playlist_stale,
                              25000);

    ngx_conf_merge_uint_value(conf->prefetch_segments,
                              prev->prefetch_segments, 0);
    ngx_conf_merge_ptr_value(conf->prefetch_addr, prev->prefetch_addr, NULL);

    if (conf->playlist_grace > 3600000 || conf->playlist_final > 3600000
        || conf->playlist_stale > 3600000)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"fanout_playlist_grace\", "
                           "\"fanout_playlist_final\" and "
                           "\"fanout_playlist_stale\" must be at most 1h");
        return NGX_CONF_ERROR;
    }

    /* a copy is held whole in the request pool while it is made */
    if (conf->playlist_max_size == 0
        || conf->playlist_max_size > 16 * 1024 * 1024)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"fanout_playlist_cache_max_size\" must be "
                           "1 to 16m");
        return NGX_CONF_ERROR;
    }

    if (conf->playlist_valid == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"fanout_playlist_cache_valid\" must be positive");
        return NGX_CONF_ERROR;
    }

    /* the lookup module's configuration is merged by now (module order) */
    llcf = ngx_http_conf_get_module_loc_conf(cf,
                                             ngx_http_fanout_lookup_module);

    if (llcf->lookup && conf->playlist_cache) {
        camcf = ngx_http_conf_get_module_main_conf(cf,
                                                 ngx_http_fanout_cache_module);
        camcf->used = 1;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_fanout_cache_preconfiguration(ngx_conf_t *cf)
{
    return ngx_http_fanout_add_variables(cf, ngx_http_fanout_cache_vars);
}


/* The zone, the filters and the lookup's hook, if a location uses them. */
static ngx_int_t
ngx_http_fanout_cache_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_fanout_cache_main_conf_t   *camcf;
    ngx_http_fanout_lookup_main_conf_t  *lmcf;

    camcf = ngx_http_conf_get_module_main_conf(cf,
                                               ngx_http_fanout_cache_module);

    if (ngx_http_fanout_store_uri(cf) == NULL || !camcf->used) {
        return NGX_OK;
    }

    if (camcf->zone_size == NGX_CONF_UNSET_SIZE) {
        camcf->zone_size = 8 * 1024 * 1024;
    }

    if (camcf->zone_size < 8 * ngx_pagesize) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"fanout_playlist_cache_zone\" must be at least %uzk",
                      8 * ngx_pagesize / 1024);
        return NGX_ERROR;
    }

    camcf->zone = ngx_shared_memory_add(cf, &ngx_http_fanout_cache_zone_name,
                                        camcf->zone_size,
                                        &ngx_http_fanout_cache_module);
    if (camcf->zone == NULL) {
        return NGX_ERROR;
    }

    camcf->zone->init = ngx_http_fanout_cache_init_zone;
    camcf->zone->data = camcf;

    lmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_fanout_lookup_module);
    lmcf->found = ngx_http_fanout_cache_found;
    lmcf->lost = ngx_http_fanout_last_lost;

    ngx_http_fanout_cache_fill_init(cf);

    return ngx_http_fanout_metrics_add(cf, ngx_http_fanout_cache_metrics,
                                       NGX_HTTP_FANOUT_MC_N, &camcf->metrics);
}


/*
 * The lookup module's found hook: the request is to be proxied to the
 * stream's own origin.  A playlist or MPD is answered from its copy if
 * it has one (ngx_http_fanout_cache_find: NGX_OK; it declines anything
 * else, and the copy lists nothing this edge has not fetched, even while
 * a newer answer waits for its prefetches).  A segment this edge is
 * prefetching, or a playlist with no copy whose answer waits for its
 * prefetches, waits for them (ngx_http_fanout_prefetch_hold: NGX_AGAIN).
 */
static ngx_int_t
ngx_http_fanout_cache_found(ngx_http_request_t *r, ngx_http_fanout_ctx_t *ctx)
{
    ngx_int_t  rc;

    rc = ngx_http_fanout_cache_find(r, ctx);

    if (rc != NGX_DECLINED) {
        return rc;
    }

    return ngx_http_fanout_prefetch_hold(r, ctx);
}


/* The request's ctx of this module, made on first use; NULL: no memory. */
ngx_http_fanout_cache_ctx_t *
ngx_http_fanout_cache_get_ctx(ngx_http_request_t *r)
{
    ngx_http_fanout_cache_ctx_t  *cctx;

    cctx = ngx_http_get_module_ctx(r, ngx_http_fanout_cache_module);

    if (cctx == NULL) {
        cctx = ngx_pcalloc(r->pool, sizeof(ngx_http_fanout_cache_ctx_t));
        if (cctx == NULL) {
            return NULL;
        }

        ngx_http_set_ctx(r, cctx, ngx_http_fanout_cache_module);
    }

    return cctx;
}


/*
 * $fanout_playlist_refresh: "1" for the request that refreshes an expired
 * copy whose proxy cache entry is still valid (proxy_cache_bypass), else
 * empty.
 */
static ngx_int_t
ngx_http_fanout_cache_refresh_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_fanout_cache_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_fanout_cache_module);

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;
    v->len = (ctx && ctx->refresh) ? 1 : 0;
    v->data = (u_char *) "1";

    return NGX_OK;
}


/* $fanout_cache_status: MEM for a memory hit, else $upstream_cache_status. */
static ngx_int_t
ngx_http_fanout_cache_status_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_uint_t                    n;
    ngx_http_fanout_cache_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_fanout_cache_module);

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    if (ctx && ctx->mem_hit) {
        v->len = ngx_http_fanout_mem[ctx->last].len;
        v->data = ngx_http_fanout_mem[ctx->last].data;
        return NGX_OK;
    }

#if (NGX_HTTP_CACHE)
    if (r->upstream && r->upstream->cache_status) {
        n = r->upstream->cache_status - 1;
        v->len = ngx_http_cache_status[n].len;
        v->data = ngx_http_cache_status[n].data;
        return NGX_OK;
    }
#else
    (void) n;
#endif

    v->not_found = 1;

    return NGX_OK;
}


/*
 * $fanout_cache_offset: where the upstream's status line will begin in
 * this request's proxy_cache file: the file's own header and "\nKEY: ...\n"
 * come first (ngx_http_file_cache_create_key() sets header_start before
 * the upstream request is made).  Sent to the origin as
 * FO_PAD_OFFSET_HEADER, it lets the origin pad its header block so that
 * the body starts on a page boundary in the file; every cache hit then
 * sendfile()s whole pages.  Offered only when the proxy buffer has
 * FO_PAD_ROOM behind it (fanout/cache_pad.h).
 */
static ngx_int_t
ngx_http_fanout_cache_offset_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
#if (NGX_HTTP_CACHE)
    u_char  *p;
    size_t   start;

    start = (r->cache && r->upstream && r->upstream->conf)
            ? r->cache->header_start : 0;

    if (start != 0
        && start + FO_PAD_ROOM <= r->upstream->conf->buffer_size)
    {
        p = ngx_pnalloc(r->pool, NGX_SIZE_T_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        v->len = ngx_sprintf(p, "%uz", start) - p;
        v->data = p;
        v->valid = 1;
        v->no_cacheable = 1;
        v->not_found = 0;

        return NGX_OK;
    }
#endif

    v->not_found = 1;

    return NGX_OK;
}


/*
 * $fanout_cache_epoch: the playlist zone's epoch (8 hex digits), drawn
 * when the zone is made, kept across reloads; empty without a zone.  In
 * the playlists' proxy_cache_key, so that a playlist cached before a
 * restart, when this edge's last playlists served were lost, is never
 * answered (as UPDATING, say) after it: it can be older than one a viewer
 * already got from another edge.
 */
static ngx_int_t
ngx_http_fanout_cache_epoch_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                             *p;
    ngx_http_fanout_cache_main_conf_t  *camcf;

    camcf = ngx_http_get_module_main_conf(r, ngx_http_fanout_cache_module);

    p = ngx_pnalloc(r->pool, NGX_HTTP_FANOUT_EPOCH_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->data = p;
    v->len = ngx_http_fanout_cache_epoch_hex(camcf, p) - p;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/* $fanout_cache_epoch's value at p: the zone's epoch in 8 hex digits,
 * nothing without a zone. */
u_char *
ngx_http_fanout_cache_epoch_hex(ngx_http_fanout_cache_main_conf_t *camcf,
    u_char *p)
{
    if (camcf == NULL || camcf->sh == NULL) {
        return p;
    }

    return ngx_sprintf(p, "%08xD", camcf->sh->epoch);
}


/*
 * The key edge.conf gives proxy_cache_key:
 * $fanout_origin/$fanout_session$fanout_cache_epoch$uri ("/", the
 * session's 8 hex digits and the zone's epoch's 8 between origin and
 * path).
 */
size_t
ngx_http_fanout_cache_key(ngx_http_fanout_ctx_t *ctx,
    ngx_http_request_t *r, u_char *buf)
{
    u_char                             *p;
    ngx_http_fanout_cache_main_conf_t  *camcf;

    if (ctx->answer.origin_len == 0
        || ctx->answer.origin_len + 1 + NGX_HTTP_FANOUT_SESSION_LEN
           + NGX_HTTP_FANOUT_EPOCH_LEN + r->uri.len
           > NGX_HTTP_FANOUT_MC_KEY_MAX)
    {
        return 0;
    }

    camcf = ngx_http_get_module_main_conf(r, ngx_http_fanout_cache_module);

    p = ngx_cpymem(buf, ctx->answer.origin, ctx->answer.origin_len);
    *p++ = '/';
    p = ngx_http_fanout_session_hex(p, ctx->answer.session);
    p = ngx_http_fanout_cache_epoch_hex(camcf, p);
    p = ngx_cpymem(p, r->uri.data, r->uri.len);

    return p - buf;
}
