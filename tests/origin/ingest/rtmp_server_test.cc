// tests/origin/ingest/rtmp_server_test.cc — RtmpServer on 127.0.0.1 with
// real ffmpeg publishers: a live encode, a refused publish, garbage next to
// a live publish, a -c copy publish of a file, timeouts, the connection
// limit and stop().  Every wait is bounded; ffmpeg is killed on timeout.
#include "ingest/rtmp/server.h"

#include <gtest/gtest.h>

#include "rtmp_test_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

extern char** environ;

namespace fanout::ingest {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// A sink that records under a lock: the loop thread writes, the test reads.
class LockedSink : public media::StreamSink {
public:
    void on_metadata(double kbps) override
    {
        std::lock_guard l(mu_);
        metadata_.push_back(kbps);
    }
    void on_video_config(const media::VideoConfig& c) override
    {
        std::lock_guard l(mu_);
        videos_.push_back(c);
    }
    void on_audio_config(const media::AudioConfig& c) override
    {
        std::lock_guard l(mu_);
        audios_.push_back(c);
    }
    void on_frame(const media::Frame& f) override
    {
        std::lock_guard l(mu_);
        media::Frame copy = f;
        // Keep memory small: a copy of the first bytes, not a slice that
        // would hold the whole message.
        copy.data = std::vector<uint8_t>(f.data.begin(),
                                         f.data.begin() + std::min<size_t>(f.data.size(), 8));
        frames_.push_back(std::move(copy));
        // Stamped by the server, never after the frame reached us.
        if (f.received == std::chrono::steady_clock::time_point{} ||
            f.received > std::chrono::steady_clock::now()) {
            ++badly_stamped_;
        }
        cv_.notify_all();
    }
    void on_end() override
    {
        std::lock_guard l(mu_);
        ++ends_;
        cv_.notify_all();
    }

    bool wait_ended(std::chrono::milliseconds d)
    {
        std::unique_lock l(mu_);
        return cv_.wait_for(l, d, [&] { return ends_ > 0; });
    }
    bool wait_frames(size_t n, std::chrono::milliseconds d)
    {
        std::unique_lock l(mu_);
        return cv_.wait_for(l, d, [&] { return frames_.size() >= n; });
    }

    struct Snapshot {
        std::vector<double> metadata;
        std::vector<media::VideoConfig> videos;
        std::vector<media::AudioConfig> audios;
        std::vector<media::Frame> frames;
        int ends;
        int badly_stamped;
    };
    Snapshot snapshot()
    {
        std::lock_guard l(mu_);
        return {metadata_, videos_, audios_, frames_, ends_, badly_stamped_};
    }

private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<double> metadata_;
    std::vector<media::VideoConfig> videos_;
    std::vector<media::AudioConfig> audios_;
    std::vector<media::Frame> frames_;
    int ends_ = 0;
    int badly_stamped_ = 0;
};

// Accepts (or refuses) every publish, answering later on the loop as the
// real gate does after asking the store.
class Recorder : public PublishControl {
public:
    explicit Recorder(boost::asio::io_context& loop) : loop_(loop) {}

    void authorize(const PublishRequest& req, std::function<void(PublishDecision)> done) override
    {
        std::shared_ptr<LockedSink> sink;
        {
            std::lock_guard l(mu_);
            requests_.push_back(req);
            if (refuse_.empty()) {
                sink = std::make_shared<LockedSink>();
                sinks_.push_back(sink);
            }
        }
        PublishDecision d = sink ? PublishDecision(std::shared_ptr<media::StreamSink>(sink))
                                 : PublishDecision(Error(refuse_));
        boost::asio::post(loop_, [done, d] { done(d); });
        cv_.notify_all();
    }

    void refuse(std::string reason) { refuse_ = std::move(reason); }

