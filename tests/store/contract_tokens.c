/*
 * contract_tokens.c — the contract suite's one-time stream tokens: a token
 * is used once, only for its own stream and type, never after it expires,
 * and of several handles racing for it exactly one gets it.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "contract.h"

static fo_token make_token(const char *id, const char *stream,
                           const char *type, int64_t expire_date)
{
    fo_token t;

    memset(&t, 0, sizeof(t));
    snprintf(t.token_id, sizeof(t.token_id), "%s", id);
    snprintf(t.app, sizeof(t.app), "%s", "LiveApp");
    snprintf(t.stream_id, sizeof(t.stream_id), "%s", stream);
    snprintf(t.type, sizeof(t.type), "%s", type);
    t.expire_date = expire_date;
    return t;
}

static int64_t in_an_hour(void)
{
    return (int64_t) time(NULL) + 3600;
}

static fo_status consume(fixture *f, const char *id, const char *app,
                         const char *stream, const char *type)
{
    return fo_token_consume(f->s, id, app, stream, type, NULL);
}

static void test_token_used_once(void **state)
{
    fixture *f = *state;
    fo_token t = make_token("tok0123456789abcdef", "cam1", FO_TOKEN_PUBLISH,
                            in_an_hour());

    OK(fo_token_put(f->s, &t, ERR));
    assert_int_equal(consume(f, t.token_id, "LiveApp", "cam1", "publish"),
                     FO_OK);
    assert_int_equal(consume(f, t.token_id, "LiveApp", "cam1", "publish"),
                     FO_NOT_FOUND);
    assert_int_equal(consume(f, "neverstored", "LiveApp", "cam1", "publish"),
                     FO_NOT_FOUND);
}

/* A try with the wrong stream, app or type changes nothing: the token
 * still works for its own. */
static void test_token_only_for_its_stream_and_type(void **state)
{
    fixture *f = *state;
    fo_token t = make_token("tokA", "cam1", FO_TOKEN_PUBLISH, in_an_hour());

    OK(fo_token_put(f->s, &t, ERR));
    assert_int_equal(consume(f, "tokA", "LiveApp", "cam2", "publish"),
                     FO_NOT_FOUND);
    assert_int_equal(consume(f, "tokA", "OtherApp", "cam1", "publish"),
                     FO_NOT_FOUND);
    assert_int_equal(consume(f, "tokA", "LiveApp", "cam1", "play"),
                     FO_NOT_FOUND);
    assert_int_equal(consume(f, "tokA", "LiveApp", "cam1", "publish"), FO_OK);
}

/* Expired on the store's clock: refused; and an expired token does not
 * hold its id (it was dropped), so the same id can be stored again. */
static void test_token_expiry(void **state)
{
    fixture *f = *state;
    int64_t now = (int64_t) time(NULL);
    fo_token old = make_token("tokOld", "cam1", FO_TOKEN_PUBLISH, now - 5);
    fo_token live = make_token("tokLive", "cam1", FO_TOKEN_PUBLISH,
                               in_an_hour());
    fo_error err;

    OK(fo_token_put(f->s, &old, ERR));
    assert_int_equal(consume(f, "tokOld", "LiveApp", "cam1", "publish"),
                     FO_NOT_FOUND);
    OK(fo_token_put(f->s, &live, ERR));
    assert_int_equal(fo_token_put(f->s, &live, &err), FO_CONFLICT);
    assert_null(strstr(err.msg, "tokLive"));  /* never the secret */
    OK(fo_token_put(f->s, &old, ERR));  /* the expired one was dropped */
    old.expire_date = in_an_hour();
    OK(fo_token_put(f->s, &old, ERR));
    assert_int_equal(consume(f, "tokOld", "LiveApp", "cam1", "publish"),
                     FO_OK);
    assert_int_equal(consume(f, "tokLive", "LiveApp", "cam1", "publish"),
                     FO_OK);
}

typedef struct {
    const char *uri;
    fo_status got;
} racer;

static void *race_one(void *arg)
{
    racer *r = arg;
    fo_store *s = open_or_fail(r->uri);

    r->got = fo_token_consume(s, "tokRace", "LiveApp", "cam1", "publish",
                              NULL);
    fo_store_close(s);
    return NULL;
}

/* Four handles (four origins) use one token at once: one wins. */
static void test_token_race(void **state)
{
    fixture *f = *state;
    fo_token t = make_token("tokRace", "cam1", FO_TOKEN_PUBLISH,
                            in_an_hour());
    racer r[4];
    pthread_t th[4];
    int wins = 0;

    OK(fo_token_put(f->s, &t, ERR));
    for (int i = 0; i < 4; i++) {
        r[i].uri = f->uri;
        r[i].got = FO_ERR;
        assert_int_equal(pthread_create(&th[i], NULL, race_one, &r[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_true(r[i].got == FO_OK || r[i].got == FO_NOT_FOUND);
        wins += r[i].got == FO_OK;
    }
    assert_int_equal(wins, 1);
}

static void test_token_bad_arguments(void **state)
{
    fixture *f = *state;
    fo_token t = make_token("tok1", "cam1", "record", in_an_hour());
    fo_error err;

    assert_int_equal(fo_token_put(f->s, &t, &err), FO_ERR_INVALID);
    t = make_token("a b", "cam1", FO_TOKEN_PLAY, in_an_hour());
    assert_int_equal(fo_token_put(f->s, &t, &err), FO_ERR_INVALID);
    t = make_token("tok1", "../x", FO_TOKEN_PLAY, in_an_hour());
    assert_int_equal(fo_token_put(f->s, &t, &err), FO_ERR_INVALID);
    t = make_token("tok1", "cam1", FO_TOKEN_PLAY, 0);
    assert_int_equal(fo_token_put(f->s, &t, &err), FO_ERR_INVALID);
    /* A token that cannot be an id was never stored; the message does
     * not repeat it. */
    assert_int_equal(fo_token_consume(f->s, "x y secret", "LiveApp", "cam1",
                                      "publish", &err), FO_NOT_FOUND);
    assert_null(strstr(err.msg, "secret"));
    assert_int_equal(fo_token_consume(f->s, NULL, "LiveApp", "cam1",
                                      "publish", NULL), FO_NOT_FOUND);
    assert_int_equal(fo_token_consume(f->s, "tok1", "LiveApp", "cam1", "x",
                                      NULL), FO_ERR_INVALID);
}

const contract_suite contract_tokens = CONTRACT_SUITE(
    CONTRACT_TEST(test_token_used_once),
    CONTRACT_TEST(test_token_only_for_its_stream_and_type),
    CONTRACT_TEST(test_token_expiry),
    CONTRACT_TEST(test_token_race),
    CONTRACT_TEST(test_token_bad_arguments));
