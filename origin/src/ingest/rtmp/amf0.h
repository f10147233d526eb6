// ingest/rtmp/amf0.h — AMF0 (Adobe AMF0 spec), the encoding of RTMP
// commands and metadata, as a small value type plus a decoder with limits
// and an encoder.  References, typed objects, movie clips, record sets and
// AVM+ switches are rejected: no publisher needs them and references are
// how AMF parsers get exploited.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace fanout::ingest::rtmp {

struct Amf0Property;

class Amf0Value {
public:
    enum class Type : uint8_t {
        Number,
        Boolean,
        String,
        Object,
        Null,
        Undefined,
        EcmaArray,
        StrictArray,
        Date,
    };

    Amf0Value();  // Null; defined below, where Amf0Property is complete
    static Amf0Value number(double v);
    static Amf0Value boolean(bool v);
    static Amf0Value string(std::string v);
    static Amf0Value null();
    static Amf0Value undefined();
    // (Overloads, not default arguments: a default `{}` would build a
    // vector of the still incomplete Amf0Property.)
    static Amf0Value object();
    static Amf0Value object(std::vector<Amf0Property> properties);
    static Amf0Value ecma_array();
    static Amf0Value ecma_array(std::vector<Amf0Property> properties);
    static Amf0Value strict_array();
    static Amf0Value strict_array(std::vector<Amf0Value> elements);
    static Amf0Value date(double ms, int16_t timezone = 0);

    Type type() const { return type_; }
    bool is_number() const { return type_ == Type::Number; }
    bool is_string() const { return type_ == Type::String; }
    // Objects and ECMA arrays both hold named properties.
    bool has_properties() const
    {
        return type_ == Type::Object || type_ == Type::EcmaArray;
    }

    double as_number() const { return number_; }  // Number, Date; else 0
    bool as_boolean() const { return boolean_; }
    const std::string& as_string() const { return string_; }
    const std::vector<Amf0Property>& properties() const { return properties_; }
    const std::vector<Amf0Value>& elements() const { return elements_; }
    int16_t timezone() const { return timezone_; }

    // First property named key, or nullptr.
    const Amf0Value* get(std::string_view key) const;
    // The property as a number/string when it is one, else the fallback.
    double get_number(std::string_view key, double fallback = 0) const;
    std::string get_string(std::string_view key,
                           std::string fallback = {}) const;

    Amf0Value& set(std::string key, Amf0Value value);  // appends

    bool operator==(const Amf0Value& o) const;

private:
    Type type_ = Type::Null;
    bool boolean_ = false;
    int16_t timezone_ = 0;
    double number_ = 0;
    std::string string_;
    std::vector<Amf0Property> properties_;
    std::vector<Amf0Value> elements_;
};

struct Amf0Property {
    std::string key;
    Amf0Value value;
    bool operator==(const Amf0Property& o) const = default;
};

inline Amf0Value::Amf0Value() = default;
inline Amf0Value Amf0Value::null()
{
    return Amf0Value();
}

struct Amf0Limits {
    int max_depth = 16;  // nested objects/arrays
    size_t max_items = 1024;  // values + properties in one message
};

// Decodes every value in `data` (a command or data message body).  A value
// cut short is an Error: the input is a whole message.
Result<std::vector<Amf0Value>> amf0_decode(std::span<const uint8_t> data,
                                           const Amf0Limits& limits = {});

void amf0_encode(const Amf0Value& value, std::vector<uint8_t>& out);
std::vector<uint8_t> amf0_encode_all(const std::vector<Amf0Value>& values);

}  // namespace fanout::ingest::rtmp
