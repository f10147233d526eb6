// The console's login calls and the REST gate's session path over real
// TCP, against a real SQLite store: first-run setup, authenticate, the
// cookie standing in for the JWT only with X-Fanout-Console, logout
// voiding it, Secure behind an HTTPS proxy, and the failed-login limit.
#include "server_harness.h"

namespace fanout::http::testing {
namespace {

const std::string kJson = "Content-Type: application/json\r\n";
const std::string kConsole = "X-Fanout-Console: 1\r\n";
const std::string kCreds =
    R"({"email":"admin@example.com","password":"correct horse"})";

Harness harness()
{
    return Harness({}, nullptr, 0, [](Config& c) {
        c.jwt_enabled = true;
        c.jwt_secret = "jwt-secret-0123456789abcdef0123456789";
        c.cluster_key = "cluster-key-0123456789abcdef0123456789";
        c.trusted_proxies = {parse_cidr("127.0.0.1/32").value()};
        c.console_login_max_failures = 2;
        c.console_login_window_s = 3600;
        c.console_session_s = 600;
    });
}

// "fanout_session=<value>" out of a Set-Cookie.
std::string cookie_of(const Reply& r)
{
    std::string v = r.header("set-cookie");
    return v.substr(0, v.find(';'));
}

TEST(ConsoleAuth, FirstRunCreatesOneAdmin)
{
    Harness h = harness();
    Client c(h.port);
    EXPECT_EQ(c.call("GET", "/rest/v2/first-login-status").json()["success"],
              true);
    Reply weak = c.call("POST", "/rest/v2/users/initial",
                        R"({"email":"a@b.c","password":"short"})", kJson);
    EXPECT_EQ(weak.status, 400);
    Reply made = c.call("POST", "/rest/v2/users/initial", kCreds, kJson);
    EXPECT_EQ(made.status, 200) << made.body;
    Reply again =
        c.call("POST", "/rest/v2/users/initial",
               R"({"email":"b@b.c","password":"another one"})", kJson);
    EXPECT_EQ(again.status, 403);
    EXPECT_EQ(c.call("GET", "/rest/v2/first-login-status").json()["success"],
              false);
    int64_t n = 0;
    ASSERT_EQ(fo_user_count(h.store, &n, nullptr), FO_OK);
    EXPECT_EQ(n, 1);
    fo_user u{};
    ASSERT_EQ(fo_user_get(h.store, "admin@example.com", &u, nullptr), FO_OK);
    EXPECT_EQ(std::string(u.password_hash).rfind("$argon2id$", 0), 0u);
    EXPECT_EQ(std::string(u.password_hash).find("correct"), std::string::npos);
}

TEST(ConsoleAuth, SessionStandsInForTheJwtWithTheConsoleHeader)
{
    Harness h = harness();
    Client c(h.port);
    ASSERT_EQ(c.call("POST", "/rest/v2/users/initial", kCreds, kJson).status,
              200);
    Reply in = c.call("POST", "/rest/v2/users/authenticate", kCreds, kJson);
    ASSERT_EQ(in.status, 200) << in.body;
    const std::string set = in.header("set-cookie");
    EXPECT_NE(set.find("HttpOnly"), std::string::npos);
    EXPECT_NE(set.find("SameSite=Strict"), std::string::npos);
    EXPECT_NE(set.find("Max-Age=600"), std::string::npos);
    EXPECT_EQ(set.find("Secure"), std::string::npos);
    const std::string cookie = "Cookie: " + cookie_of(in) + "\r\n";

    EXPECT_EQ(
        c.call("GET", "/rest/v2/applications", "", cookie + kConsole).status,
        200);
    EXPECT_EQ(c.call("GET", "/LiveApp/rest/v2/broadcasts/count", "",
                     cookie + kConsole)
                  .status,
              200);
    EXPECT_EQ(c.call("GET", "/rest/v2/applications", "", cookie).status, 403);
    EXPECT_EQ(c.call("GET", "/rest/v2/applications").status, 401);
    // A bad JWT is judged as a JWT, whatever cookie comes with it.
    EXPECT_EQ(c.call("GET", "/rest/v2/applications", "",
                     cookie + kConsole + "Authorization: Bearer x.y.z\r\n")
                  .status,
              403);
    EXPECT_EQ(c.call("GET", "/rest/v2/authentication-status", "", cookie)
                  .json()["success"],
              true);

    Reply out = c.call("POST", "/rest/v2/users/logout", "{}",
                       kJson + cookie + kConsole);
    EXPECT_EQ(out.status, 200);
    EXPECT_NE(out.header("set-cookie").find("Max-Age=0"), std::string::npos);
    EXPECT_EQ(
        c.call("GET", "/rest/v2/applications", "", cookie + kConsole).status,
        401);
    EXPECT_EQ(c.call("GET", "/rest/v2/authentication-status", "", cookie)
                  .json()["success"],
              false);
}

TEST(ConsoleAuth, SecureBehindAnHttpsProxy)
{
    Harness h = harness();
    Client c(h.port);
    ASSERT_EQ(c.call("POST", "/rest/v2/users/initial", kCreds, kJson).status,
              200);
    Reply in = c.call("POST", "/rest/v2/users/authenticate", kCreds,
                      kJson + "X-Forwarded-Proto: https\r\n");
    ASSERT_EQ(in.status, 200);
    EXPECT_NE(in.header("set-cookie").find("; Secure"), std::string::npos);
}

TEST(ConsoleAuth, FailedLoginsAreLimited)
{
    Harness h = harness();
    Client c(h.port);
    ASSERT_EQ(c.call("POST", "/rest/v2/users/initial", kCreds, kJson).status,
              200);
    const std::string wrong =
        R"({"email":"admin@example.com","password":"wrong one"})";
    Reply w = c.call("POST", "/rest/v2/users/authenticate", wrong, kJson);
    EXPECT_EQ(w.status, 401);
    EXPECT_EQ(w.json()["message"], "wrong email or password");
    // An unknown email fails the same way, and counts for the address.
    Reply u = c.call("POST", "/rest/v2/users/authenticate",
                     R"({"email":"nobody@example.com","password":"x"})", kJson);
    EXPECT_EQ(u.status, 401);
    EXPECT_EQ(u.json()["message"], "wrong email or password");
    Reply limited =
        c.call("POST", "/rest/v2/users/authenticate", kCreds, kJson);
    EXPECT_EQ(limited.status, 429);
    EXPECT_FALSE(limited.header("retry-after").empty());
    EXPECT_TRUE(limited.header("set-cookie").empty());
}

}  // namespace
}  // namespace fanout::http::testing
