#include "app/origin_app.h"

#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <csignal>
#include <thread>

#include "alerts/evaluator.h"
#include "app/live_streams.h"
#include "app/publish_gate.h"
#include "cluster/broadcast_sweep.h"
#include "cluster/membership.h"
#include "cluster/webhooks.h"
#include "core/log.h"
#include "core/origin_context.h"
#include "core/system_stats.h"
#include "http/console_files.h"
#include "http/play_tokens.h"
#include "http/server.h"
#include "ingest/rtmp/server.h"
#include "package/segment_store.h"

namespace fanout {

namespace {

int64_t wall_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A node cannot join a cluster without its store: retry for a bounded
// while at start (the store may be starting beside us), then give up.
fo_store* open_store(const std::string& uri)
{
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (int attempt = 1;; attempt++) {
        fo_store* store = nullptr;
        fo_error err{};
        fo_status st = fo_store_open(uri.c_str(), &store, &err);
        if (st == FO_OK) {
            return store;
        }
        if (st == FO_ERR_INVALID
            || std::chrono::steady_clock::now() > deadline) {
            log::error(std::string("clusterdb.host: ") + err.msg);
            return nullptr;
        }
        if (attempt == 1) {
            log::warn(std::string("store not reachable yet, retrying: ")
                      + err.msg);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
}

ingest::RtmpServerOptions rtmp_options(const Config& c)
{
    ingest::RtmpServerOptions o;
    o.merge_read = std::chrono::milliseconds(c.rtmp_merge_read_ms);
    o.handshake_timeout =
        std::chrono::milliseconds(c.rtmp_handshake_timeout_ms);
    o.idle_timeout = std::chrono::milliseconds(c.rtmp_idle_timeout_ms);
    return o;
}

cluster::Webhooks webhooks(const Config& c)
{
    if (!c.listener_hook_url.empty() && c.hook_secret.empty()) {
        log::warn(
            "listenerHookURL is set without listenerHookSecret: "
            "webhooks go unsigned, a receiver cannot tell them from "
            "anyone's");
    }
    return cluster::Webhooks(c.listener_hook_url, 5000, 3, c.hook_secret);
}

http::ServerOptions http_options(const Config& c)
{
    http::ServerOptions o;
    o.header_timeout = std::chrono::milliseconds(c.http_header_timeout_ms);
    o.idle_timeout = std::chrono::milliseconds(c.http_idle_timeout_ms);
    o.max_connections = static_cast<size_t>(c.http_max_connections);
    o.max_requests = static_cast<size_t>(c.http_max_requests);
    o.max_per_address = static_cast<size_t>(c.http_max_per_ip);
    o.uncapped = c.trusted_proxies;
    return o;
}

// What the heartbeat reports of this node's load, from the loop (cpu and
// memory are sampled on the membership lane).
cluster::NodeLoad node_load(const PublishGate& gate)
{
    cluster::NodeLoad load;
    load.active_streams = gate.active();
    return load;
}

// play.keys_file's keys; nullptr without one.
// The console's files, or none: a missing or bad tree is logged once and
// the origin runs without a console (it is not needed to stream).
std::unique_ptr<http::ConsoleFiles> load_console(const Config& config)
{
    if (config.console_dir.empty()) {
        return nullptr;
    }
    auto files = http::ConsoleFiles::load(config.console_dir);
    if (!files) {
        log::warn("console.dir: " + files.error().message()
                  + "; / answers 404");
        return nullptr;
    }
    log::info("console: " + std::to_string(files.value()->size())
              + " files from " + config.console_dir);
    return std::move(files.value());
}

Result<std::unique_ptr<http::PlayKeys>> load_play_keys(const Config& config)
{
    if (config.play_keys_file.empty()) {
        return std::unique_ptr<http::PlayKeys>();
    }
    return http::PlayKeys::load(config.play_keys_file);
}

// SIGHUP re-reads play.keys_file (key rotation) on the REST lane; a bad
// file keeps the keys in use, with a log line.
void reload_keys_on_hup(boost::asio::signal_set& hup, const OriginContext& ctx)
{
    hup.async_wait([&hup, &ctx](const boost::system::error_code& ec, int) {
        if (ec) {
            return;
        }
        if (ctx.play_keys != nullptr) {
            http::PlayKeys* keys = ctx.play_keys;
            ctx.pool.detach([keys] {
                Status st = keys->reload();
                if (!st) {
                    log::error("play.keys_file not reloaded: "
                               + st.error().message());
                } else {
                    log::info("play.keys_file reloaded");
                }
            });
        }
        reload_keys_on_hup(hup, ctx);
    });
}

// Listens, then runs the loop until SIGINT/SIGTERM.  false: it could not
// listen.
bool listen_and_run(boost::asio::io_context& loop, const OriginContext& ctx,
                    cluster::Membership& membership,
                    cluster::BroadcastSweep& sweep, ingest::RtmpServer& rtmp,
                    http::HttpServer& http)
{
    const Config& config = ctx.config;
    Status st = rtmp.listen();
    if (st) {
        st = http.listen();
    }
    if (!st) {
        log::error(st.error().message());
        return false;
    }
    log::info("origin " + ctx.node_id + " (" + config.host_address
              + ") rtmp :" + std::to_string(config.rtmp_port)
              + " http :" + std::to_string(config.http_port) + " store "
              + fo_store_backend(ctx.store));
    membership.start();
    sweep.start();

    boost::asio::signal_set hup(loop, SIGHUP);
    reload_keys_on_hup(hup, ctx);
    boost::asio::signal_set signals(loop, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int signo) {
        if (ec) {
            return;
        }
        log::info("signal " + std::to_string(signo) + ": shutting down");
        hup.cancel();
        membership.stop();
        sweep.stop();
        rtmp.stop();  // ends every publish
        http.stop();
        loop.stop();
    });
    loop.run();
    return true;
}

}  // namespace

namespace {

void warn_about(const Config& config)
{
    if (config.cluster_key.empty()) {
        log::warn(
            "no clusterCommunicationKey: a stream whose origin "
            "still counts as alive cannot be taken over before "
            "its heartbeat expires");
    }
}

// What the HTTP side asks the publish gate (the internal endpoint, the
// REST stop).
void wire_gate(OriginContext& ctx, PublishGate& gate)
{
    ctx.live_session = [&gate](const StreamKey& key) {
        return gate.live_session(key);
    };
    ctx.stop_publish = [&gate](const StreamKey& key, const std::string& why) {
        return gate.stop(key, why);
    };
}

}  // namespace

int run_origin(const Config& config)
{
    // Writes to closed sockets surface as errors, not as a dead process.
    std::signal(SIGPIPE, SIG_IGN);

    auto play_keys = load_play_keys(config);
    if (!play_keys) {
        log::error("play.keys_file: " + play_keys.error().message());
        return 1;
    }
    auto console = load_console(config);
    // Two handles: REST's, and the membership lane's (a handle's mutex is
    // held for a whole call, so one would let REST delay heartbeats).
    fo_store* store = open_store(config.store_uri);
    if (store == nullptr) {
        return 1;
    }
    fo_store* cluster_store = open_store(config.store_uri);
    if (cluster_store == nullptr) {
        fo_store_close(store);
        return 1;
    }
    boost::asio::io_context loop(1);
    Metrics metrics;
    auto segments =
        package::make_segment_store(package::packager_config(config), &metrics);
    int exit_code = 0;
    {
        BlockingPool pool(loop, 2, static_cast<size_t>(config.rest_queue_max));
        BlockingPool cluster_pool(loop, 1);
        OriginContext ctx{loop,
                          config,
                          store,
                          pool,
                          *segments,
                          metrics,
                          config.server_name,
                          FANOUT_VERSION,
                          wall_ms(),
                          &cluster_pool,
                          cluster_store};
        cluster::Webhooks hooks = webhooks(config);
        PublishGate gate(ctx, hooks);
        ctx.play_keys = play_keys.value().get();
        ctx.console = console.get();
        wire_gate(ctx, gate);
        LiveStreams streams(ctx, gate);
        SystemSampler sampler;
        cluster::Membership membership(
            ctx, [&] { return node_load(gate); },
            [&](bool ok) { gate.after_beat(ok); }, &sampler);
        warn_about(config);
        ingest::RtmpServer rtmp(loop, config, metrics, streams,
                                rtmp_options(config));
        http::HttpServer http(ctx, http_options(config));
        cluster::BroadcastSweep sweep(ctx);
        alerts::Evaluator evaluator(ctx);  // evaluates once the loop runs
        if (!listen_and_run(loop, ctx, membership, sweep, rtmp, http)) {
            exit_code = 1;
        }
        rtmp.stop();
        http.stop();
        membership.stop();  // (the sweep stopped with the loop)
        // Work already queued (releases of ended publishes) finishes here;
        // then whatever is still live is released and the node leaves.
        pool.stop();
        cluster_pool.stop();
        gate.release_all_blocking();
        membership.leave_blocking();
    }
    fo_store_close(cluster_store);
    fo_store_close(store);
    log::info("origin stopped");
    return exit_code;
}

}  // namespace fanout
