// ingest/publish_control.h — how an ingest protocol (RTMP now; SRT and
// WebRTC later) asks the origin whether a publish may start.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/error.h"
#include "core/stream_key.h"
#include "media/frame.h"

namespace fanout::ingest {

struct PublishRequest {
    StreamKey key;  // {"LiveApp", "cam1"}: validated by the protocol
    std::string query;  // what followed '?', e.g. "token=abc"
    std::string client;  // "ip:port" of the publisher
    std::string protocol;  // "RTMP"
    // Ends the publish and closes its connection (on the event loop; a
    // no-op once the connection is gone): the origin lost the stream to
    // another one.  The sink gets on_end() as for any end.
    std::function<void(const std::string& why)> revoke;
};

// Denied publishes carry the reason; the protocol maps it to its own
// status: an Error whose code() is kPublishRejected (a token that is
// wrong, expired or used; a check that could not be made) is RTMP's
// NetStream.Publish.Rejected, any other NetStream.Publish.BadName.
using PublishDecision = Result<std::shared_ptr<media::StreamSink>>;
inline constexpr int kPublishRejected = 1;

class PublishControl {
public:
    virtual ~PublishControl() = default;
    // Called on the event loop; never blocks.  done is called exactly once,
    // on the same event loop, possibly later (the store is asked on a worker
    // thread).  The caller keeps itself alive until then or cancels by
    // ignoring the answer (done must tolerate a dead connection: capture a
    // weak_ptr).
    virtual void authorize(const PublishRequest& request,
                           std::function<void(PublishDecision)> done) = 0;
};

}  // namespace fanout::ingest
