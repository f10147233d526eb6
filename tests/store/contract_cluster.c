/*
 * contract_cluster.c — the contract suite's leases and alerts: one holder
 * of a lease at a time, renewal, expiry on the store's clock, a race of
 * four handles with one winner; alerts written by id, listed active and
 * ended in their orders, the ended ones bounded to FO_ALERT_KEEP.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "contract.h"

static int acquire(fixture *f, const char *holder, int64_t ttl_ms)
{
    int held = -1;

    OK(fo_lease_acquire(f->s, "alerts", holder, ttl_ms, &held, ERR));
    return held;
}

/* A holds; B is refused while A's lease runs; A renews. */
static void test_lease_one_holder(void **state)
{
    fixture *f = *state;

    assert_int_equal(acquire(f, "origin-a", 60000), 1);
    assert_int_equal(acquire(f, "origin-b", 60000), 0);
    assert_int_equal(acquire(f, "origin-a", 60000), 1);
    assert_int_equal(acquire(f, "origin-b", 60000), 0);
}

/* An expired lease goes to whoever asks next, and the old holder is then
 * refused; renewing sets a new expiry, so a renewed lease outlives its
 * first ttl.  Only lower bounds on time: each sleep outlasts a ttl. */
static void test_lease_expiry_and_renewal(void **state)
{
    fixture *f = *state;

    assert_int_equal(acquire(f, "origin-a", 300), 1);
    sleep_ms(450);
    assert_int_equal(acquire(f, "origin-b", 300), 1);
    assert_int_equal(acquire(f, "origin-a", 60000), 0);
    assert_int_equal(acquire(f, "origin-b", 60000), 1);  /* renewed */
    sleep_ms(450);  /* past the first ttl, not the renewed one */
    assert_int_equal(acquire(f, "origin-a", 60000), 0);
    assert_int_equal(acquire(f, "origin-b", 60000), 1);
}

/* Released by its holder: free at once; by anyone else: not found, and
 * the lease stays. */
static void test_lease_release(void **state)
{
    fixture *f = *state;

    assert_int_equal(acquire(f, "origin-a", 60000), 1);
    assert_int_equal(fo_lease_release(f->s, "alerts", "origin-b", NULL),
                     FO_NOT_FOUND);
    assert_int_equal(acquire(f, "origin-b", 60000), 0);
    OK(fo_lease_release(f->s, "alerts", "origin-a", ERR));
    assert_int_equal(acquire(f, "origin-b", 60000), 1);
    assert_int_equal(fo_lease_release(f->s, "alerts", "origin-a", NULL),
                     FO_NOT_FOUND);
    assert_int_equal(fo_lease_release(f->s, "never", "origin-a", NULL),
                     FO_NOT_FOUND);
}

static void test_lease_invalid(void **state)
{
    fixture *f = *state;
    int held = 1;

    assert_int_equal(fo_lease_acquire(f->s, "bad name", "a", 1000, &held,
                                      NULL), FO_ERR_INVALID);
    assert_int_equal(held, 0);
    assert_int_equal(fo_lease_acquire(f->s, "alerts", "", 1000, &held, NULL),
                     FO_ERR_INVALID);
    assert_int_equal(fo_lease_acquire(f->s, "alerts", "a", 0, &held, NULL),
                     FO_ERR_INVALID);
}

typedef struct {
    const char *uri;
    char holder[16];
    int held;
} racer;

static void *race_one(void *arg)
{
    racer *r = arg;
    fo_store *s = open_or_fail(r->uri);

    if (fo_lease_acquire(s, "race", r->holder, 60000, &r->held, NULL)
        != FO_OK)
    {
        r->held = -1;
    }
    fo_store_close(s);
    return NULL;
}

