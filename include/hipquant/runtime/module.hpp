// CodeObject: a kernel image held in memory (normally the one embedded in
// the library), and Function: a kernel looked up in it on one device.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "hipquant/runtime/platform.hpp"

namespace hipquant {

class ArgBuilder;

// Bytes of a code-object image: an AMD clang offload bundle (one code object
// per gfx target) or an NVIDIA fatbin. Does not own the bytes.
struct CodeObject {
    const void* data = nullptr;
    std::size_t size = 0;
    const char* name = "";  // for messages

    // The GPU architectures the image holds code for ("gfx90a", "sm_90"),
    // read from the image's own headers. Throws on a malformed image.
    std::vector<std::string> architectures() const;
};

// The image with every hipquant kernel, embedded at build time.
const CodeObject& kernel_image();

// The architectures this build of hipquant was configured for
// (HIPQUANT_GPU_TARGETS), e.g. {"gfx906", "gfx90a"} or {"80", "90"}.
std::vector<std::string> built_targets();

// Whether the code-object entry `entry` (as CodeObject::architectures()
// names it) runs on a GPU whose architecture is `device_arch` (as
// RocmDevice::arch() names it). Pure; the loaders' rules:
//  - AMD: the base names agree ("gfx90a") and every feature the entry pins
//    ("gfx90a:xnack-") has the same sign on the device; an entry without
//    features runs on every feature setting, and a feature the device does
//    not report is not held against the entry. Generic entries
//    ("gfx9-generic", "gfx10-3-generic", ...) run on the gfx names of their
//    family.
//  - NVIDIA: a cubin "sm_XY" runs on devices of the same major version X
//    with minor version >= Y (CUDA's binary compatibility: sm_80 runs on
//    sm_86, not on sm_90); PTX "compute_XY" is compiled by the driver for
//    any device sm >= XY.
bool architecture_runs_on(const std::string& entry, const std::string& device_arch);

// The entry of `entries` a loader uses on `device_arch`, or "" when none
// runs there. Prefers native code: on AMD the entry pinning the most
// features, then the plain name, then a generic target; on NVIDIA the
// newest compatible cubin, else the newest PTX the driver can compile.
std::string pick_architecture(const std::vector<std::string>& entries, const std::string& device_arch);

namespace errc {
// hipErrorNoBinaryForGpu / cudaErrorNoKernelImageForDevice: the code object
// holds no code this GPU can run.
inline constexpr int no_binary_for_gpu = 209;
}  // namespace errc

// A kernel of a loaded module on one device. Cheap to copy (no allocation);
// valid as long as the RocmDevice that loaded it.
class Function {
public:
    Function() = default;
    // `name` must outlive every copy (the loader's cache holds it).
    // `shared_allowed`, where given, is the loader's record (shared by every
    // copy of this function) of the dynamic shared memory it already allows.
    Function(hipFunction_t handle, const char* name, std::atomic<std::uint32_t>* shared_allowed = nullptr)
        : handle_(handle), name_(name), shared_allowed_(shared_allowed) {}
    hipFunction_t handle() const noexcept { return handle_; }
    const char* name() const noexcept { return name_; }
    // Starts a launch: fn.builder().arg(x).arg(n).launch(cfg, stream).
    ArgBuilder builder() const;
    // Makes launches with `bytes` of dynamic shared memory possible
    // (platform::allow_dynamic_shared), once per function and size: the
    // launch path calls it for every launch that takes any.
    void allow_dynamic_shared(std::uint32_t bytes) const;

private:
    hipFunction_t handle_{};
    const char* name_ = "";
    std::atomic<std::uint32_t>* shared_allowed_ = nullptr;
};

// A fixed list of kernels of one image, each named at compile time, and
// for each the bytes of the launch geometry it publishes as the device
// variable <name>_geometry (0: none). The list and its strings live as
// long as the program (quant/kernels.hpp generates hipquant's).
struct KernelListEntry {
    const char* name;
    const char* geometry;  // "<name>_geometry", or null
    std::uint32_t geometry_bytes;
};
struct KernelList {
    const KernelListEntry* entries;
    std::size_t size;
};

// One entry of a KernelList on one device: its handle and the geometry
// record it publishes (geometry_bytes of it; the rest zero).
struct ResolvedKernel {
    static constexpr std::size_t kMaxGeometryBytes = 32;
    Function function;
    alignas(8) unsigned char geometry[kMaxGeometryBytes] = {};
};

}  // namespace hipquant
