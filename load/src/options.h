// load/src/options.h — fanout-load's command line (load/README.md lists
// every flag) and the target checks: URLs, and loopback unless
// --allow-remote.  Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "viewer_model.h"

namespace fanout::load {

struct Url {
    std::string scheme;  // "rtmp" or "http"
    std::string host;
    uint16_t port = 0;
    std::string path;  // with the query; "/" at least
};

// scheme://host[:port]/path; the default ports are RTMP's 1935, HTTP's 80.
Result<Url> parse_url(std::string_view s);

// "127.x.y.z", "localhost", "::1" / "[::1]".
bool is_loopback_host(std::string_view host);

// "A.B.C.D-E.F.G.H" (or one address): every IPv4 address from the first
// to the last, at most kMaxSourceAddresses of them.
Result<std::vector<std::string>> parse_address_range(std::string_view s);

inline constexpr size_t kMaxSourceAddresses = 65536;

// The template with every "{i}" replaced by i.
std::string expand(std::string_view tmpl, size_t i);

struct Options {
    std::string publish_url;  // template, rtmp://host:port/app/name{i}
    size_t publishers = 0;
    std::string flv;
    bool reconnect = false;
    double reconnect_delay_s = 1;
    // A publisher wakes at most this often and sends every tag due since
    // (one write): a real-time replay, late by at most this much.
    double send_interval_s = 0.02;

    std::string play_url;  // template, http://host:port/path{i}.m3u8
    size_t viewers = 0;
    size_t streams = 0;  // streams the viewers spread over; 0: publishers
    double zipf_s = 0;  // 0: uniform
    RenditionPolicy rendition;
    size_t start_segments = 3;
    double start_buffer_s = 0;  // 0: one segment

    double duration_s = 30;
    double ramp_up_s = 0;  // publishers, and viewers, join evenly over it
    double view_after_s = 0;  // viewers start this long after the run
    size_t max_connections = 20000;
    double connect_rate = 200;  // new connections per second
    double request_rate = 20000;  // viewers' requests per second
    double timeout_s = 10;
    bool allow_remote = false;
    // Local addresses the clients connect from, client i from
    // source_addresses[i % size]: a load balancer that hashes the client
    // address (the LB's fanout_edges) then spreads the load, and per-address
    // caps see many clients.  Empty: the kernel's choice.
    std::vector<std::string> source_addresses;
    uint64_t seed = 1;
    std::string json;  // file; "-": stdout
    bool quiet = false;
};

inline constexpr double kMaxDurationS = 24 * 3600;

// Client i's source address ("" when none was given).
const std::string& source_address(const Options& o, size_t i);

// argv without the program name.  Error: an unknown flag, a bad value,
// nothing to do, a cap exceeded, or a target off loopback without
// allow_remote (the message says which and why).
Result<Options> parse_options(const std::vector<std::string>& args);

}  // namespace fanout::load
