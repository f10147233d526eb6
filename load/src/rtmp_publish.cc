#include "rtmp_publish.h"

#include "ingest/rtmp/amf0.h"

namespace fanout::load {

using namespace ingest::rtmp;
using V = Amf0Value;

namespace {
constexpr size_t kServerHandshake = 1 + 2 * kHandshakeSize;
constexpr uint32_t kCommandCsid = 3, kStreamCsid = 8;
constexpr uint32_t kAudioCsid = 4, kVideoCsid = 6, kDataCsid = 5;
// Transaction ids: connect 1, releaseStream 2, FCPublish 3, createStream 4.
constexpr double kConnectTxn = 1, kCreateStreamTxn = 4;

// The status object's code and description among a command's values.
std::string status_of(const std::vector<V>& values)
{
    for (const V& v : values) {
        if (v.has_properties() && v.get("code")) {
            std::string d = v.get_string("description");
            return v.get_string("code") + (d.empty() ? "" : " (" + d + ")");
        }
    }
    return "no status";
}
}  // namespace

std::vector<uint8_t> make_c0c1(uint32_t time, const RandomFill& random)
{
    std::vector<uint8_t> b(1 + kHandshakeSize, 0);
    b[0] = kRtmpVersion;
    for (int i = 0; i < 4; i++)
        b[1 + i] = uint8_t(time >> (24 - 8 * i));
    random(b.data() + 9, b.size() - 9);  // bytes 5..8 stay zero: simple form
    return b;
}

Result<std::vector<uint8_t>> make_c2(std::span<const uint8_t> s0s1s2)
{
    if (s0s1s2.size() != kServerHandshake)
        return Error("handshake reply of " + std::to_string(s0s1s2.size())
                     + " bytes");
    if (s0s1s2[0] != kRtmpVersion)
        return Error("RTMP version " + std::to_string(s0s1s2[0]));
    auto s1 = s0s1s2.subspan(1, kHandshakeSize);
    return std::vector<uint8_t>(s1.begin(), s1.end());
}

PublishClient::PublishClient(std::string app, std::string tc_url,
                             std::string name, RandomFill random)
    : app_(std::move(app)),
      tc_url_(std::move(tc_url)),
      name_(std::move(name)),
      random_(std::move(random))
{
}

void PublishClient::start()
{
    auto c0c1 = make_c0c1(0, random_);
    out_.insert(out_.end(), c0c1.begin(), c0c1.end());
}

std::vector<uint8_t> PublishClient::take_output()
{
    std::vector<uint8_t> o;
    o.swap(out_);
    return o;
}

Status PublishClient::fail(std::string why)
{
    state_ = State::Failed;
    failure_ = std::move(why);
    return Error(failure_);
}

void PublishClient::command(uint32_t stream_id, const std::vector<V>& v)
{
    writer_.write(out_, stream_id == 0 ? kCommandCsid : kStreamCsid,
                  kCommandAmf0, stream_id, 0, amf0_encode_all(v));
}

Status PublishClient::feed_handshake(std::span<const uint8_t> in, size_t& used)
{
    const size_t need = kServerHandshake - in_.size();
    const size_t take = std::min(need, in.size());
    in_.insert(in_.end(), in.begin(), in.begin() + take);
    used = take;
    if (in_.size() < kServerHandshake) return {};
    Result<std::vector<uint8_t>> c2 = make_c2(in_);
    in_.clear();
    if (!c2) return fail(c2.error().message());
    out_.insert(out_.end(), c2->begin(), c2->end());
    writer_.write(out_, 2, kSetChunkSize, 0, 0, u32_payload(kChunkSize));
    writer_.set_chunk_size(kChunkSize);
    command(0, {V::string("connect"), V::number(kConnectTxn),
                V::object()
                    .set("app", V::string(app_))
                    .set("type", V::string("nonprivate"))
                    .set("flashVer",
                         V::string("FMLE/3.0 (compatible; fanout-load)"))
                    .set("tcUrl", V::string(tc_url_))});
    state_ = State::Connecting;
    return {};
}

Status PublishClient::feed(std::span<const uint8_t> in)
{
    if (state_ == State::Failed) return Error(failure_);
    size_t used = 0;
    if (state_ == State::Handshake) {
        if (Status s = feed_handshake(in, used); !s) return s;
        if (state_ == State::Handshake) return {};
    }
    bytes_in_ += in.size() - used;
    in_.insert(in_.end(), in.begin() + used, in.end());
    size_t at = 0;
    Status status;
    while (status) {
        Message m;
        ChunkResult r = reader_.read(std::span(in_).subspan(at), m);
        at += r.consumed;
        if (r.status == ParseStatus::Error) {
            status = fail("chunk stream: " + r.error->message());
        } else if (r.status == ParseStatus::NeedMoreData) {
            break;
        } else {
            status = on_message(m);
        }
    }
    in_.erase(in_.begin(), in_.begin() + long(at));
    if (ack_window_ && bytes_in_ - acked_ >= ack_window_) {
        acked_ = bytes_in_;
        writer_.write(out_, 2, kAcknowledgement, 0, 0,
                      u32_payload(uint32_t(bytes_in_)));
    }
    return status;
}

Status PublishClient::on_message(const Message& m)
{
    std::span<const uint8_t> p = m.payload;
    if (m.type == kWindowAckSize && p.size() >= 4) {
        ack_window_ = uint32_t(p[0]) << 24 | p[1] << 16 | p[2] << 8 | p[3];
    } else if (m.type == kUserControl && p.size() >= 6 && p[0] == 0
               && p[1] == kPingRequest) {
        uint32_t v = uint32_t(p[2]) << 24 | p[3] << 16 | p[4] << 8 | p[5];
        writer_.write(out_, 2, kUserControl, 0, 0,
                      user_control_payload(kPingResponse, v));
    } else if (m.type == kCommandAmf0) {
        return on_command(m);
    }
    return {};
}

Status PublishClient::on_command(const Message& m)
{
    Result<std::vector<V>> values = amf0_decode(m.payload);
    if (!values) return fail("AMF0: " + values.error().message());
    const std::vector<V>& v = values.value();
    if (v.size() < 2 || !v[0].is_string()) return {};
    const std::string& name = v[0].as_string();
    const double txn = v[1].as_number();
    if (name == "_error") return fail(status_of(v));
    if (name == "onStatus") {
        const std::string code = status_of(v);
        if (code.rfind("NetStream.Publish.Start", 0) == 0) {
            if (state_ == State::Starting) state_ = State::Publishing;
            return {};
        }
        for (const V& x : v)
            if (x.has_properties() && x.get_string("level") == "error")
                return fail(code);
        return {};
    }
    if (name != "_result") return {};
    if (txn == kConnectTxn && state_ == State::Connecting) {
        command(0, {V::string("releaseStream"), V::number(2), V::null(),
                    V::string(name_)});
        command(0, {V::string("FCPublish"), V::number(3), V::null(),
                    V::string(name_)});
        command(0, {V::string("createStream"), V::number(kCreateStreamTxn),
                    V::null()});
        state_ = State::CreatingStream;
    } else if (txn == kCreateStreamTxn && state_ == State::CreatingStream) {
        if (v.size() < 4 || !v[3].is_number() || v[3].as_number() < 1)
            return fail("createStream answered without a stream id");
        stream_id_ = uint32_t(v[3].as_number());
        command(stream_id_, {V::string("publish"), V::number(5), V::null(),
                             V::string(name_), V::string("live")});
        state_ = State::Starting;
    }
    return {};
}

void PublishClient::send_media(uint8_t type, uint32_t timestamp,
                               std::span<const uint8_t> body)
{
    if (state_ != State::Publishing) return;
    const uint32_t csid = type == kAudio   ? kAudioCsid
                          : type == kVideo ? kVideoCsid
                                           : kDataCsid;
    writer_.write(out_, csid, type, stream_id_, timestamp, body);
}

}  // namespace fanout::load
