// CodeObject: a kernel image held in memory (normally the one embedded in
// the library), and Function: a kernel looked up in it on one device.
#pragma once

#include <cstddef>
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

// A kernel of a loaded module on one device. Cheap to copy; valid as long
// as the RocmDevice that loaded it.
class Function {
public:
    Function(hipFunction_t handle, std::string name) : handle_(handle), name_(std::move(name)) {}
    hipFunction_t handle() const noexcept { return handle_; }
    const std::string& name() const noexcept { return name_; }
    // Starts a launch: fn.builder().arg(x).arg(n).launch(cfg, stream).
    ArgBuilder builder() const;

private:
    hipFunction_t handle_;
    std::string name_;
};

}  // namespace hipquant
