/*
 * contract_users.c — the contract suite's console users: created once
 * (never overwritten), read back field by field, counted, revoked on the
 * store's clock; of several handles creating the same user exactly one
 * succeeds; bad arguments are refused before anything is sent.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "contract.h"

/* Not a real hash: the store keeps whatever argon2 string it is given. */
#define HASH_A "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaEE"
#define HASH_B "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaEI"

static fo_user make_user(const char *email, const char *hash)
{
    fo_user u;

    memset(&u, 0, sizeof(u));
    snprintf(u.email, sizeof(u.email), "%s", email);
    snprintf(u.password_hash, sizeof(u.password_hash), "%s", hash);
    snprintf(u.user_type, sizeof(u.user_type), "%s", "ADMIN");
    return u;
}

static void test_user_create_get_count(void **state)
{
    fixture *f = *state;
    fo_user u = make_user("admin@example.com", HASH_A);
    fo_user got;
    int64_t n = -1, before = 0;

    OK(fo_user_count(f->s, &n, ERR));
    assert_int_equal(n, 0);
    assert_int_equal(fo_user_get(f->s, "admin@example.com", &got, NULL),
                     FO_NOT_FOUND);
    OK(fo_store_now(f->s, &before, ERR));
    OK(fo_user_create(f->s, &u, ERR));
    OK(fo_user_get(f->s, "admin@example.com", &got, ERR));
    assert_string_equal(got.email, "admin@example.com");
    assert_string_equal(got.password_hash, HASH_A);
    assert_string_equal(got.user_type, "ADMIN");
    assert_true(got.created_ms >= before - 1000);
    assert_int_equal(got.revoked_ms, 0);
    /* Never overwritten: a second create with another hash conflicts. */
    u = make_user("admin@example.com", HASH_B);
    assert_int_equal(fo_user_create(f->s, &u, NULL), FO_CONFLICT);
    OK(fo_user_get(f->s, "admin@example.com", &got, ERR));
    assert_string_equal(got.password_hash, HASH_A);
    u = make_user("ops+1@example.com", HASH_B);
    OK(fo_user_create(f->s, &u, ERR));
    OK(fo_user_count(f->s, &n, ERR));
    assert_int_equal(n, 2);
}

static void test_user_revoke(void **state)
{
    fixture *f = *state;
    fo_user u = make_user("a@b.c", HASH_A);
    fo_user got;
    int64_t at = 0, now = 0;

    assert_int_equal(fo_user_revoke(f->s, "a@b.c", &at, NULL), FO_NOT_FOUND);
    OK(fo_user_create(f->s, &u, ERR));
    OK(fo_store_now(f->s, &now, ERR));
    OK(fo_user_revoke(f->s, "a@b.c", &at, ERR));
    assert_true(at >= now - 1000 && at > 0);
    OK(fo_user_get(f->s, "a@b.c", &got, ERR));
    assert_int_equal(got.revoked_ms, at);
    assert_string_equal(got.password_hash, HASH_A);
    OK(fo_user_revoke(f->s, "a@b.c", NULL, ERR));
}

typedef struct {
    const char *uri;
    char hash[FO_PWHASH_MAX];
    fo_status got;
} creator;

static void *create_one(void *arg)
{
    creator *c = arg;
    fo_store *s = NULL;
    fo_user u = make_user("first@example.com", c->hash);

    if (fo_store_open(c->uri, &s, NULL) == FO_OK) {
        c->got = fo_user_create(s, &u, NULL);
        fo_store_close(s);
    }
    return NULL;
}

/* Two origins' first-run setups at once: one admin, the other refused. */
static void test_user_create_race(void **state)
{
    fixture *f = *state;
    creator c[4];
    pthread_t th[4];
    fo_user got;
    int wins = 0, winner = -1;
    int64_t n = 0;

    for (int i = 0; i < 4; i++) {
        c[i].uri = f->uri;
        snprintf(c[i].hash, sizeof(c[i].hash), "$argon2id$racer%d", i);
        c[i].got = FO_ERR;
        assert_int_equal(pthread_create(&th[i], NULL, create_one, &c[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_true(c[i].got == FO_OK || c[i].got == FO_CONFLICT);
        if (c[i].got == FO_OK) {
            wins++;
            winner = i;
        }
    }
    assert_int_equal(wins, 1);
    OK(fo_user_get(f->s, "first@example.com", &got, ERR));
    assert_string_equal(got.password_hash, c[winner].hash);
    OK(fo_user_count(f->s, &n, ERR));
    assert_int_equal(n, 1);
}

static void test_user_bad_arguments(void **state)
{
    fixture *f = *state;
    fo_user u = make_user("a b@c", HASH_A);
    fo_user got;
    fo_error err;

    assert_int_equal(fo_user_create(f->s, &u, &err), FO_ERR_INVALID);
    u = make_user("fo:users", HASH_A);
    assert_int_equal(fo_user_create(f->s, &u, &err), FO_ERR_INVALID);
    u = make_user("", HASH_A);
    assert_int_equal(fo_user_create(f->s, &u, &err), FO_ERR_INVALID);
    /* A password where a hash belongs is refused, and not echoed. */
    u = make_user("a@b.c", "hunter2-secret");
    assert_int_equal(fo_user_create(f->s, &u, &err), FO_ERR_INVALID);
    assert_null(strstr(err.msg, "secret"));
    u = make_user("a@b.c", HASH_A);
    snprintf(u.user_type, sizeof(u.user_type), "%s", "AD MIN");
    assert_int_equal(fo_user_create(f->s, &u, &err), FO_ERR_INVALID);
    assert_int_equal(fo_user_get(f->s, "x\ny", &got, &err), FO_ERR_INVALID);
    assert_int_equal(fo_user_get(f->s, NULL, &got, &err), FO_ERR_INVALID);
    assert_int_equal(fo_user_revoke(f->s, "", NULL, &err), FO_ERR_INVALID);
    assert_true(fo_valid_email("admin@example.com"));
    assert_false(fo_valid_email("a/b@c"));
}

const contract_suite contract_users = CONTRACT_SUITE(
    CONTRACT_TEST(test_user_create_get_count),
    CONTRACT_TEST(test_user_revoke),
    CONTRACT_TEST(test_user_create_race),
    CONTRACT_TEST(test_user_bad_arguments));
