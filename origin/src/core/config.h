// core/config.h — the origin's settings: a properties file with Ant Media
// Server's key names where one exists, overridden by environment variables
// (FANOUT_<KEY>, dots as underscores, upper case: containers).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/alert_settings.h"
#include "auth/token_settings.h"
#include "core/error.h"
#include "transcode/ladder.h"

namespace fanout {

struct Cidr {
    uint32_t network = 0;  // host order
    uint32_t mask = 0;
    bool contains(uint32_t addr) const { return (addr & mask) == network; }
};

struct Config {
    std::string server_name;  // server.name; node id
    std::string host_address;  // server.host_address
    std::string bind_address = "0.0.0.0";  // server.bind_address
    int http_port = 5080;  // http.port
    int rtmp_port = 1935;  // rtmp.port
    std::string store_uri;  // clusterdb.host
    std::string node_group = "default";  // nodeGroup
    int update_period_ms = 5000;  // cluster.update_period_ms
    int dead_factor = 4;  // cluster.dead_factor
    int hls_time_s = 2;  // hlsTime
    int hls_list_size = 5;  // hlsListSize
    // dashWindowSize: segments an MPD lists; 0: enough to outlast an
    // origin's pause (package::dash_window_segments).
    int dash_window_size = 0;
    std::string hls_segment_type = "fmp4";  // hlsSegmentType: fmp4 | mpegts
    std::string listener_hook_url;  // listenerHookURL
    // listenerHookSecret: signs each webhook POST (X-Fanout-Signature).  A
    // secret: never logged.
    std::string hook_secret;
    std::vector<std::string> apps{"LiveApp"};  // apps
    std::vector<Cidr> rest_allowed;  // remoteAllowedCIDR
    // http.trusted_proxies: the load balancers whose X-Forwarded-For /
    // X-Real-IP name the client remoteAllowedCIDR is checked against
    // (http/access.h).  Empty: no header is trusted.
    std::vector<Cidr> trusted_proxies;
    // jwtControlEnabled / jwtSecretKey (Ant Media's names): the REST API
    // wants an HS256 JWT in Authorization (http/rest_auth.h).  The key is
    // a secret: never logged nor answered.  Enabled with no key is a
    // config error.
    bool jwt_enabled = false;
    std::string jwt_secret;
    int rtmp_max_connections = 1000;  // rtmp.max_connections
    int rtmp_merge_read_ms = 100;  // rtmp.merge_read_ms (0: off)
    size_t http_max_body = 64 * 1024;  // http.max_body_bytes
    std::string log_level = "info";  // log.level
    // clusterCommunicationKey (Ant Media's name): the HS256 key of the
    // ClusterAuthorization JWT between origins.  A secret: never logged.
    // Empty: the internal endpoint answers 401 and no takeover is tried.
    std::string cluster_key;
    int takeover_timeout_ms = 500;  // cluster.takeover_timeout_ms
    int rest_queue_max = 256;  // http.rest_queue_max
    // Limits against slow or hostile clients (origin.properties documents
    // each): RTMP's fixed deadline from accept to a publish and a
    // publisher's longest silence; HTTP's fixed deadline per request, the
    // keep-alive wait, connections and requests per connection; a
    // segment's bytes and samples, past which it is cut.
    int rtmp_handshake_timeout_ms = 10000;  // rtmp.handshake_timeout_ms
    int rtmp_idle_timeout_ms = 30000;  // rtmp.idle_timeout_ms
    // Connections per client address, the trusted proxies not counted.
    int rtmp_max_per_ip = 64;  // rtmp.max_connections_per_ip
    int http_max_per_ip = 1024;  // http.max_connections_per_ip
    int http_header_timeout_ms = 10000;  // http.header_timeout_ms
    int http_idle_timeout_ms = 60000;  // http.idle_timeout_ms
    int http_max_connections = 10000;  // http.max_connections
    int http_max_requests = 1000;  // http.max_requests_per_connection
    int segment_max_bytes = 64 << 20;  // segment.max_bytes
    int segment_max_samples = 4096;  // segment.max_samples
    // The store cannot be grown by strangers (issue #14): broadcast
    // records a publish created (no REST create) are deleted this long
    // after they finished (0: kept forever), by a sweep on every origin
    // (cluster/broadcast_sweep.h); an application holds at most this many
    // records (0: no cap), beyond which a publish of a new stream id and
    // a REST create are refused (auth/broadcast_cap.h).
    int auto_broadcast_retention_s = 86400;  // store.auto_broadcast_retention_s
    int broadcast_max_per_app = 100000;  // broadcast.max_per_app
    // Signed playback URLs (http/play_tokens.h): play.signed makes every
    // /{app}/streams/ request (but /time) need a valid token; the keys
    // ("kid secret" lines, newest first) are the edges' fanout_play_keys
    // file, re-read on SIGHUP.  The REST call .../token?type=play signs
    // with them whenever a keys file is set.
    bool play_signed = false;  // play.signed
    std::string play_keys_file;  // play.keys_file
    // How long the signed path lasts that a one-time play token
    // (playTokenControlEnabled) is exchanged for: http/play_access.h.
    int play_session_s = 21600;  // play.session_s
    // console.dir: the web console's static tree (console/www, with its
    // vendored modules), read into memory at start and served at / and
    // /console/ (http/console_files.h).  Default: where the install put
    // it (make_config sets it: a default-constructed Config has none);
    // empty: no console (/ answers a JSON 404).
    std::string console_dir;
    // console.session_s: how long a console login lasts (the cookie's
    // Max-Age and the signed expiry; http/console_session.h).
    int console_session_s = 43200;
    // console.login_max_failures / console.login_window_s: failed logins
    // allowed per client address and per email in a window, on each
    // origin (http/login_limiter.h).
    int console_login_max_failures = 5;
    int console_login_window_s = 300;
    // The adaptive ladder's defaults for every application, with Ant
    // Media's keys: encoderSettingsString, encoderPreset, gopSize,
    // encoderThreads, encoderSelectionPreference.  An application's own
    // settings in the cluster store (PUT /rest/v2/applications/settings)
    // override them key by key: transcode/app_settings.h.
    transcode::Ladder ladder;
    // The stream token controls' defaults for every application, with Ant
    // Media's keys (publishTokenControlEnabled, publishJwtControlEnabled,
    // hashControlPublishEnabled, playTokenControlEnabled,
    // playJwtControlEnabled, jwtStreamSecretKey, tokenHashSecret,
    // acceptUndefinedStreams); an application's stored settings override
    // them key by key (auth/token_settings.h).  Secrets: never logged.
    auth::TokenSettings tokens;
    // The cluster's alert rules and their evaluator: alerts.* keys
    // (alerts/alert_settings.h).
    alerts::AlertSettings alerts;
};

// Pure: parses properties text ("key=value", '#' and '!' comments,
// blank lines).  Errors name the line.
Result<std::map<std::string, std::string>> parse_properties(
    std::string_view text);

// Builds a Config from key/values plus the environment; every error names
// the key.  Unknown keys are errors (typos must not pass silently).
Result<Config> make_config(const std::map<std::string, std::string>& kv,
                           char** environ_);

// Reads the file and the environment.
Result<Config> load_config(const std::string& path, char** environ_);

// "a.b.c.d/n" → Cidr.
Result<Cidr> parse_cidr(std::string_view text);

// A URI for logs and --check: the password of its userinfo replaced,
// "redis://:secret@h" → "redis://:***@h", "mongodb://u:p@h/x" →
// "mongodb://u:***@h/x".  Anything else unchanged.
std::string redact_uri(std::string_view uri);

// A webhook URL (listenerHookURL, here and per application:
// cluster/hook_settings.h): "" (none) or http(s)://, at most 1024 bytes,
// no spaces or control characters.  The error says what is wrong, without
// the key or the value.
Status check_hook_url(std::string_view url);

}  // namespace fanout
