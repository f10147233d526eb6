// tests/origin/media/flv_test.cc — FLV video/audio tag bodies, legacy and
// Enhanced RTMP.
#include "media/flv.h"

#include <gtest/gtest.h>

#include "test_vectors.h"

namespace fanout::media {
namespace {

using test::cat;
using test::hex;
using Kind = FlvMedia::Kind;

std::vector<uint8_t> avc_seq_header()
{
    return cat(hex("1700000000"), hex(test::kAvcVectors[0].avcc_hex));
}

TEST(FlvVideo, AvcSequenceHeader)
{
    auto m = parse_flv_video(avc_seq_header(), 4);
    ASSERT_TRUE(m.ok()) << m.error().message();
    ASSERT_EQ(m->kind, Kind::VideoConfig);
    EXPECT_EQ(m->video_config.width, 640);
    EXPECT_EQ(m->video_config.height, 360);
    EXPECT_EQ(m->video_config.codec_string, "avc1.64001e");
    EXPECT_EQ(m->nal_length_size, 4);
}

TEST(FlvVideo, AvcKeyAndInterFrames)
{
    auto key = parse_flv_video(hex("1701000050 00000002 6588"), 4);
    ASSERT_TRUE(key.ok()) << key.error().message();
    ASSERT_EQ(key->kind, Kind::Frame);
    EXPECT_TRUE(key->frame.video);
    EXPECT_TRUE(key->frame.keyframe);
    EXPECT_EQ(key->frame.cts_ms, 80);
    EXPECT_EQ(key->frame.data, hex("00000002 6588"));

    auto inter = parse_flv_video(hex("2701ffffd8 00000003 419a01"), 4);
    ASSERT_TRUE(inter.ok());
    EXPECT_FALSE(inter->frame.keyframe);
    EXPECT_EQ(inter->frame.cts_ms, -40);  // signed 24-bit
    auto disposable = parse_flv_video(hex("3701000000 00000001 01"), 4);
    ASSERT_TRUE(disposable.ok());
    EXPECT_FALSE(disposable->frame.keyframe);
}

TEST(FlvVideo, ShortNalLengthsAreNormalised)
{
    auto m = parse_flv_video(hex("1701000000 0002 6588 0001 06"), 2);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->frame.data, hex("00000002 6588 00000001 06"));
}

TEST(FlvVideo, NothingButValid)
{
    for (const char* h :
         {"1702000000", "5700", "1701000000", "170100000000000000"}) {
        auto m = parse_flv_video(hex(h), 4);
        ASSERT_TRUE(m.ok()) << h << ": " << m.error().message();
        EXPECT_EQ(m->kind, Kind::Nothing) << h;
    }
}

TEST(FlvVideo, UnsupportedCodecsNamed)
{
    auto h263 = parse_flv_video(hex("2200"), 4);
    ASSERT_FALSE(h263.ok());
    EXPECT_EQ(h263.error().message(),
              "video codec id 2 (Sorenson H.263) not supported");
    auto vp6 = parse_flv_video(hex("14"), 4);
    EXPECT_NE(vp6.error().message().find("On2 VP6"), std::string::npos);
    auto av1 = parse_flv_video(hex("9061763031"), 4);  // ex header, 'av01'
    ASSERT_FALSE(av1.ok());
    EXPECT_EQ(av1.error().message(), "video codec 'av01' not supported");
}

TEST(FlvVideo, Malformed)
{
    EXPECT_FALSE(parse_flv_video({}, 4).ok());
    EXPECT_FALSE(parse_flv_video(hex("1703000000"), 4).ok());  // packet type 3
    EXPECT_FALSE(
        parse_flv_video(hex("1701000000 00000009 65"), 4).ok());  // NAL overrun
    EXPECT_FALSE(
        parse_flv_video(hex("1700000000 01"), 4).ok());  // config cut short
    auto full = cat(hex("1701000000"), hex("00000002 6588"));
    for (size_t n = 0; n < 5; ++n) {
        EXPECT_FALSE(parse_flv_video(std::span(full).first(n), 4).ok()) << n;
    }
}

TEST(FlvVideo, EnhancedHevc)
{
    auto start =
        parse_flv_video(cat(hex("9068766331"), hex(test::kHvcc360)), 4);
    ASSERT_TRUE(start.ok()) << start.error().message();
    ASSERT_EQ(start->kind, Kind::VideoConfig);
    EXPECT_EQ(start->codec, Codec::HEVC);
    EXPECT_EQ(start->video_config.codec_string, "hvc1.1.6.L63.90");

    // CodedFrames: SI24 composition time.
    auto coded = parse_flv_video(hex("9168766331 000028 00000003 260101"), 4);
    ASSERT_TRUE(coded.ok()) << coded.error().message();
    ASSERT_EQ(coded->kind, Kind::Frame);
    EXPECT_TRUE(coded->frame.keyframe);
    EXPECT_EQ(coded->frame.cts_ms, 40);
    EXPECT_EQ(coded->codec, Codec::HEVC);
    EXPECT_EQ(coded->frame.data, hex("00000003 260101"));

    // CodedFramesX: no composition time.
    auto x = parse_flv_video(hex("a368766331 00000003 020101"), 4);
    ASSERT_TRUE(x.ok());
    EXPECT_FALSE(x->frame.keyframe);
    EXPECT_EQ(x->frame.cts_ms, 0);
    EXPECT_EQ(x->frame.data, hex("00000003 020101"));

    auto end = parse_flv_video(hex("9268766331"), 4);
    ASSERT_TRUE(end.ok());
    EXPECT_EQ(end->kind, Kind::Nothing);
}

TEST(FlvVideo, EnhancedAvcAndModEx)
{
    auto start = parse_flv_video(
        cat(hex("9061766331"), hex(test::kAvcVectors[1].avcc_hex)), 4);
    ASSERT_TRUE(start.ok()) << start.error().message();
    EXPECT_EQ(start->video_config.height, 1080);
    // ModEx (7), 3 bytes of nanosecond offset, then CodedFramesX (3).
    auto modex =
        parse_flv_video(hex("97 02 000102 03 61766331 00000001 09"), 4);
    ASSERT_TRUE(modex.ok()) << modex.error().message();
    ASSERT_EQ(modex->kind, Kind::Frame);
    EXPECT_EQ(modex->frame.data, hex("00000001 09"));
    EXPECT_FALSE(
        parse_flv_video(hex("97 05 0001"), 4).ok());  // ModEx cut short
    EXPECT_FALSE(parse_flv_video(hex("96"), 4).ok());  // multitrack
    EXPECT_FALSE(parse_flv_video(hex("9168766331 0000"), 4).ok());
    auto command = parse_flv_video(hex("d1"), 4);  // command frame
    ASSERT_TRUE(command.ok());
    EXPECT_EQ(command->kind, Kind::Nothing);
}

TEST(FlvVideo, LegacyHevcCodecId12)
{
    auto start =
        parse_flv_video(cat(hex("1c00000000"), hex(test::kHvcc1080)), 4);
    ASSERT_TRUE(start.ok()) << start.error().message();
    EXPECT_EQ(start->codec, Codec::HEVC);
    EXPECT_EQ(start->video_config.width, 1920);
}

TEST(FlvAudio, AacConfigAndFrames)
{
    auto cfg = parse_flv_audio(hex("af00 1210"));
    ASSERT_TRUE(cfg.ok()) << cfg.error().message();
    ASSERT_EQ(cfg->kind, Kind::AudioConfig);
    EXPECT_EQ(cfg->audio_config.sample_rate, 44100);
    EXPECT_EQ(cfg->audio_config.channels, 2);
    EXPECT_EQ(cfg->audio_config.codec_string, "mp4a.40.2");

    auto frame = parse_flv_audio(hex("af01 214906"));
    ASSERT_TRUE(frame.ok());
    ASSERT_EQ(frame->kind, Kind::Frame);
    EXPECT_FALSE(frame->frame.video);
    EXPECT_TRUE(frame->frame.keyframe);
    EXPECT_EQ(frame->frame.data, hex("214906"));

    auto empty = parse_flv_audio(hex("af01"));
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(empty->kind, Kind::Nothing);
}

TEST(FlvAudio, Rejects)
{
    auto mp3 = parse_flv_audio(hex("2f00"));
    ASSERT_FALSE(mp3.ok());
    EXPECT_EQ(mp3.error().message(), "audio codec id 2 (MP3) not supported");
    EXPECT_FALSE(parse_flv_audio({}).ok());
    EXPECT_FALSE(parse_flv_audio(hex("af")).ok());
    EXPECT_FALSE(parse_flv_audio(hex("af02")).ok());
    EXPECT_FALSE(parse_flv_audio(hex("af00")).ok());  // empty ASC
    EXPECT_FALSE(parse_flv_audio(hex("af00 1200")).ok());  // channel config 0
}

}  // namespace
}  // namespace fanout::media
