// tests/origin/ingest/session_fixture.h — SessionTest: an RtmpSession fed
// bytes as a publisher would send them, with its output and sink recorded.
// One fixture for session_test.cc (publishing) and session_protocol_test.cc.
#pragma once

#include <gtest/gtest.h>

#include "../media/test_vectors.h"
#include "ingest/rtmp/session.h"
#include "rtmp_test_client.h"

namespace fanout::ingest::rtmp {
namespace {

using fanout::test::cat;
using fanout::test::hex;
using test::Bytes;
using test::Client;
using test::command_name;
using test::FakeControl;
using test::RecordingSink;
using test::status_code;
using test::V;

Bytes avc_header()
{
    return cat(hex("1700000000"), hex(fanout::test::kAvcVectors[0].avcc_hex));
}
Bytes avc_key()
{
    return hex("1701000000 00000002 6588");
}
Bytes avc_inter()
{
    return hex("2701000000 00000002 419a");
}
Bytes aac_header()
{
    return hex("af00 1210");
}
Bytes aac_frame()
{
    return hex("af01 2100");
}

class SessionTest : public ::testing::Test {
protected:
    SessionTest() { make_session(); }

    void make_session()
    {
        SessionOptions opt;
        opt.client = "192.0.2.7:50000";
        session = RtmpSession::create(control, opt, &metrics);
    }

    Status send(const Bytes& b)
    {
        Status s = session->feed(b);
        pump();
        return s;
    }
    void pump()
    {
        Bytes c2;
        auto msgs = client.receive(session->take_output(), &c2);
        got.insert(got.end(), msgs.begin(), msgs.end());
        if (!c2.empty()) c2_ = c2;
    }
    void handshake()
    {
        ASSERT_TRUE(send(client.c0c1()));
        ASSERT_EQ(c2_.size(), 1536u);
        ASSERT_TRUE(send(c2_));
        ASSERT_TRUE(session->handshake_done());
    }
    void connect(const std::string& app = "LiveApp")
    {
        handshake();
        ASSERT_TRUE(send(client.command(
            0, {V::string("connect"), V::number(1),
                V::object()
                    .set("app", V::string(app))
                    .set("tcUrl", V::string("rtmp://127.0.0.1/" + app))})));
    }
    // releaseStream, FCPublish, createStream, publish — what ffmpeg sends.
    void publish(const std::string& name, const std::string& app = "LiveApp")
    {
        connect(app);
        ASSERT_TRUE(
            send(client.command(0, {V::string("releaseStream"), V::number(2),
                                    V::null(), V::string(name)})));
        ASSERT_TRUE(
            send(client.command(0, {V::string("FCPublish"), V::number(3),
                                    V::null(), V::string(name)})));
        ASSERT_TRUE(send(client.command(
            0, {V::string("createStream"), V::number(4), V::null()})));
        ASSERT_TRUE(send(
            client.command(1, {V::string("publish"), V::number(5), V::null(),
                               V::string(name), V::string("live")})));
    }
    Status media(uint8_t type, uint32_t ts, const Bytes& body,
                 uint32_t stream = 1)
    {
        return send(
            client.message(type == kVideo ? 6 : 4, type, stream, ts, body));
    }
    // The first command named `code_or_name`, or onStatus with that code
    // (onFCPublish also says NetStream.Publish.Start; it does not count).
    const Message* find(const std::string& code_or_name) const
    {
        for (const auto& m : got) {
            if (command_name(m) == code_or_name) return &m;
            if (command_name(m) == "onStatus" && status_code(m) == code_or_name)
                return &m;
        }
        return nullptr;
    }

    FakeControl control;
    Metrics metrics;
    std::shared_ptr<RtmpSession> session;
    Client client;
    std::vector<Message> got;
    Bytes c2_;
};

}  // namespace
}  // namespace fanout::ingest::rtmp
