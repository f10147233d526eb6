/*
 * uri.h — store URI parsing: a pure function over a string, no I/O.
 *
 *   sqlite:///abs/path.db?opts
 *   redis://[[user]:password@]host[:port][/db]?opts
 *   mongodb://anything-the-driver-accepts?opts
 *
 * Our options (connect_timeout_ms, timeout_ms, update_period_ms,
 * dead_factor) are taken out of the query; for mongodb the rest of the
 * URI is kept verbatim in `passthrough` for the driver.
 */
#ifndef FANOUT_STORE_URI_H
#define FANOUT_STORE_URI_H

#include "fanout/store.h"

#define FO_URI_MAX 2048

typedef struct {
    char scheme[16];            /* "sqlite", "redis", "mongodb" */
    char user[256];             /* redis ACL user; "" for the default */
    char password[256];         /* redis */
    char host[256];             /* redis; "" for others */
    int port;                   /* redis; 0 when absent */
    int db;                     /* redis logical db, 0 when absent */
    char path[1024];            /* sqlite file path */
    char passthrough[FO_URI_MAX]; /* mongodb: URI minus our options */
    int connect_timeout_ms;
    int timeout_ms;
    int update_period_ms;
    int dead_factor;
} fo_uri;

/* Parses uri into *out.  FO_ERR_INVALID with a message naming the problem
 * on any malformed input.  Never reads past the terminating NUL. */
fo_status fo_uri_parse(const char *uri, fo_uri *out, fo_error *err);

#endif /* FANOUT_STORE_URI_H */
