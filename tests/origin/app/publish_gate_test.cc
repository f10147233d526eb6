// tests/origin/app/publish_gate_test.cc — admission: unknown application,
// a duplicate on this origin, the store's claim (OK, CONFLICT, an error
// and the reconcile that follows), and the release when a publish ends.
// A real SQLite store in a temporary directory, a real loop and pool.
#include "app/publish_gate.h"
#include "app/live_streams.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <optional>

#include "../package/test_media.h"
#include "package/segment_store.h"

namespace fanout {
namespace {

using std::chrono::steady_clock;

class PublishGateTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        char tmpl[] = "/tmp/fanout-gate-test-XXXXXX";
        dir_ = mkdtemp(tmpl);
        // A short busy timeout: a locked database is a store error soon.
        std::string uri = "sqlite://" + db() + "?timeout_ms=100";
        fo_error err{};
        ASSERT_EQ(fo_store_open(uri.c_str(), &store_, &err), FO_OK) << err.msg;
        config_.server_name = "node-a";
        config_.host_address = "127.0.0.1";
        config_.apps = {"LiveApp"};
        heartbeat("node-a");
        pool_ = std::make_unique<BlockingPool>(loop_, 2);
        ctx_ = std::make_unique<OriginContext>(
            OriginContext{loop_, config_, store_, *pool_, *segments_, metrics_,
                          "node-a", "1.0", 0});
        gate_ = std::make_unique<PublishGate>(*ctx_, hooks_);
    }

    void TearDown() override
    {
        gate_.reset();
        pool_->stop();
        fo_store_close(store_);
        std::filesystem::remove_all(dir_);
    }

    std::string db() const { return dir_ + "/cluster.db"; }

    void heartbeat(const char* node)
    {
        fo_node n{};
        std::snprintf(n.id, sizeof(n.id), "%s", node);
        std::snprintf(n.ip, sizeof(n.ip), "127.0.0.1");
        n.http_port = 5080;
        fo_error err{};
        ASSERT_EQ(fo_node_heartbeat(store_, &n, &err), FO_OK) << err.msg;
    }

    // Runs the loop until pred() holds, for at most 10 s.
    template <class Pred>
    bool run_until(Pred pred)
    {
        const auto deadline = steady_clock::now() + std::chrono::seconds(10);
        while (!pred() && steady_clock::now() < deadline) {
            loop_.restart();
            loop_.run_one_for(std::chrono::milliseconds(20));
        }
        return pred();
    }

    Result<Admission> admit(const std::string& app, const std::string& id)
    {
        ingest::PublishRequest req;
        req.key = StreamKey::parse(app, id).value();
        req.client = "192.0.2.1:5000";
        req.protocol = "RTMP";
        std::optional<Result<Admission>> answer;
        gate_->admit(req, [&](Result<Admission> r) { answer = std::move(r); });
        EXPECT_TRUE(run_until([&] { return answer.has_value(); }));
        return answer ? *answer : Result<Admission>(Error("no answer"));
    }

    // The store's owner of LiveApp/<id>, if it is broadcasting.
    std::optional<fo_origin> owner(const std::string& id)
    {
        fo_origin o{};
        fo_error err{};
        if (fo_stream_lookup(store_, "LiveApp", id.c_str(), &o, &err) != FO_OK
            || std::string(o.status) != "broadcasting") {
            return std::nullopt;
        }
        return o;
    }

    std::string dir_;
    boost::asio::io_context loop_;
    Config config_;
    fo_store* store_ = nullptr;
    std::unique_ptr<BlockingPool> pool_;
    Metrics metrics_;
    std::unique_ptr<package::SegmentStore> segments_ =
        package::make_segment_store(package::PackagerConfig{}, &metrics_);
    std::unique_ptr<OriginContext> ctx_;
    cluster::Webhooks hooks_{""};
    std::unique_ptr<PublishGate> gate_;
};

