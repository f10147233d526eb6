// http/console_files.h — the web console's static files (console/www),
// read once at start into memory, so that serving them never touches the
// disk from the event loop.
//
//   GET|HEAD /                the console's index.html
//   GET|HEAD /console/<file>  any other file of the tree (ES modules, CSS,
//                             the vendored Preact, htm, hls.js, dash.js)
//
// Only files found by the load are served: a request names a key of an
// in-memory table, so no path reaches the file system and no traversal
// is possible (the parser already refuses "." and ".." segments and
// encoded slashes).  Each file has a strong ETag (a hash of its bytes:
// the same on every origin that installed the same tree) and a
// Last-Modified; If-None-Match answers 304.  Responses carry a strict
// Content-Security-Policy (scripts and styles from this origin only).
//
// Bounds: at most kMaxFiles files, kMaxFileBytes each and kMaxTotalBytes
// in all; a tree past them fails the load with a clear error.
#pragma once

#include <cstddef>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/shared_bytes.h"
#include "http/handler.h"

namespace fanout::http {

inline constexpr size_t kConsoleMaxFiles = 256;
inline constexpr size_t kConsoleMaxFileBytes = 4u << 20;
inline constexpr size_t kConsoleMaxTotalBytes = 32u << 20;

struct ConsoleFile {
    std::shared_ptr<const ByteChain> body;
    std::string content_type;
    std::string etag;  // quoted: "\"<16 hex>\""
    std::time_t modified = 0;
};

class ConsoleFiles {
public:
    // Reads every regular file under dir (symlinks and hidden files are
    // skipped).  Blocking: call before the
    // loop runs.  An error names the file or the bound.
    static Result<std::unique_ptr<ConsoleFiles>> load(const std::string& dir);

    // Adds one file (the tests build tables without a disk).
    void add(std::string rel_path, std::string bytes, std::time_t modified);

    // The file for a request path ("/" or "/console/<rel>"), or nullptr.
    const ConsoleFile* find(std::string_view path) const;

    size_t size() const { return files_.size(); }

private:
    std::map<std::string, ConsoleFile, std::less<>> files_;
};

// True when the router should hand path to serve_console: "/" or under
// "/console/".
bool is_console_path(std::string_view path);

// The answer to a GET or HEAD of path: 200 with the file, 304 when
// If-None-Match names its ETag, a JSON 404 when there is no such file
// (or no console: files == nullptr), 405 for other methods.
Response serve_console(const ConsoleFiles* files, const Request& req);

// By extension: "app.js" -> "text/javascript; charset=utf-8".  Unknown
// extensions are application/octet-stream.
std::string console_content_type(std::string_view rel_path);

}  // namespace fanout::http
