/*
 * contract_logins.c — the contract suite's failed-login counts
 * (fo_login_failure_add, fo_login_failures_get, fo_login_failures_clear):
 * counted per key in a window that opens at the first failure and ends
 * window_ms later, shared by every handle on the store, forgotten on
 * clear.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "contract.h"

static int64_t add(fo_store *s, const char *key, int64_t window_ms,
                   int64_t *retry_ms)
{
    int64_t failures = -1;

    OK(fo_login_failure_add(s, key, window_ms, &failures, retry_ms, ERR));
    return failures;
}

static int64_t get(fo_store *s, const char *key, int64_t *retry_ms)
{
    int64_t failures = -1;

    OK(fo_login_failures_get(s, key, &failures, retry_ms, ERR));
    return failures;
}

static void test_login_failures_count(void **state)
{
    fixture *f = *state;
    fo_store *other = open_or_fail(f->uri);
    int64_t retry = -1;

    assert_int_equal(get(f->s, "addr:10.0.0.7", &retry), 0);
    assert_int_equal(retry, 0);
    assert_int_equal(add(f->s, "addr:10.0.0.7", 60000, &retry), 1);
    assert_true(retry > 50000 && retry <= 60000);
    /* another handle (another origin) counts in the same window */
    assert_int_equal(add(other, "addr:10.0.0.7", 60000, &retry), 2);
    assert_int_equal(add(f->s, "addr:10.0.0.7", 60000, &retry), 3);
    assert_int_equal(get(other, "addr:10.0.0.7", &retry), 3);
    assert_true(retry > 50000 && retry <= 60000);
    /* keys apart */
    assert_int_equal(get(f->s, "user:a@example.com", &retry), 0);
    assert_int_equal(add(f->s, "user:a@example.com", 60000, &retry), 1);
    assert_int_equal(get(f->s, "addr:10.0.0.7", &retry), 3);
    fo_store_close(other);
}

/* A window ends window_ms after its first failure; the next failure
 * opens a new one. */
static void test_login_failures_window_ends(void **state)
{
    fixture *f = *state;
    int64_t retry = -1;

    assert_int_equal(add(f->s, "addr:::1", 400, &retry), 1);
    assert_int_equal(add(f->s, "addr:::1", 400, &retry), 2);
    sleep_ms(600);
    assert_int_equal(get(f->s, "addr:::1", &retry), 0);
    assert_int_equal(retry, 0);
    assert_int_equal(add(f->s, "addr:::1", 60000, &retry), 1);
    assert_true(retry > 50000);
}

static void test_login_failures_clear(void **state)
{
    fixture *f = *state;
    int64_t retry = -1;

    add(f->s, "user:b@example.com", 60000, &retry);
    add(f->s, "user:b@example.com", 60000, &retry);
    OK(fo_login_failures_clear(f->s, "user:b@example.com", ERR));
    assert_int_equal(get(f->s, "user:b@example.com", &retry), 0);
    OK(fo_login_failures_clear(f->s, "user:nobody@example.com", ERR));
    assert_int_equal(add(f->s, "user:b@example.com", 60000, &retry), 1);
}

static void test_login_failures_invalid(void **state)
{
    fixture *f = *state;
    int64_t n = 7, retry = 7;
    fo_error err;
    char long_key[FO_LOGIN_KEY_MAX + 1];

    memset(long_key, 'k', sizeof(long_key) - 1);
    long_key[sizeof(long_key) - 1] = '\0';
    assert_int_equal(fo_login_failure_add(f->s, "", 1000, &n, &retry, &err),
                     FO_ERR_INVALID);
    assert_int_equal(n, 0);
    assert_int_equal(fo_login_failure_add(f->s, "a key", 1000, &n, &retry,
                                          &err),
                     FO_ERR_INVALID);
    assert_int_equal(fo_login_failure_add(f->s, long_key, 1000, &n, &retry,
                                          &err),
                     FO_ERR_INVALID);
    assert_int_equal(fo_login_failure_add(f->s, "addr:x", 0, &n, &retry,
                                          &err),
                     FO_ERR_INVALID);
    assert_int_equal(fo_login_failures_get(f->s, "tab\tkey", &n, &retry,
                                           &err),
                     FO_ERR_INVALID);
    assert_int_equal(fo_login_failures_clear(f->s, NULL, &err),
                     FO_ERR_INVALID);
}

const contract_suite contract_logins = CONTRACT_SUITE(
    CONTRACT_TEST(test_login_failures_count),
    CONTRACT_TEST(test_login_failures_window_ends),
    CONTRACT_TEST(test_login_failures_clear),
    CONTRACT_TEST(test_login_failures_invalid));
