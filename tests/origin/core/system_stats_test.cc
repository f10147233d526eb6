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

// Byte-for-byte what a 2-core Debian 12 machine showed.
TEST(SystemStats, ParseRecordedProcFiles)
{
    auto t = parse_proc_stat(
        "cpu  2255 34 2290 22625563 6290 127 456 0 0 0\n"
        "cpu0 1132 34 1441 11311610 3144 0 333 0 0 0\n"
        "cpu1 1123 0 849 11313953 3146 127 123 0 0 0\n"
        "intr 114930548 113199788 3 0 5 263 0 0 0 0 0 0 0 0 0 0 0\n"
        "ctxt 1990473\nbtime 1062191376\nprocesses 2915\n");
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->total, 2255u + 34 + 2290 + 22625563 + 6290 + 127 + 456);
    EXPECT_EQ(t->idle, 22625563u + 6290);

    auto m = parse_meminfo(
        "MemTotal:        8131912 kB\nMemFree:          502656 kB\n"
        "MemAvailable:    6099660 kB\nBuffers:          176408 kB\n"
        "Cached:          5125416 kB\nSwapCached:            0 kB\n"
        "SwapTotal:       1003516 kB\nSwapFree:        1003516 kB\n"
        "HugePages_Total:       0\nHugepagesize:       2048 kB\n");
    ASSERT_TRUE(m.has_value());
    EXPECT_NEAR(mem_used_percent(*m), 100.0 * (8131912 - 6099660) / 8131912.0,
                1e-9);
    EXPECT_EQ(mem_used_percent(MemInfo{}), 0);  // no MemTotal: no division
    MemInfo odd;  // MemAvailable > MemTotal: never negative
    odd.total = 10;
    odd.available = 20;
    EXPECT_EQ(mem_used_percent(odd), 0);

    auto l = parse_loadavg("0.52 0.58 1.59 1/467 12345\n");
    ASSERT_TRUE(l.has_value());
    EXPECT_DOUBLE_EQ(l->load1, 0.52);
    EXPECT_DOUBLE_EQ(l->load5, 0.58);
    EXPECT_DOUBLE_EQ(l->load15, 1.59);
    EXPECT_FALSE(parse_loadavg("").has_value());
    EXPECT_FALSE(parse_loadavg("0.52 x 0.59 1/467 1\n").has_value());
    EXPECT_FALSE(parse_loadavg("-1 0 0 1/1 1\n").has_value());
    EXPECT_FALSE(parse_loadavg("0.5 0.5").has_value());
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
    EXPECT_GT(first->mem_used_percent, 0.0);
    EXPECT_LE(first->mem_used_percent, 100.0);
    EXPECT_GE(first->load1, 0.0);

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
