// tests/origin/ingest/rtmp_server_fixture.h — RtmpServer on 127.0.0.1 for
// the server tests: a recording PublishControl and sink, ffmpeg as a child
// process, raw sockets, and the fixture that starts and stops the server.
// Every wait is bounded; ffmpeg is killed on timeout.
#pragma once

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
        copy.data = std::vector<uint8_t>(
            f.data.begin(),
            f.data.begin() + std::min<size_t>(f.data.size(), 8));
        frames_.push_back(std::move(copy));
        // Stamped by the server, never after the frame reached us.
        if (f.received == std::chrono::steady_clock::time_point{}
            || f.received > std::chrono::steady_clock::now()) {
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

    void authorize(const PublishRequest& req,
                   std::function<void(PublishDecision)> done) override
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
        PublishDecision d =
            sink ? PublishDecision(std::shared_ptr<media::StreamSink>(sink))
                 : PublishDecision(Error(refuse_));
        boost::asio::post(loop_, [done, d] { done(d); });
        cv_.notify_all();
    }

    void refuse(std::string reason) { refuse_ = std::move(reason); }

    std::shared_ptr<LockedSink> wait_sink(size_t i, std::chrono::milliseconds d)
    {
        std::unique_lock l(mu_);
        if (!cv_.wait_for(l, d, [&] { return sinks_.size() > i; }))
            return nullptr;
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
    int status = -1;  // exit code; -1: killed on timeout or did not start
    std::string output;  // stderr + stdout
};

// Runs argv with a deadline; stdin is /dev/null, output goes to a file.
Proc run(const std::vector<std::string>& argv, const fs::path& log,
         std::chrono::seconds deadline,
         std::function<void(pid_t)> while_running = {})
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    Proc p;
    const int rc =
        posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
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
            p.status = WIFEXITED(status) ? WEXITSTATUS(status)
                                         : 128 + WTERMSIG(status);
            break;
        }
        if (std::chrono::steady_clock::now() > until) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            p.output =
                "[killed after " + std::to_string(deadline.count()) + " s]\n";
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
inline int dial(uint16_t port)
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
inline bool closed_by_server(int fd)
{
    char buf[4096];
    for (;;) {
        const ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n == 0) return true;
        if (n < 0) return errno == ECONNRESET;  // EAGAIN: the timeout hit
    }
}

class RtmpServerTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (system("command -v ffmpeg >/dev/null 2>&1") != 0)
            GTEST_SKIP() << "ffmpeg not installed";
        dir_ = fs::temp_directory_path()
               / ("rtmp_server_test_" + std::to_string(getpid()) + "_"
                  + ::testing::UnitTest::GetInstance()
                        ->current_test_info()
                        ->name());
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
        server = std::make_unique<RtmpServer>(loop, config, metrics, control,
                                              options);
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
        return "rtmp://127.0.0.1:" + std::to_string(server->port())
               + "/LiveApp/" + stream;
    }
    std::vector<std::string> live_ffmpeg(const std::string& stream,
                                         int seconds = 3) const
    {
        return {"ffmpeg",   "-hide_banner",
                "-nostdin", "-re",
                "-f",       "lavfi",
                "-i",       "testsrc=size=640x360:rate=25",
                "-f",       "lavfi",
                "-i",       "sine",
                "-t",       std::to_string(seconds),
                "-c:v",     "libx264",
                "-g",       "25",
                "-c:a",     "aac",
                "-f",       "flv",
                url(stream)};
    }
    bool wait_for(const std::function<bool()>& pred,
                  std::chrono::milliseconds d)
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
        EXPECT_EQ(s.audios[0].sample_rate, 44100);  // lavfi sine's default
        EXPECT_EQ(s.audios[0].channels, 1);

        EXPECT_EQ(s.badly_stamped, 0);
        std::vector<media::Frame> video, audio;
        for (const auto& f : s.frames)
            (f.video ? video : audio).push_back(f);
        const size_t expected = static_cast<size_t>(25 * seconds);
        EXPECT_GE(video.size(), expected - 2);
        EXPECT_LE(video.size(), expected + 1);
        EXPECT_GE(audio.size(),
                  static_cast<size_t>(seconds * 44100 / 1024 - 5));
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
                EXPECT_GT(video[i].dts_ms, video[i - 1].dts_ms)
                    << "video frame " << i;
            }
        }
        EXPECT_EQ(keyframes, (video.size() + 24) / 25);
        for (size_t i = 1; i < audio.size(); ++i) {
            EXPECT_GE(audio[i].dts_ms, audio[i - 1].dts_ms)
                << "audio frame " << i;
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

}  // namespace
}  // namespace fanout::ingest
