// tests/origin/ingest/chunk_test.cc — the chunk stream reader and writer.
#include "ingest/rtmp/chunk.h"

#include <gtest/gtest.h>

#include <random>

#include "../media/test_vectors.h"

namespace fanout::ingest::rtmp {
namespace {

using test::hex;

struct Read {
    std::vector<Message> messages;
    std::optional<Error> error;
    size_t left = 0;  // bytes never consumed
};

// Feeds `in` in pieces of `step` bytes (0: all at once), keeping what the
// reader leaves unconsumed, as the session does.
Read read_all(ChunkReader& reader, std::span<const uint8_t> in, size_t step = 0)
{
    Read out;
    std::vector<uint8_t> pending;
    size_t at = 0;
    while (at < in.size() || !pending.empty()) {
        const size_t n =
            step == 0 ? in.size() - at : std::min(step, in.size() - at);
        pending.insert(pending.end(), in.begin() + static_cast<long>(at),
                       in.begin() + static_cast<long>(at + n));
        at += n;
        size_t used = 0;
        for (;;) {
            Message m;
            ChunkResult r = reader.read(std::span(pending).subspan(used), m);
            used += r.consumed;
            if (r.status == ParseStatus::Error) {
                out.error = r.error;
                return out;
            }
            if (r.status == ParseStatus::NeedMoreData) break;
            out.messages.push_back(std::move(m));
        }
        pending.erase(pending.begin(),
                      pending.begin() + static_cast<long>(used));
        if (at == in.size()) break;
    }
    out.left = pending.size();
    return out;
}

std::vector<uint8_t> payload(size_t n, uint8_t seed)
{
    std::vector<uint8_t> p(n);
    for (size_t i = 0; i < n; ++i)
        p[i] = static_cast<uint8_t>(seed + i * 7);
    return p;
}

struct Spec {
    uint32_t csid;
    uint8_t type;
    uint32_t stream_id;
    uint32_t timestamp;
    size_t size;
};

const Spec kSpecs[] = {
    {2, kUserControl, 0, 0, 0},  // empty
    {3, kCommandAmf0, 0, 0, 1},
    {4, kAudio, 1, 20, 128},
    {6, kVideo, 1, 40, 129},
    {63, kVideo, 1, 80, 5000},
    {64, kAudio, 1, 100, 300},
    {319, kAudio, 1, 0x00fffffe, 10},
    {320, kVideo, 1, 0x00ffffff, 400},  // exactly the extended marker
    {65599, kVideo, 7, 0xfffffff0, 1000},  // highest csid, extended
};

std::vector<uint8_t> written(uint32_t chunk_size)
{
    ChunkWriter w;
    w.set_chunk_size(chunk_size);
    std::vector<uint8_t> out;
    for (size_t i = 0; i < std::size(kSpecs); ++i) {
        const Spec& s = kSpecs[i];
        w.write(out, s.csid, s.type, s.stream_id, s.timestamp,
                payload(s.size, static_cast<uint8_t>(i)));
    }
    return out;
}

void expect_specs(const Read& r)
{
    ASSERT_FALSE(r.error) << r.error->message();
    ASSERT_EQ(r.messages.size(), std::size(kSpecs));
    for (size_t i = 0; i < std::size(kSpecs); ++i) {
        const Spec& s = kSpecs[i];
        const Message& m = r.messages[i];
        EXPECT_EQ(m.csid, s.csid) << i;
        EXPECT_EQ(m.type, s.type) << i;
        EXPECT_EQ(m.stream_id, s.stream_id) << i;
        EXPECT_EQ(m.timestamp, s.timestamp) << i;
        EXPECT_EQ(m.payload, payload(s.size, static_cast<uint8_t>(i))) << i;
    }
    EXPECT_EQ(r.left, 0u);
}

TEST(Chunk, WriterReaderRoundTrip)
{
    ChunkReader reader;
    expect_specs(read_all(reader, written(128)));
}

TEST(Chunk, EverySplitPointGivesTheSameMessages)
{
    const auto bytes = written(128);
    for (size_t step : {1, 2, 3, 7, 11, 17, 128, 129, 1000}) {
        ChunkReader reader;
        SCOPED_TRACE("step " + std::to_string(step));
        expect_specs(read_all(reader, bytes, step));
    }
}

TEST(Chunk, PartialHeaderIsNotConsumed)
{
    const auto bytes = written(128);
    // Header of the first message: 1 + 11 bytes.
    for (size_t n = 0; n < 12; ++n) {
        ChunkReader reader;
        Message m;
        ChunkResult r = reader.read(std::span(bytes).first(n), m);
        EXPECT_EQ(r.status, ParseStatus::NeedMoreData) << n;
        EXPECT_EQ(r.consumed, 0u) << n;
    }
}

TEST(Chunk, SetChunkSizeAppliesToFollowingChunks)
{
    ChunkWriter w;
    std::vector<uint8_t> bytes;
    w.write(bytes, 2, kSetChunkSize, 0, 0, u32_payload(4096));
    w.set_chunk_size(4096);
    w.write(bytes, 6, kVideo, 1, 0, payload(10000, 1));
    ChunkReader reader;
    Read r = read_all(reader, bytes, 5);
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.messages.size(), 2u);
    EXPECT_EQ(reader.chunk_size(), 4096u);
    EXPECT_EQ(r.messages[1].payload, payload(10000, 1));
}

TEST(Chunk, ChunkSizeLimits)
{
    auto try_size = [](uint32_t size) {
        ChunkWriter w;
        std::vector<uint8_t> bytes;
        w.write(bytes, 2, kSetChunkSize, 0, 0, u32_payload(size));
        ChunkReader reader;
        return read_all(reader, bytes);
    };
    EXPECT_FALSE(try_size(1).error);
    EXPECT_FALSE(try_size(16u << 20).error);
    auto big = try_size(0x7fffffff);
    ASSERT_TRUE(big.error);
    EXPECT_EQ(big.error->message(), "chunk size 2147483647 too large");
    EXPECT_TRUE(try_size((16u << 20) + 1).error);
    EXPECT_TRUE(try_size(0).error);
    EXPECT_TRUE(try_size(0x80000000u).error);
}

TEST(Chunk, HeaderCompressionSpecExample1)
{
    // RTMP spec 5.3.2.1: audio on csid 3, 32-byte messages every 20 ms;
    // type 0, then type 2 (delta 20), then type 3 twice.
    std::vector<uint8_t> bytes = hex("03 0003e8 000020 08 01000000");
    auto body = payload(32, 9);
    bytes.insert(bytes.end(), body.begin(), body.end());
    for (const char* h : {"83 000014", "c3", "c3"}) {
        auto hb = hex(h);
        bytes.insert(bytes.end(), hb.begin(), hb.end());
        bytes.insert(bytes.end(), body.begin(), body.end());
    }
    ChunkReader reader;
    Read r = read_all(reader, bytes);
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.messages.size(), 4u);
    EXPECT_EQ(r.messages[0].timestamp, 1000u);
    EXPECT_EQ(r.messages[1].timestamp, 1020u);
    EXPECT_EQ(r.messages[2].timestamp, 1040u);
    EXPECT_EQ(r.messages[3].timestamp, 1060u);
    for (const auto& m : r.messages)
        EXPECT_EQ(m.stream_id, 1u);
}

