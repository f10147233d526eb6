// package/master_playlist.h — the HLS master playlist of an adaptive
// stream (RFC 8216 §4.3.4.2): one EXT-X-STREAM-INF per rendition.  Pure.
//
// Served as /{app}/streams/<s>_adaptive.m3u8 (Ant Media's name) beside the
// renditions' own media playlists: the source's <s>.m3u8 and each
// transcoded rendition's <s>_<height>p<kbps>kbps.m3u8.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fanout::package {

// What a player needs to choose a rendition before loading it.
struct HlsVariant {
    std::string uri;  // relative to the master playlist
    uint64_t bandwidth = 0;  // bit/s: the peak segment bit rate (BANDWIDTH)
    uint64_t average_bandwidth = 0;  // bit/s over the listed segments
    int width = 0, height = 0;  // 0: audio only, no RESOLUTION
    std::string codecs;  // RFC 6381, comma-separated: "avc1.64001f,mp4a.40.2"
    std::string frame_rate;  // "30.000"; "" unknown
};

// Highest bandwidth first (the order players start from when they do not
// measure first).  An empty list renders a playlist with no variants.
std::string render_master_playlist(std::vector<HlsVariant> variants);

}  // namespace fanout::package
