// The origin's properties parser and config builder.
#include "core/config.h"

#include <gtest/gtest.h>

#include <vector>

namespace fanout {
namespace {

Result<Config> build(const std::string& text, std::vector<std::string> env = {})
{
    auto kv = parse_properties(text);
    if (!kv) {
        return kv.error();
    }
    std::vector<char*> envp;
    for (auto& e : env) {
        envp.push_back(e.data());
    }
    envp.push_back(nullptr);
    return make_config(kv.value(), envp.data());
}

TEST(Properties, ParsesKeysCommentsAndBlankLines)
{
    auto kv = parse_properties("# comment\n! also\n\n a = b \nc=d=e\r\nf=\n");
    ASSERT_TRUE(kv.ok());
    EXPECT_EQ(kv.value().at("a"), "b");
    EXPECT_EQ(kv.value().at("c"), "d=e");
    EXPECT_EQ(kv.value().at("f"), "");
    EXPECT_EQ(kv.value().size(), 3u);
}

TEST(Properties, LineWithoutEqualsNamesTheLine)
{
    auto kv = parse_properties("a=b\nnonsense\n");
    ASSERT_FALSE(kv.ok());
    EXPECT_EQ(kv.error().message(), "line 2: expected key=value");
}

TEST(Config, DefaultsFollowAntMedia)
{
    auto c = build(
        "server.host_address=10.1.2.3\n"
        "clusterdb.host=sqlite:///tmp/x.db\n");
    ASSERT_TRUE(c.ok()) << c.error().message();
    EXPECT_EQ(c->http_port, 5080);
    EXPECT_EQ(c->rtmp_port, 1935);
    EXPECT_EQ(c->hls_time_s, 2);
    EXPECT_EQ(c->hls_list_size, 5);
    EXPECT_EQ(c->dash_window_size, 0);  // package::dash_window_segments
    EXPECT_EQ(c->hls_segment_type, "fmp4");
    EXPECT_EQ(c->rtmp_merge_read_ms, 100);
    EXPECT_EQ(c->apps, std::vector<std::string>{"LiveApp"});
    EXPECT_EQ(c->server_name, "origin-10.1.2.3-5080");
    // The store learns the cluster's liveness rule through its URI.
    EXPECT_EQ(c->store_uri,
              "sqlite:///tmp/x.db?update_period_ms=5000&dead_factor=4");
    ASSERT_EQ(c->rest_allowed.size(), 1u);
    EXPECT_TRUE(c->rest_allowed[0].contains(0x7f000001));
    EXPECT_FALSE(c->rest_allowed[0].contains(0x0a000001));
}

TEST(Config, EnvironmentOverridesFile)
{
    auto c = build(
        "http.port=5080\nhlsTime=2\n",
        {"FANOUT_HTTP_PORT=6080", "FANOUT_HLSTIME=4", "FANOUT_SERVER_NAME=o-7",
         "UNRELATED=1", "FANOUT_CLUSTERDB_HOST=redis://r:6379?timeout_ms=100"});
    ASSERT_TRUE(c.ok()) << c.error().message();
    EXPECT_EQ(c->http_port, 6080);
    EXPECT_EQ(c->hls_time_s, 4);
    EXPECT_EQ(c->server_name, "o-7");
    EXPECT_EQ(c->store_uri,
              "redis://r:6379?timeout_ms=100"
              "&update_period_ms=5000&dead_factor=4");
}

TEST(Config, BadValuesNameTheKey)
{
    struct Case {
        const char* text;
        const char* message;
    } cases[] = {
        {"http.port=0", "http.port: '0' is not an integer in [1, 65535]"},
        {"http.port=80x", "http.port: '80x' is not an integer"},
        {"rtmp.port=70000", "rtmp.port: '70000' is not an integer"},
        {"hlsSegmentType=webm",
         "hlsSegmentType: 'webm' must be fmp4 or mpegts"},
        {"apps=Live App", "apps: app 'Live App' must be of [A-Za-z0-9_.-]"},
        {"apps= , ", "apps: needs at least one app"},
        {"remoteAllowedCIDR=10.0.0.0/33", "remoteAllowedCIDR: '10.0.0.0/33'"},
        {"remoteAllowedCIDR=example.com", "remoteAllowedCIDR: 'example.com'"},
        {"listenerHookURL=ftp://x", "listenerHookURL: 'ftp://x' must be"},
        {"server.name=../x", "server.name: '../x' must be"},
        {"log.level=loud", "log.level: 'loud' must be debug"},
        {"cluster.dead_factor=1", "cluster.dead_factor: '1' is not"},
        {"hlsTime=", "hlsTime: '' is not an integer"},
        {"rtmp.merge_read_ms=-1",
         "rtmp.merge_read_ms: '-1' is not an integer in [0, 1000]"},
        {"dashWindowSize=1001",
         "dashWindowSize: '1001' is not an integer in [0, 1000]"},
        {"colour=blue", "unknown key 'colour'"},
    };
    for (const auto& tc : cases) {
        auto c = build(tc.text);
        ASSERT_FALSE(c.ok()) << tc.text;
        EXPECT_EQ(c.error().message().rfind(tc.message, 0), 0u)
            << tc.text << " -> " << c.error().message();
    }
}

TEST(Config, ClusterKnobs)
{
    auto c = build("");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->cluster_key, "");  // no default key that works
    EXPECT_EQ(c->takeover_timeout_ms, 500);
    EXPECT_EQ(c->rest_queue_max, 256);
    c = build("cluster.takeover_timeout_ms=250\nhttp.rest_queue_max=8\n",
              {"FANOUT_CLUSTERCOMMUNICATIONKEY=0123456789abcdef0123"});
    ASSERT_TRUE(c.ok()) << c.error().message();
    EXPECT_EQ(c->cluster_key, "0123456789abcdef0123");
    EXPECT_EQ(c->takeover_timeout_ms, 250);
    EXPECT_EQ(c->rest_queue_max, 8);
    // A short or blank key is refused, and the error does not quote it.
    for (const char* bad :
         {"clusterCommunicationKey=short-secret\n",
          "clusterCommunicationKey=with a blank 0123456789\n"}) {
        auto r = build(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().message().find("secret"), std::string::npos);
        EXPECT_EQ(r.error().message().find("blank 0123"), std::string::npos);
        EXPECT_NE(r.error().message().find("clusterCommunicationKey"),
                  std::string::npos);
    }
    EXPECT_FALSE(build("http.rest_queue_max=0\n").ok());
    EXPECT_FALSE(build("cluster.takeover_timeout_ms=10\n").ok());
}

// Issue #14's store bounds: defaults a deployment keeps, 0 turns each
// off, the environment overrides, negative values are refused.
TEST(Config, StoreGrowthBounds)
{
    auto c = build("");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->auto_broadcast_retention_s, 86400);
    EXPECT_EQ(c->broadcast_max_per_app, 100000);
    c = build("store.auto_broadcast_retention_s=0\nbroadcast.max_per_app=0\n");
    ASSERT_TRUE(c.ok()) << c.error().message();
    EXPECT_EQ(c->auto_broadcast_retention_s, 0);
    EXPECT_EQ(c->broadcast_max_per_app, 0);
    c = build("", {"FANOUT_BROADCAST_MAX_PER_APP=7",
                   "FANOUT_STORE_AUTO_BROADCAST_RETENTION_S=60"});
    ASSERT_TRUE(c.ok()) << c.error().message();
    EXPECT_EQ(c->broadcast_max_per_app, 7);
    EXPECT_EQ(c->auto_broadcast_retention_s, 60);
    EXPECT_FALSE(build("broadcast.max_per_app=-1\n").ok());
    EXPECT_FALSE(build("store.auto_broadcast_retention_s=-5\n").ok());
}

