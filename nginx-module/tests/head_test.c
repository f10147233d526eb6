/*
 * head_test.c — the response head parser (src/ngx_http_fanout_head.c,
 * compiled on its own), over heads as nginx 1.22 sends them to the
 * edge's prefetch, and broken ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ngx_http_fanout_head.h"

#define BYTES(lit)  (const unsigned char *) (lit), sizeof(lit) - 1

static const char segment_head[] =
    "HTTP/1.1 200 OK\r\n"
    "Server: nginx/1.22.1\r\n"
    "Date: Mon, 07 Dec 2026 19:50:01 GMT\r\n"
    "Content-Type: video/iso.segment\r\n"
    "Content-Length: 524917\r\n"
    "Connection: close\r\n"
    "Cache-Control: max-age=31536000, immutable\r\n"
    "X-Cache-Status: MISS\r\n"
    "Access-Control-Allow-Origin: *\r\n\r\n";

static void
test_whole(void **state)
{
    int        status = 7;
    long       n;
    long long  length = 7;
    char       buf[sizeof(segment_head) + 16];

    (void) state;
    n = ngx_http_fanout_head_parse(BYTES(segment_head), &status, &length);
    assert_int_equal(n, sizeof(segment_head) - 1);
    assert_int_equal(status, 200);
    assert_true(length == 524917);

    /* the body's first bytes after it change nothing */
    memcpy(buf, segment_head, sizeof(segment_head) - 1);
    memcpy(buf + sizeof(segment_head) - 1, "\0\0\0\x18" "ftypmp4", 11);
    n = ngx_http_fanout_head_parse((const unsigned char *) buf,
                                   sizeof(segment_head) - 1 + 11, &status,
                                   &length);
    assert_int_equal(n, sizeof(segment_head) - 1);
    assert_true(length == 524917);
}

static void
test_incomplete(void **state)
{
    int        status = 7;
    size_t     i;
    long long  length = 7;

    (void) state;
    /* every prefix short of the blank line: not in yet, outputs alone */
    for (i = 0; i < sizeof(segment_head) - 1; i++) {
        assert_int_equal(ngx_http_fanout_head_parse(
                             (const unsigned char *) segment_head, i,
                             &status, &length),
                         NGX_HTTP_FANOUT_HEAD_INCOMPLETE);
    }
    assert_int_equal(status, 7);
    assert_true(length == 7);
}

static void
test_errors_and_no_length(void **state)
{
    int        status = 0;
    long long  length = 0;

    (void) state;
    /* the edge's own error page: a status, a length */
    assert_true(ngx_http_fanout_head_parse(
                    BYTES("HTTP/1.1 502 Bad Gateway\r\ncontent-length:  4 \r\n"
                          "\r\nbad\n"), &status, &length) > 0);
    assert_int_equal(status, 502);
    assert_true(length == 4);

    /* no Content-Length; bare LF lines */
    assert_int_equal(ngx_http_fanout_head_parse(
                         BYTES("HTTP/1.0 404 Not Found\nServer: x\n\n"),
                         &status, &length), 34);
    assert_int_equal(status, 404);
    assert_true(length == -1);

    /* a status line alone, then the blank line */
    assert_int_equal(ngx_http_fanout_head_parse(BYTES("HTTP/1.1 204\r\n\r\n"),
                                                &status, &length), 16);
    assert_int_equal(status, 204);

    /* the same length twice is one length */
    assert_true(ngx_http_fanout_head_parse(
                    BYTES("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n"
                          "Content-Length: 9\r\n\r\n"), &status, &length) > 0);
    assert_true(length == 9);

    /* a header that only begins like it */
    assert_true(ngx_http_fanout_head_parse(
                    BYTES("HTTP/1.1 200 OK\r\nContent-Length-X: 9\r\n\r\n"),
                    &status, &length) > 0);
    assert_true(length == -1);
}

static void
test_invalid(void **state)
{
    int        status = 7;
    long long  length = 7;

    (void) state;
#define INVALID(lit)                                                         \
    assert_int_equal(ngx_http_fanout_head_parse(BYTES(lit), &status,         \
                                                &length),                    \
                     NGX_HTTP_FANOUT_HEAD_INVALID)
    INVALID("HTTP/2 200 OK\r\n\r\n");
    INVALID("HTTP/1.1 20 OK\r\n\r\n");
    INVALID("HTTP/1.1 2000 OK\r\n\r\n");
    INVALID("HTTP/1.1 600 Nope\r\n\r\n");
    INVALID("HTTP/1.1 099 Nope\r\n\r\n");
    INVALID("GET / HTTP/1.1\r\n\r\n");
    INVALID("SSH-2.0-OpenSSH_9.2\r\n");
    INVALID("HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n");
    INVALID("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n");
    INVALID("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n");
    INVALID("HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n");
    INVALID("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n"
            "\r\n");
    INVALID("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n"
            "\r\n");
#undef INVALID
    assert_int_equal(status, 7);
    assert_true(length == 7);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole),
        cmocka_unit_test(test_incomplete),
        cmocka_unit_test(test_errors_and_no_length),
        cmocka_unit_test(test_invalid),
    };

    return cmocka_run_group_tests_name("edge_head", tests, NULL, NULL);
}
