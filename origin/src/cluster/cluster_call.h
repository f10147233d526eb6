// cluster/cluster_call.h — one authenticated HTTP/1.1 request from this
// origin to another (the internal endpoints, http/rest_internal.h), on the
// event loop with Asio: resolve, connect, write, read to the end, all
// under one timer.  Nothing blocks; the whole exchange takes at most
// `timeout`.  What the caller makes of the answer is its own (pure)
// business: cluster/takeover.h for a probe, cluster/stream_stop.h for a
// stop.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <string>

namespace fanout::cluster {

struct CallRequest {
    std::string host;  // the other origin's originAdress
    int port = 0;  // its HTTP port
    std::string method;  // "GET", "POST"
    std::string path;  // "/internal/v1/streams/LiveApp/cam"
    std::string token;  // the ClusterAuthorization value (cluster_token.h)
};

struct CallAnswer {
    enum class Kind {
        Answered,  // a whole HTTP answer: status and body
        Unreachable,  // refused, reset, timed out, closed before answering
        Malformed,  // bytes that are not an HTTP answer, or too many
    };
    Kind kind = Kind::Malformed;
    int status = 0;
    std::string body;
    std::string detail;  // why, when not Answered (for a log line)
};

// The most an answer may hold before it is Malformed.
inline constexpr size_t kMaxCallAnswerBytes = 16 * 1024;

// done(answer) exactly once, on loop, within timeout (Unreachable then).
void cluster_call(boost::asio::io_context& loop, const CallRequest& request,
                  std::chrono::milliseconds timeout,
                  std::function<void(CallAnswer)> done);

}  // namespace fanout::cluster
