// tests/origin/ingest/handshake_test.cc — simple and digest handshakes,
// with the client side computed here, independently of the server code.
#include "ingest/rtmp/handshake.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>
#include <random>
#include <string>

namespace fanout::ingest::rtmp {
namespace {

using Bytes = std::vector<uint8_t>;

const uint8_t kTail[32] = {0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8,
                           0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57,
                           0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB,
                           0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE};

Bytes key(const std::string& text, bool with_tail)
{
    Bytes k(text.begin(), text.end());
    if (with_tail) k.insert(k.end(), kTail, kTail + 32);
    return k;
}
const Bytes kFpText = key("Genuine Adobe Flash Player 001", false);
const Bytes kFpFull = key("Genuine Adobe Flash Player 001", true);
const Bytes kFmsText = key("Genuine Adobe Flash Media Server 001", false);
const Bytes kFmsFull = key("Genuine Adobe Flash Media Server 001", true);

Bytes hmac(const Bytes& k, const uint8_t* data, size_t n)
{
    Bytes md(32);
    unsigned len = 0;
    HMAC(EVP_sha256(), k.data(), static_cast<int>(k.size()), data, n, md.data(),
         &len);
    return md;
}

// ffmpeg's layout (schema 1): offset bytes at 8, base 12; schema 0: 772/776.
size_t offset_of(const uint8_t* block, bool schema1)
{
    const size_t at = schema1 ? 8 : 772;
    return (block[at] + block[at + 1] + block[at + 2] + block[at + 3]) % 728
           + at + 4;
}

Bytes digest_without(const Bytes& k, const uint8_t* block, size_t off)
{
    Bytes joined(block, block + off);
    joined.insert(joined.end(), block + off + 32, block + 1536);
    return hmac(k, joined.data(), joined.size());
}

void deterministic(uint8_t* p, size_t n)
{
    static std::mt19937 rng(7);
    for (size_t i = 0; i < n; ++i)
        p[i] = static_cast<uint8_t>(rng());
}

// C0 + C1 as ffmpeg builds it: time, version 9.0.124.2, random, digest.
Bytes client_c0c1(bool digest, bool schema1 = true, uint32_t seed = 1)
{
    Bytes b(1 + 1536);
    b[0] = 3;
    std::mt19937 rng(seed);
    for (size_t i = 1; i < b.size(); ++i)
        b[i] = static_cast<uint8_t>(rng());
    uint8_t* c1 = b.data() + 1;
    std::memset(c1, 0, 4);
    if (!digest) {
        std::memset(c1 + 4, 0, 4);
        return b;
    }
    c1[4] = 9, c1[5] = 0, c1[6] = 124, c1[7] = 2;
    const size_t off = offset_of(c1, schema1);
    Bytes d = digest_without(kFpText, c1, off);
    std::memcpy(c1 + off, d.data(), 32);
    return b;
}

TEST(Handshake, SimpleEchoesC1)
{
    Bytes c0c1 = client_c0c1(false);
    auto reply = make_handshake_reply(c0c1, 1234, deterministic);
    ASSERT_TRUE(reply.ok()) << reply.error().message();
    EXPECT_EQ(reply->kind, HandshakeKind::Simple);
    const Bytes& out = reply->s0s1s2;
    ASSERT_EQ(out.size(), 1u + 2 * 1536);
    EXPECT_EQ(out[0], 3);
    EXPECT_EQ(Bytes(out.begin() + 1, out.begin() + 5),
              (Bytes{0, 0, 0x04, 0xd2}));
    EXPECT_EQ(Bytes(out.begin() + 5, out.begin() + 9), (Bytes{0, 0, 0, 0}));
    EXPECT_TRUE(std::equal(out.begin() + 1537, out.end(), c0c1.begin() + 1));
}

class DigestHandshake : public ::testing::TestWithParam<bool> {};

TEST_P(DigestHandshake, ServerSignsS1AndS2)
{
    const bool schema1 = GetParam();
    Bytes c0c1 = client_c0c1(true, schema1);
    const uint8_t* c1 = c0c1.data() + 1;
    ASSERT_EQ(
        find_client_digest(std::span(c1, 1536)),
        schema1 ? HandshakeKind::DigestSchema1 : HandshakeKind::DigestSchema0);

    auto reply = make_handshake_reply(c0c1, 0, deterministic);
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply->kind, schema1 ? HandshakeKind::DigestSchema1
                                   : HandshakeKind::DigestSchema0);
    const uint8_t* s1 = reply->s0s1s2.data() + 1;
    const uint8_t* s2 = s1 + 1536;
    EXPECT_NE(s1[4] | s1[5] | s1[6] | s1[7], 0);  // a server version

    // What a verifying client (ffmpeg's play path, librtmp) checks.
    const size_t s1_off = offset_of(s1, schema1);
    EXPECT_EQ(Bytes(s1 + s1_off, s1 + s1_off + 32),
              digest_without(kFmsText, s1, s1_off));
    const size_t c1_off = offset_of(c1, schema1);
    Bytes s2_key = hmac(kFmsFull, c1 + c1_off, 32);
    EXPECT_EQ(Bytes(s2 + 1504, s2 + 1536), hmac(s2_key, s2, 1504));

