/*
 * mongo_repl_test.c — the replication lag parser (store/src/mongo_repl.c)
 * against a recorded replSetGetStatus reply (data/replsetgetstatus.json:
 * a primary and two secondaries 1 s and 13 s behind) and the replies of
 * servers that are not replica sets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mongo_repl.h"

/* The reply of a mongod started without --replSet, as it sends it. */
static const char not_replset[] =
    "{\"ok\": 0.0, \"errmsg\": \"not running with --replSet\", "
    "\"code\": 76, \"codeName\": \"NoReplicationEnabled\"}";

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = calloc(1, 1 << 16);
    size_t n;

    assert_non_null(f);
    assert_non_null(buf);
    n = fread(buf, 1, (1 << 16) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static double lag_of_json(const char *json)
{
    bson_error_t e;
    bson_t *b = bson_new_from_json((const uint8_t *) json, -1, &e);
    double lag;

    if (b == NULL) {
        fail_msg("fixture is not JSON: %s", e.message);
    }
    lag = fo_mg_repl_lag_ms(b);
    bson_destroy(b);
    return lag;
}

/* Deletes every "key": {...} member (one level of braces) of json. */
static void drop_members(char *json, const char *key)
{
    char *p;

    while ((p = strstr(json, key)) != NULL) {
        char *end = strchr(p, '}');

        assert_non_null(end);
        end++;
        while (*end == ',' || *end == ' ') {
            end++;
        }
        memmove(p, end, strlen(end) + 1);
    }
}

static void test_recorded_reply(void **state)
{
    char *json = read_text(REPL_FIXTURE);

    (void) state;
    /* 13:20:05.000 (primary) - 13:19:52.000 (mongo-c), not mongo-b's 1 s */
    assert_true(lag_of_json(json) == 13000.0);
    free(json);
}

static void test_optime_ts_without_dates(void **state)
{
    char *json = read_text(REPL_FIXTURE);

    (void) state;
    drop_members(json, "\"optimeDate\"");
    drop_members(json, "\"optimeDurableDate\"");
    assert_null(strstr(json, "optimeDate"));
    assert_true(lag_of_json(json) == 13000.0);  /* whole seconds of ts */
    free(json);
}

static void test_not_a_replica_set(void **state)
{
    (void) state;
    assert_true(lag_of_json(not_replset) == -1);
    assert_true(lag_of_json("{}") == -1);
    assert_true(lag_of_json("{\"ok\": 1, \"members\": 3}") == -1);
    assert_true(lag_of_json("{\"ok\": 1, \"members\": []}") == -1);
}

static void test_primary_alone_and_arbiter(void **state)
{
    (void) state;
    assert_true(lag_of_json(
                    "{\"ok\": 1, \"members\": ["
                    "{\"state\": 1, \"optimeDate\": {\"$date\": 5000}},"
                    "{\"state\": 7, \"stateStr\": \"ARBITER\"}]}")
                == 0);
    assert_true(lag_of_json(
                    "{\"ok\": 1, \"members\": ["
                    "{\"state\": 2, \"optimeDate\": {\"$date\": 1500}},"
                    "{\"state\": 7},"
                    "{\"state\": 1, \"optimeDate\": {\"$date\": 5000}}]}")
                == 3500);
}

static void test_no_primary_or_no_optime(void **state)
{
    (void) state;
    /* an election under way: no PRIMARY, so no lag to report */
    assert_true(lag_of_json(
                    "{\"ok\": 1, \"members\": ["
                    "{\"state\": 2, \"optimeDate\": {\"$date\": 1500}},"
                    "{\"state\": 2, \"optimeDate\": {\"$date\": 1000}}]}")
                == -1);
    assert_true(lag_of_json("{\"ok\": 1, \"members\": ["
                            "{\"state\": 1, \"optimeDate\": {\"$date\": 9}},"
                            "{\"state\": 2, \"optime\": {\"t\": 3}}]}")
                == -1);
    assert_true(lag_of_json("{\"ok\": 1, \"members\": [1, \"x\", "
                            "{\"state\": \"PRIMARY\"}]}")
                == -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recorded_reply),
        cmocka_unit_test(test_optime_ts_without_dates),
        cmocka_unit_test(test_not_a_replica_set),
        cmocka_unit_test(test_primary_alone_and_arbiter),
        cmocka_unit_test(test_no_primary_or_no_optime),
    };

    return cmocka_run_group_tests_name("mongo_repl", tests, NULL, NULL);
}
