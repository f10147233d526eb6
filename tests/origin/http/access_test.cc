// tests/origin/http/access_test.cc — who the REST API sees: the allowlist,
// the real client behind trusted proxies (X-Forwarded-For, X-Real-IP),
// and the REST gate's answers (JWT 401/403, JSON content type, depth).
#include "http/access.h"

#include <gtest/gtest.h>

#include "core/jwt.h"
#include "http/rest_gate.h"

namespace fanout::http {
namespace {

using boost::asio::ip::make_address;

std::vector<Cidr> cidrs(std::initializer_list<const char*> list)
{
    std::vector<Cidr> out;
    for (const char* c : list) {
        out.push_back(parse_cidr(c).value());
    }
    return out;
}

std::string client(const std::vector<Cidr>& trusted, const char* peer,
                   std::string_view xff, std::string_view real_ip = "")
{
    auto a = client_address(trusted, make_address(peer), xff, real_ip);
    return a ? a->to_string() : "refused";
}

TEST(Access, PeerAllowed)
{
    EXPECT_TRUE(peer_allowed({}, make_address("127.0.21.9")));
    EXPECT_TRUE(peer_allowed({}, make_address("::1")));
    EXPECT_FALSE(peer_allowed({}, make_address("10.0.0.1")));
    auto lan = cidrs({"10.0.0.0/8"});
    EXPECT_TRUE(peer_allowed(lan, make_address("10.1.2.3")));
    EXPECT_TRUE(peer_allowed(lan, make_address("::ffff:10.1.2.3")));
    EXPECT_FALSE(peer_allowed(lan, make_address("127.0.0.1")));
    EXPECT_FALSE(peer_allowed(lan, make_address("fe80::1")));
}

TEST(Access, HeadersAreIgnoredFromUntrustedPeers)
{
    // No trusted proxies (the default): the peer, whatever it claims.
    EXPECT_EQ(client({}, "203.0.113.7", "127.0.0.1", "127.0.0.1"),
              "203.0.113.7");
    auto lb = cidrs({"127.0.21.1"});
    EXPECT_EQ(client(lb, "127.0.21.2", "10.0.0.1"), "127.0.21.2");
}

TEST(Access, RightMostUntrustedForwardedAddress)
{
    auto lbs = cidrs({"127.0.21.1", "10.9.0.0/16"});
    // The LB appended the address it saw: that one, not the client's own
    // words on its left.
    EXPECT_EQ(client(lbs, "127.0.21.1", "127.0.0.1, 198.51.100.4"),
              "198.51.100.4");
    // A chain of trusted proxies is walked through.
    EXPECT_EQ(client(lbs, "127.0.21.1", "198.51.100.4,10.9.1.1, 10.9.2.2"),
              "198.51.100.4");
    // Every hop trusted: the left-most.
    EXPECT_EQ(client(lbs, "127.0.21.1", "10.9.1.1, 127.0.21.1"), "10.9.1.1");
    EXPECT_EQ(client(lbs, "127.0.21.1", "[2001:db8::1]"), "2001:db8::1");
    EXPECT_EQ(client(lbs, "127.0.21.1", " 192.0.2.1 "), "192.0.2.1");
    // Garbage where it is read: refused, never the proxy's own address.
    EXPECT_EQ(client(lbs, "127.0.21.1", "192.0.2.1, unknown"), "refused");
    EXPECT_EQ(client(lbs, "127.0.21.1", "192.0.2.1,"), "refused");
    EXPECT_EQ(client(lbs, "127.0.21.1", "192.0.2.1:443"), "refused");
    // Garbage left of the client is never read.
    EXPECT_EQ(client(lbs, "127.0.21.1", "junk, 192.0.2.1"), "192.0.2.1");
}

TEST(Access, RealIpAndNoHeader)
{
    auto lb = cidrs({"127.0.21.1"});
    EXPECT_EQ(client(lb, "127.0.21.1", "", "192.0.2.9"), "192.0.2.9");
    EXPECT_EQ(client(lb, "127.0.21.1", "192.0.2.8", "192.0.2.9"),
              "192.0.2.8");  // X-Forwarded-For first
    EXPECT_EQ(client(lb, "127.0.21.1", "", "nope"), "refused");
    EXPECT_EQ(client(lb, "127.0.21.1", ""), "127.0.21.1");
    EXPECT_EQ(client(lb, "::ffff:127.0.21.1", "192.0.2.7"), "192.0.2.7");
}

const std::string kKey = "0123456789abcdef0123456789abcdef";
constexpr int64_t kNow = 1700000000;

Request rest(Method m, std::vector<Header> headers, std::string body = "")
{
    Request r;
    r.method = m;
    r.path = "/rest/v2/version";
    r.headers = std::move(headers);
    r.body = std::move(body);
    return r;
}

int status(const std::optional<Response>& r)
{
    return r ? r->status : 0;
}

TEST(RestGate, AllowlistAndJwtMustBothPass)
{
    Config c;
    c.rest_allowed = cidrs({"127.0.0.0/8"});
    c.trusted_proxies = cidrs({"127.0.21.1"});
    c.jwt_enabled = true;
    c.jwt_secret = kKey;
    const Peer lb{make_address("127.0.21.1"), 1};
    const std::string good = jwt::sign(kKey, {{"exp", kNow + 60}});
    auto check = [&](std::vector<Header> h, const Peer& p) {
        return status(rest_caller_refusal(c, rest(Method::Get, std::move(h)), p,
                                          true, kNow));
    };
    EXPECT_EQ(check({{"authorization", good}}, lb), 0);
    EXPECT_EQ(check({{"authorization", "Bearer " + good}}, lb), 0);
    EXPECT_EQ(check({{"authorization", "bearer  " + good}}, lb), 0);
    EXPECT_EQ(check({}, lb), 401);
    EXPECT_EQ(check({{"authorization", "Bearer "}}, lb), 401);
    EXPECT_EQ(check({{"authorization", good + "x"}}, lb), 403);
    EXPECT_EQ(check({{"authorization", jwt::sign("another-key-0123456789abcdef",
                                                 nlohmann::json::object())}},
                    lb),
              403);
    EXPECT_EQ(
        check({{"authorization", jwt::sign(kKey, {{"exp", kNow - 60}})}}, lb),
        403);
    // A good token from outside the allowlist: still 403.
    EXPECT_EQ(
        check({{"authorization", good}, {"x-forwarded-for", "192.0.2.1"}}, lb),
        403);
    // Without JWT on, the allowlist alone decides.
    c.jwt_enabled = false;
    EXPECT_EQ(check({}, lb), 0);
    // /metrics (jwt=false) never asks for a token.
    c.jwt_enabled = true;
    EXPECT_EQ(
        status(rest_caller_refusal(c, rest(Method::Get, {}), lb, false, kNow)),
        0);
}

TEST(RestGate, RefusalsAreJsonAndNeverQuoteTheToken)
{
    Config c;
    c.rest_allowed = cidrs({"127.0.0.0/8"});
    c.jwt_enabled = true;
    c.jwt_secret = kKey;
    const Peer local{make_address("127.0.0.1"), 1};
    const std::string forged = jwt::sign("forged-key-0123456789abcdef012", {});
    auto r = rest_caller_refusal(
        c, rest(Method::Get, {{"authorization", forged}}), local, true, kNow);
    ASSERT_TRUE(r);
    std::string body;
    r->body->for_each(0, r->body->size(), [&](const uint8_t* d, size_t n) {
        body.append(reinterpret_cast<const char*>(d), n);
    });
    auto j = nlohmann::json::parse(body);
    EXPECT_EQ(j["success"], false);
    EXPECT_EQ(j["message"], "Authorization: bad signature");
    EXPECT_EQ(body.find(forged.substr(0, 20)), std::string::npos);
    EXPECT_EQ(body.find(kKey), std::string::npos);
}

TEST(RestGate, MutationsMustBeJsonAndShallow)
{
    auto body_status = [](Method m, std::vector<Header> h, std::string b) {
        return status(rest_body_refusal(rest(m, std::move(h), std::move(b))));
    };
    const Header json_ct{"content-type", "application/json"};
    EXPECT_EQ(body_status(Method::Get, {}, ""), 0);
    EXPECT_EQ(body_status(Method::Delete, {}, ""), 0);
    EXPECT_EQ(body_status(Method::Post, {json_ct}, "{}"), 0);
    EXPECT_EQ(body_status(Method::Put,
                          {{"content-type", "Application/JSON; charset=utf-8"}},
                          "{}"),
              0);
    EXPECT_EQ(body_status(Method::Post, {}, ""), 415);  // even empty
    EXPECT_EQ(body_status(Method::Post, {{"content-type", "text/plain"}}, "{}"),
              415);
    EXPECT_EQ(
        body_status(Method::Put,
                    {{"content-type", "application/x-www-form-urlencoded"}},
                    "a=b"),
        415);
    EXPECT_EQ(body_status(Method::Delete, {}, "{}"), 415);
    EXPECT_EQ(body_status(Method::Post, {{"content-type", "application/jsonx"}},
                          "{}"),
              415);
    std::string deep = std::string(33, '[') + std::string(33, ']');
    EXPECT_EQ(body_status(Method::Post, {json_ct}, deep), 400);
    std::string ok = std::string(32, '[') + std::string(32, ']');
    EXPECT_EQ(body_status(Method::Post, {json_ct}, ok), 0);
}

}  // namespace
}  // namespace fanout::http