    // A C2 signed the way librtmp signs it is recognised.
    Bytes c2(1536);
    deterministic(c2.data(), c2.size());
    Bytes c2_key = hmac(kFpFull, s1 + s1_off, 32);
    Bytes c2_digest = hmac(c2_key, c2.data(), 1504);
    std::memcpy(c2.data() + 1504, c2_digest.data(), 32);
    EXPECT_TRUE(c2_matches(reply.value(), c2));
    // So is an echo of S1 (ffmpeg publishing), with its own time fields.
    Bytes echo(s1, s1 + 1536);
    echo[0] ^= 0xff;
    EXPECT_TRUE(c2_matches(reply.value(), echo));
    c2[0] ^= 1;
    EXPECT_FALSE(c2_matches(reply.value(), c2));
}

INSTANTIATE_TEST_SUITE_P(Schemas, DigestHandshake, ::testing::Bool(),
                         [](const auto& info) {
                             return info.param ? "schema1" : "schema0";
                         });

TEST(Handshake, VersionedC1WithBadDigestFallsBackToSimple)
{
    Bytes c0c1 = client_c0c1(true);
    c0c1[1 + offset_of(c0c1.data() + 1, true)] ^= 0x55;  // spoil the digest
    auto reply = make_handshake_reply(c0c1, 0, deterministic);
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply->kind, HandshakeKind::Simple);
    EXPECT_TRUE(std::equal(reply->s0s1s2.begin() + 1537, reply->s0s1s2.end(),
                           c0c1.begin() + 1));
}

TEST(Handshake, VersionOtherThan3IsAnError)
{
    for (uint8_t v : {0, 6, 0x16 /* a TLS record */, 0x47 /* 'G' of GET */}) {
        Bytes c0c1 = client_c0c1(false);
        c0c1[0] = v;
        auto reply = make_handshake_reply(c0c1, 0, deterministic);
        ASSERT_FALSE(reply.ok());
        EXPECT_NE(reply.error().message().find("version " + std::to_string(v)),
                  std::string::npos);
        // The streaming form fails on the first byte.
        ServerHandshake hs(deterministic);
        size_t used = 0;
        Bytes out;
        std::optional<Error> err;
        EXPECT_EQ(hs.feed(std::span(c0c1).first(1), used, out, err),
                  media::ParseStatus::Error);
        EXPECT_TRUE(err.has_value());
        EXPECT_TRUE(out.empty());
    }
    EXPECT_FALSE(make_handshake_reply(Bytes(100, 3), 0, deterministic).ok());
}

TEST(ServerHandshake, ByteAtATime)
{
    Bytes in = client_c0c1(true);
    ServerHandshake hs(deterministic);
    Bytes out;
    // C0+C1 one byte at a time: NeedMoreData, nothing consumed, nothing out.
    for (size_t n = 0; n < in.size(); ++n) {
        size_t used = 0;
        std::optional<Error> err;
        ASSERT_EQ(hs.feed(std::span(in).first(n), used, out, err),
                  media::ParseStatus::NeedMoreData)
            << n;
        ASSERT_EQ(used, 0u);
        ASSERT_TRUE(out.empty());
    }
    size_t used = 0;
    std::optional<Error> err;
    EXPECT_EQ(hs.feed(in, used, out, err), media::ParseStatus::NeedMoreData);
    EXPECT_EQ(used, in.size());
    ASSERT_EQ(out.size(), 1u + 2 * 1536);
    EXPECT_EQ(hs.kind(), HandshakeKind::DigestSchema1);

    // C2 (an echo of S1) plus the first chunk bytes.
    Bytes c2(out.begin() + 1, out.begin() + 1537);
    for (size_t n = 0; n < c2.size(); ++n) {
        ASSERT_EQ(hs.feed(std::span(c2).first(n), used, out, err),
                  media::ParseStatus::NeedMoreData);
        ASSERT_EQ(used, 0u);
    }
    c2.insert(c2.end(), {0x03, 0x00});
    EXPECT_EQ(hs.feed(c2, used, out, err), media::ParseStatus::Parsed);
    EXPECT_EQ(used, 1536u);
    EXPECT_TRUE(hs.done());
    EXPECT_TRUE(hs.c2_ok());
}

TEST(ServerHandshake, OddC2IsAccepted)
{
    Bytes in = client_c0c1(false);
    in.resize(in.size() + 1536, 0xee);  // C2 that matches nothing
    ServerHandshake hs(deterministic);
    Bytes out;
    size_t used = 0;
    std::optional<Error> err;
    EXPECT_EQ(hs.feed(in, used, out, err), media::ParseStatus::Parsed);
    EXPECT_EQ(used, in.size());
    EXPECT_FALSE(hs.c2_ok());
}

TEST(Handshake, RealRandomnessDiffers)
{
    Bytes c0c1 = client_c0c1(false);
    auto a = make_handshake_reply(c0c1, 0, random_fill);
    auto b = make_handshake_reply(c0c1, 0, random_fill);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_NE(Bytes(a->s0s1s2.begin() + 9, a->s0s1s2.begin() + 1537),
              Bytes(b->s0s1s2.begin() + 9, b->s0s1s2.begin() + 1537));
}

}  // namespace
}  // namespace fanout::ingest::rtmp
