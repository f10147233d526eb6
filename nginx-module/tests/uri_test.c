/*
 * uri_test.c — the edge's request-path parser over byte vectors
 * (src/ngx_http_fanout_uri.c, compiled on its own: no nginx needed), and
 * against the one table of valid and invalid names every validator shares
 * (tests/data/stream_ids.tsv).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ngx_http_fanout_uri.h"
#include "stream_ids_table.h"

#define BYTES(lit)  (const unsigned char *) (lit), sizeof(lit) - 1

static void
expect_ok(const unsigned char *p, size_t len, const char *app,
    const char *stream, ngx_http_fanout_kind_e kind, int rendition)
{
    ngx_http_fanout_uri_t  u;
    int                    rc;

    memset(&u, 0xa5, sizeof(u));
    rc = ngx_http_fanout_uri_parse(p, len, &u);
    if (rc != NGX_HTTP_FANOUT_URI_OK) {
        fail_msg("%.*s: rc %d, want OK", (int) len, p, rc);
    }
    if (u.app_len != strlen(app) || memcmp(u.app, app, u.app_len) != 0) {
        fail_msg("%.*s: app '%.*s', want '%s'", (int) len, p,
                 (int) u.app_len, u.app, app);
    }
    if (u.stream_len != strlen(stream)
        || memcmp(u.stream, stream, u.stream_len) != 0)
    {
        fail_msg("%.*s: stream '%.*s', want '%s'", (int) len, p,
                 (int) u.stream_len, u.stream, stream);
    }
    assert_int_equal(u.kind, kind);
    assert_int_equal(u.rendition, rendition);
    /* Results point into the input. */
    assert_true(u.app >= p && u.app + u.app_len <= p + len);
    assert_true(u.stream >= p && u.stream + u.stream_len <= p + len);
}

static void
expect_rc(const unsigned char *p, size_t len, int want)
{
    ngx_http_fanout_uri_t  u;
    int                    rc;

    rc = ngx_http_fanout_uri_parse(p, len, &u);
    if (rc != want) {
        fail_msg("'%.*s' (%zu bytes): rc %d, want %d", (int) len, p, len, rc,
                 want);
    }
}

