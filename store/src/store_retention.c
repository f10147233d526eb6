/*
 * store_retention.c — the generic layer's calls that keep the store from
 * growing without bound: expiring the broadcasts publishes auto-created
 * (issue #14).  Validation plus one call, as in store.c.
 */
#include <stdint.h>

#include "backend.h"
#include "store_internal.h"

fo_status fo_broadcast_expire_auto(fo_store *s, int64_t retention_ms,
                                   size_t max, int64_t *deleted,
                                   fo_error *err)
{
    int64_t dummy;

    if (deleted == NULL) {
        deleted = &dummy;
    }
    *deleted = 0;
    if (retention_ms < 0) {
        return bad(err, "expire auto", "retention");
    }
    if (max == 0) {
        return FO_OK;
    }
    CALL(s, broadcast_expire_auto, retention_ms, max, deleted, err);
}
