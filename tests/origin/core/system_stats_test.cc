// core/system_stats lives in core; its test sits here until tests/origin/core
// takes it (the HTTP work added it).
#include "core/system_stats.h"

#include <gtest/gtest.h>

#include <chrono>

namespace fanout {
namespace {

TEST(SystemStats, ParseProcStat)
{
    auto t = parse_proc_stat("cpu  100 5 50 800 20 1 2 3 7 0\ncpu0 1 2 3 4\n");
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->total,
              100u + 5 + 50 + 800 + 20 + 1 + 2 + 3);  // guest excluded
    EXPECT_EQ(t->idle, 820u);
    EXPECT_FALSE(parse_proc_stat("cpu0 1 2 3 4\n").has_value());
    EXPECT_FALSE(parse_proc_stat("cpu  1 2\n").has_value());
}

TEST(SystemStats, ParseSelfStatWithAwkwardName)
{
    std::string s =
        "1234 (a) b (c) S 1 2 3 4 5 6 7 8 9 10 111 222 13 14 15 16 17 18 99999 "
        "20 21\n";
    auto t = parse_self_stat(s);
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->cpu_ticks, 333u);
    EXPECT_EQ(t->start_ticks, 99999u);
    EXPECT_FALSE(parse_self_stat("1234 no parens").has_value());
    EXPECT_FALSE(parse_self_stat("1 (x) S 1 2").has_value());
}

TEST(SystemStats, ParseMeminfoAndStatm)
{
    auto m = parse_meminfo(
        "MemTotal:  1000 kB\nMemFree: 200 kB\nMemAvailable: 600 kB\n"
        "SwapTotal: 50 kB\nSwapFree: 10 kB\n");
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->total, 1000u * 1024);
    EXPECT_EQ(m->available, 600u * 1024);
    EXPECT_EQ(m->swap_free, 10u * 1024);
    auto old = parse_meminfo("MemTotal: 10 kB\nMemFree: 4 kB\n");
    ASSERT_TRUE(old.has_value());
    EXPECT_EQ(old->available, 4u * 1024);
    EXPECT_FALSE(parse_meminfo("nothing\n").has_value());
    auto st = parse_statm("100 40 3 4 0 5 0\n");
    ASSERT_TRUE(st.has_value());
    EXPECT_EQ(st->virtual_pages, 100u);
    EXPECT_EQ(st->resident_pages, 40u);
}

TEST(SystemStats, SamplesThisMachine)
{
    SystemSampler sampler("/");
    auto first = sampler.sample();
    ASSERT_TRUE(first.ok()) << first.error().message();
    EXPECT_GT(first->cpu_count, 0);
    EXPECT_GT(first->mem_total_bytes, 0u);
    EXPECT_GT(first->process_rss_bytes, 0u);
    EXPECT_GE(first->process_virtual_bytes, first->process_rss_bytes);
    EXPECT_GT(first->disk_total_bytes, 0u);
    EXPECT_GE(first->disk_total_bytes, first->disk_free_bytes);

    // Burn CPU for a while: the next sample's process share must show it.
    auto until =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
    volatile uint64_t x = 0;
    while (std::chrono::steady_clock::now() < until) {
        x = x + 1;
    }
    auto second = sampler.sample();
    ASSERT_TRUE(second.ok());
    EXPECT_GE(second->interval_ms, 300);
    EXPECT_GT(second->process_cpu_percent, 100.0 / second->cpu_count / 4);
    EXPECT_LE(second->process_cpu_percent, 100.0);
    EXPECT_GE(second->system_cpu_percent, 0.0);
    EXPECT_LE(second->system_cpu_percent, 100.0);
    EXPECT_GE(second->process_cpu_time_ms, first->process_cpu_time_ms + 100);
}

TEST(SystemStats, MissingDiskPathIsAnError)
{
    SystemSampler sampler("/no/such/path/here");
    auto r = sampler.sample();
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("/no/such/path/here"),
              std::string::npos);
}

}  // namespace
}  // namespace fanout
