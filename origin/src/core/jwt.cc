#include "core/jwt.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/json_depth.h"

namespace fanout::jwt {

namespace {

using nlohmann::json;

constexpr size_t kMacBytes = 32;  // SHA-256
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

// The decoded JSON object of a token part, or an error naming the part.
Result<json> json_part(std::string_view b64, const char* what)
{
    std::string raw;
    if (!base64url_decode(b64, &raw)) {
        return Error(std::string(what) + " is not base64url");
    }
    if (json_too_deep(raw)) {
        return Error(std::string(what) + " nests too deep");
    }
    json j = json::parse(raw, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
        return Error(std::string(what) + " is not a JSON object");
    }
    return j;
}

Status check_header(std::string_view b64)
{
    auto header = json_part(b64, "header");
    if (!header) {
        return header.error();
    }
    const auto alg = header->find("alg");
    if (alg == header->end() || !alg->is_string() || *alg != "HS256") {
        return Error("alg must be HS256");
    }
    if (header->contains("crit")) {
        return Error("crit extensions are not supported");
    }
    return {};
}

Status check_exp(const json& claims, int64_t now_s, const Rules& rules)
{
    const auto exp = claims.find("exp");
    if (exp == claims.end()) {
        return rules.require_exp ? Status(Error("exp missing")) : Status();
    }
    if (!exp->is_number_integer()) {
        return Error("exp must be an integer (Unix seconds)");
    }
    // An unsigned exp beyond int64 is far in the future: clamp it.
    const int64_t e =
        exp->is_number_unsigned() && exp->get<uint64_t>() > uint64_t(INT64_MAX)
            ? INT64_MAX
            : exp->get<int64_t>();
    if (e <= now_s - rules.leeway_s) {
        return Error("token expired");
    }
    if (rules.max_life_s > 0 && e > now_s + rules.max_life_s + rules.leeway_s) {
        return Error("token lives too long");
    }
    return {};
}

}  // namespace

std::string hmac_sha256(std::string_view key, std::string_view data)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
         &len);
    return std::string(reinterpret_cast<const char*>(mac), len);
}

std::string hex_encode(std::string_view bytes)
{
    static const char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
    return out;
}

std::string base64url_encode(std::string_view bytes)
{
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
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
    out->reserve(text.size() * 3 / 4);
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
    return (acc & ((1u << bits) - 1)) == 0;
}

std::string sign(std::string_view key, const json& claims)
{
    static const std::string header =
        base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
    // Invalid UTF-8 in a claim is replaced, never thrown.
    std::string input = header + "."
                        + base64url_encode(claims.dump(
                            -1, ' ', false, json::error_handler_t::replace));
    return input + "." + base64url_encode(hmac_sha256(key, input));
}

Result<json> verify(std::string_view key, std::string_view token, int64_t now_s,
                    const Rules& rules)
{
    if (key.empty()) {
        return Error("no key configured");
    }
    if (token.empty()) {
        return Error("empty token");
    }
    if (token.size() > kMaxTokenBytes) {
        return Error("token larger than " + std::to_string(kMaxTokenBytes)
                     + " bytes");
    }
    const size_t dot1 = token.find('.');
    const size_t dot2 =
        dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos
        || token.find('.', dot2 + 1) != std::string_view::npos) {
        return Error("not a JWT (three dot-separated parts)");
    }
    if (Status st = check_header(token.substr(0, dot1)); !st) {
        return st.error();
    }
    std::string sig;
    if (!base64url_decode(token.substr(dot2 + 1), &sig)
        || sig.size() != kMacBytes) {
        return Error("signature is not 32 bytes of base64url");
    }
    const std::string want = hmac_sha256(key, token.substr(0, dot2));
    if (CRYPTO_memcmp(want.data(), sig.data(), kMacBytes) != 0) {
        return Error("bad signature");
    }
    auto claims = json_part(token.substr(dot1 + 1, dot2 - dot1 - 1), "payload");
    if (!claims) {
        return claims.error();
    }
    if (Status st = check_exp(claims.value(), now_s, rules); !st) {
        return st.error();
    }
    return claims;
}

}  // namespace fanout::jwt
