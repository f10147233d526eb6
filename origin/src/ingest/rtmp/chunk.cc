// ingest/rtmp/chunk.cc — see chunk.h.
#include "ingest/rtmp/chunk.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace fanout::ingest::rtmp {
namespace {

using media::ByteReader;

constexpr uint32_t kExtendedTimestamp = 0xffffff;

ChunkResult need_more()
{
    return ChunkResult{ParseStatus::NeedMoreData, 0, std::nullopt};
}

ChunkResult fail(size_t consumed, std::string why)
{
    return ChunkResult{ParseStatus::Error, consumed, Error(std::move(why))};
}

uint32_t le32(std::span<const uint8_t> b)
{
    return uint32_t{b[0]} | (uint32_t{b[1]} << 8) | (uint32_t{b[2]} << 16)
           | (uint32_t{b[3]} << 24);
}

// The basic header (spec 5.3.1.1): format and chunk stream id, in 1 to 3
// bytes.  false: more bytes are needed.
bool read_basic_header(ByteReader& r, int& fmt, uint32_t& csid)
{
    uint8_t b0 = 0;
    if (!r.u8(b0)) return false;
    fmt = b0 >> 6;
    csid = b0 & 0x3f;
    if (csid == 0) {
        uint8_t b1 = 0;
        if (!r.u8(b1)) return false;
        csid = 64 + b1;
    } else if (csid == 1) {
        uint8_t b1 = 0, b2 = 0;
        if (!r.u8(b1) || !r.u8(b2)) return false;
        csid = 64 + b1 + 256u * b2;
    }
    return true;
}

}  // namespace

ChunkResult ChunkReader::read_header(std::span<const uint8_t> in)
{
    ByteReader r(in);
    Header h;
    if (!read_basic_header(r, h.fmt, h.csid)) return need_more();
    const int fmt = h.fmt;
    const uint32_t csid = h.csid;

    auto it = streams_.find(csid);
    const bool fresh = it == streams_.end() || !it->second.has_header;
    // librtmp opens some chunk streams with a type 1 header; a type 2 or 3
    // header has nothing to be relative to.
    if (fresh && fmt >= 2) {
        return fail(r.position(),
                    "chunk type " + std::to_string(fmt) + " on chunk stream "
                        + std::to_string(csid) + " without a previous header");
    }
    if (it == streams_.end() && streams_.size() >= limits_.max_chunk_streams) {
        return fail(r.position(),
                    "more than " + std::to_string(limits_.max_chunk_streams)
                        + " chunk streams");
    }

    if (fmt <= 2 && !r.u24(h.ts)) return need_more();
    if (fmt <= 1 && (!r.u24(h.length) || !r.u8(h.type))) return need_more();
    if (fmt == 0) {
        std::span<const uint8_t> sid;
        if (!r.bytes(4, sid)) return need_more();
        h.stream_id = le32(sid);  // the one little-endian field in RTMP
    }

    Stream probe;
    const Stream& prev = fresh ? probe : it->second;
    const bool continuation = !fresh && prev.in_message;
    if (continuation && fmt != 3) {
        return fail(r.position(), "chunk type " + std::to_string(fmt)
                                      + " inside a message on chunk stream "
                                      + std::to_string(csid));
    }
    // Type 3 repeats the previous header, including whether an extended
    // timestamp follows.  On a continuation chunk some clients omit it, so
    // it is taken only when it repeats the value (SRS does the same).
    h.has_ext = (fmt <= 2) ? h.ts == kExtendedTimestamp : prev.extended;
    if (h.has_ext) {
        if (r.remaining() < 4) return need_more();
        ByteReader peek(r.rest());
        peek.u32(h.ext);
        if (continuation && h.ext != prev.ts_field) {
            h.has_ext = false;
        } else {
            r.skip(4);
        }
    }

    // Commit: the header is complete.
    if (it == streams_.end()) it = streams_.emplace(csid, Stream{}).first;
    Stream& s = it->second;
    if (!continuation) {
        Status st = begin_message(s, h);
        if (!st) return fail(r.position(), st.error().message());
    }
    current_ = &s;
    current_csid_ = csid;
    chunk_left_ = std::min<uint32_t>(chunk_size_, s.length - s.filled);
    return ChunkResult{ParseStatus::Parsed, r.position(), std::nullopt};
}

