/*
 * contract_nodes.c — the contract suite's opening, clock and cluster
 * nodes: heartbeats, liveness, list, count and delete.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "contract.h"

static void test_open_and_clock(void **state)
{
    fixture *f = *state;
    int64_t now = 0;

    assert_string_equal(fo_store_backend(f->s), server.kind);
    assert_int_equal(fo_store_dead_after_ms(f->s), 600);
    OK(fo_store_now(f->s, &now, ERR));
    /* The servers run on this machine: their clock is ours, give or take. */
    assert_true(llabs(now - (int64_t) time(NULL) * 1000) < 60000);
}

static void test_node_heartbeat_roundtrip(void **state)
{
    fixture *f = *state;
    fo_node n = make_node("origin-1", FO_ROLE_ORIGIN, "127.0.1.1"), got;

    n.cpu = 12.5;
    n.mem_percent = 61.25;
    n.process_cpu = 3.5;
    n.process_rss = 123456789;
    n.load1 = 1.75;
    n.repl_lag_ms = 2500;
    n.origin_ok_ms = 1700000000123;
    n.origin_fail_ms = 1700000000456;
    n.egress_bps = 9876543210;          /* > 32 bits: 9.9 Gbit/s */
    n.active_streams = 3;
    n.viewers = 42;
    n.db_query_avg_ms = 0.75;
    OK(fo_node_heartbeat(f->s, &n, ERR));
    OK(fo_node_get(f->s, "origin-1", &got, ERR));
    assert_string_equal(got.ip, "127.0.1.1");
    assert_int_equal(got.role, FO_ROLE_ORIGIN);
    assert_string_equal(got.node_group, "default");
    assert_int_equal(got.http_port, 5080);
    assert_int_equal(got.rtmp_port, 1935);
    assert_true(got.cpu == 12.5);
    assert_true(got.mem_percent == 61.25);
    assert_true(got.process_cpu == 3.5);
    assert_int_equal(got.process_rss, 123456789);
    assert_true(got.load1 == 1.75);
    assert_true(got.repl_lag_ms == 2500);
    assert_int_equal(got.origin_ok_ms, 1700000000123);
    assert_int_equal(got.origin_fail_ms, 1700000000456);
    assert_int_equal(got.egress_bps, 9876543210);
    assert_int_equal(got.active_streams, 3);
    assert_int_equal(got.viewers, 42);
    assert_true(got.db_query_avg_ms == 0.75);
    assert_true(got.alive);
    assert_true(got.last_update_ms > 0);
    assert_int_equal(fo_node_get(f->s, "nobody", &got, NULL), FO_NOT_FOUND);
}

/* A negative repl_lag_ms asks the store to measure the lag: none of the
 * test servers is a replica set (the MongoDB-wire one cannot answer
 * replSetGetStatus), so every backend stores -1; a heartbeat with a
 * measured value overwrites it, and the other fields stay independent. */
static void test_node_repl_lag_unknown(void **state)
{
    fixture *f = *state;
    fo_node n = make_node("origin-2", FO_ROLE_ORIGIN, "127.0.1.2"), got;

    n.repl_lag_ms = -1;
    n.mem_percent = 90;
    OK(fo_node_heartbeat(f->s, &n, ERR));
    OK(fo_node_get(f->s, "origin-2", &got, ERR));
    assert_true(got.repl_lag_ms == -1);
    assert_true(got.mem_percent == 90);
    assert_int_equal(got.origin_ok_ms, 0);
    assert_int_equal(got.origin_fail_ms, 0);
    assert_int_equal(got.egress_bps, 0);
    n.repl_lag_ms = 0;
    n.origin_fail_ms = 42;
    n.egress_bps = 1500000;
    OK(fo_node_heartbeat(f->s, &n, ERR));
    OK(fo_node_get(f->s, "origin-2", &got, ERR));
    assert_true(got.repl_lag_ms == 0);
    assert_int_equal(got.origin_fail_ms, 42);
    assert_int_equal(got.egress_bps, 1500000);
    n.egress_bps = 0;                   /* an idle period overwrites it */
    n.repl_lag_ms = -5;
    OK(fo_node_heartbeat(f->s, &n, ERR));
    OK(fo_node_list(f->s, 0, &got, 1, &(size_t) { 0 }, ERR));
    assert_string_equal(got.id, "origin-2");
    assert_true(got.repl_lag_ms == -1);
    assert_int_equal(got.egress_bps, 0);
}

static void test_node_silence_is_death(void **state)
{
    fixture *f = *state;
    fo_node n = make_node("edge-1", FO_ROLE_EDGE, "127.0.2.1"), got;
    int64_t first;

    OK(fo_node_heartbeat(f->s, &n, ERR));
    OK(fo_node_get(f->s, "edge-1", &got, ERR));
    assert_true(got.alive);
    assert_int_equal(got.role, FO_ROLE_EDGE);
    first = got.last_update_ms;
    sleep_ms(900);                      /* > 600 ms dead_after */
    OK(fo_node_get(f->s, "edge-1", &got, ERR));
    assert_false(got.alive);
    OK(fo_node_heartbeat(f->s, &n, ERR));
    OK(fo_node_get(f->s, "edge-1", &got, ERR));
    assert_true(got.alive);
    assert_true(got.last_update_ms >= first + 800);
}

static void test_node_list_count_delete(void **state)
{
    fixture *f = *state;
    fo_node out[8];
    size_t n = 0;
    int64_t count = 0;
    const char *ids[] = { "n3", "n1", "n5", "n2", "n4" };

    for (int i = 0; i < 5; i++) {
        fo_node nd = make_node(ids[i], FO_ROLE_ORIGIN, "127.0.1.9");

        OK(fo_node_heartbeat(f->s, &nd, ERR));
    }
    OK(fo_node_heartbeat(f->s, &(fo_node) { .id = "n1", .ip = "10.0.0.1" },
                         ERR));   /* an upsert, not a second row */
    OK(fo_node_count(f->s, &count, ERR));
    assert_int_equal(count, 5);
    OK(fo_node_list(f->s, 0, out, 2, &n, ERR));
    assert_int_equal(n, 2);
    assert_string_equal(out[0].id, "n1");
    assert_string_equal(out[0].ip, "10.0.0.1");
    assert_string_equal(out[1].id, "n2");
    OK(fo_node_list(f->s, 2, out, 8, &n, ERR));
    assert_int_equal(n, 3);
    assert_string_equal(out[0].id, "n3");
    assert_string_equal(out[2].id, "n5");
    OK(fo_node_list(f->s, 9, out, 8, &n, ERR));
    assert_int_equal(n, 0);
    OK(fo_node_delete(f->s, "n3", ERR));
    assert_int_equal(fo_node_delete(f->s, "n3", NULL), FO_NOT_FOUND);
    OK(fo_node_count(f->s, &count, ERR));
    assert_int_equal(count, 4);
}

const contract_suite contract_nodes = CONTRACT_SUITE(
    CONTRACT_TEST(test_open_and_clock),
    CONTRACT_TEST(test_node_heartbeat_roundtrip),
    CONTRACT_TEST(test_node_repl_lag_unknown),
    CONTRACT_TEST(test_node_silence_is_death),
    CONTRACT_TEST(test_node_list_count_delete));
