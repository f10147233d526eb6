// core/shared_bytes.h — immutable bytes with shared ownership, so media
// goes from the RTMP message that carried it to every HTTP response that
// serves it without being copied.
//
// SharedBytes is one slice of a buffer something else keeps alive (a frame
// inside its RTMP message).  ByteChain is a sequence of slices that reads as
// one body (a CMAF segment: its moof, then the samples' payloads, shared
// between the muxed HLS file and the per-track DASH files), written with
// scatter/gather.  Neither is ever modified once built; copies share.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fanout {

class SharedBytes {
public:
    using value_type = uint8_t;
    using const_iterator = const uint8_t*;
    using iterator = const_iterator;

    SharedBytes() = default;
    // Takes the bytes.  Implicit: a vector (or a braced list) stands in for
    // SharedBytes wherever one is expected.
    SharedBytes(
        std::vector<uint8_t> bytes)  // NOLINT(google-explicit-constructor)
    {
        if (bytes.empty()) return;
        auto owner =
            std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
        data_ = owner->data();
        size_ = owner->size();
        owner_ = std::move(owner);
    }
    SharedBytes(std::initializer_list<uint8_t> bytes)
        : SharedBytes(std::vector<uint8_t>(bytes))
    {
    }
    explicit SharedBytes(std::string bytes)
    {
        if (bytes.empty()) return;
        auto owner = std::make_shared<const std::string>(std::move(bytes));
        data_ = reinterpret_cast<const uint8_t*>(owner->data());
        size_ = owner->size();
        owner_ = std::move(owner);
    }
    // [data, data + size), kept alive by `owner`.
    SharedBytes(std::shared_ptr<const void> owner, const uint8_t* data,
                size_t size)
        : owner_(size ? std::move(owner) : nullptr),
          data_(size ? data : nullptr),
          size_(size)
    {
    }

    const uint8_t* data() const { return data_; }
    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    const uint8_t* begin() const { return data_; }
    const uint8_t* end() const { return data_ + size_; }
    uint8_t operator[](size_t i) const { return data_[i]; }
    std::span<const uint8_t> span() const { return {data_, size_}; }
    operator std::span<const uint8_t>() const { return span(); }  // NOLINT
    std::string_view chars() const
    {
        return {reinterpret_cast<const char*>(data_), size_};
    }

    // `part` must lie inside this slice: the same bytes, sharing the owner.
    SharedBytes slice(std::span<const uint8_t> part) const
    {
        return SharedBytes(owner_, part.data(), part.size());
    }
    SharedBytes slice(size_t offset, size_t size) const
    {
        return slice(span().subspan(offset, size));
    }

    // Equal bytes, wherever they live.
    friend bool operator==(const SharedBytes& a, const SharedBytes& b)
    {
        return a.size_ == b.size_
               && (a.size_ == 0 || std::memcmp(a.data_, b.data_, a.size_) == 0);
    }

private:
    std::shared_ptr<const void> owner_;
    const uint8_t* data_ = nullptr;
    size_t size_ = 0;
};

class ByteChain {
public:
    ByteChain() = default;
    // One piece: text or bytes made whole (playlists, init segments).
    explicit ByteChain(std::string bytes)
    {
        append(SharedBytes(std::move(bytes)));
    }

    // Empty pieces are skipped.
    void append(SharedBytes piece)
    {
        if (piece.empty()) return;
        size_ += piece.size();
        pieces_.push_back(std::move(piece));
    }
    void reserve(size_t pieces) { pieces_.reserve(pieces); }

    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    const std::vector<SharedBytes>& pieces() const { return pieces_; }

    // Calls fn(const uint8_t* data, size_t size) for each run of bytes in
    // [offset, offset + length), clamped to the chain.
    template <typename Fn>
    void for_each(size_t offset, size_t length, Fn&& fn) const
    {
        for (const SharedBytes& p : pieces_) {
            if (length == 0) return;
            if (offset >= p.size()) {
                offset -= p.size();
                continue;
            }
            size_t n = std::min(length, p.size() - offset);
            fn(p.data() + offset, n);
            offset = 0;
            length -= n;
        }
    }

    // A copy of the bytes (tests, and callers that need them contiguous).
    std::string str() const { return substr(0, size_); }
    std::string substr(size_t offset, size_t length) const
    {
        std::string out;
        out.reserve(std::min(length, size_ > offset ? size_ - offset : 0));
        for_each(offset, length, [&out](const uint8_t* p, size_t n) {
            out.append(reinterpret_cast<const char*>(p), n);
        });
        return out;
    }

private:
    std::vector<SharedBytes> pieces_;
    size_t size_ = 0;
};

}  // namespace fanout
