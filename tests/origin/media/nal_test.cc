// tests/origin/media/nal_test.cc — NAL length framing and RBSP extraction.
#include "media/nal.h"

#include <gtest/gtest.h>

#include "test_vectors.h"

namespace fanout::media {
namespace {

using test::hex;

TEST(NalToRbsp, RemovesEmulationPrevention)
{
    EXPECT_EQ(nal_to_rbsp(hex("0000030100000302")), hex("000001000002"));
    // Only after two zeros; a 03 after one zero stays.
    EXPECT_EQ(nal_to_rbsp(hex("00030000")), hex("00030000"));
    // 00 00 03 03: the first 03 goes, the second is data.
    EXPECT_EQ(nal_to_rbsp(hex("00000303")), hex("000003"));
    EXPECT_EQ(nal_to_rbsp({}), std::vector<uint8_t>{});
}

TEST(NormalizeNalLengths, FourByteLengthsPassThrough)
{
    auto in = hex("00000002 6588 00000003 419a01");
    auto out = normalize_nal_lengths(in, 4);
    ASSERT_TRUE(out.ok()) << out.error().message();
    EXPECT_EQ(out.value(), in);
}

TEST(NormalizeNalLengths, ShortLengthsBecomeFourBytes)
{
    auto two = normalize_nal_lengths(hex("0002 6588 0003 419a01"), 2);
    ASSERT_TRUE(two.ok());
    EXPECT_EQ(two.value(), hex("00000002 6588 00000003 419a01"));
    auto one = normalize_nal_lengths(hex("02 6588 01 09"), 1);
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(one.value(), hex("00000002 6588 00000001 09"));
}

TEST(NormalizeNalLengths, DropsEmptyUnits)
{
    auto out = normalize_nal_lengths(hex("00000000 00000001 09"), 4);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out.value(), hex("00000001 09"));
}

TEST(NormalizeNalLengths, FramingErrors)
{
    EXPECT_FALSE(
        normalize_nal_lengths(hex("00000005 6588"), 4).ok());  // overrun
    EXPECT_FALSE(normalize_nal_lengths(hex("00000002 6588 0000"), 4)
                     .ok());  // cut length
    EXPECT_FALSE(normalize_nal_lengths(hex("ffffffff 00"), 4).ok());
    EXPECT_FALSE(normalize_nal_lengths(hex("0001 65"), 3).ok());
    auto e = normalize_nal_lengths(hex("00000009 6588"), 4);
    ASSERT_FALSE(e.ok());
    EXPECT_NE(e.error().message().find("NAL length 9"), std::string::npos);
}

TEST(NormalizeNalLengths, EveryTruncationOfValidInputFailsOrIsAPrefixUnit)
{
    auto in = hex("00000002 6588 00000003 419a01");
    for (size_t n = 0; n < in.size(); ++n) {
        auto r = normalize_nal_lengths(std::span(in).first(n), 4);
        // Only the boundary after the first unit is itself valid framing.
        EXPECT_EQ(r.ok(), n == 0 || n == 6) << "prefix " << n;
    }
}

}  // namespace
}  // namespace fanout::media