TEST(Config, RestJwtAndTrustedProxies)
{
    auto c = build("");
    ASSERT_TRUE(c.ok());
    EXPECT_FALSE(c->jwt_enabled);  // off by default: nothing changes
    EXPECT_EQ(c->jwt_secret, "");
    EXPECT_TRUE(c->trusted_proxies.empty());  // no header is trusted
    const std::string key = "0123456789abcdef0123456789abcdef";
    c = build(
        "jwtControlEnabled=true\nhttp.trusted_proxies=10.0.0.0/8, "
        "127.0.21.1\n",
        {"FANOUT_JWTSECRETKEY=" + key});
    ASSERT_TRUE(c.ok()) << c.error().message();
    EXPECT_TRUE(c->jwt_enabled);
    EXPECT_EQ(c->jwt_secret, key);
    ASSERT_EQ(c->trusted_proxies.size(), 2u);
    EXPECT_TRUE(c->trusted_proxies[1].contains(0x7f001501));
    // On without a key stops start-up (and --check), naming both keys.
    auto r = build("jwtControlEnabled=true\n");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("jwtSecretKey"), std::string::npos);
    EXPECT_NE(r.error().message().find("jwtControlEnabled"), std::string::npos);
    r = build("jwtControlEnabled=true\njwtSecretKey=\n");
    EXPECT_FALSE(r.ok());
    EXPECT_FALSE(build("jwtControlEnabled=yes\n").ok());
    EXPECT_FALSE(build("http.trusted_proxies=lb.example\n").ok());
    // A short key is refused and never quoted.
    r = build("jwtSecretKey=tooshort-s3cr3t\n");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message().find("s3cr3t"), std::string::npos);
    EXPECT_EQ(r.error().message().rfind("jwtSecretKey: ", 0), 0u);
}

