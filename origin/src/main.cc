// fanout-origin --config FILE
#include <cstdio>
#include <cstring>
#include <string>

#include "app/origin_app.h"
#include "core/config.h"
#include "core/log.h"

extern char** environ;

static int usage()
{
    std::fprintf(
        stderr,
        "usage: fanout-origin --config FILE\n"
        "       fanout-origin --check --config FILE  (validate, exit)\n"
        "Keys: origin/conf/origin.properties; FANOUT_<KEY> environment "
        "variables override them.\n");
    return 2;
}

int main(int argc, char** argv)
{
    std::string path;
    bool check = false;
    for (int i = 1; i < argc; i++) {
        if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            path = argv[++i];
        } else if (std::strcmp(argv[i], "--check") == 0) {
            check = true;
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
    if (check) {
        std::printf("fanout-origin: %s is valid (node %s, store %s)\n",
                    path.c_str(), config->server_name.c_str(),
                    config->store_uri.c_str());
        return 0;
    }
    return fanout::run_origin(config.value());
}
