// The hipquant command-line tool's shared pieces: exit codes, the command
// table entry, usage errors and a small argument parser for subcommands.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace hipquant::cli {

// Exit codes, the same for every subcommand (documented in `hipquant help`).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntimeError = 1;  // the command ran and failed: file, format, device, look-up
inline constexpr int kExitUsage = 2;         // bad command line: unknown command/option, missing argument
inline constexpr int kExitNoGpu = 3;         // the command needs a GPU and there is none (or no driver)

// Thrown by a command for a bad command line; main prints it with the
// command's usage and exits with kExitUsage.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One subcommand. To add one: write tools/cmd_<name>.cpp defining
// `int cmd_<name>(const std::vector<std::string>& args)`, declare it below,
// add a row to the table in hipquant_main.cpp and the file to tools/CMakeLists.txt.
struct Command {
    const char* name;
    const char* usage;    // arguments, e.g. "FILE [--json]"
    const char* summary;  // one line for `hipquant help`
    int (*run)(const std::vector<std::string>& args);  // args after the command name
};

int cmd_info(const std::vector<std::string>& args);
int cmd_write_demo(const std::vector<std::string>& args);
int cmd_matvec(const std::vector<std::string>& args);
int cmd_bench(const std::vector<std::string>& args);
int cmd_devices(const std::vector<std::string>& args);
int cmd_selftest(const std::vector<std::string>& args);

// For commands that need a GPU: true if there is one; otherwise says so on
// stderr ("hipquant COMMAND: no GPU found ...") and the command returns kExitNoGpu.
bool have_gpu_or_say_so(const char* command);

// Splits a subcommand's arguments into options and positionals.
// Options are --name (a flag) or --name VALUE / --name=VALUE for those listed
// as taking a value; anything else starting with "--" is a UsageError.
class ArgParser {
public:
    ArgParser(const std::vector<std::string>& args, const std::vector<std::string>& flags,
              const std::vector<std::string>& valued);

    bool flag(const std::string& name) const;  // name without the dashes
    // The option's value, or `fallback` when absent.
    std::string value(const std::string& name, const std::string& fallback) const;
    // The option's value as an unsigned integer; a UsageError if it is not one.
    std::uint64_t uint_value(const std::string& name, std::uint64_t fallback) const;
    const std::vector<std::string>& positionals() const { return positionals_; }
    // Throws a UsageError unless there are exactly `n` positionals, naming `what`.
    void expect_positionals(std::size_t n, const char* what) const;

private:
    std::vector<std::pair<std::string, std::string>> options_;  // name -> value ("" for flags)
    std::vector<std::string> positionals_;
};

// The strings of `v` with `sep` between them.
std::string join(const std::vector<std::string>& v, const char* sep);

// `s` as a JSON string literal, quotes included. Invalid UTF-8 bytes become
// U+FFFD, so the output is always valid JSON.
std::string json_string(const std::string& s);
// `s` for a terminal: control characters (bytes below 0x20, and 0x7f) as
// \xNN and backslashes doubled, so names and strings read from a file
// cannot move the cursor, clear the screen or fake a line.
std::string printable(const std::string& s);

}  // namespace hipquant::cli