Status ChunkReader::begin_message(Stream& s, const Header& h)
{
    if (h.fmt == 0) {
        s.ts_field = h.has_ext ? h.ext : h.ts;
        s.timestamp = s.ts_field;
        s.stream_id = h.stream_id;
    } else if (h.fmt <= 2) {
        s.ts_field = h.has_ext ? h.ext : h.ts;
        s.timestamp += s.ts_field;
    } else {
        if (h.has_ext) s.ts_field = h.ext;
        s.timestamp += s.ts_field;  // the previous delta, again
    }
    if (h.fmt <= 2) s.extended = h.has_ext;
    if (h.fmt <= 1) {
        s.length = h.length;
        s.type = h.type;
    }
    s.has_header = true;
    if (s.length > limits_.max_message_size) {
        return Error("message of " + std::to_string(s.length)
                     + " bytes exceeds "
                     + std::to_string(limits_.max_message_size));
    }
    if (pending_bytes_ + s.length > limits_.max_pending_bytes) {
        return Error("more than " + std::to_string(limits_.max_pending_bytes)
                     + " bytes of messages pending");
    }
    s.in_message = true;
    start_payload(s);
    pending_bytes_ += s.length;
    return {};
}

void ChunkReader::start_payload(Stream& s)
{
    s.filled = 0;
    s.owner.reset();
    s.at = nullptr;
    s.own = {};
    if (s.length == 0) return;
    if (s.length > kBlockMessage) {
        // Reserve as bytes arrive, not what the header claims.
        s.own.reserve(std::min<uint32_t>(s.length, 64 * 1024));
        return;
    }
    if (!block_ || kBlockSize - block_used_ < s.length) {
        // Not make_shared: the bytes need no zeroing.
        block_ = std::shared_ptr<uint8_t[]>(new uint8_t[kBlockSize]);
        block_used_ = 0;
    }
    s.owner = block_;
    s.at = block_.get() + block_used_;
    block_used_ += s.length;
}

Status ChunkReader::apply_control(const Message& m)
{
    if (m.type == kSetChunkSize) {
        if (m.payload.size() < 4)
            return Error("Set Chunk Size message too short");
        ByteReader r(m.payload);
        uint32_t size = 0;
        r.u32(size);
        if (size == 0) return Error("chunk size 0");
        if (size > limits_.max_chunk_size) {
            return Error("chunk size " + std::to_string(size) + " too large");
        }
        chunk_size_ = size;
    } else if (m.type == kAbortMessage) {
        if (m.payload.size() < 4) return Error("Abort Message too short");
        ByteReader r(m.payload);
        uint32_t csid = 0;
        r.u32(csid);
        auto it = streams_.find(csid);
        if (it != streams_.end() && it->second.in_message
            && &it->second != current_) {
            pending_bytes_ -= it->second.length;
            it->second.in_message = false;
            it->second.filled = 0;
            it->second.owner.reset();
            it->second.at = nullptr;
            it->second.own = {};
        }
    }
    return {};
}

