/*
 * mongo_doc.c — records <-> BSON documents for the mongodb:// backend
 * (see mongo_doc.h), in Ant Media Server's field names.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <bson/bson.h>

#include "backend.h"
#include "mongo_doc.h"

#define FIELD(n, t, T, f, mk)                                             \
    { n, t, offsetof(T, f), sizeof(((T *) 0)->f), mk }

const mg_field fo_mg_node_fields[] = {
    FIELD("nodeId", 's', fo_node, id, F_KEY),
    FIELD("ip", 's', fo_node, ip, F_ALL),
    FIELD("httpPort", 'i', fo_node, http_port, F_ALL),
    FIELD("rtmpPort", 'i', fo_node, rtmp_port, F_ALL),
    FIELD("role", 'r', fo_node, role, F_ALL),
    FIELD("nodeGroup", 's', fo_node, node_group, F_ALL),
    FIELD("cpu", 'd', fo_node, cpu, F_ALL),
    FIELD("memoryPercent", 'd', fo_node, mem_percent, F_ALL),
    FIELD("processCpu", 'd', fo_node, process_cpu, F_ALL),
    FIELD("processMemory", 'l', fo_node, process_rss, F_ALL),
    FIELD("loadAverage", 'd', fo_node, load1, F_ALL),
    FIELD("replicationLagMs", 'd', fo_node, repl_lag_ms, F_ALL),
    FIELD("originOkTime", 'l', fo_node, origin_ok_ms, F_ALL),
    FIELD("originFailTime", 'l', fo_node, origin_fail_ms, F_ALL),
    FIELD("egressBitrate", 'l', fo_node, egress_bps, F_ALL),
    FIELD("activeStreams", 'i', fo_node, active_streams, F_ALL),
    FIELD("viewers", 'i', fo_node, viewers, F_ALL),
    FIELD("dbQueryAverageTimeMs", 'd', fo_node, db_query_avg_ms, F_ALL),
    FIELD("lastUpdateTime", 'l', fo_node, last_update_ms, F_ALL),
    { NULL, 0, 0, 0, 0 }
};

const mg_field fo_mg_bcast_fields[] = {
    FIELD("app", 's', fo_broadcast, app, F_KEY),
    FIELD("streamId", 's', fo_broadcast, stream_id, F_KEY),
    FIELD("name", 's', fo_broadcast, name, FO_F_NAME),
    FIELD("status", 's', fo_broadcast, status, FO_F_STATUS),
    FIELD("type", 's', fo_broadcast, type, FO_F_TYPE),
    FIELD("publishType", 's', fo_broadcast, publish_type, FO_F_PUBLISH_TYPE),
    FIELD("originAdress", 's', fo_broadcast, origin_address, F_OWNER),
    FIELD("originHttpPort", 'i', fo_broadcast, origin_http_port, F_OWNER),
    FIELD("originNode", 's', fo_broadcast, origin_node, F_OWNER),
    FIELD("sessionId", 's', fo_broadcast, session_id, F_OWNER),
    FIELD("date", 'l', fo_broadcast, date, F_DATE),
    FIELD("startTime", 'l', fo_broadcast, start_time, F_START),
    FIELD("updateTime", 'l', fo_broadcast, update_time, F_UPDATE),
    FIELD("hlsViewerCount", 'l', fo_broadcast, hls_viewer_count, FO_F_VIEWERS),
    FIELD("dashViewerCount", 'l', fo_broadcast, dash_viewer_count,
          FO_F_VIEWERS),
    FIELD("bitrate", 'l', fo_broadcast, bitrate, FO_F_BITRATE),
    FIELD("extra", 's', fo_broadcast, extra, FO_F_EXTRA),
    FIELD("autoCreated", 'i', fo_broadcast, auto_created, F_DATE),
    /* live figures: a progress put writes them (fo_mg_progress_fields) */
    FIELD("speed", 'd', fo_broadcast, speed, F_PROGRESS),
    FIELD("renditions", 's', fo_broadcast, renditions, F_PROGRESS),
    /* sort keys (mongo_doc.h), written with the field they encode */
    FIELD("streamKey", 'h', fo_broadcast, stream_id, F_DATE | F_KEYS),
    FIELD("nameKey", 'h', fo_broadcast, name, FO_F_NAME | F_KEYS),
    { NULL, 0, 0, 0, 0 }
};

