// package/hls_playlist.cc — see hls_playlist.h.
#include "package/hls_playlist.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace fanout::package {

int target_of_extinf(double duration_s)
{
    // Round to the printed millisecond first, so 2.4999999 s is a 2.
    int64_t ms = std::llround(duration_s * 1000);
    return static_cast<int>((ms + 500) / 1000);
}

std::string iso8601_ms(int64_t unix_ms)
{
    time_t secs = static_cast<time_t>(unix_ms / 1000);
    int ms = static_cast<int>(unix_ms % 1000);
    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    struct tm tm {};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                  tm.tm_min, tm.tm_sec, ms);
    return buf;
}

std::string render_hls_playlist(const HlsPlaylist& p)
{
    int target = p.target_duration_s;
    for (const HlsSegment& s : p.segments)
        target = std::max(target, target_of_extinf(s.duration_s));
    target = std::max(target, 1);

    std::string out;
    out.reserve(128 + p.segments.size() * 160);
    char buf[96];
    out += "#EXTM3U\n";
    std::snprintf(buf, sizeof buf, "#EXT-X-VERSION:%d\n", p.version);
    out += buf;
    std::snprintf(buf, sizeof buf, "#EXT-X-TARGETDURATION:%d\n", target);
    out += buf;
    std::snprintf(buf, sizeof buf, "#EXT-X-MEDIA-SEQUENCE:%llu\n",
                  static_cast<unsigned long long>(p.media_sequence));
    out += buf;
    if (p.discontinuity_sequence) {
        std::snprintf(
            buf, sizeof buf, "#EXT-X-DISCONTINUITY-SEQUENCE:%llu\n",
            static_cast<unsigned long long>(p.discontinuity_sequence));
        out += buf;
    }
    out += "#EXT-X-INDEPENDENT-SEGMENTS\n";

    std::string current_map;
    for (size_t i = 0; i < p.segments.size(); i++) {
        const HlsSegment& s = p.segments[i];
        // The first listed segment's DISCONTINUITY is kept: it is what
        // DISCONTINUITY-SEQUENCE does not count yet.
        if (s.discontinuity) out += "#EXT-X-DISCONTINUITY\n";
        if (!s.map_uri.empty() && s.map_uri != current_map) {
            out += "#EXT-X-MAP:URI=\"" + s.map_uri + "\"\n";
            current_map = s.map_uri;
        }
        if (s.program_date_time_ms)
            out += "#EXT-X-PROGRAM-DATE-TIME:"
                   + iso8601_ms(*s.program_date_time_ms) + "\n";
        std::snprintf(buf, sizeof buf, "#EXTINF:%.3f,\n", s.duration_s);
        out += buf;
        out += s.uri;
        out += '\n';
    }
    if (p.ended) out += "#EXT-X-ENDLIST\n";
    return out;
}

}  // namespace fanout::package
