// Webhooks over real sockets: a tiny HTTP listener on loopback records
// what the origin posts.
#include "cluster/webhooks.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

namespace fanout::cluster {
namespace {

// Answers each request with `status` and keeps the bodies.
class HookServer {
public:
    explicit HookServer(int status) : status_(status)
    {
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
        socklen_t len = sizeof(a);
        getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        listen(fd_, 16);
        thread_ = std::thread([this] { serve(); });
    }
    ~HookServer()
    {
        stop_ = true;
        shutdown(fd_, SHUT_RDWR);
        close(fd_);
        thread_.join();
    }
    std::string url() const
    {
        return "http://127.0.0.1:" + std::to_string(port_) + "/hook";
    }
    std::vector<std::string> bodies()
    {
        std::lock_guard lock(mutex_);
        return bodies_;
    }
    std::vector<std::string> heads()
    {
        std::lock_guard lock(mutex_);
        return heads_;
    }
    int requests() const { return requests_; }

private:
    void serve()
    {
        while (!stop_) {
            int c = accept(fd_, nullptr, nullptr);
            if (c < 0) {
                return;
            }
            std::string req;
            char buf[4096];
            timeval tv{2, 0};
            setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
            for (;;) {
                ssize_t n = read(c, buf, sizeof(buf));
                if (n <= 0) {
                    break;
                }
                req.append(buf, static_cast<size_t>(n));
                size_t head = req.find("\r\n\r\n");
                if (head == std::string::npos) {
                    continue;
                }
                size_t cl = req.find("Content-Length: ");
                size_t len = cl == std::string::npos
                                 ? 0
                                 : std::stoul(req.substr(cl + 16));
                if (req.size() >= head + 4 + len) {
                    std::lock_guard lock(mutex_);
                    bodies_.push_back(req.substr(head + 4, len));
                    heads_.push_back(req.substr(0, head));
                    break;
                }
            }
            requests_++;
            std::string resp = "HTTP/1.1 " + std::to_string(status_)
                               + " X\r\nContent-Length: 0\r\n"
                                 "Connection: close\r\n\r\n";
            (void)!write(c, resp.data(), resp.size());
            close(c);
        }
    }

