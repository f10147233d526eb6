// amf0_fuzz.cc — libFuzzer target for the AMF0 decoder: whatever decodes
// must encode and decode back to the same values.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "ingest/rtmp/amf0.h"

using namespace fanout::ingest::rtmp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    auto values = amf0_decode(std::span(data, size));
    if (!values.ok()) return 0;
    auto bytes = amf0_encode_all(values.value());
    auto again = amf0_decode(bytes);
    if (!again.ok()) abort();
    // Nothing the decoder accepts is lost by the encoder (long strings,
    // XML documents and unterminated ECMA arrays come back normalised, as
    // the same values).
    if (!(again.value() == values.value())) abort();
    for (const auto& v : values.value()) {
        (void)v.get("app");
        (void)v.get_number("videodatarate");
    }
    return 0;
}
