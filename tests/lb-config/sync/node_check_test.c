/*
 * node_check_test.c — lb-sync's record checks over byte strings
 * (lb-config/sync/node_check.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "node_check.h"

static lb_addr_kind kind(const char *a)
{
    return lb_addr_kind_of(a, strlen(a));
}

static void test_addresses(void **state)
{
    (void) state;
    assert_int_equal(kind("10.0.0.1"), LB_ADDR_IPV4);
    assert_int_equal(kind("::1"), LB_ADDR_IPV6);
    assert_int_equal(kind("[::1]"), LB_ADDR_IPV6);
    assert_int_equal(kind("fe80::1:2"), LB_ADDR_IPV6);
    assert_int_equal(kind("localhost"), LB_ADDR_HOST);
    assert_int_equal(kind("edge-1.example.org"), LB_ADDR_HOST);
    assert_int_equal(kind("nonexistent.invalid"), LB_ADDR_HOST);
}

static void test_bad_addresses(void **state)
{
    static const char *const bad[] = {
        "", "10.0.0.1;", "10.0.0.1 down", "10.0.0.1\nserver 6.6.6.6",
        "::1::2", "[::1", "::1]", "[10.0.0.1]", "[]", "[localhost]",
        "1.2.3", "999.1.1.1", "-x", ".x", "a_b", "a/b", "a:b", "fe80::1%eth0",
        "host}", "host#1", "\x01host",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    };

    (void) state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (kind(bad[i]) != LB_ADDR_BAD) {
            fail_msg("accepted address #%zu", i);
        }
    }
    /* bytes, not strings: a NUL inside is bad, the length is what counts */
    assert_int_equal(lb_addr_kind_of("10.0.0.1\0x", 10), LB_ADDR_BAD);
    assert_int_equal(lb_addr_kind_of("10.0.0.1xx", 8), LB_ADDR_IPV4);
}

static fo_node good_node(void)
{
    fo_node n;

    memset(&n, 0, sizeof(n));
    snprintf(n.id, sizeof(n.id), "origin-1");
    snprintf(n.ip, sizeof(n.ip), "10.0.0.1");
    snprintf(n.node_group, sizeof(n.node_group), "eu");
    n.http_port = 5080;
    n.rtmp_port = 1935;
    n.role = FO_ROLE_ORIGIN;
    return n;
}

static void test_node_faults(void **state)
{
    fo_node n = good_node();

    (void) state;
    assert_null(lb_node_fault(&n));
    n.node_group[0] = '\0';                /* no group: no group block */
    assert_null(lb_node_fault(&n));
    n.rtmp_port = 0;                       /* takes no publishers */
    assert_null(lb_node_fault(&n));

    n = good_node();
    memcpy(n.id, "evil\nserver", 12);
    assert_string_equal(lb_node_fault(&n), "id");
    n = good_node();
    memset(n.id, 'a', sizeof(n.id));       /* no NUL inside the field */
    assert_string_equal(lb_node_fault(&n), "id");
    n = good_node();
    memcpy(n.ip, "10.0.0.1;\n", 11);
    assert_string_equal(lb_node_fault(&n), "address");
    n = good_node();
    memcpy(n.node_group, "eu {\n}", 7);
    assert_string_equal(lb_node_fault(&n), "node group");
    n = good_node();
    n.role = (fo_role) 7;
    assert_string_equal(lb_node_fault(&n), "role");
    n = good_node();
    n.http_port = 70000;
    assert_string_equal(lb_node_fault(&n), "http port");
    n = good_node();
    n.rtmp_port = -1;
    assert_string_equal(lb_node_fault(&n), "rtmp port");
}

static void test_server_addr(void **state)
{
    fo_node n = good_node();
    char buf[80];

    (void) state;
    assert_int_equal(lb_server_addr(&n, 5080, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "10.0.0.1:5080");
    snprintf(n.ip, sizeof(n.ip), "::1");
    assert_int_equal(lb_server_addr(&n, 1935, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "[::1]:1935");
    snprintf(n.ip, sizeof(n.ip), "[2001:db8::7]");
    assert_int_equal(lb_server_addr(&n, 80, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "[2001:db8::7]:80");
    snprintf(n.ip, sizeof(n.ip), "localhost");
    assert_int_equal(lb_server_addr(&n, 81, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "localhost:81");
    assert_int_equal(lb_server_addr(&n, 81, buf, 5), -1);
}

static void test_printable(void **state)
{
    char out[64];

    (void) state;
    lb_printable("evil\nserver \"x\"\\\x7f\xff", 64, out, sizeof(out));
    assert_string_equal(out, "evil\\x0aserver \\x22x\\x22\\x5c\\x7f\\xff");
    lb_printable("abcdef", 3, out, sizeof(out));      /* at most max bytes */
    assert_string_equal(out, "abc");
    lb_printable("a\nbcdef", 64, out, 4);             /* never half an escape */
    assert_string_equal(out, "a");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_bad_addresses),
        cmocka_unit_test(test_node_faults),
        cmocka_unit_test(test_server_addr),
        cmocka_unit_test(test_printable),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