TEST(Chunk, Type1OnFreshStreamAndTimestampWrap)
{
    // librtmp opens some streams with a type 1 header.
    auto bytes = hex("44 000005 000001 09 aa");
    // Type 0 with extended timestamp 0xfffffff0, then a type 2 delta 0x20.
    auto wrap = hex("05 ffffff 000001 09 01000000 fffffff0 cc 85 000020 dd");
    bytes.insert(bytes.end(), wrap.begin(), wrap.end());
    ChunkReader reader;
    Read r = read_all(reader, bytes);
    ASSERT_FALSE(r.error) << r.error->message();
    ASSERT_EQ(r.messages.size(), 3u);
    EXPECT_EQ(r.messages[0].timestamp, 5u);
    EXPECT_EQ(r.messages[1].timestamp, 0xfffffff0u);
    EXPECT_EQ(r.messages[2].timestamp,
              0x10u);  // 32-bit wrap; the session unwraps
}

TEST(Chunk, InterleavedStreams)
{
    // Video (csid 6, 200 bytes) and audio (csid 4, 150 bytes) chunks alternate.
    auto v = payload(200, 1), a = payload(150, 2);
    std::vector<uint8_t> bytes = hex("06 000000 0000c8 09 01000000");
    bytes.insert(bytes.end(), v.begin(), v.begin() + 128);
    auto ah = hex("04 000000 000096 08 01000000");
    bytes.insert(bytes.end(), ah.begin(), ah.end());
    bytes.insert(bytes.end(), a.begin(), a.begin() + 128);
    bytes.push_back(0xc6);
    bytes.insert(bytes.end(), v.begin() + 128, v.end());
    bytes.push_back(0xc4);
    bytes.insert(bytes.end(), a.begin() + 128, a.end());
    ChunkReader reader;
    Read r = read_all(reader, bytes, 3);
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.messages.size(), 2u);
    EXPECT_EQ(r.messages[0].payload, v);
    EXPECT_EQ(r.messages[1].payload, a);
}

