#include "http/response.h"

#include "http/segment_serving.h"

namespace fanout::http {

void Response::set_body(std::shared_ptr<const ByteChain> b)
{
    body = std::move(b);
    offset = 0;
    length = body ? body->size() : 0;
}

void Response::add_header(std::string name, std::string value)
{
    headers.emplace_back(std::move(name), std::move(value));
}

Response Response::text(int status, std::string body, std::string content_type)
{
    Response r;
    r.status = status;
    r.add_header("Content-Type", std::move(content_type));
    r.set_body(std::make_shared<const ByteChain>(std::move(body)));
    return r;
}

Response Response::json(int status, const nlohmann::json& body)
{
    return text(status, dump_json(body), "application/json");
}

Response Response::error(int status, std::string_view message)
{
    return json(status, {{"success", false}, {"message", message}});
}

std::string dump_json(const nlohmann::json& j)
{
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string_view status_reason(int status)
{
    switch (status) {
        case 100:
            return "Continue";
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 204:
            return "No Content";
        case 206:
            return "Partial Content";
        case 302:
            return "Found";
        case 304:
            return "Not Modified";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 409:
            return "Conflict";
        case 411:
            return "Length Required";
        case 413:
            return "Content Too Large";
        case 414:
            return "URI Too Long";
        case 415:
            return "Unsupported Media Type";
        case 416:
            return "Range Not Satisfiable";
        case 417:
            return "Expectation Failed";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 503:
            return "Service Unavailable";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return "Unknown";
    }
}

std::string http_date(std::time_t t)
{
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    size_t n =
        std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return std::string(buf, n);
}

std::string serialize_head(const Response& r, size_t content_length, bool close,
                           std::string_view date)
{
    std::string out;
    out.reserve(256);
    out += "HTTP/1.1 ";
    out += std::to_string(r.status);
    out += ' ';
    out += status_reason(r.status);
    out += "\r\nServer: fanout\r\nDate: ";
    out += date;
    out += "\r\n";
    for (const auto& [name, value] : r.headers) {
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    // 1xx and 204 carry no Content-Length (RFC 9110 8.6).
    if (r.status >= 200 && r.status != 204) {
        out += "Content-Length: ";
        out += std::to_string(content_length);
        out += "\r\n";
    }
    out += close ? "Connection: close\r\n" : "Connection: keep-alive\r\n";
    out += cache_pad_line(r, content_length, out.size());
    out += "\r\n";
    return out;
}

}  // namespace fanout::http
