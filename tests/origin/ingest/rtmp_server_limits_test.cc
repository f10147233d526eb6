// tests/origin/ingest/rtmp_server_limits_test.cc — what RtmpServer does
// with clients that misbehave: garbage next to a live publish, the
// handshake and idle timeouts, a refused client that stays, a silent
// publisher, the connection limit, and a port it cannot listen on.
#include <thread>
#include "rtmp_server_fixture.h"

namespace fanout::ingest {
namespace {

TEST_F(RtmpServerTest, GarbageConnectionsAreClosedWhilePublishContinues)
{
    start();
    std::shared_ptr<LockedSink> sink;
    bool garbage_closed = false, chunk_garbage_closed = false;
    Proc p =
        run(live_ffmpeg("steady", 4), dir_ / "ffmpeg.log", 60s, [&](pid_t) {
            sink = control.wait_sink(0, 15s);
            if (!sink || !sink->wait_frames(10, 15s)) return;
            std::mt19937 rng(1234);
            std::vector<uint8_t> junk(64 * 1024);
            for (auto& b : junk)
                b = static_cast<uint8_t>(rng());
            junk[0] = 0x47;  // not version 3: refused on the first byte
            int fd = dial(server->port());
            send(fd, junk.data(), junk.size(), MSG_NOSIGNAL);
            garbage_closed = closed_by_server(fd);
            close(fd);

            // A valid simple handshake, then 64 KiB of garbage chunks.
            std::vector<uint8_t> hs(1 + 1536 + 1536, 0);
            hs[0] = 3;
            fd = dial(server->port());
            send(fd, hs.data(), hs.size(), MSG_NOSIGNAL);
            for (auto& b : junk)
                b = static_cast<uint8_t>(rng());
            send(fd, junk.data(), junk.size(), MSG_NOSIGNAL);
            chunk_garbage_closed = closed_by_server(fd);
            close(fd);
        });
    ASSERT_NE(sink, nullptr) << p.output;
    EXPECT_TRUE(garbage_closed);
    EXPECT_TRUE(chunk_garbage_closed);
    EXPECT_EQ(p.status, 0) << p.output;
    ASSERT_TRUE(sink->wait_ended(10s));
    expect_good_publish(sink->snapshot(), 4);
    EXPECT_EQ(metrics.rtmp_bad_input_total, 2u);
}

TEST_F(RtmpServerTest, HandshakeTimeout)
{
    RtmpServerOptions opt;
    opt.handshake_timeout = 300ms;
    start(opt);
    int fd = dial(server->port());
    ASSERT_GE(fd, 0);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(closed_by_server(fd));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
    close(fd);
    EXPECT_EQ(metrics.rtmp_bad_input_total, 0u);  // slow is not malformed
}

// Speaks RTMP over a raw socket up to `publish`, then neither sends nor
// closes.  Returns the server's messages once it closes the connection,
// and how long that took after the last byte sent.
struct StubbornResult {
    bool closed = false;
    std::chrono::milliseconds after{0};
    std::vector<rtmp::Message> messages;
};
StubbornResult stubborn_client(uint16_t port, bool publish)
{
    using rtmp::test::V;
    StubbornResult res;
    rtmp::test::Client client;
    int fd = dial(port);
    if (fd < 0) return res;
    auto send_all = [&](const std::vector<uint8_t>& b) {
        send(fd, b.data(), b.size(), MSG_NOSIGNAL);
    };
    send_all(client.c0c1());
    std::vector<uint8_t> s0s1s2;
    char buf[4096];
    while (s0s1s2.size() < 1 + 2 * 1536) {
        const ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return res;
        s0s1s2.insert(s0s1s2.end(), buf, buf + n);
    }
    std::vector<uint8_t> c2;
    auto msgs = client.receive(s0s1s2, &c2);
    std::vector<uint8_t> out = c2;
    auto add = [&](const std::vector<uint8_t>& b) {
        out.insert(out.end(), b.begin(), b.end());
    };
    add(client.command(0, {V::string("connect"), V::number(1),
                           V::object().set("app", V::string("LiveApp"))}));
    if (publish) {
        add(client.command(
            0, {V::string("createStream"), V::number(2), V::null()}));
        add(client.command(1, {V::string("publish"), V::number(3), V::null(),
                               V::string("s1"), V::string("live")}));
    }
    send_all(out);
    const auto t0 = std::chrono::steady_clock::now();
    bool eof = false;
    for (;;) {
        const ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            eof = n == 0;
            res.closed = errno == ECONNRESET;
            break;
        }
        auto more = client.receive(std::vector<uint8_t>(buf, buf + n));
        msgs.insert(msgs.end(), more.begin(), more.end());
    }
    // EOF may only be the server's half-close (it flushed a last reply and
    // waits for us to leave).  It has really closed once a write from us is
    // answered with a reset: keep writing a byte, for at most 10 s.
    while (eof && !res.closed && std::chrono::steady_clock::now() - t0 < 10s) {
        const uint8_t b = 0;
        if (send(fd, &b, 1, MSG_NOSIGNAL) < 0) {
            res.closed = errno == EPIPE || errno == ECONNRESET;
            break;
        }
        std::this_thread::sleep_for(20ms);
    }
    res.after = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - t0);
    res.messages = std::move(msgs);
    close(fd);
    return res;
}

