// Membership against a real SQLite cluster store in a temp dir: what a
// heartbeat writes, the store-ok / store-error transitions, and reaping the
// broadcasts of dead origins.  The test drives the event loop itself and
// waits on conditions with a deadline; nothing depends on timing.
#include "cluster/membership.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/blocking_pool.h"
#include "package/segment_store.h"

namespace fanout::cluster {
namespace {

using namespace std::chrono_literals;

class MembershipTest : public ::testing::Test {
protected:
    MembershipTest()
    {
        char tmpl[] = "/tmp/fanout-membership-test-XXXXXX";
        dir_ = mkdtemp(tmpl);
        db_path_ = dir_ + "/cluster.db";
        fo_error err{};
        std::string uri = "sqlite://" + db_path_;
        if (fo_store_open(uri.c_str(), &store_, &err) != FO_OK) {
            ADD_FAILURE() << "store open: " << err.msg;
        }
        config_.server_name = "node-a";
        config_.host_address = "10.0.0.7";
        config_.node_group = "eu";
        config_.http_port = 5081;
        config_.rtmp_port = 1936;
        // The timer never fires during a test: each beat is asked for.
        config_.update_period_ms = 3600 * 1000;
        segments_ = package::make_segment_store(package::PackagerConfig{});
        pool_ = std::make_unique<BlockingPool>(loop_, 1);
        ctx_ = std::make_unique<OriginContext>(
            OriginContext{loop_, config_, store_, *pool_, *segments_, metrics_,
                          "node-a", "9.8.7", 0});
        membership_ = std::make_unique<Membership>(
            *ctx_,
            [] {
                NodeLoad load;
                load.cpu = 12.5;
                load.mem_percent = 40.5;
                load.process_cpu = 1.5;
                load.process_rss = 123456789;
                load.load1 = 0.25;
                load.active_streams = 3;
                load.viewers = 0;
                return load;
            },
            [this](bool ok) { beats_.push_back(ok); });
    }

    ~MembershipTest() override
    {
        membership_->stop();
        pool_->stop();
        membership_.reset();
        fo_store_close(store_);
        std::filesystem::remove_all(dir_);
    }

    // One heartbeat, run to its end on this thread; its store_ok.
    bool beat()
    {
        size_t before = beats_.size();
        membership_->start();
        auto deadline = std::chrono::steady_clock::now() + 10s;
        while (beats_.size() == before
               && std::chrono::steady_clock::now() < deadline) {
            loop_.run_one_for(100ms);
        }
        EXPECT_EQ(beats_.size(), before + 1) << "the beat did not finish";
        return beats_.size() > before && beats_.back();
    }

    // SQL on the store's file behind its back: how a test breaks it.
    void sql(const std::string& statement)
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(db_path_.c_str(), &db), SQLITE_OK);
        char* msg = nullptr;
        EXPECT_EQ(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &msg),
                  SQLITE_OK)
            << (msg ? msg : "") << ": " << statement;
        sqlite3_free(msg);
        sqlite3_close(db);
    }

    void claim(const char* stream, const char* node)
    {
        fo_claim c{"LiveApp", stream, node,   "10.0.0.9",
                   5080,      stream, "RTMP", nullptr};
        fo_error err{};
        ASSERT_EQ(fo_stream_claim(store_, &c, &err), FO_OK) << err.msg;
    }

    std::string status_of(const char* stream)
    {
        fo_origin o{};
        fo_error err{};
        EXPECT_EQ(fo_stream_lookup(store_, "LiveApp", stream, &o, &err), FO_OK)
            << err.msg;
        return o.status;
    }

    std::string dir_;
    std::string db_path_;
    fo_store* store_ = nullptr;
    boost::asio::io_context loop_;
    // Pool completions arrive from another thread: the loop must not run
    // out of work and stop while it waits for them.
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
        guard_ = boost::asio::make_work_guard(loop_);
    Config config_;
    Metrics metrics_;
    std::unique_ptr<package::SegmentStore> segments_;
    std::unique_ptr<BlockingPool> pool_;
    std::unique_ptr<OriginContext> ctx_;
    std::unique_ptr<Membership> membership_;
    std::vector<bool> beats_;  // after_beat's argument, in order
};

