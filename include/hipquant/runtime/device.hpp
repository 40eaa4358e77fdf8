// RocmDevice: one GPU, its stream, its memory and its loaded kernels.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "hipquant/runtime/error.hpp"
#include "hipquant/runtime/launch.hpp"
#include "hipquant/runtime/memory.hpp"
#include "hipquant/runtime/module.hpp"
#include "hipquant/runtime/platform.hpp"

namespace hipquant {

namespace detail {
void* device_alloc(DeviceContext& ctx, std::size_t bytes, const char* what);
void device_memset_zero(DeviceContext& ctx, void* ptr, std::size_t bytes);
void device_copy(DeviceContext& ctx, void* dst, const void* src, std::size_t bytes, hipMemcpyKind kind);
void device_sync(DeviceContext& ctx);

inline void check_same_size(std::size_t src, std::size_t dst, const char* what) {
    HIPQUANT_REQUIRE(src == dst, errc::invalid_value,
                     std::string(what) + ": source has " + std::to_string(src) +
                         " elements but destination has " + std::to_string(dst));
}
// Throws unless `operand` (on device `got`) is on device `want`.
inline void check_same_device(const char* operand, int got, int want) {
    HIPQUANT_REQUIRE(got == want, errc::invalid_value,
                     std::string(operand) + " is on device " + std::to_string(got) + " but the operation runs on device " +
                         std::to_string(want));
}
template <typename T>
std::size_t bytes_of(std::size_t n) {
    HIPQUANT_REQUIRE(n <= static_cast<std::size_t>(-1) / sizeof(T), errc::invalid_value,
                     "allocation of " + std::to_string(n) + " elements of " + std::to_string(sizeof(T)) +
                         " bytes overflows size_t");
    return n * sizeof(T);
}
}  // namespace detail

// A GPU opened for use. A cheap handle: copies share the device's state
// (stream, module cache); buffers allocated from it keep that state alive.
// Every operation is queued on stream() and nothing waits unless its name
// says so (synchronize, memcpy_dtov).
class RocmDevice {
public:
    // Number of GPUs; 0, not an exception, when there is no GPU or no driver.
    static int count();

    // Opens GPU `ordinal` with a new non-blocking stream that it owns.
    static RocmDevice open(int ordinal = 0);
    // Opens GPU `ordinal` on a stream the caller owns (a framework's). The
    // caller keeps that stream alive as long as the device and its buffers.
    static RocmDevice open_borrowed_stream(int ordinal, hipStream_t stream);

    // The installed driver's and the linked runtime's versions as the
    // platform numbers them (CUDA 12.4: 12040; HIP 5.2: 50221153...); 0 where
    // there is no driver. version_string() spells one ("12.4", "5.2.21153").
    static int driver_version();
    static int runtime_version();
    static std::string version_string(int version);

    int ordinal() const noexcept;
    const std::string& name() const noexcept;
    // "gfx90a:sramecc+:xnack-" on AMD, "sm_90" on NVIDIA.
    const std::string& arch() const noexcept;
    std::size_t total_memory_bytes() const noexcept;
    std::size_t l2_cache_bytes() const noexcept;
    // The most dynamic shared memory a kernel launch may ask for per block.
    std::size_t max_dynamic_shared_bytes() const noexcept;
    // Shared memory of one multiprocessor (CU, SM), and what each resident
    // block leaves of it to the platform (1 KB on NVIDIA, none on AMD).
    std::size_t shared_bytes_per_multiprocessor() const noexcept;
    std::size_t reserved_shared_bytes_per_block() const noexcept;
    int multiprocessor_count() const noexcept;
    int wavefront_size() const noexcept;
    // Whether LaunchConfig::overlapping_previous takes effect here (NVIDIA
    // sm_90 and later).
    bool overlapped_launch() const noexcept;
    hipStream_t stream() const noexcept;
    bool owns_stream() const noexcept;

    // Waits for all work queued on stream().
    void synchronize() const;
    // Throws the first error a destructor recorded (a failed free), if any.
    void check() const;

