// ingest/rtmp/handshake.cc — see handshake.h.
#include "ingest/rtmp/handshake.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>

namespace fanout::ingest::rtmp {
namespace {

// "Genuine Adobe Flash Player 001" / "Genuine Adobe Flash Media Server 001"
// followed by the same 32 bytes, as published with librtmp and ffmpeg.
constexpr uint8_t kKeyTail[32] = {
    0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0,
    0xD1, 0x02, 0x9E, 0x7E, 0x57, 0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80,
    0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE};

template <size_t N>
constexpr std::array<uint8_t, N - 1 + 32> make_key(const char (&text)[N])
{
    std::array<uint8_t, N - 1 + 32> k{};
    for (size_t i = 0; i + 1 < N; ++i)
        k[i] = static_cast<uint8_t>(text[i]);
    for (size_t i = 0; i < 32; ++i)
        k[N - 1 + i] = kKeyTail[i];
    return k;
}

constexpr auto kPlayerKey = make_key("Genuine Adobe Flash Player 001");
constexpr auto kServerKey = make_key("Genuine Adobe Flash Media Server 001");
constexpr size_t kPlayerKeyText = 30;
constexpr size_t kServerKeyText = 36;

// S1's version field: what FMS 3.5 sends; clients only check it is non-zero.
constexpr uint8_t kServerVersion[4] = {0x03, 0x05, 0x01, 0x01};

std::array<uint8_t, kDigestSize> hmac(std::span<const uint8_t> key,
                                      std::span<const uint8_t> data)
{
    std::array<uint8_t, kDigestSize> md{};
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(),
         data.size(), md.data(), &len);
    return md;
}

void put_u32(uint8_t* p, uint32_t v)
{
    media::put_u32(p, v);
}

}  // namespace

void random_fill(uint8_t* out, size_t n)
{
    if (n == 0) return;
    if (RAND_bytes(out, static_cast<int>(n)) == 1) return;
    static thread_local std::minstd_rand rng{std::random_device{}()};
    for (size_t i = 0; i < n; ++i)
        out[i] = static_cast<uint8_t>(rng());
}

std::span<const uint8_t> flash_player_key()
{
    return kPlayerKey;
}
std::span<const uint8_t> flash_media_server_key()
{
    return kServerKey;
}

size_t digest_offset(std::span<const uint8_t> block, HandshakeKind schema)
{
    // Schema 1: digest block first, its offset bytes right after time and
    // version.  Schema 0: key block (764 bytes) first.
    const size_t at = schema == HandshakeKind::DigestSchema1 ? 8 : 772;
    const size_t base = at + 4;
    const size_t sum =
        size_t{block[at]} + block[at + 1] + block[at + 2] + block[at + 3];
    return base + sum % 728;
}

std::array<uint8_t, kDigestSize> block_digest(std::span<const uint8_t> block,
                                              size_t offset,
                                              std::span<const uint8_t> key)
{
    uint8_t joined[kHandshakeSize - kDigestSize];
    std::memcpy(joined, block.data(), offset);
    std::memcpy(joined + offset, block.data() + offset + kDigestSize,
                kHandshakeSize - offset - kDigestSize);
    return hmac(key, joined);
}

std::optional<HandshakeKind> find_client_digest(std::span<const uint8_t> c1)
{
    if (c1.size() != kHandshakeSize) return std::nullopt;
    // ffmpeg and librtmp use schema 1; some Flash builds use schema 0.
    for (HandshakeKind schema :
         {HandshakeKind::DigestSchema1, HandshakeKind::DigestSchema0}) {
        const size_t off = digest_offset(c1, schema);
        auto want =
            block_digest(c1, off, flash_player_key().first(kPlayerKeyText));
        if (CRYPTO_memcmp(want.data(), c1.data() + off, kDigestSize) == 0)
            return schema;
    }
    return std::nullopt;
}

