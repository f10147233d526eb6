// auth/broadcast_cap.h — broadcast.max_per_app: may one more broadcast
// record be made in an application?  Asked before a publish's claim
// would create one (auth/publish_auth.h) and before a REST create
// (http/rest_broadcasts.cc), so a refusal writes nothing.
//
// The count is the store's per-app count without a search
// (fo_broadcast_count: Redis ZCARD, an indexed count on SQLite and
// MongoDB), never a read of the records.  It is a soft cap: origins that
// check at the same moment may each create one record past it.
#pragma once

#include <cstdint>
#include <string>

#include "core/stream_key.h"
#include "fanout/store.h"

namespace fanout::auth {

enum class CapCheck {
    Ok,  // room for one more, or no cap, or no new record needed
    Full,  // the application holds max records already
    Unavailable,  // the store could not answer
};

struct CapVerdict {
    CapCheck check = CapCheck::Ok;
    int64_t count = 0;  // the records the application holds (when read)
    std::string why;  // for a log line or an answer's message
};

// Pure: Full when a cap is set (max > 0) and count has reached it.
CapCheck cap_decision(int64_t count, int64_t max);

// Blocking (a store call: run it on a pool lane).  May app get one more
// record?  max 0: no cap, no store call.
CapVerdict check_broadcast_cap(fo_store* store, const std::string& app,
                               int64_t max);

// Blocking.  A publish of key: Ok when its record exists already (the
// claim creates nothing), else check_broadcast_cap.
CapVerdict check_publish_cap(fo_store* store, const StreamKey& key,
                             int64_t max);

}  // namespace fanout::auth
