// The architecture name (as RocmDevice::arch() and CodeObject::architectures()
// spell it) of the GPUs a HIPQUANT_GPU_TARGETS entry builds for: NVIDIA
// targets are SM numbers, "90" and the arch-specific "90a" both meaning
// sm_90; AMD targets name themselves.
#pragma once

#include <string>

namespace hipquant::test {

inline std::string target_arch(std::string target) {
    if (target.empty() || target[0] < '0' || target[0] > '9') return target;
    if (target.back() == 'a' || target.back() == 'f') target.pop_back();
    return "sm_" + target;
}

}  // namespace hipquant::test
