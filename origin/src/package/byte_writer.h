// package/byte_writer.h — big-endian writes into a std::string, plus ISO
// BMFF box framing.  Output goes straight into the string that becomes a
// Resource body, so nothing is copied after packaging.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fanout::package {

class ByteWriter {
public:
    explicit ByteWriter(std::string& out) : out_(out) {}

    void u8(uint32_t v) { out_.push_back(static_cast<char>(v & 0xff)); }
    void u16(uint32_t v) { be(v, 2); }
    void u24(uint32_t v) { be(v, 3); }
    void u32(uint32_t v) { be(v, 4); }
    void u64(uint64_t v) { be(v, 8); }
    void zeros(size_t n) { out_.append(n, '\0'); }
    void bytes(const void* p, size_t n)
    {
        out_.append(static_cast<const char*>(p), n);
    }
    void fourcc(std::string_view cc) { out_.append(cc.data(), 4); }

    size_t size() const { return out_.size(); }
    // Overwrites 4 bytes at `at` (sizes and offsets known only later).
    void patch_u32(size_t at, uint32_t v)
    {
        out_[at] = static_cast<char>(v >> 24);
        out_[at + 1] = static_cast<char>(v >> 16);
        out_[at + 2] = static_cast<char>(v >> 8);
        out_[at + 3] = static_cast<char>(v);
    }

    // Box framing: begin() writes a size placeholder and the type; end()
    // patches the size.  Boxes nest by keeping the returned offsets.
    size_t begin(std::string_view type)
    {
        size_t at = size();
        u32(0);
        fourcc(type);
        return at;
    }
    size_t begin_full(std::string_view type, uint8_t version, uint32_t flags)
    {
        size_t at = begin(type);
        u8(version);
        u24(flags);
        return at;
    }
    void end(size_t at) { patch_u32(at, static_cast<uint32_t>(size() - at)); }

    std::string& str() { return out_; }

private:
    // The low n bytes of v, big-endian, in one append (a trun writes four
    // of these per sample).
    void be(uint64_t v, size_t n)
    {
        char b[8];
        for (size_t i = 0; i < n; i++)
            b[i] = static_cast<char>(v >> (8 * (n - 1 - i)));
        out_.append(b, n);
    }

    std::string& out_;
};

}  // namespace fanout::package
