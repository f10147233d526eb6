// The HTTP server over real TCP: streams, ranges, HEAD, keep-alive,
// pipelining, bad input, limits, timeouts.
#include <functional>

#include "server_harness.h"

namespace fanout::http::testing {
namespace {

const char* kSeg = "/LiveApp/streams/s1/sess-1.m4s";

std::string segment_bytes()
{
    std::string s;
    for (int i = 0; i < 1000; i++) {
        s.push_back(char('a' + i % 26));
    }
    return s;
}

TEST(HttpServer, ServesStreamResourcesWithCors)
{
    Harness h;
    Client c(h.port);
    Reply r = c.call("GET", kSeg);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, segment_bytes());
    EXPECT_EQ(r.header("content-type"), "video/iso.segment");
    EXPECT_EQ(r.header("cache-control"), "max-age=3600");
    EXPECT_EQ(r.header("access-control-allow-origin"), "*");
    EXPECT_EQ(r.header("accept-ranges"), "bytes");
    EXPECT_EQ(r.header("content-length"), "1000");
    EXPECT_EQ(r.header("server"), "fanout");
    EXPECT_NE(r.header("date").find(" GMT"), std::string::npos);
    EXPECT_EQ(r.header("connection"), "keep-alive");

    Reply pl = c.call("GET", "/LiveApp/streams/s1.m3u8");
    EXPECT_EQ(pl.status, 200);
    EXPECT_EQ(pl.header("content-type"), "application/vnd.apple.mpegurl");
    EXPECT_EQ(pl.body.rfind("#EXTM3U", 0), 0u);
    EXPECT_GE(h.metrics.segment_requests_total.load(), 2u);
}

TEST(HttpServer, StreamNotFoundAndMethods)
{
    Harness h;
    Client c(h.port);
    for (const char* p :
         {"/LiveApp/streams/nope.m3u8", "/Unknown/streams/s1.m3u8",
          "/Other/streams/s1.m3u8", "/LiveApp/streams/"}) {
        Reply r = c.call("GET", p);
        EXPECT_EQ(r.status, 404) << p;
        EXPECT_EQ(r.header("access-control-allow-origin"), "*") << p;
        EXPECT_EQ(r.json()["success"], false) << p;
    }
    Reply post = c.call("POST", kSeg, "x");
    EXPECT_EQ(post.status, 405);
    EXPECT_EQ(post.header("allow"), "GET, HEAD, OPTIONS");
    Reply other = c.call("GET", "/nothing/here");
    EXPECT_EQ(other.status, 404);
    EXPECT_EQ(other.header("content-type"), "application/json");
}

TEST(HttpServer, OptionsPreflight)
{
    Harness h;
    Client c(h.port);
    Reply r = c.call("OPTIONS", kSeg, "",
                     "Origin: https://player.example\r\n"
                     "Access-Control-Request-Method: GET\r\n"
                     "Access-Control-Request-Headers: range\r\n");
    EXPECT_EQ(r.status, 204);
    EXPECT_EQ(r.header("access-control-allow-origin"), "*");
    EXPECT_EQ(r.header("access-control-allow-methods"), "GET, HEAD, OPTIONS");
    EXPECT_EQ(r.header("access-control-allow-headers"), "range");
    EXPECT_EQ(r.header("content-length"), "");  // 204 carries none
    // Still in sync afterwards.
    EXPECT_EQ(c.call("GET", kSeg).status, 200);
}

TEST(HttpServer, HeadSendsHeadersOnly)
{
    Harness h;
    Client c(h.port);
    Reply head = c.call("HEAD", kSeg);
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.header("content-length"), "1000");
    EXPECT_TRUE(head.body.empty());
    EXPECT_FALSE(c.has_buffered());
    // Had HEAD sent a body, this response would be garbage.
    Reply get = c.call("GET", "/LiveApp/streams/s1.m3u8");
    EXPECT_EQ(get.status, 200);
    EXPECT_EQ(get.body.rfind("#EXTM3U", 0), 0u);
    Reply rest_head = c.call("HEAD", "/rest/v2/version");
    EXPECT_EQ(rest_head.status, 200);
    EXPECT_NE(rest_head.header("content-length"), "0");
    EXPECT_EQ(c.call("GET", "/rest/v2/liveness").status, 200);
}

