/*
 * contract_test.c — one suite, run unchanged against every backend:
 *
 *   contract_test sqlite | redis | mongodb
 *
 * Real servers: the harness starts redis-server or the MongoDB-wire test
 * server on loopback (or uses FANOUT_TEST_MONGODB_URI).  Every test works
 * in its own namespace (file, redis db, mongo database).  The tests are
 * in one file per concern (contract.h); this file holds what they share
 * and runs them all as one group.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "contract.h"

test_server server;
static int next_ns = 1;

int contract_next_ns(void)
{
    return next_ns++;
}

void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long) (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

fo_store *open_or_fail(const char *uri)
{
    fo_store *s = NULL;
    fo_error err = { 0 };
    fo_status rc = fo_store_open(uri, &s, &err);

    if (rc != FO_OK) {
        fail_msg("open %s: %s", uri, err.msg);
    }
    return s;
}

int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));

    test_server_uri(&server, contract_next_ns(),
                    "update_period_ms=200&dead_factor=3", f->uri,
                    sizeof(f->uri));
    f->s = open_or_fail(f->uri);
    *state = f;
    return 0;
}

int teardown(void **state)
{
    fixture *f = *state;

    fo_store_close(f->s);
    free(f);
    return 0;
}

fo_node make_node(const char *id, fo_role role, const char *ip)
{
    fo_node n;

    memset(&n, 0, sizeof(n));
    snprintf(n.id, sizeof(n.id), "%s", id);
    snprintf(n.ip, sizeof(n.ip), "%s", ip);
    snprintf(n.node_group, sizeof(n.node_group), "default");
    n.role = role;
    n.http_port = 5080;
    n.rtmp_port = role == FO_ROLE_ORIGIN ? 1935 : 0;
    return n;
}

fo_claim make_claim(const char *app, const char *stream, const char *node,
                    const char *session)
{
    fo_claim c = { app, stream, node, "127.0.1.1", 5080, session, "RTMP",
                   NULL };

    return c;
}

fo_broadcast make_bc(const char *app, const char *id, const char *name)
{
    fo_broadcast b;

    memset(&b, 0, sizeof(b));
    snprintf(b.app, sizeof(b.app), "%s", app);
    snprintf(b.stream_id, sizeof(b.stream_id), "%s", id);
    snprintf(b.name, sizeof(b.name), "%s", name);
    return b;
}

/* Every suite's tests, in one table, so that they run as one group. */
static size_t all_tests(struct CMUnitTest *out, size_t cap)
{
    const contract_suite *suites[] = { &contract_nodes, &contract_broadcasts,
                                       &contract_publish, &contract_progress,
                                       &contract_failures, &contract_tokens,
                                       &contract_growth,
                                       &contract_cluster,
                                       &contract_users,
                                       &contract_samples, &contract_live,
                                       &contract_logins };
    size_t n = 0;

    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
        for (size_t j = 0; j < suites[i]->n && n < cap; j++) {
            out[n++] = suites[i]->tests[j];
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    struct CMUnitTest tests[160];
    size_t n = all_tests(tests, sizeof(tests) / sizeof(tests[0]));
    char group[64];
    int failed;

    if (argc != 2) {
        fprintf(stderr, "usage: %s sqlite|redis|mongodb\n", argv[0]);
        return 2;
    }
    if (test_server_start(&server, argv[1]) != 0) {
        return 1;
    }
    /* CONTRACT_FILTER=test_samples* runs only the tests it matches. */
    if (getenv("CONTRACT_FILTER") != NULL) {
        cmocka_set_test_filter(getenv("CONTRACT_FILTER"));
    }
    snprintf(group, sizeof(group), "store contract (%s%s)", argv[1],
             server.external_uri[0] ? ", external server" : "");
    failed = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
    test_server_destroy(&server);
    return failed == 0 ? 0 : 1;
}
