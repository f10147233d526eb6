/*
 * uri_test.c — the store URI parser over byte vectors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "uri.h"

static fo_uri parse_ok(const char *s)
{
    fo_uri u;
    fo_error err = { 0 };

    if (fo_uri_parse(s, &u, &err) != FO_OK) {
        fail_msg("%s: %s", s, err.msg);
    }
    return u;
}

static void expect_invalid(const char *s, const char *needle)
{
    fo_uri u;
    fo_error err = { 0 };

    assert_int_equal(fo_uri_parse(s, &u, &err), FO_ERR_INVALID);
    if (strstr(err.msg, needle) == NULL) {
        fail_msg("%s: message '%s' lacks '%s'", s, err.msg, needle);
    }
}

static void test_sqlite(void **state)
{
    (void) state;
    fo_uri u = parse_ok("sqlite:///var/lib/fanout/cluster.db");

    assert_string_equal(u.scheme, "sqlite");
    assert_string_equal(u.path, "/var/lib/fanout/cluster.db");
    assert_int_equal(u.timeout_ms, 2000);
    assert_int_equal(u.connect_timeout_ms, 2000);
    assert_int_equal(u.update_period_ms, 5000);
    assert_int_equal(u.dead_factor, 4);

    u = parse_ok("sqlite:///tmp/c.db?timeout_ms=250&update_period_ms=100"
                 "&dead_factor=3");
    assert_string_equal(u.path, "/tmp/c.db");
    assert_int_equal(u.timeout_ms, 250);
    assert_int_equal(u.update_period_ms, 100);
    assert_int_equal(u.dead_factor, 3);
}

static void test_redis(void **state)
{
    (void) state;
    fo_uri u = parse_ok("redis://127.0.0.1:6390/3?connect_timeout_ms=500");

    assert_string_equal(u.scheme, "redis");
    assert_string_equal(u.host, "127.0.0.1");
    assert_int_equal(u.port, 6390);
    assert_int_equal(u.db, 3);
    assert_int_equal(u.connect_timeout_ms, 500);
    assert_string_equal(u.user, "");
    assert_string_equal(u.password, "");

    u = parse_ok("redis://:s3cr@t@cache.local");
    assert_string_equal(u.user, "");
    assert_string_equal(u.password, "s3cr@t");
    assert_string_equal(u.host, "cache.local");
    assert_int_equal(u.port, 0);
    assert_int_equal(u.db, 0);

    u = parse_ok("redis://user:pw@h:1/");
    assert_string_equal(u.user, "user");
    assert_string_equal(u.password, "pw");
    assert_int_equal(u.port, 1);
}

/* Redis ACL users: [[user]:password@].  The user ends at the first ':',
 * the password at the last '@'. */
static void test_redis_user(void **state)
{
    (void) state;
    char user[300], uri[400];
    fo_uri u = parse_ok("redis://fanout:pw@10.0.0.7:6390/2?timeout_ms=50");

    assert_string_equal(u.user, "fanout");
    assert_string_equal(u.password, "pw");
    assert_string_equal(u.host, "10.0.0.7");
    assert_int_equal(u.port, 6390);
    assert_int_equal(u.db, 2);
    assert_int_equal(u.timeout_ms, 50);

    /* empty user: the default user, AUTH password */
    u = parse_ok("redis://:pw@h");
    assert_string_equal(u.user, "");
    assert_string_equal(u.password, "pw");
    assert_string_equal(u.host, "h");

    /* '@' inside the password */
    u = parse_ok("redis://fanout:p@ss@word@h:6379");
    assert_string_equal(u.user, "fanout");
    assert_string_equal(u.password, "p@ss@word");
    assert_string_equal(u.host, "h");
    assert_int_equal(u.port, 6379);

    /* ':' inside the password */
    u = parse_ok("redis://fanout:a:b@h");
    assert_string_equal(u.user, "fanout");
    assert_string_equal(u.password, "a:b");

    /* a user with an empty password (an ACL user with nopass) */
    u = parse_ok("redis://fanout:@h");
    assert_string_equal(u.user, "fanout");
    assert_string_equal(u.password, "");
    assert_string_equal(u.host, "h");

    /* no userinfo: no user, no password */
    u = parse_ok("redis://h");
    assert_string_equal(u.user, "");
    assert_string_equal(u.password, "");

    expect_invalid("redis://fanout@h", "password");
    expect_invalid("redis://fanout:pw@", "host missing");
    memset(user, 'u', sizeof(user) - 1);
    user[sizeof(user) - 1] = '\0';
    snprintf(uri, sizeof(uri), "redis://%s:pw@h", user);
    expect_invalid(uri, "user too long");
    snprintf(uri, sizeof(uri), "redis://:%s@h", user);
    expect_invalid(uri, "password too long");
    user[255] = '\0';            /* 255 bytes: the most that fits */
    snprintf(uri, sizeof(uri), "redis://%s:pw@h", user);
    u = parse_ok(uri);
    assert_int_equal(strlen(u.user), 255);
}

