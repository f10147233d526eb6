// tests/origin/ingest/session_protocol_test.cc — the RTMP session's
// protocol side: acknowledgements, pings, commands it refuses or ignores,
// protocol errors, and input cut at every byte.
#include "ingest/rtmp/session.h"

#include <gtest/gtest.h>

#include "session_fixture.h"

namespace fanout::ingest::rtmp {
namespace {

TEST_F(SessionTest, AcknowledgesEveryWindow)
{
    auto sink = std::make_shared<RecordingSink>();
    control.immediate = std::shared_ptr<media::StreamSink>(sink);
    publish("a");
    ASSERT_TRUE(
        send(client.message(2, kWindowAckSize, 0, 0, u32_payload(2000))));
    Bytes big = cat(hex("2701000000 000003e8"), Bytes(1000, 0x41));
    ASSERT_TRUE(media(kVideo, 0, avc_header()));
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(media(kVideo, 40u * i, big));
    std::vector<uint32_t> acks;
    for (const auto& m : got) {
        if (m.type == kAcknowledgement) {
            acks.push_back((uint32_t{m.payload[0]} << 24)
                           | (uint32_t{m.payload[1]} << 16)
                           | (uint32_t{m.payload[2]} << 8) | m.payload[3]);
        }
    }
    ASSERT_FALSE(acks.empty());
    EXPECT_GT(acks[0], 2000u);  // the count includes the handshake
}

TEST_F(SessionTest, PingIsAnswered)
{
    connect();
    ASSERT_TRUE(send(client.message(2, kUserControl, 0, 0,
                                    user_control_payload(kPingRequest, 77))));
    EXPECT_EQ(got.back().type, kUserControl);
    EXPECT_EQ(got.back().payload, user_control_payload(kPingResponse, 77));
}

TEST_F(SessionTest, UnknownCommands)
{
    connect();
    size_t before = got.size();
    ASSERT_TRUE(send(client.command(
        0, {V::string("getStreamLength"), V::number(0), V::null()})));
    EXPECT_EQ(got.size(), before);
    ASSERT_TRUE(send(
        client.command(0, {V::string("frobnicate"), V::number(7), V::null()})));
    ASSERT_EQ(got.size(), before + 1);
    auto v = Client::amf(got.back());
    EXPECT_EQ(v[0].as_string(), "_error");
    EXPECT_EQ(v[1].as_number(), 7);
}

TEST_F(SessionTest, PlayIsRefused)
{
    connect();
    ASSERT_TRUE(send(client.command(
        1, {V::string("play"), V::number(0), V::null(), V::string("x")})));
    EXPECT_NE(find("NetStream.Play.Failed"), nullptr);
    EXPECT_TRUE(session->wants_close());
}

TEST_F(SessionTest, TooManyStreams)
{
    connect();
    for (int i = 0; i < 9; ++i) {
        ASSERT_TRUE(send(client.command(
            0, {V::string("createStream"), V::number(10 + i), V::null()})));
    }
    EXPECT_EQ(command_name(got.back()), "_error");
}

TEST_F(SessionTest, Amf3CommandMessages)
{
    handshake();
    Bytes body =
        cat(hex("00"),
            amf0_encode_all({V::string("connect"), V::number(1),
                             V::object().set("app", V::string("LiveApp"))}));
    ASSERT_TRUE(send(client.message(3, kCommandAmf3, 0, 0, body)));
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(status_code(got.back()), "NetConnection.Connect.Success");
}

TEST_F(SessionTest, ProtocolErrors)
{
    handshake();
    Status before = send(client.command(
        0, {V::string("createStream"), V::number(2), V::null()}));
    ASSERT_FALSE(before);
    EXPECT_EQ(before.error().message(),
              "command 'createStream' before connect");

    make_session();
    client = Client{};
    connect();
    Status again = send(
        client.command(0, {V::string("connect"), V::number(2), V::object()}));
    EXPECT_FALSE(again);

    make_session();
    client = Client{};
    connect();
    EXPECT_FALSE(send(client.message(3, kCommandAmf0, 0, 0,
                                     hex("07 0001"))));  // AMF0 reference

    make_session();
    client = Client{};
    handshake();
    EXPECT_FALSE(
        send(client.message(2, kSetChunkSize, 0, 0, u32_payload(0x7fffffff))));
}

TEST_F(SessionTest, UnsupportedCodecIsAnError)
{
    auto sink = std::make_shared<RecordingSink>();
    control.immediate = std::shared_ptr<media::StreamSink>(sink);
    publish("c");
    Status s = media(kVideo, 0, hex("2200"));
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message(),
              "video codec id 2 (Sorenson H.263) not supported");
    session->close();
    EXPECT_EQ(sink->ends, 1);
}

TEST_F(SessionTest, MediaWithoutPublishIsDropped)
{
    connect();
    EXPECT_TRUE(media(kVideo, 0, avc_header()));
    EXPECT_TRUE(media(kVideo, 0, hex("2200")));  // not even parsed
}

TEST_F(SessionTest, ByteAtATimeMatchesAllAtOnce)
{
    // A whole publish, recorded as one byte string.
    Client c;
    Bytes all = c.c0c1();
    all.resize(all.size() + 1536, 0x11);  // an odd C2: accepted
    auto add = [&](const Bytes& b) {
        all.insert(all.end(), b.begin(), b.end());
    };
    add(c.set_chunk_size(60));
    add(c.command(0, {V::string("connect"), V::number(1),
                      V::object().set("app", V::string("LiveApp"))}));
    add(c.command(0, {V::string("createStream"), V::number(2), V::null()}));
    add(c.command(1, {V::string("publish"), V::number(3), V::null(),
                      V::string("s"), V::string("live")}));
    add(c.message(6, kVideo, 1, 0, avc_header()));
    add(c.message(4, kAudio, 1, 0, aac_header()));
    for (uint32_t i = 0; i < 10; ++i) {
        add(c.message(6, kVideo, 1, 40 * i,
                      i % 5 == 0 ? avc_key() : avc_inter()));
        add(c.message(4, kAudio, 1, 23 * i, aac_frame()));
    }

    auto run = [&](size_t step) {
        auto sink = std::make_shared<RecordingSink>();
        FakeControl ctl;
        ctl.immediate = std::shared_ptr<media::StreamSink>(sink);
        auto s = RtmpSession::create(ctl, SessionOptions{});
        for (size_t at = 0; at < all.size(); at += step) {
            const size_t n = std::min(step, all.size() - at);
            EXPECT_TRUE(s->feed(std::span(all).subspan(at, n)));
        }
        s.reset();
        return sink;
    };
    auto whole = run(all.size());
    auto bytewise = run(1);
    EXPECT_EQ(whole->log.size(), 2u + 20u + 1u);
    EXPECT_EQ(whole->log, bytewise->log);
    ASSERT_EQ(whole->frames.size(), bytewise->frames.size());
    for (size_t i = 0; i < whole->frames.size(); ++i) {
        EXPECT_EQ(whole->frames[i].dts_ms, bytewise->frames[i].dts_ms);
        EXPECT_EQ(whole->frames[i].data, bytewise->frames[i].data);
    }
}

TEST(SessionHelpers, SplitAndValidate)
{
    EXPECT_EQ(split_query("a?b=c?d"),
              (std::pair<std::string, std::string>{"a", "b=c?d"}));
    EXPECT_EQ(split_query("plain"),
              (std::pair<std::string, std::string>{"plain", ""}));
    EXPECT_TRUE(valid_stream_id("Stream_1.2-x"));
    EXPECT_TRUE(valid_stream_id("..."));
    EXPECT_FALSE(valid_stream_id(".."));
    EXPECT_FALSE(valid_stream_id("a\nb"));
}

}  // namespace
}  // namespace fanout::ingest::rtmp
