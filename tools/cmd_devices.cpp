// `hipquant devices`: the GPUs of this machine, and whether this build of
// hipquant has code for each (exit 3 when there is no GPU).
#include <cstdio>
#include <string>
#include <vector>

#include "cli.hpp"
#include "hipquant/runtime/device.hpp"
#include "hipquant/runtime/module.hpp"

namespace hipquant::cli {

int cmd_devices(const std::vector<std::string>& args) {
    const ArgParser p(args, {}, {});
    p.expect_positionals(0, "nothing");
    if (!have_gpu_or_say_so("devices")) return kExitNoGpu;

    const int n = RocmDevice::count();
    std::printf("%d GPU(s); platform %s, driver %s, runtime %s\n", n, platform::kName,
                RocmDevice::version_string(RocmDevice::driver_version()).c_str(),
                RocmDevice::version_string(RocmDevice::runtime_version()).c_str());
    std::printf("this build: HIPQUANT_GPU_TARGETS=%s; kernel image entries: %s\n", join(built_targets(), ";").c_str(),
                join(kernel_image().architectures(), ", ").c_str());
    for (int i = 0; i < n; ++i) {
        const RocmDevice dev = RocmDevice::open(i);
        std::string code;
        try {
            code = "yes (runs " + dev.code_object_arch() + ")";
        } catch (const Error& e) {
            if (e.code() != errc::no_binary_for_gpu) throw;
            std::string target = dev.arch().substr(0, dev.arch().find(':'));
            if (target.rfind("sm_", 0) == 0) target = target.substr(3);
            code = "NO: rebuild with " + target + " in HIPQUANT_GPU_TARGETS";
        }
        std::printf("  %d  %s  %s  %.1f GiB  %d CUs/SMs  wave %d  code: %s\n", i, dev.name().c_str(),
                    dev.arch().c_str(), static_cast<double>(dev.total_memory_bytes()) / (1024.0 * 1024.0 * 1024.0),
                    dev.multiprocessor_count(), dev.wavefront_size(), code.c_str());
    }
    return kExitOk;
}

}  // namespace hipquant::cli
