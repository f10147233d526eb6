// load/src/rtmp_publish.h — the client side of an RTMP publish, without a
// socket: the handshake (the simple form, RTMP spec 5.2) and the command
// sequence ffmpeg sends (connect, releaseStream, FCPublish, createStream,
// publish), then media.  Built on the origin's own chunk stream and AMF0
// (ingest/rtmp); bytes in (feed), bytes out (take_output).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "ingest/rtmp/amf0.h"
#include "ingest/rtmp/chunk.h"
#include "ingest/rtmp/handshake.h"

namespace fanout::load {

// C0 + C1: version 3, time, four zero bytes (the simple form), random.
std::vector<uint8_t> make_c0c1(uint32_t time,
                               const ingest::rtmp::RandomFill& random);

// C2 from the server's S0 + S1 + S2 (exactly 1 + 2 * 1536 bytes): an echo
// of S1.  Error: a version other than 3.
Result<std::vector<uint8_t>> make_c2(std::span<const uint8_t> s0s1s2);

class PublishClient {
public:
    enum class State : uint8_t {
        Handshake,  // C0C1 sent, waiting for S0S1S2
        Connecting,  // connect sent
        CreatingStream,
        Starting,  // publish sent
        Publishing,  // NetStream.Publish.Start received: media may flow
        Failed,  // refused or a protocol error: see failure()
    };

    // app and tc_url go into connect; name (with any ?query) into publish.
    PublishClient(std::string app, std::string tc_url, std::string name,
                  ingest::rtmp::RandomFill random = ingest::rtmp::random_fill);

    // Queues C0C1.  Call once, first.
    void start();
    // Server bytes.  An Error is a protocol violation or a refusal (the
    // status code and description); state() is then Failed.
    Status feed(std::span<const uint8_t> in);
    // Queues one FLV tag body as an RTMP message of its type: audio (8),
    // video (9), or script data (18, e.g. onMetaData).  Only while
    // Publishing.
    void send_media(uint8_t type, uint32_t timestamp,
                    std::span<const uint8_t> body);

    bool has_output() const { return !out_.empty(); }
    std::vector<uint8_t> take_output();
    State state() const { return state_; }
    // The status code that ended the publish ("NetStream.Publish.BadName"),
    // or what went wrong.
    const std::string& failure() const { return failure_; }

    static constexpr uint32_t kChunkSize = 4096;

private:
    Status feed_handshake(std::span<const uint8_t> in, size_t& used);
    Status on_message(const ingest::rtmp::Message& m);
    Status on_command(const ingest::rtmp::Message& m);
    void command(uint32_t stream_id,
                 const std::vector<ingest::rtmp::Amf0Value>& v);
    Status fail(std::string why);

    std::string app_, tc_url_, name_;
    ingest::rtmp::RandomFill random_;
    State state_ = State::Handshake;
    std::string failure_;
    std::vector<uint8_t> in_;  // an incomplete handshake or chunk header
    std::vector<uint8_t> out_;
    ingest::rtmp::ChunkReader reader_;
    ingest::rtmp::ChunkWriter writer_;
    uint32_t stream_id_ = 0;
    uint64_t bytes_in_ = 0, acked_ = 0;
    uint32_t ack_window_ = 0;
};

}  // namespace fanout::load
