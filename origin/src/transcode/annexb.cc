// transcode/annexb.cc — see annexb.h.
#include "transcode/annexb.h"

#include "media/avc.h"

namespace fanout::transcode {
namespace {

constexpr uint8_t kNalSps = 7, kNalPps = 8, kNalAud = 9;

uint8_t nal_type(std::span<const uint8_t> nal)
{
    return nal[0] & 0x1f;
}

void put_be(std::vector<uint8_t>& out, uint32_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--)
        out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// Where the start code at or after i begins, and its length (0: none).
std::pair<size_t, size_t> next_start_code(std::span<const uint8_t> d, size_t i)
{
    for (; i + 3 <= d.size(); i++) {
        if (d[i] != 0 || d[i + 1] != 0) continue;
        if (d[i + 2] == 1) return {i, 3};
        if (d[i + 2] == 0 && i + 4 <= d.size() && d[i + 3] == 1) return {i, 4};
    }
    return {d.size(), 0};
}

}  // namespace

std::vector<std::span<const uint8_t>> split_annexb(
    std::span<const uint8_t> data)
{
    std::vector<std::span<const uint8_t>> units;
    auto [at, len] = next_start_code(data, 0);
    while (len != 0) {
        const size_t begin = at + len;
        auto [next, next_len] = next_start_code(data, begin);
        size_t end = next;
        // Trailing zero bytes belong to the next start code, not the unit.
        while (end > begin && data[end - 1] == 0)
            end--;
        if (end > begin) units.push_back(data.subspan(begin, end - begin));
        at = next;
        len = next_len;
    }
    return units;
}

std::vector<uint8_t> annexb_to_avcc(std::span<const uint8_t> data)
{
    std::vector<uint8_t> out;
    out.reserve(data.size() + 16);
    for (std::span<const uint8_t> nal : split_annexb(data)) {
        const uint8_t t = nal_type(nal);
        if (t == kNalSps || t == kNalPps || t == kNalAud) continue;
        put_be(out, static_cast<uint32_t>(nal.size()), 4);
        out.insert(out.end(), nal.begin(), nal.end());
    }
    return out;
}

Result<std::vector<uint8_t>> avcc_from_annexb(std::span<const uint8_t> data)
{
    if (!data.empty() && data[0] == 1)
        return std::vector<uint8_t>(data.begin(), data.end());
    std::vector<std::span<const uint8_t>> sps, pps;
    for (std::span<const uint8_t> nal : split_annexb(data)) {
        if (nal_type(nal) == kNalSps) sps.push_back(nal);
        if (nal_type(nal) == kNalPps) pps.push_back(nal);
    }
    if (sps.empty() || pps.empty())
        return Error("encoder header: no SPS or no PPS");
    if (sps.size() > 31 || pps.size() > 255)
        return Error("encoder header: too many parameter sets");
    Result<media::AvcSps> parsed = media::parse_avc_sps(sps.front());
    if (!parsed) return parsed.error().wrap("encoder header");
    if (sps.front().size() < 4) return Error("encoder header: short SPS");

    std::vector<uint8_t> rec = {1, sps.front()[1], sps.front()[2],
                                sps.front()[3], 0xff};
    rec.push_back(static_cast<uint8_t>(0xe0 | sps.size()));
    for (auto s : sps) {
        if (s.size() > 0xffff) return Error("encoder header: SPS too long");
        put_be(rec, static_cast<uint32_t>(s.size()), 2);
        rec.insert(rec.end(), s.begin(), s.end());
    }
    rec.push_back(static_cast<uint8_t>(pps.size()));
    for (auto p : pps) {
        if (p.size() > 0xffff) return Error("encoder header: PPS too long");
        put_be(rec, static_cast<uint32_t>(p.size()), 2);
        rec.insert(rec.end(), p.begin(), p.end());
    }
    const int profile = sps.front()[1];
    if (profile == 100 || profile == 110 || profile == 122 || profile == 144) {
        // ISO/IEC 14496-15 5.3.3.1.2: the high profiles' extension.  We
        // encode 8-bit pictures: both bit depths are 8 (minus8 = 0).
        rec.push_back(static_cast<uint8_t>(0xfc | parsed->chroma_format_idc));
        rec.push_back(0xf8);
        rec.push_back(0xf8);
        rec.push_back(0);  // no SPS extensions
    }
    return rec;
}

}  // namespace fanout::transcode
