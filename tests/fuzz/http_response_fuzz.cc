// http_response_fuzz.cc — libFuzzer target for the load generator's HTTP
// response framing (load/src/http_response.h) and the playlist and MPD
// parsers its viewers run on response bodies (load/src/hls.h, dash.h).  The first byte picks
// HEAD / at-EOF; a parsed response must lie within the input.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dash.h"
#include "hls.h"
#include "http_response.h"

using namespace fanout::load;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 1) return 0;
    std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
    ResponseLimits limits;
    limits.max_body = 1 << 16;
    ResponseResult r = parse_response(in, limits, data[0] & 1, data[0] & 2);
    if (auto* p = std::get_if<ResponseParsed>(&r)) {
        if (p->consumed > in.size() || p->consumed == 0) abort();
        if (p->response.body.size() > limits.max_body) abort();
        if (p->response.status < 200 || p->response.status > 999) abort();
    }
    auto hls = parse_hls(in);
    if (hls.ok()) {
        for (const HlsSegment& s : hls->segments)
            (void)resolve_path("/app/streams/x.m3u8", s.uri);
    }
    (void)parse_iso8601_ms(in);
    auto mpd = parse_mpd(in);
    if (mpd.ok()) {
        for (const DashSet& set : mpd->sets)
            for (const DashRepresentation& r : set.reps)
                (void)dash_track(r, false);
    }
    return 0;
}
