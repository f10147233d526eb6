// The console's session cookie (http/console_session.h) and the failed
// login limiter (http/login_limiter.h), with a clock passed in.
#include "http/console_session.h"

#include <gtest/gtest.h>

#include "core/jwt.h"
#include "http/login_limiter.h"

namespace fanout::http {
namespace {

const std::string kKey = session_key("cluster-key-0123456789abcdef");

ConsoleSession session()
{
    return ConsoleSession{"admin@example.com", 1000, 61000};
}

TEST(ConsoleSession, SignedValueVerifiesUntilItExpires)
{
    std::string v = sign_session(kKey, session());
    auto s = verify_session(kKey, v, 1000);
    ASSERT_TRUE(s) << s.error().message();
    EXPECT_EQ(s->email, "admin@example.com");
    EXPECT_EQ(s->issued_ms, 1000);
    EXPECT_EQ(s->expires_ms, 61000);
    EXPECT_TRUE(verify_session(kKey, v, 60999));
    auto late = verify_session(kKey, v, 61000);
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error().message(), "session expired");
}

TEST(ConsoleSession, KeyIsDerivedAndNotTheClusterKey)
{
    EXPECT_EQ(kKey.size(), 32u);
    EXPECT_NE(kKey, "cluster-key-0123456789abcdef");
    EXPECT_EQ(kKey, session_key("cluster-key-0123456789abcdef"));
    EXPECT_NE(kKey, session_key("another-cluster-key-0123456789"));
}

TEST(ConsoleSession, AnyChangeOrOtherKeyIsRefused)
{
    std::string v = sign_session(kKey, session());
    EXPECT_FALSE(verify_session(session_key("other"), v, 1000));
    EXPECT_FALSE(verify_session("", v, 1000));
    // A longer expiry, another user: the MAC no longer matches.
    ConsoleSession longer = session();
    longer.expires_ms = 999999999;
    std::string forged = sign_session(kKey, longer);
    std::string spliced =
        forged.substr(0, forged.rfind('.')) + v.substr(v.rfind('.'));
    auto r = verify_session(kKey, spliced, 1000);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message(), "bad session signature");
    for (size_t i = 0; i < v.size(); i++) {
        std::string bad = v;
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        EXPECT_FALSE(verify_session(kKey, bad, 1000)) << i;
    }
    EXPECT_FALSE(verify_session(kKey, "", 1000));
    EXPECT_FALSE(verify_session(kKey, "a.b.c", 1000));
    EXPECT_FALSE(verify_session(kKey, v + ".x", 1000));
    EXPECT_FALSE(verify_session(kKey, std::string(2000, 'a'), 1000));
}

TEST(ConsoleSession, MessagesNeverRepeatTheValue)
{
    auto r = verify_session(kKey, "secretvalue.1.2.abc", 0);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message().find("secret"), std::string::npos);
}

Request with_headers(std::vector<Header> h)
{
    Request req;
    req.method = Method::Get;
    req.path = "/rest/v2/applications";
    req.headers = std::move(h);
    return req;
}

TEST(ConsoleSession, CookieIsFoundAmongOthers)
{
    Request req = with_headers(
        {{"cookie", "a=1; fanout_session=v.1.2.m ;b=2"}, {"cookie", "c=3"}});
    EXPECT_EQ(cookie_value(req, kSessionCookie).value_or(""), "v.1.2.m");
    EXPECT_EQ(cookie_value(req, "c").value_or(""), "3");
    EXPECT_FALSE(cookie_value(req, "fanout"));
    EXPECT_FALSE(cookie_value(with_headers({}), kSessionCookie));
}

TEST(ConsoleSession, SetCookieAttributes)
{
    EXPECT_EQ(session_set_cookie("v", 3600, false),
              "fanout_session=v; Path=/; Max-Age=3600; HttpOnly; "
              "SameSite=Strict");
    EXPECT_EQ(session_set_cookie("v", 60, true),
              "fanout_session=v; Path=/; Max-Age=60; HttpOnly; "
              "SameSite=Strict; Secure");
    EXPECT_EQ(session_clear_cookie(false),
              "fanout_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
}

TEST(ConsoleSession, HttpsOnlyFromATrustedProxy)
{
    Config config;
    config.trusted_proxies = {parse_cidr("127.0.0.9/32").value()};
    Request req = with_headers({{"x-forwarded-proto", "https"}});
    Peer lb{boost::asio::ip::make_address("127.0.0.9"), 1};
    Peer stranger{boost::asio::ip::make_address("127.0.0.10"), 1};
    EXPECT_TRUE(came_over_https(config, req, lb));
    EXPECT_FALSE(came_over_https(config, req, stranger));
    EXPECT_FALSE(came_over_https(config, with_headers({}), lb));
    EXPECT_FALSE(came_over_https(
        config, with_headers({{"x-forwarded-proto", "http"}}), lb));
}

TEST(ConsoleSession, ConsoleHeaderMustSayOne)
{
    EXPECT_TRUE(has_console_header(with_headers({{"x-fanout-console", "1"}})));
    EXPECT_FALSE(has_console_header(with_headers({{"x-fanout-console", "0"}})));
    EXPECT_FALSE(has_console_header(with_headers({})));
}

TEST(LoginLimiter, TripsAtTheLimitAndOpensWhenTheWindowEnds)
{
    LoginLimiter lim(3, 1000, 16);
    EXPECT_EQ(lim.retry_after_ms("1.2.3.4", 0), 0);
    lim.failed("1.2.3.4", 0);
    lim.failed("1.2.3.4", 100);
    EXPECT_EQ(lim.retry_after_ms("1.2.3.4", 200), 0);
    lim.failed("1.2.3.4", 200);
    EXPECT_EQ(lim.retry_after_ms("1.2.3.4", 200), 800);
    EXPECT_EQ(lim.retry_after_ms("1.2.3.4", 999), 1);
    EXPECT_EQ(lim.retry_after_ms("other", 200), 0);
    EXPECT_EQ(lim.retry_after_ms("1.2.3.4", 1000), 0);
    // A failure after the window starts a new one.
    lim.failed("1.2.3.4", 1000);
    EXPECT_EQ(lim.retry_after_ms("1.2.3.4", 1000), 0);
}

TEST(LoginLimiter, SuccessClearsTheKey)
{
    LoginLimiter lim(2, 1000, 16);
    lim.failed("a@b.c", 0);
    lim.failed("a@b.c", 0);
    EXPECT_GT(lim.retry_after_ms("a@b.c", 10), 0);
    lim.succeeded("a@b.c");
    EXPECT_EQ(lim.retry_after_ms("a@b.c", 10), 0);
}

TEST(LoginLimiter, TableStaysBounded)
{
    LoginLimiter lim(1, 1000, 4);
    for (int i = 0; i < 100; i++) {
        lim.failed("k" + std::to_string(i), i);
        EXPECT_LE(lim.size(), 4u);
    }
    // The newest keys are the ones kept.
    EXPECT_GT(lim.retry_after_ms("k99", 100), 0);
    EXPECT_EQ(lim.retry_after_ms("k0", 100), 0);
    // Expired windows go first.
    lim.failed("late", 5000);
    EXPECT_EQ(lim.size(), 1u);
}

}  // namespace
}  // namespace fanout::http
