// ingest/rtmp/amf0.cc — see amf0.h.
#include "ingest/rtmp/amf0.h"

#include <bit>
#include <cstring>

#include "media/byte_reader.h"

namespace fanout::ingest::rtmp {
namespace {

using media::ByteReader;

enum Marker : uint8_t {
    kNumber = 0x00,
    kBoolean = 0x01,
    kString = 0x02,
    kObject = 0x03,
    kMovieClip = 0x04,
    kNull = 0x05,
    kUndefined = 0x06,
    kReference = 0x07,
    kEcmaArray = 0x08,
    kObjectEnd = 0x09,
    kStrictArray = 0x0a,
    kDate = 0x0b,
    kLongString = 0x0c,
    kUnsupported = 0x0d,
    kRecordSet = 0x0e,
    kXmlDocument = 0x0f,
    kTypedObject = 0x10,
    kAvmPlus = 0x11,
};

double to_double(uint64_t bits)
{
    return std::bit_cast<double>(bits);
}

class Decoder {
public:
    Decoder(std::span<const uint8_t> data, const Amf0Limits& limits)
        : r_(data), limits_(limits)
    {
    }

    bool done() const { return r_.empty(); }

    Result<Amf0Value> value(int depth)
    {
        if (++items_ > limits_.max_items) {
            return Error("AMF0: more than " + std::to_string(limits_.max_items)
                         + " items");
        }
        uint8_t marker = 0;
        if (!r_.u8(marker)) return truncated();
        switch (marker) {
            case kNumber: {
                uint64_t bits = 0;
                if (!r_.u64(bits)) return truncated();
                return Amf0Value::number(to_double(bits));
            }
            case kBoolean: {
                uint8_t b = 0;
                if (!r_.u8(b)) return truncated();
                return Amf0Value::boolean(b != 0);
            }
            case kString:
            case kXmlDocument:  // same layout as a long string, kept as text
            case kLongString: {
                std::string s;
                if (!(marker == kString ? short_string(s) : long_string(s)))
                    return truncated();
                return Amf0Value::string(std::move(s));
            }
            case kNull:
                return Amf0Value::null();
            case kUndefined:
            case kUnsupported:
                return Amf0Value::undefined();
            case kObject:
            case kEcmaArray:
                return object(marker, depth);
            case kStrictArray:
                return strict_array(depth);
            case kDate: {
                uint64_t bits = 0;
                uint16_t tz = 0;
                if (!r_.u64(bits) || !r_.u16(tz)) return truncated();
                return Amf0Value::date(to_double(bits),
                                       static_cast<int16_t>(tz));
            }
            case kObjectEnd:
                return Error("AMF0: object end marker outside an object");
            case kReference:
                return Error("AMF0: references not supported");
            case kMovieClip:
            case kRecordSet:
            case kTypedObject:
            case kAvmPlus:
            default:
                return Error("AMF0: type marker " + std::to_string(marker)
                             + " not supported");
        }
    }

private:
    // An object or ECMA array: its properties up to the end marker.
    Result<Amf0Value> object(uint8_t marker, int depth)
    {
        if (depth >= limits_.max_depth) return too_deep();
        uint32_t count = 0;
        if (marker == kEcmaArray && !r_.u32(count)) return truncated();
        Amf0Value v =
            marker == kObject ? Amf0Value::object() : Amf0Value::ecma_array();
        Status s = properties(v, depth, marker == kEcmaArray, count);
        if (!s) return s.error();
        return v;
    }

    Result<Amf0Value> strict_array(int depth)
    {
        if (depth >= limits_.max_depth) return too_deep();
        uint32_t count = 0;
        if (!r_.u32(count)) return truncated();
        // Each element takes at least one byte: a count beyond what is
        // left is a lie, and must not size an allocation.
        if (count > r_.remaining()) return truncated();
        std::vector<Amf0Value> elements;
        for (uint32_t i = 0; i < count; ++i) {
            Result<Amf0Value> e = value(depth + 1);
            if (!e) return e.error();
            elements.push_back(std::move(e.value()));
        }
        return Amf0Value::strict_array(std::move(elements));
    }

