#include "auth/stream_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/jwt.h"

namespace fanout::auth {

namespace {

std::string sha256_hex(std::string_view data)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
    return jwt::hex_encode(
        std::string_view(reinterpret_cast<const char*>(md), len));
}

CheckResult invalid(std::string why)
{
    return {TokenCheck::Invalid, std::move(why)};
}

}  // namespace

std::string hash_token(std::string_view stream_id, std::string_view type,
                       std::string_view secret)
{
    std::string input;
    input.reserve(stream_id.size() + type.size() + secret.size());
    input.append(stream_id).append(type).append(secret);
    return sha256_hex(input);
}

CheckResult check_hash_token(std::string_view secret,
                             std::string_view stream_id, std::string_view type,
                             std::string_view token)
{
    if (secret.empty()) {
        return invalid("no tokenHashSecret");
    }
    const std::string want = hash_token(stream_id, type, secret);
    if (token.size() != want.size()) {
        return invalid("hash token is not 64 hex digits");
    }
    if (CRYPTO_memcmp(want.data(), token.data(), want.size()) != 0) {
        return invalid("hash token does not match");
    }
    return {TokenCheck::Ok, {}};
}

std::string issue_stream_jwt(std::string_view secret,
                             std::string_view stream_id, std::string_view type,
                             int64_t exp_s)
{
    return jwt::sign(secret,
                     {{"streamId", stream_id}, {"type", type}, {"exp", exp_s}});
}

CheckResult check_stream_jwt(std::string_view secret, std::string_view token,
                             std::string_view stream_id, std::string_view type,
                             int64_t now_s)
{
    // Signature, alg and shape here; exp below, against now_s, so that an
    // expired token is told from a forged one (verify at time 0 passes
    // any exp).
    auto claims = jwt::verify(secret, token, 0);
    if (!claims) {
        return invalid("JWT: " + claims.error().message());
    }
    const nlohmann::json& c = claims.value();
    auto sid = c.find("streamId");
    if (sid == c.end() || !sid->is_string() || *sid != stream_id) {
        return invalid("JWT: streamId is another stream's");
    }
    auto t = c.find("type");
    if (t == c.end() || !t->is_string() || *t != type) {
        return invalid("JWT: type is not " + std::string(type));
    }
    auto exp = c.find("exp");
    if (exp == c.end() || !exp->is_number_integer()) {
        return invalid("JWT: exp missing");
    }
    if (exp->get<int64_t>() <= now_s) {
        return {TokenCheck::Expired, "JWT: expired"};
    }
    return {TokenCheck::Ok, {}, exp->get<int64_t>()};
}

}  // namespace fanout::auth
