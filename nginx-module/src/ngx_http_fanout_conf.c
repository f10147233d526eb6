/*
 * ngx_http_fanout_module — the arguments of its directives: fanout_store,
 * fanout_origin_nodes, fanout_node_address, fanout_apps and
 * fanout_viewer_args; the rule for node ids, groups and app names; the
 * address an edge announces when none is configured.
 */
#include "ngx_http_fanout_module.h"

#include <ifaddrs.h>
#include <net/if.h>


char *
ngx_http_fanout_store(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_fanout_main_conf_t  *fmcf = conf;

    u_char     *uri;
    fo_error    err;
    fo_store   *probe;
    ngx_str_t  *value;

    if (fmcf->uri.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    uri = ngx_pnalloc(cf->pool, value[1].len + 1);
    if (uri == NULL) {
        return NGX_CONF_ERROR;
    }

    (void) ngx_cpystrn(uri, value[1].data, value[1].len + 1);

    /*
     * Opening checks the URI and the server now, while the operator
     * watches `nginx -t`; workers open their own handles later, in pool
     * threads (a handle must not cross fork()).
     */
    if (fo_store_open((const char *) uri, &probe, &err) != FO_OK) {
        if (err.code == FO_ERR_INVALID) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", err.msg);
            return NGX_CONF_ERROR;
        }

        /* An unreachable store is not a configuration error: the edge
         * starts and serves what it can (stale mappings, static origins). */
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0, "%s", err.msg);

    } else {
        fo_store_close(probe);
    }

    fmcf->uri.data = uri;
    fmcf->uri.len = value[1].len;

    return NGX_CONF_OK;
}


char *
ngx_http_fanout_origin_nodes(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_fanout_main_conf_t  *fmcf = conf;

    u_char      *p;
    ngx_str_t   *value, *node;
    ngx_url_t    u;
    ngx_uint_t   i;

    if (fmcf->origin_nodes != NULL) {
        return "is duplicate";
    }

    fmcf->origin_nodes = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                          sizeof(ngx_str_t));
    if (fmcf->origin_nodes == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        ngx_memzero(&u, sizeof(ngx_url_t));

        u.url = value[i];
        u.default_port = 5080;
        u.no_resolve = 1;

        if (ngx_parse_url(cf->pool, &u) != NGX_OK || u.uri.len
            || u.host.len == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "%s in fanout_origin_nodes \"%V\"",
                               u.err ? u.err : "invalid host:port", &u.url);
            return NGX_CONF_ERROR;
        }

        node = ngx_array_push(fmcf->origin_nodes);
        if (node == NULL) {
            return NGX_CONF_ERROR;
        }

        /* "host:port" as $fanout_origin carries it ([v6] keeps brackets) */
        node->data = ngx_pnalloc(cf->pool, u.host.len + 1 + NGX_INT_T_LEN);
        if (node->data == NULL) {
            return NGX_CONF_ERROR;
        }

        p = ngx_sprintf(node->data, "%V:%d", &u.host, (int) u.port);
        node->len = p - node->data;

        if (node->len >= NGX_HTTP_FANOUT_ORIGIN_MAX) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "too long origin \"%V\"", &u.url);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


char *
ngx_http_fanout_node_address(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_fanout_main_conf_t  *fmcf = conf;

    ngx_str_t  *value, host;
    ngx_url_t   u;

    if (fmcf->node_host.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    ngx_memzero(&u, sizeof(ngx_url_t));

    u.url = value[1];
    u.default_port = 80;
    u.no_resolve = 1;

    if (ngx_parse_url(cf->pool, &u) != NGX_OK || u.uri.len
        || u.host.len == 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s in fanout_node_address \"%V\"",
                           u.err ? u.err : "invalid host[:port]", &u.url);
        return NGX_CONF_ERROR;
    }

    host = u.host;

    /* the store holds a bare address: [v6] loses its brackets */
    if (host.len > 2 && host.data[0] == '[') {
        host.data++;
        host.len -= 2;
    }

    if (host.len >= FO_ADDR_MAX) {
        return "is too long";
    }

    fmcf->node_host.data = ngx_pnalloc(cf->pool, host.len + 1);
    if (fmcf->node_host.data == NULL) {
        return NGX_CONF_ERROR;
    }

    (void) ngx_cpystrn(fmcf->node_host.data, host.data, host.len + 1);
    fmcf->node_host.len = host.len;
    fmcf->node_port = u.port;

    return NGX_CONF_OK;
}


