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

const contract_suite contract_growth = CONTRACT_SUITE(
    CONTRACT_TEST(test_auto_created_flag),
    CONTRACT_TEST(test_expire_auto),
    CONTRACT_TEST(test_count_per_app),
    CONTRACT_TEST(test_paging_many));
