// tests/origin/ingest/session_test.cc — the RTMP session state machine,
// driven byte for byte as a publisher would, without sockets: connect,
// publish, admission, metadata and timestamps.
#include "ingest/rtmp/session.h"

#include <gtest/gtest.h>

#include "session_fixture.h"

namespace fanout::ingest::rtmp {
namespace {

TEST_F(SessionTest, ConnectReplies)
{
    connect();
    ASSERT_GE(got.size(), 4u);
    EXPECT_EQ(got[0].type, kWindowAckSize);
    EXPECT_EQ(got[0].payload, hex("004c4b40"));
    EXPECT_EQ(got[1].type, kSetPeerBandwidth);
    EXPECT_EQ(got[1].payload, hex("004c4b40 02"));
    EXPECT_EQ(got[2].type, kSetChunkSize);
    EXPECT_EQ(got[2].payload, hex("00001000"));
    auto result = Client::amf(got[3]);
    ASSERT_EQ(result.size(), 4u);
    EXPECT_EQ(result[0].as_string(), "_result");
    EXPECT_EQ(result[1].as_number(), 1);
    EXPECT_FALSE(result[2].get_string("fmsVer").empty());
    EXPECT_EQ(result[2].get_number("capabilities"), 31);
    EXPECT_EQ(result[3].get_string("code"), "NetConnection.Connect.Success");
    EXPECT_EQ(result[3].get_string("level"), "status");
    EXPECT_EQ(result[3].get_number("objectEncoding", -1), 0);
    EXPECT_EQ(session->app(), "LiveApp");
}

TEST_F(SessionTest, PublishFlowBuffersUntilAuthorized)
{
    publish("test1?token=abc", "LiveApp?ignored=1");
    ASSERT_NE(find("onFCPublish"), nullptr);
    const Message* created = nullptr;
    for (const auto& m : got) {
        auto v = Client::amf(m);
        if (v.size() == 4 && v[0].as_string() == "_result"
            && v[1].as_number() == 4)
            created = &m;
    }
    ASSERT_NE(created, nullptr);
    EXPECT_EQ(Client::amf(*created)[3].as_number(), 1);

    ASSERT_EQ(control.requests.size(), 1u);
    const PublishRequest& req = control.requests[0];
    EXPECT_EQ(req.key.app, "LiveApp");
    EXPECT_EQ(req.key.id, "test1");
    EXPECT_EQ(req.query, "token=abc");
    EXPECT_EQ(req.client, "192.0.2.7:50000");
    EXPECT_EQ(req.protocol, "RTMP");
    EXPECT_EQ(find("NetStream.Publish.Start"), nullptr);

    // Media before the answer is held.
    ASSERT_TRUE(media(kVideo, 0, avc_header()));
    ASSERT_TRUE(media(kVideo, 0, avc_key()));
    ASSERT_TRUE(media(kAudio, 0, aac_header()));
    ASSERT_TRUE(media(kAudio, 23, aac_frame()));
    auto sink = std::make_shared<RecordingSink>();
    bool notified = false;
    session->set_async_output([&] {
        notified = true;
        pump();
    });
    control.answer(std::shared_ptr<media::StreamSink>(sink));
    EXPECT_TRUE(notified);
    EXPECT_TRUE(session->publishing());
    ASSERT_NE(find("NetStream.Publish.Start"), nullptr);
    bool stream_begin = false;
    for (const auto& m : got) {
        if (m.type == kUserControl && m.payload == hex("0000 00000001"))
            stream_begin = true;
    }
    EXPECT_TRUE(stream_begin);
    EXPECT_EQ(sink->log, (std::vector<std::string>{"video_config", "video",
                                                   "audio_config", "audio"}));
    EXPECT_EQ(sink->videos[0].width, 640);
    EXPECT_EQ(sink->frames[1].dts_ms, 23);

    ASSERT_TRUE(media(kVideo, 40, avc_inter()));
    EXPECT_EQ(sink->frames.size(), 3u);
    EXPECT_EQ(sink->frames[2].dts_ms, 40);
    EXPECT_FALSE(sink->frames[2].keyframe);
    // Started publishes are the control's to count (publish_gate.cc).
    EXPECT_EQ(metrics.publishers, 0u);
    EXPECT_EQ(metrics.publishes_total, 0u);

    ASSERT_TRUE(send(client.command(0, {V::string("FCUnpublish"), V::number(6),
                                        V::null(), V::string("test1")})));
    EXPECT_EQ(sink->ends, 1);
    ASSERT_TRUE(send(client.command(0, {V::string("deleteStream"), V::number(7),
                                        V::null(), V::number(1)})));
    session->close();
    session.reset();
    EXPECT_EQ(sink->ends, 1);
}

TEST_F(SessionTest, DeleteStreamEndsPublishOnce)
{
    control.immediate =
        std::shared_ptr<media::StreamSink>(std::make_shared<RecordingSink>());
    auto sink =
        std::static_pointer_cast<RecordingSink>(control.immediate->value());
    publish("s");
    ASSERT_TRUE(session->publishing());  // answered inside feed()
    ASSERT_NE(find("NetStream.Publish.Start"), nullptr);
    ASSERT_TRUE(send(client.command(0, {V::string("deleteStream"), V::number(7),
                                        V::null(), V::number(1)})));
    EXPECT_EQ(sink->ends, 1);
    EXPECT_FALSE(session->publishing());
    session.reset();
    EXPECT_EQ(sink->ends, 1);
}

TEST_F(SessionTest, DisconnectEndsPublish)
{
    control.immediate =
        std::shared_ptr<media::StreamSink>(std::make_shared<RecordingSink>());
    auto sink =
        std::static_pointer_cast<RecordingSink>(control.immediate->value());
    publish("s");
    session->close();
    EXPECT_EQ(sink->ends, 1);
    session->close();
    session.reset();
    EXPECT_EQ(sink->ends, 1);
}

// The origin lost the stream to another one: PublishRequest::revoke ends
// the publish, tells the publisher why and asks to close; a stale revoke
// (an earlier publish of this connection) changes nothing.
TEST_F(SessionTest, RevokeEndsThePublishAndClosesOnce)
{
    bool notified = false;
    session->set_async_output([&] { notified = true; });
    control.immediate =
        std::shared_ptr<media::StreamSink>(std::make_shared<RecordingSink>());
    auto sink =
        std::static_pointer_cast<RecordingSink>(control.immediate->value());
    publish("s");
    ASSERT_TRUE(session->publishing());
    ASSERT_EQ(control.requests.size(), 1u);
    ASSERT_TRUE(control.requests[0].revoke);
    control.requests[0].revoke("taken over");
    EXPECT_TRUE(notified);
    pump();
    EXPECT_EQ(sink->ends, 1);
    EXPECT_FALSE(session->publishing());
    EXPECT_TRUE(session->wants_close());
    const Message* m = find("NetStream.Publish.BadName");
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(Client::amf(*m)[3].get_string("description"), "taken over");
    control.requests[0].revoke("again");  // stale: nothing more
    EXPECT_EQ(sink->ends, 1);
}

TEST_F(SessionTest, AppQueryCarriesTokenWhenStreamHasNone)
{
    publish("test1", "LiveApp?token=xyz/");
    ASSERT_EQ(control.requests.size(), 1u);
    EXPECT_EQ(control.requests[0].key.app, "LiveApp");
    EXPECT_EQ(control.requests[0].query, "token=xyz/");
}

// A bad token (ingest::kPublishRejected) is NetStream.Publish.Rejected.
TEST_F(SessionTest, RejectedPublish)
{
    publish("test1?token=bad");
    control.answer(Error(kPublishRejected, "publish refused: invalid token"));
    pump();
    EXPECT_EQ(find("NetStream.Publish.BadName"), nullptr);
    const Message* m = find("NetStream.Publish.Rejected");
    ASSERT_NE(m, nullptr);
    auto info = Client::amf(*m)[3];
    EXPECT_EQ(info.get_string("level"), "error");
    EXPECT_EQ(info.get_string("description"), "publish refused: invalid token");
    EXPECT_TRUE(session->wants_close());
    EXPECT_FALSE(session->publishing());
}

TEST_F(SessionTest, RefusedPublish)
{
    publish("test1");
    control.answer(Error("stream key rejected"));
    pump();
    const Message* m = find("NetStream.Publish.BadName");
    ASSERT_NE(m, nullptr);
    auto info = Client::amf(*m)[3];
    EXPECT_EQ(info.get_string("level"), "error");
    EXPECT_EQ(info.get_string("description"), "stream key rejected");
    EXPECT_EQ(m->stream_id, 1u);
    EXPECT_TRUE(session->wants_close());
    EXPECT_FALSE(session->publishing());
    EXPECT_EQ(metrics.publishes_refused,
              0u);  // the control counted its own refusal
    // Whatever follows is ignored.
    EXPECT_TRUE(send(hex("ff ff ff ff")));
}

TEST_F(SessionTest, BadStreamNames)
{
    for (std::string name :
         {std::string(""), std::string("."), std::string(".."),
          std::string("../etc"), std::string("a b"), std::string("x/y"),
          std::string("caf\xc3\xa9"), std::string(128, 'a'),
          std::string("?token=1")}) {
        SCOPED_TRACE(name);
        control = FakeControl{};
        client = Client{};
        got.clear();
        make_session();
        publish(name);
        EXPECT_NE(find("NetStream.Publish.BadName"), nullptr);
        EXPECT_TRUE(session->wants_close());
        EXPECT_TRUE(control.requests.empty());
    }
    // The control never saw these: the session counts them.
    EXPECT_EQ(metrics.publishes_refused, 9u);
    client = Client{};
    got.clear();
    make_session();
    publish(std::string(127, 'a') + "?k=v");
    EXPECT_EQ(control.requests.size(), 1u);
}

TEST_F(SessionTest, BadAppName)
{
    publish("test1", "../x");
    EXPECT_NE(find("NetStream.Publish.BadName"), nullptr);
    EXPECT_TRUE(control.requests.empty());
}

TEST_F(SessionTest, AnswerAfterCloseEndsTheSink)
{
    publish("test1");
    session->close();
    auto sink = std::make_shared<RecordingSink>();
    control.answer(std::shared_ptr<media::StreamSink>(sink));
    EXPECT_EQ(sink->log, std::vector<std::string>{"end"});
}

TEST_F(SessionTest, AnswerAfterSessionDestroyedEndsTheSink)
{
    publish("test1");
    session.reset();
    auto sink = std::make_shared<RecordingSink>();
    control.answer(std::shared_ptr<media::StreamSink>(sink));
    EXPECT_EQ(sink->log, std::vector<std::string>{"end"});
}

TEST_F(SessionTest, UnpublishWhileAuthorizingThenPublishAgain)
{
    publish("first");
    ASSERT_TRUE(send(client.command(0, {V::string("FCUnpublish"), V::number(6),
                                        V::null(), V::string("first")})));
    ASSERT_TRUE(
        send(client.command(1, {V::string("publish"), V::number(7), V::null(),
                                V::string("second"), V::string("live")})));
    ASSERT_EQ(control.requests.size(), 2u);
    auto stale = std::make_shared<RecordingSink>();
    control.answer(std::shared_ptr<media::StreamSink>(stale));
    EXPECT_EQ(stale->log, std::vector<std::string>{"end"});
    auto live = std::make_shared<RecordingSink>();
    control.answer(std::shared_ptr<media::StreamSink>(live));
    EXPECT_TRUE(session->publishing());
    EXPECT_EQ(session->stream_id(), "second");
}

TEST_F(SessionTest, SecondPublishWhilePublishingIsRefused)
{
    control.immediate =
        std::shared_ptr<media::StreamSink>(std::make_shared<RecordingSink>());
    publish("one");
    ASSERT_TRUE(
        send(client.command(1, {V::string("publish"), V::number(9), V::null(),
                                V::string("two"), V::string("live")})));
    EXPECT_NE(find("NetStream.Publish.BadName"), nullptr);
    EXPECT_TRUE(session->wants_close());
    EXPECT_EQ(metrics.publishes_refused, 1u);
}

TEST_F(SessionTest, Metadata)
{
    auto sink = std::make_shared<RecordingSink>();
    control.immediate = std::shared_ptr<media::StreamSink>(sink);
    publish("m");
    auto meta = V::ecma_array()
                    .set("width", V::number(640))
                    .set("videodatarate", V::number(2500))
                    .set("audiodatarate", V::number(128));
    ASSERT_TRUE(
        send(client.message(4, kDataAmf0, 1, 0,
                            amf0_encode_all({V::string("@setDataFrame"),
                                             V::string("onMetaData"), meta}))));
    ASSERT_TRUE(send(client.message(
        4, kDataAmf0, 1, 0,
        amf0_encode_all({V::string("onMetaData"),
                         V::object().set("videodatarate", V::number(1000))}))));
    // No rates: nothing to report.  Unreadable AMF: ignored, not fatal.
    ASSERT_TRUE(send(client.message(
        4, kDataAmf0, 1, 0,
        amf0_encode_all({V::string("onMetaData"), V::object()}))));
    ASSERT_TRUE(send(client.message(4, kDataAmf0, 1, 0, hex("07 0001"))));
    EXPECT_EQ(sink->metadata, (std::vector<double>{2628, 1000}));
}

TEST_F(SessionTest, TimestampsUnwrapAcross32Bits)
{
    auto sink = std::make_shared<RecordingSink>();
    control.immediate = std::shared_ptr<media::StreamSink>(sink);
    publish("w");
    ASSERT_TRUE(media(kVideo, 0xffffff00u, avc_header()));
    ASSERT_TRUE(media(kVideo, 0xffffff00u, avc_key()));
    ASSERT_TRUE(media(kVideo, 0xfffffff0u, avc_inter()));
    ASSERT_TRUE(media(kVideo, 0x00000010u, avc_inter()));
    ASSERT_TRUE(media(kVideo, 0x00000050u, avc_inter()));
    ASSERT_EQ(sink->frames.size(), 4u);
    EXPECT_EQ(sink->frames[0].dts_ms, 0xffffff00LL);
    EXPECT_EQ(sink->frames[1].dts_ms, 0xfffffff0LL);
    EXPECT_EQ(sink->frames[2].dts_ms, 0x100000010LL);
    EXPECT_EQ(sink->frames[3].dts_ms, 0x100000050LL);
}

// A frame carries the arrival time of the feed that completed it, held
// frames included; the session reads no clock of its own.
TEST_F(SessionTest, FramesCarryWhenTheirLastByteArrived)
{
    using std::chrono::steady_clock;
    const steady_clock::time_point t1{std::chrono::seconds(100)};
    const steady_clock::time_point t2{std::chrono::seconds(200)};
    publish("stamped");
    ASSERT_TRUE(
        session->feed(client.message(6, kVideo, 1, 0, avc_header()), t1));
    const Bytes key = client.message(6, kVideo, 1, 0, avc_key());
    ASSERT_TRUE(session->feed(std::span(key).first(key.size() - 1), t1));
    ASSERT_TRUE(
        session->feed(std::span(key).last(1), t2));  // held: not authorized yet
    auto sink = std::make_shared<RecordingSink>();
    control.answer(std::shared_ptr<media::StreamSink>(sink));
    ASSERT_TRUE(
        session->feed(client.message(6, kVideo, 1, 40, avc_inter()), t1));
    ASSERT_TRUE(media(kVideo, 80, avc_inter()));  // no time given
    ASSERT_EQ(sink->frames.size(), 3u);
    EXPECT_EQ(sink->frames[0].received, t2);
    EXPECT_EQ(sink->frames[1].received, t1);
    EXPECT_EQ(sink->frames[2].received, steady_clock::time_point{});
}

}  // namespace
}  // namespace fanout::ingest::rtmp
