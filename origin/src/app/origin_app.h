// app/origin_app.h — builds the origin from its config and runs it until
// SIGINT/SIGTERM: store, packager, RTMP ingest, HTTP, cluster membership.
#pragma once

#include "core/config.h"

namespace fanout {

// Returns the process exit code.
int run_origin(const Config& config);

}  // namespace fanout
