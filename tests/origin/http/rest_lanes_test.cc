// tests/origin/http/rest_lanes_test.cc — what origins and a flood get from
// the HTTP server: the internal cluster endpoint (ClusterAuthorization)
// and the REST lane's bound (503 + Retry-After), over real TCP.
#include <future>

#include "cluster/cluster_token.h"
#include "server_harness.h"

namespace fanout::http::testing {
namespace {

const std::string kKey = "test-cluster-key-0123456789";
const std::string kPath = "/internal/v1/streams/LiveApp/cam";

int64_t now_s()
{
    return Harness::now_ms() / 1000;
}

std::string auth(const std::string& token)
{
    return "ClusterAuthorization: " + token + "\r\n";
}

TEST(InternalEndpoint, NoKeyConfiguredAnswers401ToEveryone)
{
    Harness h;  // config.cluster_key empty
    Client c(h.port);
    EXPECT_EQ(c.call("GET", kPath).status, 401);
    std::string token = cluster::sign_cluster_token(kKey, now_s());
    EXPECT_EQ(c.call("GET", kPath, "", auth(token)).status, 401);
}

TEST(InternalEndpoint, TokensAreChecked)
{
    Harness h;
    h.on_loop([&] { h.config.cluster_key = kKey; });
    Client c(h.port);
    EXPECT_EQ(c.call("GET", kPath).status, 401);  // none
    EXPECT_EQ(c.call("GET", kPath, "", auth("garbage")).status, 401);
    std::string other =
        cluster::sign_cluster_token("another-key-0123456789", now_s());
    EXPECT_EQ(c.call("GET", kPath, "", auth(other)).status, 401);
    std::string expired = cluster::sign_cluster_token(kKey, now_s() - 600);
    EXPECT_EQ(c.call("GET", kPath, "", auth(expired)).status, 401);
    // The allowlist does not apply: the token is the gate.
    std::string token = cluster::sign_cluster_token(kKey, now_s());
    Reply r = c.call("GET", kPath, "", auth(token));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["live"], false);
    EXPECT_EQ(r.json()["sessionId"], "");
    EXPECT_EQ(r.json()["streamId"], "cam");
    EXPECT_EQ(
        c.call("GET", "/internal/v1/streams/LiveApp/" + std::string(200, 'x'),
               "", auth(token))
            .status,
        400);
}

TEST(InternalEndpoint, AnswersWhatIsLiveHere)
{
    Harness h;
    h.on_loop([&] { h.config.cluster_key = kKey; });
    h.on_loop([&] {
        h.ctx->live_session =
            [](const StreamKey& k) -> std::optional<std::string> {
            if (k.id == "cam") return "sess-1";
            return std::nullopt;
        };
    });
    Client c(h.port);
    std::string token = cluster::sign_cluster_token(kKey, now_s());
    Reply r = c.call("GET", kPath, "", auth(token));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["live"], true);
    EXPECT_EQ(r.json()["sessionId"], "sess-1");
    r = c.call("GET", "/internal/v1/streams/LiveApp/other", "", auth(token));
    EXPECT_EQ(r.json()["live"], false);
}

TEST(InternalEndpoint, StopClosesWhatIsLiveHereOnlyWithAToken)
{
    Harness h;
    std::vector<std::string> stopped;
    h.on_loop([&] {
        h.config.cluster_key = kKey;
        h.ctx->stop_publish = [&stopped](const StreamKey& k,
                                         const std::string&) {
            if (k.id != "cam") return false;
            stopped.push_back(k.str());
            return true;
        };
    });
    Client c(h.port);
    const std::string stop = kPath + "/stop";
    EXPECT_EQ(c.call("POST", stop).status, 401);
    EXPECT_EQ(c.call("POST", stop, "", auth("garbage")).status, 401);
    std::string other =
        cluster::sign_cluster_token("another-key-0123456789", now_s());
    EXPECT_EQ(c.call("POST", stop, "", auth(other)).status, 401);
    h.on_loop([] {});
    EXPECT_TRUE(stopped.empty());
    std::string token = cluster::sign_cluster_token(kKey, now_s());
    EXPECT_EQ(c.call("GET", stop, "", auth(token)).status, 405);
    Reply r = c.call("POST", stop, "", auth(token));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["success"], true);
    r = c.call("POST", "/internal/v1/streams/LiveApp/other/stop", "",
               auth(token));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["success"], false);
    h.on_loop([] {});
    EXPECT_EQ(stopped, std::vector<std::string>{"LiveApp/cam"});
}

TEST(RestLane, AFullQueueAnswers503WithRetryAfter)
{
    Harness h({}, nullptr, 2);
    std::promise<void> gate;
    std::shared_future<void> open = gate.get_future().share();
    // Two slow REST works fill the lane (its bound: 2).
    h.on_loop([&] {
        for (int i = 0; i < 2; i++) {
            h.pool->run(
                [open] {
                    open.wait();
                    return 0;
                },
                [](int) {});
        }
    });
    Client c(h.port);
    Reply r = c.call("GET", "/LiveApp/rest/v2/broadcasts/count");
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.header("retry-after"), "1");
    EXPECT_EQ(r.json()["success"], false);
    EXPECT_EQ(h.metrics.rest_busy_total.load(), 1u);
    // What needs no lane is still answered.
    EXPECT_EQ(c.call("GET", "/rest/v2/liveness").status, 200);
    gate.set_value();
    ASSERT_TRUE(wait_until([&] { return h.pool->pending() == 0; }));
    EXPECT_EQ(c.call("GET", "/LiveApp/rest/v2/broadcasts/count").status, 200);
}

}  // namespace
}  // namespace fanout::http::testing
