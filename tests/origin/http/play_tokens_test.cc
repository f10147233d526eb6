// The origin's side of signed playback (http/play_tokens.h): the token
// element split from a stream path, the scope of a path, signing and
// checking with the shared C verifier, the keys file's reload.
#include "http/play_tokens.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

namespace fanout::http {
namespace {

const char* const kKeys =
    "k2 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
    "k1 VGhpcyBpcyB0aGUgc2Vjb25kIGtleSwgNDAgYnl0ZXMgbG9uZy4u\n";

fo_pt_keyring ring()
{
    fo_pt_keyring kr;
    char err[64];
    EXPECT_EQ(
        fo_pt_keyring_parse(kKeys, std::strlen(kKeys), &kr, err, sizeof(err)),
        0);
    return kr;
}

TEST(PlayTokens, SplitsTheElementFromTheRest)
{
    auto a = split_signed_rest("t=k1.9.p.abc/demo_adaptive.m3u8");
    EXPECT_EQ(a.token, "k1.9.p.abc");
    EXPECT_EQ(a.rest, "demo_adaptive.m3u8");
    auto b = split_signed_rest("t=x/demo/demo-1.m4s");
    EXPECT_EQ(b.token, "x");
    EXPECT_EQ(b.rest, "demo/demo-1.m4s");
    auto c = split_signed_rest("demo.m3u8");
    EXPECT_EQ(c.token, "");
    EXPECT_EQ(c.rest, "demo.m3u8");
    auto d = split_signed_rest("t=abc");  // nothing after it: no element
    EXPECT_EQ(d.token, "");
    EXPECT_EQ(d.rest, "t=abc");
    EXPECT_EQ(split_signed_rest("t=x/time").rest, "time");
}

TEST(PlayTokens, EveryRenditionHasTheStreamsScope)
{
    for (const char* rest :
         {"demo.m3u8", "demo_adaptive.m3u8", "demo_240p400kbps.m3u8",
          "demo_240p400kbps/abc-3.m4s", "demo/demo.mpd", "demo_720p/x.mp4"}) {
        auto s = scope_of_rest(rest);
        ASSERT_TRUE(s.has_value()) << rest;
        EXPECT_EQ(*s, "demo") << rest;
    }
    EXPECT_FALSE(scope_of_rest("").has_value());
    EXPECT_FALSE(scope_of_rest("demo").has_value());
    EXPECT_FALSE(scope_of_rest(".m3u8").has_value());
    EXPECT_FALSE(scope_of_rest("/x.m4s").has_value());
}

TEST(PlayTokens, SignedForAStreamValidForAllItsPathsOnly)
{
    fo_pt_keyring kr = ring();
    std::string t = sign_play_token(kr, "LiveApp", "demo_adaptive", 2000);
    ASSERT_EQ(t.rfind("k2.2000.p.", 0), 0u) << t;
    for (const char* rest : {"demo_adaptive.m3u8", "demo/demo-1.m4s",
                             "demo_240p400kbps.m3u8", "demo/demo.mpd"}) {
        EXPECT_EQ(check_play_token(kr, t, "LiveApp", rest, 1999, "10.0.0.1"),
                  FO_PT_OK)
            << rest;
    }
    EXPECT_EQ(check_play_token(kr, t, "LiveApp", "demo.m3u8", 2001, ""),
              FO_PT_EXPIRED);
    EXPECT_EQ(check_play_token(kr, t, "LiveApp", "other.m3u8", 1, ""),
              FO_PT_BAD_MAC);
    EXPECT_EQ(check_play_token(kr, t, "App2", "demo.m3u8", 1, ""),
              FO_PT_BAD_MAC);
    EXPECT_EQ(check_play_token(kr, t, "LiveApp", "nothing", 1, ""),
              FO_PT_BAD_MAC);
    EXPECT_EQ(check_play_token(kr, "", "LiveApp", "demo.m3u8", 1, ""),
              FO_PT_MALFORMED);
}

TEST(PlayTokens, KeysFileLoadsAndAFailedReloadKeepsTheKeys)
{
    std::string path = ::testing::TempDir() + "play_tokens_test.keys";
    std::ofstream(path) << kKeys;
    auto keys = PlayKeys::load(path);
    ASSERT_TRUE(keys.ok()) << keys.error().message();
    auto before = keys.value()->get();
    ASSERT_EQ(before->n, 2u);

    std::ofstream(path) << "k3 tooshort\n";
    Status st = keys.value()->reload();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().message().find("tooshort"), std::string::npos);
    EXPECT_EQ(keys.value()->get(), before);

    std::ofstream(path) << "k9 " << std::string(64, 'e') << "\n";
    ASSERT_TRUE(keys.value()->reload().ok());
    EXPECT_STREQ(keys.value()->get()->keys[0].kid, "k9");
    std::remove(path.c_str());
    EXPECT_FALSE(PlayKeys::load(path).ok());
}

}  // namespace
}  // namespace fanout::http
