// ingest/rtmp/session.h — one RTMP connection's protocol state machine,
// without the socket: bytes in (feed), bytes out (take_output), media to a
// StreamSink.  The server (server.h) owns the socket and the timers; tests
// and the fuzzer drive this directly.
//
// Flow: handshake → connect (Window Ack Size, Set Peer Bandwidth, Set Chunk
// Size, _result NetConnection.Connect.Success) → releaseStream / FCPublish /
// createStream → publish "<stream_id>[?query]" → PublishControl::authorize.
// Its answer may come later: success sends NetStream.Publish.Start and
// media flows to the returned sink (what arrived meanwhile is replayed, see
// publish_media.h); a refusal sends NetStream.Publish.BadName (or
// NetStream.Publish.Rejected, for an Error coded kPublishRejected: a bad
// token) with the reason and asks to close.  FCUnpublish, deleteStream, closeStream,
// close() and the destructor end the publish; the sink's on_end() is called
// exactly once — also for a sink that is granted after the publish ended.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/metrics.h"
#include "core/stream_key.h"
#include "ingest/publish_control.h"
#include "ingest/rtmp/amf0.h"
#include "ingest/rtmp/chunk.h"
#include "ingest/rtmp/handshake.h"
#include "ingest/rtmp/publish_media.h"

namespace fanout::ingest::rtmp {

struct SessionOptions {
    std::string client;  // "ip:port", for PublishRequest and logs
    uint32_t out_chunk_size = 4096;  // announced with Set Chunk Size at connect
    uint32_t window_ack_size = 5000000;  // announced at connect
    uint32_t peer_bandwidth = 5000000;
    size_t max_pending_media_bytes = 4u << 20;  // held while authorize runs
    ChunkLimits chunk_limits;
    Amf0Limits amf0_limits;
    RandomFill random = random_fill;
};

// Where the session reports what it decided: refusals at info (with the
// peer and the reason); publish start/end and protocol oddities at debug,
// since the publish gate logs start and end.  Either may be empty.
struct SessionLog {
    std::function<void(const std::string&)> info;
    std::function<void(const std::string&)> debug;
};

// "name?query" → {name, query}.
std::pair<std::string, std::string> split_query(std::string_view s);

class RtmpSession : public std::enable_shared_from_this<RtmpSession> {
public:
    // control (and metrics, if given) must outlive the session.  The
    // session counts only the refusals PublishControl never sees (invalid
    // names, a second publish); publishes_total, publishers and the
    // control's own refusals belong to the control (app/publish_gate.cc).
    static std::shared_ptr<RtmpSession> create(PublishControl& control,
                                               SessionOptions options,
                                               Metrics* metrics = nullptr,
                                               SessionLog log = {});
    ~RtmpSession();
    RtmpSession(const RtmpSession&) = delete;
    RtmpSession& operator=(const RtmpSession&) = delete;

    // Processes bytes from the client.  An Error is a protocol violation
    // (the reason, without the peer): the caller logs it and closes.  After
    // wants_close() the session ignores further input.  received: when
    // these bytes reached the host, stamped on the frames they complete
    // (media::Frame::received); the session never reads a clock.
    Status feed(std::span<const uint8_t> bytes,
                std::chrono::steady_clock::time_point received = {});

    bool has_output() const { return !out_.empty(); }
    std::vector<uint8_t> take_output();

    // The session has said its last word (a refused publish, play): send
    // the output, then close.
    bool wants_close() const { return close_requested_; }

    // Output produced outside feed(), by an authorize answer: the callback
    // should take_output() and check wants_close().
    void set_async_output(std::function<void()> notify)
    {
        notify_ = std::move(notify);
    }

    // The connection is gone: ends any publish.  Idempotent.
    void close();

    // The origin took the publish back (PublishRequest::revoke): ends it,
    // tells the publisher why, and asks to close.  No-op unless publishing.
    void revoke(const std::string& why);

    bool handshake_done() const { return handshake_.done(); }
    bool publishing() const { return state_ == PublishState::Publishing; }
    const std::string& app() const { return app_; }
    // The stream being published (or authorized); empty when none was.
    const std::string& stream_id() const { return key_.id; }

private:
    enum class PublishState : uint8_t { Idle, Authorizing, Publishing };

    RtmpSession(PublishControl& control, SessionOptions options,
                Metrics* metrics, SessionLog log);

    Status process(std::span<const uint8_t> in, size_t& used);
    Status handle_message(const Message& m);
    Status handle_command(const Message& m, std::span<const uint8_t> body);
    Status handle_data(const Message& m, std::span<const uint8_t> body);
    Status handle_media(const Message& m);

    Status on_connect(double txn, const std::vector<Amf0Value>& args);
    Status on_create_stream(double txn);
    // _error with NetConnection.Call.Failed for the call txn.
    void send_call_failed(double txn, const std::string& description);
    Status on_publish(const Message& m, double txn,
                      const std::vector<Amf0Value>& args);
    void on_decision(PublishDecision decision);
    void end_publish(const char* why);

    void send(uint32_t csid, uint8_t type, uint32_t stream_id,
              std::span<const uint8_t> payload);
    void send_command(uint32_t stream_id, const std::vector<Amf0Value>& values);
    void send_status(uint32_t stream_id, const char* level, const char* code,
                     const std::string& description);
    void send_result(double txn, Amf0Value info = Amf0Value::undefined());
    void note(bool info, const std::string& text) const;

    PublishControl& control_;
    SessionOptions opt_;
    Metrics* metrics_;
    SessionLog log_;
    std::function<void()> notify_;

    ServerHandshake handshake_;
    ChunkReader reader_;
    ChunkWriter writer_;
    std::vector<uint8_t>
        pending_in_;  // an incomplete handshake or chunk header
    std::vector<uint8_t> out_;
    bool in_feed_ = false;
    std::chrono::steady_clock::time_point received_{};
    bool noted_stray_media_ = false;
    bool close_requested_ = false;
    bool closed_ = false;

    uint64_t bytes_in_ = 0;
    uint64_t last_ack_ = 0;
    uint32_t ack_window_ = 0;  // the client's Window Ack Size; 0 = none

    bool connected_ = false;
    std::string app_;
    std::string app_query_;
    uint32_t streams_created_ = 0;

    PublishState state_ = PublishState::Idle;
    uint64_t publish_generation_ = 0;
    uint32_t publish_stream_ = 0;
    StreamKey key_;  // validated once, in on_publish
    std::shared_ptr<media::StreamSink> sink_;
    std::unique_ptr<PublishMedia> media_;
};

}  // namespace fanout::ingest::rtmp