Result<HandshakeReply> make_handshake_reply(std::span<const uint8_t> c0c1,
                                            uint32_t server_time,
                                            const RandomFill& random)
{
    if (c0c1.size() != 1 + kHandshakeSize) {
        return Error("handshake: C0+C1 is " + std::to_string(c0c1.size())
                     + " bytes");
    }
    if (c0c1[0] != kRtmpVersion) {
        return Error("handshake: RTMP version " + std::to_string(c0c1[0])
                     + " not supported (want 3)");
    }
    std::span<const uint8_t> c1 = c0c1.subspan(1);
    HandshakeReply reply;
    reply.s0s1s2.resize(1 + 2 * kHandshakeSize);
    uint8_t* s0 = reply.s0s1s2.data();
    uint8_t* s1 = s0 + 1;
    uint8_t* s2 = s1 + kHandshakeSize;
    s0[0] = kRtmpVersion;
    random(s1 + 8, kHandshakeSize - 8);
    put_u32(s1, server_time);

    const bool client_versioned = c1[4] | c1[5] | c1[6] | c1[7];
    std::optional<HandshakeKind> schema;
    if (client_versioned) schema = find_client_digest(c1);
    if (!schema) {
        std::memset(s1 + 4, 0, 4);
        std::memcpy(s2, c1.data(), kHandshakeSize);  // S2 echoes C1
        reply.kind = HandshakeKind::Simple;
        return reply;
    }

    reply.kind = *schema;
    std::memcpy(s1 + 4, kServerVersion, 4);
    std::span<const uint8_t> s1_span(s1, kHandshakeSize);
    const size_t s1_off = digest_offset(s1_span, *schema);
    reply.s1_digest = block_digest(
        s1_span, s1_off, flash_media_server_key().first(kServerKeyText));
    std::memcpy(s1 + s1_off, reply.s1_digest.data(), kDigestSize);

    const size_t c1_off = digest_offset(c1, *schema);
    auto s2_key =
        hmac(flash_media_server_key(), c1.subspan(c1_off, kDigestSize));
    random(s2, kHandshakeSize);
    auto s2_digest = hmac(
        s2_key, std::span<const uint8_t>(s2, kHandshakeSize - kDigestSize));
    std::memcpy(s2 + kHandshakeSize - kDigestSize, s2_digest.data(),
                kDigestSize);
    return reply;
}

bool c2_matches(const HandshakeReply& reply, std::span<const uint8_t> c2)
{
    if (c2.size() != kHandshakeSize
        || reply.s0s1s2.size() != 1 + 2 * kHandshakeSize) {
        return false;
    }
    std::span<const uint8_t> s1(reply.s0s1s2.data() + 1, kHandshakeSize);
    // Echoes of S1 are what ffmpeg's publish path and the simple form send;
    // the time fields are allowed to differ.
    if (std::equal(c2.begin() + 8, c2.end(), s1.begin() + 8)) return true;
    if (reply.kind == HandshakeKind::Simple) return false;
    auto key = hmac(flash_player_key(), reply.s1_digest);
    auto want = hmac(key, c2.first(kHandshakeSize - kDigestSize));
    return CRYPTO_memcmp(want.data(), c2.data() + kHandshakeSize - kDigestSize,
                         kDigestSize)
           == 0;
}

media::ParseStatus ServerHandshake::feed(std::span<const uint8_t> in,
                                         size_t& consumed,
                                         std::vector<uint8_t>& out,
                                         std::optional<Error>& error)
{
    consumed = 0;
    if (state_ == State::Failed) {
        error = Error("handshake already failed");
        return media::ParseStatus::Error;
    }
    if (state_ == State::WaitC0C1) {
        // The version byte alone decides a non-RTMP client: fail before
        // waiting for 1536 more bytes.
        if (!in.empty() && in[0] != kRtmpVersion) {
            state_ = State::Failed;
            error = Error("handshake: RTMP version " + std::to_string(in[0])
                          + " not supported (want 3)");
            return media::ParseStatus::Error;
        }
        if (in.size() < 1 + kHandshakeSize)
            return media::ParseStatus::NeedMoreData;
        Result<HandshakeReply> reply = make_handshake_reply(
            in.first(1 + kHandshakeSize), server_time_, random_);
        if (!reply) {
            state_ = State::Failed;
            error = reply.error();
            return media::ParseStatus::Error;
        }
        reply_ = std::move(reply.value());
        out.insert(out.end(), reply_.s0s1s2.begin(), reply_.s0s1s2.end());
        consumed = 1 + kHandshakeSize;
        in = in.subspan(consumed);
        state_ = State::WaitC2;
    }
    if (state_ == State::WaitC2) {
        if (in.size() < kHandshakeSize) return media::ParseStatus::NeedMoreData;
        c2_ok_ = c2_matches(reply_, in.first(kHandshakeSize));
        consumed += kHandshakeSize;
        state_ = State::Done;
        reply_.s0s1s2 = {};
        reply_.s0s1s2.shrink_to_fit();
    }
    return media::ParseStatus::Parsed;
}

}  // namespace fanout::ingest::rtmp
