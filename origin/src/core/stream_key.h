// core/stream_key.h — the identity of a live stream: {app, id}.
//
// Validated once, where bytes enter the origin (an RTMP publish, an HTTP
// path, a REST body); everything after that carries a StreamKey and never
// checks again.  The rule is the store's fo_valid_id (fanout/store.h): one
// rule in one place for C and C++, with its table of valid and invalid
// names in tests/data/stream_ids.tsv.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "core/error.h"

namespace fanout {

// A stream id: 1..127 bytes of [A-Za-z0-9_.-], not "." or "..".
bool valid_stream_id(std::string_view id);
// An application name: the same rule, 1..63 bytes.
bool valid_app_name(std::string_view app);

struct StreamKey {
    std::string app;
    std::string id;

    // The only way to make one from outside bytes.  The error names the
    // part that is wrong, never echoing unprintable input.
    static Result<StreamKey> parse(std::string_view app, std::string_view id);

    // "app/id": the form logs, metrics and maps use (ids hold no '/').
    std::string str() const { return app + "/" + id; }

    auto operator<=>(const StreamKey&) const = default;
    bool operator==(const StreamKey&) const = default;
};

}  // namespace fanout
