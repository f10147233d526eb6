// media/nal.cc — see nal.h.
#include "media/nal.h"

#include <algorithm>
#include <string>

#include "media/byte_reader.h"

namespace fanout::media {

std::vector<uint8_t> nal_to_rbsp(std::span<const uint8_t> nal)
{
    std::vector<uint8_t> out;
    out.reserve(nal.size());
    int zeros = 0;
    for (uint8_t b : nal) {
        if (zeros >= 2 && b == 0x03) {
            zeros = 0;
            continue;
        }
        out.push_back(b);
        zeros = (b == 0) ? zeros + 1 : 0;
    }
    return out;
}

namespace {

// Walks the length-prefixed units of `data`, calling unit(span) for each
// (empty ones included); the first framing error ends the walk.
template <typename Unit>
Status walk_nal_units(std::span<const uint8_t> data, int length_size,
                      Unit&& unit)
{
    if (length_size != 1 && length_size != 2 && length_size != 4) {
        return Error("NAL length size " + std::to_string(length_size)
                     + " not supported");
    }
    ByteReader r(data);
    while (!r.empty()) {
        uint32_t len = 0;
        bool ok = false;
        if (length_size == 1) {
            uint8_t v = 0;
            ok = r.u8(v);
            len = v;
        } else if (length_size == 2) {
            uint16_t v = 0;
            ok = r.u16(v);
            len = v;
        } else {
            ok = r.u32(len);
        }
        if (!ok) {
            return Error("truncated NAL length at byte "
                         + std::to_string(r.position()));
        }
        std::span<const uint8_t> u;
        if (!r.bytes(len, u)) {
            return Error("NAL length " + std::to_string(len) + " exceeds the "
                         + std::to_string(r.remaining()) + " bytes left");
        }
        unit(u);
    }
    return {};
}

}  // namespace

Result<std::vector<uint8_t>> normalize_nal_lengths(
    std::span<const uint8_t> data, int length_size)
{
    std::vector<uint8_t> out;
    // Shorter prefixes grow by at most 3 bytes per unit of >= 1 byte.
    out.reserve(length_size == 4 ? data.size() : data.size() * 4);
    Status st = walk_nal_units(
        data, length_size, [&out](std::span<const uint8_t> unit) {
            if (unit.empty()) return;
            uint8_t prefix[4];
            put_u32(prefix, static_cast<uint32_t>(unit.size()));
            out.insert(out.end(), prefix, prefix + 4);
            out.insert(out.end(), unit.begin(), unit.end());
        });
    if (!st) return st.error();
    return out;
}

Result<bool> nal_lengths_normalized(std::span<const uint8_t> data,
                                    int length_size)
{
    bool as_is = length_size == 4;
    Status st = walk_nal_units(data, length_size,
                               [&as_is](std::span<const uint8_t> unit) {
                                   if (unit.empty()) as_is = false;
                               });
    if (!st) return st.error();
    return as_is;
}

}  // namespace fanout::media
