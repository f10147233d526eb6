// tests/origin/media/avc_test.cc — avcC records and SPS picture sizes.
#include "media/avc.h"

#include <gtest/gtest.h>

#include "bit_writer.h"
#include "test_vectors.h"

namespace fanout::media {
namespace {

using test::BitWriter;
using test::hex;

// Where the last PPS of a one-SPS, one-PPS record ends; bytes after it are
// the optional High-profile trailer.
size_t pps_end(const std::vector<uint8_t>& rec)
{
    const size_t sps_len = size_t{rec[6]} << 8 | rec[7];
    const size_t at = 8 + sps_len + 1;
    return at + 2 + (size_t{rec[at]} << 8 | rec[at + 1]);
}

class AvcVectors : public ::testing::TestWithParam<test::AvcVector> {};

TEST_P(AvcVectors, ConfigMatchesFfprobe)
{
    const auto& v = GetParam();
    auto rec = hex(v.avcc_hex);
    auto cfg = avc_video_config(rec);
    ASSERT_TRUE(cfg.ok()) << cfg.error().message();
    EXPECT_EQ(cfg->config.codec, Codec::H264);
    EXPECT_EQ(cfg->config.width, v.width);
    EXPECT_EQ(cfg->config.height, v.height);
    EXPECT_EQ(cfg->config.codec_string, v.codec);
    EXPECT_EQ(cfg->nal_length_size, 4);
    EXPECT_EQ(cfg->config.record, rec);
}

TEST_P(AvcVectors, TruncatedRecordIsAnError)
{
    auto rec = hex(GetParam().avcc_hex);
    const size_t end = pps_end(rec);
    for (size_t n = 0; n < end; ++n) {
        EXPECT_FALSE(avc_video_config(std::span(rec).first(n)).ok())
            << "prefix " << n;
    }
    // The trailer is optional.
    EXPECT_TRUE(avc_video_config(std::span(rec).first(end)).ok());
}

TEST_P(AvcVectors, TruncatedSpsIsAnError)
{
    const auto bytes = hex(GetParam().avcc_hex);  // rec holds views into it
    auto rec = parse_avcc(bytes);
    ASSERT_TRUE(rec.ok());
    std::vector<uint8_t> sps(rec->sps[0].begin(), rec->sps[0].end());
    ASSERT_TRUE(parse_avc_sps(sps).ok());
    // Every cut before the cropping fields ends must fail, never read past
    // the end (ASan checks the latter).  The last byte holds only trailing
    // bits and VUI, so cuts late in the unit may still parse.
    for (size_t n = 0; n < 5 && n < sps.size(); ++n) {
        EXPECT_FALSE(parse_avc_sps(std::span(sps).first(n)).ok())
            << "prefix " << n;
    }
    for (size_t n = 0; n < sps.size(); ++n) {
        auto r = parse_avc_sps(std::span(sps).first(n));
        if (r.ok()) {
            EXPECT_EQ(r->width, GetParam().width);
            EXPECT_EQ(r->height, GetParam().height);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(X264, AvcVectors,
                         ::testing::ValuesIn(test::kAvcVectors),
                         [](const auto& info) {
                             return std::string(info.param.name);
                         });

TEST(Avcc, TwoByteLengthsAreNormalised)
{
    auto rec = hex(test::kAvcVectors[0].avcc_hex);
    rec[4] = 0xfd;  // lengthSizeMinusOne = 1
    auto cfg = avc_video_config(rec);
    ASSERT_TRUE(cfg.ok());
    EXPECT_EQ(cfg->nal_length_size, 2);
    EXPECT_EQ(cfg->config.record[4], 0xff);
    rec[4] = 0xfc;
    ASSERT_TRUE(avc_video_config(rec).ok());
    EXPECT_EQ(avc_video_config(rec)->nal_length_size, 1);
}

TEST(Avcc, Rejects)
{
    auto good = hex(test::kAvcVectors[0].avcc_hex);
    auto three = good;
    three[4] = 0xfe;  // 3-byte lengths do not exist
    EXPECT_FALSE(parse_avcc(three).ok());
    auto version = good;
    version[0] = 2;
    EXPECT_NE(
        parse_avcc(version).error().message().find("configurationVersion"),
        std::string::npos);
    auto no_sps = good;
    no_sps[5] = 0xe0;  // zero SPS; the SPS bytes then read as PPS count/data
    EXPECT_FALSE(parse_avcc(no_sps).ok());
    auto not_sps = good;
    not_sps[8] = 0x68;  // NAL type 8 where the SPS goes
    EXPECT_FALSE(parse_avcc(not_sps).ok());
    auto no_pps = std::vector<uint8_t>(good.begin(), good.begin() + 8 + 0x1a);
    no_pps.push_back(0);
    EXPECT_NE(parse_avcc(no_pps).error().message().find("no PPS"),
              std::string::npos);
    auto long_sps = good;
    long_sps[7] = 0xff;  // SPS length beyond the record
    EXPECT_FALSE(parse_avcc(long_sps).ok());
}

TEST(Avcc, CodecString)
{
    EXPECT_EQ(avc_codec_string(0x64, 0x00, 0x1f), "avc1.64001f");
    EXPECT_EQ(avc_codec_string(0x42, 0xe0, 0x0a), "avc1.42e00a");
}

// SPS header for profile_idc, constraint 0, level 31, id 0.
BitWriter sps_start(int profile)
{
    BitWriter w;
    w.bits(8, profile).bits(8, 0).bits(8, 31).ue(0);
    return w;
}

// log2_max_frame_num 0, POC type 0 (lsb 0), 1 ref, no gaps.
void sps_common(BitWriter& w)
{
    w.ue(0).ue(0).ue(0).ue(1).flag(false);
}

TEST(AvcSps, PocType1AndNoCropping)
{
    BitWriter w = sps_start(77);
    w.ue(0).ue(1).flag(false).se(-2).se(3).ue(3).se(1).se(-1).se(100);
    w.ue(2).flag(false);
    w.ue(79).ue(44).flag(true).flag(true).flag(false).flag(false);
    auto sps = parse_avc_sps(w.nal({0x67}));
    ASSERT_TRUE(sps.ok()) << sps.error().message();
    EXPECT_EQ(sps->width, 1280);
    EXPECT_EQ(sps->height, 720);
    EXPECT_EQ(sps->profile_idc, 77);
}

TEST(AvcSps, MonochromeFieldCropping)
{
    // chroma_format_idc 0, fields: crop units are 1 x 2.
    BitWriter w = sps_start(100);
    w.ue(0).ue(0).ue(0).flag(false).flag(false);
    sps_common(w);
    w.ue(119).ue(33).flag(false).flag(false).flag(true).flag(true);
    w.ue(1).ue(1).ue(2).ue(2);
    auto sps = parse_avc_sps(w.nal({0x67}));
    ASSERT_TRUE(sps.ok()) << sps.error().message();
    EXPECT_EQ(sps->width, 1920 - 2);
    EXPECT_EQ(sps->height, 2 * 34 * 16 - 2 * 4);
    EXPECT_EQ(sps->chroma_format_idc, 0);
}

TEST(AvcSps, Chroma422Cropping)
{
    BitWriter w = sps_start(122);
    w.ue(2).ue(2).ue(2).flag(false).flag(false);
    sps_common(w);
    w.ue(119).ue(67).flag(true).flag(true).flag(true);
    w.ue(0).ue(4).ue(0).ue(8);
    auto sps = parse_avc_sps(w.nal({0x67}));
    ASSERT_TRUE(sps.ok()) << sps.error().message();
    EXPECT_EQ(sps->width, 1920 - 2 * 4);
    EXPECT_EQ(sps->height, 1088 - 8);
}

TEST(AvcSps, ScalingListDeltaOutOfRange)
{
    BitWriter w = sps_start(100);
    w.ue(1).ue(0).ue(0).flag(false).flag(true);  // matrices present
    w.flag(true).se(200);
    sps_common(w);
    EXPECT_FALSE(parse_avc_sps(w.nal({0x67})).ok());
}

TEST(AvcSps, ImpossibleSizes)
{
    BitWriter huge = sps_start(66);
    sps_common(huge);
    huge.ue(0xfffffffe).ue(0).flag(true).flag(true).flag(false);
    EXPECT_FALSE(parse_avc_sps(huge.nal({0x67})).ok());

    BitWriter cropped_away = sps_start(66);
    sps_common(cropped_away);
    cropped_away.ue(0)
        .ue(0)
        .flag(true)
        .flag(true)
        .flag(true)
        .ue(4)
        .ue(4)
        .ue(0)
        .ue(0);
    auto r = parse_avc_sps(cropped_away.nal({0x67}));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("out of range"), std::string::npos);
}

TEST(AvcSps, Garbage)
{
    EXPECT_FALSE(parse_avc_sps({}).ok());
    EXPECT_FALSE(parse_avc_sps(hex("68ebe3cb22c0")).ok());  // a PPS
    EXPECT_FALSE(
        parse_avc_sps(hex("6764001e00000000")).ok());  // 32+ zero bits in ue()
    EXPECT_FALSE(parse_avc_sps(hex("67640000ffffffffffffffff")).ok());
}

}  // namespace
}  // namespace fanout::media
