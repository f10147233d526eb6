// tests/origin/media/test_vectors.h — real codec configuration records,
// taken from files libx264/libx265 (ffmpeg 5.1) wrote, with the picture
// size ffprobe reports; plus byte helpers.  Shared with the ingest tests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fanout::test {

inline std::vector<uint8_t> hex(std::string_view s)
{
    auto nibble = [](char c) -> uint8_t {
        if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
        if (c >= 'a' && c <= 'f') return static_cast<uint8_t>(c - 'a' + 10);
        return static_cast<uint8_t>(c - 'A' + 10);
    };
    std::vector<uint8_t> out;
    for (size_t i = 0; i + 1 < s.size(); i += 2) {
        if (s[i] == ' ') {
            --i;
            continue;
        }
        out.push_back(
            static_cast<uint8_t>(nibble(s[i]) << 4 | nibble(s[i + 1])));
    }
    return out;
}

inline std::vector<uint8_t> cat(std::vector<uint8_t> a,
                                const std::vector<uint8_t>& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

struct AvcVector {
    const char* name;
    const char* avcc_hex;
    int width;
    int height;
    const char* codec;
};

// x264: High 640x360, 1080p (frame cropping 1088 → 1080), 720p with JVT
// scaling matrices (cqm=jvt), 4:4:4 Predictive with matrices
// (chroma_format_idc 3, 12 lists), interlaced PAL (frame_mbs_only 0),
// Constrained Baseline (no chroma fields), 642x362 (right/bottom cropping).
inline const AvcVector kAvcVectors[] = {
    {"high_360p",
     "0164001effe1001a6764001eacd940a02ff97011000003000100000300320f162d9601000"
     "668ebe3cb22c0fdf8f800",
     640, 360, "avc1.64001e"},
    {"high_1080p",
     "01640028ffe1001b67640028acd940780227e5c044000003000400000300c83c60c658010"
     "00668ebe3cb22c0fdf8f800",
     1920, 1080, "avc1.640028"},
    {"high_cqm_720p",
     "0164001fffe1001a6764001facd9405005bb011000000300100000030320f183196001000"
     "768ebe3cb3002c0fdf8f800",
     1280, 720, "avc1.64001f"},
    {"high444_cqm",
     "01f4000dffe1001967f4000d919b28283f6022000003000200000300641e28532c0100086"
     "8ebe3c44c000440fff8f800",
     320, 240, "avc1.f4000d"},
    {"interlaced_576i",
     "0164001effe100186764001eacd940b424d8088000000300800000190f8a14cb01000668f"
     "ba3cb22c0fdf8f800",
     720, 576, "avc1.64001e"},
    {"baseline_qcif",
     "0142c00bffe100166742c00bd902c4ec0440000003004000000c83c50a9201000568cb83c"
     "b20",
     176, 144, "avc1.42c00b"},
    {"odd_642x362",
     "0164001effe1001b6764001eacd940a42fe224c044000003000400000300c83c58b658010"
     "00668ebe3cb22c0fdf8f800",
     642, 362, "avc1.64001e"},
};

// x265 Main, VPS/SPS/PPS arrays only (the SEI array dropped).
inline const char kHvcc360[] =
    "0101600000009000000000003ff000fcfdf8f800000f03200001001840010c01ffff016000"
    "0003009000000300"
    "0003003f959809210001002a42010101600000030090000003000003003fa0050201696595"
    "9a4932bc05a02000"
    "00030020000003032122000100074401c172b46240";
inline const char kHvcc1080[] =
    "01016000000090000000000078f000fcfdf8f800000f03200001001840010c01ffff016000"
    "0003009000000300"
    "00030078959809210001002a420101016000000300900000030000030078a003c08010e596"
    "566924caf0168080"
    "000003008000000c8422000100074401c172b46240";

}  // namespace fanout::test
