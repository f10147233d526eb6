// The console's static files (http/console_files.h): the table, the
// answers, and a load from a real directory.
#include "http/console_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fanout::http {
namespace {

namespace fs = std::filesystem;

std::string header(const Response& r, const std::string& name)
{
    for (const auto& [k, v] : r.headers)
        if (k == name) return v;
    return "";
}

Request get(std::string path, Method m = Method::Get)
{
    Request req;
    req.method = m;
    req.path = std::move(path);
    return req;
}

ConsoleFiles table()
{
    ConsoleFiles files;
    files.add("index.html", "<!doctype html>", 1796528701);
    files.add("app.js", "export {}", 0);
    files.add("vendor/preact.mjs", "export const h = 1", 0);
    return files;
}

TEST(ConsoleFiles, ContentTypesByExtension)
{
    EXPECT_EQ(console_content_type("index.html"), "text/html; charset=utf-8");
    EXPECT_EQ(console_content_type("a/b.js"), "text/javascript; charset=utf-8");
    EXPECT_EQ(console_content_type("v/hooks.mjs"),
              "text/javascript; charset=utf-8");
    EXPECT_EQ(console_content_type("style.css"), "text/css; charset=utf-8");
    EXPECT_EQ(console_content_type("LICENSE"), "application/octet-stream");
}

TEST(ConsoleFiles, FindsOnlyTheTablesKeysUnderTheirPrefix)
{
    ConsoleFiles files = table();
    ASSERT_NE(files.find("/"), nullptr);
    EXPECT_EQ(files.find("/")->body->str(), "<!doctype html>");
    EXPECT_NE(files.find("/console/app.js"), nullptr);
    EXPECT_NE(files.find("/console/vendor/preact.mjs"), nullptr);
    EXPECT_EQ(files.find("/app.js"), nullptr);
    EXPECT_EQ(files.find("/console/"), nullptr);
    EXPECT_EQ(files.find("/console/../app.js"), nullptr);
    EXPECT_EQ(files.find("/console/vendor"), nullptr);
    EXPECT_EQ(files.find("/consoleapp.js"), nullptr);
    EXPECT_TRUE(is_console_path("/"));
    EXPECT_TRUE(is_console_path("/console/x"));
    EXPECT_FALSE(is_console_path("/LiveApp"));
}

TEST(ConsoleFiles, ServesWithTypeValidatorsAndPolicy)
{
    ConsoleFiles files = table();
    Response r = serve_console(&files, get("/"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body->str(), "<!doctype html>");
    EXPECT_EQ(header(r, "Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(header(r, "Last-Modified"), "Sun, 06 Dec 2026 03:45:01 GMT");
    EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
    EXPECT_NE(header(r, "Content-Security-Policy").find("script-src 'self'"),
              std::string::npos);
    const std::string etag = header(r, "ETag");
    ASSERT_EQ(etag.size(), 18u);
    EXPECT_EQ(etag.front(), '"');
    // The same bytes, the same ETag (every origin agrees); others differ.
    ConsoleFiles again = table();
    EXPECT_EQ(header(serve_console(&again, get("/")), "ETag"), etag);
    EXPECT_NE(header(serve_console(&files, get("/console/app.js")), "ETag"),
              etag);
}

TEST(ConsoleFiles, IfNoneMatchIsA304)
{
    ConsoleFiles files = table();
    const std::string etag = header(serve_console(&files, get("/")), "ETag");
    Request req = get("/");
    req.headers.push_back({"if-none-match", "\"x\", " + etag});
    Response r = serve_console(&files, req);
    EXPECT_EQ(r.status, 304);
    EXPECT_FALSE(r.body);
    EXPECT_EQ(header(r, "ETag"), etag);
    req.headers.back().value = "\"0000000000000000\"";
    EXPECT_EQ(serve_console(&files, req).status, 200);
}

TEST(ConsoleFiles, RefusalsAreJson)
{
    ConsoleFiles files = table();
    EXPECT_EQ(serve_console(&files, get("/console/nope.js")).status, 404);
    EXPECT_EQ(serve_console(nullptr, get("/")).status, 404);
    Response r = serve_console(&files, get("/", Method::Post));
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(header(r, "Allow"), "GET, HEAD");
    EXPECT_EQ(header(r, "Content-Type"), "application/json");
}

struct TempTree {
    fs::path dir = fs::temp_directory_path()
                   / ("console_test_" + std::to_string(::getpid()));
    TempTree() { fs::create_directories(dir / "vendor"); }
    ~TempTree() { fs::remove_all(dir); }
    void write(const std::string& rel, const std::string& bytes)
    {
        std::ofstream(dir / rel, std::ios::binary) << bytes;
    }
};

TEST(ConsoleFiles, LoadsATreeSkippingHiddenFilesAndSymlinks)
{
    TempTree t;
    t.write("index.html", "<!doctype html>");
    t.write("vendor/htm.mjs", "export default 1");
    t.write(".secret", "no");
    fs::create_symlink("/etc/hostname", t.dir / "host.txt");
    auto files = ConsoleFiles::load(t.dir.string());
    ASSERT_TRUE(files) << files.error().message();
    EXPECT_EQ(files.value()->size(), 2u);
    EXPECT_NE(files.value()->find("/console/vendor/htm.mjs"), nullptr);
    EXPECT_EQ(files.value()->find("/console/.secret"), nullptr);
    EXPECT_EQ(files.value()->find("/console/host.txt"), nullptr);
}

TEST(ConsoleFiles, LoadRefusesWhatItCannotServe)
{
    TempTree t;
    t.write("app.js", "export {}");
    auto none = ConsoleFiles::load(t.dir.string());
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().message().find("no index.html"), std::string::npos);
    t.write("index.html", "x");
    t.write("big.js", std::string(kConsoleMaxFileBytes + 1, 'a'));
    auto big = ConsoleFiles::load(t.dir.string());
    ASSERT_FALSE(big);
    EXPECT_NE(big.error().message().find("big.js"), std::string::npos);
    EXPECT_FALSE(ConsoleFiles::load((t.dir / "nope").string()));
}

}  // namespace
}  // namespace fanout::http
