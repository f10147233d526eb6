// tests/origin/core/blocking_pool_test.cc — the bound of a lane: full()
// once max_pending works are queued or running, free again as they finish.
// No timing: the works wait on a promise the test keeps.
#include "core/blocking_pool.h"

#include <gtest/gtest.h>

#include <future>

namespace fanout {
namespace {

TEST(BlockingPool, FullAtItsBoundAndFreeAfter)
{
    boost::asio::io_context loop;
    BlockingPool pool(loop, 1, 2);
    std::promise<void> gate;
    std::shared_future<void> open = gate.get_future().share();
    int done = 0;
    EXPECT_FALSE(pool.full());
    pool.run(
        [open] {
            open.wait();
            return 1;
        },
        [&](int) { done++; });
    EXPECT_FALSE(pool.full());  // one running
    pool.run(
        [open] {
            open.wait();
            return 2;
        },
        [&](int) { done++; });
    EXPECT_TRUE(pool.full());  // one running, one queued: the bound
    EXPECT_EQ(pool.pending(), 2u);
    gate.set_value();
    while (done < 2) {
        loop.restart();
        loop.run_one();
    }
    EXPECT_FALSE(pool.full());
    EXPECT_EQ(pool.pending(), 0u);
}

TEST(BlockingPool, UnboundedIsNeverFull)
{
    boost::asio::io_context loop;
    BlockingPool pool(loop, 1);
    std::promise<void> gate;
    std::shared_future<void> open = gate.get_future().share();
    for (int i = 0; i < 100; i++) {
        pool.run(
            [open] {
                open.wait();
                return 0;
            },
            [](int) {});
    }
    EXPECT_FALSE(pool.full());
    gate.set_value();
    pool.stop();
}

}  // namespace
}  // namespace fanout