TEST_F(MembershipTest, HeartbeatWritesTheNodeAndItsLoad)
{
    ASSERT_TRUE(beat());
    fo_node n{};
    fo_error err{};
    ASSERT_EQ(fo_node_get(store_, "node-a", &n, &err), FO_OK) << err.msg;
    EXPECT_STREQ(n.id, "node-a");
    EXPECT_STREQ(n.ip, "10.0.0.7");
    EXPECT_STREQ(n.node_group, "eu");
    EXPECT_EQ(n.role, FO_ROLE_ORIGIN);
    EXPECT_EQ(n.http_port, 5081);
    EXPECT_EQ(n.rtmp_port, 1936);
    EXPECT_DOUBLE_EQ(n.cpu, 12.5);
    EXPECT_DOUBLE_EQ(n.mem_percent, 40.5);
    EXPECT_DOUBLE_EQ(n.process_cpu, 1.5);
    EXPECT_EQ(n.process_rss, 123456789);
    EXPECT_DOUBLE_EQ(n.load1, 0.25);
    EXPECT_EQ(n.repl_lag_ms, -1);  // not MongoDB
    EXPECT_EQ(n.origin_ok_ms, 0);  // origins fetch from no origin
    // ... and what /metrics shows is what the store took.
    EXPECT_DOUBLE_EQ(metrics_.node.cpu_percent, 12.5);
    EXPECT_DOUBLE_EQ(metrics_.node.memory_percent, 40.5);
    EXPECT_DOUBLE_EQ(metrics_.node.process_resident_bytes, 123456789.0);
    EXPECT_DOUBLE_EQ(metrics_.node.replication_lag_seconds, -1);
    EXPECT_GT(metrics_.node.heartbeat_timestamp_seconds, 1.7e9);
    EXPECT_EQ(n.active_streams, 3);
    EXPECT_EQ(n.viewers, 0);
    EXPECT_TRUE(membership_->store_ok());
    EXPECT_EQ(metrics_.store_errors_total, 0u);
}

TEST_F(MembershipTest, HeartbeatReportsTheRegistrysStoreTimings)
{
    ASSERT_TRUE(beat());
    // The first beat sampled the handle before its own calls; the second
    // sees the first's calls, in the registry and in the node record.
    ASSERT_TRUE(beat());
    EXPECT_GE(metrics_.store_queries_total, 2u);
    fo_node n{};
    fo_error err{};
    ASSERT_EQ(fo_node_get(store_, "node-a", &n, &err), FO_OK) << err.msg;
    EXPECT_DOUBLE_EQ(n.db_query_avg_ms, metrics_.store_query_avg_ms.load());
}

TEST_F(MembershipTest, StoreErrorThenRecovery)
{
    ASSERT_TRUE(beat());
    sql("ALTER TABLE cluster_node RENAME TO cluster_node_away");
    EXPECT_FALSE(beat());
    EXPECT_FALSE(membership_->store_ok());
    EXPECT_EQ(metrics_.store_errors_total, 1u);
    EXPECT_FALSE(beat());  // still down: counted again
    EXPECT_EQ(metrics_.store_errors_total, 2u);
    sql("ALTER TABLE cluster_node_away RENAME TO cluster_node");
    EXPECT_TRUE(beat());
    EXPECT_TRUE(membership_->store_ok());
    EXPECT_EQ(metrics_.store_errors_total, 2u);
    EXPECT_EQ(beats_, (std::vector<bool>{true, false, false, true}));
}

TEST_F(MembershipTest, ReapsBroadcastsOfGoneOrigins)
{
    ASSERT_TRUE(beat());  // node-a is alive
    claim("ours", "node-a");
    claim("orphan", "node-gone");  // no such node: gone
    EXPECT_EQ(status_of("orphan"), "broadcasting");
    ASSERT_TRUE(beat());
    EXPECT_EQ(status_of("orphan"), "finished");
    EXPECT_EQ(status_of("ours"), "broadcasting");
}

TEST_F(MembershipTest, LeaveRemovesTheNode)
{
    ASSERT_TRUE(beat());
    membership_->leave_blocking();
    fo_node n{};
    fo_error err{};
    EXPECT_EQ(fo_node_get(store_, "node-a", &n, &err), FO_NOT_FOUND);
    membership_->leave_blocking();  // gone already: harmless
}

// The membership lane: a REST lane held full by work that never ends
// (until the test lets it) does not hold a beat back, and the CPU and
// memory a beat reports are sampled there, not by load() on the loop.
TEST_F(MembershipTest, BeatsRunOnTheirOwnLaneWhateverRestHolds)
{
    std::promise<void> release;
    std::shared_future<void> open = release.get_future().share();
    BlockingPool rest(loop_, 1, 1);
    rest.run(
        [open] {
            open.wait();
            return 0;
        },
        [](int) {});
    ASSERT_TRUE(rest.full());
    OriginContext ctx{loop_,      config_,     store_,   rest,
                      *segments_, metrics_,    "node-a", "9.8.7",
                      0,          pool_.get(), store_};
    SystemSampler sampler;
    std::vector<bool> beats;
    Membership m(
        ctx, [] { return NodeLoad{}; },  // the loop knows no cpu nor memory
        [&](bool ok) { beats.push_back(ok); }, &sampler);
    m.start();
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (beats.empty() && std::chrono::steady_clock::now() < deadline) {
        loop_.run_one_for(100ms);
    }
    m.stop();
    ASSERT_EQ(beats, std::vector<bool>{true});
    fo_node n{};
    fo_error err{};
    ASSERT_EQ(fo_node_get(store_, "node-a", &n, &err), FO_OK) << err.msg;
    // From /proc on the lane: the process's RSS, the machine's memory %.
    EXPECT_GT(n.process_rss, 0);
    EXPECT_GT(n.mem_percent, 0);
    EXPECT_LE(n.mem_percent, 100);
    EXPECT_GE(n.cpu, 0);
    EXPECT_LE(n.cpu, 100);
    EXPECT_GE(n.load1, 0);
    release.set_value();
    rest.stop();
}