    std::shared_ptr<LockedSink> wait_sink(size_t i, std::chrono::milliseconds d)
    {
        std::unique_lock l(mu_);
        if (!cv_.wait_for(l, d, [&] { return sinks_.size() > i; })) return nullptr;
        return sinks_[i];
    }
    std::vector<PublishRequest> requests()
    {
        std::lock_guard l(mu_);
        return requests_;
    }

private:
    boost::asio::io_context& loop_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<PublishRequest> requests_;
    std::vector<std::shared_ptr<LockedSink>> sinks_;
    std::string refuse_;
};

struct Proc {
    int status = -1;       // exit code; -1: killed on timeout or did not start
    std::string output;    // stderr + stdout
};

// Runs argv with a deadline; stdin is /dev/null, output goes to a file.
Proc run(const std::vector<std::string>& argv, const fs::path& log,
         std::chrono::seconds deadline, std::function<void(pid_t)> while_running = {})
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    Proc p;
    const int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        p.output = "spawn failed: " + std::string(strerror(rc));
        return p;
    }
    if (while_running) while_running(pid);
    const auto until = std::chrono::steady_clock::now() + deadline;
    int status = 0;
    for (;;) {
        const pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            p.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            break;
        }
        if (std::chrono::steady_clock::now() > until) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            p.output = "[killed after " + std::to_string(deadline.count()) + " s]\n";
            break;
        }
        std::this_thread::sleep_for(20ms);
    }
    std::ifstream in(log);
    std::stringstream ss;
    ss << in.rdbuf();
    p.output += ss.str();
    return p;
}

// A raw TCP client with a receive timeout.
int dial(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

// True when the server closed the connection (EOF or reset) in time;
// whatever it sent before closing is drained.
bool closed_by_server(int fd)
{
    char buf[4096];
    for (;;) {
        const ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n == 0) return true;
        if (n < 0) return errno == ECONNRESET;   // EAGAIN: the timeout hit
    }
}

class RtmpServerTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (system("command -v ffmpeg >/dev/null 2>&1") != 0) GTEST_SKIP() << "ffmpeg not installed";
        dir_ = fs::temp_directory_path() /
               ("rtmp_server_test_" + std::to_string(getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
        config.bind_address = "127.0.0.1";
        config.rtmp_port = 0;
    }
    void TearDown() override
    {
        stop();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    void start(RtmpServerOptions options = {})
    {
        server = std::make_unique<RtmpServer>(loop, config, metrics, control, options);
        Status s = server->listen();
        ASSERT_TRUE(s) << s.error().message();
        ASSERT_NE(server->port(), 0);
        thread = std::thread([this] {
            auto guard = boost::asio::make_work_guard(loop);
            loop.run();
        });
    }
    // stop() on the loop thread, then the loop itself.
    void stop()
    {
        if (!thread.joinable()) return;
        std::promise<void> done;
        boost::asio::post(loop, [&] {
            server->stop();
            done.set_value();
        });
        done.get_future().wait_for(10s);
        loop.stop();
        thread.join();
        server.reset();
    }
    std::string url(const std::string& stream) const
    {
        return "rtmp://127.0.0.1:" + std::to_string(server->port()) + "/LiveApp/" + stream;
    }
    std::vector<std::string> live_ffmpeg(const std::string& stream, int seconds = 3) const
    {
        return {"ffmpeg", "-hide_banner", "-nostdin", "-re",
                "-f", "lavfi", "-i", "testsrc=size=640x360:rate=25",
                "-f", "lavfi", "-i", "sine",
                "-t", std::to_string(seconds),
                "-c:v", "libx264", "-g", "25", "-c:a", "aac",
                "-f", "flv", url(stream)};
    }
    bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds d)
    {
        const auto until = std::chrono::steady_clock::now() + d;
        while (!pred()) {
            if (std::chrono::steady_clock::now() > until) return false;
            std::this_thread::sleep_for(10ms);
        }
        return true;
    }

    // What every good 3-second testsrc + sine publish must deliver.
    void expect_good_publish(const LockedSink::Snapshot& s, int seconds)
    {
        ASSERT_EQ(s.videos.size(), 1u);
        EXPECT_EQ(s.videos[0].codec, media::Codec::H264);
        EXPECT_EQ(s.videos[0].width, 640);
        EXPECT_EQ(s.videos[0].height, 360);
        EXPECT_EQ(s.videos[0].codec_string.rfind("avc1.", 0), 0u);
        ASSERT_EQ(s.audios.size(), 1u);
        EXPECT_EQ(s.audios[0].codec_string, "mp4a.40.2");
        EXPECT_EQ(s.audios[0].sample_rate, 44100);   // lavfi sine's default
        EXPECT_EQ(s.audios[0].channels, 1);

        EXPECT_EQ(s.badly_stamped, 0);
        std::vector<media::Frame> video, audio;
        for (const auto& f : s.frames) (f.video ? video : audio).push_back(f);
        const size_t expected = static_cast<size_t>(25 * seconds);
        EXPECT_GE(video.size(), expected - 2);
        EXPECT_LE(video.size(), expected + 1);
        EXPECT_GE(audio.size(), static_cast<size_t>(seconds * 44100 / 1024 - 5));
        ASSERT_FALSE(video.empty());
        EXPECT_TRUE(video[0].keyframe);
        size_t keyframes = 0;
        for (size_t i = 0; i < video.size(); ++i) {
            if (video[i].keyframe) {
                ++keyframes;
                EXPECT_EQ(i % 25, 0u) << "keyframe at frame " << i;
            }
            EXPECT_EQ(video[i].data.size() >= 4, true);
            if (i > 0) {
                EXPECT_GT(video[i].dts_ms, video[i - 1].dts_ms) << "video frame " << i;
            }
        }
        EXPECT_EQ(keyframes, (video.size() + 24) / 25);
        for (size_t i = 1; i < audio.size(); ++i) {
            EXPECT_GE(audio[i].dts_ms, audio[i - 1].dts_ms) << "audio frame " << i;
        }
        EXPECT_EQ(s.ends, 1);
    }

    boost::asio::io_context loop;
    Config config;
    Metrics metrics;
    Recorder control{loop};
    std::unique_ptr<RtmpServer> server;
    std::thread thread;
    fs::path dir_;
};

TEST_F(RtmpServerTest, FfmpegLivePublish)
{
    start();
    Proc p = run(live_ffmpeg("test1"), dir_ / "ffmpeg.log", 60s);
    ASSERT_EQ(p.status, 0) << p.output;
    auto sink = control.wait_sink(0, 1s);
    ASSERT_NE(sink, nullptr);
    ASSERT_TRUE(sink->wait_ended(10s));
    auto req = control.requests().at(0);
    EXPECT_EQ(req.key.app, "LiveApp");
    EXPECT_EQ(req.key.id, "test1");
    EXPECT_EQ(req.protocol, "RTMP");
    EXPECT_EQ(req.client.rfind("127.0.0.1:", 0), 0u);
    auto snap = sink->snapshot();
    expect_good_publish(snap, 3);
    ASSERT_FALSE(snap.metadata.empty());   // ffmpeg sends @setDataFrame
    EXPECT_GT(metrics.bytes_in, 2 * 1537u + 20000u);   // handshake + ~3 s of x264 test pattern
    EXPECT_TRUE(wait_for([&] { return metrics.rtmp_connections == 0; }, 5s));
    EXPECT_EQ(metrics.rtmp_bad_input_total, 0u);
}

