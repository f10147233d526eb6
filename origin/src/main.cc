// fanout-origin --config FILE
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "app/origin_app.h"
#include "core/config.h"
#include "core/jwt.h"
#include "core/log.h"

extern char** environ;

static int usage()
{
    std::fprintf(
        stderr,
        "usage: fanout-origin --config FILE\n"
        "       fanout-origin --check --config FILE  (validate, exit)\n"
        "       fanout-origin --jwt SECONDS --config FILE  (print a REST "
        "JWT signed with jwtSecretKey, exp in SECONDS; 0: no exp)\n"
        "Keys: origin/conf/origin.properties; FANOUT_<KEY> environment "
        "variables override them.\n");
    return 2;
}

// A REST token for scripts (make run): signed with the config's
// jwtSecretKey, {"sub":"fanout-admin","iat","exp"}.  Prints only the token.
static int mint_jwt(const fanout::Config& config, long life_s)
{
    if (config.jwt_secret.empty()) {
        std::fprintf(stderr, "fanout-origin: --jwt: jwtSecretKey is empty\n");
        return 1;
    }
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    nlohmann::json claims = {{"sub", "fanout-admin"}, {"iat", now}};
    if (life_s > 0) {
        claims["exp"] = now + life_s;
    }
    std::printf("%s\n", fanout::jwt::sign(config.jwt_secret, claims).c_str());
    return 0;
}

int main(int argc, char** argv)
{
    std::string path;
    bool check = false;
    long jwt_life_s = -1;
    for (int i = 1; i < argc; i++) {
        if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            path = argv[++i];
        } else if (std::strcmp(argv[i], "--check") == 0) {
            check = true;
        } else if (std::strcmp(argv[i], "--jwt") == 0 && i + 1 < argc) {
            char* end = nullptr;
            jwt_life_s = std::strtol(argv[++i], &end, 10);
            if (*end != '\0' || jwt_life_s < 0) {
                return usage();
            }
        } else if (std::strcmp(argv[i], "--version") == 0) {
            std::printf("fanout-origin %s\n", FANOUT_VERSION);
            return 0;
        } else {
            return usage();
        }
    }
    if (path.empty()) {
        return usage();
    }
    auto config = fanout::load_config(path, environ);
    if (!config) {
        std::fprintf(stderr, "fanout-origin: config: %s\n",
                     config.error().message().c_str());
        return 1;
    }
    fanout::log::Level level = fanout::log::Level::info;
    fanout::log::parse_level(config->log_level, &level);
    fanout::log::set_level(level);
    if (jwt_life_s >= 0) {
        return mint_jwt(config.value(), jwt_life_s);
    }
    if (check) {
        // Passwords and keys stay out of what may end in a CI log.
        std::printf(
            "fanout-origin: %s is valid (node %s, store %s, REST JWT "
            "%s)\n",
            path.c_str(), config->server_name.c_str(),
            fanout::redact_uri(config->store_uri).c_str(),
            config->jwt_enabled ? "on" : "off");
        return 0;
    }
    return fanout::run_origin(config.value());
}
