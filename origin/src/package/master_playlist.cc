// package/master_playlist.cc — see master_playlist.h.
#include "package/master_playlist.h"

#include <algorithm>

namespace fanout::package {

std::string render_master_playlist(std::vector<HlsVariant> variants)
{
    std::stable_sort(variants.begin(), variants.end(),
                     [](const HlsVariant& a, const HlsVariant& b) {
                         return a.bandwidth > b.bandwidth;
                     });
    std::string out =
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n";
    for (const HlsVariant& v : variants) {
        out += "#EXT-X-STREAM-INF:BANDWIDTH="
               + std::to_string(std::max<uint64_t>(v.bandwidth, 1));
        if (v.average_bandwidth)
            out += ",AVERAGE-BANDWIDTH=" + std::to_string(v.average_bandwidth);
        if (v.width > 0 && v.height > 0)
            out += ",RESOLUTION=" + std::to_string(v.width) + "x"
                   + std::to_string(v.height);
        if (!v.codecs.empty()) out += ",CODECS=\"" + v.codecs + "\"";
        if (!v.frame_rate.empty()) out += ",FRAME-RATE=" + v.frame_rate;
        out += "\n" + v.uri + "\n";
    }
    return out;
}

}  // namespace fanout::package
