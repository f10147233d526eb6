// ingest/rtmp/session.cc — see session.h.
#include "ingest/rtmp/session.h"

#include <cmath>
#include <utility>

namespace fanout::ingest::rtmp {
namespace {

// Chunk stream ids for what we send: protocol control on 2 (required),
// connection-level commands on 3, stream-level status on 5 (as FMS and SRS).
constexpr uint32_t kControlCsid = 2;
constexpr uint32_t kCommandCsid = 3;
constexpr uint32_t kStatusCsid = 5;
constexpr uint32_t kMaxStreams = 8;  // createStream calls per connection
constexpr uint8_t kDynamicLimit = 2;  // Set Peer Bandwidth limit type

// Restores a flag when a scope ends, whichever way it ends.
struct FlagScope {
    explicit FlagScope(bool& f) : flag(f) { flag = true; }
    ~FlagScope() { flag = false; }
    bool& flag;
};

std::string printable(std::string_view s)
{
    std::string out;
    for (char c : s.substr(0, 64))
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    return out;
}

// AMF0 numbers are doubles; NaN or out-of-range must not reach a cast.
uint32_t to_u32(const Amf0Value& v)
{
    const double d = v.as_number();
    return (v.is_number() && d >= 0 && d <= 4294967295.0)
               ? static_cast<uint32_t>(d)
               : 0;
}

}  // namespace

std::pair<std::string, std::string> split_query(std::string_view s)
{
    const size_t q = s.find('?');
    if (q == std::string_view::npos) return {std::string(s), {}};
    return {std::string(s.substr(0, q)), std::string(s.substr(q + 1))};
}

std::shared_ptr<RtmpSession> RtmpSession::create(PublishControl& control,
                                                 SessionOptions options,
                                                 Metrics* metrics,
                                                 SessionLog log)
{
    return std::shared_ptr<RtmpSession>(
        new RtmpSession(control, std::move(options), metrics, std::move(log)));
}

RtmpSession::RtmpSession(PublishControl& control, SessionOptions options,
                         Metrics* metrics, SessionLog log)
    : control_(control),
      opt_(std::move(options)),
      metrics_(metrics),
      log_(std::move(log)),
      handshake_(opt_.random),
      reader_(opt_.chunk_limits)
{
}

RtmpSession::~RtmpSession()
{
    close();
}

void RtmpSession::close()
{
    if (closed_) return;
    closed_ = true;
    end_publish("connection closed");
}

std::vector<uint8_t> RtmpSession::take_output()
{
    std::vector<uint8_t> out;
    out.swap(out_);
    return out;
}

void RtmpSession::note(bool info, const std::string& text) const
{
    const auto& fn = info ? log_.info : log_.debug;
    if (fn) fn(text);
}

Status RtmpSession::feed(std::span<const uint8_t> bytes,
                         std::chrono::steady_clock::time_point received)
{
    if (closed_ || close_requested_) return {};
    FlagScope scope(in_feed_);
    received_ = received;
    bytes_in_ += bytes.size();

    size_t used = 0;
    Status st;
    if (pending_in_.empty()) {
        st = process(bytes, used);
        if (st)
            pending_in_.assign(bytes.begin() + static_cast<long>(used),
                               bytes.end());
    } else {
        pending_in_.insert(pending_in_.end(), bytes.begin(), bytes.end());
        st = process(pending_in_, used);
        if (st)
            pending_in_.erase(pending_in_.begin(),
                              pending_in_.begin() + static_cast<long>(used));
    }
    if (!st) return st;
    if (close_requested_) pending_in_.clear();

    // Acknowledge every window of bytes received, once per feed: a tiny
    // window from the client must not turn every chunk into a reply.
    if (ack_window_ > 0 && bytes_in_ - last_ack_ >= ack_window_) {
        last_ack_ = bytes_in_;
        send(kControlCsid, kAcknowledgement, 0,
             u32_payload(static_cast<uint32_t>(bytes_in_)));
    }
    return {};
}

Status RtmpSession::process(std::span<const uint8_t> in, size_t& used)
{
    if (!handshake_.done()) {
        std::optional<Error> err;
        size_t consumed = 0;
        const media::ParseStatus s = handshake_.feed(in, consumed, out_, err);
        used += consumed;
        if (s == media::ParseStatus::Error) return *err;
        if (s == media::ParseStatus::NeedMoreData) return {};
        if (!handshake_.c2_ok()) {
            note(false,
                 "rtmp " + opt_.client + ": C2 does not match S1 (accepted)");
        }
    }
    while (!close_requested_ && !closed_) {
        Message m;
        ChunkResult r = reader_.read(in.subspan(used), m);
        used += r.consumed;
        if (r.status == media::ParseStatus::Error) return *r.error;
        if (r.status == media::ParseStatus::NeedMoreData) return {};
        if (Status s = handle_message(m); !s) return s;
    }
    return {};
}

Status RtmpSession::handle_message(const Message& m)
{
    std::span<const uint8_t> body = m.payload;
    switch (m.type) {
        case kWindowAckSize:
            if (body.size() >= 4) {
                ack_window_ = (uint32_t{body[0]} << 24)
                              | (uint32_t{body[1]} << 16)
                              | (uint32_t{body[2]} << 8) | body[3];
            }
            return {};
        case kUserControl:
            if (body.size() >= 6 && body[0] == 0 && body[1] == kPingRequest) {
                const uint32_t t = (uint32_t{body[2]} << 24)
                                   | (uint32_t{body[3]} << 16)
                                   | (uint32_t{body[4]} << 8) | body[5];
                send(kControlCsid, kUserControl, 0,
                     user_control_payload(kPingResponse, t));
            }
            return {};
        case kCommandAmf3:
            // AMF3 command messages start with a format byte; what follows is
            // AMF0 for every publisher we know of.
            return handle_command(m, body.empty() ? body : body.subspan(1));
        case kCommandAmf0:
            return handle_command(m, body);
        case kDataAmf3:
            return handle_data(m, body.empty() ? body : body.subspan(1));
        case kDataAmf0:
            return handle_data(m, body);
        case kAudio:
        case kVideo:
        case kAggregate:
            return handle_media(m);
        default:
            // Set Chunk Size and Abort are applied by the reader; Acknowledgement,
            // Set Peer Bandwidth and shared objects need nothing from us.
            return {};
    }
}

Status RtmpSession::handle_command(const Message& m,
                                   std::span<const uint8_t> body)
{
    Result<std::vector<Amf0Value>> values = amf0_decode(body, opt_.amf0_limits);
    if (!values) return values.error().wrap("command message");
    std::vector<Amf0Value>& v = values.value();
    if (v.empty() || !v[0].is_string())
        return Error("command message without a name");
    const std::string& name = v[0].as_string();
    const double txn = v.size() > 1 ? v[1].as_number() : 0;
    // Arguments after the command object (which is null for most commands).
    std::vector<Amf0Value> args(v.size() > 2 ? v.begin() + 2 : v.end(),
                                v.end());

    if (name == "connect") return on_connect(txn, args);
    if (!connected_)
        return Error("command '" + printable(name) + "' before connect");

    if (name == "releaseStream" || name == "FCPublish") {
        send_result(txn);
        if (name == "FCPublish") {
            // Some encoders (Wirecast, FMLE) wait for this before publish.
            std::string stream = args.size() > 1 ? args[1].as_string() : "";
            send_command(
                0,
                {Amf0Value::string("onFCPublish"), Amf0Value::number(0),
                 Amf0Value::null(),
                 Amf0Value::object()
                     .set("code", Amf0Value::string("NetStream.Publish.Start"))
                     .set("description", Amf0Value::string(stream))});
        }
        return {};
    }
    if (name == "createStream") return on_create_stream(txn);
    if (name == "publish") return on_publish(m, txn, args);
    if (name == "FCUnpublish") {
        end_publish("FCUnpublish");
        send_result(txn);
        return {};
    }
    if (name == "deleteStream" || name == "closeStream") {
        const uint32_t id = name == "deleteStream" && args.size() > 1
                                ? to_u32(args[1])
                                : m.stream_id;
        if (state_ != PublishState::Idle && id == publish_stream_)
            end_publish(name.c_str());
        return {};
    }
    if (name == "play" || name == "play2") {
        send_status(m.stream_id, "error", "NetStream.Play.Failed",
                    "this port accepts publishers only");
        close_requested_ = true;
        return {};
    }
    if (name == "_result" || name == "_error" || name == "onStatus"
        || name == "onBWDone" || name == "_checkbw") {
        return {};
    }
    if (txn != 0) send_call_failed(txn, "unknown command " + printable(name));
    note(false, "rtmp " + opt_.client + ": ignored command " + printable(name));
    return {};
}

Status RtmpSession::on_create_stream(double txn)
{
    if (streams_created_ >= kMaxStreams) {
        send_call_failed(txn, "too many streams");
        return {};
    }
    ++streams_created_;
    send_command(0, {Amf0Value::string("_result"), Amf0Value::number(txn),
                     Amf0Value::null(), Amf0Value::number(streams_created_)});
    return {};
}

void RtmpSession::send_call_failed(double txn, const std::string& description)
{
    send_command(
        0,
        {Amf0Value::string("_error"), Amf0Value::number(txn), Amf0Value::null(),
         Amf0Value::object()
             .set("level", Amf0Value::string("error"))
             .set("code", Amf0Value::string("NetConnection.Call.Failed"))
             .set("description", Amf0Value::string(description))});
}

Status RtmpSession::on_connect(double txn, const std::vector<Amf0Value>& args)
{
    if (connected_) return Error("second connect");
    if (args.empty() || !args[0].has_properties())
        return Error("connect without a command object");
    auto [app, query] = split_query(args[0].get_string("app"));
    while (!app.empty() && app.back() == '/')
        app.pop_back();
    app_ = std::move(app);
    app_query_ = std::move(query);
    connected_ = true;

    send(kControlCsid, kWindowAckSize, 0, u32_payload(opt_.window_ack_size));
    send(kControlCsid, kSetPeerBandwidth, 0,
         peer_bandwidth_payload(opt_.peer_bandwidth, kDynamicLimit));
    send(kControlCsid, kSetChunkSize, 0, u32_payload(opt_.out_chunk_size));
    writer_.set_chunk_size(opt_.out_chunk_size);
    send_command(
        0, {Amf0Value::string("_result"), Amf0Value::number(txn),
            Amf0Value::object()
                .set("fmsVer", Amf0Value::string("FMS/3,5,7,7009"))
                .set("capabilities", Amf0Value::number(31))
                .set("mode", Amf0Value::number(1)),
            Amf0Value::object()
                .set("level", Amf0Value::string("status"))
                .set("code", Amf0Value::string("NetConnection.Connect.Success"))
                .set("description", Amf0Value::string("Connection succeeded."))
                .set("objectEncoding", Amf0Value::number(0))});
    return {};
}

Status RtmpSession::on_publish(const Message& m, double txn,
                               const std::vector<Amf0Value>& args)
{
    (void)txn;  // publish is answered with onStatus, not _result
    const uint32_t stream = m.stream_id;
    if (state_ != PublishState::Idle) {
        if (metrics_) ++metrics_->publishes_refused;
        send_status(stream, "error", "NetStream.Publish.BadName",
                    "already publishing");
        close_requested_ = true;
        return {};
    }
    const std::string raw =
        args.size() > 1 && args[1].is_string() ? args[1].as_string() : "";
    auto [id, query] = split_query(raw);
    // Where the publish name enters: validated here, once (StreamKey).
    Result<StreamKey> key = StreamKey::parse(app_, id);
    if (!key) {
        if (metrics_) ++metrics_->publishes_refused;
        // The name only: its query may carry a token, a secret.
        note(true, "rtmp " + opt_.client + ": publish '" + printable(app_) + "/"
                       + printable(id) + "' refused: invalid name");
        send_status(stream, "error", "NetStream.Publish.BadName",
                    "invalid stream name");
        close_requested_ = true;
        return {};
    }

    state_ = PublishState::Authorizing;
    publish_stream_ = stream;
    key_ = std::move(key.value());
    media_ = std::make_unique<PublishMedia>(opt_.max_pending_media_bytes);
    const uint64_t generation = ++publish_generation_;

    PublishRequest req;
    req.key = key_;
    // A token may ride on the stream name or, for some encoders' URL
    // handling, on the app: the stream's wins.
    req.query = query.empty() ? app_query_ : query;
    req.client = opt_.client;
    req.protocol = "RTMP";
    std::weak_ptr<RtmpSession> weak = weak_from_this();
    req.revoke = [weak, generation](const std::string& why) {
        std::shared_ptr<RtmpSession> self = weak.lock();
        if (self && self->publish_generation_ == generation) {
            self->revoke(why);
        }
    };
    control_.authorize(req, [weak, generation](PublishDecision decision) {
        std::shared_ptr<RtmpSession> self = weak.lock();
        if (!self || self->closed_ || self->publish_generation_ != generation
            || self->state_ != PublishState::Authorizing) {
            // Nobody will publish into this sink: end it right away.
            if (decision.ok() && decision.value()) decision.value()->on_end();
            return;
        }
        self->on_decision(std::move(decision));
    });
    return {};
}

void RtmpSession::on_decision(PublishDecision decision)
{
    const std::string name = key_.str();
    if (!decision.ok() || !decision.value()) {
        const std::string why =
            decision.ok() ? "no sink" : decision.error().message();
        const char* code =
            !decision.ok() && decision.error().code() == kPublishRejected
                ? "NetStream.Publish.Rejected"
                : "NetStream.Publish.BadName";
        note(true, "rtmp " + opt_.client + ": publish " + name + " refused ("
                       + code + "): " + why);
        send_status(publish_stream_, "error", code, why);
        state_ = PublishState::Idle;
        media_.reset();
        close_requested_ = true;
    } else {
        sink_ = std::move(decision.value());
        state_ = PublishState::Publishing;
        note(false, "rtmp " + opt_.client + ": publishing " + name);
        send(kControlCsid, kUserControl, 0,
             user_control_payload(kStreamBegin, publish_stream_));
        send_status(publish_stream_, "status", "NetStream.Publish.Start",
                    name + " is now published");
        media_->attach(sink_);
    }
    if (!in_feed_ && notify_) notify_();
}

void RtmpSession::revoke(const std::string& why)
{
    if (closed_ || state_ != PublishState::Publishing) return;
    end_publish("revoked");
    note(true, "rtmp " + opt_.client + ": publish " + key_.str()
                   + " revoked: " + why);
    send_status(publish_stream_, "error", "NetStream.Publish.BadName", why);
    close_requested_ = true;
    if (!in_feed_ && notify_) notify_();
}

void RtmpSession::end_publish(const char* why)
{
    if (state_ == PublishState::Idle) return;
    if (state_ == PublishState::Publishing) {
        const size_t dropped = media_ ? media_->dropped_frames() : 0;
        note(false,
             "rtmp " + opt_.client + ": publish " + key_.str() + " ended ("
                 + why + ")"
                 + (dropped ? ", " + std::to_string(dropped) + " frames dropped"
                            : ""));
        std::shared_ptr<media::StreamSink> sink = std::move(sink_);
        sink_.reset();
        sink->on_end();
    }
    // An authorization still running is orphaned by the generation change;
    // its sink, if granted, is ended in the callback.
    ++publish_generation_;
    state_ = PublishState::Idle;
    media_.reset();
}

Status RtmpSession::handle_data(const Message& m, std::span<const uint8_t> body)
{
    if (state_ == PublishState::Idle || m.stream_id != publish_stream_)
        return {};
    Result<std::vector<Amf0Value>> values = amf0_decode(body, opt_.amf0_limits);
    if (!values) {
        // Metadata is advisory; odd encoders should not lose their publish.
        note(false, "rtmp " + opt_.client + ": unreadable data message: "
                        + values.error().message());
        return {};
    }
    const std::vector<Amf0Value>& v = values.value();
    size_t i = 0;
    if (i < v.size() && v[i].is_string() && v[i].as_string() == "@setDataFrame")
        ++i;
    if (i + 1 >= v.size() || !v[i].is_string()
        || v[i].as_string() != "onMetaData")
        return {};
    const Amf0Value& meta = v[i + 1];
    if (!meta.has_properties()) return {};
    const Amf0Value* video = meta.get("videodatarate");
    const Amf0Value* audio = meta.get("audiodatarate");
    if (!(video && video->is_number()) && !(audio && audio->is_number()))
        return {};
    double kbps =
        meta.get_number("videodatarate") + meta.get_number("audiodatarate");
    if (!std::isfinite(kbps) || kbps < 0) kbps = 0;
    return media_->on_metadata(kbps);
}

Status RtmpSession::handle_media(const Message& m)
{
    if (state_ == PublishState::Idle || m.stream_id != publish_stream_) {
        if (!noted_stray_media_) {  // once: a confused client sends a lot
            noted_stray_media_ = true;
            note(false, "rtmp " + opt_.client + ": media on stream "
                            + std::to_string(m.stream_id)
                            + " without a publish, dropped");
        }
        return {};
    }
    // The frames share the payload from here on: no copy to the segments.
    const SharedBytes& body = m.payload;
    media_->set_received(received_);
    Status s = m.type == kVideo   ? media_->on_video(m.timestamp, body)
               : m.type == kAudio ? media_->on_audio(m.timestamp, body)
                                  : media_->on_aggregate(m.timestamp, body);
    return s;
}

void RtmpSession::send(uint32_t csid, uint8_t type, uint32_t stream_id,
                       std::span<const uint8_t> payload)
{
    writer_.write(out_, csid, type, stream_id, 0, payload);
}

void RtmpSession::send_command(uint32_t stream_id,
                               const std::vector<Amf0Value>& values)
{
    send(stream_id == 0 ? kCommandCsid : kStatusCsid, kCommandAmf0, stream_id,
         amf0_encode_all(values));
}

void RtmpSession::send_status(uint32_t stream_id, const char* level,
                              const char* code, const std::string& description)
{
    send_command(
        stream_id,
        {Amf0Value::string("onStatus"), Amf0Value::number(0), Amf0Value::null(),
         Amf0Value::object()
             .set("level", Amf0Value::string(level))
             .set("code", Amf0Value::string(code))
             .set("description", Amf0Value::string(description))});
}

void RtmpSession::send_result(double txn, Amf0Value info)
{
    send_command(0, {Amf0Value::string("_result"), Amf0Value::number(txn),
                     Amf0Value::null(), std::move(info)});
}

}  // namespace fanout::ingest::rtmp