static void test_mongodb_passthrough(void **state)
{
    (void) state;
    fo_uri u = parse_ok("mongodb://a:27017,b:27017/fanout?replicaSet=rs0"
                        "&timeout_ms=700&w=majority");

    assert_string_equal(u.scheme, "mongodb");
    assert_int_equal(u.timeout_ms, 700);
    /* Our option is taken out; the driver's stay, in order. */
    assert_string_equal(u.passthrough,
                        "mongodb://a:27017,b:27017/fanout?replicaSet=rs0"
                        "&w=majority");
    u = parse_ok("mongodb://h/?dead_factor=2");
    assert_string_equal(u.passthrough, "mongodb://h/");
    assert_int_equal(u.dead_factor, 2);
}

static void test_malformed(void **state)
{
    (void) state;
    char longer[3000];

    expect_invalid(NULL, "empty");
    expect_invalid("", "empty");
    expect_invalid("redis:/x", "scheme://");
    expect_invalid("postgres://x", "unknown scheme 'postgres'");
    expect_invalid("sqlite://rel/x.db", "absolute path");
    expect_invalid("sqlite:///tmp/", "directory");
    expect_invalid("redis://", "host missing");
    expect_invalid("redis://:pw@", "host missing");
    expect_invalid("redis://h:0", "port");
    expect_invalid("redis://h:65536", "port");
    expect_invalid("redis://h:-1", "port");
    expect_invalid("redis://h:12ab", "port");
    expect_invalid("redis://h/x", "database");
    expect_invalid("redis://user@h", "password");
    expect_invalid("redis://h?timeout_ms=", "timeout_ms");
    expect_invalid("redis://h?timeout_ms=0", "timeout_ms");
    expect_invalid("redis://h?timeout_ms=99999999999", "timeout_ms");
    expect_invalid("redis://h?timeout_ms", "timeout_ms");
    expect_invalid("redis://h?colour=blue", "unknown option 'colour'");
    expect_invalid("redis://h\x01:1", "control");
    expect_invalid("redis://h :1", "control");
    expect_invalid("redis://h\xc3\xa9", "non-ASCII");
    expect_invalid("mongodb://", "host missing");
    expect_invalid("mongodb:///db", "host missing");
    memset(longer, 'a', sizeof(longer) - 1);
    memcpy(longer, "redis://", 8);
    longer[sizeof(longer) - 1] = '\0';
    expect_invalid(longer, "longer than");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite),
        cmocka_unit_test(test_redis),
        cmocka_unit_test(test_redis_user),
        cmocka_unit_test(test_mongodb_passthrough),
        cmocka_unit_test(test_malformed),
    };

    return cmocka_run_group_tests_name("store URI parser", tests, NULL, NULL);
}
