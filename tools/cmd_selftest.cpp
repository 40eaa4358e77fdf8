// `hipquant selftest`: runs every kernel on this GPU against the CPU
// reference (hipquant::selftest) and prints one line per kernel; exit 0 when
// all pass, 1 when any fails, 3 when there is no GPU.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "cli.hpp"
#include "hipquant/selftest.hpp"

namespace hipquant::cli {

namespace {

std::string json_number(double v) {
    if (!std::isfinite(v)) return "null";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

std::string json_strings(const std::vector<std::string>& v) {
    std::string out = "[";
    for (const auto& s : v) out += (out.size() > 1 ? ", " : "") + json_string(s);
    return out + "]";
}

void print_line(const selftest::CheckResult& r, bool verbose) {
    std::printf("%-4s  %-30s  max error %-9.3g  bound %-6g %s%s\n", r.passed ? "ok" : "FAIL", r.name.c_str(),
                r.max_error, r.bound, r.unit.c_str(),
                r.fault_injected ? "  [deliberately wrong kernel: HIPQUANT_SELFTEST_INJECT_FAULT build]" : "");
    if (!r.passed || verbose) std::printf("        %s\n", r.detail.c_str());
    std::fflush(stdout);
}

}  // namespace

int cmd_selftest(const std::vector<std::string>& args) {
    const ArgParser p(args, {"json", "verbose"}, {"device"});
    p.expect_positionals(0, "nothing");
    const bool json = p.flag("json"), verbose = p.flag("verbose");
    const int ordinal = static_cast<int>(p.uint_value("device", 0));
    if (!have_gpu_or_say_so("selftest")) return kExitNoGpu;

    const auto start = std::chrono::steady_clock::now();
    const RocmDevice dev = RocmDevice::open(ordinal);
    const selftest::DeviceReport d = selftest::describe(dev);
    const std::string driver = RocmDevice::version_string(d.driver_version);
    const std::string runtime = RocmDevice::version_string(d.runtime_version);
    if (!json) {
        std::printf("hipquant selftest on GPU %d: %s (%s), %.1f GiB\n", d.ordinal, d.name.c_str(), d.arch.c_str(),
                    static_cast<double>(d.memory_bytes) / (1024.0 * 1024.0 * 1024.0));
        std::printf("platform %s, driver %s (%d), runtime %s (%d)\n", d.platform.c_str(), driver.c_str(),
                    d.driver_version, runtime.c_str(), d.runtime_version);
        std::printf("kernel image: built for HIPQUANT_GPU_TARGETS=%s, entries %s; this GPU runs: %s\n",
                    join(d.built_targets, ";").c_str(), join(d.image_architectures, ", ").c_str(),
                    d.code_object_arch.empty() ? "NONE" : d.code_object_arch.c_str());
        std::fflush(stdout);
    }
    if (d.code_object_arch.empty()) {
        // No code for this GPU: every kernel would fail the same way; say why once.
        std::fprintf(stderr, "hipquant selftest: error: %s\n", d.code_object_error.c_str());
        return kExitRuntimeError;
    }
    if (!json) std::printf("\n");

    std::vector<selftest::CheckResult> results;
    if (json) results = selftest::run_selftest(dev);
    else results = selftest::run_selftest(dev, [&](const selftest::CheckResult& r) { print_line(r, verbose); });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    std::size_t failed = 0, injected = 0;
    for (const auto& r : results) {
        failed += r.passed ? 0 : 1;
        injected += r.fault_injected ? 1 : 0;
    }
    const bool ok = failed == 0 && !results.empty();
    if (json) {
        std::printf("{\n  \"device\": {\"ordinal\": %d, \"name\": %s, \"arch\": %s, \"memory_bytes\": %zu, "
                    "\"platform\": %s, \"driver_version\": %s, \"runtime_version\": %s},\n",
                    d.ordinal, json_string(d.name).c_str(), json_string(d.arch).c_str(), d.memory_bytes,
                    json_string(d.platform).c_str(), json_string(driver).c_str(), json_string(runtime).c_str());
        std::printf("  \"image\": {\"built_targets\": %s, \"architectures\": %s, \"code_object_arch\": %s},\n",
                    json_strings(d.built_targets).c_str(), json_strings(d.image_architectures).c_str(),
                    json_string(d.code_object_arch).c_str());
        std::printf("  \"checks\": [\n");
        for (std::size_t i = 0; i < results.size(); ++i) {
            const auto& r = results[i];
            std::printf("    {\"name\": %s, \"passed\": %s, \"max_error\": %s, \"bound\": %s, \"unit\": %s, "
                        "\"fault_injected\": %s, \"detail\": %s}%s\n",
                        json_string(r.name).c_str(), r.passed ? "true" : "false", json_number(r.max_error).c_str(),
                        json_number(r.bound).c_str(), json_string(r.unit).c_str(),
                        r.fault_injected ? "true" : "false", json_string(r.detail).c_str(),
                        i + 1 < results.size() ? "," : "");
        }
        std::printf("  ],\n  \"passed\": %zu, \"failed\": %zu, \"seconds\": %.2f, \"ok\": %s\n}\n",
                    results.size() - failed, failed, seconds, ok ? "true" : "false");
    } else {
        std::printf("\nsummary: %zu of %zu kernels passed, %zu failed, in %.1f s: %s\n", results.size() - failed,
                    results.size(), failed, seconds, ok ? "PASS" : "FAIL");
        if (injected > 0)
            std::printf("note: this build has %zu deliberately wrong kernel(s) (HIPQUANT_SELFTEST_INJECT_FAULT=ON)\n",
                        injected);
    }
    return ok ? kExitOk : kExitRuntimeError;
}

}  // namespace hipquant::cli
