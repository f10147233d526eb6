/*
 * mongo_repl.c — the replica set's replication lag (see mongo_repl.h).
 *
 * replSetGetStatus lists members with their state (1 PRIMARY, 2
 * SECONDARY, 7 ARBITER, ...) and the last operation each applied:
 * optimeDate (a BSON date, milliseconds) and optime.ts (a BSON timestamp,
 * whole seconds).  The lag MongoDB's own rs.printSecondaryReplicationInfo
 * shows is the primary's optime minus the secondary's.
 */
#include <stdint.h>
#include <string.h>

#include "mongo_repl.h"

/* A member's optime in ms: optimeDate, else optime.ts's seconds; -1. */
static int64_t member_optime_ms(const bson_t *member)
{
    bson_iter_t it, sub;
    uint32_t t, i;

    if (bson_iter_init_find(&it, member, "optimeDate")
        && BSON_ITER_HOLDS_DATE_TIME(&it)) {
        return bson_iter_date_time(&it);
    }
    if (bson_iter_init_find(&it, member, "optime")
        && BSON_ITER_HOLDS_DOCUMENT(&it) && bson_iter_recurse(&it, &sub)
        && bson_iter_find(&sub, "ts") && BSON_ITER_HOLDS_TIMESTAMP(&sub)) {
        bson_iter_timestamp(&sub, &t, &i);
        return (int64_t) t * 1000;
    }
    return -1;
}

static int32_t member_state(const bson_t *member)
{
    bson_iter_t it;

    if (bson_iter_init_find(&it, member, "state")
        && BSON_ITER_HOLDS_NUMBER(&it)) {
        return (int32_t) bson_iter_as_int64(&it);
    }
    return -1;
}

/* The reply's ok field is 1. */
static int reply_ok(const bson_t *reply)
{
    bson_iter_t it;

    return bson_iter_init_find(&it, reply, "ok")
           && BSON_ITER_HOLDS_NUMBER(&it) && bson_iter_as_double(&it) == 1.0;
}

double fo_mg_repl_lag_ms(const bson_t *reply)
{
    bson_iter_t it, members;
    int64_t primary = -1, oldest = INT64_MAX;
    int broken = 0;

    if (!reply_ok(reply) || !bson_iter_init_find(&it, reply, "members")
        || !BSON_ITER_HOLDS_ARRAY(&it) || !bson_iter_recurse(&it, &members)) {
        return -1;
    }
    while (bson_iter_next(&members)) {
        const uint8_t *data;
        uint32_t len;
        bson_t m;
        int32_t state;
        int64_t op;

        if (!BSON_ITER_HOLDS_DOCUMENT(&members)) {
            continue;
        }
        bson_iter_document(&members, &len, &data);
        if (!bson_init_static(&m, data, len)) {
            continue;
        }
        state = member_state(&m);
        if (state != 1 && state != 2) {
            continue;           /* arbiters, recovering, down members */
        }
        op = member_optime_ms(&m);
        if (state == 1) {
            primary = op;
            broken |= op < 0;
        } else if (op < 0) {
            broken = 1;
        } else if (op < oldest) {
            oldest = op;
        }
    }
    if (primary < 0 || broken) {
        return -1;
    }
    if (oldest == INT64_MAX || oldest > primary) {
        return 0;               /* no secondary, or one ahead of our view */
    }
    return (double) (primary - oldest);
}

double fo_mg_repl_lag_measure(mongoc_client_t *client)
{
    bson_t *cmd = BCON_NEW("replSetGetStatus", BCON_INT32(1));
    bson_t reply;
    bson_error_t e;
    double lag = -1;

    if (mongoc_client_command_simple(client, "admin", cmd, NULL, &reply,
                                     &e)) {
        lag = fo_mg_repl_lag_ms(&reply);
    }
    bson_destroy(&reply);
    bson_destroy(cmd);
    return lag;
}
