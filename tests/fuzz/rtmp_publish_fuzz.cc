// rtmp_publish_fuzz.cc — libFuzzer target for the load generator's RTMP
// publisher (load/src/rtmp_publish.h): whatever a server answers, in
// pieces cut where the first byte says.  It must fail cleanly, never
// crash, and once failed stay failed.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "rtmp_publish.h"

using namespace fanout::load;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 1) return 0;
    const size_t piece = size_t(data[0]) * 16 + 1;
    std::span<const uint8_t> in(data + 1, size - 1);
    PublishClient c("LiveApp", "rtmp://127.0.0.1/LiveApp", "s",
                    [](uint8_t* p, size_t n) {
                        for (size_t i = 0; i < n; i++)
                            p[i] = uint8_t(i);
                    });
    c.start();
    bool failed = false;
    while (!in.empty()) {
        const size_t n = std::min(piece, in.size());
        const bool ok = c.feed(in.first(n)).ok();
        if (failed && ok) abort();
        failed = failed || !ok;
        in = in.subspan(n);
        (void)c.take_output();
        c.send_media(
            9, 0, std::span<const uint8_t>(data, std::min<size_t>(size, 64)));
    }
    return 0;
}
