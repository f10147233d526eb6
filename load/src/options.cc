#include "options.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstdlib>
#include <functional>
#include <map>

namespace fanout::load {

Result<Url> parse_url(std::string_view s)
{
    Url u;
    size_t sep = s.find("://");
    if (sep == std::string_view::npos)
        return Error("no scheme in " + std::string(s));
    u.scheme = s.substr(0, sep);
    if (u.scheme != "rtmp" && u.scheme != "http")
        return Error("scheme " + u.scheme + " (rtmp:// or http://)");
    std::string_view rest = s.substr(sep + 3);
    size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    u.path =
        slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    u.port = u.scheme == "rtmp" ? 1935 : 80;
    size_t colon = authority.rfind(':');
    if (!authority.empty() && authority[0] == '[') {  // [v6]:port
        size_t close = authority.find(']');
        if (close == std::string_view::npos) return Error("bad IPv6 host");
        u.host = authority.substr(1, close - 1);
        colon = authority.size() > close + 1 && authority[close + 1] == ':'
                    ? close + 1
                    : std::string_view::npos;
    } else {
        u.host = authority.substr(0, colon);
    }
    if (colon != std::string_view::npos) {
        std::string_view p = authority.substr(colon + 1);
        unsigned port = 0;
        auto [e, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
        if (ec != std::errc() || e != p.data() + p.size() || port == 0
            || port > 65535)
            return Error("bad port in " + std::string(s));
        u.port = uint16_t(port);
    }
    if (u.host.empty()) return Error("no host in " + std::string(s));
    return u;
}

namespace {

std::optional<uint32_t> parse_ipv4(std::string_view s)
{
    in_addr a{};
    if (inet_pton(AF_INET, std::string(s).c_str(), &a) != 1)
        return std::nullopt;
    return ntohl(a.s_addr);
}

std::string format_ipv4(uint32_t v)
{
    in_addr a{htonl(v)};
    char buf[INET_ADDRSTRLEN];
    return inet_ntop(AF_INET, &a, buf, sizeof buf);
}

}  // namespace

Result<std::vector<std::string>> parse_address_range(std::string_view s)
{
    size_t dash = s.find('-');
    std::string_view a = s.substr(0, dash);
    std::string_view b =
        dash == std::string_view::npos ? a : s.substr(dash + 1);
    std::optional<uint32_t> first = parse_ipv4(a), last = parse_ipv4(b);
    if (!first || !last)
        return Error("IPv4 address or range FIRST-LAST, not " + std::string(s));
    if (*last < *first) return Error(std::string(s) + ": last before first");
    if (uint64_t(*last - *first) + 1 > kMaxSourceAddresses)
        return Error(std::string(s) + ": more than "
                     + std::to_string(kMaxSourceAddresses) + " addresses");
    std::vector<std::string> out;
    for (uint64_t v = *first; v <= *last; v++)
        out.push_back(format_ipv4(v));
    return out;
}

const std::string& source_address(const Options& o, size_t i)
{
    static const std::string none;
    return o.source_addresses.empty()
               ? none
               : o.source_addresses[i % o.source_addresses.size()];
}

bool is_loopback_host(std::string_view host)
{
    if (host == "localhost" || host == "::1") return true;
    unsigned a[4];
    char tail;
    std::string h(host);
    if (std::sscanf(h.c_str(), "%u.%u.%u.%u%c", &a[0], &a[1], &a[2], &a[3],
                    &tail)
        != 4)
        return false;
    return a[0] == 127 && a[1] < 256 && a[2] < 256 && a[3] < 256;
}

std::string expand(std::string_view tmpl, size_t i)
{
    std::string out;
    for (size_t at = 0;;) {
        size_t p = tmpl.find("{i}", at);
        out += tmpl.substr(at, p - at);
        if (p == std::string_view::npos) return out;
        out += std::to_string(i);
        at = p + 3;
    }
}

namespace {

Result<double> number(const std::string& flag, const std::string& v, double lo,
                      double hi)
{
    char* end = nullptr;
    double d = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !(d >= lo && d <= hi))
        return Error(flag + ": " + v + " is not a number in ["
                     + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return d;
}

using Setter = std::function<Status(Options&, const std::string&)>;

Setter num(double lo, double hi, std::function<void(Options&, double)> set)
{
    return [=](Options& o, const std::string& v) -> Status {
        Result<double> d = number("value", v, lo, hi);
        if (!d) return d.error();
        set(o, d.value());
        return {};
    };
}

Status rendition(Options& o, const std::string& v)
{
    if (v.rfind("bandwidth:", 0) == 0) {
        Result<double> d = number("--rendition", v.substr(10), 1, 1e12);
        if (!d) return d.error();
        o.rendition.bandwidth_bps = uint64_t(d.value());
        return {};
    }
    Result<double> d = number("--rendition", v, 0, 1000);
    if (!d) return Error("--rendition: INDEX or bandwidth:BPS, not " + v);
    o.rendition.index = size_t(d.value());
    return {};
}

Status distribution(Options& o, const std::string& v)
{
    if (v == "uniform") return o.zipf_s = 0, Status{};
    if (v == "zipf") return o.zipf_s = 1, Status{};
    if (v.rfind("zipf:", 0) == 0) {
        Result<double> d = number("--distribution", v.substr(5), 0.01, 10);
        if (!d) return d.error();
        o.zipf_s = d.value();
        return {};
    }
    return Error("--distribution: uniform, zipf or zipf:S, not " + v);
}

const std::map<std::string, Setter>& setters()
{
    static const std::map<std::string, Setter> m = {
        {"--publish-url",
         [](Options& o, const std::string& v) {
             o.publish_url = v;
             return Status{};
         }},
        {"--publishers",
         num(0, 1e6, [](Options& o, double d) { o.publishers = size_t(d); })},
        {"--flv",
         [](Options& o, const std::string& v) {
             o.flv = v;
             return Status{};
         }},
        {"--reconnect-delay",
         num(0.01, 600, [](Options& o, double d) { o.reconnect_delay_s = d; })},
        {"--send-interval",
         num(0, 1000,
             [](Options& o, double d) { o.send_interval_s = d / 1000; })},
        {"--play-url",
         [](Options& o, const std::string& v) {
             o.play_url = v;
             return Status{};
         }},
        {"--viewers",
         num(0, 1e7, [](Options& o, double d) { o.viewers = size_t(d); })},
        {"--streams",
         num(1, 1e6, [](Options& o, double d) { o.streams = size_t(d); })},
        {"--distribution", distribution},
        {"--rendition", rendition},
        {"--start-segments",
         num(1, 100,
             [](Options& o, double d) { o.start_segments = size_t(d); })},
        {"--start-buffer",
         num(0, 600, [](Options& o, double d) { o.start_buffer_s = d; })},
        {"--duration",
         num(1, kMaxDurationS, [](Options& o, double d) { o.duration_s = d; })},
        {"--ramp-up",
         num(0, kMaxDurationS, [](Options& o, double d) { o.ramp_up_s = d; })},
        {"--view-after", num(0, kMaxDurationS,
                             [](Options& o, double d) { o.view_after_s = d; })},
        {"--max-connections",
         num(1, 1e7,
             [](Options& o, double d) { o.max_connections = size_t(d); })},
        {"--connect-rate",
         num(0.1, 1e6, [](Options& o, double d) { o.connect_rate = d; })},
        {"--request-rate",
         num(0.1, 1e7, [](Options& o, double d) { o.request_rate = d; })},
        {"--timeout",
         num(0.1, 600, [](Options& o, double d) { o.timeout_s = d; })},
        {"--seed",
         num(0, 1e15, [](Options& o, double d) { o.seed = uint64_t(d); })},
        {"--source-addresses",
         [](Options& o, const std::string& v) -> Status {
             Result<std::vector<std::string>> r = parse_address_range(v);
             if (!r) return r.error();
             o.source_addresses = std::move(r.value());
             return {};
         }},
        {"--json",
         [](Options& o, const std::string& v) {
             o.json = v;
             return Status{};
         }},
    };
    return m;
}

Status check_target(const Options& o, const std::string& tmpl,
                    const char* scheme, size_t count)
{
    Result<Url> u = parse_url(expand(tmpl, 0));
    if (!u) return u.error();
    if (u->scheme != scheme)
        return Error(tmpl + ": expected " + scheme + "://");
    if (tmpl.find("{i}") != std::string::npos && count > 1) {
        Result<Url> last = parse_url(expand(tmpl, count - 1));
        if (!last || last->host != u->host)
            return Error(tmpl + ": {i} may not change the host");
    }
    if (!o.allow_remote && !is_loopback_host(u->host))
        return Error("refusing target " + u->host + " (" + tmpl
                     + "): not loopback; pass --allow-remote to load a "
                       "machine other than this one");
    return {};
}

Status check(Options& o)
{
    if (o.publishers == 0 && o.viewers == 0)
        return Error("nothing to do: give --publishers and/or --viewers");
    if (o.publishers > 0) {
        if (o.publish_url.empty() || o.flv.empty())
            return Error("--publishers needs --publish-url and --flv");
        if (Status s = check_target(o, o.publish_url, "rtmp", o.publishers); !s)
            return s;
    }
    if (o.viewers > 0) {
        if (o.play_url.empty()) return Error("--viewers needs --play-url");
        if (o.streams == 0) o.streams = std::max<size_t>(o.publishers, 1);
        if (Status s = check_target(o, o.play_url, "http", o.streams); !s)
            return s;
    }
    for (const std::string& a : o.source_addresses)
        if (!o.allow_remote && !is_loopback_host(a))
            return Error("refusing source address " + a
                         + ": not loopback; pass --allow-remote");
    if (o.publishers + o.viewers > o.max_connections)
        return Error(std::to_string(o.publishers + o.viewers)
                     + " connections exceed --max-connections "
                     + std::to_string(o.max_connections));
    return {};
}

}  // namespace

Result<Options> parse_options(const std::vector<std::string>& args)
{
    Options o;
    for (size_t i = 0; i < args.size(); i++) {
        const std::string& a = args[i];
        if (a == "--reconnect") {
            o.reconnect = true;
            continue;
        }
        if (a == "--allow-remote") {
            o.allow_remote = true;
            continue;
        }
        if (a == "--quiet") {
            o.quiet = true;
            continue;
        }
        auto it = setters().find(a);
        if (it == setters().end()) return Error("unknown flag " + a);
        if (i + 1 == args.size()) return Error(a + " needs a value");
        if (Status s = it->second(o, args[++i]); !s)
            return Error(a + ": " + s.error().message());
    }
    if (Status s = check(o); !s) return s.error();
    return o;
}

}  // namespace fanout::load