// Merged reads change when bytes are read, never what is delivered: read
// as they arrive, and on ticks long enough that a tick's bytes overflow
// the read buffer.
TEST_F(RtmpServerTest, FfmpegLivePublishWithoutAndWithLongMergedReads)
{
    for (auto merge : {0ms, 700ms}) {
        RtmpServerOptions opt;
        opt.merge_read = merge;
        opt.read_buffer = 16 * 1024;
        start(opt);
        const std::string stream = "merge" + std::to_string(merge.count());
        Proc p = run(live_ffmpeg(stream), dir_ / (stream + ".log"), 60s);
        ASSERT_EQ(p.status, 0) << p.output;
        auto sink = control.wait_sink(merge == 0ms ? 0 : 1, 1s);
        ASSERT_NE(sink, nullptr);
        ASSERT_TRUE(sink->wait_ended(10s));
        const auto snap = sink->snapshot();
        expect_good_publish(snap, 3);
        if (merge > 0ms) {
            // A tick's reads share one arrival bound: when the connection
            // last went to wait for the tick.
            std::set<std::chrono::steady_clock::time_point> stamps;
            for (const auto& f : snap.frames) stamps.insert(f.received);
            EXPECT_LT(stamps.size() * 4, snap.frames.size());
        }
        EXPECT_EQ(metrics.rtmp_bad_input_total, 0u);
        stop();
        loop.restart();
    }
}

TEST_F(RtmpServerTest, RefusedPublishFailsFfmpeg)
{
    control.refuse("stream key rejected");
    start();
    Proc p = run(live_ffmpeg("denied"), dir_ / "ffmpeg.log", 30s);
    EXPECT_NE(p.status, 0) << p.output;
    EXPECT_NE(p.status, -1) << "ffmpeg hung: " << p.output;
    EXPECT_NE(p.output.find("stream key rejected"), std::string::npos) << p.output;
    ASSERT_EQ(control.requests().size(), 1u);
    EXPECT_EQ(control.requests()[0].key.id, "denied");
    EXPECT_EQ(metrics.rtmp_bad_input_total, 0u);   // a refusal is not bad input
}