TEST_F(PublishGateTest, UnknownApplicationIsRefused)
{
    Result<Admission> r = admit("OtherApp", "cam");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message(), "unknown application 'OtherApp'");
    EXPECT_EQ(metrics_.publishes_refused.load(), 1u);
    EXPECT_EQ(gate_->active(), 0);
}

TEST_F(PublishGateTest, ClaimOkThenADuplicateOnThisOriginIsRefused)
{
    Result<Admission> r = admit("LiveApp", "cam");
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r.value().key, (StreamKey{"LiveApp", "cam"}));
    EXPECT_EQ(gate_->active(), 1);
    EXPECT_EQ(metrics_.publishes_total.load(), 1u);
    EXPECT_EQ(metrics_.publishers.load(), 1u);
    std::optional<fo_origin> o = owner("cam");
    ASSERT_TRUE(o);
    EXPECT_EQ(std::string(o->node_id), "node-a");
    EXPECT_EQ(std::string(o->session_id), r.value().session_id);

    Result<Admission> again = admit("LiveApp", "cam");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().message(),
              "stream LiveApp/cam is already publishing on this origin");
    EXPECT_EQ(metrics_.publishes_refused.load(), 1u);
}

TEST_F(PublishGateTest, LiveOnAnotherAliveOriginIsAConflict)
{
    heartbeat("node-b");
    fo_claim c{"LiveApp", "cam",           "node-b", "127.0.0.2",
               5080,      "other-session", "RTMP",   nullptr};
    fo_error err{};
    ASSERT_EQ(fo_stream_claim(store_, &c, &err), FO_OK) << err.msg;

    Result<Admission> r = admit("LiveApp", "cam");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message(),
              "stream LiveApp/cam is live on another origin");
    EXPECT_EQ(gate_->active(), 0);
    EXPECT_EQ(metrics_.publishes_refused.load(), 1u);
    EXPECT_EQ(std::string(owner("cam")->node_id), "node-b");
}

TEST_F(PublishGateTest, AStoreErrorAdmitsUnclaimedAndReconcileClaimsLater)
{
    // Another connection holds the write lock: the claim times out.
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open(db().c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr),
              SQLITE_OK);
    Result<Admission> r = admit("LiveApp", "cam");
    ASSERT_TRUE(r)
        << r.error().message();  // ingest does not wait for the store
    EXPECT_EQ(metrics_.store_errors_total.load(), 1u);
    EXPECT_EQ(gate_->active(), 1);
    gate_->after_beat(false);  // the heartbeat failed too
    ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(other);
    EXPECT_FALSE(owner("cam"));

    gate_->after_beat(true);  // the store is back: the publish is claimed
    ASSERT_TRUE(run_until([&] { return owner("cam").has_value(); }));
    EXPECT_EQ(std::string(owner("cam")->session_id), r.value().session_id);
}

