// http/range.h — the Range request header (RFC 9110 14.2), single byte
// ranges only.  Pure; fuzzed with the request parser.
#pragma once

#include <cstdint>
#include <string_view>

namespace fanout::http {

struct ByteRange {
    enum Kind {
        Full,  // no usable Range: send the whole entity (200)
        Partial,  // send [first, last] (206)
        Unsatisfiable  // 416 with "Content-Range: bytes */size"
    };
    Kind kind = Full;
    uint64_t first = 0;
    uint64_t last = 0;  // inclusive
};

// "bytes=a-b", "bytes=a-", "bytes=-n" against an entity of `size` bytes.
// Syntax the server does not handle (other units, several ranges, garbage)
// yields Full: RFC 9110 lets a server ignore Range, and a player then
// simply gets the whole segment.  A last position past the end is clipped.
ByteRange parse_range(std::string_view header, uint64_t size);

}  // namespace fanout::http
