#include "cluster/cluster_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <nlohmann/json.hpp>

namespace fanout::cluster {

namespace {

constexpr size_t kMaxTokenBytes = 4096;
const char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int sextet(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

std::string hmac_sha256(std::string_view key, std::string_view data)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
         &len);
    return std::string(reinterpret_cast<const char*>(mac), len);
}

// The decoded JSON object of a token part, or an error naming the part.
Result<nlohmann::json> json_part(std::string_view b64, const char* what)
{
    std::string raw;
    if (!base64url_decode(b64, &raw)) {
        return Error(std::string(what) + " is not base64url");
    }
    auto j = nlohmann::json::parse(raw, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return Error(std::string(what) + " is not a JSON object");
    }
    return j;
}

}  // namespace

std::string base64url_encode(std::string_view bytes)
{
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : bytes) {
        acc = (acc << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += kAlphabet[(acc >> bits) & 63];
        }
    }
    if (bits > 0) {
        out += kAlphabet[(acc << (6 - bits)) & 63];
    }
    return out;
}

bool base64url_decode(std::string_view text, std::string* out)
{
    if (text.size() % 4 == 1) {
        return false;
    }
    out->clear();
    uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        int v = sextet(c);
        if (v < 0) {
            return false;
        }
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out->push_back(static_cast<char>((acc >> bits) & 0xff));
        }
    }
    // Leftover bits must be zero (one encoding per byte string).
    return (acc & ((1u << bits) - 1)) == 0;
}

std::string sign_cluster_token(std::string_view key, int64_t now_s,
                               int64_t life_s)
{
    const nlohmann::json header = {{"alg", "HS256"}, {"typ", "JWT"}};
    const nlohmann::json payload = {
        {"iss", "fanout-origin"}, {"iat", now_s}, {"exp", now_s + life_s}};
    std::string signing_input = base64url_encode(header.dump()) + "."
                                + base64url_encode(payload.dump());
    std::string mac = hmac_sha256(key, signing_input);
    return signing_input + "." + base64url_encode(mac);
}

std::string sign_hs256_jwt(std::string_view key, const nlohmann::json& claims)
{
    const nlohmann::json header = {{"alg", "HS256"}, {"typ", "JWT"}};
    std::string signing_input =
        base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
    return signing_input + "."
           + base64url_encode(hmac_sha256(key, signing_input));
}

Result<nlohmann::json> verify_hs256_jwt(std::string_view key,
                                        std::string_view token)
{
    if (key.empty()) {
        return Error("no key configured");
    }
    if (token.empty() || token.size() > kMaxTokenBytes) {
        return Error("missing or oversized token");
    }
    size_t dot1 = token.find('.');
    size_t dot2 =
        dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos
        || token.find('.', dot2 + 1) != std::string_view::npos) {
        return Error("not a JWT (three dot-separated parts)");
    }
    auto header = json_part(token.substr(0, dot1), "header");
    if (!header) {
        return header.error();
    }
    const auto alg = header->find("alg");
    if (alg == header->end() || !alg->is_string() || *alg != "HS256") {
        return Error("alg must be HS256");
    }
    std::string sig;
    if (!base64url_decode(token.substr(dot2 + 1), &sig) || sig.size() != 32) {
        return Error("signature is not 32 bytes of base64url");
    }
    std::string want = hmac_sha256(key, token.substr(0, dot2));
    if (CRYPTO_memcmp(want.data(), sig.data(), want.size()) != 0) {
        return Error("bad signature");
    }
    return json_part(token.substr(dot1 + 1, dot2 - dot1 - 1), "payload");
}

Status verify_cluster_token(std::string_view key, std::string_view token,
                            int64_t now_s)
{
    if (key.empty()) {
        return Error("no cluster key configured");
    }
    if (token.empty() || token.size() > kMaxTokenBytes) {
        return Error("missing or oversized token");
    }
    size_t dot1 = token.find('.');
    size_t dot2 =
        dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos
        || token.find('.', dot2 + 1) != std::string_view::npos) {
        return Error("not a JWT (three dot-separated parts)");
    }
    auto header = json_part(token.substr(0, dot1), "header");
    if (!header) {
        return header.error();
    }
    const auto alg = header->find("alg");
    if (alg == header->end() || !alg->is_string() || *alg != "HS256") {
        return Error("alg must be HS256");
    }
    std::string sig;
    if (!base64url_decode(token.substr(dot2 + 1), &sig) || sig.size() != 32) {
        return Error("signature is not 32 bytes of base64url");
    }
    std::string want = hmac_sha256(key, token.substr(0, dot2));
    if (CRYPTO_memcmp(want.data(), sig.data(), want.size()) != 0) {
        return Error("bad signature");
    }
    auto payload =
        json_part(token.substr(dot1 + 1, dot2 - dot1 - 1), "payload");
    if (!payload) {
        return payload.error();
    }
    const auto exp = payload->find("exp");
    if (exp == payload->end() || !exp->is_number_integer()) {
        return Error("exp missing");
    }
    const int64_t e = exp->get<int64_t>();
    if (e + kClockLeewayS <= now_s) {
        return Error("token expired");
    }
    if (e > now_s + kMaxTokenLifeS + kClockLeewayS) {
        return Error("token lives too long");
    }
    return {};
}

}  // namespace fanout::cluster