// Paused past the dead timeout (SIGSTOP), the origin finds at its next
// progress write that its stream was reaped and nobody took it: it claims
// it again at once, in that same beat, with the same session (the edges'
// grace for its last playlist is bounded; the next beat can be past it).
TEST_F(PublishGateTest, AReapedPublishIsClaimedAgainInTheSameBeat)
{
    Result<Admission> r = admit("LiveApp", "cam");
    ASSERT_TRUE(r);
    ASSERT_TRUE(owner("cam"));
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open(db().c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other,
                           "UPDATE broadcast SET status = 'finished' "
                           "WHERE stream_id = 'cam'",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(other);
    ASSERT_FALSE(owner("cam"));

    gate_->after_beat(true);  // one beat only
    ASSERT_TRUE(run_until([&] { return owner("cam").has_value(); }));
    EXPECT_EQ(std::string(owner("cam")->session_id), r.value().session_id);
    EXPECT_EQ(gate_->active(), 1);
}

TEST_F(PublishGateTest, AnEndedPublishIsReleased)
{
    Result<Admission> r = admit("LiveApp", "cam");
    ASSERT_TRUE(r);
    ASSERT_TRUE(owner("cam"));
    gate_->ended(r.value().key, "not-this-session");  // ignored
    EXPECT_EQ(gate_->active(), 1);
    gate_->ended(r.value().key, r.value().session_id);
    EXPECT_EQ(gate_->active(), 0);
    EXPECT_EQ(metrics_.publishers.load(), 0u);
    EXPECT_TRUE(run_until([&] { return !owner("cam").has_value(); }));
    // The stream may start again at once.
    EXPECT_TRUE(admit("LiveApp", "cam"));
}

// The REST stop (issue #15): the gate revokes the admitted publish; the
// publish's end (what the revoke leads to) releases the claim.
TEST_F(PublishGateTest, StopRevokesTheAdmittedPublishOnly)
{
    ingest::PublishRequest req;
    req.key = StreamKey{"LiveApp", "cam"};
    req.client = "192.0.2.1:5000";
    std::vector<std::string> revoked;
    req.revoke = [&](const std::string& why) { revoked.push_back(why); };
    std::optional<Result<Admission>> answer;
    EXPECT_FALSE(gate_->stop(req.key, "nothing here yet"));
    gate_->admit(req, [&](Result<Admission> r) { answer = std::move(r); });
    ASSERT_TRUE(run_until([&] { return answer.has_value(); }));
    ASSERT_TRUE(*answer);
    EXPECT_FALSE(gate_->stop(StreamKey{"LiveApp", "other"}, "not live"));
    EXPECT_TRUE(revoked.empty());
    EXPECT_TRUE(gate_->stop(req.key, "stopped through the REST API"));
    EXPECT_EQ(revoked,
              std::vector<std::string>{"stopped through the REST API"});
    // This revoke ended nothing (no hub here): the gate ended the publish
    // itself, released as usual; the hub's later end changes nothing.
    EXPECT_EQ(gate_->active(), 0);
    EXPECT_TRUE(run_until([&] { return !owner("cam").has_value(); }));
    gate_->ended(req.key, answer->value().session_id);
    EXPECT_EQ(metrics_.publishers.load(), 0u);
    EXPECT_FALSE(gate_->stop(req.key, "already gone"));
    EXPECT_EQ(revoked.size(), 1u);
}

// app/live_streams.cc: an admitted publish feeds a hub whose sink is the
// source packager; the hub's end releases the admission.
TEST_F(PublishGateTest, LiveStreamsWiresTheHubThePackagerAndTheRelease)
{
    LiveStreams streams(*ctx_, *gate_);
    ingest::PublishRequest req;
    req.key = StreamKey{"LiveApp", "cam"};
    std::optional<ingest::PublishDecision> answer;
    streams.authorize(
        req, [&](ingest::PublishDecision d) { answer = std::move(d); });
    ASSERT_TRUE(run_until([&] { return answer.has_value(); }));
    ASSERT_TRUE(*answer);
    auto hub = std::dynamic_pointer_cast<hub::Hub>(answer->value());
    ASSERT_TRUE(hub);
    EXPECT_EQ(hub->key(), req.key);
    EXPECT_EQ(hub->sinks(), 2u);  // the packager and the ingest meter

    hub->on_video_config(package::test::h264_config());
    for (int i = 0; i <= 3; i++)
        hub->on_frame(package::test::video_frame(i * 1000, true));
    EXPECT_TRUE(segments_->find("LiveApp", "cam.m3u8"));
    EXPECT_GT(metrics_.segment_publish_ms.count(),
              0u);  // timed at segment close
    EXPECT_GT(metrics_.bytes_in.load(), 0u);

    hub->on_end();
    EXPECT_EQ(gate_->active(), 0);
    EXPECT_TRUE(run_until([&] { return !owner("cam").has_value(); }));
}

}  // namespace
}  // namespace fanout
