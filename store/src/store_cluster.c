/*
 * store_cluster.c — the generic layer of the cluster's own bookkeeping:
 * leases and alerts (store.h).  Validation, then one call.
 */
#include <string.h>

#include "backend.h"
#include "store_internal.h"

#define LEASE_TTL_MAX 3600000

static fo_status invalid(fo_error *err, const char *op, const char *what)
{
    return fo_err(err, FO_ERR_INVALID, "store: %s: invalid %s", op, what);
}

fo_status fo_lease_acquire(fo_store *s, const char *name, const char *holder,
                           int64_t ttl_ms, int *held, fo_error *err)
{
    if (held == NULL) {
        return invalid(err, "lease acquire", "held pointer");
    }
    *held = 0;
    if (name == NULL || !fo_valid_id(name, FO_ID_MAX)) {
        return invalid(err, "lease acquire", "lease name");
    }
    if (holder == NULL || !fo_valid_id(holder, FO_ID_MAX)) {
        return invalid(err, "lease acquire", "holder");
    }
    if (ttl_ms < 1 || ttl_ms > LEASE_TTL_MAX) {
        return invalid(err, "lease acquire", "ttl (1 to 3600000 ms)");
    }
    CALL(s, lease_acquire, name, holder, ttl_ms, held, err);
}

fo_status fo_lease_release(fo_store *s, const char *name, const char *holder,
                           fo_error *err)
{
    if (name == NULL || !fo_valid_id(name, FO_ID_MAX)) {
        return invalid(err, "lease release", "lease name");
    }
    if (holder == NULL || !fo_valid_id(holder, FO_ID_MAX)) {
        return invalid(err, "lease release", "holder");
    }
    CALL(s, lease_release, name, holder, err);
}

static fo_status check_alert(const fo_alert *a, fo_error *err)
{
    if (!fo_valid_id(a->id, FO_ID_MAX)) {
        return invalid(err, "alert put", "id");
    }
    if (!fo_valid_id(a->rule, FO_RULE_MAX)) {
        return invalid(err, "alert put", "rule");
    }
    if (!TERMINATED(a->subject) || a->subject[0] == '\0') {
        return invalid(err, "alert put", "subject");
    }
    if (!TERMINATED(a->message)) {
        return invalid(err, "alert put", "message");
    }
    if (a->started_ms <= 0 || a->ended_ms < 0) {
        return invalid(err, "alert put", "times");
    }
    return FO_OK;
}

fo_status fo_alert_put(fo_store *s, const fo_alert *a, fo_error *err)
{
    if (a == NULL) {
        return invalid(err, "alert put", "alert");
    }
    CHECKED_CALL(s, check_alert(a, err), alert_put, a, err);
}

fo_status fo_alert_list(fo_store *s, int ended, fo_alert *out, size_t cap,
                        size_t *n, fo_error *err)
{
    if (n == NULL || (out == NULL && cap > 0)) {
        return invalid(err, "alert list", "output");
    }
    *n = 0;
    CALL(s, alert_list, ended != 0, out, cap, n, err);
}