    // Uninitialized device memory for n values of T.
    template <typename T>
    DeviceMemory<T> alloc(std::size_t n) const {
        void* p = detail::device_alloc(*ctx_, detail::bytes_of<T>(n), "alloc");
        return DeviceMemory<T>(ctx_, static_cast<T*>(p), n);
    }
    // Device memory for n values of T from the device's stream-ordered pool
    // (hipMallocAsync / cudaMallocAsync), for work queued on `stream` after
    // this call; the buffer frees itself with hipFreeAsync on `stream`,
    // ordered after that work, without waiting (keep the stream alive until
    // then). Neither the allocation nor the free waits, and both can be
    // captured into a graph.
    template <typename T>
    DeviceMemory<T> alloc_async(std::size_t n, hipStream_t stream) const {
        void* p = n > 0 ? alloc_async(detail::bytes_of<T>(n), stream) : nullptr;
        return DeviceMemory<T>(ctx_, static_cast<T*>(p), n, static_cast<void*>(stream));
    }
    // Zero-filled device memory (the memset is queued on stream()).
    template <typename T>
    DeviceMemory<T> alloc_zeros(std::size_t n) const {
        DeviceMemory<T> m = alloc<T>(n);
        detail::device_memset_zero(*ctx_, m.ptr_, m.size_bytes());
        return m;
    }
    // New device buffer holding a copy of host [src, src + n) ("slice to device").
    template <typename T>
    DeviceMemory<T> memcpy_stod(const T* src, std::size_t n) const {
        DeviceMemory<T> m = alloc<T>(n);
        detail::device_copy(*ctx_, m.ptr_, src, m.size_bytes(), hipMemcpyHostToDevice);
        return m;
    }
    template <typename T>
    DeviceMemory<T> memcpy_stod(const std::vector<T>& src) const {
        return memcpy_stod(src.data(), src.size());
    }
    // Copies host [src, src + n) into dst; n must equal dst.size().
    template <typename T>
    void memcpy_htod(const T* src, std::size_t n, DeviceSpan<T> dst) const {
        detail::check_same_size(n, dst.size(), "memcpy_htod");
        detail::device_copy(*ctx_, dst.data(), src, dst.size_bytes(), hipMemcpyHostToDevice);
    }
    template <typename T>
    void memcpy_htod(const std::vector<T>& src, DeviceSpan<T> dst) const {
        memcpy_htod(src.data(), src.size(), dst);
    }
    // Copies device memory to a new host vector; waits for the stream.
    template <typename T>
    std::vector<T> memcpy_dtov(DeviceSpan<const T> src) const {
        std::vector<T> out(src.size());
        detail::device_copy(*ctx_, out.data(), src.data(), src.size_bytes(), hipMemcpyDeviceToHost);
        detail::device_sync(*ctx_);
        return out;
    }
    template <typename T>
    std::vector<T> memcpy_dtov(const DeviceMemory<T>& src) const {
        return memcpy_dtov(src.span());
    }
    // Device-to-device copy of equal-sized spans, queued on stream().
    template <typename T>
    void memcpy_dtod(DeviceSpan<const T> src, DeviceSpan<T> dst) const {
        detail::check_same_size(src.size(), dst.size(), "memcpy_dtod");
        detail::device_copy(*ctx_, dst.data(), src.data(), src.size_bytes(), hipMemcpyDeviceToDevice);
    }

    // The entry of `image` this GPU runs ("gfx90a:xnack-", "sm_90", or
    // "compute_90" when the driver compiles PTX), as pick_architecture()
    // chooses it. Throws Error (errc::no_binary_for_gpu) when there is none,
    // naming the device, its architecture, what the image holds and the
    // HIPQUANT_GPU_TARGETS value to rebuild hipquant with: the answer to
    // the loader's "no binary for GPU" / "invalid device function".
    std::string code_object_arch(const CodeObject& image = kernel_image()) const;

    // The kernel `name` from `image`, loading the image on first use, after
    // code_object_arch(image) has confirmed the GPU can run it. Modules and
    // functions are cached per device; safe to call from several threads.
    // Throws Error (errc::not_found) naming the kernel if the image lacks it.
    Function get_or_load_func(const std::string& name, const CodeObject& image = kernel_image()) const;

    // Entry `index` of `list` (a fixed list of `image`'s kernels): its
    // handle and published geometry, resolved on the first call for the
    // entry and cached in the device. Later calls take no lock, allocate
    // nothing and build no string: the launch path's lookup. Safe from any
    // number of threads. Throws as get_or_load_func and image_constant do.
    const ResolvedKernel& resolve(const KernelList& list, std::size_t index,
                                  const CodeObject& image = kernel_image()) const;

    // The value of the device variable `name` in `image` (a record its
    // kernels publish, as the mat-mat kernels their launch geometry), read
    // once per device, image and name (the first read loads the image and
    // waits for stream()); T is trivially copyable. Throws Error
    // (errc::not_found) if the image lacks the variable and
    // (errc::invalid_image) if its size is not sizeof(T).
    template <typename T>
    T image_constant(const std::string& name, const CodeObject& image = kernel_image()) const {
        static_assert(std::is_trivially_copyable_v<T>, "read as bytes");
        T value;
        read_image_constant(name, &value, sizeof(T), image);
        return value;
    }

    // True when both handles refer to the same opened device state.
    bool same_as(const RocmDevice& other) const noexcept { return ctx_ == other.ctx_; }

private:
    // `bytes` from the stream-ordered pool (hipMallocAsync) on `stream`
    // (alloc_async<T> wraps it in a buffer that frees itself on `stream`).
    void* alloc_async(std::size_t bytes, hipStream_t stream) const;
    void read_image_constant(const std::string& name, void* out, std::size_t bytes, const CodeObject& image) const;
    explicit RocmDevice(std::shared_ptr<detail::DeviceContext> ctx) : ctx_(std::move(ctx)) {}
    std::shared_ptr<detail::DeviceContext> ctx_;
};

}  // namespace hipquant