TEST(Chunk, SmallMessagesShareBlocksLargeOnesStandAlone)
{
    // Interleaved small messages, a block's worth and more of them, then
    // messages just under, at and over the block limit: every payload
    // arrives intact, and small ones are slices of shared blocks.
    ChunkWriter w;
    w.set_chunk_size(4096);
    std::vector<uint8_t> bytes;
    ChunkWriter().write(bytes, 2, kSetChunkSize, 0, 0, u32_payload(4096));
    std::vector<std::vector<uint8_t>> sent;
    const size_t block_messages = ChunkReader::kBlockSize / 9000 + 3;
    for (size_t i = 0; i < block_messages; ++i) {
        sent.push_back(payload(9000 + i, static_cast<uint8_t>(i)));
        w.write(bytes, i % 2 ? 4 : 6, i % 2 ? kAudio : kVideo, 1,
                static_cast<uint32_t>(i), sent.back());
    }
    for (size_t size :
         {size_t{ChunkReader::kBlockMessage} - 1,
          size_t{ChunkReader::kBlockMessage},
          size_t{ChunkReader::kBlockMessage} + 1, size_t{300000}}) {
        sent.push_back(payload(size, static_cast<uint8_t>(size)));
        w.write(bytes, 6, kVideo, 1, 0, sent.back());
    }
    ChunkReader reader;
    Read r = read_all(reader, bytes, 1000);
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.messages.size(), sent.size() + 1);
    for (size_t i = 0; i < sent.size(); ++i)
        EXPECT_EQ(r.messages[i + 1].payload, sent[i]) << i;
    // The first two small ones sit back to back in one block.
    EXPECT_EQ(r.messages[1].payload.data() + r.messages[1].payload.size(),
              r.messages[2].payload.data());
    EXPECT_EQ(r.left, 0u);
}

TEST(Chunk, ExtendedTimestampOnContinuationWithAndWithout)
{
    auto body = payload(200, 3);
    auto build = [&](bool repeat_ext) {
        std::vector<uint8_t> b = hex("06 ffffff 0000c8 09 01000000 01000000");
        b.insert(b.end(), body.begin(), body.begin() + 128);
        b.push_back(0xc6);
        if (repeat_ext) b.insert(b.end(), {0x01, 0x00, 0x00, 0x00});
        b.insert(b.end(), body.begin() + 128, body.end());
        return b;
    };
    for (bool repeat : {true, false}) {
        ChunkReader reader;
        Read r = read_all(reader, build(repeat), 1);
        ASSERT_FALSE(r.error);
        ASSERT_EQ(r.messages.size(), 1u) << repeat;
        EXPECT_EQ(r.messages[0].timestamp, 0x01000000u);
        EXPECT_EQ(r.messages[0].payload, body) << repeat;
    }
}

TEST(Chunk, AbortMessageDiscardsPartialMessage)
{
    auto v = payload(200, 1);
    std::vector<uint8_t> bytes = hex("06 000000 0000c8 09 01000000");
    bytes.insert(bytes.end(), v.begin(), v.begin() + 128);
    auto abort = hex("02 000000 000004 02 00000000 00000006");
    bytes.insert(bytes.end(), abort.begin(), abort.end());
    auto fresh = hex("06 000000 000002 09 01000000 abcd");
    bytes.insert(bytes.end(), fresh.begin(), fresh.end());
    ChunkReader reader;
    Read r = read_all(reader, bytes);
    ASSERT_FALSE(r.error) << r.error->message();
    ASSERT_EQ(r.messages.size(), 2u);
    EXPECT_EQ(r.messages[0].type, kAbortMessage);
    EXPECT_EQ(r.messages[1].payload, hex("abcd"));
}

