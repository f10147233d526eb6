// core/error.h — errors are values that carry context as they travel up
// (like SRS's srs_error_wrap); the caller decides the policy and logs once.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace fanout {

class Error {
public:
    explicit Error(std::string message) : message_(std::move(message)) {}
    // code: a class of failure the caller acts on, in the caller's terms
    // (the HTTP parser: the status to answer); 0 when there is none.
    Error(int code, std::string message)
        : message_(std::move(message)), code_(code)
    {
    }

    // "context: message" — add what the caller was doing.
    Error wrap(std::string_view context) const
    {
        return Error(code_, std::string(context) + ": " + message_);
    }
    const std::string& message() const { return message_; }
    int code() const { return code_; }

private:
    std::string message_;
    int code_ = 0;
};

// A value or an Error.  Deliberately small: ok(), value(), error().
template <class T>
class Result {
public:
    Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit
    Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<0>(v_); }
    const T& value() const { return std::get<0>(v_); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const Error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

// Success or an Error, for operations without a value.
class Status {
public:
    Status() = default;
    Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const { return error_; }

private:
    Error error_{""};
    bool ok_ = true;
};

}  // namespace fanout
