// `hipquant`: the command-line tool's entry point; dispatches to subcommands
// and turns errors into messages on stderr and documented exit codes.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli.hpp"
#include "hipquant/runtime/error.hpp"

namespace {

using hipquant::cli::Command;

// The subcommands, in the order `hipquant help` lists them.
constexpr Command kCommands[] = {
    {"info", "FILE [--json] [--tensor NAME] [--max-array N]",
     "print a GGUF file's metadata and tensor table (--max-array: array elements shown, 0 = all, default 16)",
     hipquant::cli::cmd_info},
    {"write-demo", "FILE [--alignment BYTES]",
     "write a small GGUF file with tensors of every weight type (for demos and tests)",
     hipquant::cli::cmd_write_demo},
    {"matvec", "FILE TENSOR [--batch N] [--cpu | --check] [--seed S] [--reps N] [--device N]",
     "multiply a tensor by a seeded random batch (1..8) on the first GPU, or with --cpu (or no GPU) the CPU "
     "reference; print a "
     "checksum, the time and GB/s; --check compares the GPU against the CPU (exit 1 on a mismatch)",
     hipquant::cli::cmd_matvec},
    {"bench", "[--types T,..] [--shape RxC] [--batch B,..] [--path P] [--json F] [--csv F] ... (--help)",
     "the benchmark: mat-vec GB/s against the measured read bandwidth, mat-mat TFLOP/s against the vendor f16 GEMM (exit 3: no GPU)",
     hipquant::cli::cmd_bench},
    {"devices", "",
     "list the GPUs (name, arch, memory) and whether this build has code for each (exit 3: no GPU)",
     hipquant::cli::cmd_devices},
    {"selftest", "[--device N] [--json] [--verbose]",
     "run every kernel on the GPU against the CPU reference, one line per kernel with its max error and bound "
     "(exit 1: a kernel failed or this build has no code for the GPU; exit 3: no GPU)",
     hipquant::cli::cmd_selftest},
};

void print_help(std::FILE* out) {
    std::fprintf(out, "usage: hipquant COMMAND [ARGS...]\n\ncommands:\n");
    for (const Command& c : kCommands) std::fprintf(out, "  %s %s\n      %s\n", c.name, c.usage, c.summary);
    std::fprintf(out,
                 "  help\n      this text\n\n"
                 "exit codes:\n"
                 "  0  success\n"
                 "  1  runtime error (cannot open a file, malformed GGUF, unsupported type, name not found, no code\n"
                 "     for this GPU...), or a failed check (matvec --check, selftest)\n"
                 "  2  usage error (unknown command or option, missing or extra argument)\n"
                 "  3  no GPU found (no device, or no driver): bench, devices, selftest\n"
                 "Errors are printed to stderr as 'hipquant COMMAND: error: MESSAGE'.\n");
}

}  // namespace

int main(int argc, char** argv) {
    using namespace hipquant::cli;
    if (argc < 2) {
        print_help(stderr);
        return kExitUsage;
    }
    const std::string name = argv[1];
    if (name == "help" || name == "--help" || name == "-h") {
        print_help(stdout);
        return kExitOk;
    }
    const Command* cmd = nullptr;
    for (const Command& c : kCommands)
        if (name == c.name) cmd = &c;
    if (!cmd) {
        std::fprintf(stderr, "hipquant: error: unknown command '%s' (try 'hipquant help')\n", name.c_str());
        return kExitUsage;
    }
    const std::vector<std::string> args(argv + 2, argv + argc);
    try {
        return cmd->run(args);
    } catch (const UsageError& e) {
        std::fprintf(stderr, "hipquant %s: usage error: %s\nusage: hipquant %s %s\n", cmd->name, e.what(),
                     cmd->name, cmd->usage);
        return kExitUsage;
    } catch (const hipquant::Error& e) {
        std::fprintf(stderr, "hipquant %s: error: %s\n", cmd->name, e.what());
        return kExitRuntimeError;
    } catch (const std::exception& e) {  // e.g. bad_alloc: still a clean runtime error
        std::fprintf(stderr, "hipquant %s: error: %s\n", cmd->name, e.what());
        return kExitRuntimeError;
    }
}
