// tests/origin/core/per_address_test.cc — the per-address connection cap.
#include "core/per_address.h"

#include <gtest/gtest.h>

namespace fanout {
namespace {

using boost::asio::ip::make_address;

TEST(PerAddress, CapsEachAddressOnItsOwn)
{
    PerAddress p(2, {});
    const auto a = make_address("10.0.0.1"), b = make_address("10.0.0.2");
    EXPECT_TRUE(p.admit(a));
    EXPECT_TRUE(p.admit(a));
    EXPECT_FALSE(p.admit(a));  // at its cap
    EXPECT_TRUE(p.admit(b));  // another address is not
    p.release(a);
    EXPECT_TRUE(p.admit(a));  // a slot freed
    p.release(a);
    p.release(a);
    p.release(b);
    EXPECT_EQ(p.addresses(), 0u);  // nothing kept for closed addresses
    p.release(b);  // a stray release changes nothing
    EXPECT_EQ(p.addresses(), 0u);
}

TEST(PerAddress, MappedIpv6IsItsIpv4Address)
{
    PerAddress p(1, {});
    EXPECT_TRUE(p.admit(make_address("::ffff:10.0.0.1")));
    EXPECT_FALSE(p.admit(make_address("10.0.0.1")));
    EXPECT_TRUE(p.admit(make_address("2001:db8::1")));
    EXPECT_FALSE(p.admit(make_address("2001:db8::1")));
}

TEST(PerAddress, TrustedProxiesAndZeroAreUncapped)
{
    auto lb = parse_cidr("127.0.0.0/8");
    ASSERT_TRUE(lb.ok());
    PerAddress p(1, {lb.value()});
    for (int i = 0; i < 100; i++)
        EXPECT_TRUE(p.admit(make_address("127.0.0.1")));
    EXPECT_EQ(p.addresses(), 0u);
    EXPECT_TRUE(p.admit(make_address("10.0.0.1")));
    EXPECT_FALSE(p.admit(make_address("10.0.0.1")));
    PerAddress off(0, {});
    for (int i = 0; i < 100; i++)
        EXPECT_TRUE(off.admit(make_address("10.0.0.1")));
}

}  // namespace
}  // namespace fanout
