// tests/load/http_response_test.cc — response framing over byte literals
// (load/src/http_response.h).
#include "http_response.h"

#include <gtest/gtest.h>

namespace fanout::load {
namespace {

ResponseParsed parsed(const ResponseResult& r)
{
    if (auto* e = std::get_if<Error>(&r)) ADD_FAILURE() << e->message();
    auto* p = std::get_if<ResponseParsed>(&r);
    return p ? *p : ResponseParsed{};
}

bool need_more(const ResponseResult& r)
{
    return std::holds_alternative<ResponseNeedMore>(r);
}

TEST(HttpResponse, ContentLengthAndKeepAlive)
{
    std::string in =
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nCache-Control: "
        "max-age=1\r\n\r\n"
        "helloHTTP/1.1 404";
    const ResponseParsed p = parsed(parse_response(in, {}));
    EXPECT_EQ(p.response.status, 200);
    EXPECT_EQ(p.response.body, "hello");
    EXPECT_TRUE(p.response.keep_alive);
    EXPECT_EQ(p.consumed, in.size() - 12);
    ASSERT_NE(p.response.header("cache-control"), nullptr);
    EXPECT_EQ(*p.response.header("cache-control"), "max-age=1");
}

TEST(HttpResponse, NeedsMoreUntilWhole)
{
    std::string in = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    for (size_t n = 0; n < in.size(); n++)
        EXPECT_TRUE(need_more(parse_response(in.substr(0, n), {}))) << n;
}

TEST(HttpResponse, Chunked)
{
    std::string in =
        "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n"
        "5;ext=1\r\nhello\r\n1\r\n!\r\n0\r\nX-Trailer: 1\r\n\r\n";
    const ResponseParsed p = parsed(parse_response(in, {}));
    EXPECT_EQ(p.response.body, "hello!");
    EXPECT_EQ(p.consumed, in.size());
    for (size_t n = 0; n < in.size(); n++)
        EXPECT_TRUE(need_more(parse_response(in.substr(0, n), {}))) << n;
}

TEST(HttpResponse, ConnectionCloseAndHttp10)
{
    auto a = parsed(parse_response(
        "HTTP/1.1 503 Busy\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
        {}));
    EXPECT_EQ(a.response.status, 503);
    EXPECT_FALSE(a.response.keep_alive);
    auto b = parsed(
        parse_response("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", {}));
    EXPECT_FALSE(b.response.keep_alive);
    auto c =
        parsed(parse_response("HTTP/1.0 200 OK\r\nConnection: "
                              "Keep-Alive\r\nContent-Length: 0\r\n\r\n",
                              {}));
    EXPECT_TRUE(c.response.keep_alive);
}

TEST(HttpResponse, BodyUntilClose)
{
    std::string in = "HTTP/1.1 200 OK\r\n\r\nabc";
    EXPECT_TRUE(need_more(parse_response(in, {})));
    const ResponseParsed p = parsed(parse_response(in, {}, false, true));
    EXPECT_EQ(p.response.body, "abc");
    EXPECT_FALSE(p.response.keep_alive);
}

TEST(HttpResponse, NoBodyFor304And204AndHead)
{
    EXPECT_EQ(
        parsed(
            parse_response(
                "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", {}))
            .consumed,
        48u);
    EXPECT_EQ(
        parsed(parse_response("HTTP/1.1 204 No Content\r\n\r\n", {})).consumed,
        27u);
    EXPECT_EQ(
        parsed(parse_response("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n",
                              {}, true))
            .consumed,
        38u);
}

TEST(HttpResponse, SkipsInterim100)
{
    std::string in =
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: "
        "1\r\n\r\nx";
    const ResponseParsed p = parsed(parse_response(in, {}));
    EXPECT_EQ(p.response.status, 201);
    EXPECT_EQ(p.consumed, in.size());
}

TEST(HttpResponse, Errors)
{
    for (const char* bad : {
             "HTTP/2 200 OK\r\n\r\n",
             "HTTP/1.1 2000 OK\r\n\r\n",
             "HTTP/1.1 20x OK\r\n\r\n",
             "HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",
             "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
             "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
             "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
             "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
             "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
         }) {
        EXPECT_TRUE(std::holds_alternative<Error>(parse_response(bad, {})))
            << bad;
    }
    ResponseLimits small;
    small.max_body = 4;
    EXPECT_TRUE(std::holds_alternative<Error>(
        parse_response("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", small)));
    EXPECT_TRUE(std::holds_alternative<Error>(parse_response(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n", small)));
    small.max_header_bytes = 10;
    EXPECT_TRUE(std::holds_alternative<Error>(
        parse_response(std::string(20, 'H'), small)));
}

}  // namespace
}  // namespace fanout::load
