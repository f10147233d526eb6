// session_fuzz.cc — libFuzzer target for the whole RTMP session state
// machine (handshake, chunks, AMF0 commands, FLV media, publish control)
// with a stub PublishControl.  The first byte sets the mode:
//   bit 0: prepend a valid simple handshake (so mutations reach commands)
//   bit 1: answer authorize later (after the first read) instead of at once
//   bit 2: refuse the publish
//   bits 3-7: read size (0: everything at once)
// The sink checks the StreamSink contract: nothing after on_end, on_end
// exactly once for every granted sink, frames only after their config.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "ingest/rtmp/session.h"

using namespace fanout;
using namespace fanout::ingest;
using namespace fanout::ingest::rtmp;

namespace {

struct CheckingSink : media::StreamSink {
    void on_metadata(double) override { alive(); }
    void on_video_config(const media::VideoConfig& c) override
    {
        alive();
        if (c.width <= 0 || c.height <= 0 || c.record.empty()) abort();
        video = true;
    }
    void on_audio_config(const media::AudioConfig& c) override
    {
        alive();
        if (c.sample_rate <= 0 || c.channels <= 0) abort();
        audio = true;
    }
    void on_frame(const media::Frame& f) override
    {
        alive();
        if (f.video ? !video : !audio) abort();
        if (f.data.empty()) abort();
    }
    void on_end() override
    {
        alive();
        ended = true;
    }
    void alive() const
    {
        if (ended) abort();
    }
    bool video = false, audio = false, ended = false;
};

struct StubControl : PublishControl {
    void authorize(const PublishRequest& req,
                   std::function<void(PublishDecision)> done) override
    {
        if (req.key.id.empty() || req.protocol != "RTMP") abort();
        PublishDecision d =
            refuse
                ? PublishDecision(Error("refused"))
                : PublishDecision(std::shared_ptr<media::StreamSink>(grant()));
        if (later) {
            pending.push_back([done, d] { done(d); });
        } else {
            done(d);
        }
    }
    std::shared_ptr<CheckingSink> grant()
    {
        sinks.push_back(std::make_shared<CheckingSink>());
        return sinks.back();
    }
    bool later = false, refuse = false;
    std::vector<std::function<void()>> pending;
    std::vector<std::shared_ptr<CheckingSink>> sinks;
};

void fixed_random(uint8_t* p, size_t n)
{
    std::memset(p, 0x42, n);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 1) return 0;
    const uint8_t mode = data[0];
    std::span<const uint8_t> in(data + 1, size - 1);
    StubControl control;
    control.later = mode & 2;
    control.refuse = mode & 4;
    const size_t step = (mode >> 3) ? (mode >> 3) * 7u : in.size() + 1;

    SessionOptions opt;
    opt.client = "fuzz:1";
    opt.random = fixed_random;
    opt.max_pending_media_bytes = 64 * 1024;
    opt.chunk_limits.max_message_size = 1 << 20;
    opt.chunk_limits.max_pending_bytes = 2 << 20;
    Metrics metrics;
    auto session = RtmpSession::create(control, opt, &metrics);

    bool ok = true;
    if (mode & 1) {
        std::vector<uint8_t> hs(1 + 2 * kHandshakeSize, 0);
        hs[0] = kRtmpVersion;
        ok = session->feed(hs).ok();
    }
    for (size_t at = 0; ok && at < in.size(); at += step) {
        const size_t n = std::min(step, in.size() - at);
        ok = session->feed(in.subspan(at, n)).ok();
        (void)session->take_output();
        for (auto& answer : control.pending)
            answer();
        control.pending.clear();
        if (session->wants_close()) break;
    }
    session->close();
    for (auto& answer : control.pending)
        answer();  // answers after close
    session.reset();
    for (const auto& s : control.sinks) {
        if (!s->ended) abort();
    }
    return 0;
}