const mg_field fo_mg_vod_fields[] = {
    FIELD("app", 's', fo_vod, app, F_KEY),
    FIELD("vodId", 's', fo_vod, vod_id, F_KEY),
    FIELD("streamId", 's', fo_vod, stream_id, F_ALL),
    FIELD("vodName", 's', fo_vod, name, F_ALL),
    FIELD("filePath", 's', fo_vod, file_path, F_ALL),
    FIELD("duration", 'l', fo_vod, duration_ms, F_ALL),
    FIELD("creationDate", 'l', fo_vod, creation_date, F_ALL),
    { NULL, 0, 0, 0, 0 }
};

const mg_field fo_mg_progress_fields[] = {
    FIELD("hlsSequence", 'l', fo_progress, hls_sequence, F_PROGRESS),
    FIELD("hlsDiscontinuity", 'l', fo_progress, hls_discontinuity,
          F_PROGRESS),
    FIELD("dashStartMs", 'l', fo_progress, dash_start_ms, F_PROGRESS),
    FIELD("dashPeriod", 'l', fo_progress, dash_period, F_PROGRESS),
    FIELD("dashPeriodStartMs", 'l', fo_progress, dash_period_start_ms,
          F_PROGRESS),
    FIELD("dashEndMs", 'l', fo_progress, dash_end_ms, F_PROGRESS),
    FIELD("dashNumber", 'l', fo_progress, dash_number, F_PROGRESS),
    FIELD("progressTime", 'l', fo_progress, written_ms, F_UPDATE),
    FIELD("bitrate", 'l', fo_progress, bitrate, F_PROGRESS),
    FIELD("speed", 'd', fo_progress, speed, F_PROGRESS),
    FIELD("renditions", 's', fo_progress, renditions, F_PROGRESS),
    { NULL, 0, 0, 0, 0 }
};

const mg_field fo_mg_session_fields[] = {
    FIELD("app", 's', fo_session, app, F_KEY),
    FIELD("streamId", 's', fo_session, stream_id, F_KEY),
    FIELD("sessionId", 's', fo_session, session_id, F_ALL),
    FIELD("nodeId", 's', fo_session, node_id, F_ALL),
    FIELD("originAdress", 's', fo_session, origin_address, F_ALL),
    FIELD("originHttpPort", 'i', fo_session, origin_http_port, F_ALL),
    FIELD("startTime", 'l', fo_session, start_time, F_ALL),
    FIELD("endTime", 'l', fo_session, end_time, F_ALL),
    FIELD("endReason", 's', fo_session, end_reason, F_ALL),
    { NULL, 0, 0, 0, 0 }
};

void fo_mg_sort_key(char *dst, const char *s, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0;

    for (; *s != '\0' && i + 2 < cap; s++) {
        dst[i++] = hex[(unsigned char) *s >> 4];
        dst[i++] = hex[(unsigned char) *s & 15];
    }
    dst[i] = '\0';
}

static void put_sort_key(bson_t *d, const char *name, const char *s,
                         size_t size)
{
    char key[2 * FO_NAME_MAX + 1];

    fo_mg_sort_key(key, s, size * 2 + 1 < sizeof(key) ? size * 2 + 1
                                                       : sizeof(key));
    BSON_APPEND_UTF8(d, name, key);
}

