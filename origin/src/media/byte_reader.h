// media/byte_reader.h — bounds-checked big-endian reads over a byte span.
// Every read either succeeds completely or returns false and leaves the
// position unchanged, so parsers can turn a short read into an Error or
// NeedMoreData without ever touching memory past the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace fanout::media {

// What a streaming parser says about the bytes it was given (the shape of
// OvenMediaEngine's RTMP chunk parser): a whole unit, not enough bytes yet,
// or input that can never parse.
enum class ParseStatus : uint8_t { Parsed, NeedMoreData, Error };

class ByteReader {
public:
    explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}

    size_t remaining() const { return data_.size() - pos_; }
    size_t position() const { return pos_; }
    bool empty() const { return pos_ == data_.size(); }
    std::span<const uint8_t> rest() const { return data_.subspan(pos_); }

    bool u8(uint8_t& v)
    {
        if (remaining() < 1) return false;
        v = data_[pos_++];
        return true;
    }
    bool u16(uint16_t& v) { return be(2, v); }
    bool u24(uint32_t& v) { return be(3, v); }
    bool u32(uint32_t& v) { return be(4, v); }
    bool u64(uint64_t& v) { return be(8, v); }

    bool bytes(size_t n, std::span<const uint8_t>& out)
    {
        if (remaining() < n) return false;
        out = data_.subspan(pos_, n);
        pos_ += n;
        return true;
    }
    bool skip(size_t n)
    {
        if (remaining() < n) return false;
        pos_ += n;
        return true;
    }

private:
    template <class T>
    bool be(size_t n, T& v)
    {
        if (remaining() < n) return false;
        T x = 0;
        for (size_t i = 0; i < n; ++i)
            x = static_cast<T>((x << 8) | data_[pos_ + i]);
        pos_ += n;
        v = x;
        return true;
    }

    std::span<const uint8_t> data_;
    size_t pos_ = 0;
};

// Big-endian stores for writers.
inline void put_u16(uint8_t* p, uint32_t v)
{
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}
inline void put_u24(uint8_t* p, uint32_t v)
{
    p[0] = static_cast<uint8_t>(v >> 16);
    p[1] = static_cast<uint8_t>(v >> 8);
    p[2] = static_cast<uint8_t>(v);
}
inline void put_u32(uint8_t* p, uint32_t v)
{
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}

}  // namespace fanout::media