    Status properties(Amf0Value& v, int depth, bool ecma, uint32_t count)
    {
        for (uint32_t n = 0;; ++n) {
            // Some encoders end an ECMA array at its count, without the end
            // marker, when it is the last thing in the message.
            if (ecma && r_.empty() && n >= count) return {};
            std::string key;
            if (!short_string(key)) return truncated();
            if (key.empty()) {
                uint8_t marker = 0;
                if (!r_.u8(marker)) return truncated();
                if (marker == kObjectEnd) return {};
                return Error("AMF0: empty property name");
            }
            if (++items_ > limits_.max_items) {
                return Error("AMF0: more than "
                             + std::to_string(limits_.max_items) + " items");
            }
            Result<Amf0Value> child = value(depth + 1);
            if (!child) return child.error();
            v.set(std::move(key), std::move(child.value()));
        }
    }

    bool short_string(std::string& s)
    {
        uint16_t len = 0;
        std::span<const uint8_t> b;
        if (!r_.u16(len) || !r_.bytes(len, b)) return false;
        s.assign(b.begin(), b.end());
        return true;
    }
    bool long_string(std::string& s)
    {
        uint32_t len = 0;
        std::span<const uint8_t> b;
        if (!r_.u32(len) || !r_.bytes(len, b)) return false;
        s.assign(b.begin(), b.end());
        return true;
    }

    Error truncated() const
    {
        return Error("AMF0: truncated at byte "
                     + std::to_string(r_.position()));
    }
    Error too_deep() const
    {
        return Error("AMF0: nested deeper than "
                     + std::to_string(limits_.max_depth));
    }

