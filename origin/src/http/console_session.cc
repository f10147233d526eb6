#include "http/console_session.h"

#include <openssl/crypto.h>

#include <charconv>

#include "core/jwt.h"
#include "http/access.h"

namespace fanout::http {

namespace {

constexpr std::string_view kKeyLabel = "fanout-console-session-v1";

bool parse_ms(std::string_view text, int64_t* out)
{
    if (text.empty() || text.size() > 15) {
        return false;
    }
    auto [end, ec] =
        std::from_chars(text.data(), text.data() + text.size(), *out);
    return ec == std::errc() && end == text.data() + text.size() && *out >= 0;
}

// "a.b.c.d" into its four parts; false for any other count.
bool four_parts(std::string_view v, std::string_view out[4])
{
    for (int i = 0; i < 3; i++) {
        size_t dot = v.find('.');
        if (dot == std::string_view::npos) {
            return false;
        }
        out[i] = v.substr(0, dot);
        v.remove_prefix(dot + 1);
    }
    out[3] = v;
    return out[3].find('.') == std::string_view::npos;
}

std::string signed_part(const ConsoleSession& s)
{
    return jwt::base64url_encode(s.email) + "." + std::to_string(s.issued_ms)
           + "." + std::to_string(s.expires_ms);
}

}  // namespace

std::string session_key(std::string_view cluster_key)
{
    return jwt::hmac_sha256(cluster_key, kKeyLabel);
}

std::string sign_session(std::string_view key, const ConsoleSession& s)
{
    std::string body = signed_part(s);
    return body + "." + jwt::base64url_encode(jwt::hmac_sha256(key, body));
}

Result<ConsoleSession> verify_session(std::string_view key,
                                      std::string_view value, int64_t now_ms)
{
    std::string_view part[4];
    if (key.empty() || value.size() > 1024 || !four_parts(value, part)) {
        return Error("malformed session");
    }
    std::string mac;
    if (!jwt::base64url_decode(part[3], &mac) || mac.size() != 32) {
        return Error("malformed session");
    }
    std::string body = std::string(value.substr(0, value.rfind('.')));
    std::string want = jwt::hmac_sha256(key, body);
    if (CRYPTO_memcmp(want.data(), mac.data(), want.size()) != 0) {
        return Error("bad session signature");
    }
    ConsoleSession s;
    if (!jwt::base64url_decode(part[0], &s.email)
        || !parse_ms(part[1], &s.issued_ms)
        || !parse_ms(part[2], &s.expires_ms)) {
        return Error("malformed session");
    }
    if (now_ms >= s.expires_ms) {
        return Error("session expired");
    }
    return s;
}

std::optional<std::string> cookie_value(const Request& req,
                                        std::string_view name)
{
    for (const Header& h : req.headers) {
        if (h.name != "cookie") {
            continue;
        }
        std::string_view v = h.value;
        while (!v.empty()) {
            size_t semi = v.find(';');
            std::string_view pair = trim_ows(v.substr(0, semi));
            size_t eq = pair.find('=');
            if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
                return std::string(pair.substr(eq + 1));
            }
            if (semi == std::string_view::npos) {
                break;
            }
            v.remove_prefix(semi + 1);
        }
    }
    return std::nullopt;
}

std::string session_set_cookie(std::string_view value, int max_age_s,
                               bool secure)
{
    return std::string(kSessionCookie) + "=" + std::string(value)
           + "; Path=/; Max-Age=" + std::to_string(max_age_s)
           + "; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
}

std::string session_clear_cookie(bool secure)
{
    return std::string(kSessionCookie)
           + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"
           + (secure ? "; Secure" : "");
}

bool came_over_https(const Config& config, const Request& req, const Peer& peer)
{
    if (!in_cidrs(config.trusted_proxies, peer.address)) {
        return false;
    }
    const std::string* proto = req.header("x-forwarded-proto");
    return proto != nullptr && iequals(trim_ows(*proto), "https");
}

bool has_console_header(const Request& req)
{
    const std::string* h = req.header(kConsoleHeader);
    return h != nullptr && trim_ows(*h) == "1";
}

}  // namespace fanout::http
