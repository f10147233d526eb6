/*
 * contract.h — what the files of the store contract suite share: the
 * server under test, the per-test fixture, and record makers.
 *
 * The suite is one program, contract_test (contract_test.c), run against
 * each backend; its tests live in one file per concern (contract_nodes.c,
 * contract_broadcasts.c, contract_publish.c, contract_progress.c,
 * contract_failures.c, contract_tokens.c, contract_growth.c,
 * contract_cluster.c, contract_users.c, contract_samples.c,
 * contract_live.c, contract_logins.c), each
 * exporting its table as a contract_suite.
 */
#ifndef FANOUT_TEST_CONTRACT_H
#define FANOUT_TEST_CONTRACT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "fanout/store.h"
#include "server_harness.h"

/* The server the suite runs against, started by main. */
extern test_server server;

/* A test's handle on a fresh namespace (setup opens it). */
typedef struct {
    fo_store *s;
    char uri[1024];
} fixture;

/* A namespace number no other test uses. */
int contract_next_ns(void);

/* cmocka setup / teardown of a fixture: liveness window 600 ms, so that
 * silence tests stay short. */
int setup(void **state);
int teardown(void **state);

void sleep_ms(int ms);
double now_s(void);

/* Opens uri, failing the test when it cannot. */
fo_store *open_or_fail(const char *uri);

fo_node make_node(const char *id, fo_role role, const char *ip);
fo_claim make_claim(const char *app, const char *stream, const char *node,
                    const char *session);
fo_broadcast make_bc(const char *app, const char *id, const char *name);

/* Fails the test, with the call and the store's message, unless call
 * returns FO_OK; the call passes ERR as its fo_error. */
#define OK(call)                                                          \
    do {                                                                  \
        fo_error e_ = { 0 };                                              \
        fo_status r_ = (call);                                            \
        if (r_ != FO_OK) {                                                \
            fail_msg("%s -> %s: %s", #call, fo_status_str(r_), e_.msg);   \
        }                                                                 \
    } while (0)
#define ERR (&e_)

/* One file's tests, in the order they run. */
typedef struct {
    const struct CMUnitTest *tests;
    size_t n;
} contract_suite;

#define CONTRACT_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define CONTRACT_SUITE(...)                                               \
    { (const struct CMUnitTest[]) { __VA_ARGS__ },                        \
      sizeof((const struct CMUnitTest[]) { __VA_ARGS__ })                 \
          / sizeof(struct CMUnitTest) }

extern const contract_suite contract_nodes;
extern const contract_suite contract_broadcasts;
extern const contract_suite contract_publish;
extern const contract_suite contract_progress;
extern const contract_suite contract_failures;
extern const contract_suite contract_tokens;
extern const contract_suite contract_growth;
extern const contract_suite contract_cluster;
extern const contract_suite contract_users;
extern const contract_suite contract_samples;
extern const contract_suite contract_live;
extern const contract_suite contract_logins;

#endif /* FANOUT_TEST_CONTRACT_H */