TEST(RateBps, BitsPerSecondOfAByteCounter)
{
    EXPECT_EQ(rate_bps(1000, 1251000, 5000), 2000000);  // 2 Mbit/s
    EXPECT_EQ(rate_bps(0, 1, 3), 2666);  // 2666.66, rounded down
    EXPECT_EQ(rate_bps(0, 7, 2), 28000);  // whole bytes per ms + remainder
    EXPECT_EQ(rate_bps(0, 5000, 0), 0);
    EXPECT_EQ(rate_bps(0, 5000, -5), 0);
    EXPECT_EQ(rate_bps(9, 5, 100), 0);  // the counter went back
    EXPECT_EQ(rate_bps(0, uint64_t(1) << 60, 1), INT64_MAX);
    EXPECT_EQ(rate_bps(0, uint64_t(1) << 50, 1000), int64_t(8) << 50);
}

// Beats every 500 ms, bytes only in some periods: the rate is over the
// last 5 s (the newest sample at least that old), not one period.
TEST(RateWindow, RatesSpanAtLeastTheWindow)
{
    RateWindow w(5000, 64);
    EXPECT_EQ(w.sample(0, 0), 0);  // the first
    EXPECT_EQ(w.sample(500, 62500), 1000000);  // 62.5 kB in 0.5 s
    // Nothing more for a while: still over everything since t=0.
    EXPECT_EQ(w.sample(1000, 62500), 500000);
    for (int64_t t = 1500; t <= 5000; t += 500)
        w.sample(t, 62500);
    // t=5500: the newest sample >= 5 s old is t=500 (62500): nothing since.
    EXPECT_EQ(w.sample(5500, 62500), 0);
    // 5 s of 1 Mbit/s: 625 kB more between t=5500 and t=10500.
    for (int64_t t = 6000; t <= 10000; t += 500)
        w.sample(t, 62500 + uint64_t(t - 5500) * 125);
    EXPECT_EQ(w.sample(10500, 62500 + 625000), 1000000);
}

TEST(RateWindow, APeriodAsLongAsTheWindowIsOnePeriod)
{
    RateWindow w(5000);
    w.sample(0, 0);
    EXPECT_EQ(w.sample(5000, 625000), 1000000);
    EXPECT_EQ(w.sample(10000, 625000 + 1250000), 2000000);
}

TEST(RateWindow, KeepsAtMostCapSamples)
{
    RateWindow w(5000, 4);
    for (int64_t t = 0; t < 1000; t += 100)
        w.sample(t, uint64_t(t) * 125);
    // Kept: 600..900 (cap 4): the rate is since t=600, 1 Mbit/s.
    EXPECT_EQ(w.sample(1000, 125000), 1000000);
}

// The first beat reports no egress; the next ones the rate of what the
// HTTP server wrote since the first (beats closer than kEgressWindowMs
// all count from it: RateWindow); its exact value depends on the elapsed
// time, which a unit test does not assert.
TEST_F(MembershipTest, HeartbeatReportsTheHttpEgressRate)
{
    metrics_.http.bytes_out_total += 5000;  // before the first beat
    ASSERT_TRUE(beat());
    fo_node n{};
    fo_error err{};
    ASSERT_EQ(fo_node_get(store_, "node-a", &n, &err), FO_OK) << err.msg;
    EXPECT_EQ(n.egress_bps, 0);
    metrics_.http.bytes_out_total += 1000000;
    // A rate needs time between the beats (a beat here takes far less than
    // the millisecond the rate counts in): not a wait for anything.
    std::this_thread::sleep_for(5ms);
    ASSERT_TRUE(beat());
    ASSERT_EQ(fo_node_get(store_, "node-a", &n, &err), FO_OK) << err.msg;
    EXPECT_GT(n.egress_bps, 0);
    ASSERT_TRUE(beat());  // nothing written since: still within the window
    ASSERT_EQ(fo_node_get(store_, "node-a", &n, &err), FO_OK) << err.msg;
    EXPECT_GT(n.egress_bps, 0);
}

}  // namespace
}  // namespace fanout::cluster
