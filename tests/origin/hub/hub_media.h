// tests/origin/hub/hub_media.h — configs and frames as byte vectors for the
// hub tests: what the hub forwards is checked by identity and order, never
// decoded.
#pragma once

#include <cstdint>
#include <vector>

#include "media/frame.h"

namespace fanout::hub::test {

inline media::VideoConfig video_config(uint8_t tag = 1)
{
    media::VideoConfig c;
    c.record = {0x01, 0x64, 0x00, 0x1e, tag};
    return c;
}

inline media::AudioConfig audio_config()
{
    media::AudioConfig c;
    c.asc = {0x12, 0x10};
    return c;
}

// A payload of `size` bytes whose first byte is `tag`, at dts_ms.
inline media::Frame frame(bool video, bool key, int64_t dts_ms,
                          size_t size = 100, uint8_t tag = 0)
{
    media::Frame f;
    f.video = video;
    f.keyframe = video ? key : true;
    f.dts_ms = dts_ms;
    std::vector<uint8_t> bytes(size, 0x41);
    bytes[0] = tag;
    f.data = std::move(bytes);
    return f;
}
inline media::Frame key(int64_t dts_ms, size_t size = 100)
{
    return frame(true, true, dts_ms, size);
}
inline media::Frame inter(int64_t dts_ms, size_t size = 100)
{
    return frame(true, false, dts_ms, size);
}
inline media::Frame audio(int64_t dts_ms)
{
    return frame(false, true, dts_ms, 20);
}

}  // namespace fanout::hub::test
