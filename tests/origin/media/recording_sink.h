// tests/origin/media/recording_sink.h — a media::StreamSink that records
// every call, in order, for the tests of what feeds sinks (ingest, hub).
#pragma once

#include <string>
#include <vector>

#include "media/frame.h"

namespace fanout::test {

struct RecordingSink : media::StreamSink {
    void on_metadata(double kbps) override
    {
        metadata.push_back(kbps), log.push_back("meta");
    }
    void on_video_config(const media::VideoConfig& c) override
    {
        videos.push_back(c);
        log.push_back("video_config");
    }
    void on_audio_config(const media::AudioConfig& c) override
    {
        audios.push_back(c);
        log.push_back("audio_config");
    }
    void on_frame(const media::Frame& f) override
    {
        frames.push_back(f);
        log.push_back(f.video ? "video" : "audio");
    }
    void on_end() override
    {
        ++ends;
        log.push_back("end");
    }

    std::vector<double> metadata;
    std::vector<media::VideoConfig> videos;
    std::vector<media::AudioConfig> audios;
    std::vector<media::Frame> frames;
    std::vector<std::string> log;
    int ends = 0;
};

}  // namespace fanout::test