TEST(HttpServer, RangeRequests)
{
    Harness h;
    Client c(h.port);
    const std::string all = segment_bytes();
    struct Case {
        const char* range;
        int status;
        std::string content_range;
        std::string body;
    };
    const Case cases[] = {
        {"bytes=0-9", 206, "bytes 0-9/1000", all.substr(0, 10)},
        {"bytes=990-", 206, "bytes 990-999/1000", all.substr(990)},
        {"bytes=-5", 206, "bytes 995-999/1000", all.substr(995)},
        {"bytes=500-5000", 206, "bytes 500-999/1000", all.substr(500)},
        {"bytes=1000-", 416, "bytes */1000", ""},
        {"bytes=-0", 416, "bytes */1000", ""},
        {"bytes=0-1,5-6", 200, "", all},
        {"bytes=x-y", 200, "", all},
    };
    for (const auto& k : cases) {
        Reply r =
            c.call("GET", kSeg, "", std::string("Range: ") + k.range + "\r\n");
        EXPECT_EQ(r.status, k.status) << k.range;
        EXPECT_EQ(r.header("content-range"), k.content_range) << k.range;
        EXPECT_EQ(r.body, k.body) << k.range;
        EXPECT_EQ(r.header("content-length"), std::to_string(k.body.size()))
            << k.range;
    }
    // If-Range cannot be validated: the whole segment.
    Reply ir =
        c.call("GET", kSeg, "", "Range: bytes=0-9\r\nIf-Range: \"x\"\r\n");
    EXPECT_EQ(ir.status, 200);
    EXPECT_EQ(ir.body.size(), 1000u);
    // HEAD with a range describes the part.
    Reply hr = c.call("HEAD", kSeg, "", "Range: bytes=10-19\r\n");
    EXPECT_EQ(hr.status, 206);
    EXPECT_EQ(hr.header("content-length"), "10");
    EXPECT_EQ(c.call("GET", "/rest/v2/liveness").status, 200);
}

TEST(HttpServer, KeepAliveServesManyRequestsOnOneConnection)
{
    Harness h;
    Client c(h.port);
    for (int i = 0; i < 20; i++) {
        Reply r = i % 2 ? c.call("GET", kSeg)
                        : c.call("GET", "/LiveApp/rest/v2/broadcasts/count");
        ASSERT_EQ(r.status, 200) << i;
        EXPECT_EQ(r.header("connection"), "keep-alive");
    }
    EXPECT_EQ(h.server->stats().connections_total.load(), 1u);
}

TEST(HttpServer, ConnectionCloseAndHttp10)
{
    Harness h;
    {
        Client c(h.port);
        Reply r = c.call("GET", kSeg, "", "Connection: close\r\n");
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.header("connection"), "close");
        EXPECT_TRUE(c.closed_by_server(2000));
    }
    {
        Client c(h.port);
        c.send("GET /LiveApp/streams/s1.m3u8 HTTP/1.0\r\n\r\n");
        auto r = c.read();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200);
        EXPECT_EQ(r->header("connection"), "close");
        EXPECT_TRUE(c.closed_by_server(2000));
    }
    {
        Client c(h.port);
        for (int i = 0; i < 3; i++) {
            c.send(
                "GET /LiveApp/streams/s1.m3u8 HTTP/1.0\r\nConnection: "
                "keep-alive\r\n\r\n");
            auto r = c.read();
            ASSERT_TRUE(r);
            EXPECT_EQ(r->header("connection"), "keep-alive");
        }
    }
}

TEST(HttpServer, PipelinedRequestsAnsweredInOrder)
{
    Harness h;
    Client c(h.port);
    // Store-backed requests finish on the pool at their own pace; the
    // answers must still come back in request order.
    std::string batch =
        Client::request("POST", "/LiveApp/rest/v2/broadcasts/create",
                        R"({"streamId":"p1"})")
        + Client::request("GET", kSeg)
        + Client::request("GET", "/LiveApp/rest/v2/broadcasts/p1")
        + Client::request("GET", "/LiveApp/streams/../secret")
        + Client::request("GET", "/LiveApp/rest/v2/broadcasts/count")
        + Client::request("HEAD", kSeg)
        + Client::request("GET", "/rest/v2/liveness");
    c.send(batch);
    auto r1 = c.read();
    auto r2 = c.read();
    auto r3 = c.read();
    auto r4 = c.read();
    auto r5 = c.read();
    auto r6 = c.read(true);
    auto r7 = c.read();
    ASSERT_TRUE(r1 && r2 && r3 && r4 && r5 && r6 && r7);
    EXPECT_EQ(r1->json()["streamId"], "p1");
    EXPECT_EQ(r2->body, segment_bytes());
    EXPECT_EQ(r3->json()["streamId"], "p1");
    EXPECT_EQ(r4->status, 400);
    EXPECT_EQ(r5->json()["number"], 1);
    EXPECT_EQ(r6->header("content-length"), "1000");
    EXPECT_EQ(r7->json()["status"], "ok");
}

