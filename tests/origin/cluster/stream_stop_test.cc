// tests/origin/cluster/stream_stop_test.cc — where a REST stop goes
// (route_stop) and what the owner's answer to a forwarded stop means
// (read_stop_answer); the exchange itself is cluster_call's, tested with
// real sockets in owner_probe_test.cc.
#include "cluster/stream_stop.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace fanout::cluster {
namespace {

fo_origin owner(const char* node, const char* status, bool alive)
{
    fo_origin o{};
    std::snprintf(o.node_id, sizeof(o.node_id), "%s", node);
    std::snprintf(o.status, sizeof(o.status), "%s", status);
    std::snprintf(o.address, sizeof(o.address), "127.0.43.2");
    o.http_port = 5080;
    o.node_alive = alive ? 1 : 0;
    return o;
}

CallAnswer answered(int status, std::string body)
{
    CallAnswer a;
    a.kind = CallAnswer::Kind::Answered;
    a.status = status;
    a.body = std::move(body);
    return a;
}

TEST(RouteStop, ForwardsOnlyToAnotherAliveBroadcastingOrigin)
{
    EXPECT_EQ(route_stop(owner("o2", "broadcasting", true), "o1", true),
              StopRoute::Forward);
    EXPECT_EQ(route_stop(owner("o2", "broadcasting", true), "o1", false),
              StopRoute::NoKey);
    EXPECT_EQ(route_stop(owner("o2", "finished", true), "o1", true),
              StopRoute::NotLive);
    EXPECT_EQ(route_stop(owner("o2", "created", true), "o1", true),
              StopRoute::NotLive);
    EXPECT_EQ(route_stop(owner("o2", "broadcasting", false), "o1", true),
              StopRoute::NotLive);  // dead: the reaper finishes it
    // This origin's own record, with nothing live here: stale.
    EXPECT_EQ(route_stop(owner("o1", "broadcasting", true), "o1", true),
              StopRoute::NotLive);
}

TEST(StopPath, NamesTheStream)
{
    EXPECT_EQ(stop_path({"LiveApp", "cam_1"}),
              "/internal/v1/streams/LiveApp/cam_1/stop");
}

TEST(ReadStopAnswer, TheOwnersResultPassesThrough)
{
    StopOutcome o = read_stop_answer(answered(200, R"({"success":true})"));
    EXPECT_EQ(o.status, 200);
    EXPECT_TRUE(o.success);
    o = read_stop_answer(
        answered(200, R"({"success":false,"message":"no live publisher"})"));
    EXPECT_EQ(o.status, 200);
    EXPECT_FALSE(o.success);
    EXPECT_EQ(o.message, "no live publisher");
}

TEST(ReadStopAnswer, RefusalsAndGarbageAreTheCallersTrouble)
{
    StopOutcome o = read_stop_answer(answered(401, R"({"success":false})"));
    EXPECT_EQ(o.status, 502);
    EXPECT_FALSE(o.success);
    EXPECT_NE(o.message.find("clusterCommunicationKey"), std::string::npos);
    EXPECT_EQ(read_stop_answer(answered(403, "")).status, 502);
    EXPECT_EQ(read_stop_answer(answered(500, R"({"success":true})")).status,
              502);
    EXPECT_EQ(read_stop_answer(answered(200, "not json")).status, 502);
    EXPECT_EQ(read_stop_answer(answered(200, R"({"success":"yes"})")).status,
              502);
    EXPECT_EQ(read_stop_answer(answered(200, "[]")).status, 502);
    CallAnswer silent;
    silent.kind = CallAnswer::Kind::Unreachable;
    silent.detail = "no answer in time";
    o = read_stop_answer(silent);
    EXPECT_EQ(o.status, 504);
    EXPECT_NE(o.message.find("no answer in time"), std::string::npos);
    CallAnswer garbage;
    garbage.kind = CallAnswer::Kind::Malformed;
    EXPECT_EQ(read_stop_answer(garbage).status, 502);
}

}  // namespace
}  // namespace fanout::cluster
