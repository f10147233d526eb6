// http/cluster_login_limit.h — failed console logins counted for the
// whole cluster, in the store (fo_login_failure_add and friends), so that
// behind the LB an attacker gets max_failures tries per window in all,
// not max_failures per origin.  Keys: "addr:<client>" and "user:<email>".
// The origin's own LoginLimiter (http/login_limiter.h) stays in front as
// a first line that costs no store call.  Every function blocks on the
// store: call them from the BlockingPool.
#pragma once

#include <cstdint>
#include <string>

#include "core/error.h"
#include "fanout/store.h"

namespace fanout::http {

// Error code of a store failure in the results below.
inline constexpr int kLoginStoreError = 1;

// ms until client (an address) and email may try again: 0 when neither
// has max_failures failures in its open window.
Result<int64_t> cluster_login_wait(fo_store* store, const std::string& client,
                                   const std::string& email, int max_failures);

// Counts a failed login against both keys (a window of window_ms opens at
// a key's first failure).
Result<int64_t> cluster_login_failed(fo_store* store, const std::string& client,
                                     const std::string& email,
                                     int64_t window_ms);

// A successful login forgets both keys' windows.
Result<int64_t> cluster_login_succeeded(fo_store* store,
                                        const std::string& client,
                                        const std::string& email);

}  // namespace fanout::http
