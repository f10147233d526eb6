#include "http/console_files.h"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include <sys/stat.h>

namespace fanout::http {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPrefix = "/console/";

// Scripts, styles and media from this origin only (hls.js feeds the video
// through blob: URLs and runs its worker from one); no inline script.
constexpr const char* kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; media-src 'self' blob:; worker-src 'self' blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'";

// FNV-1a 64: the same bytes give the same ETag on every origin.
std::string etag_of(std::string_view bytes)
{
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : bytes) {
        h ^= c;
        h *= 1099511628211ull;
    }
    std::array<char, 24> buf{};
    std::snprintf(buf.data(), buf.size(), "\"%016llx\"",
                  static_cast<unsigned long long>(h));
    return buf.data();
}

bool hidden(const fs::path& rel)
{
    for (const auto& part : rel) {
        if (!part.empty() && part.string().front() == '.') {
            return true;
        }
    }
    return false;
}

Result<std::string> read_bounded(const fs::path& p, uintmax_t size)
{
    if (size > kConsoleMaxFileBytes) {
        return Error(p.string() + ": larger than "
                     + std::to_string(kConsoleMaxFileBytes) + " bytes");
    }
    std::ifstream in(p, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    if (!in.good() && !in.eof()) {
        return Error(p.string() + ": cannot read");
    }
    std::string bytes = out.str();
    if (bytes.size() > kConsoleMaxFileBytes) {
        return Error(p.string() + ": grew past the bound while read");
    }
    return bytes;
}

std::time_t mtime_of(const fs::path& p)
{
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 ? st.st_mtime : 0;
}

// Whether the client's If-None-Match lists etag (or is "*").
bool matches(const std::string* inm, const std::string& etag)
{
    if (inm == nullptr) {
        return false;
    }
    std::string_view v = *inm;
    while (!v.empty()) {
        size_t comma = v.find(',');
        std::string_view one = trim_ows(v.substr(0, comma));
        if (one.starts_with("W/")) {
            one.remove_prefix(2);
        }
        if (one == "*" || one == etag) {
            return true;
        }
        if (comma == std::string_view::npos) {
            break;
        }
        v.remove_prefix(comma + 1);
    }
    return false;
}

void add_common_headers(Response& r, const ConsoleFile& f)
{
    r.add_header("ETag", f.etag);
    if (f.modified > 0) {
        r.add_header("Last-Modified", http_date(f.modified));
    }
    // Revalidate every time: a new install is seen at once, and the ETag
    // makes the check a 304.
    r.add_header("Cache-Control", "no-cache");
    r.add_header("Content-Security-Policy", kCsp);
    r.add_header("X-Content-Type-Options", "nosniff");
    r.add_header("X-Frame-Options", "DENY");
    r.add_header("Referrer-Policy", "no-referrer");
}

}  // namespace

std::string console_content_type(std::string_view rel_path)
{
    static const std::pair<std::string_view, const char*> kTypes[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
        {".map", "application/json"},
    };
    for (const auto& [ext, type] : kTypes) {
        if (rel_path.ends_with(ext)) {
            return type;
        }
    }
    return "application/octet-stream";
}

void ConsoleFiles::add(std::string rel_path, std::string bytes,
                       std::time_t modified)
{
    ConsoleFile f;
    f.content_type = console_content_type(rel_path);
    f.etag = etag_of(bytes);
    f.modified = modified;
    f.body = std::make_shared<const ByteChain>(std::move(bytes));
    files_[std::move(rel_path)] = std::move(f);
}

Result<std::unique_ptr<ConsoleFiles>> ConsoleFiles::load(const std::string& dir)
{
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        return Error(dir + ": not a directory");
    }
    auto files = std::make_unique<ConsoleFiles>();
    size_t total = 0;
    fs::recursive_directory_iterator it(dir, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        const fs::path rel = it->path().lexically_relative(dir);
        // Symlinks are skipped: the tree serves only what lies in it.
        if (hidden(rel) || it->is_symlink(ec) || !it->is_regular_file(ec)) {
            continue;
        }
        if (files->size() >= kConsoleMaxFiles) {
            return Error(dir + ": more than " + std::to_string(kConsoleMaxFiles)
                         + " files");
        }
        auto bytes = read_bounded(it->path(), it->file_size(ec));
        if (!bytes) {
            return bytes.error();
        }
        total += bytes.value().size();
        if (total > kConsoleMaxTotalBytes) {
            return Error(dir + ": more than "
                         + std::to_string(kConsoleMaxTotalBytes) + " bytes");
        }
        files->add(rel.generic_string(), std::move(bytes.value()),
                   mtime_of(it->path()));
    }
    if (ec) {
        return Error(dir + ": " + ec.message());
    }
    if (files->find("/") == nullptr) {
        return Error(dir + ": no index.html");
    }
    return files;
}

const ConsoleFile* ConsoleFiles::find(std::string_view path) const
{
    std::string_view rel;
    if (path == "/") {
        rel = "index.html";
    } else if (path.starts_with(kPrefix)) {
        rel = path.substr(kPrefix.size());
    } else {
        return nullptr;
    }
    auto it = files_.find(rel);
    return it == files_.end() ? nullptr : &it->second;
}

bool is_console_path(std::string_view path)
{
    return path == "/" || path.starts_with(kPrefix);
}

Response serve_console(const ConsoleFiles* files, const Request& req)
{
    if (req.method != Method::Get && req.method != Method::Head) {
        Response r = Response::error(405, "the console is GET and HEAD only");
        r.add_header("Allow", "GET, HEAD");
        return r;
    }
    const ConsoleFile* f = files != nullptr ? files->find(req.path) : nullptr;
    if (f == nullptr) {
        return Response::error(404, files == nullptr
                                        ? "no console (console.dir)"
                                        : "no such file");
    }
    Response r;
    add_common_headers(r, *f);
    if (matches(req.header("if-none-match"), f->etag)) {
        r.status = 304;
        return r;
    }
    r.add_header("Content-Type", f->content_type);
    r.set_body(f->body);
    return r;
}

}  // namespace fanout::http
