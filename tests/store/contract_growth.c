/*
 * contract_growth.c — the contract suite's bounds on the store's growth
 * (issue #14): the auto_created flag, fo_broadcast_expire_auto, the
 * per-app count a cap reads, and lists paged by the backend (1,000+
 * records in pages, with and without a search, every sort).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>
#include <mongoc/mongoc.h>

#include "contract.h"

#define DAY_MS (24 * 3600 * 1000LL)

static void claim_release(fo_store *s, const char *stream, int release)
{
    char session[32];
    fo_claim c;

    snprintf(session, sizeof(session), "sess-%s", stream);
    c = make_claim("LiveApp", stream, "origin-1", session);
    OK(fo_stream_claim(s, &c, ERR));
    if (release) {
        OK(fo_stream_release(s, "LiveApp", stream, session, ERR));
    }
}

static void test_auto_created_flag(void **state)
{
    fixture *f = *state;
    fo_broadcast b = make_bc("LiveApp", "rest", ""), got;
    fo_node n = make_node("origin-1", FO_ROLE_ORIGIN, "127.0.1.1");

    OK(fo_node_heartbeat(f->s, &n, ERR));
    OK(fo_broadcast_create(f->s, &b, ERR));
    claim_release(f->s, "rest", 1);     /* a claim does not make it auto */
    claim_release(f->s, "pub", 1);
    OK(fo_broadcast_get(f->s, "LiveApp", "rest", &got, ERR));
    assert_int_equal(got.auto_created, 0);
    OK(fo_broadcast_get(f->s, "LiveApp", "pub", &got, ERR));
    assert_int_equal(got.auto_created, 1);
    assert_string_equal(got.status, "finished");
    /* an update keeps it */
    b = make_bc("LiveApp", "pub", "renamed");
    OK(fo_broadcast_update(f->s, &b, FO_F_NAME, ERR));
    OK(fo_broadcast_get(f->s, "LiveApp", "pub", &got, ERR));
    assert_int_equal(got.auto_created, 1);
}

static void test_expire_auto(void **state)
{
    fixture *f = *state;
    fo_node n = make_node("origin-1", FO_ROLE_ORIGIN, "127.0.1.1");
    fo_broadcast rest = make_bc("LiveApp", "rest", ""), got;
    fo_session hist[4];
    fo_store *other = open_or_fail(f->uri);
    int64_t deleted = -1, count;
    size_t nh;

    OK(fo_node_heartbeat(f->s, &n, ERR));
    snprintf(rest.status, sizeof(rest.status), "finished");
    OK(fo_broadcast_create(f->s, &rest, ERR));  /* not auto: stays */
    claim_release(f->s, "a1", 1);
    claim_release(f->s, "a2", 1);
    claim_release(f->s, "a3", 1);
    claim_release(f->s, "live", 0);             /* broadcasting: stays */
    claim_release(f->s, "back", 1);
    claim_release(f->s, "back", 0);             /* claimed again: stays */
    OK(fo_viewers_report(f->s, "edge-1", "LiveApp", "a1", 3, 1, ERR));

    /* Not old enough yet. */
    OK(fo_broadcast_expire_auto(f->s, DAY_MS, 100, &deleted, ERR));
    assert_int_equal(deleted, 0);
    /* At most max per call; several callers delete each record once. */
    OK(fo_broadcast_expire_auto(f->s, 0, 2, &deleted, ERR));
    assert_int_equal(deleted, 2);
    OK(fo_broadcast_expire_auto(other, 0, 100, &deleted, ERR));
    assert_int_equal(deleted, 1);
    OK(fo_broadcast_expire_auto(f->s, 0, 100, &deleted, ERR));
    assert_int_equal(deleted, 0);
    OK(fo_broadcast_expire_auto(f->s, 0, 0, NULL, ERR));
    assert_int_equal(fo_broadcast_expire_auto(f->s, -1, 1, NULL, NULL),
                     FO_ERR_INVALID);

    OK(fo_broadcast_count(f->s, "LiveApp", NULL, &count, ERR));
    assert_int_equal(count, 3);                 /* rest, live, back */
    OK(fo_broadcast_get(f->s, "LiveApp", "live", &got, ERR));
    OK(fo_broadcast_get(f->s, "LiveApp", "back", &got, ERR));
    OK(fo_broadcast_get(f->s, "LiveApp", "rest", &got, ERR));
    assert_int_equal(fo_broadcast_get(f->s, "LiveApp", "a1", &got, NULL),
                     FO_NOT_FOUND);
    /* Its history and viewer reports went with it. */
    OK(fo_stream_history(f->s, "LiveApp", "a1", 0, hist, 4, &nh, ERR));
    assert_int_equal(nh, 0);
    assert_int_equal(fo_viewers_report(f->s, "edge-1", "LiveApp", "a1", 1, 1,
                                       NULL), FO_NOT_FOUND);
    /* A list no longer shows them. */
    {
        fo_broadcast out[8];
        size_t nl;

        OK(fo_broadcast_list(f->s, "LiveApp", NULL, 0, out, 8, &nl, ERR));
        assert_int_equal(nl, 3);
    }
    /* Once released, the re-claimed one goes too, later. */
    OK(fo_stream_release(f->s, "LiveApp", "back", "sess-back", ERR));
    OK(fo_broadcast_expire_auto(f->s, 0, 100, &deleted, ERR));
    assert_int_equal(deleted, 1);
    fo_store_close(other);
}

