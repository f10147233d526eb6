#include "auth/token_query.h"

namespace fanout::auth {

namespace {

int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The decoded value, or false when it is not a well-formed token.
bool decode_value(std::string_view raw, std::string* out)
{
    out->clear();
    for (size_t i = 0; i < raw.size(); i++) {
        char c = raw[i];
        if (c == '%') {
            if (i + 2 >= raw.size()) return false;
            int hi = hex_digit(raw[i + 1]);
            int lo = hex_digit(raw[i + 2]);
            if (hi < 0 || lo < 0) return false;
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
        }
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f) return false;
        out->push_back(c);
        if (out->size() > kMaxTokenBytes) return false;
    }
    return true;
}

}  // namespace

TokenParam find_token(std::string_view query)
{
    TokenParam out;
    bool seen = false;
    while (!query.empty()) {
        size_t amp = query.find('&');
        std::string_view part = query.substr(0, amp);
        query.remove_prefix(amp == std::string_view::npos ? query.size()
                                                          : amp + 1);
        size_t eq = part.find('=');
        if (part.substr(0, eq) != "token") {
            continue;
        }
        if (seen) {  // which one would the publisher mean?
            return {TokenFound::Malformed, {}};
        }
        seen = true;
        std::string_view raw = eq == std::string_view::npos
                                   ? std::string_view()
                                   : part.substr(eq + 1);
        if (raw.empty()) {
            continue;  // Missing, unless another one follows (Malformed)
        }
        if (!decode_value(raw, &out.value)) {
            return {TokenFound::Malformed, {}};
        }
        out.found = TokenFound::Present;
    }
    if (out.found != TokenFound::Present) {
        out.value.clear();
    }
    return out;
}

}  // namespace fanout::auth
