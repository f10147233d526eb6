// load/src/main.cc — fanout-load: N RTMP publishers and M HLS viewers from
// one process on one event loop, for a bounded time; a progress line each
// second on stderr, then the report (text on stdout, or JSON with --json).
// load/README.md has every flag.
#include <sys/resource.h>

#include <utility>  // before Asio: its awaitable.hpp needs std::exchange

#include <boost/asio.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>

#include "flv_file.h"
#include "options.h"
#include "publisher.h"
#include "stats.h"
#include "viewer.h"

namespace asio = boost::asio;
using namespace fanout;
using namespace fanout::load;

namespace {

const char* kUsage =
    "usage: fanout-load [--publishers N --publish-url "
    "rtmp://127.0.0.1:1935/LiveApp/load{i}\n"
    "                    --flv FILE [--reconnect]]\n"
    "                   [--viewers M --play-url "
    "http://127.0.0.1:5080/LiveApp/streams/load{i}.m3u8\n"
    "                    (DASH: .../load{i}/load{i}.mpd)\n"
    "                    [--streams K] [--distribution uniform|zipf[:S]]]\n"
    "                   [--duration S] [--json FILE|-] ...   (load/README.md "
    "lists every flag)\n";

// Loopback names resolve here, before the loop starts; other names only
// with --allow-remote (options.cc refused them otherwise).
Result<asio::ip::address> resolve(asio::io_context& io, const std::string& host)
{
    boost::system::error_code ec;
    asio::ip::address a = asio::ip::make_address(host, ec);
    if (!ec) return a;
    asio::ip::tcp::resolver r(io);
    auto results = r.resolve(host, "", ec);
    if (ec || results.empty()) return Error("cannot resolve " + host);
    return results.begin()->endpoint().address();
}

struct Run {
    asio::io_context io;
    Stats stats;
    Options opt;
    std::vector<FlvTag> tags;
    std::vector<uint8_t> flv_bytes;
    std::vector<std::shared_ptr<Publisher>> publishers;
    std::vector<std::shared_ptr<Viewer>> viewers;
    RateLimiter connects{1}, requests{1};
    bool stopped = false;
};

Status make_publishers(Run& run)
{
    const Options& o = run.opt;
    if (o.publishers == 0) return {};  // a viewers-only run needs no clip
    std::ifstream f(o.flv, std::ios::binary);
    if (!f) return Error("cannot read " + o.flv);
    run.flv_bytes.assign(std::istreambuf_iterator<char>(f), {});
    Result<std::vector<FlvTag>> tags = parse_flv_file(run.flv_bytes);
    if (!tags) return tags.error().wrap(o.flv);
    run.tags = std::move(tags.value());
    for (size_t i = 0; i < o.publishers; i++) {
        Result<Url> url = parse_url(expand(o.publish_url, i));
        if (!url) return url.error();
        Result<asio::ip::address> addr = resolve(run.io, url->host);
        if (!addr) return addr.error();
        Result<PublishTarget> t = publish_target(url.value(), addr.value());
        if (!t) return t.error();
        t->source = source_address(o, i);
        auto p = std::make_shared<Publisher>(run.io, run.tags, t.value(),
                                             run.stats, o, run.connects);
        p->start(o.ramp_up_s * double(i) / double(o.publishers));
        run.publishers.push_back(p);
    }
    return {};
}

Status make_viewers(Run& run)
{
    const Options& o = run.opt;
    StreamPicker picker(o.streams, o.zipf_s);
    std::mt19937_64 rng(o.seed);
    std::uniform_real_distribution<double> u(0, 1);
    for (size_t i = 0; i < o.viewers; i++) {
        Result<Url> url = parse_url(expand(o.play_url, picker.pick(u(rng))));
        if (!url) return url.error();
        Result<asio::ip::address> addr = resolve(run.io, url->host);
        if (!addr) return addr.error();
        std::string host = url->host + ":" + std::to_string(url->port);
        auto v = std::make_shared<Viewer>(
            run.io, asio::ip::tcp::endpoint(addr.value(), url->port), host,
            url->path, run.stats, o, run.connects, run.requests, i);
        v->start(o.view_after_s + o.ramp_up_s * double(i) / double(o.viewers));
        run.viewers.push_back(v);
    }
    return {};
}

RunInfo run_info(const Run& run, double elapsed)
{
    RunInfo info{run.opt.publishers, run.opt.viewers, elapsed};
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    info.cpu_s = double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
                 + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    info.max_rss_kb = uint64_t(ru.ru_maxrss);
    for (const auto& v : run.viewers)
        info.availability_from_pdt =
            info.availability_from_pdt || v->saw_program_date_time();
    return info;
}

using Clock = std::chrono::steady_clock;

// Each second: the progress line; at the end (duration or a signal): stop.
// A tick already due when the run stops is not cancelled by cancel() (its
// handler is queued with success), so it checks run.stopped before it
// prints or re-arms; otherwise io.run() would never return.
void tick(Run& run, asio::steady_timer& timer, Clock::time_point t0, Stats prev,
          Clock::time_point prev_t)
{
    timer.expires_at(prev_t + std::chrono::seconds(1));
    timer.async_wait([&run, &timer, t0, prev = std::move(prev),
                      prev_t](boost::system::error_code ec) {
        if (ec || run.stopped) return;
        const auto t = Clock::now();
        const double elapsed = std::chrono::duration<double>(t - t0).count();
        if (!run.opt.quiet)
            std::fprintf(
                stderr, "%s\n",
                progress_line(run.stats, prev, elapsed,
                              std::chrono::duration<double>(t - prev_t).count(),
                              run_info(run, elapsed))
                    .c_str());
        tick(run, timer, t0, run.stats, t);
    });
}

void stop_all(Run& run, asio::steady_timer& progress)
{
    run.stopped = true;
    progress.cancel();
    for (auto& p : run.publishers)
        p->stop();
    for (auto& v : run.viewers)
        v->stop();
}

int report(Run& run, double elapsed)
{
    RunInfo info = run_info(run, elapsed);
    if (run.opt.json.empty()) {
        std::fputs(report_text(run.stats, info).c_str(), stdout);
        return 0;
    }
    const std::string text = report_json(run.stats, info).dump(2) + "\n";
    if (run.opt.json == "-") {
        std::fputs(text.c_str(), stdout);
        return 0;
    }
    std::ofstream out(run.opt.json);
    out << text;
    std::fputs(report_text(run.stats, info).c_str(), stdout);
    return out ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv)
{
    Run run;
    if (argc == 2
        && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    Result<Options> opt =
        parse_options(std::vector<std::string>(argv + 1, argv + argc));
    if (!opt) {
        std::fprintf(stderr, "fanout-load: %s\n%s",
                     opt.error().message().c_str(), kUsage);
        return 2;
    }
    run.opt = opt.value();
    run.connects = RateLimiter(run.opt.connect_rate);
    run.requests = RateLimiter(run.opt.request_rate);
    Status s = make_publishers(run);
    if (s) s = make_viewers(run);
    if (!s) {
        std::fprintf(stderr, "fanout-load: %s\n", s.error().message().c_str());
        return 2;
    }
    const auto t0 = Clock::now();
    run.stats.started_s =
        std::chrono::duration<double>(t0.time_since_epoch()).count();
    asio::steady_timer progress(run.io), end(run.io);
    asio::signal_set signals(run.io, SIGINT, SIGTERM);
    tick(run, progress, t0, run.stats, t0);
    auto finish = [&] {
        end.cancel();
        boost::system::error_code ignored;
        signals.cancel(ignored);
        signals.clear(ignored);  // a second SIGTERM then ends the process
        stop_all(run, progress);
    };
    end.expires_after(
        std::chrono::microseconds(int64_t(run.opt.duration_s * 1e6)));
    end.async_wait([&](boost::system::error_code ec) {
        if (!ec) finish();
    });
    signals.async_wait([&](boost::system::error_code ec, int) {
        if (!ec) finish();
    });
    run.io.run();
    return report(run,
                  std::chrono::duration<double>(Clock::now() - t0).count());
}