TEST(Chunk, ProtocolErrors)
{
    auto error_of = [](const std::vector<uint8_t>& bytes,
                       ChunkLimits limits = {}) {
        ChunkReader reader(limits);
        Read r = read_all(reader, bytes);
        return r.error ? r.error->message() : std::string("no error");
    };
    EXPECT_NE(error_of(hex("83 000014")).find("without a previous header"),
              std::string::npos);
    EXPECT_NE(error_of(hex("c3")).find("without a previous header"),
              std::string::npos);
    // A new header inside a message.
    auto mid = hex("06 000000 0000c8 09 01000000");
    auto fill = payload(128, 0);
    mid.insert(mid.end(), fill.begin(), fill.end());
    auto again = hex("06 000000 000001 09 01000000 00");
    mid.insert(mid.end(), again.begin(), again.end());
    EXPECT_NE(error_of(mid).find("inside a message"), std::string::npos);
    // Message length over the limit: 9 MB.
    EXPECT_NE(error_of(hex("06 000000 895440 09 01000000")).find("exceeds"),
              std::string::npos);
    // Too many chunk streams.
    std::vector<uint8_t> many;
    for (int csid = 3; csid < 3 + 65; ++csid) {
        auto h = hex("00 000000 000000 14 00000000");
        h[0] = static_cast<uint8_t>(csid < 64 ? csid : 0);
        if (csid >= 64)
            h.insert(h.begin() + 1, static_cast<uint8_t>(csid - 64));
        many.insert(many.end(), h.begin(), h.end());
    }
    EXPECT_NE(error_of(many).find("chunk streams"), std::string::npos);
    // Pending bytes across streams.
    ChunkLimits small;
    small.max_pending_bytes = 300;
    auto pend = hex("06 000000 0000c8 09 01000000");
    pend.insert(pend.end(), fill.begin(), fill.end());
    auto other = hex("07 000000 0000c8 09 01000000");
    pend.insert(pend.end(), other.begin(), other.end());
    EXPECT_NE(error_of(pend, small).find("pending"), std::string::npos);
    EXPECT_NE(
        error_of(hex("02 000000 000003 01 00000000 000010")).find("too short"),
        std::string::npos);
}

TEST(Chunk, ReaderStaysFailed)
{
    ChunkReader reader;
    Message m;
    auto bad = hex("c3");
    EXPECT_EQ(reader.read(bad, m).status, ParseStatus::Error);
    auto good = hex("03 000000 000000 14 00000000");
    EXPECT_EQ(reader.read(good, m).status, ParseStatus::Error);
}

// Garbage, whole or in pieces, reads the same: the same messages, then the
// same error or the same wait for more.  (That nothing crashes is the
// fuzzer's job: tests/fuzz/rtmp_chunk_fuzz.cc.)
TEST(Chunk, RandomGarbageReadsTheSameWholeOrInPieces)
{
    std::mt19937 rng(42);
    for (int round = 0; round < 200; ++round) {
        std::vector<uint8_t> junk(1 + rng() % 4096);
        for (auto& b : junk)
            b = static_cast<uint8_t>(rng());
        ChunkReader whole_reader, piece_reader;
        Read whole = read_all(whole_reader, junk);
        Read pieces = read_all(piece_reader, junk, 1 + rng() % 64);
        ASSERT_EQ(whole.error.has_value(), pieces.error.has_value()) << round;
        if (whole.error) {
            EXPECT_EQ(whole.error->message(), pieces.error->message()) << round;
        }
        ASSERT_EQ(whole.messages.size(), pieces.messages.size()) << round;
        for (size_t i = 0; i < whole.messages.size(); ++i) {
            EXPECT_EQ(whole.messages[i].type, pieces.messages[i].type) << round;
            EXPECT_EQ(whole.messages[i].payload, pieces.messages[i].payload)
                << round;
            EXPECT_LE(whole.messages[i].payload.size(), junk.size()) << round;
        }
    }
}

TEST(ChunkWriter, HeaderForms)
{
    ChunkWriter w;
    std::vector<uint8_t> out;
    w.write(out, 3, kCommandAmf0, 0, 0, hex("05"));
    EXPECT_EQ(out, hex("03 000000 000001 14 00000000 05"));
    out.clear();
    w.write(out, 100, kAudio, 1, 0x01000000, hex("aa"));
    EXPECT_EQ(out, hex("00 24 ffffff 000001 08 01000000 01000000 aa"));
    out.clear();
    w.write(out, 1000, kAudio, 1, 0, hex("aa"));
    EXPECT_EQ(out, hex("01 a8 03 000000 000001 08 01000000 aa"));
}

TEST(ChunkPayloads, ControlMessages)
{
    EXPECT_EQ(u32_payload(4096), hex("00001000"));
    EXPECT_EQ(peer_bandwidth_payload(5000000, 2), hex("004c4b40 02"));
    EXPECT_EQ(user_control_payload(kStreamBegin, 1), hex("0000 00000001"));
}

}  // namespace
}  // namespace fanout::ingest::rtmp