TEST(Config, RedactUri)
{
    EXPECT_EQ(redact_uri("mongodb://user:pa:ss@h1,h2/fanout?replicaSet=rs0"),
              "mongodb://user:***@h1,h2/fanout?replicaSet=rs0");
    EXPECT_EQ(redact_uri("redis://:secret@127.0.0.1:6379/0"),
              "redis://:***@127.0.0.1:6379/0");
    EXPECT_EQ(redact_uri("redis://u:p%40ss@h"), "redis://u:***@h");
    EXPECT_EQ(redact_uri("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
    EXPECT_EQ(redact_uri("mongodb://user@h/db"), "mongodb://user@h/db");
    EXPECT_EQ(redact_uri("sqlite:///run/a@b:c.db"), "sqlite:///run/a@b:c.db");
    EXPECT_EQ(redact_uri("not a uri"), "not a uri");
}

TEST(Config, PublishTokenDefaults)
{
    auto d = build("");
    ASSERT_TRUE(d.ok()) << d.error().message();
    EXPECT_FALSE(d->tokens.publish_needs_token());
    EXPECT_TRUE(d->tokens.accept_undefined);
    auto c = build(
        "publishJwtControlEnabled=true\n"
        "jwtStreamSecretKey=jwt-secret-0123456789abcdef-0123456789\n"
        "acceptUndefinedStreams=false\nplayTokenControlEnabled=true\n");
    ASSERT_TRUE(c.ok()) << c.error().message();
    EXPECT_TRUE(c->tokens.publish_jwt && c->tokens.play_token);
    EXPECT_FALSE(c->tokens.accept_undefined);
    // A control on without its secret stops start-up, naming the secret.
    auto r = build("hashControlPublishEnabled=true\n");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message().rfind("tokenHashSecret", 0), 0u);
    r = build("tokenHashSecret=too-short\n");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message().find("too-short"), std::string::npos);
    EXPECT_FALSE(build("publishTokenControlEnabled=yes\n").ok());
}