char *
ngx_http_fanout_apps(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_fanout_loc_conf_t *flcf = conf;

    ngx_str_t   *value, *app;
    ngx_uint_t   i;

    if (flcf->apps != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    flcf->apps = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                  sizeof(ngx_str_t));
    if (flcf->apps == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        if (ngx_http_fanout_check_id(cf, "fanout_apps", &value[i])
            != NGX_CONF_OK)
        {
            return NGX_CONF_ERROR;
        }

        app = ngx_array_push(flcf->apps);
        if (app == NULL) {
            return NGX_CONF_ERROR;
        }

        *app = value[i];
    }

    return NGX_CONF_OK;
}


/* fanout_viewer_args name ... | off */
char *
ngx_http_fanout_viewer_args(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_fanout_loc_conf_t *flcf = conf;

    ngx_str_t   *value, *arg;
    ngx_uint_t   i;

    if (flcf->viewer_args != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    flcf->viewer_args = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                         sizeof(ngx_str_t));
    if (flcf->viewer_args == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "off") == 0) {
        return NGX_CONF_OK;         /* address and User-Agent only */
    }

    for (i = 1; i < cf->args->nelts; i++) {
        if (value[i].len == 0) {
            return "has an empty argument name";
        }

        arg = ngx_array_push(flcf->viewer_args);
        if (arg == NULL) {
            return NGX_CONF_ERROR;
        }

        *arg = value[i];
    }

    return NGX_CONF_OK;
}


/* Node ids, groups and app names obey the store's rule (fo_valid_id). */
char *
ngx_http_fanout_check_id(ngx_conf_t *cf, const char *directive, ngx_str_t *id)
{
    u_char  buf[FO_ID_MAX];

    if (id->len == 0 || id->len >= FO_ID_MAX) {
        goto invalid;
    }

    (void) ngx_cpystrn(buf, id->data, id->len + 1);

    if (ngx_strlen(buf) == id->len && fo_valid_id((char *) buf, FO_ID_MAX)) {
        return NGX_CONF_OK;
    }

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid name \"%V\" in \"%s\": 1 to %d characters "
                       "of A-Z a-z 0-9 _ . -", id, directive, FO_ID_MAX - 1);

    return NGX_CONF_ERROR;
}


/* The first IPv4 address of an interface that is up and not loopback. */
ngx_int_t
ngx_http_fanout_default_host(ngx_conf_t *cf, ngx_str_t *host)
{
    size_t           len;
    struct ifaddrs  *ifs, *ifa;

    host->data = ngx_pnalloc(cf->pool, NGX_INET_ADDRSTRLEN + 1);
    if (host->data == NULL) {
        return NGX_ERROR;
    }

    len = 0;

    if (getifaddrs(&ifs) == 0) {
        for (ifa = ifs; ifa; ifa = ifa->ifa_next) {
            if (ifa->ifa_addr == NULL
                || ifa->ifa_addr->sa_family != AF_INET
                || !(ifa->ifa_flags & IFF_UP)
                || (ifa->ifa_flags & IFF_LOOPBACK))
            {
                continue;
            }

            len = ngx_inet_ntop(AF_INET,
                                &((struct sockaddr_in *) ifa->ifa_addr)
                                    ->sin_addr,
                                host->data, NGX_INET_ADDRSTRLEN);
            break;
        }

        freeifaddrs(ifs);
    }

    if (len == 0) {
        len = ngx_cpystrn(host->data, (u_char *) "127.0.0.1", 10) - host->data;
    }

    host->data[len] = '\0';
    host->len = len;

    return NGX_OK;
}
