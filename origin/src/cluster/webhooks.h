// cluster/webhooks.h — Ant Media's listenerHookURL: POSTs stream events as
// form fields from a worker thread of its own, with bounded timeouts and a
// few retries, never blocking ingest.  A full queue drops the oldest event.
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
    // url empty: every post() is a no-op.
    explicit Webhooks(std::string url, int timeout_ms = 5000, int attempts = 3);
    ~Webhooks();  // sends what is queued (bounded), then joins

    // action: "liveStreamStarted", "liveStreamEnded", ...  session_id,
    // when not empty, is sent as `sessionId`, a field of Fanout's own
    // (Ant Media's form has none): after a takeover a receiver gets the
    // old session's end and the new one's start, in that order.
    void post(const std::string& action, const std::string& stream_id,
              const std::string& name, const std::string& app,
              const std::string& session_id = {});

    size_t delivered() const;
    size_t failed() const;

private:
    void run();
    bool send(const std::string& body) const;

    const std::string url_;
    const int timeout_ms_;
    const int attempts_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::string> queue_;  // url-encoded form bodies
    size_t delivered_ = 0;
    size_t failed_ = 0;
    bool stopping_ = false;
    std::thread worker_;
};

}  // namespace fanout::cluster
