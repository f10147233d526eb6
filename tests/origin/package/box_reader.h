// tests/origin/package/box_reader.h — a small ISO BMFF reader for tests:
// parses what fmp4.cc writes back into fields, independently of the writer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fanout::package::test {

struct Box {
    std::string type;
    size_t offset = 0;  // of the box header, in the parsed buffer
    size_t size = 0;  // whole box
    size_t header = 8;
    std::string_view body() const { return data.substr(header, size - header); }
    std::string_view data;  // the whole box
};

inline uint32_t be32(std::string_view b, size_t at)
{
    return static_cast<uint32_t>(static_cast<uint8_t>(b[at])) << 24
           | static_cast<uint32_t>(static_cast<uint8_t>(b[at + 1])) << 16
           | static_cast<uint32_t>(static_cast<uint8_t>(b[at + 2])) << 8
           | static_cast<uint32_t>(static_cast<uint8_t>(b[at + 3]));
}
inline uint64_t be64(std::string_view b, size_t at)
{
    return static_cast<uint64_t>(be32(b, at)) << 32 | be32(b, at + 4);
}
inline uint16_t be16(std::string_view b, size_t at)
{
    return static_cast<uint16_t>(static_cast<uint8_t>(b[at]) << 8
                                 | static_cast<uint8_t>(b[at + 1]));
}

// Boxes laid back to back in `b`; nullopt when sizes do not add up exactly.
inline std::optional<std::vector<Box>> parse_boxes(std::string_view b,
                                                   size_t base = 0)
{
    std::vector<Box> out;
    size_t at = 0;
    while (at < b.size()) {
        if (b.size() - at < 8) return std::nullopt;
        uint32_t size = be32(b, at);
        if (size < 8 || size > b.size() - at) return std::nullopt;
        Box box;
        box.type = std::string(b.substr(at + 4, 4));
        box.offset = base + at;
        box.size = size;
        box.data = b.substr(at, size);
        out.push_back(box);
        at += size;
    }
    return out;
}

inline const Box* child(const std::vector<Box>& boxes, std::string_view type,
                        int nth = 0)
{
    for (const Box& b : boxes)
        if (b.type == type && nth-- == 0) return &b;
    return nullptr;
}

// Children of a container box (skip `skip` bytes of its body first, e.g.
// stsd's version/flags/count).
inline std::optional<std::vector<Box>> children(const Box& box, size_t skip = 0)
{
    return parse_boxes(box.body().substr(skip), box.offset + box.header + skip);
}

struct TrunSample {
    uint32_t duration = 0, size = 0, flags = 0;
    int32_t cto = 0;
};

struct Traf {
    uint32_t track_id = 0;
    uint32_t tfhd_flags = 0;
    uint64_t base_decode_time = 0;
    int tfdt_version = 0;
    int trun_version = 0;
    int32_t data_offset = 0;
    std::vector<TrunSample> samples;
    uint64_t total_duration() const
    {
        uint64_t d = 0;
        for (auto& s : samples)
            d += s.duration;
        return d;
    }
};

struct Fragment {
    uint32_t sequence = 0;
    size_t moof_offset = 0;
    size_t mdat_payload_offset = 0;
    size_t mdat_payload_size = 0;
    std::vector<Traf> trafs;
    const Traf* track(uint32_t id) const
    {
        for (auto& t : trafs)
            if (t.track_id == id) return &t;
        return nullptr;
    }
};

// Parses styp+moof+mdat; nullopt on any structural problem.
inline std::optional<Fragment> parse_fragment(std::string_view seg)
{
    auto top = parse_boxes(seg);
    if (!top) return std::nullopt;
    const Box* moof = child(*top, "moof");
    const Box* mdat = child(*top, "mdat");
    if (!moof || !mdat) return std::nullopt;
    Fragment f;
    f.moof_offset = moof->offset;
    f.mdat_payload_offset = mdat->offset + 8;
    f.mdat_payload_size = mdat->size - 8;
    auto kids = children(*moof);
    if (!kids) return std::nullopt;
    const Box* mfhd = child(*kids, "mfhd");
    if (!mfhd) return std::nullopt;
    f.sequence = be32(mfhd->body(), 4);
    for (const Box& b : *kids) {
        if (b.type != "traf") continue;
        auto tk = children(b);
        if (!tk) return std::nullopt;
        const Box* tfhd = child(*tk, "tfhd");
        const Box* tfdt = child(*tk, "tfdt");
        const Box* trun = child(*tk, "trun");
        if (!tfhd || !tfdt || !trun) return std::nullopt;
        Traf t;
        t.tfhd_flags = be32(tfhd->body(), 0) & 0xffffff;
        t.track_id = be32(tfhd->body(), 4);
        t.tfdt_version = static_cast<uint8_t>(tfdt->body()[0]);
        t.base_decode_time =
            t.tfdt_version == 1 ? be64(tfdt->body(), 4) : be32(tfdt->body(), 4);
        std::string_view r = trun->body();
        t.trun_version = static_cast<uint8_t>(r[0]);
        uint32_t flags = be32(r, 0) & 0xffffff;
        uint32_t count = be32(r, 4);
        size_t at = 8;
        if (flags & 1) {
            t.data_offset = static_cast<int32_t>(be32(r, at));
            at += 4;
        }
        if (flags & 4) at += 4;
        for (uint32_t i = 0; i < count; i++) {
            TrunSample s;
            if (flags & 0x100) {
                s.duration = be32(r, at);
                at += 4;
            }
            if (flags & 0x200) {
                s.size = be32(r, at);
                at += 4;
            }
            if (flags & 0x400) {
                s.flags = be32(r, at);
                at += 4;
            }
            if (flags & 0x800) {
                s.cto = static_cast<int32_t>(be32(r, at));
                at += 4;
            }
            if (at > r.size()) return std::nullopt;
            t.samples.push_back(s);
        }
        if (at != r.size()) return std::nullopt;
        f.trafs.push_back(t);
    }
    return f;
}

}  // namespace fanout::package::test