TEST_F(RtmpServerTest, GarbageConnectionsAreClosedWhilePublishContinues)
{
    start();
    std::shared_ptr<LockedSink> sink;
    bool garbage_closed = false, chunk_garbage_closed = false;
    Proc p = run(live_ffmpeg("steady", 4), dir_ / "ffmpeg.log", 60s, [&](pid_t) {
        sink = control.wait_sink(0, 15s);
        if (!sink || !sink->wait_frames(10, 15s)) return;
        std::mt19937 rng(1234);
        std::vector<uint8_t> junk(64 * 1024);
        for (auto& b : junk) b = static_cast<uint8_t>(rng());
        junk[0] = 0x47;   // not version 3: refused on the first byte
        int fd = dial(server->port());
        send(fd, junk.data(), junk.size(), MSG_NOSIGNAL);
        garbage_closed = closed_by_server(fd);
        close(fd);

        // A valid simple handshake, then 64 KiB of garbage chunks.
        std::vector<uint8_t> hs(1 + 1536 + 1536, 0);
        hs[0] = 3;
        fd = dial(server->port());
        send(fd, hs.data(), hs.size(), MSG_NOSIGNAL);
        for (auto& b : junk) b = static_cast<uint8_t>(rng());
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

TEST_F(RtmpServerTest, CopyPublishOfAFile)
{
    const fs::path file = dir_ / "in.mp4";
    Proc make = run({"ffmpeg", "-hide_banner", "-nostdin", "-f", "lavfi", "-i",
                     "testsrc=size=640x360:rate=25", "-f", "lavfi", "-i", "sine", "-t", "3",
                     "-c:v", "libx264", "-g", "25", "-c:a", "aac", file.string()},
                    dir_ / "make.log", 60s);
    ASSERT_EQ(make.status, 0) << make.output;
    start();
    Proc p = run({"ffmpeg", "-hide_banner", "-nostdin", "-re", "-i", file.string(), "-c", "copy",
                  "-f", "flv", url("copy1")},
                 dir_ / "ffmpeg.log", 60s);
    ASSERT_EQ(p.status, 0) << p.output;
    auto sink = control.wait_sink(0, 1s);
    ASSERT_NE(sink, nullptr);
    ASSERT_TRUE(sink->wait_ended(10s));
    expect_good_publish(sink->snapshot(), 3);
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
    EXPECT_EQ(metrics.rtmp_bad_input_total, 0u);   // slow is not malformed
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
    auto send_all = [&](const std::vector<uint8_t>& b) { send(fd, b.data(), b.size(), MSG_NOSIGNAL); };
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
    auto add = [&](const std::vector<uint8_t>& b) { out.insert(out.end(), b.begin(), b.end()); };
    add(client.command(0, {V::string("connect"), V::number(1),
                           V::object().set("app", V::string("LiveApp"))}));
    if (publish) {
        add(client.command(0, {V::string("createStream"), V::number(2), V::null()}));
        add(client.command(1, {V::string("publish"), V::number(3), V::null(), V::string("s1"),
                               V::string("live")}));
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
    EXPECT_LT(r.after, 3s);   // the linger, not the 30 s idle timeout
    bool bad_name = false;
    for (const auto& m : r.messages) {
        if (rtmp::test::command_name(m) == "onStatus" &&
            rtmp::test::status_code(m) == "NetStream.Publish.BadName") {
            bad_name = rtmp::test::Client::amf(m).at(3).get_string("description") == "no such stream key";
        }
    }
    EXPECT_TRUE(bad_name);
}

TEST_F(RtmpServerTest, IdleTimeoutAfterHandshake)
{
    RtmpServerOptions opt;
    opt.idle_timeout = 400ms;
    start(opt);
    StubbornResult r = stubborn_client(server->port(), false);
    ASSERT_TRUE(r.closed);
    EXPECT_GE(r.after, 300ms);
    EXPECT_LT(r.after, 5s);
    ASSERT_FALSE(r.messages.empty());
    EXPECT_EQ(rtmp::test::status_code(r.messages.back()), "NetConnection.Connect.Success");
}

// A publisher that goes silent mid-stream is read on the merge ticks, not
// waited on: the idle timeout still closes it and ends its publish.
TEST_F(RtmpServerTest, SilentPublisherTimesOutWhileMerged)
{
    RtmpServerOptions opt;
    opt.idle_timeout = 2s;   // not before ffmpeg's encoder starts
    opt.merge_read = 50ms;
    start(opt);
    std::shared_ptr<LockedSink> sink;
    bool ended = false;
    Proc p = run(live_ffmpeg("silent", 30), dir_ / "ffmpeg.log", 60s, [&](pid_t pid) {
        sink = control.wait_sink(0, 15s);
        if (sink && sink->wait_frames(10, 15s)) {
            kill(pid, SIGSTOP);   // still connected, publishing, silent
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

TEST_F(RtmpServerTest, StopEndsLivePublish)
{
    start();
    std::shared_ptr<LockedSink> sink;
    Proc p = run(live_ffmpeg("stopped", 20), dir_ / "ffmpeg.log", 30s, [&](pid_t) {
        sink = control.wait_sink(0, 15s);
        if (sink && sink->wait_frames(5, 15s)) stop();
    });
    ASSERT_NE(sink, nullptr) << p.output;
    EXPECT_NE(p.status, -1) << "ffmpeg did not notice the close: " << p.output;
    EXPECT_EQ(sink->snapshot().ends, 1);
    EXPECT_EQ(metrics.rtmp_connections, 0u);
}

TEST_F(RtmpServerTest, ListenErrorNamesTheAddress)
{
    start();
    Config taken = config;
    taken.rtmp_port = server->port();
    RtmpServer second(loop, taken, metrics, control);
    Status s = second.listen();
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message().find("127.0.0.1:" + std::to_string(server->port())),
              std::string::npos)
        << s.error().message();
    Config bad = config;
    bad.bind_address = "not-an-ip";
    RtmpServer third(loop, bad, metrics, control);
    EXPECT_FALSE(third.listen());
}

}  // namespace
}  // namespace fanout::ingest
