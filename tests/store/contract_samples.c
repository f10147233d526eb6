/*
 * contract_samples.c — the contract suite's node samples: appended at the
 * store's now only for a node that exists, read back per node and for
 * every node in (node id, time) order, from a time and up to a cap;
 * older than the keep window dropped by the next put; gone with their
 * node; bad arguments refused before anything is sent.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "contract.h"

#define KEEP_HOUR FO_SAMPLE_KEEP_MS

static fo_node_sample make_sample(const char *node, double cpu, double mem,
                                  int32_t viewers, double db)
{
    fo_node_sample v;

    memset(&v, 0, sizeof(v));
    snprintf(v.node_id, sizeof(v.node_id), "%s", node);
    v.cpu = cpu;
    v.mem_percent = mem;
    v.viewers = viewers;
    v.db_query_avg_ms = db;
    return v;
}

static void put(fixture *f, const char *node, double cpu, int32_t viewers)
{
    fo_node_sample v = make_sample(node, cpu, cpu / 2, viewers, 1.5);

    OK(fo_node_sample_put(f->s, &v, KEEP_HOUR, ERR));
}

static void add_node(fixture *f, const char *id)
{
    fo_node n = make_node(id, FO_ROLE_ORIGIN, "127.0.0.1");

    OK(fo_node_heartbeat(f->s, &n, ERR));
}

/* Values round-trip; times are the store's, in order; one node's read
 * and every node's read agree on order: node id bytes, then time. */
static void test_samples_put_and_read(void **state)
{
    fixture *f = *state;
    fo_node_sample got[16];
    fo_node_sample v = make_sample("origin-b", 91.25, 86.5, 12, 104.75);
    size_t n = 99;
    int64_t before = 0, after = 0;

    add_node(f, "origin-b");
    add_node(f, "origin-a");
    OK(fo_node_samples(f->s, NULL, 0, got, 16, &n, ERR));
    assert_int_equal(n, 0);
    OK(fo_store_now(f->s, &before, ERR));
    OK(fo_node_sample_put(f->s, &v, KEEP_HOUR, ERR));
    sleep_ms(5);  /* distinct times: a node's samples are keyed by time */
    put(f, "origin-a", 10, 1);
    sleep_ms(5);
    put(f, "origin-b", 20, 2);
    OK(fo_store_now(f->s, &after, ERR));

    OK(fo_node_samples(f->s, "origin-b", 0, got, 16, &n, ERR));
    assert_int_equal(n, 2);
    assert_string_equal(got[0].node_id, "origin-b");
    assert_true(fabs(got[0].cpu - 91.25) < 1e-9);
    assert_true(fabs(got[0].mem_percent - 86.5) < 1e-9);
    assert_int_equal(got[0].viewers, 12);
    assert_true(fabs(got[0].db_query_avg_ms - 104.75) < 1e-9);
    assert_true(got[0].time_ms >= before && got[0].time_ms <= after);
    assert_true(got[0].time_ms < got[1].time_ms);
    assert_int_equal(got[1].viewers, 2);

    OK(fo_node_samples(f->s, NULL, 0, got, 16, &n, ERR));
    assert_int_equal(n, 3);
    assert_string_equal(got[0].node_id, "origin-a");
    assert_int_equal(got[0].viewers, 1);
    assert_string_equal(got[1].node_id, "origin-b");
    assert_int_equal(got[1].viewers, 12);
    assert_string_equal(got[2].node_id, "origin-b");
    assert_int_equal(got[2].viewers, 2);
}

/* since keeps the samples taken at or after it; cap bounds the answer. */
static void test_samples_since_and_cap(void **state)
{
    fixture *f = *state;
    fo_node_sample got[8];
    size_t n = 0;

    add_node(f, "edge-1");
    put(f, "edge-1", 1, 1);
    sleep_ms(5);
    put(f, "edge-1", 2, 2);
    sleep_ms(5);
    put(f, "edge-1", 3, 3);
    OK(fo_node_samples(f->s, "edge-1", 0, got, 8, &n, ERR));
    assert_int_equal(n, 3);
    int64_t second = got[1].time_ms;
    OK(fo_node_samples(f->s, "edge-1", second, got, 8, &n, ERR));
    assert_int_equal(n, 2);
    assert_int_equal(got[0].viewers, 2);
    assert_int_equal(got[1].viewers, 3);
    OK(fo_node_samples(f->s, NULL, 0, got, 2, &n, ERR));
    assert_int_equal(n, 2);
    assert_int_equal(got[0].viewers, 1);
    OK(fo_node_samples(f->s, "edge-1", 0, got, 0, &n, ERR));
    assert_int_equal(n, 0);
}