TEST(Config, Cidr)
{
    auto c = parse_cidr("192.168.1.77/24");
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(c->contains(0xc0a801fe));
    EXPECT_FALSE(c->contains(0xc0a802fe));
    auto any = parse_cidr("0.0.0.0/0");
    ASSERT_TRUE(any.ok());
    EXPECT_TRUE(any->contains(0x01020304));
    auto host = parse_cidr("127.0.0.1");
    ASSERT_TRUE(host.ok());
    EXPECT_TRUE(host->contains(0x7f000001));
    EXPECT_FALSE(host->contains(0x7f000002));
}

TEST(Config, LadderDefaultsWithAntMediaKeys)
{
    const std::string store = "clusterdb.host=sqlite:///tmp/unused.db\n";
    auto plain = build(store);
    ASSERT_TRUE(plain.ok()) << plain.error().message();
    EXPECT_TRUE(plain->ladder.renditions.empty());  // passthrough only
    EXPECT_EQ(plain->ladder.preset, "veryfast");
    EXPECT_EQ(plain->ladder.gop_size, 0);
    EXPECT_EQ(plain->ladder.threads, 1);
    EXPECT_EQ(plain->ladder.preference, transcode::EncoderPreference::cpu);

    auto c = build(
        store
            + "encoderSettingsString=[{\"height\":360,\"videoBitrate\":800000,"
        "\"audioBitrate\":64000,\"forceEncode\":false}]\n"
        "encoderPreset=faster\ngopSize=50\nencoderThreads=4\n"
        "encoderSelectionPreference=gpu_and_cpu\n",
        {"FANOUT_ENCODERTHREADS=2"});
    ASSERT_TRUE(c.ok()) << c.error().message();
    ASSERT_EQ(c->ladder.renditions.size(), 1u);
    EXPECT_EQ(c->ladder.renditions[0],
              (transcode::RenditionSpec{360, 800000, 64000, false}));
    EXPECT_EQ(c->ladder.preset, "faster");
    EXPECT_EQ(c->ladder.gop_size, 50);
    EXPECT_EQ(c->ladder.threads, 2);  // the environment wins
    EXPECT_EQ(c->ladder.preference, transcode::EncoderPreference::gpu_and_cpu);

    auto csv =
        build("encoderSettingsString=480,300000,96000,360,200000,64000\n");
    ASSERT_TRUE(csv.ok()) << csv.error().message();
    EXPECT_EQ(csv->ladder.renditions.size(), 2u);
}

TEST(Config, BadLadderValuesNameTheKeyOnce)
{
    struct Case {
        const char* text;
        const char* message;
    } cases[] = {
        {"encoderSettingsString=480,300000,96000,361,1,1",
         "encoderSettingsString[1].height: must be a positive even number"},
        {"encoderSettingsString={}",
         "encoderSettingsString: must be a JSON list"},
        {"encoderPreset=turbo", "encoderPreset: 'turbo' is not an x264 preset"},
        {"gopSize=-1", "gopSize: must be an integer from 0 to 1000"},
        {"encoderThreads=65",
         "encoderThreads: must be an integer from 0 to 64"},
        {"encoderSelectionPreference=gpu",
         "encoderSelectionPreference: 'gpu' must be cpu or gpu_and_cpu"},
    };
    for (const auto& tc : cases) {
        auto c = build(tc.text);
        ASSERT_FALSE(c.ok()) << tc.text;
        EXPECT_EQ(c.error().message().rfind(tc.message, 0), 0u)
            << tc.text << " -> " << c.error().message();
    }
}

TEST(Config, ShippedPropertiesLoad)
{
    // A store URI of its own: the file's default would create ./run.
    std::string store = "FANOUT_CLUSTERDB_HOST=sqlite:///tmp/unused.db";
    char* env[] = {store.data(), nullptr};
    auto c =
        load_config(FANOUT_SOURCE_DIR "/origin/conf/origin.properties", env);
    ASSERT_TRUE(c.ok()) << c.error().message();
    EXPECT_TRUE(c->ladder.renditions.empty());
    EXPECT_EQ(c->ladder.preset, "veryfast");
}

