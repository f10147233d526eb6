// load/src/hls.h — HLS playlists as a player reads them (RFC 8216): a
// master playlist's variants, a media playlist's segments.  Pure; what a
// simulated viewer needs, not a validator.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace fanout::load {

struct HlsVariant {
    std::string uri;
    uint64_t bandwidth = 0;  // bits per second
    int width = 0, height = 0;
};

struct HlsSegment {
    std::string uri;
    double duration_s = 0;
    uint64_t sequence = 0;  // media sequence number
    std::string map_uri;  // EXT-X-MAP in force, "" without
    // EXT-X-PROGRAM-DATE-TIME of the segment's first sample (Unix ms).
    std::optional<int64_t> program_date_time_ms;
};

struct HlsPlaylist {
    bool master = false;
    std::vector<HlsVariant> variants;  // master only, in playlist order
    double target_duration_s = 0;  // media only
    uint64_t media_sequence = 0;
    bool ended = false;  // EXT-X-ENDLIST
    std::vector<HlsSegment> segments;
};

// Error: no #EXTM3U, a segment without EXTINF, a variant without a URI.
Result<HlsPlaylist> parse_hls(std::string_view text);

// "2026-12-06T16:35:00.123Z" or with a "+hh:mm"/"-hh:mm" offset → Unix ms.
std::optional<int64_t> parse_iso8601_ms(std::string_view s);

// A URI from a playlist at base_path ("/app/streams/x.m3u8"), as the path
// (and query) to request: absolute paths stay, relative ones resolve
// against the playlist's directory; "http://host/p" keeps "/p".
std::string resolve_path(std::string_view base_path, std::string_view uri);

}  // namespace fanout::load
