// tests/origin/cluster/takeover_test.cc — the takeover decision with every
// answer an owner can give and every way of failing to give one, and the
// parsers that turn its bytes into an answer.
#include "cluster/takeover.h"

#include <gtest/gtest.h>

namespace fanout::cluster {
namespace {

using K = OwnerAnswer::Kind;
const StreamKey kKey{"LiveApp", "cam"};

OwnerAnswer of(K kind, std::string session = {})
{
    return OwnerAnswer{kind, std::move(session), ""};
}

TEST(DecideTakeover, EveryAnswer)
{
    // live with the store's session: a duplicate publisher
    EXPECT_EQ(decide_takeover(of(K::Live, "s1"), "s1"),
              Takeover::RefuseDuplicate);
    // live with another session: the store's claim is stale there
    EXPECT_EQ(decide_takeover(of(K::Live, "s2"), "s1"), Takeover::TakeOver);
    // not live (also: it never heard of the stream)
    EXPECT_EQ(decide_takeover(of(K::NotLive), "s1"), Takeover::TakeOver);
    // refused, reset, timed out
    EXPECT_EQ(decide_takeover(of(K::Unreachable), "s1"), Takeover::TakeOver);
    // keys differ, or an answer we cannot read: never on such a cluster
    EXPECT_EQ(decide_takeover(of(K::Unauthorized), "s1"),
              Takeover::RefuseUntrusted);
    EXPECT_EQ(decide_takeover(of(K::Malformed), "s1"),
              Takeover::RefuseUntrusted);
}

TEST(ParseOwnerAnswer, LiveAndNotLive)
{
    OwnerAnswer a = parse_owner_answer(
        200,
        R"({"app":"LiveApp","streamId":"cam","live":true,"sessionId":"s1"})",
        kKey);
    EXPECT_EQ(a.kind, K::Live);
    EXPECT_EQ(a.session, "s1");
    a = parse_owner_answer(
        200,
        R"({"app":"LiveApp","streamId":"cam","live":false,"sessionId":""})",
        kKey);
    EXPECT_EQ(a.kind, K::NotLive);
}

TEST(ParseOwnerAnswer, StatusesThatAreNotAnAnswer)
{
    EXPECT_EQ(parse_owner_answer(401, "{}", kKey).kind, K::Unauthorized);
    EXPECT_EQ(parse_owner_answer(403, "", kKey).kind, K::Unauthorized);
    // An origin without the endpoint (an older version), or in trouble.
    EXPECT_EQ(parse_owner_answer(404, "{}", kKey).kind, K::Malformed);
    EXPECT_EQ(parse_owner_answer(500, "{}", kKey).kind, K::Malformed);
    EXPECT_EQ(parse_owner_answer(503, "{}", kKey).kind, K::Malformed);
    EXPECT_EQ(parse_owner_answer(302, "", kKey).kind, K::Malformed);
}

TEST(ParseOwnerAnswer, MalformedBodies)
{
    const char* bodies[] = {
        "",
        "not json",
        "[]",
        R"({"live":true})",
        R"({"app":"LiveApp","streamId":"cam","live":"yes","sessionId":"s"})",
        R"({"app":"LiveApp","streamId":"cam","live":true,"sessionId":7})",
        R"({"app":"LiveApp","streamId":"cam","live":true,"sessionId":""})",
        R"({"app":"LiveApp","streamId":"other","live":false,"sessionId":""})",
        R"({"app":"Other","streamId":"cam","live":false,"sessionId":""})",
        R"({"app":"LiveApp","streamId":"cam","live":false)",
    };
    for (const char* b : bodies) {
        EXPECT_EQ(parse_owner_answer(200, b, kKey).kind, K::Malformed) << b;
    }
}

TEST(SplitHttpResponse, WholeAnswers)
{
    int status = 0;
    std::string body;
    ASSERT_TRUE(split_http_response(
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", &status, &body));
    EXPECT_EQ(status, 200);
    EXPECT_EQ(body, "{}");
    ASSERT_TRUE(split_http_response("HTTP/1.0 401 Unauthorized\r\n\r\nno",
                                    &status, &body));
    EXPECT_EQ(status, 401);
    EXPECT_EQ(body, "no");
    ASSERT_TRUE(split_http_response(
        "HTTP/1.1 200 OK\r\ncontent-length:  0 \r\n\r\n", &status, &body));
    EXPECT_EQ(body, "");
}

TEST(SplitHttpResponse, NotAnswers)
{
    int status = 0;
    std::string body;
    const char* bad[] = {
        "",
        "HTTP/1.1 200",
        "HTTP/2 200 OK\r\n\r\n",
        "SSH-2.0-OpenSSH\r\n\r\n",
        "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{}",  // truncated
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n{}",  // too long
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nServer: x\r\n",  // headers never end
        "HTTP/1.1 099 Low\r\n\r\n",
    };
    for (const char* b : bad) {
        EXPECT_FALSE(split_http_response(b, &status, &body)) << b;
    }
}

}  // namespace
}  // namespace fanout::cluster
