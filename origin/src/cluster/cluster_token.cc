#include "cluster/cluster_token.h"

namespace fanout::cluster {

std::string sign_cluster_token(std::string_view key, int64_t now_s,
                               int64_t life_s)
{
    return jwt::sign(
        key,
        {{"iss", "fanout-origin"}, {"iat", now_s}, {"exp", now_s + life_s}});
}

Status verify_cluster_token(std::string_view key, std::string_view token,
                            int64_t now_s)
{
    if (key.empty()) {
        return Error("no cluster key configured");
    }
    jwt::Rules rules;
    rules.require_exp = true;
    rules.leeway_s = kClockLeewayS;
    rules.max_life_s = kMaxTokenLifeS;
    auto claims = jwt::verify(key, token, now_s, rules);
    if (!claims) {
        return claims.error();
    }
    return {};
}

}  // namespace fanout::cluster
