// tests/origin/media/hevc_test.cc — hvcC records and HEVC SPS sizes.
#include "media/hevc.h"

#include <gtest/gtest.h>

#include "bit_writer.h"
#include "test_vectors.h"

namespace fanout::media {
namespace {

using test::BitWriter;
using test::hex;

TEST(Hvcc, X265Records)
{
    auto r360 = hevc_video_config(hex(test::kHvcc360));
    ASSERT_TRUE(r360.ok()) << r360.error().message();
    EXPECT_EQ(r360->config.codec, Codec::HEVC);
    EXPECT_EQ(r360->config.width, 640);
    EXPECT_EQ(r360->config.height, 360);
    EXPECT_EQ(r360->config.codec_string, "hvc1.1.6.L63.90");
    EXPECT_EQ(r360->nal_length_size, 4);

    auto r1080 = hevc_video_config(hex(test::kHvcc1080));
    ASSERT_TRUE(r1080.ok()) << r1080.error().message();
    EXPECT_EQ(r1080->config.width, 1920);  // conformance window: 1088 → 1080
    EXPECT_EQ(r1080->config.height, 1080);
    EXPECT_EQ(r1080->config.codec_string, "hvc1.1.6.L120.90");
}

TEST(Hvcc, TwoByteLengthsNormalised)
{
    auto rec = hex(test::kHvcc360);
    rec[21] = (rec[21] & 0xfc) | 1;
    auto cfg = hevc_video_config(rec);
    ASSERT_TRUE(cfg.ok());
    EXPECT_EQ(cfg->nal_length_size, 2);
    EXPECT_EQ(cfg->config.record[21] & 3, 3);
    rec[21] = (rec[21] & 0xfc) | 2;
    EXPECT_FALSE(hevc_video_config(rec).ok());
}

TEST(Hvcc, EveryTruncationFailsCleanly)
{
    auto rec = hex(test::kHvcc360);
    for (size_t n = 0; n < rec.size(); ++n) {
        // Cuts after the SPS array leave a usable record, except that the
        // array count says three; those still fail (truncated PPS array).
        EXPECT_FALSE(hevc_video_config(std::span(rec).first(n)).ok())
            << "prefix " << n;
    }
}

TEST(Hvcc, CodecStringFields)
{
    HevcRecord r;
    r.profile_space = 0;
    r.profile_idc = 2;
    r.compatibility = 0x20000000;  // flag 2 → reversed 0x4
    r.tier = true;
    r.level_idc = 153;
    r.constraints[0] = 0xb0;
    EXPECT_EQ(hevc_codec_string(r), "hvc1.2.4.H153.B0");
    r.profile_space = 1;
    r.constraints[0] = 0;
    r.constraints[2] = 0x01;
    EXPECT_EQ(hevc_codec_string(r), "hvc1.A2.4.H153.0.0.1");
}

TEST(HevcSps, SubLayersAndWindow)
{
    // max_sub_layers_minus1 = 2 with one sub-layer profile and level present.
    BitWriter w;
    w.bits(4, 0).bits(3, 2).flag(true);
    w.bits(32, 0x01600000)
        .bits(32, 0)
        .bits(24, 0)
        .bits(8, 93);  // general PTL (96 bits)
    w.flag(true).flag(true).flag(false).flag(false);  // sub-layer flags
    w.bits(2 * 6, 0);  // alignment for i = 2..7
    w.bits(88, 0).bits(8, 90);  // sub-layer 0
    w.ue(0).ue(2).ue(1280).ue(736).flag(true).ue(0).ue(0).ue(0).ue(16);
    auto sps = parse_hevc_sps(w.nal({0x42, 0x01}));
    ASSERT_TRUE(sps.ok()) << sps.error().message();
    EXPECT_EQ(sps->width, 1280);
    EXPECT_EQ(sps->height, 720);  // 4:2:2: SubHeightC 1 → 736 - 16
    EXPECT_EQ(sps->chroma_format_idc, 2);
}

TEST(HevcSps, Rejects)
{
    EXPECT_FALSE(parse_hevc_sps({}).ok());
    EXPECT_FALSE(parse_hevc_sps(hex("4401c172b46240")).ok());  // a PPS
    BitWriter seven;
    seven.bits(4, 0).bits(3, 7).flag(true);
    EXPECT_FALSE(parse_hevc_sps(seven.nal({0x42, 0x01})).ok());
    BitWriter zero;
    zero.bits(4, 0)
        .bits(3, 0)
        .flag(true)
        .bits(96, 0)
        .ue(0)
        .ue(1)
        .ue(0)
        .ue(64)
        .flag(false);
    EXPECT_FALSE(parse_hevc_sps(zero.nal({0x42, 0x01})).ok());
}

}  // namespace
}  // namespace fanout::media
