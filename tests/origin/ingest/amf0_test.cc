// tests/origin/ingest/amf0_test.cc — AMF0 values, decoding limits and
// round trips.
#include "ingest/rtmp/amf0.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "../media/test_vectors.h"

namespace fanout::ingest::rtmp {
namespace {

using test::hex;
using V = Amf0Value;

std::vector<V> connect_command()
{
    return {
        V::string("connect"), V::number(1),
        V::object()
            .set("app", V::string("LiveApp"))
            .set("type", V::string("nonprivate"))
            .set("flashVer", V::string("FMLE/3.0 (compatible; Lavf59.27.100)"))
            .set("tcUrl", V::string("rtmp://127.0.0.1:1935/LiveApp"))
            .set("fpad", V::boolean(false))
            .set("audioCodecs", V::number(3575))};
}

TEST(Amf0, DecodesKnownBytes)
{
    // "connect", 1.0, {app: "LiveApp"} as ffmpeg writes it.
    auto bytes =
        hex("02 0007 636f6e6e656374"
            "00 3ff0000000000000"
            "03 0003 617070 02 0007 4c697665417070 0000 09");
    auto v = amf0_decode(bytes);
    ASSERT_TRUE(v.ok()) << v.error().message();
    ASSERT_EQ(v->size(), 3u);
    EXPECT_EQ(v.value()[0].as_string(), "connect");
    EXPECT_EQ(v.value()[1].as_number(), 1.0);
    EXPECT_EQ(v.value()[2].get_string("app"), "LiveApp");
    EXPECT_EQ(v.value()[2].get("missing"), nullptr);
    EXPECT_EQ(v.value()[2].get_number("app", 7), 7);  // wrong type: fallback
}

TEST(Amf0, RoundTripsEveryType)
{
    std::vector<V> values = {
        V::number(-1.5),
        V::number(std::numeric_limits<double>::quiet_NaN()),
        V::boolean(true),
        V::string(""),
        V::string(std::string(70000, 'x')),  // becomes a Long String
        V::null(),
        V::undefined(),
        V::object()
            .set("a", V::number(1))
            .set("nested", V::object().set("b", V::null())),
        V::ecma_array()
            .set("duration", V::number(0))
            .set("width", V::number(640)),
        V::strict_array({V::number(1), V::string("two"), V::strict_array()}),
        V::date(1.7e12, -60),
    };
    auto bytes = amf0_encode_all(values);
    EXPECT_EQ(bytes[bytes.size() - 11], 0x0b);  // date marker
    auto back = amf0_decode(bytes);
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(back.value(), values);
}

TEST(Amf0, TruncationIsAnErrorOrAValueBoundary)
{
    auto values = connect_command();
    std::vector<size_t> boundaries = {0};
    std::vector<uint8_t> bytes;
    for (const auto& v : values) {
        amf0_encode(v, bytes);
        boundaries.push_back(bytes.size());
    }
    for (size_t n = 0; n < bytes.size(); ++n) {
        auto r = amf0_decode(std::span(bytes).first(n));
        size_t k = 0;
        while (k < boundaries.size() && boundaries[k] < n)
            ++k;
        const bool at_boundary = k < boundaries.size() && boundaries[k] == n;
        ASSERT_EQ(r.ok(), at_boundary) << "prefix " << n;
        if (r.ok()) {
            EXPECT_EQ(r->size(), k);
        } else {
            EXPECT_NE(r.error().message().find("truncated"), std::string::npos);
        }
    }
}

TEST(Amf0, EcmaArrayWithoutEndMarkerAtEndOfMessage)
{
    // onMetaData as some hardware encoders send it: count 1, no 00 00 09.
    auto bytes = hex("08 00000001 0005 7769647468 00 4084000000000000");
    auto v = amf0_decode(bytes);
    ASSERT_TRUE(v.ok()) << v.error().message();
    EXPECT_EQ(v.value()[0].get_number("width"), 640);
    // With a count it has not reached, it is truncated.
    EXPECT_FALSE(
        amf0_decode(hex("08 00000002 0005 7769647468 00 4084000000000000"))
            .ok());
}

TEST(Amf0, DepthLimit)
{
    auto nest = [](int depth) {
        V v = V::null();
        for (int i = 0; i < depth; ++i)
            v = V::object().set("x", v);
        return amf0_encode_all({v});
    };
    EXPECT_TRUE(amf0_decode(nest(16)).ok());
    auto deep = amf0_decode(nest(17));
    ASSERT_FALSE(deep.ok());
    EXPECT_NE(deep.error().message().find("deeper"), std::string::npos);
    // Raw bytes: 1000 nested strict arrays of one element, no recursion blowup.
    std::vector<uint8_t> arrays;
    for (int i = 0; i < 1000; ++i)
        arrays.insert(arrays.end(), {0x0a, 0, 0, 0, 1});
    arrays.push_back(0x05);
    EXPECT_FALSE(amf0_decode(arrays).ok());
}

TEST(Amf0, ItemLimit)
{
    std::vector<V> many(1024, V::null());
    EXPECT_TRUE(amf0_decode(amf0_encode_all(many)).ok());
    many.push_back(V::null());
    EXPECT_FALSE(amf0_decode(amf0_encode_all(many)).ok());
    Amf0Limits small;
    small.max_items = 3;
    EXPECT_FALSE(amf0_decode(amf0_encode_all({V::object()
                                                  .set("a", V::null())
                                                  .set("b", V::null())
                                                  .set("c", V::null())}),
                             small)
                     .ok());
}

TEST(Amf0, Rejects)
{
    EXPECT_NE(amf0_decode(hex("07 0001")).error().message().find("references"),
              std::string::npos);
    EXPECT_FALSE(amf0_decode(hex("10 0001 41 0000 09")).ok());  // typed object
    EXPECT_FALSE(amf0_decode(hex("11 02")).ok());  // AVM+ switch
    EXPECT_FALSE(amf0_decode(hex("04")).ok());  // movie clip
    EXPECT_FALSE(amf0_decode(hex("09")).ok());  // stray object end
    EXPECT_FALSE(amf0_decode(hex("ff")).ok());
    EXPECT_FALSE(amf0_decode(hex("03 0000 05")).ok());  // empty key, not end
    // A strict array claiming 4 billion elements in 1 byte: no allocation.
    EXPECT_FALSE(amf0_decode(hex("0a ffffffff 05")).ok());
    EXPECT_FALSE(
        amf0_decode(hex("0c ffffffff 41")).ok());  // long string overrun
}

TEST(Amf0, XmlAndUnsupportedMarkersDecode)
{
    auto v = amf0_decode(hex("0f 00000003 3c612f 0d"));
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v.value()[0].as_string(), "<a/");
    EXPECT_EQ(v.value()[1].type(), V::Type::Undefined);
}

}  // namespace
}  // namespace fanout::ingest::rtmp