TEST_F(RtmpServerTest, RefusedClientThatStaysIsClosedAfterLinger)
{
    control.refuse("no such stream key");
    RtmpServerOptions opt;
    opt.close_linger = 300ms;
    start(opt);
    StubbornResult r = stubborn_client(server->port(), true);
    ASSERT_TRUE(r.closed);
    EXPECT_LT(r.after, 3s);  // the linger, not the 30 s idle timeout
    bool bad_name = false;
    for (const auto& m : r.messages) {
        if (rtmp::test::command_name(m) == "onStatus"
            && rtmp::test::status_code(m) == "NetStream.Publish.BadName") {
            bad_name =
                rtmp::test::Client::amf(m).at(3).get_string("description")
                == "no such stream key";
        }
    }
    EXPECT_TRUE(bad_name);
}

// A client that trickles the handshake one byte at a time is closed at
// the deadline it got at accept: its bytes do not move it.
TEST_F(RtmpServerTest, TrickledHandshakeMeetsTheFixedDeadline)
{
    RtmpServerOptions opt;
    opt.handshake_timeout = 500ms;
    start(opt);
    int fd = dial(server->port());
    ASSERT_GE(fd, 0);
    const uint8_t c0 = 3;
    bool closed = false;
    for (int i = 0; i < 100 && !closed; i++) {  // 1537 bytes never arrive
        closed = send(fd, &c0, 1, MSG_NOSIGNAL) != 1;
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_TRUE(closed || closed_by_server(fd));
    close(fd);
    EXPECT_EQ(metrics.rtmp_bad_input_total, 0u);
}

// Connected, never publishing: closed at the same fixed deadline, however
// long the idle timeout of a publisher is.
TEST_F(RtmpServerTest, NoPublishWithinTheStartDeadline)
{
    RtmpServerOptions opt;
    opt.handshake_timeout = 400ms;
    opt.idle_timeout = 60s;
    start(opt);
    StubbornResult r = stubborn_client(server->port(), false);
    ASSERT_TRUE(r.closed);
    EXPECT_GE(r.after, 300ms);
    EXPECT_LT(r.after, 5s);
    ASSERT_FALSE(r.messages.empty());
    EXPECT_EQ(rtmp::test::status_code(r.messages.back()),
              "NetConnection.Connect.Success");
}

// A publisher that goes silent mid-stream is read on the merge ticks, not
// waited on: the idle timeout still closes it and ends its publish.
TEST_F(RtmpServerTest, SilentPublisherTimesOutWhileMerged)
{
    RtmpServerOptions opt;
    opt.idle_timeout = 2s;  // not before ffmpeg's encoder starts
    opt.merge_read = 50ms;
    start(opt);
    std::shared_ptr<LockedSink> sink;
    bool ended = false;
    Proc p = run(
        live_ffmpeg("silent", 30), dir_ / "ffmpeg.log", 60s, [&](pid_t pid) {
            sink = control.wait_sink(0, 15s);
            if (sink && sink->wait_frames(10, 15s)) {
                kill(pid, SIGSTOP);  // still connected, publishing, silent
                ended = sink->wait_ended(8s);
            }
            kill(pid, SIGKILL);
            kill(pid, SIGCONT);
        });
    ASSERT_NE(sink, nullptr) << p.output;
    EXPECT_TRUE(ended);
    EXPECT_TRUE(wait_for([&] { return metrics.rtmp_connections == 0; }, 5s));
    EXPECT_EQ(metrics.rtmp_bad_input_total, 0u);
}

TEST_F(RtmpServerTest, ConnectionLimit)
{
    config.rtmp_max_connections = 1;
    start();
    int first = dial(server->port());
    ASSERT_GE(first, 0);
    ASSERT_TRUE(wait_for([&] { return metrics.rtmp_connections == 1; }, 5s));
    int second = dial(server->port());
    ASSERT_GE(second, 0);
    EXPECT_TRUE(closed_by_server(second));
    close(second);
    close(first);
    EXPECT_TRUE(wait_for([&] { return metrics.rtmp_connections == 0; }, 5s));
}

TEST_F(RtmpServerTest, ListenErrorNamesTheAddress)
{
    start();
    Config taken = config;
    taken.rtmp_port = server->port();
    RtmpServer second(loop, taken, metrics, control);
    Status s = second.listen();
    ASSERT_FALSE(s);
    EXPECT_NE(
        s.error().message().find("127.0.0.1:" + std::to_string(server->port())),
        std::string::npos)
        << s.error().message();
    Config bad = config;
    bad.bind_address = "not-an-ip";
    RtmpServer third(loop, bad, metrics, control);
    EXPECT_FALSE(third.listen());
}

}  // namespace
}  // namespace fanout::ingest
