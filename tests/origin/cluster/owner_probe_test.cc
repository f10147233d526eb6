// tests/origin/cluster/owner_probe_test.cc — the probe against real
// sockets on loopback: an owner that answers (live, 401, garbage), and
// owners that cannot answer (refused, silent until the timeout, reset);
// and cluster_call itself, which the probe and a forwarded stop share.
#include "cluster/owner_probe.h"

#include "cluster/cluster_call.h"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <optional>

namespace fanout::cluster {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using K = OwnerAnswer::Kind;

// An owner on loopback that does `act` with each connection.
class FakeOwnerSocket {
public:
    using Act = std::function<void(std::shared_ptr<tcp::socket>)>;
    FakeOwnerSocket(asio::io_context& loop, Act act)
        : acceptor_(loop,
                    tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
          act_(std::move(act))
    {
        accept();
    }
    int port() const { return acceptor_.local_endpoint().port(); }
    std::string request;  // what the probe sent

private:
    void accept()
    {
        auto s = std::make_shared<tcp::socket>(acceptor_.get_executor());
        acceptor_.async_accept(*s, [this, s](boost::system::error_code ec) {
            if (ec) return;
            auto buf = std::make_shared<asio::streambuf>();
            asio::async_read_until(
                *s, *buf, "\r\n\r\n",
                [this, s, buf](boost::system::error_code e, size_t) {
                    if (e) return;
                    request.assign(asio::buffers_begin(buf->data()),
                                   asio::buffers_end(buf->data()));
                    act_(s);
                });
        });
    }
    tcp::acceptor acceptor_;
    Act act_;
};

FakeOwnerSocket::Act answer(std::string bytes)
{
    return [bytes](std::shared_ptr<tcp::socket> s) {
        auto b = std::make_shared<std::string>(bytes);
        asio::async_write(*s, asio::buffer(*b),
                          [s, b](boost::system::error_code, size_t) {
                              boost::system::error_code ignored;
                              s->shutdown(tcp::socket::shutdown_both, ignored);
                              s->close(ignored);
                          });
    };
}

OwnerAnswer probe(asio::io_context& loop, int port, int timeout_ms = 2000)
{
    std::optional<OwnerAnswer> got;
    int calls = 0;
    probe_owner(loop, ProbeTarget{"127.0.0.1", port, {"LiveApp", "cam"}},
                "the-token", std::chrono::milliseconds(timeout_ms),
                [&](OwnerAnswer a) {
                    calls++;
                    got = std::move(a);
                });
    loop.restart();
    loop.run_for(std::chrono::seconds(5));  // until every handler is done
    EXPECT_EQ(calls, 1);
    return got.value_or(OwnerAnswer{K::Malformed, {}, "no answer"});
}

const char kLive[] =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
    "63\r\nConnection: close\r\n\r\n"
    R"({"app":"LiveApp","streamId":"cam","live":true,"sessionId":"s1"})";

TEST(OwnerProbe, ALiveOwnerAnswersWithItsSession)
{
    asio::io_context loop;
    FakeOwnerSocket owner(loop, answer(kLive));
    OwnerAnswer a = probe(loop, owner.port());
    EXPECT_EQ(a.kind, K::Live) << a.detail;
    EXPECT_EQ(a.session, "s1");
    EXPECT_EQ(owner.request.rfind("GET /internal/v1/streams/LiveApp/cam "
                                  "HTTP/1.1\r\n",
                                  0),
              0u);
    EXPECT_NE(owner.request.find("\r\nClusterAuthorization: the-token\r\n"),
              std::string::npos);
}

TEST(OwnerProbe, UnauthorizedAndGarbage)
{
    asio::io_context loop;
    FakeOwnerSocket denied(
        loop, answer("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"));
    EXPECT_EQ(probe(loop, denied.port()).kind, K::Unauthorized);
    FakeOwnerSocket garbage(loop, answer("SSH-2.0-OpenSSH_9.2\r\n\r\n"));
    EXPECT_EQ(probe(loop, garbage.port()).kind, K::Malformed);
}

TEST(OwnerProbe, RefusedIsUnreachable)
{
    asio::io_context loop;
    int port = 0;
    {
        tcp::acceptor a(loop,
                        tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        port = a.local_endpoint().port();
    }  // closed: nothing listens there now
    OwnerAnswer a = probe(loop, port);
    EXPECT_EQ(a.kind, K::Unreachable);
    EXPECT_NE(a.detail.find("connect"), std::string::npos) << a.detail;
}

TEST(OwnerProbe, SilenceIsUnreachableAtTheTimeout)
{
    asio::io_context loop;
    std::shared_ptr<tcp::socket> held;
    FakeOwnerSocket silent(loop, [&](std::shared_ptr<tcp::socket> s) {
        held = s;  // reads the request, never answers
    });
    OwnerAnswer a = probe(loop, silent.port(), 100);
    EXPECT_EQ(a.kind, K::Unreachable);
    EXPECT_EQ(a.detail, "no answer in time");
}

TEST(OwnerProbe, ResetIsUnreachable)
{
    asio::io_context loop;
    FakeOwnerSocket reset(loop, [](std::shared_ptr<tcp::socket> s) {
        boost::system::error_code ignored;
        s->set_option(asio::socket_base::linger(true, 0), ignored);
        s->close(ignored);  // RST
    });
    EXPECT_EQ(probe(loop, reset.port()).kind, K::Unreachable);
}

// The exchange a forwarded stop makes (cluster/stream_stop.h): any method
// and path, the token, and the answer's status and body as they came.
TEST(ClusterCall, PostsThePathAndReadsTheAnswer)
{
    asio::io_context loop;
    FakeOwnerSocket owner(loop,
                          answer("HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n"
                                 R"({"success":true})"));
    std::optional<CallAnswer> got;
    cluster_call(loop,
                 CallRequest{"127.0.0.1", owner.port(), "POST",
                             "/internal/v1/streams/LiveApp/cam/stop", "tok"},
                 std::chrono::milliseconds(2000),
                 [&](CallAnswer a) { got = std::move(a); });
    loop.run_for(std::chrono::seconds(5));
    ASSERT_TRUE(got);
    EXPECT_EQ(got->kind, CallAnswer::Kind::Answered) << got->detail;
    EXPECT_EQ(got->status, 200);
    EXPECT_EQ(got->body, R"({"success":true})");
    EXPECT_EQ(owner.request.rfind("POST /internal/v1/streams/LiveApp/cam/stop "
                                  "HTTP/1.1\r\n",
                                  0),
              0u);
    EXPECT_NE(owner.request.find("\r\nClusterAuthorization: tok\r\n"),
              std::string::npos);
    EXPECT_NE(owner.request.find("\r\nContent-Length: 0\r\n"),
              std::string::npos);
}

}  // namespace
}  // namespace fanout::cluster
