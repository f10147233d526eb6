// Unit tests of the REST JSON shapes: body → store record → JSON.
#include "http/broadcast_json.h"

#include "core/stream_key.h"

#include <gtest/gtest.h>

#include <cstring>

namespace fanout::http {
namespace {

using nlohmann::json;

fo_broadcast zeroed()
{
    fo_broadcast b;
    std::memset(&b, 0, sizeof(b));
    return b;
}

TEST(BroadcastJson, StreamIdValidation)
{
    EXPECT_TRUE(valid_stream_id("abc_DEF-1.2"));
    EXPECT_TRUE(valid_stream_id(std::string(127, 'a')));
    EXPECT_FALSE(valid_stream_id(std::string(128, 'a')));
    EXPECT_FALSE(valid_stream_id(""));
    EXPECT_FALSE(valid_stream_id("a b"));
    EXPECT_FALSE(valid_stream_id("a/b"));
    EXPECT_FALSE(valid_stream_id(".."));
    EXPECT_FALSE(valid_stream_id(std::string("a\0b", 3)));
}

TEST(BroadcastJson, EmptyAndNullBodiesAreEmptyPatches)
{
    for (const char* body : {"", "  \n", "null", "{}"}) {
        auto p = parse_broadcast_patch(body);
        ASSERT_TRUE(p.ok()) << body;
        EXPECT_FALSE(p->stream_id.has_value());
        EXPECT_TRUE(p->extra.empty());
    }
}

TEST(BroadcastJson, BadBodies)
{
    const char* bad[] = {"{",
                         "[1]",
                         "\"s\"",
                         "{\"name\":5}",
                         "{\"bitrate\":-1}",
                         "{\"bitrate\":1.5}",
                         "{\"hlsViewerCount\":\"3\"}",
                         "{\"streamId\":[]}",
                         "{\"name\":\"a\\u0000b\"}"};
    for (const char* body : bad) {
        EXPECT_FALSE(parse_broadcast_patch(body).ok()) << body;
    }
}

TEST(BroadcastJson, CreateFromAntMediaBody)
{
    auto p = parse_broadcast_patch(R"({
        "streamId":"s1","name":"Show","type":"liveStream","publishType":"RTMP",
        "originAdress":"10.0.0.1","bitrate":2500000,"hlsViewerCount":null,
        "description":"desc","listenerHookURL":null,"date":123,"is360":false})");
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(*p->stream_id, "s1");
    fo_broadcast b = zeroed();
    ASSERT_TRUE(patch_to_new_broadcast(p.value(), &b));
    EXPECT_STREQ(b.name, "Show");
    EXPECT_STREQ(b.publish_type, "RTMP");
    EXPECT_STREQ(b.origin_address, "10.0.0.1");
    EXPECT_EQ(b.bitrate, 2500000);
    EXPECT_EQ(b.date, 0);  // the store's clock sets it
    // Nulls dropped, unknown fields kept.
    EXPECT_EQ(json::parse(b.extra),
              json::parse(R"({"description":"desc","is360":false})"));
}

TEST(BroadcastJson, CreateRejectsTooLongAndUnknownStatus)
{
    fo_broadcast b = zeroed();
    auto p = parse_broadcast_patch("{\"name\":\""
                                   + std::string(FO_NAME_MAX, 'n') + "\"}");
    ASSERT_TRUE(p.ok());
    EXPECT_FALSE(patch_to_new_broadcast(p.value(), &b));
    p = parse_broadcast_patch("{\"status\":\"preparing\"}");
    ASSERT_TRUE(p.ok());
    EXPECT_FALSE(patch_to_new_broadcast(p.value(), &b));
    p = parse_broadcast_patch("{\"notes\":\"" + std::string(FO_EXTRA_MAX, 'x')
                              + "\"}");
    ASSERT_TRUE(p.ok());
    EXPECT_FALSE(patch_to_new_broadcast(p.value(), &b));
}

TEST(BroadcastJson, UpdateMasksAndMergesExtra)
{
    fo_broadcast b = zeroed();
    std::strcpy(b.name, "old");
    std::strcpy(b.status, "created");
    b.hls_viewer_count = 7;
    b.dash_viewer_count = 9;
    std::strcpy(b.extra, R"({"description":"d","keep":1})");

    auto p = parse_broadcast_patch(
        R"({"name":"new","hlsViewerCount":3,"description":null,"tag":"t","originAdress":"x"})");
    ASSERT_TRUE(p.ok());
    auto mask = patch_onto_broadcast(p.value(), &b);
    ASSERT_TRUE(mask.ok());
    EXPECT_EQ(mask.value(), unsigned(FO_F_NAME | FO_F_VIEWERS | FO_F_EXTRA));
    EXPECT_STREQ(b.name, "new");
    EXPECT_EQ(b.hls_viewer_count, 3);
    EXPECT_EQ(b.dash_viewer_count, 9);  // untouched although the bit is shared
    EXPECT_STREQ(b.origin_address, "");  // owned by the publishing origin
    EXPECT_EQ(json::parse(b.extra), json::parse(R"({"keep":1,"tag":"t"})"));

    auto status_only =
        parse_broadcast_patch(R"({"status":"broadcasting","bitrate":5})");
    ASSERT_TRUE(status_only.ok());
    auto m2 = patch_onto_broadcast(status_only.value(), &b);
    ASSERT_TRUE(m2.ok());
    EXPECT_EQ(m2.value(), unsigned(FO_F_STATUS | FO_F_BITRATE));
}

TEST(BroadcastJson, ToJsonUsesAntMediaNamesAndMergesExtra)
{
    fo_broadcast b = zeroed();
    std::strcpy(b.stream_id, "s1");
    std::strcpy(b.name, "n");
    std::strcpy(b.status, "broadcasting");
    std::strcpy(b.type, "liveStream");
    std::strcpy(b.publish_type, "RTMP");
    std::strcpy(b.origin_address, "10.0.0.2");
    b.date = 1;
    b.start_time = 2;
    b.update_time = 3;
    b.hls_viewer_count = 4;
    b.dash_viewer_count = 5;
    b.bitrate = 6;
    // An extra field named like a core one never overrides it.
    std::strcpy(b.extra, R"({"description":"d","status":"fake"})");
    json j = broadcast_to_json(b);
    EXPECT_EQ(j["streamId"], "s1");
    EXPECT_EQ(j["status"], "broadcasting");
    EXPECT_EQ(j["publishType"], "RTMP");
    EXPECT_EQ(j["originAdress"], "10.0.0.2");
    EXPECT_EQ(j["date"], 1);
    EXPECT_EQ(j["startTime"], 2);
    EXPECT_EQ(j["updateTime"], 3);
    EXPECT_EQ(j["hlsViewerCount"], 4);
    EXPECT_EQ(j["dashViewerCount"], 5);
    EXPECT_EQ(j["bitrate"], 6);
    EXPECT_EQ(j["description"], "d");
}

TEST(BroadcastJson, LiveFiguresOnlyWhileBroadcasting)
{
    fo_broadcast b{};
    std::strcpy(b.stream_id, "s1");
    std::strcpy(b.status, "broadcasting");
    b.bitrate = 800000;
    b.speed = 0.98;
    std::strcpy(b.renditions,
                R"([{"name":"source","height":360,"dropped":false}])");
    // A client's own "speed" or "renditions" never overrides them.
    std::strcpy(b.extra, R"({"speed":9,"renditions":"x"})");
    json j = broadcast_to_json(b);
    EXPECT_EQ(j["bitrate"], 800000);
    EXPECT_DOUBLE_EQ(j["speed"].get<double>(), 0.98);
    ASSERT_TRUE(j["renditions"].is_array());
    EXPECT_EQ(j["renditions"][0]["name"], "source");
    EXPECT_EQ(j["renditions"][0]["height"], 360);

    std::strcpy(b.renditions, "not json");
    EXPECT_EQ(broadcast_to_json(b)["renditions"], json::array());
    std::strcpy(b.renditions, R"([{"name":"source"}])");
    std::strcpy(b.status, "finished");  // e.g. reaped: nothing stale shown
    j = broadcast_to_json(b);
    EXPECT_EQ(j["speed"], 0.0);
    EXPECT_EQ(j["renditions"], json::array());
}

TEST(BroadcastJson, NodeJson)
{
    fo_node n{};
    std::strcpy(n.id, "edge-1");
    std::strcpy(n.ip, "10.0.0.9");
    n.role = FO_ROLE_EDGE;
    n.alive = 0;
    n.http_port = 5080;
    n.cpu = 12.5;
    n.mem_percent = 61.5;
    n.process_cpu = 2.25;
    n.process_rss = 1 << 20;
    n.load1 = 0.75;
    n.repl_lag_ms = -1;
    n.origin_ok_ms = 1700000000000;
    n.origin_fail_ms = 0;
    n.egress_bps = 6000000000;  // 6 Gbit/s: past 32 bits
    json j = node_to_json(n);
    EXPECT_EQ(j["id"], "edge-1");
    EXPECT_EQ(j["status"], "dead");
    EXPECT_EQ(j["role"], "edge");
    EXPECT_EQ(j["httpPort"], 5080);
    EXPECT_EQ(j["cpu"], 12.5);
    EXPECT_EQ(j["memory"], 61.5);  // a percentage now, not bytes
    EXPECT_EQ(j["processCpu"], 2.25);
    EXPECT_EQ(j["processMemory"], 1 << 20);
    EXPECT_EQ(j["loadAverage"], 0.75);
    EXPECT_EQ(j["replicationLagMs"], -1);
    EXPECT_EQ(j["originOkTime"], 1700000000000);
    EXPECT_EQ(j["originFailTime"], 0);
    EXPECT_EQ(j["egressBitrate"], 6000000000);
    EXPECT_TRUE(j["egressBitrate"].is_number_integer());
    for (const char* k :
         {"lastUpdateTime", "memory", "nodeGroup", "activeStreams", "viewers",
          "dbQueryAverageTimeMs", "rtmpPort", "ip"}) {
        EXPECT_TRUE(j.contains(k)) << k;
    }
}

}  // namespace
}  // namespace fanout::http