static void test_count_per_app(void **state)
{
    fixture *f = *state;
    fo_node n = make_node("origin-1", FO_ROLE_ORIGIN, "127.0.1.1");
    fo_broadcast b = make_bc("OtherApp", "x", "");
    int64_t count = -1;

    OK(fo_node_heartbeat(f->s, &n, ERR));
    OK(fo_broadcast_count(f->s, "LiveApp", NULL, &count, ERR));
    assert_int_equal(count, 0);
    OK(fo_broadcast_create(f->s, &b, ERR));
    claim_release(f->s, "p1", 1);
    claim_release(f->s, "p2", 0);
    b = make_bc("LiveApp", "r1", "");
    OK(fo_broadcast_create(f->s, &b, ERR));
    OK(fo_broadcast_count(f->s, "LiveApp", NULL, &count, ERR));
    assert_int_equal(count, 3);
    OK(fo_broadcast_count(f->s, "LiveApp", "", &count, ERR));
    assert_int_equal(count, 3);
    OK(fo_broadcast_count(f->s, "OtherApp", NULL, &count, ERR));
    assert_int_equal(count, 1);
    OK(fo_broadcast_delete(f->s, "LiveApp", "p1", ERR));
    OK(fo_broadcast_count(f->s, "LiveApp", NULL, &count, ERR));
    assert_int_equal(count, 2);
    OK(fo_broadcast_count_active(f->s, "LiveApp", &count, ERR));
    assert_int_equal(count, 1);
}

/* ---- paging --------------------------------------------------------------- */

#define MANY 1100

static const fo_list_query *ref_q;

/* The contract's order (store/README.md), written out again here. */
static int ref_cmp(const void *pa, const void *pb)
{
    const fo_broadcast *a = pa, *b = pb;
    int c = 0;

    switch (ref_q->sort_by) {
    case FO_SORT_NAME:
        c = strcmp(a->name, b->name);
        break;
    case FO_SORT_STATUS:
        c = strcmp(a->status, b->status);
        break;
    case FO_SORT_DATE:
        c = (a->date > b->date) - (a->date < b->date);
        break;
    case FO_SORT_NONE:
        c = strcmp(a->stream_id, b->stream_id);
        break;
    }
    c = ref_q->descending ? -c : c;
    return c != 0 ? c : strcmp(a->stream_id, b->stream_id);
}

static int ref_match(const fo_broadcast *b, const char *search)
{
    char n[FO_NAME_MAX], s[FO_NAME_MAX];

    if (search == NULL) {
        return 1;
    }
    for (size_t i = 0; i <= strlen(b->name); i++) {
        n[i] = (char) (b->name[i] >= 'A' && b->name[i] <= 'Z'
                           ? b->name[i] + 32 : b->name[i]);
    }
    for (size_t i = 0; i <= strlen(b->stream_id); i++) {
        s[i] = (char) (b->stream_id[i] >= 'A' && b->stream_id[i] <= 'Z'
                           ? b->stream_id[i] + 32 : b->stream_id[i]);
    }
    return strstr(n, search) != NULL || strstr(s, search) != NULL;
}

