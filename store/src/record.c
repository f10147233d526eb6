/*
 * record.c — semantics every backend shares: errors, ids, defaults,
 * search and the list order of broadcasts.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

fo_status fo_err(fo_error *err, fo_status code, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL) {
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return code;
}

int fo_strlcpy(char *dst, const char *src, size_t cap)
{
    size_t n = strnlen(src, cap);

    if (n == cap) {
        memcpy(dst, src, cap - 1);
        dst[cap - 1] = '\0';
        return -1;
    }
    memcpy(dst, src, n + 1);
    return 0;
}

int fo_valid_id(const char *id, size_t max)
{
    if (id == NULL) {
        return 0;
    }
    return fo_valid_id_len(id, strnlen(id, max), max);
}

int fo_valid_id_len(const char *id, size_t len, size_t max)
{
    if (id == NULL || len == 0 || len >= max) {
        return 0;
    }
    if ((len == 1 && id[0] == '.') || (len == 2 && id[0] == '.' && id[1] == '.')) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) id[i];

        /* Not isalnum(): the rule must not depend on the locale. */
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
        {
            return 0;
        }
    }
    return 1;
}

const char *fo_status_str(fo_status st)
{
    switch (st) {
    case FO_OK:
        return "ok";
    case FO_NOT_FOUND:
        return "not found";
    case FO_CONFLICT:
        return "conflict";
    case FO_ERR:
        return "error";
    case FO_ERR_INVALID:
        return "invalid";
    }
    return "unknown";
}

int fo_node_fresh(int64_t last_update_ms, int64_t now, int64_t dead_after)
{
    return now - last_update_ms <= dead_after;
}

const char *fo_role_name(fo_role role)
{
    return role == FO_ROLE_EDGE ? "edge" : "origin";
}

fo_role fo_role_parse(const char *s)
{
    return s != NULL && strcmp(s, "edge") == 0 ? FO_ROLE_EDGE
                                               : FO_ROLE_ORIGIN;
}

/* Case-insensitive: is needle in hay? */
static int contains_nocase(const char *hay, const char *needle)
{
    size_t hn = strlen(hay), nn = strlen(needle);

    for (size_t i = 0; i + nn <= hn; i++) {
        size_t j = 0;

        while (j < nn
               && tolower((unsigned char) hay[i + j])
                      == tolower((unsigned char) needle[j]))
        {
            j++;
        }
        if (j == nn) {
            return 1;
        }
    }
    return 0;
}

int fo_broadcast_matches(const fo_broadcast *b, const char *search)
{
    if (search == NULL || search[0] == '\0') {
        return 1;
    }
    return contains_nocase(b->name, search)
           || contains_nocase(b->stream_id, search);
}

void fo_broadcast_origin(const fo_broadcast *b, fo_origin *out)
{
    memset(out, 0, sizeof(*out));
    fo_strlcpy(out->address, b->origin_address, sizeof(out->address));
    out->http_port = b->origin_http_port;
    fo_strlcpy(out->node_id, b->origin_node, sizeof(out->node_id));
    fo_strlcpy(out->session_id, b->session_id, sizeof(out->session_id));
    fo_strlcpy(out->status, b->status, sizeof(out->status));
}

void fo_broadcast_defaults(fo_broadcast *b)
{
    if (b->status[0] == '\0') {
        fo_strlcpy(b->status, FO_STATUS_CREATED, sizeof(b->status));
    }
    if (b->type[0] == '\0') {
        fo_strlcpy(b->type, "liveStream", sizeof(b->type));
    }
    if (b->name[0] == '\0') {
        fo_strlcpy(b->name, b->stream_id, sizeof(b->name));
    }
}

static int cmp_key(const fo_broadcast *a, const fo_broadcast *b,
                   const fo_list_query *q)
{
    switch (q->sort_by) {
    case FO_SORT_NAME:
        return strcmp(a->name, b->name);
    case FO_SORT_STATUS:
        return strcmp(a->status, b->status);
    case FO_SORT_DATE:
        return (a->date > b->date) - (a->date < b->date);
    case FO_SORT_NONE:
        break;
    }
    return strcmp(a->stream_id, b->stream_id);
}

int fo_broadcast_cmp(const fo_broadcast *a, const fo_broadcast *b,
                     const fo_list_query *q)
{
    int c = cmp_key(a, b, q);

    if (q->descending) {
        c = -c;
    }
    return c != 0 ? c : strcmp(a->stream_id, b->stream_id);
}
