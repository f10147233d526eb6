// tests/load/options_test.cc — the command line and the loopback rule
// (load/src/options.h).
#include "options.h"

#include <gtest/gtest.h>

namespace fanout::load {
namespace {

Result<Options> parse(std::vector<std::string> a)
{
    return parse_options(a);
}

TEST(Url, Parts)
{
    auto u = parse_url("rtmp://127.0.0.1:1936/LiveApp/cam1?token=x");
    ASSERT_TRUE(u.ok());
    EXPECT_EQ(u->host, "127.0.0.1");
    EXPECT_EQ(u->port, 1936);
    EXPECT_EQ(u->path, "/LiveApp/cam1?token=x");
    EXPECT_EQ(parse_url("http://localhost")->port, 80);
    EXPECT_EQ(parse_url("http://localhost")->path, "/");
    EXPECT_EQ(parse_url("rtmp://[::1]/a/b")->host, "::1");
    EXPECT_EQ(parse_url("http://[::1]:8080/x")->port, 8080);
    EXPECT_FALSE(parse_url("https://127.0.0.1/").ok());
    EXPECT_FALSE(parse_url("127.0.0.1/x").ok());
    EXPECT_FALSE(parse_url("http://127.0.0.1:0/").ok());
    EXPECT_FALSE(parse_url("http://127.0.0.1:99999/").ok());
    EXPECT_FALSE(parse_url("http://:80/").ok());
}

TEST(Loopback, OnlyLoopback)
{
    EXPECT_TRUE(is_loopback_host("127.0.0.1"));
    EXPECT_TRUE(is_loopback_host("127.0.56.3"));
    EXPECT_TRUE(is_loopback_host("localhost"));
    EXPECT_TRUE(is_loopback_host("::1"));
    EXPECT_FALSE(is_loopback_host("128.0.0.1"));
    EXPECT_FALSE(is_loopback_host("10.0.0.1"));
    EXPECT_FALSE(is_loopback_host("127.0.0.1.example.com"));
    EXPECT_FALSE(is_loopback_host("127.0.0.256"));
    EXPECT_FALSE(is_loopback_host("example.com"));
}

TEST(Expand, EveryPlaceholder)
{
    EXPECT_EQ(expand("a{i}b{i}", 7), "a7b7");
    EXPECT_EQ(expand("none", 7), "none");
}

const std::vector<std::string> kPub = {
    "--publishers",  "5",
    "--flv",         "x.flv",
    "--publish-url", "rtmp://127.0.56.1:1935/LiveApp/load{i}"};

TEST(Options, PublishersAndViewers)
{
    auto a = kPub;
    a.insert(a.end(),
             {"--viewers", "20", "--play-url",
              "http://127.0.56.1:5080/LiveApp/streams/load{i}.m3u8",
              "--distribution", "zipf:1.2", "--rendition", "bandwidth:1000000",
              "--duration", "20", "--reconnect", "--json", "-"});
    auto o = parse(a);
    ASSERT_TRUE(o.ok()) << o.error().message();
    EXPECT_EQ(o->publishers, 5u);
    EXPECT_EQ(o->viewers, 20u);
    EXPECT_EQ(o->streams, 5u) << "defaults to the publishers";
    EXPECT_DOUBLE_EQ(o->zipf_s, 1.2);
    EXPECT_EQ(*o->rendition.bandwidth_bps, 1000000u);
    EXPECT_TRUE(o->reconnect);
    EXPECT_EQ(o->json, "-");
    EXPECT_DOUBLE_EQ(o->duration_s, 20);
}

TEST(Options, RefusesRemoteTargetsUnlessAllowed)
{
    auto a = kPub;
    a[5] = "rtmp://192.0.2.1:1935/LiveApp/load{i}";
    auto o = parse(a);
    ASSERT_FALSE(o.ok());
    EXPECT_NE(o.error().message().find("--allow-remote"), std::string::npos);
    a.push_back("--allow-remote");
    EXPECT_TRUE(parse(a).ok());
    EXPECT_FALSE(
        parse({"--viewers", "1", "--play-url", "http://example.com/x.m3u8"})
            .ok());
    EXPECT_FALSE(parse({"--viewers", "2", "--streams", "2", "--play-url",
                        "http://127.0.0.{i}/x.m3u8"})
                     .ok())
        << "{i} in the host";
}

TEST(Options, SendInterval)
{
    EXPECT_DOUBLE_EQ(parse(kPub)->send_interval_s, 0.02);
    auto a = kPub;
    a.insert(a.end(), {"--send-interval", "50"});
    EXPECT_DOUBLE_EQ(parse(a)->send_interval_s, 0.05);
    a = kPub;
    a.insert(a.end(), {"--send-interval", "-1"});
    EXPECT_FALSE(parse(a).ok());
    a = kPub;
    a.insert(a.end(), {"--send-interval", "5000"});
    EXPECT_FALSE(parse(a).ok()) << "at most 1 s late";
}

TEST(SourceAddresses, Range)
{
    auto r = parse_address_range("127.0.200.254-127.0.201.1");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value(),
              (std::vector<std::string>{"127.0.200.254", "127.0.200.255",
                                        "127.0.201.0", "127.0.201.1"}));
    EXPECT_EQ(parse_address_range("127.0.0.9").value(),
              std::vector<std::string>{"127.0.0.9"});
    EXPECT_EQ(parse_address_range("127.0.0.0-127.0.255.255")->size(),
              kMaxSourceAddresses);
    EXPECT_FALSE(parse_address_range("127.0.0.0-127.1.0.0").ok()) << "cap";
    EXPECT_FALSE(parse_address_range("127.0.0.9-127.0.0.1").ok());
    EXPECT_FALSE(parse_address_range("127.0.0.1-").ok());
    EXPECT_FALSE(parse_address_range("::1").ok());
    EXPECT_FALSE(parse_address_range("127.0.0.256").ok());
    EXPECT_FALSE(parse_address_range("").ok());
}

TEST(SourceAddresses, ClientsTakeThemInTurn)
{
    auto a = kPub;
    a.insert(a.end(), {"--source-addresses", "127.0.9.1-127.0.9.2"});
    auto o = parse(a);
    ASSERT_TRUE(o.ok()) << o.error().message();
    EXPECT_EQ(source_address(o.value(), 0), "127.0.9.1");
    EXPECT_EQ(source_address(o.value(), 1), "127.0.9.2");
    EXPECT_EQ(source_address(o.value(), 2), "127.0.9.1");
    EXPECT_EQ(source_address(parse(kPub).value(), 7), "");

    a = kPub;
    a.insert(a.end(), {"--source-addresses", "192.0.2.1-192.0.2.3"});
    EXPECT_FALSE(parse(a).ok()) << "off loopback";
    a.push_back("--allow-remote");
    EXPECT_TRUE(parse(a).ok());
    a = kPub;
    a.insert(a.end(), {"--source-addresses", "localhost"});
    EXPECT_FALSE(parse(a).ok()) << "addresses, not names";
}

TEST(Options, Errors)
{
    EXPECT_FALSE(parse({}).ok()) << "nothing to do";
    EXPECT_FALSE(parse({"--bogus"}).ok());
    EXPECT_FALSE(parse({"--viewers"}).ok());
    EXPECT_FALSE(
        parse({"--viewers", "x", "--play-url", "http://127.0.0.1/a"}).ok());
    EXPECT_FALSE(parse({"--publishers", "1"}).ok()) << "no URL, no FLV";
    auto a = kPub;
    a.insert(a.end(), {"--duration", "0"});
    EXPECT_FALSE(parse(a).ok()) << "a run has a duration";
    a = kPub;
    a.insert(a.end(), {"--duration", "1e9"});
    EXPECT_FALSE(parse(a).ok()) << "bounded";
    a = kPub;
    a.insert(a.end(), {"--max-connections", "4"});
    EXPECT_FALSE(parse(a).ok());
    a = kPub;
    a[5] = "http://127.0.0.1/LiveApp/load";
    EXPECT_FALSE(parse(a).ok()) << "publish needs rtmp://";
    a = kPub;
    a.insert(a.end(), {"--distribution", "pareto"});
    EXPECT_FALSE(parse(a).ok());
}

}  // namespace
}  // namespace fanout::load
