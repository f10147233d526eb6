// package/hls_playlist.h — HLS media playlist text (RFC 8216).  Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fanout::package {

struct HlsSegment {
    std::string uri;  // relative to the playlist
    double duration_s = 0;
    bool discontinuity = false;  // EXT-X-DISCONTINUITY before it
    std::string map_uri;  // fMP4: its init segment; "" for TS
    std::optional<int64_t> program_date_time_ms;  // wall clock, Unix ms
};

struct HlsPlaylist {
    int version = 7;  // 7 with EXT-X-MAP, 3 for TS
    int target_duration_s = 0;  // 0: the longest segment's target_of_extinf
    uint64_t media_sequence = 0;  // number of the first listed segment
    uint64_t discontinuity_sequence = 0;
    std::vector<HlsSegment> segments;
    bool ended = false;  // EXT-X-ENDLIST
};

// The TARGETDURATION a segment needs: its EXTINF as printed (3 decimals)
// rounded to the nearest integer, halves up (RFC 8216 4.3.3.1; nginx-rtmp
// rounds so too).  Not rounded up: a 2.033 s segment of a 2 s hlsTime
// would make it 3, and players reload every target duration and start
// 3 target durations behind live.
int target_of_extinf(double duration_s);

std::string render_hls_playlist(const HlsPlaylist& playlist);

// "2024-01-02T03:04:05.678Z"
std::string iso8601_ms(int64_t unix_ms);

}  // namespace fanout::package
