// tests/load/flv_file_test.cc — the FLV file reader and the replay
// schedule (load/src/flv_file.h).
#include "flv_file.h"

#include <gtest/gtest.h>

#include "flv_bytes.h"

namespace fanout::load {
namespace {

using namespace test;

TEST(FlvFile, TagsWithKindsAndTimestamps)
{
    Bytes f = small_flv();
    auto tags = parse_flv_file(f);
    ASSERT_TRUE(tags.ok()) << tags.error().message();
    ASSERT_EQ(tags->size(), 7u);
    EXPECT_TRUE(tags.value()[0].config);
    EXPECT_EQ(tags.value()[0].type, kFlvVideo);
    EXPECT_TRUE(tags.value()[1].config);
    EXPECT_EQ(tags.value()[1].type, kFlvAudio);
    EXPECT_TRUE(tags.value()[2].keyframe);
    EXPECT_FALSE(tags.value()[5].keyframe);
    EXPECT_EQ(tags.value()[6].timestamp, 80u);
    EXPECT_EQ(Bytes(tags.value()[2].body.begin(), tags.value()[2].body.end()),
              avc_key());
}

TEST(FlvFile, ExtendedTimestampByte)
{
    Bytes f = cat(flv_header(), flv_tag(9, 0x01000010, avc_key()));
    auto tags = parse_flv_file(f);
    ASSERT_TRUE(tags.ok()) << tags.error().message();
    EXPECT_EQ(tags.value()[0].timestamp, 0x01000010u);
}

TEST(FlvFile, Rejects)
{
    EXPECT_FALSE(parse_flv_file(hex("464c")).ok());
    EXPECT_FALSE(parse_flv_file(hex("4d5034 01 05 00000009 00000000")).ok());
    Bytes cut = small_flv();
    cut.resize(cut.size() - 6);
    auto r = parse_flv_file(cut);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("cut short"), std::string::npos);
    EXPECT_FALSE(
        parse_flv_file(cat(flv_header(), flv_tag(8, 0, aac_header()))).ok())
        << "no video";
    // A body the origin's FLV parser refuses (AVC packet type 9).
    auto bad =
        parse_flv_file(cat(flv_header(), flv_tag(9, 0, hex("1709000000"))));
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message().find("byte 13"), std::string::npos);
    EXPECT_FALSE(parse_flv_file(small_flv(), 3).ok()) << "over max_tags";
}

TEST(Replay, ScriptDataGoesFirstOnce)
{
    Bytes f = cat(cat(flv_header(), flv_tag(9, 0, avc_key())),
                  flv_tag(18, 0, hex("02000a6f6e4d65746144617461 0500")));
    auto tags = parse_flv_file(f);
    ASSERT_TRUE(tags.ok()) << tags.error().message();
    Replay r(tags.value());
    EXPECT_EQ(r.peek().tag->type, kFlvScript);
    r.advance();
    for (int i = 0; i < 3; i++, r.advance())
        EXPECT_EQ(r.peek().tag->type, kFlvVideo);
}

TEST(FlvFile, UnknownTagTypesSkipped)
{
    Bytes f = cat(cat(flv_header(), flv_tag(7, 0, hex("00"))),
                  flv_tag(9, 0, avc_key()));
    auto tags = parse_flv_file(f);
    ASSERT_TRUE(tags.ok());
    EXPECT_EQ(tags->size(), 1u);
}

TEST(Replay, ConfigsOnceThenMediaLoopingWithRisingTimestamps)
{
    Bytes f = small_flv();
    auto tags = parse_flv_file(f);
    ASSERT_TRUE(tags.ok());
    Replay r(tags.value());
    EXPECT_EQ(r.period_ms(), 120u) << "80 ms of media + one 40 ms frame";
    std::vector<uint32_t> ts;
    std::vector<bool> config;
    for (int i = 0; i < 2 + 5 * 2 + 1; i++) {
        Replay::Step s = r.peek();
        ASSERT_NE(s.tag, nullptr);
        ts.push_back(s.timestamp);
        config.push_back(s.tag->config);
        r.advance();
    }
    EXPECT_EQ(ts, (std::vector<uint32_t>{0, 0, 0, 0, 23, 40, 80, 120, 120, 143,
                                         160, 200, 240}));
    EXPECT_TRUE(config[0] && config[1]);
    EXPECT_FALSE(config[7]) << "sequence headers are not repeated";
    EXPECT_EQ(r.loops(), 2u);
}

}  // namespace
}  // namespace fanout::load
