#include "core/config.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "core/config_setters.h"
#include "core/log.h"
#include "core/stream_key.h"
#include "fanout/store.h"

#ifndef FANOUT_CONSOLE_DIR
#define FANOUT_CONSOLE_DIR "/usr/local/share/fanout/console"
#endif

namespace fanout {

namespace {

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty()
           && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

std::vector<std::string> split_list(std::string_view s)
{
    std::vector<std::string> out;
    while (!s.empty()) {
        size_t comma = s.find(',');
        std::string_view item = trim(s.substr(0, comma));
        if (!item.empty()) {
            out.emplace_back(item);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        s.remove_prefix(comma + 1);
    }
    return out;
}

// The first non-loopback IPv4 address, else loopback.
std::string first_ipv4()
{
    ifaddrs* list = nullptr;
    std::string found = "127.0.0.1";
    if (getifaddrs(&list) != 0) {
        return found;
    }
    for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
        if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) {
            continue;
        }
        auto* in = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
        if ((ntohl(in->sin_addr.s_addr) >> 24) == 127) {
            continue;
        }
        char buf[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &in->sin_addr, buf, sizeof(buf));
        found = buf;
        break;
    }
    freeifaddrs(list);
    return found;
}

// KEY.name → FANOUT_KEY_NAME
std::string env_name(std::string_view key)
{
    std::string out = "FANOUT_";
    for (char c : key) {
        out += c == '.' ? '_'
                        : static_cast<char>(
                            std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

Result<int> to_int(const std::string& key, const std::string& v, int lo, int hi)
{
    int out = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || end != v.data() + v.size() || out < lo
        || out > hi) {
        return Error(key + ": '" + v + "' is not an integer in ["
                     + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    return out;
}

}  // namespace

// "true" or "false", as Ant Media writes its booleans.
Status parse_bool(const std::string& v, bool* out)
{
    if (v != "true" && v != "false") {
        return Error("'" + v + "' must be true or false");
    }
    *out = v == "true";
    return {};
}

Result<std::map<std::string, std::string>> parse_properties(
    std::string_view text)
{
    std::map<std::string, std::string> kv;
    int line_no = 0;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = trim(text.substr(0, nl));
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        line_no++;
        if (line.empty() || line.front() == '#' || line.front() == '!') {
            continue;
        }
        size_t eq = line.find('=');
        if (eq == std::string_view::npos) {
            return Error("line " + std::to_string(line_no)
                         + ": expected key=value");
        }
        std::string_view key = trim(line.substr(0, eq));
        if (key.empty()) {
            return Error("line " + std::to_string(line_no) + ": empty key");
        }
        kv[std::string(key)] = std::string(trim(line.substr(eq + 1)));
    }
    return kv;
}

Result<Cidr> parse_cidr(std::string_view text)
{
    std::string s(text);
    int bits = 32;
    size_t slash = s.find('/');
    if (slash != std::string::npos) {
        auto b = to_int("cidr", s.substr(slash + 1), 0, 32);
        if (!b) {
            return Error("'" + s + "': prefix length must be 0..32");
        }
        bits = b.value();
        s.resize(slash);
    }
    in_addr a{};
    if (inet_pton(AF_INET, s.c_str(), &a) != 1) {
        return Error("'" + std::string(text) + "': not an IPv4 address/CIDR");
    }
    Cidr c;
    c.mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
    c.network = ntohl(a.s_addr) & c.mask;
    return c;
}

namespace {

template <class T>
Setter integer(T Config::*field, int lo, int hi)
{
    return [field, lo, hi](Config& c, const std::string& v) -> Status {
        auto r = to_int("", v, lo, hi);
        if (!r) {
            return Error("'" + v + "' is not an integer in ["
                         + std::to_string(lo) + ", " + std::to_string(hi)
                         + "]");
        }
        c.*field = static_cast<T>(r.value());
        return {};
    };
}

Setter text(std::string Config::*field)
{
    return [field](Config& c, const std::string& v) -> Status {
        c.*field = v;
        return {};
    };
}

Setter id(std::string Config::*field)
{
    return [field](Config& c, const std::string& v) -> Status {
        if (!fo_valid_id(v.c_str(), FO_ID_MAX)) {
            return Error("'" + v + "' must be 1..63 of [A-Za-z0-9_.-]");
        }
        c.*field = v;
        return {};
    };
}

Status set_segment_type(Config& c, const std::string& v)
{
    if (v != "fmp4" && v != "mpegts") {
        return Error("'" + v + "' must be fmp4 or mpegts");
    }
    c.hls_segment_type = v;
    return {};
}

Status set_hook_url(Config& c, const std::string& v)
{
    if (Status st = check_hook_url(v); !st) {
        return Error("'" + v + "' " + st.error().message());
    }
    c.listener_hook_url = v;
    return {};
}

Status set_apps(Config& c, const std::string& v)
{
    auto apps = split_list(v);
    if (apps.empty()) {
        return Error("needs at least one app");
    }
    for (auto& a : apps) {
        if (!valid_app_name(a)) {
            return Error("app '" + a + "' must be of [A-Za-z0-9_.-]");
        }
    }
    c.apps = apps;
    return {};
}

Setter cidrs(std::vector<Cidr> Config::*field)
{
    return [field](Config& c, const std::string& v) -> Status {
        (c.*field).clear();
        for (auto& item : split_list(v)) {
            auto cidr = parse_cidr(item);
            if (!cidr) {
                return cidr.error();
            }
            (c.*field).push_back(cidr.value());
        }
        return {};
    };
}

Setter flag(bool Config::*field)
{
    return [field](Config& c, const std::string& v) -> Status {
        return parse_bool(v, &(c.*field));
    };
}

Status set_log_level(Config& c, const std::string& v)
{
    log::Level l;
    if (!log::parse_level(v, &l)) {
        return Error("'" + v + "' must be debug, info, warn or error");
    }
    c.log_level = v;
    return {};
}

// The key signs tokens that make an origin give up a stream: long
// enough not to be guessed, and without blanks a properties file or an
// environment variable would mangle.  The error never shows the value.
Status set_cluster_key(Config& c, const std::string& v)
{
    if (!v.empty() && (v.size() < 16 || v.size() > 512)) {
        return Error("must be empty or 16 to 512 bytes");
    }
    for (unsigned char ch : v) {
        if (ch <= ' ' || ch >= 0x7f) {
            return Error("must be printable ASCII without blanks");
        }
    }
    c.cluster_key = v;
    return {};
}

// A key of HMAC-SHA256 (jwtSecretKey, listenerHookSecret): at least 32
// bytes, as Ant Media asks (a key shorter than the hash is weak).  The
// error never shows the value.
Setter hmac_key(std::string Config::*field)
{
    return [field](Config& c, const std::string& v) -> Status {
        if (!v.empty() && (v.size() < 32 || v.size() > 512)) {
            return Error("must be empty or 32 to 512 bytes");
        }
        for (unsigned char ch : v) {
            if (ch <= ' ' || ch >= 0x7f) {
                return Error("must be printable ASCII without blanks");
            }
        }
        c.*field = v;
        return {};
    };
}

// The alerts.* keys, whose rules are alerts/alert_settings.h's.
std::map<std::string, Setter> with_alert_keys(std::map<std::string, Setter> t)
{
    for (const std::string& key : alerts::setting_keys()) {
        t[key] = [key](Config& c, const std::string& v) {
            return alerts::set_setting(c.alerts, key, v);
        };
    }
    return t;
}

// Every key the origin knows.
// size: table
const std::map<std::string, Setter>& setters()
{
    static const std::map<std::string, Setter> table = [] {
        std::map<std::string, Setter> t = with_alert_keys({
            {"server.name", id(&Config::server_name)},
            {"server.host_address", text(&Config::host_address)},
            {"server.bind_address", text(&Config::bind_address)},
            {"http.port", integer(&Config::http_port, 1, 65535)},
            {"rtmp.port", integer(&Config::rtmp_port, 1, 65535)},
            {"clusterdb.host", text(&Config::store_uri)},
            {"nodeGroup", id(&Config::node_group)},
            {"cluster.update_period_ms",
             integer(&Config::update_period_ms, 100, 600000)},
            {"cluster.dead_factor", integer(&Config::dead_factor, 2, 100)},
            {"hlsTime", integer(&Config::hls_time_s, 1, 60)},
            {"hlsListSize", integer(&Config::hls_list_size, 2, 100)},
            {"dashWindowSize", integer(&Config::dash_window_size, 0, 1000)},
            {"hlsSegmentType", set_segment_type},
            {"listenerHookURL", set_hook_url},
            {"listenerHookSecret", hmac_key(&Config::hook_secret)},
            {"apps", set_apps},
            {"remoteAllowedCIDR", cidrs(&Config::rest_allowed)},
            {"http.trusted_proxies", cidrs(&Config::trusted_proxies)},
            {"jwtControlEnabled", flag(&Config::jwt_enabled)},
            {"jwtSecretKey", hmac_key(&Config::jwt_secret)},
            {"rtmp.max_connections",
             integer(&Config::rtmp_max_connections, 1, 100000)},
            {"rtmp.merge_read_ms",
             integer(&Config::rtmp_merge_read_ms, 0, 1000)},
            {"http.max_body_bytes",
             integer(&Config::http_max_body, 1024, 64 << 20)},
            {"log.level", set_log_level},
            {"clusterCommunicationKey", set_cluster_key},
            {"cluster.takeover_timeout_ms",
             integer(&Config::takeover_timeout_ms, 50, 10000)},
            {"http.rest_queue_max",
             integer(&Config::rest_queue_max, 1, 100000)},
            {"rtmp.handshake_timeout_ms",
             integer(&Config::rtmp_handshake_timeout_ms, 1000, 120000)},
            {"rtmp.idle_timeout_ms",
             integer(&Config::rtmp_idle_timeout_ms, 1000, 600000)},
            {"rtmp.max_connections_per_ip",
             integer(&Config::rtmp_max_per_ip, 0, 100000)},
            {"http.max_connections_per_ip",
             integer(&Config::http_max_per_ip, 0, 1000000)},
            {"http.header_timeout_ms",
             integer(&Config::http_header_timeout_ms, 1000, 120000)},
            {"http.idle_timeout_ms",
             integer(&Config::http_idle_timeout_ms, 1000, 3600000)},
            {"http.max_connections",
             integer(&Config::http_max_connections, 1, 1000000)},
            {"http.max_requests_per_connection",
             integer(&Config::http_max_requests, 1, 1000000)},
            {"segment.max_bytes",
             integer(&Config::segment_max_bytes, 1 << 20, 1 << 30)},
            {"segment.max_samples",
             integer(&Config::segment_max_samples, 256, 100000)},
            {"store.auto_broadcast_retention_s",
             integer(&Config::auto_broadcast_retention_s, 0, 315360000)},
            {"broadcast.max_per_app",
             integer(&Config::broadcast_max_per_app, 0, 100000000)},
            {"play.signed", flag(&Config::play_signed)},
            {"play.keys_file", text(&Config::play_keys_file)},
            {"play.session_s", integer(&Config::play_session_s, 60, 604800)},
            {"console.dir", text(&Config::console_dir)},
            {"console.session_s",
             integer(&Config::console_session_s, 300, 2592000)},
            {"console.login_max_failures",
             integer(&Config::console_login_max_failures, 1, 1000)},
            {"console.login_window_s",
             integer(&Config::console_login_window_s, 1, 86400)},
        });
        add_app_default_setters(t);
        return t;
    }();
    return table;
}

// The environment overrides the file (containers): FANOUT_HTTP_PORT for
// http.port.
void override_from_environment(std::map<std::string, std::string>& kv,
                               char** environ_)
{
    for (char** e = environ_; e != nullptr && *e != nullptr; e++) {
        std::string_view entry(*e);
        size_t eq = entry.find('=');
        for (const auto& [key, setter] : setters()) {
            if (entry.substr(0, eq) == env_name(key)) {
                kv[key] = std::string(entry.substr(eq + 1));
            }
        }
    }
}

// What a key left unset defaults to when the default depends on the host
// or on other keys.
void fill_defaults(Config& c)
{
    if (c.host_address.empty()) {
        c.host_address = first_ipv4();
    }
    if (c.server_name.empty()) {
        c.server_name =
            "origin-" + c.host_address + "-" + std::to_string(c.http_port);
        for (char& ch : c.server_name) {
            if (ch == ':') {
                ch = '-';
            }
        }
    }
    if (c.rest_allowed.empty()) {
        c.rest_allowed.push_back(parse_cidr("127.0.0.0/8").value());
    }
    if (c.store_uri.empty()) {
        std::filesystem::path run = std::filesystem::current_path() / "run";
        std::error_code ec;
        std::filesystem::create_directories(run, ec);
        c.store_uri = "sqlite://" + (run / "cluster.db").string();
    }
    // The store judges liveness with the cluster's period and factor.
    if (c.store_uri.find("update_period_ms=") == std::string::npos) {
        c.store_uri += c.store_uri.find('?') == std::string::npos ? "?" : "&";
        c.store_uri += "update_period_ms=" + std::to_string(c.update_period_ms)
                       + "&dead_factor=" + std::to_string(c.dead_factor);
    }
}

// An error that already starts with its key (the ladder's).
bool names_key(const std::string& message, const std::string& key)
{
    return message.rfind(key + ":", 0) == 0 || message.rfind(key + "[", 0) == 0;
}

}  // namespace

Result<Config> make_config(const std::map<std::string, std::string>& file_kv,
                           char** environ_)
{
    std::map<std::string, std::string> kv = file_kv;
    override_from_environment(kv, environ_);
    Config c;
    c.console_dir = FANOUT_CONSOLE_DIR;
    for (const auto& [key, value] : kv) {
        auto it = setters().find(key);
        if (it == setters().end()) {
            return Error("unknown key '" + key + "'");
        }
        Status st = it->second(c, value);
        if (!st) {
            return names_key(st.error().message(), key) ? st.error()
                                                        : st.error().wrap(key);
        }
    }
    if (c.jwt_enabled && c.jwt_secret.empty()) {
        return Error(
            "jwtControlEnabled=true needs jwtSecretKey (32 to 512 bytes, "
            "e.g. `openssl rand -hex 32`; or FANOUT_JWTSECRETKEY)");
    }
    fill_defaults(c);
    // A control that is on by default needs its secret: stop here, not at
    // the first publish.
    if (c.tokens.publish_jwt && c.tokens.jwt_secret.empty()) {
        return Error(std::string(auth::kJwtStreamSecretKey)
                     + ": must be set when publishJwtControlEnabled=true");
    }
    if (c.tokens.publish_hash && c.tokens.hash_secret.empty()) {
        return Error(std::string(auth::kTokenHashSecret)
                     + ": must be set when hashControlPublishEnabled=true");
    }
    if (c.play_signed && c.play_keys_file.empty()) {
        return Error("play.signed: needs play.keys_file");
    }
    if (Status st = alerts::check_settings(c.alerts); !st) {
        return st.error();
    }
    return c;
}

std::string redact_uri(std::string_view uri)
{
    const size_t scheme = uri.find("://");
    if (scheme == std::string_view::npos) {
        return std::string(uri);
    }
    const size_t start = scheme + 3;
    // The authority ends at the first '/', '?' or '#'; its userinfo at
    // its last '@'.
    size_t end = uri.find_first_of("/?#", start);
    std::string_view authority =
        uri.substr(start, end == std::string_view::npos ? std::string_view::npos
                                                        : end - start);
    const size_t at = authority.rfind('@');
    if (at == std::string_view::npos) {
        return std::string(uri);
    }
    const size_t colon = authority.substr(0, at).find(':');
    if (colon == std::string_view::npos) {
        return std::string(uri);
    }
    return std::string(uri.substr(0, start + colon + 1)) + "***"
           + std::string(uri.substr(start + at));
}

Result<Config> load_config(const std::string& path, char** environ_)
{
    std::ifstream in(path);
    if (!in) {
        return Error("cannot read " + path + ": " + std::strerror(errno));
    }
    std::stringstream text;
    text << in.rdbuf();
    auto kv = parse_properties(text.str());
    if (!kv) {
        return kv.error().wrap(path);
    }
    auto config = make_config(kv.value(), environ_);
    if (!config) {
        return config.error().wrap(path);
    }
    return config;
}

Status check_hook_url(std::string_view url)
{
    if (url.empty()) {
        return {};
    }
    if (url.size() > 1024) {
        return Error("must be at most 1024 bytes");
    }
    if (!url.starts_with("http://") && !url.starts_with("https://")) {
        return Error("must be an http(s):// URL (or empty)");
    }
    for (unsigned char c : url) {
        if (c <= 0x20 || c == 0x7f) {
            return Error("must not contain spaces or control characters");
        }
    }
    return {};
}

}  // namespace fanout