/* Lists every page of size step with q and checks the pages, joined,
 * are all (filtered, sorted by the contract) exactly. */
static void check_pages(fo_store *st, const fo_broadcast *all, size_t n,
                        const fo_list_query *q, size_t step)
{
    fo_broadcast *want = calloc(n, sizeof(*want));
    fo_broadcast *got = calloc(n + step, sizeof(*got));
    size_t nw = 0, ng = 0, k;
    int64_t count;

    for (size_t i = 0; i < n; i++) {
        if (ref_match(&all[i], q->search)) {
            want[nw++] = all[i];
        }
    }
    ref_q = q;
    qsort(want, nw, sizeof(*want), ref_cmp);
    do {
        OK(fo_broadcast_list(st, "LiveApp", q, ng, got + ng, step, &k, ERR));
        assert_true(k <= step);
        ng += k;
    } while (k == step && ng <= n);
    assert_int_equal(ng, nw);
    for (size_t i = 0; i < nw; i++) {
        if (strcmp(got[i].stream_id, want[i].stream_id) != 0) {
            fail_msg("sort %d desc %d search %s: #%zu is %s, want %s",
                     q->sort_by, q->descending, q->search ? q->search : "-",
                     i, got[i].stream_id, want[i].stream_id);
        }
    }
    OK(fo_broadcast_count(st, "LiveApp", q->search, &count, ERR));
    assert_int_equal(count, (int64_t) nw);
    free(want);
    free(got);
}

static void test_paging_many(void **state)
{
    static const char *const statuses[] = { "created", "finished",
                                            "broadcasting", "error" };
    fixture *f = *state;
    fo_broadcast *all = calloc(MANY + 1, sizeof(*all));
    fo_list_query q = { FO_SORT_NONE, 0, NULL };
    size_t n = 0, k;

    for (int i = 0; i < MANY; i++) {
        /* ids and names in different orders, mixed case */
        fo_broadcast b;
        char id[32], name[32];

        snprintf(id, sizeof(id), "%c%04d", "sS"[i % 2], (i * 7919) % MANY);
        snprintf(name, sizeof(name), "%cam %d", "cCdD"[i % 4], i);
        b = make_bc("LiveApp", id, name);
        snprintf(b.status, sizeof(b.status), "%s", statuses[i % 4]);
        OK(fo_broadcast_create(f->s, &b, ERR));
    }
    /* The whole set, a page of 1000 at a time, is what was created. */
    do {
        OK(fo_broadcast_list(f->s, "LiveApp", &q, n, all + n,
                             MANY + 1 - n < 1000 ? MANY + 1 - n : 1000, &k,
                             ERR));
        n += k;
    } while (k > 0 && n <= MANY);
    assert_int_equal(n, MANY);

    check_pages(f->s, all, n, &q, 97);
    q.descending = 1;
    check_pages(f->s, all, n, &q, 128);
    for (fo_sort s = FO_SORT_NAME; s <= FO_SORT_STATUS; s++) {
        q.sort_by = s;
        q.descending = s == FO_SORT_DATE;
        check_pages(f->s, all, n, &q, 150);
    }
    q.search = "cam 1";                 /* names "Cam 1..", "cam 1.." */
    q.sort_by = FO_SORT_NONE;
    q.descending = 0;
    check_pages(f->s, all, n, &q, 41);
    q.sort_by = FO_SORT_NAME;
    check_pages(f->s, all, n, &q, 41);
    q.search = "s00";                   /* stream ids, either case */
    q.sort_by = FO_SORT_DATE;
    q.descending = 1;
    check_pages(f->s, all, n, &q, 7);
    free(all);
}

/* ---- data written before issue #14 ---------------------------------------- */

/* Three broadcasts: (id, name) a1 "Alpha", A3 "alpha", b2 "beta". */
static const char *const legacy[][2] = {
    { "b2", "beta" }, { "a1", "Alpha" }, { "A3", "alpha" },
};

