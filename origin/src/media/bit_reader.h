// media/bit_reader.h — MSB-first bit reads with Exp-Golomb codes over an
// RBSP (emulation prevention already removed), for SPS parsing.  Reads past
// the end fail instead of yielding zeros: a truncated SPS is an Error, not
// a picture of some made-up size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace fanout::media {

class BitReader {
public:
    explicit BitReader(std::span<const uint8_t> data) : data_(data) {}

    size_t bits_left() const { return data_.size() * 8 - bit_; }

    // n in 0..32.
    bool bits(int n, uint32_t& v)
    {
        if (n < 0 || n > 32 || bits_left() < static_cast<size_t>(n))
            return false;
        uint64_t x = 0;
        for (int i = 0; i < n; ++i) {
            x = (x << 1) | ((data_[bit_ >> 3] >> (7 - (bit_ & 7))) & 1u);
            ++bit_;
        }
        v = static_cast<uint32_t>(x);
        return true;
    }
    bool flag(bool& f)
    {
        uint32_t v = 0;
        if (!bits(1, v)) return false;
        f = v != 0;
        return true;
    }
    bool skip(size_t n)
    {
        if (bits_left() < n) return false;
        bit_ += n;
        return true;
    }
    // ue(v).  More than 31 leading zeros cannot encode a 32-bit value.
    bool ue(uint32_t& v)
    {
        int zeros = 0;
        for (;;) {
            uint32_t b = 0;
            if (!bits(1, b)) return false;
            if (b) break;
            if (++zeros > 31) return false;
        }
        uint32_t suffix = 0;
        if (!bits(zeros, suffix)) return false;
        v = static_cast<uint32_t>((uint64_t{1} << zeros) - 1 + suffix);
        return true;
    }
    // se(v), in 64 bits so that the extreme codes cannot overflow.
    bool se(int64_t& v)
    {
        uint32_t k = 0;
        if (!ue(k)) return false;
        v = (k & 1) ? static_cast<int64_t>((uint64_t{k} + 1) / 2)
                    : -static_cast<int64_t>(k / 2);
        return true;
    }

private:
    std::span<const uint8_t> data_;
    size_t bit_ = 0;
};

}  // namespace fanout::media