TEST(HttpServer, BadRequestsResyncWhenFramed)
{
    Harness h;
    Client c(h.port);
    const char* bad[] = {"/LiveApp/streams/../../etc/passwd",
                         "/LiveApp/streams/%2e%2e/x", "/LiveApp/streams/a%2Fb",
                         "/LiveApp/streams/a%00b", "/LiveApp/streams/%zz"};
    for (const char* p : bad) {
        Reply r = c.call("GET", p);
        EXPECT_EQ(r.status, 400) << p;
        EXPECT_EQ(r.json()["success"], false) << p;
        EXPECT_EQ(r.header("connection"), "keep-alive") << p;
    }
    Reply m = c.call("PATCH", kSeg);
    EXPECT_EQ(m.status, 405);
    EXPECT_EQ(m.header("allow"), "GET, HEAD, OPTIONS");
    c.send("GET /x HTTP/1.1\r\n\r\n");  // no Host
    auto nohost = c.read();
    ASSERT_TRUE(nohost);
    EXPECT_EQ(nohost->status, 400);
    EXPECT_EQ(c.call("GET", kSeg).status, 200);
    // The bad paths and the missing Host; a wrong method is routed (405).
    EXPECT_GE(h.server->stats().bad_requests_total.load(), 6u);
}

TEST(HttpServer, UnframedGarbageClosesTheConnection)
{
    Harness h;
    {
        Client c(h.port);
        c.send("THIS IS NOT HTTP\r\n\r\n");
        auto r = c.read();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 400);
        EXPECT_EQ(r->header("connection"), "close");
        EXPECT_TRUE(c.closed_by_server(3000));
    }
    {
        Client c(h.port);
        c.send(
            "GET / HTTP/1.1\r\nHost: h\r\nBad Header: x\r\n\r\nGET / "
            "HTTP/1.1\r\n");
        auto r = c.read();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 400);
        EXPECT_TRUE(c.closed_by_server(3000));
    }
}

TEST(HttpServer, BodyTooLargeIsRefusedBeforeItArrives)
{
    Harness h;  // max body 4096
    Client c(h.port);
    c.send(
        "POST /LiveApp/rest/v2/broadcasts/create HTTP/1.1\r\nHost: t\r\n"
        "Content-Length: 100000\r\n\r\n");
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(r->header("connection"), "close");
    EXPECT_TRUE(c.closed_by_server(4000));
}

TEST(HttpServer, ChunkedBodiesAreRefused)
{
    Harness h;
    Client c(h.port);
    c.send(
        "POST /LiveApp/rest/v2/broadcasts/create HTTP/1.1\r\nHost: t\r\n"
        "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 411);
    EXPECT_TRUE(c.closed_by_server(4000));
}

TEST(HttpServer, HugeHeadersAndRequestLines)
{
    Harness h;
    {
        Client c(h.port);
        c.send("GET /" + std::string(9000, 'a')
               + " HTTP/1.1\r\nHost: t\r\n\r\n");
        auto r = c.read();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 414);
        EXPECT_TRUE(c.closed_by_server(4000));
    }
    {
        Client c(h.port);
        c.send("GET / HTTP/1.1\r\nHost: t\r\nX: " + std::string(17000, 'h')
               + "\r\n\r\n");
        auto r = c.read();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 431);
    }
}

TEST(HttpServer, ExpectContinue)
{
    Harness h;
    Client c(h.port);
    std::string body = R"({"streamId":"ec1"})";
    c.send(
        "POST /LiveApp/rest/v2/broadcasts/create HTTP/1.1\r\nHost: t\r\n"
        "Content-Type: application/json\r\n"
        "Expect: 100-continue\r\nContent-Length: "
        + std::to_string(body.size()) + "\r\n\r\n");
    auto interim = c.read();
    ASSERT_TRUE(interim);
    EXPECT_EQ(interim->status, 100);
    c.send(body);
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->json()["streamId"], "ec1");
}

TEST(HttpServer, BodyArrivingInPieces)
{
    Harness h;
    Client c(h.port);
    std::string req =
        Client::request("POST", "/LiveApp/rest/v2/broadcasts/create",
                        R"({"streamId":"slow","name":"in pieces"})");
    for (char ch : req) {
        c.send(std::string_view(&ch, 1));
    }
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->json()["name"], "in pieces");
}

