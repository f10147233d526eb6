// ingest/rtmp/chunk.h — the RTMP chunk stream (Adobe RTMP spec 5.3): a
// reader that reassembles messages from interleaved chunks and a writer
// that splits outgoing messages.  No sockets: the reader is fed bytes and
// says NeedMoreData, Parsed (one message) or Error, the way
// OvenMediaEngine's chunk parser does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/error.h"
#include "core/shared_bytes.h"
#include "media/byte_reader.h"

namespace fanout::ingest::rtmp {

using media::ParseStatus;

// Message type ids (spec 5.4, 7.1).
enum MessageType : uint8_t {
    kSetChunkSize = 1,
    kAbortMessage = 2,
    kAcknowledgement = 3,
    kUserControl = 4,
    kWindowAckSize = 5,
    kSetPeerBandwidth = 6,
    kAudio = 8,
    kVideo = 9,
    kDataAmf3 = 15,
    kSharedObjectAmf3 = 16,
    kCommandAmf3 = 17,
    kDataAmf0 = 18,
    kSharedObjectAmf0 = 19,
    kCommandAmf0 = 20,
    kAggregate = 22,
};

struct Message {
    uint32_t csid = 0;
    uint8_t type = 0;
    uint32_t stream_id = 0;
    uint32_t timestamp = 0;  // 32-bit, as the chunk headers add up
    // Immutable; small messages share a block with their neighbours (see
    // ChunkReader), so holding one holds its block.
    SharedBytes payload;
};

struct ChunkLimits {
    uint32_t max_chunk_size = 16u << 20;  // Set Chunk Size above this: Error
    uint32_t max_message_size = 8u << 20;
    size_t max_chunk_streams = 64;
    // All partly received messages together; bounds memory when a client
    // opens many chunk streams and finishes none.
    size_t max_pending_bytes = 16u << 20;
};

struct ChunkResult {
    ParseStatus status = ParseStatus::NeedMoreData;
    size_t consumed = 0;  // bytes of the input used, in every case
    std::optional<Error> error;  // with ParseStatus::Error
};

class ChunkReader {
public:
    explicit ChunkReader(ChunkLimits limits = {}) : limits_(limits) {}

    // Consumes chunks from `in` until one message completes (Parsed, the
    // message in `out`), the input runs out (NeedMoreData), or the input is
    // invalid (Error; the reader is then unusable).  Payload bytes are taken
    // as they come; only a chunk header (at most 18 bytes) that is cut short
    // is left unconsumed, so the caller keeps at most that much.
    // Set Chunk Size and Abort Message are applied here and also returned.
    ChunkResult read(std::span<const uint8_t> in, Message& out);

    uint32_t chunk_size() const { return chunk_size_; }

    // Messages up to this size are laid out back to back in shared blocks
    // of kBlockSize bytes: a frame costs no allocation of its own.  Larger
    // ones get a buffer of their own, grown as their bytes arrive, not as
    // their header claims.
    static constexpr uint32_t kBlockMessage = 32 * 1024;
    static constexpr size_t kBlockSize =
        128 * 1024 - 256;  // under malloc's mmap threshold

private:
    struct Stream {
        bool has_header = false;
        uint32_t ts_field = 0;  // last delta or absolute timestamp field
        bool extended = false;  // ts_field came from an extended timestamp
        uint32_t timestamp = 0;
        uint32_t length = 0;
        uint8_t type = 0;
        uint32_t stream_id = 0;
        bool in_message = false;  // a message is partly received
        // The message being received: `filled` of `length` bytes, in a
        // block (owner + at) or in `own`.
        uint32_t filled = 0;
        std::shared_ptr<const void> owner;
        uint8_t* at = nullptr;
        std::vector<uint8_t> own;
    };

    // One chunk header's fields as read (spec 5.3.1).
    struct Header {
        int fmt = 0;
        uint32_t csid = 0;
        uint32_t ts = 0;  // timestamp or delta field (24 bits)
        uint32_t length = 0;
        uint8_t type = 0;
        uint32_t stream_id = 0;
        bool has_ext = false;  // an extended timestamp was taken
        uint32_t ext = 0;
    };

    // Parses one chunk header; NeedMoreData consumes nothing.
    ChunkResult read_header(std::span<const uint8_t> in);
    // A complete header that starts a message on s: its fields, then the
    // message's place.  An Error when the message is over a limit.
    Status begin_message(Stream& s, const Header& h);
    Status apply_control(const Message& m);
    // Where a new message of s.length bytes will be assembled.
    void start_payload(Stream& s);

    ChunkLimits limits_;
    std::shared_ptr<uint8_t[]> block_;  // the block small messages go to
    size_t block_used_ = 0;
    uint32_t chunk_size_ = 128;
    std::map<uint32_t, Stream> streams_;
    size_t pending_bytes_ = 0;
    // The chunk whose payload is being read.
    Stream* current_ = nullptr;
    uint32_t current_csid_ = 0;
    uint32_t chunk_left_ = 0;
    bool failed_ = false;
};

// Splits messages into chunks: type 0 header, then type 3 continuations
// (repeating the extended timestamp, as librtmp and ffmpeg expect).
class ChunkWriter {
public:
    void set_chunk_size(uint32_t size) { chunk_size_ = size; }
    uint32_t chunk_size() const { return chunk_size_; }

    void write(std::vector<uint8_t>& out, uint32_t csid, uint8_t type,
               uint32_t stream_id, uint32_t timestamp,
               std::span<const uint8_t> payload) const;

private:
    uint32_t chunk_size_ = 128;
};

// Protocol control and user control message payloads (spec 5.4, 6.2, 7.1.7).
std::vector<uint8_t> u32_payload(uint32_t value);  // chunk size, ack, window
std::vector<uint8_t> peer_bandwidth_payload(uint32_t window,
                                            uint8_t limit_type);
std::vector<uint8_t> user_control_payload(uint16_t event, uint32_t value);

enum UserControlEvent : uint16_t {
    kStreamBegin = 0,
    kStreamEof = 1,
    kPingRequest = 6,
    kPingResponse = 7,
};

}  // namespace fanout::ingest::rtmp
