// tests/origin/transcode/clip.h — a real 720p30 H.264 + AAC clip, made by
// the ffmpeg CLI at test time and demuxed with libavformat into what the
// RTMP ingest hands the hub: configs (avcC, ASC) and frames with ms
// timestamps.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

extern "C" {
#include <libavformat/avformat.h>
}

#include "media/aac.h"
#include "media/avc.h"
#include "media/frame.h"
#include "media/hevc.h"

namespace fanout::test {

struct Clip {
    std::optional<media::VideoConfig> video;
    std::optional<media::AudioConfig> audio;
    std::vector<media::Frame> frames;  // in file order (interleaved by dts)
    std::string error;
};

// An FLV, as a publisher sends over RTMP: 720p30, keyframes every 24
// frames (0.8 s, so not every keyframe starts a 2 s segment), B-frames
// (composition offsets), noise so that rate control has work to do.
// hevc: HEVC in MP4 instead (FLV in ffmpeg 5.1 has no HEVC).
inline std::string make_clip(const std::string& dir, int seconds,
                             bool hevc = false)
{
    const std::string path = dir + (hevc ? "/clip.mp4" : "/clip.flv");
    const std::string video =
        hevc ? " -c:v libx265 -preset ultrafast -b:v 2M -x265-params"
               " keyint=24:min-keyint=24:scenecut=0:log-level=error"
             : " -c:v libx264 -preset veryfast -b:v 3M"
               " -x264-params keyint=24:min-keyint=24:scenecut=0";
    const std::string cmd =
        std::string(FFMPEG_BIN)
        + " -hide_banner -loglevel error -nostdin -y"
          " -f lavfi -i testsrc2=size=1280x720:rate=30"
          " -f lavfi -i sine=frequency=440:sample_rate=44100"
          " -t "
        + std::to_string(seconds)
        + " -vf noise=alls=10:allf=t -pix_fmt yuv420p" + video
        + " -c:a aac -b:a 96k -ac 2 '" + path + "' 2>'" + dir
        + "/ffmpeg.log'";
    return std::system(cmd.c_str()) == 0 ? path : "";
}

inline Clip demux_clip(const std::string& path)
{
    Clip c;
    AVFormatContext* fmt = nullptr;
    if (avformat_open_input(&fmt, path.c_str(), nullptr, nullptr) < 0) {
        c.error = "cannot open " + path;
        return c;
    }
    avformat_find_stream_info(fmt, nullptr);
    int vidx = -1, aidx = -1;
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        AVCodecParameters* par = fmt->streams[i]->codecpar;
        std::span<const uint8_t> extra(par->extradata,
                                       size_t(par->extradata_size));
        if (par->codec_id == AV_CODEC_ID_H264) {
            auto v = media::avc_video_config(extra);
            if (v) c.video = v->config, vidx = int(i);
        } else if (par->codec_id == AV_CODEC_ID_HEVC) {
            auto v = media::hevc_video_config(extra);
            if (v) c.video = v->config, vidx = int(i);
        } else if (par->codec_id == AV_CODEC_ID_AAC) {
            auto a = media::aac_audio_config(extra);
            if (a) c.audio = a.value(), aidx = int(i);
        }
    }
    AVPacket* pkt = av_packet_alloc();
    while (av_read_frame(fmt, pkt) >= 0) {
        if (pkt->stream_index == vidx || pkt->stream_index == aidx) {
            AVRational tb = fmt->streams[pkt->stream_index]->time_base;
            media::Frame f;
            f.video = pkt->stream_index == vidx;
            f.keyframe = f.video ? (pkt->flags & AV_PKT_FLAG_KEY) != 0 : true;
            f.dts_ms = av_rescale_q(pkt->dts, tb, AVRational{1, 1000});
            f.cts_ms = static_cast<int32_t>(
                av_rescale_q(pkt->pts - pkt->dts, tb, AVRational{1, 1000}));
            auto bytes = std::make_shared<std::vector<uint8_t>>(
                pkt->data, pkt->data + pkt->size);
            f.data = SharedBytes(bytes, bytes->data(), bytes->size());
            c.frames.push_back(std::move(f));
        }
        av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
    avformat_close_input(&fmt);
    if (!c.video || !c.audio) c.error = "no video or no AAC in " + path;
    return c;
}

}  // namespace fanout::test
