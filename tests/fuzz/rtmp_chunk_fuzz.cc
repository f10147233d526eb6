// rtmp_chunk_fuzz.cc — libFuzzer target for the RTMP chunk stream reader.
// The first byte picks how the input is split into reads; every message
// read is written back with ChunkWriter and must read back identically.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "ingest/rtmp/chunk.h"

using namespace fanout::ingest::rtmp;

static ChunkLimits small_limits()
{
    ChunkLimits l;
    l.max_message_size = 1 << 20;  // keep fuzzing memory modest
    l.max_pending_bytes = 2 << 20;
    return l;
}

static void round_trip(const Message& m, uint32_t chunk_size)
{
    ChunkWriter w;
    w.set_chunk_size(chunk_size);
    std::vector<uint8_t> bytes;
    w.write(bytes, m.csid, m.type, m.stream_id, m.timestamp, m.payload);
    ChunkReader r(small_limits());
    if (chunk_size != 128) {
        // Tell the reader about the chunk size first, as a peer would.
        std::vector<uint8_t> scs;
        ChunkWriter().write(scs, 2, kSetChunkSize, 0, 0,
                            u32_payload(chunk_size));
        bytes.insert(bytes.begin(), scs.begin(), scs.end());
        Message ignored;
        auto first = r.read(bytes, ignored);
        if (first.status != fanout::media::ParseStatus::Parsed) abort();
        bytes.erase(bytes.begin(), bytes.begin() + first.consumed);
    }
    Message back;
    auto res = r.read(bytes, back);
    // A Set Chunk Size message of ours may carry a size the reader rejects.
    if (res.status == fanout::media::ParseStatus::Error
        && m.type == kSetChunkSize)
        return;
    if (res.status != fanout::media::ParseStatus::Parsed
        || res.consumed != bytes.size())
        abort();
    if (back.csid != m.csid || back.type != m.type
        || back.stream_id != m.stream_id || back.timestamp != m.timestamp
        || back.payload != m.payload) {
        abort();
    }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 1) return 0;
    const size_t step = 1 + data[0] % 64;
    std::span<const uint8_t> in(data + 1, size - 1);
    ChunkReader reader(small_limits());
    std::vector<uint8_t> pending;
    size_t at = 0;
    int messages = 0;
    while (at < in.size()) {
        const size_t n = std::min(step, in.size() - at);
        pending.insert(pending.end(), in.begin() + at, in.begin() + at + n);
        at += n;
        size_t used = 0;
        for (;;) {
            Message m;
            ChunkResult r = reader.read(std::span(pending).subspan(used), m);
            used += r.consumed;
            if (used > pending.size()) abort();
            if (r.status == fanout::media::ParseStatus::Error) {
                if (!r.error) abort();
                return 0;
            }
            if (r.status == fanout::media::ParseStatus::NeedMoreData) break;
            if (messages++ < 4) round_trip(m, 1 + (data[0] * 37u) % 5000);
        }
        pending.erase(pending.begin(), pending.begin() + used);
        // Only an incomplete chunk header may be left over.
        if (pending.size() > 18) abort();
    }
    return 0;
}
