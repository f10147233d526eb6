// cluster/webhooks.h — Ant Media's listenerHookURL: POSTs stream events as
// form fields from a worker thread of its own, with bounded timeouts and a
// few retries, never blocking ingest.  A full queue drops the oldest event.
// With a secret (listenerHookSecret), each POST carries
// `X-Fanout-Signature: sha256=<hex HMAC-SHA256 of the body>`, so that a
// receiver can tell the origin's posts from anyone's (README, Webhooks).
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace fanout::cluster {

class Webhooks {
public:
    // url: where post() and post_json() go (empty: nowhere); post_to()
    // names its own.  The sending thread starts with the first event.
    explicit Webhooks(std::string url, int timeout_ms = 5000, int attempts = 3,
                      std::string secret = {});
    ~Webhooks();  // sends what is queued (bounded), then joins

    // action: "liveStreamStarted", "liveStreamEnded", ...  session_id,
    // when not empty, is sent as `sessionId`, a field of Fanout's own
    // (Ant Media's form has none): after a takeover a receiver gets the
    // old session's end and the new one's start, in that order.
    // The X-Fanout-Signature value of body ("sha256=" + 64 hex digits).
    static std::string signature(const std::string& secret,
                                 const std::string& body);

    void post(const std::string& action, const std::string& stream_id,
              const std::string& name, const std::string& app,
              const std::string& session_id = {})
    {
        post_to(url_, action, stream_id, name, app, session_id);
    }
    // The same, to `url` (a publish's listenerHookURL, per application:
    // cluster/hook_settings.h); empty sends nothing.
    void post_to(const std::string& url, const std::string& action,
                 const std::string& stream_id, const std::string& name,
                 const std::string& app, const std::string& session_id = {});

    // A JSON body (the alert webhook, alerts/evaluator.h), sent as
    // application/json with the same queue, retries and signature.
    void post_json(std::string body);

    size_t delivered() const;
    size_t failed() const;

private:
    struct Body {
        std::string url;
        std::string text;
        bool json = false;  // else url-encoded form fields
    };
    void enqueue(Body body);
    void run();
    bool send(const Body& body) const;

    const std::string url_;
    const std::string secret_;  // never logged
    const int timeout_ms_;
    const int attempts_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Body> queue_;
    size_t delivered_ = 0;
    size_t failed_ = 0;
    bool stopping_ = false;
    std::thread worker_;
};

}  // namespace fanout::cluster
