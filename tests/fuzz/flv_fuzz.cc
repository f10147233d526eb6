// flv_fuzz.cc — libFuzzer target for the FLV tag body parsers and the
// codec configuration parsers under them.  The first byte picks the parser
// and the NAL length size.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "media/aac.h"
#include "media/avc.h"
#include "media/flv.h"
#include "media/hevc.h"
#include "media/nal.h"

using namespace fanout::media;

// Frames must come out in 4-byte AVCC framing that covers the data exactly.
static void check_frame(const Frame& f)
{
    if (!f.video) return;
    size_t at = 0;
    while (at < f.data.size()) {
        if (f.data.size() - at < 4) abort();
        const size_t len = (size_t{f.data[at]} << 24)
                           | (size_t{f.data[at + 1]} << 16)
                           | (size_t{f.data[at + 2]} << 8) | f.data[at + 3];
        if (len == 0 || len > f.data.size() - at - 4) abort();
        at += 4 + len;
    }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 1) return 0;
    const uint8_t mode = data[0];
    std::span<const uint8_t> body(data + 1, size - 1);
    static const int kSizes[4] = {4, 1, 2, 3};
    const int nal_size = kSizes[(mode >> 3) & 3];
    switch (mode & 7) {
        case 0:
        case 1: {
            auto m = parse_flv_video(body, nal_size);
            if (m.ok() && m->kind == FlvMedia::Kind::Frame)
                check_frame(m->frame);
            if (m.ok() && m->kind == FlvMedia::Kind::VideoConfig) {
                if (m->video_config.width <= 0 || m->video_config.height <= 0)
                    abort();
            }
            break;
        }
        case 2: {
            auto m = parse_flv_audio(body);
            if (m.ok() && m->kind == FlvMedia::Kind::AudioConfig
                && m->audio_config.channels <= 0) {
                abort();
            }
            break;
        }
        case 3:
            (void)avc_video_config(body);
            break;
        case 4:
            (void)hevc_video_config(body);
            break;
        case 5:
            (void)parse_avc_sps(body);
            (void)parse_hevc_sps(body);
            break;
        case 6:
            (void)aac_audio_config(body);
            break;
        case 7: {
            auto n = normalize_nal_lengths(body, nal_size);
            if (n.ok()) {
                Frame f;
                f.video = true;
                f.data = n.value();
                check_frame(f);
            }
            (void)nal_to_rbsp(body);
            break;
        }
    }
    return 0;
}