TEST(HttpServer, Timeouts)
{
    ServerOptions o;
    o.header_timeout = std::chrono::milliseconds(300);
    o.idle_timeout = std::chrono::milliseconds(400);
    o.linger_timeout = std::chrono::milliseconds(300);
    Harness h(o);
    Client silent(h.port);  // sends nothing
    Client partial(h.port);
    partial.send(
        "GET /LiveApp/streams/s1.m3u8 HTTP/1.1\r\nHost:");  // never finishes
    Client idle(h.port);
    EXPECT_EQ(idle.call("GET", kSeg).status, 200);  // then stays quiet
    EXPECT_TRUE(silent.closed_by_server(3000));
    EXPECT_TRUE(partial.closed_by_server(3000));
    EXPECT_TRUE(idle.closed_by_server(3000));
    // Closed by the timers, not by the test's deadline: no wall-clock
    // assertion, the server's own count says why each one went.
    EXPECT_GE(h.server->stats().timeouts_total.load(), 3u);
    // A client that keeps talking is not cut off by the idle timer: each
    // pause is shorter than it, and they add up to more than twice it.
    Client busy(h.port);
    for (int i = 0; i < 6; i++) {
        ASSERT_EQ(busy.call("GET", kSeg).status, 200);
        ASSERT_FALSE(busy.closed_by_server(150));
    }
}

TEST(HttpServer, ConnectionLimit)
{
    ServerOptions o;
    o.max_connections = 2;
    Harness h(o);
    Client a(h.port);
    Client b(h.port);
    EXPECT_EQ(a.call("GET", kSeg).status, 200);
    EXPECT_EQ(b.call("GET", kSeg).status, 200);
    Client over(h.port);
    EXPECT_TRUE(over.closed_by_server(3000));
    EXPECT_EQ(h.server->stats().rejected_connections_total.load(), 1u);
    a.close();
    // The slot frees once the server notices the close.
    ASSERT_TRUE(wait_until(
        [&] { return h.server->stats().open_connections.load() == 1; }));
    Client again(h.port);
    again.send(Client::request("GET", kSeg));
    auto r = again.read();
    EXPECT_TRUE(r && r->status == 200);
}

// Occupies every pool thread until release(): store calls queue behind.
class PoolBlocker {
public:
    PoolBlocker(BlockingPool& pool, int threads)
    {
        std::shared_future<void> gate = gate_.get_future().share();
        for (int i = 0; i < threads; i++) {
            pool.detach([gate] { gate.wait(); });
        }
    }
    ~PoolBlocker() { release(); }
    void release()
    {
        if (!released_) {
            released_ = true;
            gate_.set_value();
        }
    }

private:
    std::promise<void> gate_;
    bool released_ = false;
};

TEST(HttpServer, ClientGoneWhileStoreCallPending)
{
    Harness h;
    {
        PoolBlocker blocked(*h.pool, 2);
        for (int i = 0; i < 10; i++) {
            Client c(h.port);
            c.send(Client::request(
                "POST", "/LiveApp/rest/v2/broadcasts/create",
                "{\"streamId\":\"gone" + std::to_string(i) + "\"}"));
            c.close();
        }
        // Every request reached the handler and waits in the pool; the
        // server notices the closes meanwhile and drops the connections...
        EXPECT_TRUE(wait_until([&] {
            return h.metrics.http_requests_total.load() == 10
                   && h.server->stats().open_connections.load() == 0;
        }));
        EXPECT_EQ(h.server->stats().connections_total.load(), 10u);
    }
    // ...so the completions, released now, find them gone.  The work itself
    // still ran.
    Client c(h.port);
    EXPECT_TRUE(wait_until([&] {
        return c.call("GET", "/LiveApp/rest/v2/broadcasts/count")
                   .json()["number"]
               == 10;
    }));
    EXPECT_EQ(h.server->stats().open_connections.load(), 1u);
}

TEST(HttpServer, StopClosesConnectionsWithPendingCalls)
{
    Harness h;
    PoolBlocker blocked(*h.pool, 2);
    Client pending(h.port);
    Client idle(h.port);
    pending.send(Client::request("GET", "/LiveApp/rest/v2/broadcasts/count"));
    EXPECT_TRUE(
        wait_until([&] { return h.metrics.http_requests_total.load() == 1; }));
    h.on_loop([&] { h.server->stop(); });
    EXPECT_TRUE(pending.closed_by_server(2000));
    EXPECT_TRUE(idle.closed_by_server(2000));
    blocked.release();  // the answer now has no connection to go to
    h.pool->stop();  // the store call is done, its completion queued...
    h.on_loop([] {});  // ...and run
    EXPECT_EQ(h.server->stats().open_connections.load(), 0u);
}

}  // namespace
}  // namespace fanout::http::testing
