/*
 * store_samples.c — the generic layer of the node samples, the console's
 * charts (store.h): validation, then one call.
 */
#include <math.h>

#include "store_internal.h"

/* A value a chart can draw: finite, and not absurd. */
static int plausible(double v)
{
    return isfinite(v) && v >= -1 && v <= 1e9;
}

static fo_status check_sample(const fo_node_sample *v, int64_t keep_ms,
                              fo_error *err)
{
    if (v == NULL || !TERMINATED(v->node_id)
        || !fo_valid_id(v->node_id, FO_ID_MAX))
    {
        return bad(err, "node sample put", "node id");
    }
    if (!plausible(v->cpu) || !plausible(v->mem_percent)
        || !plausible(v->db_query_avg_ms) || v->viewers < 0)
    {
        return bad(err, "node sample put", "value");
    }
    if (keep_ms < 1 || keep_ms > FO_SAMPLE_KEEP_MS) {
        return bad(err, "node sample put", "keep (1 to 3600000 ms)");
    }
    return FO_OK;
}

fo_status fo_node_sample_put(fo_store *s, const fo_node_sample *v,
                             int64_t keep_ms, fo_error *err)
{
    CHECKED_CALL(s, check_sample(v, keep_ms, err), node_sample_put, v,
                 keep_ms, err);
}

fo_status fo_node_samples(fo_store *s, const char *node_id, int64_t since_ms,
                          fo_node_sample *out, size_t cap, size_t *n,
                          fo_error *err)
{
    if (n == NULL || (out == NULL && cap > 0)) {
        return bad(err, "node samples", "output");
    }
    *n = 0;
    if (node_id != NULL && !fo_valid_id(node_id, FO_ID_MAX)) {
        return bad(err, "node samples", "node id");
    }
    if (cap == 0) {
        return FO_OK;
    }
    CALL(s, node_samples, node_id, since_ms, out, cap, n, err);
}
