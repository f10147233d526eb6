// A real origin HTTP server on 127.0.0.1 (free port) with a real SQLite
// cluster store in a temp dir, its event loop on a thread, and a blocking
// test client over real TCP with timeouts (a broken server fails a test,
// it never hangs it).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/blocking_pool.h"
#include "core/config.h"
#include "core/metrics.h"
#include "core/origin_context.h"
#include "fanout/store.h"
#include "http/server.h"
#include "package/segment_store.h"

namespace fanout::http::testing {

// Fixed bytes behind the SegmentStore interface: the transport tests need
// a resource of known content and size (ranges, HEAD, keep-alive).  It
// packages nothing; segments_integration_test.cc serves the real packager
// (package::make_segment_store) over HTTP.
class FixedSegments : public package::SegmentStore {
public:
    FixedSegments()
    {
        add("s1.m3u8", "#EXTM3U\n#EXT-X-VERSION:7\n",
            "application/vnd.apple.mpegurl", "no-cache");
        std::string seg;
        for (int i = 0; i < 1000; i++) {
            seg.push_back(char('a' + i % 26));
        }
        add("s1/sess-1.m4s", seg, "video/iso.segment", "max-age=3600");
    }
    // The body is served in pieces of 1, 2, 3, ... bytes, like a media
    // segment (boxes, then each frame's payload): ranges and writes cross
    // piece boundaries.
    void add(std::string rest, std::string body, std::string type,
             std::string cache)
    {
        ByteChain chain;
        for (size_t at = 0, n = 1; at < body.size(); at += n, n++) {
            chain.append(SharedBytes(body.substr(at, n)));
        }
        resources_[std::move(rest)] = package::Resource{
            std::make_shared<const ByteChain>(std::move(chain)),
            std::move(type), std::move(cache)};
    }
    std::shared_ptr<media::StreamSink> open(const StreamKey&, std::string_view,
                                            const std::string&,
                                            const package::Continuation&,
                                            int) override
    {
        return nullptr;
    }
    std::vector<package::RenditionInfo> renditions(
        const StreamKey&, const std::string&) const override
    {
        return {};  // packages nothing (above)
    }
    std::optional<fo_progress> progress(const StreamKey&,
                                        const std::string&) const override
    {
        return std::nullopt;
    }
    void withdraw(const StreamKey&, const std::string&) override {}
    std::optional<package::Resource> find(std::string_view app,
                                          std::string_view rest) const override
    {
        if (app != "LiveApp") {
            return std::nullopt;
        }
        auto it = resources_.find(std::string(rest));
        if (it == resources_.end()) {
            return std::nullopt;
        }
        return it->second;
    }
    package::StoreStats stats() const override { return {1, 42, 1000}; }
    std::vector<package::StreamAge> stream_ages() const override
    {
        return {{"live", "s1", 1500, 2000}};
    }

private:
    std::map<std::string, package::Resource> resources_;
};

class Harness {
public:
    explicit Harness(
        ServerOptions options = {},
        std::unique_ptr<package::SegmentStore> store_of_segments = nullptr,
        size_t rest_queue_max = 0,
        const std::function<void(Config&)>& configure = nullptr)
        : segments(store_of_segments ? std::move(store_of_segments)
                                     : std::make_unique<FixedSegments>())
    {
        char tmpl[] = "/tmp/fanout-http-test-XXXXXX";
        dir_ = mkdtemp(tmpl);
        fo_error err{};
        std::string uri = "sqlite://" + dir_ + "/cluster.db";
        if (fo_store_open(uri.c_str(), &store, &err) != FO_OK) {
            ADD_FAILURE() << "store open: " << err.msg;
            return;
        }
        config.server_name = "node-a";
        config.bind_address = "127.0.0.1";
        config.http_port = 0;
        config.apps = {"LiveApp", "Other"};
        config.rest_allowed = {parse_cidr("127.0.0.1/32").value()};
        config.http_max_body = 4096;
        if (configure) {
            configure(config);
        }
        pool = std::make_unique<BlockingPool>(loop, 2, rest_queue_max);
        ctx = std::make_unique<OriginContext>(
            OriginContext{loop, config, store, *pool, *segments, metrics,
                          "node-a", "9.8.7", now_ms() - 5000});
        server = std::make_unique<HttpServer>(*ctx, options);
        Status st = server->listen();
        if (!st) {
            ADD_FAILURE() << st.error().message();
            return;
        }
        port = server->port();
        thread_ = std::thread([this] { loop.run(); });
    }

    ~Harness()
    {
        boost::asio::post(loop, [this] {
            server->stop();
            guard_.reset();
        });
        if (thread_.joinable()) {
            thread_.join();
        }
        pool->stop();
        server.reset();
        fo_store_close(store);
        std::filesystem::remove_all(dir_);
    }

    // Runs f on the loop thread and waits for it.
    template <class F>
    void on_loop(F f)
    {
        std::promise<void> done;
        boost::asio::post(loop, [&] {
            f();
            done.set_value();
        });
        done.get_future().wait();
    }

    static int64_t now_ms()
    {
        using namespace std::chrono;
        return duration_cast<milliseconds>(
                   system_clock::now().time_since_epoch())
            .count();
    }

    const std::string& dir() const { return dir_; }