/* Four handles (four origins) take one free lease at once: one holds. */
static void test_lease_race(void **state)
{
    fixture *f = *state;
    racer r[4];
    pthread_t th[4];
    int wins = 0;

    for (int i = 0; i < 4; i++) {
        r[i].uri = f->uri;
        snprintf(r[i].holder, sizeof(r[i].holder), "origin-%d", i);
        r[i].held = -1;
        assert_int_equal(pthread_create(&th[i], NULL, race_one, &r[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_true(r[i].held == 0 || r[i].held == 1);
        wins += r[i].held;
    }
    assert_int_equal(wins, 1);
}

static fo_alert make_alert(const char *id, const char *rule,
                           const char *subject, int64_t started)
{
    fo_alert a;

    memset(&a, 0, sizeof(a));
    snprintf(a.id, sizeof(a.id), "%s", id);
    snprintf(a.rule, sizeof(a.rule), "%s", rule);
    snprintf(a.subject, sizeof(a.subject), "%s", subject);
    snprintf(a.message, sizeof(a.message), "CPU 95.5 %% > 80 %% for 60 s");
    a.value = 95.5;
    a.threshold = 80;
    a.started_ms = started;
    return a;
}

static size_t list(fixture *f, int ended, fo_alert *out, size_t cap)
{
    size_t n = 0;

    OK(fo_alert_list(f->s, ended, out, cap, &n, ERR));
    return n;
}

/* Every field round-trips; active oldest first, ended newest first; an
 * alert ended moves from one list to the other. */
static void test_alert_put_list_end(void **state)
{
    fixture *f = *state;
    fo_alert a = make_alert("a1", "highCpu", "origin-a", 2000);
    fo_alert b = make_alert("b1", "streamStalled", "LiveApp/cam1", 1000);
    fo_alert got[4];

    OK(fo_alert_put(f->s, &a, ERR));
    OK(fo_alert_put(f->s, &b, ERR));
    assert_int_equal(list(f, 0, got, 4), 2);
    assert_string_equal(got[0].id, "b1");
    assert_string_equal(got[1].id, "a1");
    assert_string_equal(got[1].rule, "highCpu");
    assert_string_equal(got[1].subject, "origin-a");
    assert_string_equal(got[1].message, a.message);
    assert_true(got[1].value == 95.5 && got[1].threshold == 80);
    assert_int_equal(got[1].started_ms, 2000);
    assert_int_equal(got[1].ended_ms, 0);
    assert_int_equal(list(f, 1, got, 4), 0);

    a.ended_ms = 5000;
    OK(fo_alert_put(f->s, &a, ERR));
    b.ended_ms = 6000;
    OK(fo_alert_put(f->s, &b, ERR));
    assert_int_equal(list(f, 0, got, 4), 0);
    assert_int_equal(list(f, 1, got, 4), 2);
    assert_string_equal(got[0].id, "b1");
    assert_int_equal(got[0].ended_ms, 6000);
    assert_string_equal(got[1].id, "a1");
    assert_int_equal(list(f, 1, got, 1), 1);  /* cap */
}

/* The store keeps the last FO_ALERT_KEEP ended alerts and every active
 * one. */
static void test_alert_ended_bounded(void **state)
{
    fixture *f = *state;
    fo_alert live = make_alert("live", "nodeDead", "origin-z", 1);
    fo_alert *got = calloc(FO_ALERT_KEEP + 10, sizeof(fo_alert));
    char id[16];

    assert_non_null(got);
    OK(fo_alert_put(f->s, &live, ERR));
    for (int i = 1; i <= FO_ALERT_KEEP + 5; i++) {
        snprintf(id, sizeof(id), "e%03d", i);
        fo_alert a = make_alert(id, "highCpu", "origin-a", 10 + i);
        a.ended_ms = 1000 + i;
        OK(fo_alert_put(f->s, &a, ERR));
    }
    assert_int_equal(list(f, 1, got, FO_ALERT_KEEP + 10), FO_ALERT_KEEP);
    snprintf(id, sizeof(id), "e%03d", FO_ALERT_KEEP + 5);
    assert_string_equal(got[0].id, id);
    assert_string_equal(got[FO_ALERT_KEEP - 1].id, "e006");
    assert_int_equal(list(f, 0, got, 10), 1);
    assert_string_equal(got[0].id, "live");
    free(got);
}

static void test_alert_invalid(void **state)
{
    fixture *f = *state;
    fo_alert a = make_alert("bad id", "highCpu", "origin-a", 1);

    assert_int_equal(fo_alert_put(f->s, &a, NULL), FO_ERR_INVALID);
    a = make_alert("ok", "highCpu", "", 1);
    assert_int_equal(fo_alert_put(f->s, &a, NULL), FO_ERR_INVALID);
    a = make_alert("ok", "highCpu", "origin-a", 0);
    assert_int_equal(fo_alert_put(f->s, &a, NULL), FO_ERR_INVALID);
}

const contract_suite contract_cluster = CONTRACT_SUITE(
    CONTRACT_TEST(test_lease_one_holder),
    CONTRACT_TEST(test_lease_expiry_and_renewal),
    CONTRACT_TEST(test_lease_release),
    CONTRACT_TEST(test_lease_invalid),
    CONTRACT_TEST(test_lease_race),
    CONTRACT_TEST(test_alert_put_list_end),
    CONTRACT_TEST(test_alert_ended_bounded),
    CONTRACT_TEST(test_alert_invalid));