void fo_mg_put_fields(bson_t *d, const mg_field *f, const void *rec,
                       unsigned mask)
{
    for (; f->name != NULL; f++) {
        const char *p = (const char *) rec + f->off;

        if (!(f->mask & mask)) {
            continue;
        }
        switch (f->type) {
        case 's':
            BSON_APPEND_UTF8(d, f->name, p);
            break;
        case 'i':
            BSON_APPEND_INT32(d, f->name, *(const int32_t *) p);
            break;
        case 'l':
            BSON_APPEND_INT64(d, f->name, *(const int64_t *) p);
            break;
        case 'r':
            BSON_APPEND_UTF8(d, f->name, fo_role_name(*(const fo_role *) p));
            break;
        case 'h':
            put_sort_key(d, f->name, p, f->size);
            break;
        default:
            BSON_APPEND_DOUBLE(d, f->name, *(const double *) p);
            break;
        }
    }
}

/* Fills rec (zeroed first) from d; missing fields stay 0 / "". */
void fo_mg_get_fields(const bson_t *d, const mg_field *f, void *rec,
                      size_t size)
{
    bson_iter_t it;

    memset(rec, 0, size);
    for (; f->name != NULL; f++) {
        char *p = (char *) rec + f->off;
        int str = bson_iter_init_find(&it, d, f->name)
                  && BSON_ITER_HOLDS_UTF8(&it);

        switch (f->type) {
        case 's':
            if (str) {
                fo_strlcpy(p, bson_iter_utf8(&it, NULL), f->size);
            }
            break;
        case 'i':
            *(int32_t *) p = (int32_t) fo_mg_num(d, f->name);
            break;
        case 'l':
            *(int64_t *) p = fo_mg_num(d, f->name);
            break;
        case 'r':
            *(fo_role *) p = fo_role_parse(str ? bson_iter_utf8(&it, NULL)
                                               : NULL);
            break;
        case 'h':
            break;              /* written only: the record has the text */
        default:
            *(double *) p = bson_iter_init_find(&it, d, f->name)
                                    && BSON_ITER_HOLDS_NUMBER(&it)
                                ? bson_iter_as_double(&it) : 0.0;
            break;
        }
    }
}

/* {op: {fields of rec named by mask}} */
bson_t *fo_mg_with(const char *op, const mg_field *f, const void *rec,
                   unsigned mask)
{
    bson_t *u = bson_new();
    bson_t sub;

    bson_append_document_begin(u, op, -1, &sub);
    fo_mg_put_fields(&sub, f, rec, mask);
    bson_append_document_end(u, &sub);
    return u;
}

int64_t fo_mg_num(const bson_t *d, const char *k)
{
    bson_iter_t it;

    if (!bson_iter_init_find(&it, d, k)) {
        return 0;
    }
    if (BSON_ITER_HOLDS_DATE_TIME(&it)) {
        return bson_iter_date_time(&it);
    }
    /* a JavaScript server hands int64 back as int32 or double */
    return BSON_ITER_HOLDS_NUMBER(&it) ? bson_iter_as_int64(&it) : 0;
}

void fo_mg_get_str(const bson_t *d, const char *k, char *dst, size_t cap)
{
    bson_iter_t it;

    dst[0] = '\0';
    if (bson_iter_init_find(&it, d, k) && BSON_ITER_HOLDS_UTF8(&it)) {
        fo_strlcpy(dst, bson_iter_utf8(&it, NULL), cap);
    }
}

bson_t *fo_mg_stream_q(const char *app, const char *stream_id)
{
    return BCON_NEW("app", BCON_UTF8(app), "streamId", BCON_UTF8(stream_id));
}

bson_t *fo_mg_node_q(const char *id)
{
    return BCON_NEW("nodeId", BCON_UTF8(id));
}

/* Error-message argument "app/streamId". */
const char *fo_mg_skey(char *key, const char *app, const char *stream_id)
{
    snprintf(key, MG_KEY_MAX, "%s/%s", app, stream_id);
    return key;
}

