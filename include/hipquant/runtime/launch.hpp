// LaunchConfig and ArgBuilder: the one way hipquant launches a kernel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#include "hipquant/runtime/error.hpp"
#include "hipquant/runtime/memory.hpp"
#include "hipquant/runtime/module.hpp"
#include "hipquant/runtime/platform.hpp"

namespace hipquant {

struct Dim3 {
    std::uint32_t x = 1;
    std::uint32_t y = 1;
    std::uint32_t z = 1;
};

// Grid, block and dynamic shared memory of one launch. There is no default
// constructor, so the shared-memory size is never left unset by accident.
struct LaunchConfig {
    // The largest grid y and z extents every platform launches (CUDA's
    // limit); kernels with more rows or columns than this loop over them.
    static constexpr std::uint32_t kMaxGridYZ = 65535;

    LaunchConfig(Dim3 grid, Dim3 block, std::uint32_t shared_bytes)
        : grid_dim(grid), block_dim(block), shared_mem_bytes(shared_bytes) {}

    // One thread per element: ceil(n / block_size) blocks of block_size threads.
    static LaunchConfig for_num_elems(std::size_t n, std::uint32_t block_size = 256) {
        HIPQUANT_REQUIRE(block_size > 0, errc::invalid_value, "LaunchConfig: block size 0");
        const std::size_t blocks = (n + block_size - 1) / block_size;
        HIPQUANT_REQUIRE(blocks <= 0x7fffffffu, errc::invalid_value,
                         "LaunchConfig: " + std::to_string(n) + " elements need " +
                             std::to_string(blocks) + " blocks, more than a grid holds (2^31 - 1)");
        return LaunchConfig({static_cast<std::uint32_t>(blocks == 0 ? 1 : blocks), 1, 1},
                            {block_size, 1, 1}, 0);
    }

    // Lets the launch overlap the end of the kernel before it in the stream
    // where the GPU supports it (RocmDevice::overlapped_launch; NVIDIA
    // Hopper's programmatic dependent launch). Only for kernels written for
    // it: they call wait_for_previous_kernel() (kernels/barrier.hpp) before
    // touching memory an earlier kernel may write.
    LaunchConfig& overlapping_previous(bool on = true) {
        overlap_previous = on;
        return *this;
    }

    Dim3 grid_dim;
    Dim3 block_dim;
    std::uint32_t shared_mem_bytes;
    bool overlap_previous = false;
};

// Collects kernel arguments by value, then launches. Each argument is copied
// into storage inside the builder (no heap allocation), so a builder kept in
// a variable never points at a dead temporary. Only trivially copyable
// values and device spans (which pass their pointer) are accepted: anything
// else cannot cross to the GPU. This is the one place argument types cannot
// be checked against the kernel's signature, so each kernel gets one typed
// host wrapper that uses it.
class ArgBuilder {
public:
    static constexpr std::size_t kMaxArgs = 16;
    static constexpr std::size_t kMaxArgBytes = 512;

    explicit ArgBuilder(const Function& fn) : fn_(fn) {}

    template <typename T>
    ArgBuilder& arg(const T& value) {
        static_assert(std::is_trivially_copyable_v<T>, "kernel arguments must be trivially copyable");
        static_assert(alignof(T) <= alignof(std::max_align_t), "over-aligned kernel argument");
        const std::size_t at = (used_ + alignof(std::max_align_t) - 1) / alignof(std::max_align_t) *
                               alignof(std::max_align_t);
        if (count_ == kMaxArgs || at + sizeof(T) > kMaxArgBytes) too_many_args();
        std::memcpy(storage_ + at, &value, sizeof(T));
        offsets_[count_++] = static_cast<std::uint16_t>(at);
        used_ = at + sizeof(T);
        return *this;
    }
    template <typename T>
    ArgBuilder& arg(DeviceSpan<T> span) {
        return arg(span.data());
    }
    template <typename T>
    ArgBuilder& arg(const DeviceMemory<T>& memory) {
        return arg(memory.data());  // throws on a moved-from buffer
    }
    template <typename T>
    ArgBuilder& arg(DeviceMemory<T>& memory) {
        return arg(memory.data());
    }

    // Queues the kernel on `stream`; checks the launch's result at once.
    void launch(const LaunchConfig& cfg, hipStream_t stream);

    std::size_t arg_count() const noexcept { return count_; }

private:
    [[noreturn]] void too_many_args() const;

    Function fn_;
    std::size_t count_ = 0;
    std::size_t used_ = 0;
    std::uint16_t offsets_[kMaxArgs] = {};
    alignas(std::max_align_t) unsigned char storage_[kMaxArgBytes];
};

inline ArgBuilder Function::builder() const { return ArgBuilder(*this); }

}  // namespace hipquant