    int status_;
    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> requests_{0};
    std::mutex mutex_;
    std::vector<std::string> bodies_;
    std::vector<std::string> heads_;
    std::thread thread_;
};

template <class Pred>
bool eventually(Pred pred, int ms = 5000)
{
    for (int i = 0; i < ms / 10; i++) {
        if (pred()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pred();
}

TEST(Webhooks, PostsAntMediaFormFields)
{
    HookServer server(200);
    Webhooks hooks(server.url());
    hooks.post("liveStreamStarted", "cam 1", "Lobby & hall", "LiveApp");
    hooks.post("liveStreamEnded", "cam1", "cam1", "LiveApp");
    ASSERT_TRUE(eventually([&] { return hooks.delivered() == 2; }));
    auto bodies = server.bodies();
    ASSERT_EQ(bodies.size(), 2u);
    EXPECT_EQ(bodies[0].rfind("id=cam%201&action=liveStreamStarted"
                              "&streamName=Lobby%20%26%20hall&category="
                              "&app=LiveApp&timestamp=",
                              0),
              0u)
        << bodies[0];
    EXPECT_NE(bodies[1].find("action=liveStreamEnded"), std::string::npos);
    EXPECT_EQ(hooks.failed(), 0u);
}

// The signature a receiver computes, here with OpenSSL's one-shot HMAC.
std::string expected_signature(const std::string& key, const std::string& b)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(b.data()), b.size(), mac, &len);
    std::string out = "sha256=";
    char hex[3];
    for (unsigned int i = 0; i < len; i++) {
        std::snprintf(hex, sizeof(hex), "%02x", mac[i]);
        out += hex;
    }
    return out;
}

TEST(Webhooks, SignsEachBodyWithTheSecret)
{
    const std::string secret = "hook-secret-0123456789abcdef-0123456789";
    HookServer server(200);
    Webhooks hooks(server.url(), 5000, 3, secret);
    hooks.post("liveStreamStarted", "cam1", "cam1", "LiveApp");
    ASSERT_TRUE(eventually([&] { return hooks.delivered() == 1; }));
    const std::string body = server.bodies().at(0);
    const std::string head = server.heads().at(0);
    EXPECT_NE(head.find("\r\nX-Fanout-Signature: "
                        + expected_signature(secret, body) + "\r\n"),
              std::string::npos)
        << head;
    EXPECT_EQ(Webhooks::signature(secret, body),
              expected_signature(secret, body));
    // No secret: no signature header.
    HookServer plain(200);
    Webhooks unsigned_hooks(plain.url());
    unsigned_hooks.post("liveStreamStarted", "cam1", "cam1", "LiveApp");
    ASSERT_TRUE(eventually([&] { return unsigned_hooks.delivered() == 1; }));
    EXPECT_EQ(plain.heads().at(0).find("X-Fanout-Signature"),
              std::string::npos);
}

// The alert webhook's JSON bodies: same queue, same signature, sent as
// application/json and byte for byte.
TEST(Webhooks, PostsJsonBodiesSigned)
{
    const std::string secret = "hook-secret-0123456789abcdef-0123456789";
    HookServer server(200);
    Webhooks hooks(server.url(), 5000, 3, secret);
    const std::string body = R"({"action":"alertRaised","alert":{}})";
    hooks.post_json(body);
    ASSERT_TRUE(eventually([&] { return hooks.delivered() == 1; }));
    EXPECT_EQ(server.bodies().at(0), body);
    const std::string head = server.heads().at(0);
    EXPECT_NE(head.find("\r\nContent-Type: application/json\r\n"),
              std::string::npos)
        << head;
    EXPECT_NE(head.find("\r\nX-Fanout-Signature: "
                        + expected_signature(secret, body) + "\r\n"),
              std::string::npos)
        << head;
}

TEST(Webhooks, RetriesThenGivesUpOnServerErrors)
{
    HookServer server(500);
    Webhooks hooks(server.url(), 1000, 3);
    hooks.post("liveStreamStarted", "s", "s", "LiveApp");
    ASSERT_TRUE(eventually([&] { return hooks.failed() == 1; }));
    EXPECT_EQ(server.requests(), 3);
    EXPECT_EQ(hooks.delivered(), 0u);
}

TEST(Webhooks, UnreachableHookCountsFailures)
{
    // Port 1 on loopback: nothing listens.
    Webhooks hooks("http://127.0.0.1:1/hook", 300, 2);
    for (int i = 0; i < 5; i++) {
        hooks.post("liveStreamStarted", "s", "s", "LiveApp");
    }
    ASSERT_TRUE(eventually([&] { return hooks.failed() == 5; }));
    EXPECT_EQ(hooks.delivered(), 0u);
}

TEST(Webhooks, EmptyUrlIsOff)
{
    Webhooks hooks("");
    hooks.post("liveStreamStarted", "s", "s", "LiveApp");
    EXPECT_EQ(hooks.delivered(), 0u);
    EXPECT_EQ(hooks.failed(), 0u);
}

// A publish's own URL (an application's listenerHookURL): events go there
// and not to the default; "" sends nothing, even with a default.
TEST(Webhooks, PostToGoesToItsOwnUrl)
{
    HookServer fallback(200);
    HookServer app(200);
    Webhooks hooks(fallback.url());
    hooks.post_to(app.url(), "liveStreamStarted", "a", "a", "AppA", "s1");
    hooks.post_to("", "liveStreamStarted", "b", "b", "AppB");
    hooks.post("liveStreamStarted", "c", "c", "AppC");
    ASSERT_TRUE(eventually([&] { return hooks.delivered() == 2; }));
    ASSERT_EQ(app.bodies().size(), 1u);
    EXPECT_NE(app.bodies()[0].find("&app=AppA&"), std::string::npos);
    EXPECT_NE(app.bodies()[0].find("&sessionId=s1"), std::string::npos);
    ASSERT_EQ(fallback.bodies().size(), 1u);
    EXPECT_NE(fallback.bodies()[0].find("&app=AppC&"), std::string::npos);
    EXPECT_EQ(hooks.failed(), 0u);
}

}  // namespace
}  // namespace fanout::cluster
