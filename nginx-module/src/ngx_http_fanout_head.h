/*
 * ngx_http_fanout_head.h — the status and Content-Length of an HTTP/1.x
 * response head: what the edge's prefetch (ngx_http_fanout_prefetch.c)
 * needs to tell a whole segment from one cut short (its origin died
 * mid-answer: nginx has sent the 200 and the length, and closes early).
 *
 * Pure functions over bytes, as the path parser: no allocation, no I/O,
 * no nginx header; nginx-module/tests/ compiles this file on its own.
 */
#ifndef NGX_HTTP_FANOUT_HEAD_H
#define NGX_HTTP_FANOUT_HEAD_H

#include <stddef.h>

#define NGX_HTTP_FANOUT_HEAD_INCOMPLETE  0
#define NGX_HTTP_FANOUT_HEAD_INVALID     (-1)

/*
 * The head at the start of [p, p + len): its length through the blank
 * line (CRLF CRLF, or LF LF), with *status (100..599) and *length (the
 * Content-Length, -1 when there is none) set; 0 when the blank line is
 * not in yet; -1 when it is no HTTP/1.x response head, or its
 * Content-Length is malformed, or given twice with two values.
 */
long ngx_http_fanout_head_parse(const unsigned char *p, size_t len,
    int *status, long long *length);

#endif /* NGX_HTTP_FANOUT_HEAD_H */