ChunkResult ChunkReader::read(std::span<const uint8_t> in, Message& out)
{
    if (failed_) return fail(0, "chunk stream already failed");
    size_t used = 0;
    for (;;) {
        if (current_ == nullptr) {
            ChunkResult h = read_header(in.subspan(used));
            used += h.consumed;
            if (h.status == ParseStatus::Error) failed_ = true;
            if (h.status != ParseStatus::Parsed) {
                h.consumed = used;
                return h;
            }
        }
        Stream& s = *current_;
        const size_t take = std::min<size_t>(chunk_left_, in.size() - used);
        if (s.at) {
            std::memcpy(s.at + s.filled, in.data() + used, take);
        } else {
            s.own.insert(s.own.end(), in.begin() + static_cast<long>(used),
                         in.begin() + static_cast<long>(used + take));
        }
        s.filled += static_cast<uint32_t>(take);
        used += take;
        chunk_left_ -= static_cast<uint32_t>(take);
        if (chunk_left_ > 0)
            return ChunkResult{ParseStatus::NeedMoreData, used, std::nullopt};
        current_ = nullptr;
        if (s.filled < s.length) continue;  // next chunk

        out.csid = current_csid_;
        out.type = s.type;
        out.stream_id = s.stream_id;
        out.timestamp = s.timestamp;
        if (s.at) {
            out.payload = SharedBytes(std::move(s.owner), s.at, s.length);
            s.at = nullptr;
        } else {
            out.payload = SharedBytes(std::move(s.own));
            s.own = {};
        }
        s.filled = 0;
        s.in_message = false;
        pending_bytes_ -= s.length;
        if (Status st = apply_control(out); !st) {
            failed_ = true;
            return ChunkResult{ParseStatus::Error, used, st.error()};
        }
        return ChunkResult{ParseStatus::Parsed, used, std::nullopt};
    }
}

void ChunkWriter::write(std::vector<uint8_t>& out, uint32_t csid, uint8_t type,
                        uint32_t stream_id, uint32_t timestamp,
                        std::span<const uint8_t> payload) const
{
    const bool ext = timestamp >= kExtendedTimestamp;
    auto basic_header = [&](int fmt) {
        const uint8_t f = static_cast<uint8_t>(fmt << 6);
        if (csid < 64) {
            out.push_back(static_cast<uint8_t>(f | csid));
        } else if (csid < 320) {
            out.push_back(f);
            out.push_back(static_cast<uint8_t>(csid - 64));
        } else {
            out.push_back(f | 1);
            out.push_back(static_cast<uint8_t>((csid - 64) & 0xff));
            out.push_back(static_cast<uint8_t>((csid - 64) >> 8));
        }
    };
    auto ext_timestamp = [&] {
        if (!ext) return;
        uint8_t b[4];
        media::put_u32(b, timestamp);
        out.insert(out.end(), b, b + 4);
    };

    basic_header(0);
    uint8_t h[11];
    media::put_u24(h, ext ? kExtendedTimestamp : timestamp);
    media::put_u24(h + 3, static_cast<uint32_t>(payload.size()));
    h[6] = type;
    h[7] = static_cast<uint8_t>(stream_id);
    h[8] = static_cast<uint8_t>(stream_id >> 8);
    h[9] = static_cast<uint8_t>(stream_id >> 16);
    h[10] = static_cast<uint8_t>(stream_id >> 24);
    out.insert(out.end(), h, h + sizeof h);
    ext_timestamp();
    size_t at = 0;
    for (;;) {
        const size_t n = std::min<size_t>(chunk_size_, payload.size() - at);
        out.insert(out.end(), payload.begin() + static_cast<long>(at),
                   payload.begin() + static_cast<long>(at + n));
        at += n;
        if (at >= payload.size()) break;
        basic_header(3);
        ext_timestamp();
    }
}

std::vector<uint8_t> u32_payload(uint32_t value)
{
    std::vector<uint8_t> p(4);
    media::put_u32(p.data(), value);
    return p;
}

std::vector<uint8_t> peer_bandwidth_payload(uint32_t window, uint8_t limit_type)
{
    std::vector<uint8_t> p = u32_payload(window);
    p.push_back(limit_type);
    return p;
}

std::vector<uint8_t> user_control_payload(uint16_t event, uint32_t value)
{
    std::vector<uint8_t> p(6);
    media::put_u16(p.data(), event);
    media::put_u32(p.data() + 2, value);
    return p;
}

}  // namespace fanout::ingest::rtmp
