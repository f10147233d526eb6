#include "http/cluster_login_limit.h"

#include <algorithm>

namespace fanout::http {

namespace {

std::string addr_key(const std::string& client)
{
    return "addr:" + client;
}
std::string user_key(const std::string& email)
{
    return "user:" + email;
}

Error store_error(const fo_error& err, fo_status st)
{
    return Error(kLoginStoreError,
                 err.msg[0] != '\0' ? err.msg : fo_status_str(st));
}

}  // namespace

Result<int64_t> cluster_login_wait(fo_store* store, const std::string& client,
                                   const std::string& email, int max_failures)
{
    int64_t wait = 0;
    for (const std::string& key : {addr_key(client), user_key(email)}) {
        int64_t failures = 0, retry_ms = 0;
        fo_error err{};
        fo_status st = fo_login_failures_get(store, key.c_str(), &failures,
                                             &retry_ms, &err);
        if (st != FO_OK) {
            return store_error(err, st);
        }
        if (failures >= max_failures) {
            wait = std::max(wait, std::max<int64_t>(retry_ms, 1));
        }
    }
    return wait;
}

Result<int64_t> cluster_login_failed(fo_store* store, const std::string& client,
                                     const std::string& email,
                                     int64_t window_ms)
{
    int64_t most = 0;
    for (const std::string& key : {addr_key(client), user_key(email)}) {
        int64_t failures = 0, retry_ms = 0;
        fo_error err{};
        fo_status st = fo_login_failure_add(store, key.c_str(), window_ms,
                                            &failures, &retry_ms, &err);
        if (st != FO_OK) {
            return store_error(err, st);
        }
        most = std::max(most, failures);
    }
    return most;
}

Result<int64_t> cluster_login_succeeded(fo_store* store,
                                        const std::string& client,
                                        const std::string& email)
{
    for (const std::string& key : {addr_key(client), user_key(email)}) {
        fo_error err{};
        fo_status st = fo_login_failures_clear(store, key.c_str(), &err);
        if (st != FO_OK) {
            return store_error(err, st);
        }
    }
    return 0;
}

}  // namespace fanout::http
