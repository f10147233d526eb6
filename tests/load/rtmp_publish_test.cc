// tests/load/rtmp_publish_test.cc — the publisher's side of RTMP
// (load/src/rtmp_publish.h): the handshake as byte vectors, then whole
// publishes against the origin's own RtmpSession (no socket), accepted
// and refused.
#include "rtmp_publish.h"

#include <gtest/gtest.h>

#include "flv_bytes.h"
#include "ingest/rtmp/session.h"
#include "ingest/rtmp_test_client.h"

namespace fanout::load {
namespace {

using namespace ingest::rtmp;
using ingest::kPublishRejected;
using ingest::PublishDecision;
using test::Bytes;
using test::hex;

void fill(uint8_t* p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = uint8_t(i * 7 + 1);
}

TEST(ClientHandshake, C0C1IsTheSimpleForm)
{
    Bytes b = make_c0c1(0x01020304, fill);
    ASSERT_EQ(b.size(), 1537u);
    EXPECT_EQ(b[0], 3);
    EXPECT_EQ(Bytes(b.begin() + 1, b.begin() + 9), hex("01020304 00000000"));
    EXPECT_EQ(b[9], 1);
    EXPECT_EQ(b[10], 8);
}

TEST(ClientHandshake, C2EchoesS1)
{
    Bytes s(3073);
    fill(s.data(), s.size());
    s[0] = 3;
    auto c2 = make_c2(s);
    ASSERT_TRUE(c2.ok());
    EXPECT_EQ(c2.value(), Bytes(s.begin() + 1, s.begin() + 1537));
    s[0] = 6;
    EXPECT_FALSE(make_c2(s).ok()) << "RTMPE's version byte";
    EXPECT_FALSE(make_c2(Bytes(100, 3)).ok());
}

TEST(ClientHandshake, ServerAcceptsIt)
{
    ServerHandshake server(fill);
    Bytes c0c1 = make_c0c1(0, fill), out;
    size_t used = 0;
    std::optional<Error> error;
    EXPECT_EQ(server.feed(c0c1, used, out, error), ParseStatus::NeedMoreData);
    auto c2 = make_c2(out);
    ASSERT_TRUE(c2.ok());
    EXPECT_EQ(server.feed(c2.value(), used, out, error), ParseStatus::Parsed);
    EXPECT_EQ(server.kind(), HandshakeKind::Simple);
    EXPECT_TRUE(server.c2_ok());
}

// A PublishClient and the origin's session, bytes pumped both ways.
struct Pair {
    explicit Pair(std::string name)
        : client("LiveApp", "rtmp://127.0.0.1:1935/LiveApp", std::move(name),
                 fill)
    {
        session = RtmpSession::create(control, {}, nullptr);
    }
    Status pump()
    {
        for (int i = 0; i < 20; i++) {
            Bytes to_server = client.take_output();
            if (!to_server.empty())
                if (Status s = session->feed(to_server); !s) return s;
            Bytes to_client = session->take_output();
            if (to_server.empty() && to_client.empty()) return {};
            if (!to_client.empty())
                if (Status s = client.feed(to_client); !s) return s;
        }
        return Error("no quiescence");
    }
    ingest::rtmp::test::FakeControl control;
    std::shared_ptr<RtmpSession> session;
    PublishClient client;
};

TEST(PublishClient, PublishesAndItsMediaArrives)
{
    Pair p("cam1?token=abc");
    auto sink = std::make_shared<fanout::test::RecordingSink>();
    p.control.immediate = PublishDecision(sink);
    p.client.start();
    ASSERT_TRUE(p.pump());
    ASSERT_EQ(p.client.state(), PublishClient::State::Publishing)
        << p.client.failure();
    ASSERT_EQ(p.control.requests.size(), 1u);
    EXPECT_EQ(p.control.requests[0].key.app, "LiveApp");
    EXPECT_EQ(p.control.requests[0].key.id, "cam1");
    EXPECT_EQ(p.control.requests[0].query, "token=abc");

    // onMetaData as an FLV script tag carries it: {videodatarate: 800}.
    p.client.send_media(kDataAmf0, 0,
                        hex("02000a6f6e4d65746144617461 08 00000001"
                            "000d766964656f64617461726174650040890000"
                            "00000000 000009"));
    p.client.send_media(kVideo, 0, test::avc_header());
    p.client.send_media(kAudio, 0, test::aac_header());
    p.client.send_media(kVideo, 0, test::avc_key());
    Bytes big = test::avc_key();  // a frame over the 4096-byte chunk size
    big.resize(10000, 0x11);
    big[7] = 0x27, big[8] = 0x07;  // NAL length 10000 - 9 = 0x2707
    p.client.send_media(kVideo, 40, big);
    p.client.send_media(kAudio, 70000, test::aac_frame());
    ASSERT_TRUE(p.pump());
    ASSERT_EQ(sink->metadata.size(), 1u);
    EXPECT_EQ(sink->metadata[0], 800);
    EXPECT_EQ(sink->videos.size(), 1u);
    EXPECT_EQ(sink->audios.size(), 1u);
    ASSERT_EQ(sink->frames.size(), 3u);
    EXPECT_EQ(sink->frames[1].dts_ms, 40);
    EXPECT_EQ(sink->frames[1].data.size(), 10000u - 5);
    EXPECT_EQ(sink->frames[2].dts_ms, 70000);
}

TEST(PublishClient, RefusalIsAFailureWithItsCode)
{
    Pair p("cam2");
    p.control.immediate = PublishDecision(Error(kPublishRejected, "bad token"));
    p.client.start();
    Status s = p.pump();
    ASSERT_FALSE(s);
    EXPECT_EQ(p.client.state(), PublishClient::State::Failed);
    EXPECT_NE(p.client.failure().find("NetStream.Publish.Rejected"),
              std::string::npos)
        << p.client.failure();
    p.client.send_media(kVideo, 0, test::avc_key());
    EXPECT_FALSE(p.client.has_output()) << "no media after a refusal";
}

TEST(PublishClient, AnswersPingsAndRejectsGarbage)
{
    PublishClient c("a", "rtmp://h/a", "s", fill);
    c.start();
    Bytes s(3073, 0);
    s[0] = 3;
    ASSERT_TRUE(c.feed(s));
    EXPECT_EQ(c.state(), PublishClient::State::Connecting);
    (void)c.take_output();
    ChunkWriter w;
    Bytes ping;
    w.write(ping, 2, kUserControl, 0, 0,
            user_control_payload(kPingRequest, 77));
    ASSERT_TRUE(c.feed(ping));
    ChunkReader r;
    Message m;
    Bytes out = c.take_output();
    ASSERT_EQ(r.read(out, m).status, ParseStatus::Parsed);
    EXPECT_EQ(m.type, kUserControl);
    EXPECT_EQ(Bytes(m.payload.begin(), m.payload.end()),
              user_control_payload(kPingResponse, 77));
    // A chunk whose message is over the reader's limit.
    EXPECT_FALSE(c.feed(hex("03 000000 ffffff 14 00000000")));
    EXPECT_EQ(c.state(), PublishClient::State::Failed);
}

}  // namespace
}  // namespace fanout::load
