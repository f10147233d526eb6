// tests/origin/package/test_media.h — synthetic configs and frames for the
// packaging unit tests (no decoder involved).
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "media/frame.h"

namespace fanout::package::test {

// avcC: High profile, level 3.0, 4-byte lengths, one SPS, one PPS.
inline media::VideoConfig h264_config(int width = 640, int height = 360)
{
    media::VideoConfig c;
    c.codec = media::Codec::H264;
    c.record = {0x01, 0x64, 0x00, 0x1e, 0xff, 0xe1, 0x00,
                0x06, 0x67, 0x64, 0x00, 0x1e, 0xac, 0xd9,
                0x01, 0x00, 0x04, 0x68, 0xeb, 0xe3, 0xcb};
    c.width = width;
    c.height = height;
    return c;
}

// AAC-LC, 44.1 kHz, stereo.
inline media::AudioConfig aac_config(int rate = 44100, int channels = 2)
{
    media::AudioConfig c;
    c.codec = media::Codec::AAC;
    c.asc = rate == 48000 ? std::vector<uint8_t>{0x11, 0x90}
                          : std::vector<uint8_t>{0x12, 0x10};
    c.sample_rate = rate;
    c.channels = channels;
    return c;
}

inline media::Frame video_frame(int64_t dts_ms, bool key, int32_t cts_ms = 0,
                                size_t size = 100)
{
    media::Frame f;
    f.video = true;
    f.keyframe = key;
    f.dts_ms = dts_ms;
    f.cts_ms = cts_ms;
    size_t n = size - 4;
    std::vector<uint8_t> data = {
        static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
        static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
    data.push_back(key ? 0x65 : 0x41);
    for (size_t i = 1; i < n; i++)
        data.push_back(static_cast<uint8_t>(dts_ms + i));
    f.data = std::move(data);
    return f;
}

inline media::Frame audio_frame(int64_t dts_ms, size_t size = 20)
{
    media::Frame f;
    f.video = false;
    f.keyframe = true;
    f.dts_ms = dts_ms;
    std::vector<uint8_t> data;
    for (size_t i = 0; i < size; i++)
        data.push_back(static_cast<uint8_t>(0x21 + i));
    f.data = std::move(data);
    return f;
}

// Frames of an A/V stream in dts order, as an RTMP publisher sends them:
// video at `fps` with a keyframe every `gop` frames, AAC at 44.1 kHz with
// millisecond-rounded timestamps.
inline std::vector<media::Frame> av_frames(int64_t duration_ms, int fps = 25,
                                           int gop = 50, bool with_video = true,
                                           bool with_audio = true)
{
    std::vector<media::Frame> out;
    int vi = 0, ai = 0;
    for (;;) {
        int64_t vd = with_video ? vi * 1000 / fps : INT64_MAX;
        int64_t ad =
            with_audio ? std::llround(ai * 1024 * 1000.0 / 44100) : INT64_MAX;
        if (vd >= duration_ms && ad >= duration_ms) break;
        if (vd <= ad) {
            out.push_back(video_frame(vd, vi % gop == 0));
            vi++;
        } else {
            out.push_back(audio_frame(ad));
            ai++;
        }
    }
    return out;
}

}  // namespace fanout::package::test