    ByteReader r_;
    const Amf0Limits& limits_;
    size_t items_ = 0;
};

void put_u16(std::vector<uint8_t>& out, uint32_t v)
{
    out.push_back(static_cast<uint8_t>(v >> 8));
    out.push_back(static_cast<uint8_t>(v));
}
void put_u32(std::vector<uint8_t>& out, uint32_t v)
{
    put_u16(out, v >> 16);
    put_u16(out, v & 0xffff);
}
void put_double(std::vector<uint8_t>& out, double d)
{
    const uint64_t bits = std::bit_cast<uint64_t>(d);
    put_u32(out, static_cast<uint32_t>(bits >> 32));
    put_u32(out, static_cast<uint32_t>(bits));
}
void put_key(std::vector<uint8_t>& out, const std::string& key)
{
    // Keys have a 16-bit length; longer ones are cut rather than corrupt
    // the stream.
    const size_t n = key.size() > 0xffff ? 0xffff : key.size();
    put_u16(out, static_cast<uint32_t>(n));
    out.insert(out.end(), key.begin(), key.begin() + static_cast<long>(n));
}

}  // namespace

Amf0Value Amf0Value::number(double v)
{
    Amf0Value a;
    a.type_ = Type::Number;
    a.number_ = v;
    return a;
}
Amf0Value Amf0Value::boolean(bool v)
{
    Amf0Value a;
    a.type_ = Type::Boolean;
    a.boolean_ = v;
    return a;
}
Amf0Value Amf0Value::string(std::string v)
{
    Amf0Value a;
    a.type_ = Type::String;
    a.string_ = std::move(v);
    return a;
}
Amf0Value Amf0Value::undefined()
{
    Amf0Value a;
    a.type_ = Type::Undefined;
    return a;
}
Amf0Value Amf0Value::object()
{
    return object(std::vector<Amf0Property>{});
}
Amf0Value Amf0Value::ecma_array()
{
    return ecma_array(std::vector<Amf0Property>{});
}
Amf0Value Amf0Value::strict_array()
{
    return strict_array(std::vector<Amf0Value>{});
}

Amf0Value Amf0Value::object(std::vector<Amf0Property> properties)
{
    Amf0Value a;
    a.type_ = Type::Object;
    a.properties_ = std::move(properties);
    return a;
}
Amf0Value Amf0Value::ecma_array(std::vector<Amf0Property> properties)
{
    Amf0Value a = object(std::move(properties));
    a.type_ = Type::EcmaArray;
    return a;
}
Amf0Value Amf0Value::strict_array(std::vector<Amf0Value> elements)
{
    Amf0Value a;
    a.type_ = Type::StrictArray;
    a.elements_ = std::move(elements);
    return a;
}
Amf0Value Amf0Value::date(double ms, int16_t timezone)
{
    Amf0Value a;
    a.type_ = Type::Date;
    a.number_ = ms;
    a.timezone_ = timezone;
    return a;
}

const Amf0Value* Amf0Value::get(std::string_view key) const
{
    for (const Amf0Property& p : properties_) {
        if (p.key == key) return &p.value;
    }
    return nullptr;
}

double Amf0Value::get_number(std::string_view key, double fallback) const
{
    const Amf0Value* v = get(key);
    return (v && v->is_number()) ? v->as_number() : fallback;
}

std::string Amf0Value::get_string(std::string_view key,
                                  std::string fallback) const
{
    const Amf0Value* v = get(key);
    return (v && v->is_string()) ? v->as_string() : fallback;
}

Amf0Value& Amf0Value::set(std::string key, Amf0Value value)
{
    properties_.push_back(Amf0Property{std::move(key), std::move(value)});
    return *this;
}

bool Amf0Value::operator==(const Amf0Value& o) const
{
    if (type_ != o.type_) return false;
    switch (type_) {
        case Type::Number:
            // Bitwise, so that NaN equals itself after a round trip.
            return std::bit_cast<uint64_t>(number_)
                   == std::bit_cast<uint64_t>(o.number_);
        case Type::Boolean:
            return boolean_ == o.boolean_;
        case Type::String:
            return string_ == o.string_;
        case Type::Object:
        case Type::EcmaArray:
            return properties_ == o.properties_;
        case Type::StrictArray:
            return elements_ == o.elements_;
        case Type::Date:
            return std::bit_cast<uint64_t>(number_)
                       == std::bit_cast<uint64_t>(o.number_)
                   && timezone_ == o.timezone_;
        case Type::Null:
        case Type::Undefined:
            return true;
    }
    return false;
}

Result<std::vector<Amf0Value>> amf0_decode(std::span<const uint8_t> data,
                                           const Amf0Limits& limits)
{
    Decoder d(data, limits);
    std::vector<Amf0Value> values;
    while (!d.done()) {
        Result<Amf0Value> v = d.value(0);
        if (!v) return v.error();
        values.push_back(std::move(v.value()));
    }
    return values;
}

void amf0_encode(const Amf0Value& v, std::vector<uint8_t>& out)
{
    using Type = Amf0Value::Type;
    switch (v.type()) {
        case Type::Number:
            out.push_back(kNumber);
            put_double(out, v.as_number());
            break;
        case Type::Boolean:
            out.push_back(kBoolean);
            out.push_back(v.as_boolean() ? 1 : 0);
            break;
        case Type::String: {
            const std::string& s = v.as_string();
            if (s.size() <= 0xffff) {
                out.push_back(kString);
                put_u16(out, static_cast<uint32_t>(s.size()));
            } else {
                out.push_back(kLongString);
                put_u32(out, static_cast<uint32_t>(s.size()));
            }
            out.insert(out.end(), s.begin(), s.end());
            break;
        }
        case Type::Object:
        case Type::EcmaArray:
            if (v.type() == Type::Object) {
                out.push_back(kObject);
            } else {
                out.push_back(kEcmaArray);
                put_u32(out, static_cast<uint32_t>(v.properties().size()));
            }
            for (const Amf0Property& p : v.properties()) {
                if (p.key.empty()) continue;  // would read as the end marker
                put_key(out, p.key);
                amf0_encode(p.value, out);
            }
            put_u16(out, 0);
            out.push_back(kObjectEnd);
            break;
        case Type::StrictArray:
            out.push_back(kStrictArray);
            put_u32(out, static_cast<uint32_t>(v.elements().size()));
            for (const Amf0Value& e : v.elements())
                amf0_encode(e, out);
            break;
        case Type::Date:
            out.push_back(kDate);
            put_double(out, v.as_number());
            put_u16(out, static_cast<uint16_t>(v.timezone()));
            break;
        case Type::Null:
            out.push_back(kNull);
            break;
        case Type::Undefined:
            out.push_back(kUndefined);
            break;
    }
}

std::vector<uint8_t> amf0_encode_all(const std::vector<Amf0Value>& values)
{
    std::vector<uint8_t> out;
    for (const Amf0Value& v : values)
        amf0_encode(v, out);
    return out;
}

}  // namespace fanout::ingest::rtmp
