// tests/origin/ingest/publish_media_test.cc — FLV messages → sink calls:
// buffering before authorization, its bound, config dedup, aggregates.
#include "ingest/rtmp/publish_media.h"

#include <gtest/gtest.h>

#include "../media/test_vectors.h"
#include "rtmp_test_client.h"

namespace fanout::ingest::rtmp {
namespace {

using fanout::test::cat;
using fanout::test::hex;
using test::Bytes;
using test::RecordingSink;

Bytes avc_header()
{
    return cat(hex("1700000000"), hex(fanout::test::kAvcVectors[0].avcc_hex));
}
Bytes frame(bool key, size_t size)
{
    Bytes b = hex(key ? "1701000000" : "2701000000");
    Bytes nal(size, 0x41);
    Bytes len = {0, 0, static_cast<uint8_t>(size >> 8),
                 static_cast<uint8_t>(size)};
    return cat(cat(b, len), nal);
}

TEST(PublishMedia, FramesBeforeConfigAreDropped)
{
    PublishMedia m;
    auto sink = std::make_shared<RecordingSink>();
    m.attach(sink);
    ASSERT_TRUE(m.on_video(0, frame(true, 10)));
    ASSERT_TRUE(m.on_audio(0, hex("af01 21")));
    EXPECT_TRUE(sink->log.empty());
    EXPECT_EQ(m.dropped_frames(), 2u);
    ASSERT_TRUE(m.on_video(0, avc_header()));
    ASSERT_TRUE(m.on_video(0, frame(true, 10)));
    EXPECT_EQ(sink->log, (std::vector<std::string>{"video_config", "video"}));
}

TEST(PublishMedia, RepeatedIdenticalHeadersForwardedOnce)
{
    PublishMedia m;
    auto sink = std::make_shared<RecordingSink>();
    m.attach(sink);
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(m.on_video(0, avc_header()));
        ASSERT_TRUE(m.on_audio(0, hex("af00 1210")));
    }
    EXPECT_EQ(sink->videos.size(), 1u);
    EXPECT_EQ(sink->audios.size(), 1u);
    ASSERT_TRUE(m.on_audio(0, hex("af00 1190")));  // a real change
    EXPECT_EQ(sink->audios.size(), 2u);
}

TEST(PublishMedia, QueueOverflowKeepsConfigsAndRestartsAtKeyframe)
{
    PublishMedia m(4000);
    ASSERT_TRUE(m.on_video(0, avc_header()));
    ASSERT_TRUE(m.on_audio(0, hex("af00 1210")));
    ASSERT_TRUE(m.on_video(0, frame(true, 1500)));
    ASSERT_TRUE(m.on_video(40, frame(false, 1500)));
    EXPECT_EQ(m.dropped_frames(), 0u);
    ASSERT_TRUE(m.on_video(80, frame(false, 1500)));  // over the bound now
    EXPECT_EQ(m.dropped_frames(), 3u);
    EXPECT_LE(m.queued_bytes(), 4000u);
    ASSERT_TRUE(m.on_audio(90, hex("af01 21")));  // waits for a keyframe
    ASSERT_TRUE(m.on_video(120, frame(false, 100)));
    ASSERT_TRUE(m.on_video(160, frame(true, 100)));  // restart point
    ASSERT_TRUE(m.on_video(200, frame(false, 100)));
    auto sink = std::make_shared<RecordingSink>();
    m.attach(sink);
    EXPECT_EQ(sink->log,
              (std::vector<std::string>{"video_config", "audio_config", "video",
                                        "video"}));
    ASSERT_EQ(sink->frames.size(), 2u);
    EXPECT_TRUE(sink->frames[0].keyframe);
    EXPECT_EQ(sink->frames[0].dts_ms, 160);
}

TEST(PublishMedia, HeaderFloodBeforeAuthorizationIsAnError)
{
    PublishMedia m(1000);
    Bytes header = avc_header();
    Status s;
    for (int i = 0; i < 100 && s; ++i) {
        header.back() = static_cast<uint8_t>(i);  // distinct trailer bytes
        s = m.on_video(0, header);
    }
    EXPECT_FALSE(s);
}

TEST(PublishMedia, AggregateMessage)
{
    // Two tags: video config at tag time 1000, keyframe at 1040; message
    // timestamp 5000 → 5000 and 5040.
    auto tag = [](uint8_t type, uint32_t ts, const Bytes& body) {
        Bytes t = {type,
                   static_cast<uint8_t>(body.size() >> 16),
                   static_cast<uint8_t>(body.size() >> 8),
                   static_cast<uint8_t>(body.size()),
                   static_cast<uint8_t>(ts >> 16),
                   static_cast<uint8_t>(ts >> 8),
                   static_cast<uint8_t>(ts),
                   static_cast<uint8_t>(ts >> 24),
                   0,
                   0,
                   0};
        t = cat(t, body);
        const uint32_t back = static_cast<uint32_t>(body.size() + 11);
        return cat(t, Bytes{static_cast<uint8_t>(back >> 24),
                            static_cast<uint8_t>(back >> 16),
                            static_cast<uint8_t>(back >> 8),
                            static_cast<uint8_t>(back)});
    };
    Bytes agg = cat(tag(9, 1000, avc_header()), tag(9, 1040, frame(true, 8)));
    PublishMedia m;
    auto sink = std::make_shared<RecordingSink>();
    m.attach(sink);
    ASSERT_TRUE(m.on_aggregate(5000, agg));
    ASSERT_EQ(sink->frames.size(), 1u);
    EXPECT_EQ(sink->frames[0].dts_ms, 5040);
    agg.pop_back();
    EXPECT_FALSE(m.on_aggregate(6000, agg));
}

TEST(PublishMedia, ErrorsPassThrough)
{
    PublishMedia m;
    auto s = m.on_audio(0, hex("2f00"));
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message(), "audio codec id 2 (MP3) not supported");
}

}  // namespace
}  // namespace fanout::ingest::rtmp
