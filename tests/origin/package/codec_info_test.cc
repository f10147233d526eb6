// tests/origin/package/codec_info_test.cc — ASC parsing, ADTS headers,
// parameter sets and codec strings from config records.
#include "package/codec_info.h"

#include <gtest/gtest.h>

#include "test_media.h"

namespace fanout::package {
namespace {

TEST(CodecInfo, ParsesAacLc)
{
    auto r = parse_asc({0x12, 0x10});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value().object_type, 2);
    EXPECT_EQ(r.value().sample_rate, 44100);
    EXPECT_EQ(r.value().channels, 2);
    EXPECT_EQ(r.value().frame_length, 1024);
}

TEST(CodecInfo, ParsesHeAacWithExplicitSbr)
{
    // AOT 5, 24 kHz core (index 6), stereo, extension 48 kHz (index 3), AOT 2.
    // 00101 0110 0010 0011 00010 0... → 0x2b 0x11 0x88 0x00
    auto r = parse_asc({0x2b, 0x11, 0x88, 0x00});
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r.value().object_type, 5);
    EXPECT_EQ(r.value().base_object_type, 2);
    EXPECT_EQ(r.value().sample_rate, 24000);
    EXPECT_EQ(r.value().output_rate, 48000);
    media::AudioConfig c;
    c.asc = {0x2b, 0x11, 0x88, 0x00};
    c.sample_rate = 48000;
    EXPECT_EQ(audio_frame_duration(c), 2048u);  // 1024 core samples at 48 kHz
    EXPECT_EQ(audio_codec_string(c), "mp4a.40.5");
}

TEST(CodecInfo, RejectsBadAsc)
{
    EXPECT_FALSE(parse_asc({}).ok());
    EXPECT_FALSE(parse_asc({0x12}).ok());
    EXPECT_FALSE(parse_asc({0x3a, 0x10}).ok());  // AOT 7 (TwinVQ) is not AAC
}

TEST(CodecInfo, AdtsHeader)
{
    auto info = parse_asc({0x12, 0x10}).value();
    auto h = adts_header(info, 100);
    ASSERT_EQ(h.size(), 7u);
    EXPECT_EQ(h[0], 0xff);
    EXPECT_EQ(h[1] & 0xf6, 0xf0);  // sync, layer 0
    EXPECT_EQ(h[1] & 1, 1);  // no CRC
    EXPECT_EQ(h[2] >> 6, 1);  // LC = profile 1
    EXPECT_EQ((h[2] >> 2) & 0xf, 4);  // 44.1 kHz
    EXPECT_EQ(((h[2] & 1) << 2) | (h[3] >> 6), 2);  // channels
    int len = ((h[3] & 3) << 11) | (h[4] << 3) | (h[5] >> 5);
    EXPECT_EQ(len, 107);
}

TEST(CodecInfo, AvcParameterSetsAndCodecString)
{
    auto c = test::h264_config();
    auto ps = parameter_sets(c);
    ASSERT_TRUE(ps.ok()) << ps.error().message();
    EXPECT_EQ(ps.value().nal_length_size, 4);
    ASSERT_EQ(ps.value().nals.size(), 2u);
    EXPECT_EQ(ps.value().nals[0][0] & 0x1f, 7);
    EXPECT_EQ(ps.value().nals[1][0] & 0x1f, 8);
    EXPECT_EQ(video_codec_string(c), "avc1.64001e");
    c.codec_string = "avc1.42c01f";
    EXPECT_EQ(video_codec_string(c), "avc1.42c01f");  // ingest's wins
    c.record.resize(10);
    EXPECT_FALSE(parameter_sets(c).ok());
}

TEST(CodecInfo, HevcCodecStringAndParameterSets)
{
    media::VideoConfig c;
    c.codec = media::Codec::HEVC;
    // Main profile, compat flags 0x60000000, constraints b0 00.., level 93,
    // 4-byte lengths, one array with one VPS.
    c.record = {0x01, 0x01, 0x60, 0x00, 0x00, 0x00, 0xb0, 0x00,
                0x00, 0x00, 0x00, 0x00, 93,   0xf0, 0x00, 0xfc,
                0xfd, 0xf8, 0xf8, 0x00, 0x00, 0x0f, 0x01, 0xa0,
                0x00, 0x01, 0x00, 0x03, 0x40, 0x01, 0x0c};
    EXPECT_EQ(video_codec_string(c), "hvc1.1.6.L93.B0");
    auto ps = parameter_sets(c);
    ASSERT_TRUE(ps.ok()) << ps.error().message();
    ASSERT_EQ(ps.value().nals.size(), 1u);
    EXPECT_EQ(ps.value().nals[0], (std::vector<uint8_t>{0x40, 0x01, 0x0c}));
}

}  // namespace
}  // namespace fanout::package
