// rtmp_handshake_fuzz.cc — libFuzzer target for the RTMP server handshake:
// the streaming ServerHandshake fed in pieces, plus the digest helpers on
// arbitrary 1536-byte blocks.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "ingest/rtmp/handshake.h"

using namespace fanout::ingest::rtmp;

static void zeros(uint8_t* p, size_t n)
{
    std::memset(p, 0x5a, n);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 1) return 0;
    const size_t step = 1 + data[0] % 200;  // how the bytes arrive
    std::span<const uint8_t> in(data + 1, size - 1);

    ServerHandshake hs(zeros);
    std::vector<uint8_t> out, pending;
    size_t at = 0;
    bool failed = false;
    while (at < in.size() && !hs.done() && !failed) {
        const size_t n = std::min(step, in.size() - at);
        pending.insert(pending.end(), in.begin() + at, in.begin() + at + n);
        at += n;
        size_t used = 0;
        std::optional<fanout::Error> err;
        auto st = hs.feed(pending, used, out, err);
        if (used > pending.size()) abort();
        if (st == fanout::media::ParseStatus::Error) {
            if (!err) abort();
            failed = true;
        }
        pending.erase(pending.begin(), pending.begin() + used);
    }
    // Output is all or nothing: S0+S1+S2 once C0+C1 are complete.
    if (!out.empty() && out.size() != 1 + 2 * kHandshakeSize) abort();
    if (hs.done() && out.empty()) abort();

    if (in.size() >= kHandshakeSize) {
        auto block = in.first(kHandshakeSize);
        for (auto schema :
             {HandshakeKind::DigestSchema0, HandshakeKind::DigestSchema1}) {
            const size_t off = digest_offset(block, schema);
            if (off + kDigestSize > kHandshakeSize) abort();
        }
        (void)find_client_digest(block);
    }
    if (in.size() >= 1 + kHandshakeSize) {
        auto reply =
            make_handshake_reply(in.first(1 + kHandshakeSize), 0, zeros);
        if (reply.ok() && in.size() >= 1 + 2 * kHandshakeSize) {
            (void)c2_matches(reply.value(),
                             in.subspan(1 + kHandshakeSize, kHandshakeSize));
        }
    }
    return 0;
}
