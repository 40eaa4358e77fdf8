// hipquant::Error, the library's one exception type, and the check macros.
// This header knows no vendor: HIP codes are kept as plain ints, and the
// HIPQUANT_CHECK macro is expanded only where platform.hpp is included.
#pragma once

#include <stdexcept>
#include <string>

namespace hipquant {

// Codes for errors that do not come from a HIP call. The values are HIP's
// own (and CUDA's: both number these the same) so code() means one thing.
namespace errc {
inline constexpr int invalid_value = 1;   // hipErrorInvalidValue: bad argument, shape or size
inline constexpr int out_of_memory = 2;   // hipErrorOutOfMemory
inline constexpr int no_device = 100;     // hipErrorNoDevice
inline constexpr int invalid_image = 200; // hipErrorInvalidImage: code object lacks something
inline constexpr int file_not_found = 301;// hipErrorFileNotFound
inline constexpr int not_found = 500;     // hipErrorNotFound: unknown kernel or name
inline constexpr int not_supported = 801; // hipErrorNotSupported: type or op without a kernel
}  // namespace errc

class Error : public std::runtime_error {
public:
    // A failed HIP call: `call` is its source text.
    Error(int code, const char* code_name, const char* description, const char* call,
          const char* file, int line)
        : std::runtime_error(std::string(call) + " failed: " + code_name + " (" +
                             std::to_string(code) + "): " + description + " at " + file + ":" +
                             std::to_string(line)),
          code_(code), call_(call), file_(file), line_(line) {}

    // A misuse the library detected itself (bad shape, size, type, name...).
    Error(int code, const std::string& message, const char* file, int line)
        : std::runtime_error(message + " [" + file + ":" + std::to_string(line) + "]"),
          code_(code), file_(file), line_(line) {}

    int code() const noexcept { return code_; }
    const std::string& call() const noexcept { return call_; }  // empty unless a HIP call failed
    const char* file() const noexcept { return file_; }
    int line() const noexcept { return line_; }

private:
    int code_;
    std::string call_;
    const char* file_;
    int line_;
};

}  // namespace hipquant

// Evaluates `expr` (a HIP call) once; builds the message only on failure.
#define HIPQUANT_CHECK(expr)                                                               \
    do {                                                                                   \
        const auto hq_err_ = (expr);                                                       \
        if (hq_err_ != hipSuccess)                                                         \
            throw ::hipquant::Error(static_cast<int>(hq_err_), hipGetErrorName(hq_err_),   \
                                    hipGetErrorString(hq_err_), #expr, __FILE__, __LINE__); \
    } while (0)

// Throws hipquant::Error(code, message) unless `cond` holds; `message` is an
// expression yielding std::string, evaluated only on failure.
#define HIPQUANT_REQUIRE(cond, code, message)                                  \
    do {                                                                       \
        if (!(cond)) throw ::hipquant::Error((code), (message), __FILE__, __LINE__); \
    } while (0)

#define HIPQUANT_FAIL(code, message) throw ::hipquant::Error((code), (message), __FILE__, __LINE__)
