// core/json_depth.h — how deeply a JSON text nests, measured before it is
// parsed, so that no parser (nor the recursive destructor of its
// document) ever sees a body like "[[[[...]]]]" a hundred thousand deep.
// Pure: a scan over bytes that knows only strings and brackets.
#pragma once

#include <cstddef>
#include <string_view>

namespace fanout {

// The nesting a REST body or a token's JSON may have: Ant Media's
// documents nest three or four deep; 32 leaves room and bounds the work.
inline constexpr size_t kMaxJsonDepth = 32;

// True when some '[' or '{' outside a string opens level max_depth + 1.
// The text need not be valid JSON (the parser judges that afterwards);
// the scan stops at the first level too deep.
bool json_too_deep(std::string_view text, size_t max_depth = kMaxJsonDepth);

}  // namespace fanout
