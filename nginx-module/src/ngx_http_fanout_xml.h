/*
 * ngx_http_fanout_xml.h — the subset of XML an MPD's segment addressing
 * needs (ngx_http_fanout_segments.c): elements by name, attributes in
 * double or single quotes, no entities.  Pure functions over bytes, no
 * allocation; every scan stays inside [p, end).
 */
#ifndef NGX_HTTP_FANOUT_XML_H
#define NGX_HTTP_FANOUT_XML_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const unsigned char  *p;
    size_t                len;
} ngx_http_fanout_xml_str_t;

/* The first needle in [p, end), or NULL. */
const unsigned char *ngx_http_fanout_xml_find(const unsigned char *p,
    const unsigned char *end, const char *needle);

/* The last needle in [start, before), or NULL. */
const unsigned char *ngx_http_fanout_xml_rfind(const unsigned char *start,
    const unsigned char *before, const char *needle);

/* The next element "<name" (then a space, '/' or '>') in [p, end). */
const unsigned char *ngx_http_fanout_xml_element(const unsigned char *p,
    const unsigned char *end, const char *name);

/* 1 with *v set: attribute `name` of the element at el (up to its '>'). */
int ngx_http_fanout_xml_attr(const unsigned char *el,
    const unsigned char *end, const char *name, ngx_http_fanout_xml_str_t *v);

/* 1 with *out set: a decimal attribute, present, at most limit. */
int ngx_http_fanout_xml_attr_u64(const unsigned char *el,
    const unsigned char *end, const char *name, uint64_t limit,
    uint64_t *out);

#endif /* NGX_HTTP_FANOUT_XML_H */
