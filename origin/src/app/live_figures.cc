#include "app/live_figures.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

namespace fanout {

LiveRates live_rates(int64_t ingest_bitrate, double ingest_speed,
                     double transcoder_speed)
{
    LiveRates r;
    r.bitrate = std::max<int64_t>(0, ingest_bitrate);
    r.speed =
        transcoder_speed > 0 ? transcoder_speed : std::max(0.0, ingest_speed);
    return r;
}

std::string renditions_json(const std::vector<package::RenditionInfo>& r,
                            size_t cap)
{
    std::string out = "[";
    for (const package::RenditionInfo& x : r) {
        nlohmann::json j = {{"name", x.name},
                            {"width", x.width},
                            {"height", x.height},
                            {"bandwidth", x.bandwidth},
                            {"averageBandwidth", x.average_bandwidth},
                            {"dropped", x.dropped}};
        std::string item = (out.size() > 1 ? "," : "") + j.dump();
        if (out.size() + item.size() + 1 >= cap) {
            break;
        }
        out += item;
    }
    out += "]";
    return out.size() < cap ? out : std::string();
}

void put_live_figures(const LiveRates& rates, std::string_view renditions,
                      fo_progress* p)
{
    p->bitrate = std::max<int64_t>(0, rates.bitrate);
    p->speed = std::max(0.0, rates.speed);
    const size_t n = std::min(renditions.size(), sizeof(p->renditions) - 1);
    std::memcpy(p->renditions, renditions.data(), n);
    p->renditions[n] = '\0';
}

}  // namespace fanout
