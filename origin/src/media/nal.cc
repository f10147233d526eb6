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

Result<std::vector<uint8_t>> normalize_nal_lengths(std::span<const uint8_t> data,
                                                   int length_size)
{
    if (length_size != 1 && length_size != 2 && length_size != 4) {
        return Error("NAL length size " + std::to_string(length_size) +
                     " not supported");
    }
    std::vector<uint8_t> out;
    // Shorter prefixes grow by at most 3 bytes per unit of >= 1 byte.
    out.reserve(length_size == 4 ? data.size() : data.size() * 4);
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
            return Error("truncated NAL length at byte " +
                         std::to_string(r.position()));
        }
        std::span<const uint8_t> unit;
        if (!r.bytes(len, unit)) {
            return Error("NAL length " + std::to_string(len) + " exceeds the " +
                         std::to_string(r.remaining()) + " bytes left");
        }
        if (len == 0) continue;
        size_t at = out.size();
        out.resize(at + 4 + len);
        put_u32(out.data() + at, len);
        std::copy(unit.begin(), unit.end(), out.begin() + static_cast<long>(at) + 4);
    }
    return out;
}

}  // namespace fanout::media
