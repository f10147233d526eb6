// tests/origin/ingest/timestamp_test.cc — 32-bit RTMP time → 64-bit.
#include "ingest/rtmp/timestamp.h"

#include <gtest/gtest.h>

namespace fanout::ingest::rtmp {
namespace {

TEST(TimestampUnwrapper, PassesThroughAndUnwraps)
{
    TimestampUnwrapper u;
    EXPECT_EQ(u.unwrap(1000), 1000);
    EXPECT_EQ(u.unwrap(1040), 1040);
    EXPECT_EQ(u.unwrap(1020),
              1020);  // audio slightly behind video: stays small
    EXPECT_EQ(u.unwrap(500000), 500000);  // a jump forward: passed through
}

TEST(TimestampUnwrapper, WrapsForwardAt2To32)
{
    TimestampUnwrapper u;
    EXPECT_EQ(u.unwrap(0xfffffff0u), 0xfffffff0LL);
    EXPECT_EQ(u.unwrap(0x00000010u), 0x100000010LL);
    EXPECT_EQ(u.unwrap(0xfffffffcu),
              0xfffffffcLL);  // a late packet from before the wrap
    EXPECT_EQ(u.unwrap(0x00000020u), 0x100000020LL);
    // A second wrap.
    int64_t t = 0;
    for (uint64_t x = 0x20; x <= 0x100000000ull; x += 0x40000000ull) {
        t = u.unwrap(static_cast<uint32_t>(x));
    }
    EXPECT_EQ(u.unwrap(0x10u), 0x200000010LL);
    (void)t;
}

}  // namespace
}  // namespace fanout::ingest::rtmp
