// Unit tests of http/request_parser: byte vectors in, results out.
#include "http/request_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace fanout::http {
namespace {

ParseLimits limits()
{
    return ParseLimits{};
}

// By value: callers often pass a temporary ParseResult.
Parsed parsed(const ParseResult& r)
{
    if (auto* p = std::get_if<Parsed>(&r)) {
        return *p;
    }
    ADD_FAILURE() << "expected Parsed";
    return Parsed{};
}

ParseError error(const ParseResult& r)
{
    if (auto* e = std::get_if<ParseError>(&r)) {
        return *e;
    }
    ADD_FAILURE() << "expected a ParseError";
    return ParseError{0, "", 0, false};
}

bool need_more(const ParseResult& r)
{
    return std::holds_alternative<NeedMoreData>(r);
}

TEST(RequestParser, ParsesRequestLineHeadersAndQuery)
{
    std::string in =
        "GET "
        "/LiveApp/rest/v2/broadcasts/list/0/"
        "10?sort_by=name&search=a%20b+c&flag HTTP/1.1\r\n"
        "Host: example\r\n"
        "X-Mixed-CASE:   value with  spaces \t\r\n"
        "\r\n";
    auto r = parse_request(in, limits());
    const Parsed& p = parsed(r);
    EXPECT_EQ(p.consumed, in.size());
    EXPECT_EQ(p.request.method, Method::Get);
    EXPECT_EQ(p.request.path, "/LiveApp/rest/v2/broadcasts/list/0/10");
    EXPECT_EQ(p.request.version_minor, 1);
    EXPECT_TRUE(p.request.keep_alive);
    ASSERT_NE(p.request.header("x-mixed-case"), nullptr);
    EXPECT_EQ(*p.request.header("x-mixed-case"), "value with  spaces");
    EXPECT_EQ(p.request.header("X-Mixed-CASE"), nullptr);  // names stored lower
    ASSERT_EQ(p.request.query.size(), 3u);
    EXPECT_EQ(*p.request.query_param("sort_by"), "name");
    EXPECT_EQ(*p.request.query_param("search"), "a b c");
    EXPECT_EQ(*p.request.query_param("flag"), "");
    EXPECT_TRUE(p.request.body.empty());
}

TEST(RequestParser, BodyByContentLength)
{
    std::string in =
        "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET";
    const Parsed& p = parsed(parse_request(in, limits()));
    EXPECT_EQ(p.request.method, Method::Post);
    EXPECT_EQ(p.request.body, "hello");
    EXPECT_EQ(p.consumed, in.size() - 3);
}

TEST(RequestParser, EveryTruncationNeedsMoreData)
{
    std::string in =
        "PUT /LiveApp/rest/v2/broadcasts/s1 HTTP/1.1\r\n"
        "Host: h\r\nContent-Type: application/json\r\n"
        "Content-Length: 16\r\n\r\n{\"name\":\"hello\"}";
    for (size_t n = 0; n < in.size(); n++) {
        auto r = parse_request(std::string_view(in).substr(0, n), limits());
        EXPECT_TRUE(need_more(r)) << "prefix of " << n << " bytes";
    }
    EXPECT_EQ(parsed(parse_request(in, limits())).request.body,
              "{\"name\":\"hello\"}");
}

TEST(RequestParser, NeedMoreDataTellsTheTotalOnceHeadersAreIn)
{
    std::string head =
        "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n";
    auto r = parse_request(head + "abc", limits());
    ASSERT_TRUE(need_more(r));
    EXPECT_EQ(std::get<NeedMoreData>(r).total_needed, head.size() + 10);
    EXPECT_FALSE(std::get<NeedMoreData>(r).expect_continue);
    auto partial = parse_request("POST /x HTTP/1.1\r\nHost:", limits());
    EXPECT_EQ(std::get<NeedMoreData>(partial).total_needed, 0u);
}

TEST(RequestParser, ExpectContinue)
{
    std::string in =
        "POST /x HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\n"
        "Content-Length: 3\r\n\r\n";
    auto r = parse_request(in, limits());
    ASSERT_TRUE(need_more(r));
    EXPECT_TRUE(std::get<NeedMoreData>(r).expect_continue);
    EXPECT_EQ(parsed(parse_request(in + "abc", limits())).request.body, "abc");

    auto bad = error(parse_request(
        "GET / HTTP/1.1\r\nHost: h\r\nExpect: something\r\n\r\n", limits()));
    EXPECT_EQ(bad.status, 417);
    EXPECT_GT(bad.consumed, 0u);
}

TEST(RequestParser, BareLineFeedsAndLeadingEmptyLines)
{
    std::string in = "\r\n\nGET /a HTTP/1.1\nHost: h\n\n";
    const Parsed& p = parsed(parse_request(in, limits()));
    EXPECT_EQ(p.request.path, "/a");
    EXPECT_EQ(p.consumed, in.size());
}

TEST(RequestParser, PipelinedRequestsOneAtATime)
{
    std::string a = "GET /one HTTP/1.1\r\nHost: h\r\n\r\n";
    std::string b = "HEAD /two HTTP/1.1\r\nHost: h\r\n\r\n";
    std::string c =
        "POST /three HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nok";
    std::string all = a + b + c + "GET /fo";
    std::string_view rest = all;
    std::vector<std::string> paths;
    for (;;) {
        auto r = parse_request(rest, limits());
        if (!std::holds_alternative<Parsed>(r)) {
            EXPECT_TRUE(need_more(r));
            break;
        }
        paths.push_back(std::get<Parsed>(r).request.path);
        rest.remove_prefix(std::get<Parsed>(r).consumed);
    }
    EXPECT_EQ(paths, (std::vector<std::string>{"/one", "/two", "/three"}));
    EXPECT_EQ(rest, "GET /fo");
}

TEST(RequestParser, KeepAliveRules)
{
    auto ka = [](const std::string& in) {
        return parsed(parse_request(in, limits())).request.keep_alive;
    };
    EXPECT_TRUE(ka("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
    EXPECT_FALSE(ka("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
    EXPECT_FALSE(
        ka("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, CLOSE\r\n\r\n"));
    EXPECT_FALSE(ka("GET / HTTP/1.0\r\n\r\n"));
    EXPECT_TRUE(ka("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
}

TEST(RequestParser, RequestLineLimit)
{
    ParseLimits l = limits();
    // "GET " + target + " HTTP/1.1\r\n" is exactly the limit: accepted.
    std::string target = "/" + std::string(l.max_request_line - 16, 'a');
    std::string line = "GET " + target + " HTTP/1.1\r\n";
    ASSERT_EQ(line.size(), l.max_request_line);
    EXPECT_TRUE(std::holds_alternative<Parsed>(
        parse_request(line + "Host: h\r\n\r\n", l)));
    std::string longer = "GET " + target + "a HTTP/1.1\r\nHost: h\r\n\r\n";
    EXPECT_EQ(error(parse_request(longer, l)).status, 414);
    // No line end yet but already over the limit: no need to wait.
    std::string endless = "GET /" + std::string(l.max_request_line, 'a');
    auto e = error(parse_request(endless, l));
    EXPECT_EQ(e.status, 414);
    EXPECT_EQ(e.consumed, 0u);
    // Endless empty lines count too.
    EXPECT_EQ(error(parse_request(std::string(l.max_request_line + 2, '\n'), l))
                  .status,
              414);
}

TEST(RequestParser, HeaderBytesLimit)
{
    ParseLimits l = limits();
    std::string start = "GET / HTTP/1.1\r\n";
    std::string host = "Host: h\r\n";
    // Header block (without the final empty line) of exactly the limit.
    size_t filler =
        l.max_header_bytes - host.size() - 2 - std::string("X: \r\n").size();
    std::string ok =
        start + host + "X: " + std::string(filler, 'v') + "\r\n\r\n";
    EXPECT_TRUE(std::holds_alternative<Parsed>(parse_request(ok, l)));
    std::string big =
        start + host + "X: " + std::string(filler + 1, 'v') + "\r\n\r\n";
    EXPECT_EQ(error(parse_request(big, l)).status, 431);
    // Still arriving but already too big.
    std::string arriving =
        start + "X: " + std::string(l.max_header_bytes + 1, 'v');
    EXPECT_EQ(error(parse_request(arriving, l)).status, 431);
}

TEST(RequestParser, HeaderCountLimit)
{
    ParseLimits l = limits();
    std::string in = "GET / HTTP/1.1\r\nHost: h\r\n";
    for (size_t i = 1; i < l.max_headers; i++) {
        in += "X-" + std::to_string(i) + ": v\r\n";
    }
    EXPECT_TRUE(std::holds_alternative<Parsed>(parse_request(in + "\r\n", l)));
    auto e = error(parse_request(in + "X-last: v\r\n\r\n", l));
    EXPECT_EQ(e.status, 431);
    EXPECT_EQ(e.consumed, 0u);
}

TEST(RequestParser, BodyLimit)
{
    ParseLimits l = limits();
    l.max_body = 100;
    auto req = [](size_t n) {
        return "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: "
               + std::to_string(n) + "\r\n\r\n" + std::string(n, 'b');
    };
    EXPECT_EQ(parsed(parse_request(req(100), l)).request.body.size(), 100u);
    // Refused on the headers alone, before the body arrives.
    auto e = error(parse_request(
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n", l));
    EXPECT_EQ(e.status, 413);
    EXPECT_EQ(e.consumed, 0u);
    EXPECT_EQ(
        error(parse_request("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: "
                            "99999999999999999999999\r\n\r\n",
                            l))
            .status,
        413);
}

TEST(RequestParser, FramingErrorsClose)
{
    struct Case {
        const char* in;
        int status;
    };
    const Case cases[] = {
        {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
         411},
        {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, "
         "Chunked\r\n\r\n",
         411},
        {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 411},
        {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 12a\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: "
         "2\r\n\r\nab",
         400},
        {"GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\n: novalue\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: h\x01x\r\n\r\n", 400},
        {"GET / HTTP/2.0\r\n\r\n", 505},
        {"GET / HTTP/1.10\r\n\r\n", 400},
        {"GET / http/1.1\r\n\r\n", 400},
        {"GET /  HTTP/1.1\r\n\r\n", 400},
        {"GET /\r\n\r\n", 400},
        {" / HTTP/1.1\r\n\r\n", 400},
        {"G(T / HTTP/1.1\r\n\r\n", 400},
        {"GET /a\rb HTTP/1.1\r\n\r\n", 400},
        {"\rGET / HTTP/1.1\r\n\r\n", 400},
    };
    for (const auto& c : cases) {
        auto e = error(parse_request(c.in, limits()));
        EXPECT_EQ(e.status, c.status) << c.in;
        EXPECT_EQ(e.consumed, 0u) << c.in;
    }
}

TEST(RequestParser, EqualDuplicateContentLengthIsFine)
{
    std::string in =
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n"
        "content-length: 2\r\n\r\nab";
    EXPECT_EQ(parsed(parse_request(in, limits())).request.body, "ab");
}

TEST(RequestParser, SemanticErrorsResync)
{
    struct Case {
        std::string in;
        int status;
    };
    const std::string tail = " HTTP/1.1\r\nHost: h\r\n\r\n";
    const Case cases[] = {
        {"GET /x HTTP/1.1\r\n\r\n", 400},  // no Host
        {"GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
        {"GET x" + tail, 400},
        {"GET ftp://h/x" + tail, 400},
        {"GET * " + tail.substr(1), 400},  // '*' only for OPTIONS
        {"GET /a#frag" + tail, 400},
        {"GET /a?x=%zz" + tail, 400},
        {"GET /a?x=%00" + tail, 400},
    };
    for (const auto& c : cases) {
        std::string in = c.in + "GET /next" + tail;
        auto e = error(parse_request(in, limits()));
        EXPECT_EQ(e.status, c.status) << c.in;
        EXPECT_EQ(e.consumed, c.in.size()) << c.in;
        EXPECT_TRUE(e.keep_alive) << c.in;
        auto next =
            parse_request(std::string_view(in).substr(e.consumed), limits());
        EXPECT_EQ(parsed(next).request.path, "/next");
    }
}

TEST(RequestParser, TraversalIsRejected)
{
    const char* targets[] = {
        "/..",
        "/../etc/passwd",
        "/LiveApp/streams/../../etc/passwd",
        "/LiveApp/streams/..",
        "/a/./b",
        "/a/%2e%2e/b",
        "/a/%2E%2e",
        "/a/.%2E/b",
        "/a/%2e/b",
        "/a/%2F..%2Fb",
        "/a%2fb",
        "/a%2Fb",
        "/a/%00",
        "/a%00b",
        "/a%0ab",
        "/a%7F",
        "/a%",
        "/a%2",
        "/a%g0",
        "/a%0g",
    };
    for (const char* t : targets) {
        std::string in =
            std::string("GET ") + t + " HTTP/1.1\r\nHost: h\r\n\r\n";
        auto e = error(parse_request(in, limits()));
        EXPECT_EQ(e.status, 400) << t;
        EXPECT_EQ(e.consumed, in.size()) << t;
    }
}

TEST(RequestParser, PathDecoding)
{
    std::string out;
    std::string why;
    EXPECT_TRUE(decode_path("/LiveApp/streams/s%201.m3u8", &out, &why));
    EXPECT_EQ(out, "/LiveApp/streams/s 1.m3u8");
    EXPECT_TRUE(decode_path("/a/..b/c../...", &out, &why));  // not dot segments
    EXPECT_EQ(out, "/a/..b/c../...");
    EXPECT_TRUE(decode_path("/%C3%A9", &out, &why));
    EXPECT_EQ(out, "/\xC3\xA9");
    EXPECT_TRUE(decode_path("/a//b/", &out, &why));
    EXPECT_FALSE(decode_path("a/b", &out, &why));
    EXPECT_FALSE(decode_path("", &out, &why));
    EXPECT_FALSE(decode_path("/a/../b", &out, &why));
    EXPECT_EQ(why, "dot segment in path");
    EXPECT_FALSE(decode_path("/a%2Fb", &out, &why));
    EXPECT_EQ(why, "encoded '/' in path");
}

TEST(RequestParser, QueryDecoding)
{
    std::vector<std::pair<std::string, std::string>> q;
    EXPECT_TRUE(parse_query("a=1&&b=x%26y+z&c=&=v&d", &q));
    ASSERT_EQ(q.size(), 5u);
    EXPECT_EQ(q[1], (std::pair<std::string, std::string>{"b", "x&y z"}));
    EXPECT_EQ(q[2], (std::pair<std::string, std::string>{"c", ""}));
    EXPECT_EQ(q[3], (std::pair<std::string, std::string>{"", "v"}));
    EXPECT_EQ(q[4], (std::pair<std::string, std::string>{"d", ""}));
    EXPECT_TRUE(parse_query("", &q));
    EXPECT_TRUE(q.empty());
    EXPECT_FALSE(parse_query("a=%", &q));
    EXPECT_FALSE(parse_query("a%00=1", &q));
}

TEST(RequestParser, TargetForms)
{
    const Parsed& abs = parsed(
        parse_request("GET http://origin:5080/LiveApp/streams/s.m3u8?x=1 "
                      "HTTP/1.1\r\nHost: origin\r\n\r\n",
                      limits()));
    EXPECT_EQ(abs.request.path, "/LiveApp/streams/s.m3u8");
    EXPECT_EQ(*abs.request.query_param("x"), "1");
    const Parsed& bare = parsed(parse_request(
        "GET HTTPS://origin HTTP/1.1\r\nHost: origin\r\n\r\n", limits()));
    EXPECT_EQ(bare.request.path, "/");
    const Parsed& star = parsed(
        parse_request("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", limits()));
    EXPECT_EQ(star.request.path, "*");
}

TEST(RequestParser, AllMethods)
{
    const std::pair<const char*, Method> known[] = {
        {"GET", Method::Get},       {"HEAD", Method::Head},
        {"POST", Method::Post},     {"PUT", Method::Put},
        {"DELETE", Method::Delete}, {"OPTIONS", Method::Options}};
    for (const auto& [name, m] : known) {
        std::string in = std::string(name) + " / HTTP/1.1\r\nHost: h\r\n\r\n";
        EXPECT_EQ(parsed(parse_request(in, limits())).request.method, m)
            << name;
        EXPECT_EQ(method_name(m), name);
    }
}

}  // namespace
}  // namespace fanout::http
