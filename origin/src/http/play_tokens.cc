#include "http/play_tokens.h"

namespace fanout::http {

Result<std::unique_ptr<PlayKeys>> PlayKeys::load(const std::string& path)
{
    std::unique_ptr<PlayKeys> keys(new PlayKeys(path));
    Status st = keys->reload();
    if (!st) {
        return st.error();
    }
    return keys;
}

std::shared_ptr<const fo_pt_keyring> PlayKeys::get() const
{
    std::lock_guard<std::mutex> lock(mu_);
    return ring_;
}

Status PlayKeys::reload()
{
    auto ring = std::make_shared<fo_pt_keyring>();
    char err[128];
    if (fo_pt_keyring_load(path_.c_str(), ring.get(), err, sizeof(err)) != 0) {
        return Error(path_ + ": " + err);
    }
    std::lock_guard<std::mutex> lock(mu_);
    ring_ = std::move(ring);
    return {};
}

SignedRest split_signed_rest(std::string_view rest)
{
    std::string_view marker(FO_PT_MARKER, FO_PT_MARKER_LEN);
    if (rest.substr(0, marker.size()) != marker) {
        return {rest, {}};
    }
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos) {
        return {rest, {}};
    }
    return {rest.substr(slash + 1),
            rest.substr(marker.size(), slash - marker.size())};
}

std::optional<std::string_view> scope_of_rest(std::string_view rest)
{
    std::string_view s = rest.substr(0, rest.find('/'));
    if (s.size() == rest.size()) {  // {s}.m3u8
        size_t dot = s.rfind('.');
        if (dot == std::string_view::npos || dot == 0) {
            return std::nullopt;
        }
        s = s.substr(0, dot);
    }
    if (s.empty()) {
        return std::nullopt;
    }
    return s.substr(0, fo_stream_scope(s.data(), s.size()));
}

fo_pt_rc check_play_token(const fo_pt_keyring& ring, std::string_view token,
                          std::string_view app, std::string_view rest,
                          int64_t now_s, std::string_view addr)
{
    auto scope = scope_of_rest(rest);
    if (!scope) {
        return FO_PT_BAD_MAC;  // no stream: nothing it can be valid for
    }
    return fo_pt_verify(&ring, token.data(), token.size(), app.data(),
                        app.size(), scope->data(), scope->size(), now_s,
                        addr.data(), addr.size());
}

std::string sign_play_token(const fo_pt_keyring& ring, std::string_view app,
                            std::string_view id, int64_t expire_s)
{
    char out[FO_PT_TOKEN_MAX];
    size_t scope = fo_stream_scope(id.data(), id.size());
    size_t n = fo_pt_sign(&ring, app.data(), app.size(), id.data(), scope,
                          expire_s, nullptr, 0, out, sizeof(out));
    return std::string(out, n);
}

}  // namespace fanout::http
