#include "http/range.h"

#include <gtest/gtest.h>

namespace fanout::http {
namespace {

void expect_partial(std::string_view h, uint64_t size, uint64_t first,
                    uint64_t last)
{
    ByteRange r = parse_range(h, size);
    EXPECT_EQ(r.kind, ByteRange::Partial) << h;
    EXPECT_EQ(r.first, first) << h;
    EXPECT_EQ(r.last, last) << h;
}

TEST(Range, Forms)
{
    expect_partial("bytes=0-9", 100, 0, 9);
    expect_partial("bytes=10-", 100, 10, 99);
    expect_partial("bytes=-10", 100, 90, 99);
    expect_partial("BYTES=5-5 ", 100, 5, 5);  // the unit is case-insensitive
    expect_partial("bytes=99-99", 100, 99, 99);
}

TEST(Range, ClipsPastTheEnd)
{
    expect_partial("bytes=50-1000", 100, 50, 99);
    expect_partial("bytes=-1000", 100, 0, 99);
    expect_partial("bytes=0-99999999999999999999999", 100, 0, 99);
}

TEST(Range, Unsatisfiable)
{
    EXPECT_EQ(parse_range("bytes=100-", 100).kind, ByteRange::Unsatisfiable);
    EXPECT_EQ(parse_range("bytes=100-200", 100).kind, ByteRange::Unsatisfiable);
    EXPECT_EQ(parse_range("bytes=-0", 100).kind, ByteRange::Unsatisfiable);
    EXPECT_EQ(parse_range("bytes=0-", 0).kind, ByteRange::Unsatisfiable);
    EXPECT_EQ(parse_range("bytes=-5", 0).kind, ByteRange::Unsatisfiable);
    EXPECT_EQ(parse_range("bytes=99999999999999999999-", 100).kind,
              ByteRange::Unsatisfiable);
}

TEST(Range, IgnoredWhenNotUnderstood)
{
    const char* ignored[] = {
        "",           "bytes",     "bytes=",        "bytes=-",     "bytes=a-b",
        "bytes=5-1",  "items=0-1", "bytes=0-1,5-6", "bytes=1-2-3", "bytes=+1-2",
        "bytes=0x1-2"};
    for (const char* h : ignored) {
        EXPECT_EQ(parse_range(h, 100).kind, ByteRange::Full) << h;
    }
}

}  // namespace
}  // namespace fanout::http
