// tests/origin/media/aac_test.cc — AudioSpecificConfig.
#include "media/aac.h"

#include <gtest/gtest.h>

#include "bit_writer.h"
#include "test_vectors.h"

namespace fanout::media {
namespace {

using test::hex;

TEST(Asc, CommonConfigs)
{
    struct Case {
        const char* hex;
        int aot, rate, channels;
        const char* codec;
    } cases[] = {
        {"1210", 2, 44100, 2, "mp4a.40.2"},  // what ffmpeg's aac encoder writes
        {"1190", 2, 48000, 2, "mp4a.40.2"},
        {"1188", 2, 48000, 1, "mp4a.40.2"},
        {"13a8", 2, 22050, 5, "mp4a.40.2"},
        {"11b0", 2, 48000, 6, "mp4a.40.2"},
        {"11b8", 2, 48000, 7 + 1, "mp4a.40.2"},  // channel config 7: 7.1
        {"0a10", 1, 44100, 2, "mp4a.40.1"},
    };
    for (const auto& c : cases) {
        auto cfg = aac_audio_config(hex(c.hex));
        ASSERT_TRUE(cfg.ok()) << c.hex << ": " << cfg.error().message();
        EXPECT_EQ(cfg->sample_rate, c.rate) << c.hex;
        EXPECT_EQ(cfg->channels, c.channels) << c.hex;
        EXPECT_EQ(cfg->codec_string, c.codec) << c.hex;
        EXPECT_EQ(cfg->asc, hex(c.hex));
    }
}

TEST(Asc, ExplicitSbrSignalling)
{
    // HE-AAC: AOT 5, core 24 kHz (index 6), stereo, extension 48 kHz
    // (index 3), underlying AOT 2.
    test::BitWriter w;
    w.bits(5, 5).bits(4, 6).bits(4, 2).bits(4, 3).bits(5, 2);
    auto bytes = w.nal({});
    auto c = parse_audio_specific_config(bytes);
    ASSERT_TRUE(c.ok()) << c.error().message();
    EXPECT_EQ(c->object_type, 5);
    EXPECT_EQ(c->sample_rate, 24000);
    EXPECT_EQ(c->extension_sample_rate, 48000);
    EXPECT_EQ(aac_audio_config(bytes)->codec_string, "mp4a.40.5");
}

TEST(Asc, EscapedObjectTypeAndExplicitRate)
{
    // AOT 31 + 6 bits (42 → 74), rate index 15 + 24-bit 12345, mono.
    test::BitWriter w;
    w.bits(5, 31).bits(6, 42).bits(4, 15).bits(24, 12345).bits(4, 1);
    auto bytes = w.nal({});
    auto c = aac_audio_config(bytes);
    ASSERT_TRUE(c.ok()) << c.error().message();
    EXPECT_EQ(c->codec_string, "mp4a.40.74");
    EXPECT_EQ(c->sample_rate, 12345);
    EXPECT_EQ(c->channels, 1);
}

TEST(Asc, Rejects)
{
    EXPECT_FALSE(aac_audio_config({}).ok());
    EXPECT_FALSE(aac_audio_config(hex("12")).ok());  // no channel config
    EXPECT_FALSE(aac_audio_config(hex("0210")).ok());  // AOT 0
    EXPECT_FALSE(aac_audio_config(hex("16 90")).ok());  // index 13: reserved
    auto pce = aac_audio_config(hex("1200"));  // channel config 0
    ASSERT_FALSE(pce.ok());
    EXPECT_NE(pce.error().message().find("channel configuration 0"),
              std::string::npos);
    test::BitWriter zero_rate;
    zero_rate.bits(5, 2).bits(4, 15).bits(24, 0).bits(4, 2);
    EXPECT_FALSE(aac_audio_config(zero_rate.nal({})).ok());
    EXPECT_FALSE(aac_audio_config(hex("f8")).ok());  // AOT escape cut short
}

}  // namespace
}  // namespace fanout::media
