#include "cluster/webhooks.h"

#include <curl/curl.h>

#include <chrono>

#include "core/jwt.h"
#include "core/log.h"

namespace fanout::cluster {

namespace {

constexpr size_t kMaxQueued = 1000;

std::string form_escape(const std::string& v)
{
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : v) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

size_t discard(char*, size_t size, size_t n, void*)
{
    return size * n;
}

// A URL for the log: without its query, which may carry a credential.
std::string loggable(const std::string& url)
{
    size_t q = url.find('?');
    return q == std::string::npos ? url : url.substr(0, q) + "?...";
}

}  // namespace

Webhooks::Webhooks(std::string url, int timeout_ms, int attempts,
                   std::string secret)
    : url_(std::move(url)),
      secret_(std::move(secret)),
      timeout_ms_(timeout_ms),
      attempts_(attempts)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

Webhooks::~Webhooks()
{
    if (!worker_.joinable()) {
        return;
    }
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    worker_.join();
}

void Webhooks::post_to(const std::string& url, const std::string& action,
                       const std::string& stream_id, const std::string& name,
                       const std::string& app, const std::string& session_id)
{
    if (url.empty()) {
        return;
    }
    long long now = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    std::string body = "id=" + form_escape(stream_id)
                       + "&action=" + form_escape(action)
                       + "&streamName=" + form_escape(name) + "&category=&app="
                       + form_escape(app) + "&timestamp=" + std::to_string(now);
    if (!session_id.empty()) {
        body += "&sessionId=" + form_escape(session_id);
    }
    enqueue({url, std::move(body), false});
}

void Webhooks::post_json(std::string body)
{
    if (url_.empty()) {
        return;
    }
    enqueue({url_, std::move(body), true});
}

void Webhooks::enqueue(Body body)
{
    {
        std::lock_guard lock(mutex_);
        if (!worker_.joinable()) {
            worker_ = std::thread([this] { run(); });
        }
        if (queue_.size() >= kMaxQueued) {
            queue_.pop_front();
            failed_++;
            log::warn("webhook: queue full, dropped the oldest event");
        }
        queue_.push_back(std::move(body));
    }
    wake_.notify_one();
}

size_t Webhooks::delivered() const
{
    std::lock_guard lock(mutex_);
    return delivered_;
}

size_t Webhooks::failed() const
{
    std::lock_guard lock(mutex_);
    return failed_;
}

std::string Webhooks::signature(const std::string& secret,
                                const std::string& body)
{
    return "sha256=" + jwt::hex_encode(jwt::hmac_sha256(secret, body));
}

bool Webhooks::send(const Body& b) const
{
    const std::string& body = b.text;
    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
        return false;
    }
    curl_slist* headers = nullptr;
    if (!secret_.empty()) {
        const std::string h = "X-Fanout-Signature: " + signature(secret_, body);
        headers = curl_slist_append(headers, h.c_str());
    }
    if (b.json) {
        headers = curl_slist_append(headers, "Content-Type: application/json");
    }
    if (headers != nullptr) {
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    }
    curl_easy_setopt(curl, CURLOPT_URL, b.url.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE,
                     static_cast<long>(body.size()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms_));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(timeout_ms_));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
        log::warn("webhook: " + loggable(b.url) + ": "
                  + curl_easy_strerror(rc));
        return false;
    }
    if (status < 200 || status >= 300) {
        log::warn("webhook: " + loggable(b.url) + " answered "
                  + std::to_string(status));
        return false;
    }
    return true;
}

void Webhooks::run()
{
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) {
            return;  // stopping, nothing left
        }
        Body body = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        bool ok = false;
        for (int i = 0; i < attempts_ && !ok; i++) {
            if (i > 0) {
                // Short, bounded backoff; skipped when shutting down.
                std::unique_lock wait(mutex_);
                if (wake_.wait_for(wait, std::chrono::milliseconds(500 * i),
                                   [this] { return stopping_; })) {
                    break;
                }
            }
            ok = send(body);
        }
        lock.lock();
        ok ? delivered_++ : failed_++;
    }
}

}  // namespace fanout::cluster
