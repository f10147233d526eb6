// The time endpoint (/{app}/streams/time) that live MPDs' UTCTiming points
// at: serve_time with a given clock, then through the real server.
#include "http/time_endpoint.h"

#include <chrono>
#include <regex>

#include "server_harness.h"

namespace fanout::http::testing {
namespace {

std::string header(const Response& r, const std::string& name)
{
    for (const auto& [k, v] : r.headers)
        if (k == name) return v;
    return "";
}

Request request(Method m)
{
    Request req;
    req.method = m;
    req.path = "/LiveApp/streams/time";
    return req;
}

TEST(TimeEndpoint, AnswersIso8601WithMilliseconds)
{
    // 2026-12-06T03:45:01.123Z
    Response r = serve_time(request(Method::Get), 1796528701123);
    EXPECT_EQ(r.status, 200);
    ASSERT_TRUE(r.body);
    EXPECT_EQ(r.body->str(), "2026-12-06T03:45:01.123Z");
    EXPECT_EQ(header(r, "Content-Type"), "text/plain");
    EXPECT_EQ(header(r, "Cache-Control"), "no-store");
    EXPECT_EQ(header(r, "Access-Control-Allow-Origin"), "*");
    EXPECT_EQ(serve_time(request(Method::Get), 5).body->str(),
              "1970-01-01T00:00:00.005Z");
}

TEST(TimeEndpoint, OptionsAndOtherMethods)
{
    Response pre = serve_time(request(Method::Options), 0);
    EXPECT_EQ(pre.status, 204);
    EXPECT_EQ(header(pre, "Access-Control-Allow-Origin"), "*");
    EXPECT_EQ(header(pre, "Access-Control-Allow-Methods"),
              "GET, HEAD, OPTIONS");
    Response post = serve_time(request(Method::Post), 0);
    EXPECT_EQ(post.status, 405);
    EXPECT_EQ(header(post, "Access-Control-Allow-Origin"), "*");
    EXPECT_EQ(header(post, "Cache-Control"), "no-store");
}

int64_t wall_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// What dash.js does with it: Date.parse of the body, between the moments
// before the request and after the answer.
int64_t parse_iso(const std::string& s)
{
    std::smatch m;
    std::regex re(
        "^(\\d{4})-(\\d\\d)-(\\d\\d)T(\\d\\d):(\\d\\d):(\\d\\d)\\.(\\d{3})Z$");
    if (!std::regex_match(s, m, re)) return -1;
    std::tm tm{};
    tm.tm_year = std::stoi(m[1]) - 1900;
    tm.tm_mon = std::stoi(m[2]) - 1;
    tm.tm_mday = std::stoi(m[3]);
    tm.tm_hour = std::stoi(m[4]);
    tm.tm_min = std::stoi(m[5]);
    tm.tm_sec = std::stoi(m[6]);
    return static_cast<int64_t>(timegm(&tm)) * 1000 + std::stoi(m[7]);
}

TEST(TimeEndpoint, ServedUnderEveryKnownApp)
{
    Harness h;
    Client c(h.port);
    const int64_t before = wall_ms();
    Reply r = c.call("GET", "/LiveApp/streams/time");
    const int64_t after = wall_ms();
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.header("content-type"), "text/plain");
    EXPECT_EQ(r.header("cache-control"), "no-store");
    EXPECT_EQ(r.header("access-control-allow-origin"), "*");
    int64_t t = parse_iso(r.body);
    EXPECT_GE(t, before) << r.body;
    EXPECT_LE(t, after) << r.body;

    Reply head = c.call("HEAD", "/LiveApp/streams/time");
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.body, "");
    EXPECT_EQ(head.header("content-length"), "24");
    EXPECT_EQ(head.header("access-control-allow-origin"), "*");

    // Not a stream's resource: a stream named "time" has time.m3u8 and
    // time/...; an unknown app has no time either.
    EXPECT_EQ(c.call("GET", "/Unknown/streams/time").status, 404);
    EXPECT_EQ(c.call("GET", "/LiveApp/streams/time/x").status, 404);
}

}  // namespace
}  // namespace fanout::http::testing
