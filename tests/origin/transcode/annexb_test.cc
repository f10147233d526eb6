// tests/origin/transcode/annexb_test.cc — Annex B → AVCC and avcC, over
// byte vectors (a real x264 SPS/PPS from tests/origin/media).
#include "transcode/annexb.h"

#include <gtest/gtest.h>

#include "../media/test_vectors.h"
#include "media/avc.h"

namespace fanout::transcode {
namespace {

using test::hex;

// The 720p x264 SPS and PPS of test_vectors.h's high_cqm_720p record.
const std::vector<uint8_t> kSps =
    hex("6764001facd9405005bb011000000300100000030320f1831960");
const std::vector<uint8_t> kPps = hex("68ebe3cb3002c0");

std::vector<uint8_t> annexb(std::initializer_list<std::vector<uint8_t>> nals,
                            bool long_codes)
{
    std::vector<uint8_t> out;
    for (const auto& n : nals) {
        if (long_codes) out.push_back(0);
        out.insert(out.end(), {0, 0, 1});
        out.insert(out.end(), n.begin(), n.end());
    }
    return out;
}

TEST(AnnexB, SplitsBothStartCodeLengths)
{
    std::vector<uint8_t> data = {0, 0, 0, 1, 0x65, 1, 2, 0, 0, 1, 0x41, 3};
    auto units = split_annexb(data);
    ASSERT_EQ(units.size(), 2u);
    EXPECT_EQ(std::vector<uint8_t>(units[0].begin(), units[0].end()),
              (std::vector<uint8_t>{0x65, 1, 2}));
    EXPECT_EQ(std::vector<uint8_t>(units[1].begin(), units[1].end()),
              (std::vector<uint8_t>{0x41, 3}));
}

TEST(AnnexB, GarbageAndEmptyUnits)
{
    EXPECT_TRUE(split_annexb({}).empty());
    std::vector<uint8_t> no_code = {1, 2, 3, 4};
    EXPECT_TRUE(split_annexb(no_code).empty());
    std::vector<uint8_t> empties = {0, 0, 1, 0, 0, 1, 0x65, 0, 0, 0, 1};
    auto units = split_annexb(empties);
    ASSERT_EQ(units.size(), 1u);
    EXPECT_EQ(units[0].size(), 1u);
}

TEST(AnnexB, ToAvccDropsParameterSetsAndDelimiters)
{
    std::vector<uint8_t> sei = {0x06, 5, 1, 0x80};
    std::vector<uint8_t> idr = {0x65, 0x88, 0x84};
    auto au = annexb({{0x09, 0xf0}, kSps, kPps, sei, idr}, true);
    std::vector<uint8_t> want = {0, 0, 0, 4};
    want.insert(want.end(), sei.begin(), sei.end());
    want.insert(want.end(), {0, 0, 0, 3});
    want.insert(want.end(), idr.begin(), idr.end());
    EXPECT_EQ(annexb_to_avcc(au), want);
}

TEST(AnnexB, RecordFromEncoderHeader)
{
    Result<std::vector<uint8_t>> rec =
        avcc_from_annexb(annexb({kSps, kPps}, true));
    ASSERT_TRUE(rec) << rec.error().message();
    // What media/ makes of it: the stream's VideoConfig.
    Result<media::ParsedVideoConfig> cfg =
        media::avc_video_config(*&rec.value());
    ASSERT_TRUE(cfg) << cfg.error().message();
    EXPECT_EQ(cfg->config.width, 1280);
    EXPECT_EQ(cfg->config.height, 720);
    EXPECT_EQ(cfg->config.codec_string, "avc1.64001f");
    EXPECT_EQ(cfg->nal_length_size, 4);
    // High profile: the chroma/bit depth extension (4:2:0, 8 bits).
    const std::vector<uint8_t>& r = rec.value();
    ASSERT_GE(r.size(), 4u);
    EXPECT_EQ(std::vector<uint8_t>(r.end() - 4, r.end()),
              (std::vector<uint8_t>{0xfd, 0xf8, 0xf8, 0}));
}

TEST(AnnexB, RecordErrors)
{
    EXPECT_FALSE(avcc_from_annexb({}));
    EXPECT_FALSE(avcc_from_annexb(annexb({kSps}, false)));  // no PPS
    EXPECT_FALSE(avcc_from_annexb(annexb({kPps}, false)));  // no SPS
    std::vector<uint8_t> bad_sps = {0x67, 0x64};
    EXPECT_FALSE(avcc_from_annexb(annexb({bad_sps, kPps}, false)));
    std::vector<uint8_t> avcc = {1, 0x64, 0, 0x1f, 0xff};
    EXPECT_EQ(avcc_from_annexb(avcc).value(), avcc);  // already a record
}

}  // namespace
}  // namespace fanout::transcode
