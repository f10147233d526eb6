// tests/origin/media/bit_writer.h — builds SPS NAL units bit by bit, with
// emulation prevention, so tests can reach syntax that x264 never writes.
#pragma once

#include <cstdint>
#include <vector>

namespace fanout::test {

class BitWriter {
public:
    // n may exceed 64 (HEVC profile fields): the high bits are zeros.
    BitWriter& bits(int n, uint64_t v)
    {
        for (int i = n - 1; i >= 0; --i)
            bit(i < 64 && ((v >> i) & 1));
        return *this;
    }
    BitWriter& flag(bool f) { return bit(f); }
    BitWriter& ue(uint64_t v)
    {
        const uint64_t x = v + 1;
        int len = 0;
        while ((x >> len) > 1)
            ++len;
        bits(len, 0);
        return bits(len + 1, x);
    }
    BitWriter& se(int64_t v)
    {
        return ue(v > 0 ? static_cast<uint64_t>(2 * v - 1)
                        : static_cast<uint64_t>(-2 * v));
    }
    // rbsp_trailing_bits, then emulation prevention; `header` bytes go first.
    std::vector<uint8_t> nal(std::vector<uint8_t> header)
    {
        bit(1);
        while (n_ % 8)
            bit(0);
        int zeros = 0;
        for (uint8_t b : bytes_) {
            if (zeros >= 2 && b <= 3) {
                header.push_back(3);
                zeros = 0;
            }
            header.push_back(b);
            zeros = b == 0 ? zeros + 1 : 0;
        }
        return header;
    }

private:
    BitWriter& bit(bool b)
    {
        if (n_ % 8 == 0) bytes_.push_back(0);
        if (b) bytes_.back() |= static_cast<uint8_t>(0x80 >> (n_ % 8));
        ++n_;
        return *this;
    }
    std::vector<uint8_t> bytes_;
    size_t n_ = 0;
};

}  // namespace fanout::test
