#include "hls.h"

#include <charconv>
#include <cstdlib>
#include <ctime>

namespace fanout::load {
namespace {

bool starts(std::string_view s, std::string_view p)
{
    return s.substr(0, p.size()) == p;
}

// NAME=value or NAME="value" from an attribute list.
std::string attribute(std::string_view list, std::string_view name)
{
    size_t at = 0;
    while (at < list.size()) {
        size_t eq = list.find('=', at);
        if (eq == std::string_view::npos) break;
        std::string_view key = list.substr(at, eq - at);
        size_t v = eq + 1, end;
        if (v < list.size() && list[v] == '"') {
            end = list.find('"', v + 1);
            if (end == std::string_view::npos) break;
            if (key == name)
                return std::string(list.substr(v + 1, end - v - 1));
            end++;
        } else {
            end = std::min(list.find(',', v), list.size());
            if (key == name) return std::string(list.substr(v, end - v));
        }
        at = end + 1;
    }
    return "";
}

uint64_t to_u64(std::string_view s)
{
    uint64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

double to_double(std::string_view s)
{
    std::string t(s.substr(0, s.find(',')));
    char* end = nullptr;
    double d = std::strtod(t.c_str(), &end);
    return end == t.c_str() || d < 0 ? -1 : d;
}

struct Pending {  // tags that apply to the next URI line
    std::optional<double> duration;
    std::optional<HlsVariant> variant;
    std::optional<int64_t> pdt;
};

Status tag(std::string_view line, HlsPlaylist& p, Pending& next,
           std::string& map)
{
    if (starts(line, "#EXT-X-STREAM-INF:")) {
        std::string_view a = line.substr(18);
        HlsVariant v;
        v.bandwidth = to_u64(attribute(a, "BANDWIDTH"));
        std::string res = attribute(a, "RESOLUTION");
        if (size_t x = res.find('x'); x != std::string::npos) {
            v.width = std::atoi(res.c_str());
            v.height = std::atoi(res.c_str() + x + 1);
        }
        next.variant = v;
        p.master = true;
    } else if (starts(line, "#EXTINF:")) {
        double d = to_double(line.substr(8));
        if (d < 0) return Error("bad EXTINF");
        next.duration = d;
    } else if (starts(line, "#EXT-X-TARGETDURATION:")) {
        p.target_duration_s = to_double(line.substr(22));
    } else if (starts(line, "#EXT-X-MEDIA-SEQUENCE:")) {
        p.media_sequence = to_u64(line.substr(22));
    } else if (starts(line, "#EXT-X-MAP:")) {
        map = attribute(line.substr(11), "URI");
    } else if (starts(line, "#EXT-X-PROGRAM-DATE-TIME:")) {
        next.pdt = parse_iso8601_ms(line.substr(25));
    } else if (line == "#EXT-X-ENDLIST") {
        p.ended = true;
    }
    return {};
}

}  // namespace

std::optional<int64_t> parse_iso8601_ms(std::string_view s)
{
    int y, mo, d, h, mi;
    double sec;
    char rest[16] = {0};
    std::string t(s.substr(0, 64));
    if (std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%lf%15s", &y, &mo, &d, &h,
                    &mi, &sec, rest)
        < 6)
        return std::nullopt;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec < 0
        || sec >= 61)
        return std::nullopt;
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    int64_t ms = int64_t(timegm(&tm)) * 1000 + int64_t(sec * 1000 + 0.5);
    std::string_view z(rest);
    if (z.empty() || z == "Z") return ms;
    int oh = 0, om = 0;
    if ((z[0] != '+' && z[0] != '-')
        || std::sscanf(rest + 1, "%2d:%2d", &oh, &om) != 2)
        return std::nullopt;
    int64_t off = (int64_t(oh) * 60 + om) * 60000;
    return z[0] == '+' ? ms - off : ms + off;
}

Result<HlsPlaylist> parse_hls(std::string_view text)
{
    HlsPlaylist p;
    Pending next;
    std::string map;
    bool first = true;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (first) {
            if (!starts(line, "#EXTM3U")) return Error("not an HLS playlist");
            first = false;
        } else if (starts(line, "#")) {
            if (Status s = tag(line, p, next, map); !s) return s.error();
        } else if (!line.empty()) {
            if (next.variant) {
                next.variant->uri = line;
                p.variants.push_back(*next.variant);
            } else if (next.duration) {
                p.segments.push_back({std::string(line), *next.duration,
                                      p.media_sequence + p.segments.size(), map,
                                      next.pdt});
            } else {
                return Error("URI without EXTINF or EXT-X-STREAM-INF");
            }
            next = {};
        }
    }
    if (first) return Error("empty playlist");
    if (p.master && !p.segments.empty())
        return Error("master and media playlist at once");
    return p;
}

std::string resolve_path(std::string_view base_path, std::string_view uri)
{
    if (starts(uri, "http://") || starts(uri, "https://")) {
        size_t slash = uri.find('/', uri.find("//") + 2);
        return slash == std::string_view::npos ? "/"
                                               : std::string(uri.substr(slash));
    }
    if (starts(uri, "/")) return std::string(uri);
    std::string_view dir = base_path.substr(0, base_path.find('?'));
    dir = dir.substr(0, dir.rfind('/') + 1);
    std::string out(dir);
    out += uri;
    return out;
}

}  // namespace fanout::load