/* Redis: the app's ids in the set fo:bcs:<app>, no layout marker. */
static void write_legacy_redis(const char *uri)
{
    const char *db = strrchr(uri, '/') + 1;
    redisContext *c = redisConnect("127.0.0.1", server.port);
    redisReply *r;

    assert_non_null(c);
    assert_int_equal(c->err, 0);
    r = redisCommand(c, "SELECT %d", atoi(db));
    freeReplyObject(r);
    r = redisCommand(c, "DEL fo:layout fo:bcz:LiveApp");
    freeReplyObject(r);
    for (int i = 0; i < 3; i++) {
        r = redisCommand(c, "HSET fo:bc:LiveApp:%s app LiveApp stream_id %s "
                         "name %s status created type liveStream date %d "
                         "update_time %d", legacy[i][0], legacy[i][0],
                         legacy[i][1], i + 1, i + 1);
        freeReplyObject(r);
        r = redisCommand(c, "SADD fo:bcs:LiveApp %s", legacy[i][0]);
        freeReplyObject(r);
    }
    redisFree(c);
}

/* MongoDB: documents without the sort keys, no layout marker. */
static void write_legacy_mongo(const char *uri)
{
    mongoc_client_t *c;
    mongoc_collection_t *bc, *apps;
    mongoc_uri_t *u = mongoc_uri_new(uri);
    bson_error_t e;

    assert_non_null(u);
    c = mongoc_client_new_from_uri(u);
    bc = mongoc_client_get_collection(c, mongoc_uri_get_database(u),
                                      "broadcasts");
    apps = mongoc_client_get_collection(c, mongoc_uri_get_database(u),
                                        "app_settings");
    bson_t *q = BCON_NEW("app", BCON_UTF8("#layout"));
    mongoc_collection_delete_many(apps, q, NULL, NULL, &e);
    bson_destroy(q);
    for (int i = 0; i < 3; i++) {
        bson_t *d = BCON_NEW("app", BCON_UTF8("LiveApp"), "streamId",
                             BCON_UTF8(legacy[i][0]), "name",
                             BCON_UTF8(legacy[i][1]), "status",
                             BCON_UTF8("created"), "type",
                             BCON_UTF8("liveStream"), "date",
                             BCON_INT64(i + 1), "updateTime",
                             BCON_INT64(i + 1));

        if (!mongoc_collection_insert_one(bc, d, NULL, NULL, &e)) {
            fail_msg("insert: %s", e.message);
        }
        bson_destroy(d);
    }
    mongoc_collection_destroy(apps);
    mongoc_collection_destroy(bc);
    mongoc_client_destroy(c);
    mongoc_uri_destroy(u);
}

/* A handle opened on data of the layout before issue #14 moves it over
 * (Redis: the per-app set into the sorted set; MongoDB: the sort keys)
 * and lists it in the contract's order.  SQLite: migration 4 (ALTER
 * TABLE) adds to rows as they are; nothing to check beyond the suite. */
static void test_layout_before_growth(void **state)
{
    fixture *f = *state;
    fo_list_query q = { FO_SORT_NONE, 0, NULL };
    fo_broadcast out[4];
    fo_store *s;
    int64_t count;
    size_t n;

    if (strcmp(server.kind, "redis") == 0) {
        write_legacy_redis(f->uri);
    } else if (strcmp(server.kind, "mongodb") == 0) {
        write_legacy_mongo(f->uri);
    } else {
        return;
    }
    s = open_or_fail(f->uri);
    OK(fo_broadcast_list(s, "LiveApp", &q, 0, out, 4, &n, ERR));
    assert_int_equal(n, 3);
    assert_string_equal(out[0].stream_id, "A3");  /* byte order */
    assert_string_equal(out[1].stream_id, "a1");
    assert_string_equal(out[2].stream_id, "b2");
    q.sort_by = FO_SORT_NAME;
    OK(fo_broadcast_list(s, "LiveApp", &q, 0, out, 4, &n, ERR));
    assert_int_equal(n, 3);
    assert_string_equal(out[0].name, "Alpha");
    assert_string_equal(out[1].name, "alpha");
    assert_string_equal(out[2].name, "beta");
    assert_int_equal(out[0].auto_created, 0);     /* unknown: kept */
    OK(fo_broadcast_count(s, "LiveApp", NULL, &count, ERR));
    assert_int_equal(count, 3);
    fo_store_close(s);
}

const contract_suite contract_growth = CONTRACT_SUITE(
    CONTRACT_TEST(test_auto_created_flag),
    CONTRACT_TEST(test_expire_auto),
    CONTRACT_TEST(test_count_per_app),
    CONTRACT_TEST(test_paging_many),
    CONTRACT_TEST(test_layout_before_growth));