/* A put drops the node's samples older than its keep window. */
static void test_samples_trimmed_by_keep(void **state)
{
    fixture *f = *state;
    fo_node_sample got[8];
    fo_node_sample v = make_sample("origin-a", 5, 5, 0, 0);
    size_t n = 0;

    add_node(f, "origin-a");
    OK(fo_node_sample_put(f->s, &v, 300, ERR));
    sleep_ms(5);
    v.viewers = 1;
    OK(fo_node_sample_put(f->s, &v, 300, ERR));
    OK(fo_node_samples(f->s, "origin-a", 0, got, 8, &n, ERR));
    assert_int_equal(n, 2);
    sleep_ms(450);
    v.viewers = 2;
    OK(fo_node_sample_put(f->s, &v, 300, ERR));
    OK(fo_node_samples(f->s, "origin-a", 0, got, 8, &n, ERR));
    assert_int_equal(n, 1);
    assert_int_equal(got[0].viewers, 2);
}

/* No sample without its node, and a node's samples go with it: a node
 * that comes back starts with none. */
static void test_samples_follow_the_node(void **state)
{
    fixture *f = *state;
    fo_node_sample got[8];
    fo_node_sample v = make_sample("ghost", 5, 5, 0, 0);
    size_t n = 0;

    assert_int_equal(fo_node_sample_put(f->s, &v, KEEP_HOUR, NULL),
                     FO_NOT_FOUND);
    OK(fo_node_samples(f->s, NULL, 0, got, 8, &n, ERR));
    assert_int_equal(n, 0);
    add_node(f, "origin-a");
    add_node(f, "origin-b");
    put(f, "origin-a", 1, 1);
    put(f, "origin-b", 1, 1);
    OK(fo_node_delete(f->s, "origin-a", ERR));
    OK(fo_node_samples(f->s, "origin-a", 0, got, 8, &n, ERR));
    assert_int_equal(n, 0);
    OK(fo_node_samples(f->s, NULL, 0, got, 8, &n, ERR));
    assert_int_equal(n, 1);
    assert_string_equal(got[0].node_id, "origin-b");
    assert_int_equal(fo_node_sample_put(f->s, &(fo_node_sample){
                                                  .node_id = "origin-a" },
                                        KEEP_HOUR, NULL),
                     FO_NOT_FOUND);
    add_node(f, "origin-a");
    OK(fo_node_samples(f->s, "origin-a", 0, got, 8, &n, ERR));
    assert_int_equal(n, 0);
}

static void test_samples_bad_arguments(void **state)
{
    fixture *f = *state;
    fo_node_sample got[2];
    fo_node_sample v = make_sample("origin-a", 5, 5, 0, 0);
    fo_error err;
    size_t n = 0;

    add_node(f, "origin-a");
    assert_int_equal(fo_node_sample_put(f->s, &v, 0, &err), FO_ERR_INVALID);
    assert_int_equal(fo_node_sample_put(f->s, &v, KEEP_HOUR + 1, &err),
                     FO_ERR_INVALID);
    v.cpu = NAN;
    assert_int_equal(fo_node_sample_put(f->s, &v, KEEP_HOUR, &err),
                     FO_ERR_INVALID);
    v = make_sample("origin-a", 5, 5, -1, 0);
    assert_int_equal(fo_node_sample_put(f->s, &v, KEEP_HOUR, &err),
                     FO_ERR_INVALID);
    v = make_sample("a b", 5, 5, 0, 0);
    assert_int_equal(fo_node_sample_put(f->s, &v, KEEP_HOUR, &err),
                     FO_ERR_INVALID);
    assert_int_equal(fo_node_sample_put(f->s, NULL, KEEP_HOUR, &err),
                     FO_ERR_INVALID);
    assert_int_equal(fo_node_samples(f->s, "../x", 0, got, 2, &n, &err),
                     FO_ERR_INVALID);
    assert_int_equal(fo_node_samples(f->s, NULL, 0, NULL, 2, &n, &err),
                     FO_ERR_INVALID);
    OK(fo_node_samples(f->s, NULL, 0, got, 2, &n, ERR));
    assert_int_equal(n, 0);
}

const contract_suite contract_samples = CONTRACT_SUITE(
    CONTRACT_TEST(test_samples_put_and_read),
    CONTRACT_TEST(test_samples_since_and_cap),
    CONTRACT_TEST(test_samples_trimmed_by_keep),
    CONTRACT_TEST(test_samples_follow_the_node),
    CONTRACT_TEST(test_samples_bad_arguments));
