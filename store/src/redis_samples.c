/*
 * redis_samples.c — the redis:// backend's node samples (fo:samples:<id>,
 * redis_lua.h): one zset per node, its members the values as text.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "redis_conn.h"

fo_status fo_rd_node_sample_put(void *impl, const fo_node_sample *v,
                                int64_t keep_ms, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "node_sample_put %s", v->node_id);
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:node:%s", v->node_id);
    fo_rd_args_key(&a, "fo:samples:%s", v->node_id);
    fo_rd_args_num(&a, "%" PRId64, keep_ms);
    fo_rd_args_num(&a, "%.17g %.17g %" PRId32 " %.17g", v->cpu,
                   v->mem_percent, v->viewers, v->db_query_avg_ms);
    return fo_rd_decide(r, RS_SAMPLE_PUT, &a, "", err);
}

/* One member, "<time_ms> <cpu> <mem> <viewers> <db>", of node id. */
static int decode_member(const redisReply *m, const char *id,
                         fo_node_sample *v)
{
    memset(v, 0, sizeof(*v));
    fo_strlcpy(v->node_id, id, sizeof(v->node_id));
    return m->type == REDIS_REPLY_STRING
           && sscanf(m->str, "%" SCNd64 " %lf %lf %" SCNd32 " %lf",
                     &v->time_ms, &v->cpu, &v->mem_percent, &v->viewers,
                     &v->db_query_avg_ms)
                  == 5;
}

/* The reply of RS_SAMPLES: id, {member...} pairs. */
static fo_status decode(rd *r, const redisReply *rep, fo_node_sample *out,
                        size_t cap, size_t *n, fo_error *err)
{
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements % 2 != 0) {
        return fo_rd_fail(r, err, FO_ERR, "unexpected reply");
    }
    for (size_t i = 0; i < rep->elements; i += 2) {
        const redisReply *id = rep->element[i];
        const redisReply *ms = rep->element[i + 1];

        if (id->type != REDIS_REPLY_STRING || ms->type != REDIS_REPLY_ARRAY) {
            return fo_rd_fail(r, err, FO_ERR, "unexpected reply");
        }
        for (size_t j = 0; j < ms->elements && *n < cap; j++) {
            if (!decode_member(ms->element[j], id->str, &out[*n])) {
                return fo_rd_fail(r, err, FO_ERR, "malformed sample");
            }
            (*n)++;
        }
    }
    return FO_OK;
}

fo_status fo_rd_node_samples(void *impl, const char *node_id,
                             int64_t since_ms, fo_node_sample *out,
                             size_t cap, size_t *n, fo_error *err)
{
    rd *r = impl;
    rd_args a;
    redisReply *rep;
    fo_status rc;

    fo_rd_op(r, "node_samples %s", node_id != NULL ? node_id : "*");
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:nodes");
    fo_rd_args_str(&a, node_id != NULL ? node_id : "");
    fo_rd_args_num(&a, "%" PRId64, since_ms);
    fo_rd_args_num(&a, "%zu", cap);
    rc = fo_rd_eval(r, RS_SAMPLES, &a, &rep, err);
    if (rc == FO_OK) {
        rc = decode(r, rep, out, cap, n, err);
        freeReplyObject(rep);
    }
    return rc;
}
