/*
 * query_window_test.c — the mean of the last FO_QUERY_WINDOW store call
 * durations (store/src/query_window.h), which a node reports as
 * dbQueryAverageTimeMs and the slowDatabase rule reads: it follows the
 * store's recent calls, where a lifetime mean neither shows a store that
 * turned slow nor forgets one that recovered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "query_window.h"

static void add_n(fo_query_window *w, int n, double ms)
{
    for (int i = 0; i < n; i++) {
        fo_query_window_add(w, ms);
    }
}

static void test_empty_is_zero(void **state)
{
    fo_query_window w;

    (void) state;
    memset(&w, 0, sizeof(w));
    assert_true(fo_query_window_mean(&w) == 0.0);
    assert_int_equal(w.count, 0);
}

static void test_fewer_than_window(void **state)
{
    fo_query_window w;

    (void) state;
    memset(&w, 0, sizeof(w));
    fo_query_window_add(&w, 1.0);
    fo_query_window_add(&w, 2.0);
    fo_query_window_add(&w, 6.0);
    assert_int_equal(w.count, 3);
    assert_float_equal(fo_query_window_mean(&w), 3.0, 1e-9);
}

/* Hours of fast calls, then a slow store: a window later the mean is
 * the slow time (a lifetime mean would still be near the fast one). */
static void test_turns_slow(void **state)
{
    fo_query_window w;

    (void) state;
    memset(&w, 0, sizeof(w));
    add_n(&w, 100000, 0.05);
    add_n(&w, FO_QUERY_WINDOW / 2, 250.0);
    assert_float_equal(fo_query_window_mean(&w), (0.05 + 250.0) / 2, 1e-6);
    add_n(&w, FO_QUERY_WINDOW / 2, 250.0);
    assert_float_equal(fo_query_window_mean(&w), 250.0, 1e-6);
    assert_int_equal(w.count, FO_QUERY_WINDOW);
}

/* A slow spell, then recovery: a window of fast calls forgets it. */
static void test_recovers(void **state)
{
    fo_query_window w;

    (void) state;
    memset(&w, 0, sizeof(w));
    add_n(&w, 10 * FO_QUERY_WINDOW, 500.0);
    add_n(&w, FO_QUERY_WINDOW - 1, 1.0);
    assert_float_equal(fo_query_window_mean(&w),
                       (500.0 + (FO_QUERY_WINDOW - 1) * 1.0)
                           / FO_QUERY_WINDOW,
                       1e-6);
    fo_query_window_add(&w, 1.0);
    assert_float_equal(fo_query_window_mean(&w), 1.0, 1e-9);
}

/* Millions of calls of mixed sizes leave no rounding residue behind. */
static void test_no_drift(void **state)
{
    fo_query_window w;

    (void) state;
    memset(&w, 0, sizeof(w));
    for (int i = 0; i < 2000000; i++) {
        fo_query_window_add(&w, (i % 7) ? 1e6 : 1e-6);
    }
    add_n(&w, FO_QUERY_WINDOW, 0.125);
    assert_float_equal(fo_query_window_mean(&w), 0.125, 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_is_zero),
        cmocka_unit_test(test_fewer_than_window),
        cmocka_unit_test(test_turns_slow),
        cmocka_unit_test(test_recovers),
        cmocka_unit_test(test_no_drift),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
