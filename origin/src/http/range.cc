#include "http/range.h"

#include <limits>

#include "http/request_parser.h"

namespace fanout::http {

namespace {

// Digits to a number, saturating (a huge position is still a position).
bool parse_pos(std::string_view s, uint64_t* out)
{
    if (s.empty()) {
        return false;
    }
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') {
            return false;
        }
        uint64_t d = static_cast<uint64_t>(c - '0');
        if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) {
            v = std::numeric_limits<uint64_t>::max();
        } else {
            v = v * 10 + d;
        }
    }
    *out = v;
    return true;
}

}  // namespace

ByteRange parse_range(std::string_view header, uint64_t size)
{
    ByteRange full;
    header = trim_ows(header);
    constexpr std::string_view unit = "bytes=";
    if (header.size() < unit.size()) {
        return full;
    }
    for (size_t i = 0; i < unit.size(); i++) {
        char c = header[i];
        if ((c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c) != unit[i]) {
            return full;
        }
    }
    std::string_view spec = trim_ows(header.substr(unit.size()));
    if (spec.find(',') != std::string_view::npos) {
        return full;  // several ranges: not worth multipart/byteranges
    }
    size_t dash = spec.find('-');
    if (dash == std::string_view::npos) {
        return full;
    }
    std::string_view a = trim_ows(spec.substr(0, dash));
    std::string_view b = trim_ows(spec.substr(dash + 1));
    uint64_t first = 0;
    uint64_t last = 0;

    if (a.empty()) {  // suffix: the last n bytes
        uint64_t n = 0;
        if (!parse_pos(b, &n)) {
            return full;
        }
        if (n == 0 || size == 0) {
            return ByteRange{ByteRange::Unsatisfiable, 0, 0};
        }
        first = n >= size ? 0 : size - n;
        return ByteRange{ByteRange::Partial, first, size - 1};
    }
    if (!parse_pos(a, &first)) {
        return full;
    }
    if (b.empty()) {
        last = std::numeric_limits<uint64_t>::max();
    } else if (!parse_pos(b, &last) || last < first) {
        return full;  // invalid range-spec: ignore the header
    }
    if (first >= size) {
        return ByteRange{ByteRange::Unsatisfiable, 0, 0};
    }
    if (last >= size) {
        last = size - 1;
    }
    return ByteRange{ByteRange::Partial, first, last};
}

}  // namespace fanout::http