    std::unique_ptr<package::SegmentStore> segments;
    boost::asio::io_context loop;
    Config config;
    fo_store* store = nullptr;
    std::unique_ptr<BlockingPool> pool;
    Metrics metrics;
    std::unique_ptr<OriginContext> ctx;
    std::unique_ptr<HttpServer> server;
    uint16_t port = 0;

private:
    std::string dir_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
        guard_ = boost::asio::make_work_guard(loop);
    std::thread thread_;
};

// Polls f until it holds or timeout_ms passes: a wait on a condition with
// a deadline, for what another thread makes true.
inline bool wait_until(const std::function<bool()>& f, int timeout_ms = 3000)
{
    auto until = std::chrono::steady_clock::now()
                 + std::chrono::milliseconds(timeout_ms);
    while (!f()) {
        if (std::chrono::steady_clock::now() > until) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

struct Reply {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;

    std::string header(const std::string& name) const
    {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
    nlohmann::json json() const
    {
        return nlohmann::json::parse(body, nullptr, false);
    }
};

class Client {
public:
    explicit Client(uint16_t port, const char* source = nullptr)
    {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (source) {
            sockaddr_in src{};
            src.sin_family = AF_INET;
            inet_pton(AF_INET, source, &src.sin_addr);
            if (::bind(fd_, reinterpret_cast<sockaddr*>(&src), sizeof(src))
                != 0) {
                ADD_FAILURE() << "bind " << source;
            }
        }
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
            ADD_FAILURE() << "connect to 127.0.0.1:" << port;
        }
    }
    ~Client() { close(); }

    void close()
    {
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }

    void send(std::string_view data)
    {
        while (!data.empty()) {
            ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (n <= 0) {
                ADD_FAILURE() << "send failed";
                return;
            }
            data.remove_prefix(size_t(n));
        }
    }

    // The next response; nullopt when the server closed or stayed silent
    // for timeout_ms.  Interim 1xx responses are returned like any other.
    std::optional<Reply> read(bool head_request = false, int timeout_ms = 5000)
    {
        size_t end;
        while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
            if (!fill(timeout_ms)) {
                return std::nullopt;
            }
        }
        Reply r;
        std::string head = buf_.substr(0, end);
        buf_.erase(0, end + 4);
        size_t line_end = head.find("\r\n");
        std::string status_line = head.substr(0, line_end);
        if (status_line.rfind("HTTP/1.1 ", 0) != 0) {
            ADD_FAILURE() << "bad status line: " << status_line;
            return std::nullopt;
        }
        r.status = std::atoi(status_line.c_str() + 9);
        size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
        while (pos < head.size()) {
            size_t e = head.find("\r\n", pos);
            if (e == std::string::npos) {
                e = head.size();
            }
            std::string line = head.substr(pos, e - pos);
            size_t colon = line.find(':');
            std::string name = line.substr(0, colon);
            for (char& c : name) {
                c = char(std::tolower(static_cast<unsigned char>(c)));
            }
            std::string value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            if (r.headers.count(name)) {
                ADD_FAILURE() << "duplicate response header " << name;
            }
            r.headers[name] = value;
            pos = e + 2;
        }
        size_t length = r.headers.count("content-length")
                            ? std::stoul(r.headers["content-length"])
                            : 0;
        if (head_request || r.status < 200 || r.status == 204) {
            length = 0;
        }
        while (buf_.size() < length) {
            if (!fill(timeout_ms)) {
                ADD_FAILURE() << "body cut short";
                return std::nullopt;
            }
        }
        r.body = buf_.substr(0, length);
        buf_.erase(0, length);
        return r;
    }

    Reply call(const std::string& method, const std::string& path,
               const std::string& body = "",
               const std::string& extra_headers = "")
    {
        send(request(method, path, body, extra_headers));
        auto r = read(method == "HEAD");
        if (!r) {
            ADD_FAILURE() << method << " " << path << ": no response";
            return Reply{};
        }
        return *r;
    }

    static std::string request(const std::string& method,
                               const std::string& path,
                               const std::string& body = "",
                               const std::string& extra_headers = "")
    {
        std::string r =
            method + " " + path + " HTTP/1.1\r\nHost: test\r\n" + extra_headers;
        if (!body.empty() || method == "POST" || method == "PUT") {
            r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
            // REST writes must say JSON (http/rest_gate.h), as curl -H does.
            if (extra_headers.find("Content-Type") == std::string::npos) {
                r += "Content-Type: application/json\r\n";
            }
        }
        return r + "\r\n" + body;
    }

    // True when the server closes the connection within timeout_ms (any
    // bytes still arriving are discarded).
    bool closed_by_server(int timeout_ms = 5000)
    {
        buf_.clear();
        auto until = std::chrono::steady_clock::now()
                     + std::chrono::milliseconds(timeout_ms);
        while (std::chrono::steady_clock::now() < until) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) {
                continue;
            }
            char tmp[4096];
            ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
            if (n <= 0) {
                return true;
            }
        }
        return false;
    }

    bool has_buffered() const { return !buf_.empty(); }

private:
    bool fill(int timeout_ms)
    {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) <= 0) {
            return false;
        }
        char tmp[65536];
        ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
        if (n <= 0) {
            return false;
        }
        buf_.append(tmp, size_t(n));
        return true;
    }

    int fd_ = -1;
    std::string buf_;
};

}  // namespace fanout::http::testing
