// tests/load/flv_bytes.h — FLV files built by hand from the origin tests'
// real codec records (tests/origin/media/test_vectors.h).
#pragma once

#include <cstdint>
#include <vector>

#include "media/test_vectors.h"

namespace fanout::load::test {

using Bytes = std::vector<uint8_t>;
using fanout::test::cat;
using fanout::test::hex;

inline Bytes avc_header()
{
    return cat(hex("1700000000"), hex(fanout::test::kAvcVectors[0].avcc_hex));
}
inline Bytes avc_key()
{
    return hex("1701000000 00000002 6588");
}
inline Bytes avc_inter()
{
    return hex("2701000000 00000002 419a");
}
inline Bytes aac_header()
{
    return hex("af00 1210");
}
inline Bytes aac_frame()
{
    return hex("af01 2100");
}

inline Bytes flv_header()
{
    return hex("464c5601 05 00000009 00000000");
}

inline Bytes flv_tag(uint8_t type, uint32_t ts, const Bytes& body)
{
    Bytes t = {type,
               uint8_t(body.size() >> 16),
               uint8_t(body.size() >> 8),
               uint8_t(body.size()),
               uint8_t(ts >> 16),
               uint8_t(ts >> 8),
               uint8_t(ts),
               uint8_t(ts >> 24),
               0,
               0,
               0};
    t.insert(t.end(), body.begin(), body.end());
    const uint32_t prev = uint32_t(11 + body.size());
    for (int i = 3; i >= 0; i--)
        t.push_back(uint8_t(prev >> (8 * i)));
    return t;
}

// Sequence headers, then video at 0, 40, 80 ms (key, inter, inter) and
// audio at 0 and 23 ms.
inline Bytes small_flv()
{
    Bytes f = flv_header();
    for (const Bytes& t :
         {flv_tag(9, 0, avc_header()), flv_tag(8, 0, aac_header()),
          flv_tag(9, 0, avc_key()), flv_tag(8, 0, aac_frame()),
          flv_tag(8, 23, aac_frame()), flv_tag(9, 40, avc_inter()),
          flv_tag(9, 80, avc_inter())})
        f = cat(f, t);
    return f;
}

}  // namespace fanout::load::test
