// Ant Media's play tokens at the origin (http/play_access.h): which
// unsigned requests are served, refused, or exchanged for a signed path,
// and the 302's Location.  Pure: the clock is passed in.
#include "http/play_access.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "auth/stream_token.h"
#include "http/play_tokens.h"

namespace fanout::http {
namespace {

const char* const kKeys =
    "k1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
const std::string kSecret(40, 's');  // jwtStreamSecretKey
constexpr int64_t kNow = 1'800'000'000;

fo_pt_keyring keys()
{
    fo_pt_keyring kr;
    char err[64];
    EXPECT_EQ(
        fo_pt_keyring_parse(kKeys, std::strlen(kKeys), &kr, err, sizeof(err)),
        0);
    return kr;
}

struct Fixture {
    auth::TokenSettings settings;
    fo_pt_keyring ring = keys();
    PlayRules rules{&settings, false, &ring, 3600};

    PlayDecision decide(std::string_view rest, const char* token,
                        int64_t now = kNow)
    {
        std::string t = token != nullptr ? token : "";
        return decide_unsigned(rules, "LiveApp", rest,
                               token != nullptr ? &t : nullptr, now,
                               "127.0.0.1");
    }
};

TEST(PlayAccess, ServesWhenNothingAsksForATokenAndIgnoresOne)
{
    Fixture f;
    EXPECT_EQ(f.decide("demo_adaptive.m3u8", nullptr).step, PlayStep::Serve);
    EXPECT_EQ(f.decide("demo/x-1.m4s", "junk").step, PlayStep::Serve);
}

TEST(PlayAccess, EachControlAndPlaySignedRefuseAMissingToken)
{
    for (int which = 0; which < 3; which++) {
        Fixture f;
        f.settings.play_token = which == 0;
        f.settings.play_jwt = which == 1;
        f.rules.signed_required = which == 2;
        PlayDecision d = f.decide("demo_adaptive.m3u8", nullptr);
        EXPECT_EQ(d.step, PlayStep::Refuse) << which;
        EXPECT_EQ(d.why, "no playback token") << which;
        EXPECT_EQ(f.decide("demo_adaptive.m3u8", "").why, "no playback token");
        // Segments carry the signed path, never ?token=.
        EXPECT_EQ(f.decide("demo/x-1.m4s", "abc").why,
                  "a playback token is taken on a playlist only");
    }
}

TEST(PlayAccess, AJwtIsExchangedForAPathThatExpiresWithIt)
{
    Fixture f;
    f.settings.play_jwt = true;
    f.settings.jwt_secret = kSecret;
    std::string jwt =
        auth::issue_stream_jwt(kSecret, "demo", "play", kNow + 60);
    PlayDecision d = f.decide("demo_adaptive.m3u8", jwt.c_str());
    ASSERT_EQ(d.step, PlayStep::Redirect);
    // The path token is this origin's signature for the stream's scope,
    // good for every rendition, until the JWT's exp and not after.
    EXPECT_EQ(check_play_token(f.ring, d.path_token, "LiveApp",
                               "demo_240p400kbps/x-3.m4s", kNow + 59, ""),
              FO_PT_OK);
    EXPECT_EQ(check_play_token(f.ring, d.path_token, "LiveApp",
                               "demo_adaptive.m3u8", kNow + 61, ""),
              FO_PT_EXPIRED);
    EXPECT_EQ(check_play_token(f.ring, d.path_token, "LiveApp",
                               "other_adaptive.m3u8", kNow, ""),
              FO_PT_BAD_MAC);
    EXPECT_EQ(f.decide("demo/demo.mpd", jwt.c_str()).step, PlayStep::Redirect);
}

TEST(PlayAccess, BadJwtsAreRefusedWithTheirReason)
{
    Fixture f;
    f.settings.play_jwt = true;
    f.settings.jwt_secret = kSecret;
    auto refused = [&](const std::string& t) {
        return f.decide("demo_adaptive.m3u8", t.c_str()).why;
    };
    EXPECT_EQ(
        refused(auth::issue_stream_jwt(kSecret, "demo", "play", kNow - 1)),
        "expired playback token");
    EXPECT_EQ(
        refused(auth::issue_stream_jwt(kSecret, "other", "play", kNow + 60)),
        "invalid playback token");
    EXPECT_EQ(
        refused(auth::issue_stream_jwt(kSecret, "demo", "publish", kNow + 60)),
        "invalid playback token");
    EXPECT_EQ(refused(auth::issue_stream_jwt(std::string(40, 'x'), "demo",
                                             "play", kNow + 60)),
              "invalid playback token");
    std::string tampered =
        auth::issue_stream_jwt(kSecret, "demo", "play", kNow + 60);
    tampered[tampered.size() / 2] ^= 1;
    EXPECT_EQ(refused(tampered), "invalid playback token");
    // A JWT where only one-time tokens are on is not one.
    f.settings.play_jwt = false;
    f.settings.play_token = true;
    EXPECT_EQ(
        refused(auth::issue_stream_jwt(kSecret, "demo", "play", kNow + 60)),
        "invalid playback token");
}

TEST(PlayAccess, AOneTimeTokenGoesToTheStore)
{
    Fixture f;
    f.settings.play_token = true;
    EXPECT_EQ(
        f.decide("demo_adaptive.m3u8", "0123456789abcdef0123456789abcdef").step,
        PlayStep::Consume);
    EXPECT_EQ(f.decide("demo_adaptive.m3u8", "bad token!").why,
              "invalid playback token");
}

TEST(PlayAccess, ASignedUrlTokenGivenAsTheQueryMovesIntoThePath)
{
    Fixture f;
    f.rules.signed_required = true;
    std::string t = sign_play_token(f.ring, "LiveApp", "demo", kNow + 60);
    PlayDecision d = f.decide("demo_adaptive.m3u8", t.c_str());
    ASSERT_EQ(d.step, PlayStep::Redirect);
    EXPECT_EQ(d.path_token, t);
    EXPECT_EQ(f.decide("demo_adaptive.m3u8", t.c_str(), kNow + 61).why,
              "expired playback token");
    EXPECT_EQ(f.decide("other_adaptive.m3u8", t.c_str()).why,
              "invalid playback token");
}

TEST(PlayAccess, WithoutKeysAGoodTokenCannotBeBound)
{
    Fixture f;
    f.rules.ring = nullptr;
    f.settings.play_jwt = true;
    f.settings.jwt_secret = kSecret;
    std::string jwt =
        auth::issue_stream_jwt(kSecret, "demo", "play", kNow + 60);
    EXPECT_EQ(f.decide("demo_adaptive.m3u8", jwt.c_str()).step,
              PlayStep::NoKeys);
}

TEST(PlayAccess, TheLocationKeepsTheQueryButTheToken)
{
    EXPECT_EQ(signed_location("LiveApp", "demo_adaptive.m3u8", "k1.9.p.m",
                              "/LiveApp/streams/demo_adaptive.m3u8?token=abc"),
              "/LiveApp/streams/t=k1.9.p.m/demo_adaptive.m3u8");
    EXPECT_EQ(signed_location("LiveApp", "demo/demo.mpd", "k",
                              "/x?sid=7&token=abc&&token&b=2"),
              "/LiveApp/streams/t=k/demo/demo.mpd?sid=7&b=2");
    EXPECT_EQ(signed_location("A", "s.m3u8", "k", "/x"),
              "/A/streams/t=k/s.m3u8");
}

}  // namespace
}  // namespace fanout::http
