// tests/origin/ingest/rtmp_test_client.h — the client half of RTMP for
// tests: builds what a publisher sends (with the library's writer, which
// chunk_test checks against hand-written bytes) and reads what the server
// answers; plus a recording sink and a scriptable PublishControl.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../media/recording_sink.h"
#include "ingest/publish_control.h"
#include "ingest/rtmp/amf0.h"
#include "ingest/rtmp/chunk.h"
#include "media/frame.h"

namespace fanout::ingest::rtmp::test {

using Bytes = std::vector<uint8_t>;
using V = Amf0Value;

class Client {
public:
    // C0 + C1 of a simple handshake.
    Bytes c0c1() const
    {
        Bytes b(1 + 1536, 0);
        b[0] = 3;
        for (size_t i = 9; i < b.size(); ++i)
            b[i] = static_cast<uint8_t>(i * 13);
        return b;
    }

    Bytes command(uint32_t stream_id, const std::vector<V>& values)
    {
        Bytes out;
        writer_.write(out, stream_id == 0 ? 3 : 8, kCommandAmf0, stream_id, 0,
                      amf0_encode_all(values));
        return out;
    }
    Bytes message(uint32_t csid, uint8_t type, uint32_t stream_id, uint32_t ts,
                  const Bytes& payload)
    {
        Bytes out;
        writer_.write(out, csid, type, stream_id, ts, payload);
        return out;
    }
    Bytes set_chunk_size(uint32_t size)
    {
        Bytes out = message(2, kSetChunkSize, 0, 0, u32_payload(size));
        writer_.set_chunk_size(size);
        return out;
    }

    // Server output: S0+S1+S2 first (answered with C2 in `c2`), then chunks.
    std::vector<Message> receive(const Bytes& out, Bytes* c2 = nullptr)
    {
        in_.insert(in_.end(), out.begin(), out.end());
        size_t used = 0;
        if (!handshake_done_) {
            if (in_.size() < 1 + 2 * 1536) return {};
            if (c2) c2->assign(in_.begin() + 1, in_.begin() + 1 + 1536);
            used = 1 + 2 * 1536;
            handshake_done_ = true;
        }
        std::vector<Message> msgs;
        for (;;) {
            Message m;
            ChunkResult r = reader_.read(std::span(in_).subspan(used), m);
            used += r.consumed;
            if (r.status != media::ParseStatus::Parsed) {
                if (r.status == media::ParseStatus::Error)
                    error = r.error->message();
                break;
            }
            msgs.push_back(std::move(m));
        }
        in_.erase(in_.begin(), in_.begin() + static_cast<long>(used));
        return msgs;
    }

    static std::vector<V> amf(const Message& m)
    {
        auto r = amf0_decode(m.payload);
        return r.ok() ? r.value() : std::vector<V>{};
    }

    std::string error;

private:
    ChunkWriter writer_;
    ChunkReader reader_;
    Bytes in_;
    bool handshake_done_ = false;
};

// The onStatus/_result code of a command message, or "".
inline std::string status_code(const Message& m)
{
    auto v = Client::amf(m);
    for (const auto& x : v) {
        if (x.has_properties() && x.get("code")) return x.get_string("code");
    }
    return "";
}
inline std::string command_name(const Message& m)
{
    auto v = Client::amf(m);
    return !v.empty() && v[0].is_string() ? v[0].as_string() : "";
}

using fanout::test::RecordingSink;

// Answers later (answer()) or at once (set `immediate`).
struct FakeControl : PublishControl {
    void authorize(const PublishRequest& request,
                   std::function<void(PublishDecision)> done) override
    {
        requests.push_back(request);
        if (immediate) {
            done(*immediate);
        } else {
            pending.push_back(std::move(done));
        }
    }
    void answer(PublishDecision d)
    {
        auto done = std::move(pending.front());
        pending.erase(pending.begin());
        done(std::move(d));
    }

    std::vector<PublishRequest> requests;
    std::vector<std::function<void(PublishDecision)>> pending;
    std::optional<PublishDecision> immediate;
};

}  // namespace fanout::ingest::rtmp::test
