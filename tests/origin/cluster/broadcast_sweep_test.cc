// The retention sweep's cadence (pure).  The sweep itself against a real
// origin and store: tests/integration/test_origin_broadcast_limits.py.
#include "cluster/broadcast_sweep.h"

#include <gtest/gtest.h>

namespace fanout::cluster {
namespace {

TEST(BroadcastSweep, PeriodIsHalfTheRetentionBetweenOneSecondAndAMinute)
{
    EXPECT_EQ(sweep_period_ms(1), 1000);
    EXPECT_EQ(sweep_period_ms(2), 1000);
    EXPECT_EQ(sweep_period_ms(10), 5000);
    EXPECT_EQ(sweep_period_ms(120), 60000);
    EXPECT_EQ(sweep_period_ms(86400), 60000);  // the default retention
    EXPECT_LT(kCatchUpMs, sweep_period_ms(86400));
}

}  // namespace
}  // namespace fanout::cluster