TEST(Config, MissingFileIsAnError)
{
    auto c = load_config("/nonexistent/origin.properties", nullptr);
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.error().message().find("/nonexistent/origin.properties"),
              std::string::npos);
}

TEST(Config, AlertSettings)
{
    auto c = build("server.name=o\n");
    ASSERT_TRUE(c.ok()) << c.error().message();
    EXPECT_TRUE(c->alerts.enabled);
    EXPECT_EQ(c->alerts.cpu_percent, 80);
    EXPECT_EQ(c->alerts.cpu_for_s, 60);
    EXPECT_EQ(c->alerts.memory_percent, 85);
    EXPECT_EQ(c->alerts.db_query_ms, 100);
    EXPECT_EQ(c->alerts.repl_lag_s, 10);
    EXPECT_EQ(c->alerts.stream_stall_segments, 3);
    c = build(
        "server.name=o\nalerts.cpu_percent=90.5\nalerts.cpu_for_s=2\n"
        "alerts.webhook_url=http://127.0.0.1:9/hook\n",
        {"FANOUT_ALERTS_CLEAR_FOR_S=5"});
    ASSERT_TRUE(c.ok()) << c.error().message();
    EXPECT_EQ(c->alerts.cpu_percent, 90.5);
    EXPECT_EQ(c->alerts.cpu_for_s, 2);
    EXPECT_EQ(c->alerts.clear_for_s, 5);
    EXPECT_EQ(c->alerts.webhook_url, "http://127.0.0.1:9/hook");

    c = build("server.name=o\nalerts.cpu_percent=101\n");
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message().rfind("alerts.cpu_percent: ", 0), 0u)
        << c.error().message();
    c = build("server.name=o\nalerts.cpu_for_s=soon\n");
    ASSERT_FALSE(c.ok());
    c = build("server.name=o\nalerts.webhook_url=ftp://x\n");
    ASSERT_FALSE(c.ok());
    c = build("server.name=o\nalerts.no_such=1\n");
    ASSERT_FALSE(c.ok());
    c = build(
        "server.name=o\nalerts.interval_ms=5000\n"
        "alerts.lease_ttl_ms=5000\n");
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.error().message().find("alerts.lease_ttl_ms"),
              std::string::npos);
}

TEST(Config, AlertSampleInterval)
{
    auto c = build("server.name=o\n");
    ASSERT_TRUE(c.ok()) << c.error().message();
    EXPECT_EQ(c->alerts.sample_interval_ms, 30000);
    c = build("server.name=o\nalerts.sample_interval_ms=1000\n");
    ASSERT_TRUE(c.ok()) << c.error().message();
    EXPECT_EQ(c->alerts.sample_interval_ms, 1000);
    c = build("server.name=o\nalerts.sample_interval_ms=999\n");
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message().rfind("alerts.sample_interval_ms: ", 0), 0u)
        << c.error().message();
}

TEST(Config, SignedPlaybackNeedsItsKeysFile)
{
    auto off = build("clusterdb.host=sqlite:///tmp/x.db\n");
    ASSERT_TRUE(off.ok());
    EXPECT_FALSE(off->play_signed);
    EXPECT_EQ(off->play_keys_file, "");
    auto on = build(
        "clusterdb.host=sqlite:///tmp/x.db\nplay.signed=true\n"
        "play.keys_file=/etc/fanout/play.keys\n");
    ASSERT_TRUE(on.ok()) << on.error().message();
    EXPECT_TRUE(on->play_signed);
    EXPECT_EQ(on->play_keys_file, "/etc/fanout/play.keys");
    auto alone = build("clusterdb.host=sqlite:///tmp/x.db\nplay.signed=true\n");
    ASSERT_FALSE(alone.ok());
    EXPECT_EQ(alone.error().message(), "play.signed: needs play.keys_file");
    auto bad = build("clusterdb.host=sqlite:///tmp/x.db\nplay.signed=yes\n");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message().find("play.signed"), std::string::npos);
}

}  // namespace
}  // namespace fanout
