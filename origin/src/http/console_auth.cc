#include "http/console_auth.h"

#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <mutex>

#include "core/log.h"
#include "http/cluster_login_limit.h"
#include "http/console_session.h"
#include "http/rest_gate.h"
#include "http/rest_util.h"

namespace fanout::http {

namespace {

using nlohmann::json;

constexpr size_t kMinPassword = 8;
constexpr size_t kMaxPassword = 256;

int64_t wall_now_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Response result(int status, bool success, std::string_view message = {})
{
    json j{{"success", success}};
    if (!message.empty()) {
        j["message"] = message;
    }
    return Response::json(status, j);
}

struct Credentials {
    std::string email;
    std::string password;
};

// {"email","password"} (Ant Media's User); other fields are ignored.
Result<Credentials> parse_credentials(const std::string& body)
{
    json j = json::parse(body, nullptr, false);
    if (!j.is_object() || !j.contains("email") || !j["email"].is_string()
        || !j.contains("password") || !j["password"].is_string()) {
        return Error("the body must be {\"email\":...,\"password\":...}");
    }
    Credentials c{j["email"].get<std::string>(),
                  j["password"].get<std::string>()};
    if (!fo_valid_email(c.email.c_str())) {
        return Error("email: 1 to 127 of A-Z a-z 0-9 _ . @ + -");
    }
    if (c.password.size() > kMaxPassword) {
        return Error("password: at most 256 bytes");
    }
    return c;
}

// A hash to check against when the email is unknown, so that an unknown
// email costs what a wrong password does.
const char* dummy_hash()
{
    static std::once_flag once;
    static char hash[crypto_pwhash_STRBYTES];
    std::call_once(once, [] {
        const char pw[] = "fanout-no-such-user";
        if (crypto_pwhash_str(hash, pw, sizeof pw - 1,
                              crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE)
            != 0) {
            hash[0] = '\0';
        }
    });
    return hash;
}

bool password_matches(const char* hash, const std::string& password)
{
    return hash[0] != '\0'
           && crypto_pwhash_str_verify(hash, password.data(), password.size())
                  == 0;
}

// Error code of a login the cluster's counts refuse (message: the ms to
// wait); kLoginStoreError (1) a store failure; 0 wrong credentials.
constexpr int kLoginLimited = 2;

struct LoginJob {
    std::string email;
    std::string client;
    int max_failures;
    int64_t window_ms;
};

// On a pool thread: the cluster's failed-login counts, then the password;
// the issue time (the store's clock) when it matches.  A failure is
// counted in the store, a success clears the counts.
Result<int64_t> check_login(fo_store* store, const LoginJob& job,
                            const Credentials& c)
{
    auto wait =
        cluster_login_wait(store, job.client, job.email, job.max_failures);
    if (!wait) {
        return wait.error();
    }
    if (wait.value() > 0) {
        return Error(kLoginLimited, std::to_string(wait.value()));
    }
    fo_user u{};
    fo_error err{};
    fo_status st = fo_user_get(store, c.email.c_str(), &u, &err);
    if (st != FO_OK && st != FO_NOT_FOUND) {
        return Error(kLoginStoreError, err.msg);
    }
    const char* hash = st == FO_OK ? u.password_hash : dummy_hash();
    if (!password_matches(hash, c.password) || st != FO_OK) {
        auto counted =
            cluster_login_failed(store, job.client, job.email, job.window_ms);
        if (!counted) {
            return counted.error();
        }
        return Error("wrong email or password");
    }
    auto cleared = cluster_login_succeeded(store, job.client, job.email);
    if (!cleared) {
        return cleared.error();
    }
    int64_t now_ms = 0;
    if (fo_store_now(store, &now_ms, &err) != FO_OK) {
        return Error(kLoginStoreError, err.msg);
    }
    return now_ms;
}

bool is_get(const Request& r)
{
    return r.method == Method::Get || r.method == Method::Head;
}

template <size_t N>
void fo_strlcpy_cpp(char (&dst)[N], std::string_view src)
{
    size_t n = std::min(src.size(), N - 1);
    src.copy(dst, n);
    dst[n] = '\0';
}

}  // namespace

ConsoleAuth::ConsoleAuth(OriginContext& ctx)
    : ctx_(ctx),
      key_(ctx.config.cluster_key.empty()
               ? std::string()
               : session_key(ctx.config.cluster_key)),
      by_address_(ctx.config.console_login_max_failures,
                  ctx.config.console_login_window_s * int64_t{1000},
                  kLoginMaxKeys),
      by_user_(ctx.config.console_login_max_failures,
               ctx.config.console_login_window_s * int64_t{1000}, kLoginMaxKeys)
{
    if (sodium_init() < 0) {
        log::error("console: libsodium did not initialise; no login");
        key_.clear();
    }
}

bool ConsoleAuth::handles(const std::vector<std::string>& t)
{
    if (t.size() == 1) {
        return t[0] == "first-login-status" || t[0] == "authentication-status";
    }
    return t.size() == 2 && t[0] == "users"
           && (t[1] == "initial" || t[1] == "authenticate" || t[1] == "logout");
}

void ConsoleAuth::handle(const std::vector<std::string>& t, Request& req,
                         const Peer& peer, Respond respond)
{
    const std::string& last = t.back();
    const bool get =
        last == "first-login-status" || last == "authentication-status";
    if (get ? !is_get(req) : req.method != Method::Post) {
        return respond(method_not_allowed(get ? "GET, HEAD" : "POST"));
    }
    if (key_.empty() && last != "first-login-status") {
        return respond(
            result(503, false, "console login needs clusterCommunicationKey"));
    }
    if (last == "first-login-status") {
        return first_login_status(std::move(respond));
    }
    if (last == "authentication-status") {
        return authentication_status(req, std::move(respond));
    }
    if (last == "initial") {
        return initial(req, std::move(respond));
    }
    if (last == "authenticate") {
        return authenticate(req, peer, std::move(respond));
    }
    logout(req, peer, std::move(respond));
}

void ConsoleAuth::first_login_status(Respond respond)
{
    fo_store* store = ctx_.store;
    run_count(
        ctx_,
        [store](int64_t* n, fo_error* err) {
            return fo_user_count(store, n, err);
        },
        [](int64_t n) { return result(200, n == 0); }, std::move(respond));
}

void ConsoleAuth::initial(const Request& req, Respond respond)
{
    auto creds = parse_credentials(req.body);
    if (!creds) {
        return respond(result(400, false, creds.error().message()));
    }
    if (creds->password.size() < kMinPassword) {
        return respond(result(400, false, "password: at least 8 bytes"));
    }
    fo_store* store = ctx_.store;
    Metrics* metrics = &ctx_.metrics;
    run_blocking(
        ctx_,
        [store, metrics, c = std::move(creds.value())]() -> Response {
            int64_t n = 0;
            fo_error err{};
            fo_status st = fo_user_count(store, &n, &err);
            if (st != FO_OK) {
                return store_failure(*metrics, st, err, "");
            }
            if (n > 0) {
                return result(403, false, "the first user exists already");
            }
            fo_user u{};
            fo_strlcpy_cpp(u.email, c.email);
            fo_strlcpy_cpp(u.user_type, "ADMIN");
            if (crypto_pwhash_str(u.password_hash, c.password.data(),
                                  c.password.size(),
                                  crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                  crypto_pwhash_MEMLIMIT_INTERACTIVE)
                != 0) {
                return result(500, false, "out of memory hashing");
            }
            st = fo_user_create(store, &u, &err);
            if (st == FO_CONFLICT) {
                return result(403, false, "the first user exists already");
            }
            if (st != FO_OK) {
                return store_failure(*metrics, st, err, "");
            }
            log::info("console: first user " + c.email + " created");
            return result(200, true);
        },
        std::move(respond));
}

// The pool work answers the issue time (the store's clock) when the
// password matches, else an Error: code 1 the store's, 0 wrong
// credentials.
void ConsoleAuth::authenticate(const Request& req, const Peer& peer,
                               Respond respond)
{
    auto creds = parse_credentials(req.body);
    if (!creds) {
        return respond(result(400, false, creds.error().message()));
    }
    auto client = rest_client(ctx_.config, req, peer);
    std::string addr = client ? client->to_string() : peer.address.to_string();
    const int64_t now = wall_now_ms();
    int64_t wait = std::max(by_address_.retry_after_ms(addr, now),
                            by_user_.retry_after_ms(creds->email, now));
    if (wait > 0) {
        Response r =
            result(429, false, "too many failed logins; try again later");
        r.add_header("Retry-After", std::to_string((wait + 999) / 1000));
        return respond(std::move(r));
    }
    if (ctx_.pool.full()) {
        return respond(result(503, false, "busy; try again"));
    }
    fo_store* store = ctx_.store;
    std::string email = creds->email;
    bool secure = came_over_https(ctx_.config, req, peer);
    LoginJob job{creds->email, addr, ctx_.config.console_login_max_failures,
                 int64_t{ctx_.config.console_login_window_s} * 1000};
    ctx_.pool.run(
        [store, job, c = std::move(creds.value())]() {
            return check_login(store, job, c);
        },
        [this, email, addr, secure,
         respond = std::move(respond)](Result<int64_t> issued) mutable {
            login_done(email, addr, secure, std::move(issued),
                       std::move(respond));
        });
}

void ConsoleAuth::login_done(const std::string& email,
                             const std::string& client, bool secure,
                             Result<int64_t> issued, Respond respond)
{
    if (!issued && issued.error().code() == 1) {
        log::warn("console: login: store: " + issued.error().message());
        return respond(result(503, false, "cluster store unavailable"));
    }
    if (!issued && issued.error().code() == kLoginLimited) {
        Response r =
            result(429, false, "too many failed logins; try again later");
        int64_t wait = std::stoll(issued.error().message());
        r.add_header("Retry-After", std::to_string((wait + 999) / 1000));
        return respond(std::move(r));
    }
    const int64_t now = wall_now_ms();
    if (!issued) {
        by_address_.failed(client, now);
        by_user_.failed(email, now);
        log::info("console: failed login for " + email + " from " + client);
        return respond(result(401, false, "wrong email or password"));
    }
    by_address_.succeeded(client);
    by_user_.succeeded(email);
    const int max_age = ctx_.config.console_session_s;
    ConsoleSession s{email, issued.value(),
                     issued.value() + int64_t{max_age} * 1000};
    Response r = result(200, true);
    r.add_header("Set-Cookie",
                 session_set_cookie(sign_session(key_, s), max_age, secure));
    r.add_header("Cache-Control", "no-store");
    log::info("console: " + email + " logged in from " + client);
    respond(std::move(r));
}

void ConsoleAuth::check_session(
    bool console_header, const std::string& cookie,
    std::function<void(std::optional<Response>)> then)
{
    if (!console_header) {
        return then(
            result(403, false, "a console session needs X-Fanout-Console: 1"));
    }
    auto s = verify_session(key_, cookie, wall_now_ms());
    if (!s) {
        return then(
            result(401, false, "console session: " + s.error().message()));
    }
    if (ctx_.pool.full()) {
        return then(result(503, false, "busy; try again"));
    }
    fo_store* store = ctx_.store;
    ctx_.pool.run(
        [store, s = std::move(s.value())]() -> std::optional<Response> {
            fo_user u{};
            fo_error err{};
            fo_status st = fo_user_get(store, s.email.c_str(), &u, &err);
            if (st == FO_ERR) {
                return result(503, false, "cluster store unavailable");
            }
            if (st != FO_OK || u.revoked_ms >= s.issued_ms) {
                return result(401, false, "console session: revoked");
            }
            return std::nullopt;
        },
        std::move(then));
}

void ConsoleAuth::authentication_status(const Request& req, Respond respond)
{
    check_session(
        true, cookie_value(req, kSessionCookie).value_or(""),
        [respond = std::move(respond)](std::optional<Response> refusal) {
            respond(result(200, !refusal.has_value()));
        });
}

void ConsoleAuth::logout(const Request& req, const Peer& peer, Respond respond)
{
    bool secure = came_over_https(ctx_.config, req, peer);
    auto s = verify_session(
        key_, cookie_value(req, kSessionCookie).value_or(""), wall_now_ms());
    auto cleared = [secure](Response r) {
        r.add_header("Set-Cookie", session_clear_cookie(secure));
        return r;
    };
    if (!s || !has_console_header(req)) {
        // Nothing to void (or no proof the console asked): just forget it.
        return respond(cleared(result(200, true)));
    }
    fo_store* store = ctx_.store;
    Metrics* metrics = &ctx_.metrics;
    run_blocking(
        ctx_,
        [store, metrics, cleared, email = s->email]() -> Response {
            fo_error err{};
            fo_status st = fo_user_revoke(store, email.c_str(), nullptr, &err);
            if (st != FO_OK && st != FO_NOT_FOUND) {
                return store_failure(*metrics, st, err, "");
            }
            log::info("console: " + email + " logged out");
            return cleared(result(200, true));
        },
        std::move(respond));
}

}  // namespace fanout::http
