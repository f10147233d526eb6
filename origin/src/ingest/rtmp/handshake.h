// ingest/rtmp/handshake.h — the server side of the RTMP handshake.
//
// Two forms exist in the wild.  The simple one (RTMP spec 5.2): C1 carries
// a zero "version" field and S2 echoes C1.  The digest ("complex") one that
// ffmpeg, OBS/librtmp and GStreamer send: C1 carries an HMAC-SHA256 digest
// keyed with "Genuine Adobe Flash Player 001", at an offset found in one of
// two layouts (schema 0: key block first, offset bytes at 772; schema 1:
// digest block first, offset bytes at 8).  The server then signs S1 with
// the Flash Media Server key in the same layout, and ends S2 with a digest
// keyed by HMAC(FMS key, client digest).  A C1 with a non-zero version but
// no valid digest gets the simple reply, as SRS and nginx-rtmp do.
//
// Pure: bytes in, bytes out; randomness comes from the caller.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "core/error.h"
#include "media/byte_reader.h"

namespace fanout::ingest::rtmp {

inline constexpr uint8_t kRtmpVersion = 3;
inline constexpr size_t kHandshakeSize = 1536;
inline constexpr size_t kDigestSize = 32;

enum class HandshakeKind : uint8_t { Simple, DigestSchema0, DigestSchema1 };

// Fills n bytes with random data.
using RandomFill = std::function<void(uint8_t*, size_t)>;

// OpenSSL's RAND_bytes, falling back to a weaker source if it fails:
// handshake randomness is not a secret.
void random_fill(uint8_t* out, size_t n);

// Where the digest sits in a 1536-byte C1/S1 under a schema.  Needs only
// the 4 offset bytes, so any 1536-byte block has an answer.
size_t digest_offset(std::span<const uint8_t> block, HandshakeKind schema);

// HMAC-SHA256 of the block without its 32 digest bytes.
std::array<uint8_t, kDigestSize> block_digest(std::span<const uint8_t> block,
                                              size_t offset,
                                              std::span<const uint8_t> key);

// The schema whose digest verifies with the Flash Player key, if any.
std::optional<HandshakeKind> find_client_digest(std::span<const uint8_t> c1);

// The keys (exposed so tests can play the client).
std::span<const uint8_t> flash_player_key();  // 62 bytes; 30 are the text
std::span<const uint8_t> flash_media_server_key();  // 68 bytes; 36 are the text

struct HandshakeReply {
    HandshakeKind kind = HandshakeKind::Simple;
    std::vector<uint8_t> s0s1s2;  // 1 + 1536 + 1536 bytes
    std::array<uint8_t, kDigestSize> s1_digest{};  // digest handshakes
};

// c0c1: exactly 1 + 1536 bytes.  Error: a version byte other than 3.
Result<HandshakeReply> make_handshake_reply(std::span<const uint8_t> c0c1,
                                            uint32_t server_time,
                                            const RandomFill& random);

// Whether C2 is what a well-behaved client sends: an echo of S1, or (digest
// handshake) ends with HMAC(HMAC(FP key, S1 digest), C2 minus 32 bytes).
// Advisory only: many clients send something else and work fine.
bool c2_matches(const HandshakeReply& reply, std::span<const uint8_t> c2);

// The server handshake as a streaming parser: C0+C1 → S0+S1+S2, then C2.
class ServerHandshake {
public:
    explicit ServerHandshake(RandomFill random = random_fill,
                             uint32_t server_time = 0)
        : random_(std::move(random)), server_time_(server_time)
    {
    }

    // Consumes what it needs from `in`; appends the reply to `out` once
    // C0+C1 are complete.  Parsed once C2 has been read: `consumed` then
    // tells where the chunk stream starts.  c2_ok() says whether C2 matched.
    media::ParseStatus feed(std::span<const uint8_t> in, size_t& consumed,
                            std::vector<uint8_t>& out,
                            std::optional<Error>& error);

    bool done() const { return state_ == State::Done; }
    bool c2_ok() const { return c2_ok_; }
    HandshakeKind kind() const { return reply_.kind; }

private:
    enum class State : uint8_t { WaitC0C1, WaitC2, Done, Failed };
    RandomFill random_;
    uint32_t server_time_;
    State state_ = State::WaitC0C1;
    HandshakeReply reply_;
    bool c2_ok_ = false;
};

}  // namespace fanout::ingest::rtmp