#define OK(lit, app, s, kind, rend) \
    expect_ok(BYTES(lit), app, s, NGX_HTTP_FANOUT_KIND_##kind, rend)
#define BAD(lit)        expect_rc(BYTES(lit), NGX_HTTP_FANOUT_URI_BAD)
#define NOT_STREAM(lit) expect_rc(BYTES(lit), NGX_HTTP_FANOUT_URI_NOT_STREAM)

static void
test_hls_dash_cmaf(void **state)
{
    (void) state;
    OK("/LiveApp/streams/s1.m3u8", "LiveApp", "s1", HLS, 0);
    OK("/LiveApp/streams/s1/s1.mpd", "LiveApp", "s1", DASH, 0);
    OK("/LiveApp/streams/s1/ab12-init.mp4", "LiveApp", "s1", INIT, 0);
    OK("/LiveApp/streams/s1/ab12-17.m4s", "LiveApp", "s1", SEGMENT, 0);
    OK("/LiveApp/streams/s1/ab12-17.ts", "LiveApp", "s1", SEGMENT, 0);
    OK("/LiveApp/streams/s1/s1_720p.m3u8", "LiveApp", "s1", HLS, 0);
    OK("/a/streams/b.c-d_e.m3u8", "a", "b.c-d_e", HLS, 0);
    OK("/My-App.2/streams/x/y.z.m4s", "My-App.2", "x", SEGMENT, 0);
    /* the clock (DASH UTCTiming): exactly this path */
    OK("/LiveApp/streams/time", "LiveApp", "time", TIME, 0);
    OK("/LiveApp/streams/time.m3u8", "LiveApp", "time", HLS, 0);
    NOT_STREAM("/LiveApp/streams/Time");
    NOT_STREAM("/LiveApp/streams/time/");
    NOT_STREAM("/LiveApp/streams/time/x");
    NOT_STREAM("/LiveApp/streams/s1/time");
}

static void
test_renditions(void **state)
{
    (void) state;
    OK("/LiveApp/streams/s1_720p.m3u8", "LiveApp", "s1", HLS, 1);
    OK("/LiveApp/streams/s1_1080p/seg-3.m4s", "LiveApp", "s1", SEGMENT, 1);
    OK("/LiveApp/streams/cam_2_12345p.m3u8", "LiveApp", "cam_2", HLS, 1);
    OK("/LiveApp/streams/a_1p.m3u8", "LiveApp", "a", HLS, 1);
    /* Not a rendition suffix: kept as it is. */
    OK("/LiveApp/streams/s1_123456p.m3u8", "LiveApp", "s1_123456p", HLS, 0);
    OK("/LiveApp/streams/s1_p.m3u8", "LiveApp", "s1_p", HLS, 0);
    OK("/LiveApp/streams/s1720p.m3u8", "LiveApp", "s1720p", HLS, 0);
    OK("/LiveApp/streams/_720p.m3u8", "LiveApp", "_720p", HLS, 0);
    OK("/LiveApp/streams/s1_720P.m3u8", "LiveApp", "s1_720P", HLS, 0);
    OK("/LiveApp/streams/s1_720p.x.m3u8", "LiveApp", "s1_720p.x", HLS, 0);

    /* Ant Media's %r%b names and the master playlist */
    OK("/LiveApp/streams/s1_360p800kbps.m3u8", "LiveApp", "s1", HLS, 1);
    OK("/LiveApp/streams/s1_360p800kbps/ab-12.m4s", "LiveApp", "s1", SEGMENT,
       1);
    OK("/LiveApp/streams/cam_2_12345p1234567kbps.m3u8", "LiveApp", "cam_2",
       HLS, 1);
    OK("/LiveApp/streams/s1_adaptive.m3u8", "LiveApp", "s1", HLS, 1);
    OK("/LiveApp/streams/a_adaptive.m3u8", "LiveApp", "a", HLS, 1);
    OK("/LiveApp/streams/s1_360p12345678kbps.m3u8", "LiveApp",
       "s1_360p12345678kbps", HLS, 0);
    OK("/LiveApp/streams/s1_360pkbps.m3u8", "LiveApp", "s1_360pkbps", HLS, 0);
    OK("/LiveApp/streams/s1_p800kbps.m3u8", "LiveApp", "s1_p800kbps", HLS, 0);
    OK("/LiveApp/streams/s1360p800kbps.m3u8", "LiveApp", "s1360p800kbps", HLS,
       0);
    OK("/LiveApp/streams/_360p800kbps.m3u8", "LiveApp", "_360p800kbps", HLS,
       0);
    OK("/LiveApp/streams/_adaptive.m3u8", "LiveApp", "_adaptive", HLS, 0);
    OK("/LiveApp/streams/s1adaptive.m3u8", "LiveApp", "s1adaptive", HLS, 0);
    OK("/LiveApp/streams/s1_800kbps.m3u8", "LiveApp", "s1_800kbps", HLS, 0);
}

static void
test_traversal(void **state)
{
    (void) state;
    BAD("/LiveApp/streams/../s1.m3u8");
    BAD("/LiveApp/streams/s1/../../etc/passwd.ts");
    BAD("/LiveApp/streams/./s1.m3u8");
    BAD("/../streams/s1.m3u8");
    BAD("/LiveApp/streams/..");
    BAD("/LiveApp/streams/s1/..");
    BAD("/LiveApp/streams/...m3u8");        /* stream ".." */
    BAD("/LiveApp/streams/..m3u8");         /* stream "." */
    BAD("/LiveApp/streams/.._720p.m3u8");   /* ".." once stripped */
    BAD("/LiveApp/streams/%2e%2e/s1.m3u8");
    BAD("/LiveApp/streams/%2E%2E%2Fx.m3u8");
    BAD("/LiveApp/streams/s1%2fx.m3u8");
    BAD("/LiveApp/streams/s1\\..\\x.m3u8");
    BAD("/LiveApp//streams/s1.m3u8");
    BAD("//LiveApp/streams/s1.m3u8");
}

static void
test_bad_bytes(void **state)
{
    static const unsigned char nul[] = "/LiveApp/streams/s1\0.m3u8";
    static const unsigned char high[] = "/LiveApp/streams/s\xc3\xa9.m3u8";
    static const unsigned char ff[] = "/LiveApp/streams/s1.m3u8\xff";

    (void) state;
    expect_rc(nul, sizeof(nul) - 1, NGX_HTTP_FANOUT_URI_BAD);
    expect_rc(high, sizeof(high) - 1, NGX_HTTP_FANOUT_URI_BAD);
    expect_rc(ff, sizeof(ff) - 1, NGX_HTTP_FANOUT_URI_BAD);
    BAD("/LiveApp/streams/s 1.m3u8");
    BAD("/LiveApp/streams/s1.m3u8?x=1");
    BAD("/LiveApp/streams/s1.m3u8#f");
    BAD("/LiveApp/streams/s1;x.m3u8");
    BAD("/LiveApp/streams/s1\r\n.m3u8");
    BAD("/LiveApp/streams/s1:x.m3u8");
    BAD("/LiveApp/streams/$(id).m3u8");
    BAD("/LiveApp/streams/*.m3u8");
    BAD("LiveApp/streams/s1.m3u8");         /* not absolute */
    BAD("");
    expect_rc(NULL, 0, NGX_HTTP_FANOUT_URI_BAD);
    expect_rc(NULL, 5, NGX_HTTP_FANOUT_URI_BAD);
}

static void
test_lengths(void **state)
{
    unsigned char  buf[2048];
    size_t         n;
    char           want[256];

    (void) state;

    /* A 127-byte stream id is fine, 128 is not. */
    n = (size_t) sprintf((char *) buf, "/LiveApp/streams/");
    memset(buf + n, 's', 127);
    memcpy(buf + n + 127, ".m3u8", 5);
    memset(want, 's', 127);
    want[127] = '\0';
    expect_ok(buf, n + 132, "LiveApp", want, NGX_HTTP_FANOUT_KIND_HLS, 0);
    memset(buf + n, 's', 128);
    memcpy(buf + n + 128, ".m3u8", 5);
    expect_rc(buf, n + 133, NGX_HTTP_FANOUT_URI_BAD);

    /* A 63-byte app is fine, 64 is not. */
    buf[0] = '/';
    memset(buf + 1, 'a', 63);
    n = 64 + (size_t) sprintf((char *) buf + 64, "/streams/s.m3u8");
    memset(want, 'a', 63);
    want[63] = '\0';
    expect_ok(buf, n, want, "s", NGX_HTTP_FANOUT_KIND_HLS, 0);
    memset(buf + 1, 'a', 64);
    n = 65 + (size_t) sprintf((char *) buf + 65, "/streams/s.m3u8");
    expect_rc(buf, n, NGX_HTTP_FANOUT_URI_BAD);

    /* A file name over 255 bytes, then a path over 512. */
    n = (size_t) sprintf((char *) buf, "/LiveApp/streams/s1/");
    memset(buf + n, 'f', 256);
    memcpy(buf + n + 256, ".ts", 3);
    expect_rc(buf, n + 259, NGX_HTTP_FANOUT_URI_BAD);
    memset(buf, '/', 1);
    memset(buf + 1, 'x', sizeof(buf) - 1);
    expect_rc(buf, sizeof(buf), NGX_HTTP_FANOUT_URI_BAD);
    expect_rc(buf, 513, NGX_HTTP_FANOUT_URI_BAD);
}

static void
test_not_a_stream(void **state)
{
    (void) state;
    NOT_STREAM("/");
    NOT_STREAM("/LiveApp");
    NOT_STREAM("/LiveApp/");
    NOT_STREAM("/LiveApp/streams");
    NOT_STREAM("/LiveApp/streams/");
    NOT_STREAM("/LiveApp/streams/s1/");
    NOT_STREAM("/LiveApp/stream/s1.m3u8");
    NOT_STREAM("/LiveApp/Streams/s1.m3u8");
    NOT_STREAM("/LiveApp/rest/v2/broadcasts");
    NOT_STREAM("/LiveApp/streams/s1.mpd");      /* MPDs live in the dir */
    NOT_STREAM("/LiveApp/streams/s1.ts");
    NOT_STREAM("/LiveApp/streams/s1");
    NOT_STREAM("/LiveApp/streams/s1.M3U8");
    NOT_STREAM("/LiveApp/streams/s1/x.exe");
    NOT_STREAM("/LiveApp/streams/s1/x");
    NOT_STREAM("/LiveApp/streams/s1/.m4s");
    NOT_STREAM("/LiveApp/streams/.m3u8");
    NOT_STREAM("/LiveApp/streams/s1/a/b.m4s");
    NOT_STREAM("/LiveApp/streams/s1/a/b/c/d.m4s");
    NOT_STREAM("/x/streams/s1/a/b/c/d/e/f/g.m4s");
}

/*
 * Where a name of the table stands in a path: a stream id as the {s} of
 * /{app}/streams/{s}/x.m4s and of /{app}/streams/{s}.m3u8, an app name as
 * the {app} of /{app}/streams/s1/x.m4s.
 */
static const char  *id_forms[][2] = {
    { "/LiveApp/streams/", "/x.m4s" },
    { "/LiveApp/streams/", ".m3u8" },
};
static const char  *app_form[2] = { "/", "/streams/s1/x.m4s" };

static size_t
id_path(unsigned char *buf, const char *const form[2], const fo_id_row *row)
{
    size_t  n;

    n = strlen(form[0]);
    memcpy(buf, form[0], n);
    memcpy(buf + n, row->name, row->len);
    n += row->len;
    memcpy(buf + n, form[1], strlen(form[1]));

    return n + strlen(form[1]);
}

/*
 * A valid name must come out of the parser as itself, an invalid one must
 * never: the path is refused, or it names something else (a/b is stream
 * "a" with file "b.m3u8").  One exception, stated: a valid stream id that
 * ends in a rendition suffix ("_<1-5 digits>p", "_<h>p<kbps>kbps",
 * "_adaptive"; e.g. cam_720p) cannot be
 * written in a path at all, since the grammar reads that suffix as the
 * rendition of a shorter id; the parser must then say so (rendition = 1)
 * and give the id without it.  Returns 1 for such a row.
 */
static int
check_name(const unsigned char *path, size_t len, const fo_id_row *row,
    int app)
{
    int                    rc, same;
    size_t                 got_len;
    const unsigned char   *got;
    ngx_http_fanout_uri_t  u;

    rc = ngx_http_fanout_uri_parse(path, len, &u);
    got = app ? u.app : u.stream;
    got_len = app ? u.app_len : u.stream_len;
    same = rc == NGX_HTTP_FANOUT_URI_OK && got_len == row->len
           && memcmp(got, row->name, row->len) == 0;

    if (!row->valid) {
        if (same) {
            fail_msg("line %d: invalid %s name accepted: %.*s", row->line,
                     row->kind, (int) len, path);
        }
        return 0;
    }

    if (rc != NGX_HTTP_FANOUT_URI_OK) {
        fail_msg("line %d: valid %s name refused (rc %d): %.*s", row->line,
                 row->kind, rc, (int) len, path);
    }

    if (!same && !app && u.rendition && got_len + 3 <= row->len
        && memcmp(got, row->name, got_len) == 0
        && row->name[got_len] == '_')
    {
        return 1;
    }

    if (!same) {
        fail_msg("line %d: valid %s name parsed as '%.*s': %.*s", row->line,
                 row->kind, (int) got_len, got, (int) len, path);
    }

    return 0;
}

static void
test_shared_name_table(void **state)
{
    FILE           *f;
    size_t          i, len;
    int             rc, rows, apps, renditions;
    fo_id_row       row;
    unsigned char   path[1024];

    (void) state;

    f = fopen(FO_STREAM_IDS_TSV, "r");
    if (f == NULL) {
        fail_msg("cannot open %s", FO_STREAM_IDS_TSV);
    }

    memset(&row, 0, sizeof(row));
    rows = 0;
    apps = 0;
    renditions = 0;

    while ((rc = fo_id_row_next(f, &row)) == 1) {
        rows++;

        if (strcmp(row.kind, "app") == 0) {
            apps++;
            len = id_path(path, app_form, &row);
            (void) check_name(path, len, &row, 1);
            continue;
        }

        assert_string_equal(row.kind, "stream");

        for (i = 0; i < sizeof(id_forms) / sizeof(id_forms[0]); i++) {
            len = id_path(path, id_forms[i], &row);
            renditions += check_name(path, len, &row, 0);
        }
    }

    fclose(f);

    if (rc != 0) {
        fail_msg("%s: malformed line %d", FO_STREAM_IDS_TSV, row.line);
    }

    /* a table that reads as nearly empty tests nothing */
    assert_true(rows >= 40);
    assert_true(apps >= 10);
    print_message("%d rows, %d stream forms named a rendition\n", rows,
                  renditions);
}

static void
test_kind_names(void **state)
{
    (void) state;
    assert_string_equal(ngx_http_fanout_kind_name(NGX_HTTP_FANOUT_KIND_HLS),
                        "hls");
    assert_string_equal(ngx_http_fanout_kind_name(NGX_HTTP_FANOUT_KIND_DASH),
                        "dash");
    assert_string_equal(ngx_http_fanout_kind_name(NGX_HTTP_FANOUT_KIND_INIT),
                        "init");
    assert_string_equal(
        ngx_http_fanout_kind_name(NGX_HTTP_FANOUT_KIND_SEGMENT), "segment");
    assert_string_equal(ngx_http_fanout_kind_name(NGX_HTTP_FANOUT_KIND_TIME),
                        "time");
}

static void
expect_redacted(const char *in, const char *want)
{
    unsigned char  out[512];
    size_t         n;

    memset(out, 0xa5, sizeof(out));
    n = ngx_http_fanout_redact(out, (const unsigned char *) in, strlen(in));
    if (n > strlen(in) || n != strlen(want) || memcmp(out, want, n) != 0) {
        fail_msg("%s: '%.*s', want '%s'", in, (int) n, out, want);
    }
}


/* The access log's request line loses its playback tokens, nothing else. */
static void
test_redact(void **state)
{
    (void) state;

    expect_redacted("GET /LiveApp/streams/t=k1.9.p.AbC/s_adaptive.m3u8 HTTP/1.1",
                    "GET /LiveApp/streams/t=-/s_adaptive.m3u8 HTTP/1.1");
    expect_redacted("GET /A/streams/s.m3u8?token=0123abcd HTTP/1.1",
                    "GET /A/streams/s.m3u8?token=- HTTP/1.1");
    expect_redacted("GET /A/streams/s.m3u8?sid=7&token=a.b.c&x=1 HTTP/1.1",
                    "GET /A/streams/s.m3u8?sid=7&token=-&x=1 HTTP/1.1");
    expect_redacted("GET /A/streams/t=x/s.m3u8?token=y&token=z#f HTTP/1.0",
                    "GET /A/streams/t=-/s.m3u8?token=-&token=-#f HTTP/1.0");
    /* empty values stay empty; look-alikes stay */
    expect_redacted("GET /A/streams/t=/s.m3u8?token= HTTP/1.1",
                    "GET /A/streams/t=/s.m3u8?token= HTTP/1.1");
    expect_redacted("GET /A/streams/st=1/x.m3u8?mytoken=1&t=2 HTTP/1.1",
                    "GET /A/streams/st=1/x.m3u8?mytoken=1&t=2 HTTP/1.1");
    /* "t=" in the query is not a path element; "token=" in the path is no
     * parameter */
    expect_redacted("GET /token=1/x?a=/t=2 HTTP/1.1",
                    "GET /token=1/x?a=/t=2 HTTP/1.1");
    /* truncated lines, bare targets */
    expect_redacted("GET /A/streams/t=abc", "GET /A/streams/t=-");
    expect_redacted("/x?token=abc", "/x?token=-");
    expect_redacted("/x?token", "/x?token");
    expect_redacted("/t", "/t");
    expect_redacted("", "");
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hls_dash_cmaf),
        cmocka_unit_test(test_renditions),
        cmocka_unit_test(test_traversal),
        cmocka_unit_test(test_bad_bytes),
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_not_a_stream),
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_shared_name_table),
        cmocka_unit_test(test_redact),
    };

    return cmocka_run_group_tests_name("edge_uri", tests, NULL, NULL);
}
