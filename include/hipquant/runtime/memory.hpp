// DeviceSpan<T> (non-owning view of device memory) and DeviceMemory<T>
// (owning, move-only device buffer) over hipMalloc / hipFree.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "hipquant/runtime/error.hpp"

namespace hipquant {

class RocmDevice;
namespace detail {
class DeviceContext;
// Frees `ptr` on the context's device: with hipFree, or with stream
// non-null hipFreeAsync on that stream (a hipStream_t). Never throws: a
// failure is recorded in the context and reported by RocmDevice::check().
void device_free(DeviceContext& ctx, void* ptr, void* stream) noexcept;
int context_ordinal(const DeviceContext& ctx) noexcept;

inline void check_slice(std::size_t offset, std::size_t len, std::size_t size) {
    HIPQUANT_REQUIRE(offset <= size && len <= size - offset, errc::invalid_value,
                     "slice [" + std::to_string(offset) + ", " + std::to_string(offset) + " + " +
                         std::to_string(len) + ") is out of range of a buffer of " +
                         std::to_string(size) + " elements");
}
}  // namespace detail

// Pointer plus element count into device memory. Trivially copyable; it owns
// nothing, so pass it as a parameter and do not keep it past its owner.
template <typename T>
class DeviceSpan {
public:
    DeviceSpan() = default;

    // Borrows memory that something else (a framework's allocator) owns.
    // hipquant never frees it; the caller keeps it alive while in use.
    static DeviceSpan wrap(T* device_ptr, std::size_t count) {
        HIPQUANT_REQUIRE(device_ptr != nullptr || count == 0, errc::invalid_value,
                         "DeviceSpan::wrap: null pointer with " + std::to_string(count) + " elements");
        return DeviceSpan(device_ptr, count);
    }

    T* data() const noexcept { return ptr_; }
    std::size_t size() const noexcept { return size_; }
    std::size_t size_bytes() const noexcept { return size_ * sizeof(T); }
    bool empty() const noexcept { return size_ == 0; }

    // Elements [offset, offset + len); throws if that is not inside the span.
    DeviceSpan slice(std::size_t offset, std::size_t len) const {
        detail::check_slice(offset, len, size_);
        return DeviceSpan(ptr_ + offset, len);
    }

    // Every DeviceSpan<T> is also a DeviceSpan<const T>.
    template <typename U = T, typename = std::enable_if_t<!std::is_const_v<U>>>
    operator DeviceSpan<const U>() const noexcept {  // NOLINT: implicit on purpose
        return DeviceSpan<const U>::wrap_unchecked(ptr_, size_);
    }

    static DeviceSpan wrap_unchecked(T* ptr, std::size_t count) noexcept { return DeviceSpan(ptr, count); }

private:
    DeviceSpan(T* ptr, std::size_t count) noexcept : ptr_(ptr), size_(count) {}
    T* ptr_ = nullptr;
    std::size_t size_ = 0;
};

// An owning device buffer of `size()` elements of T, allocated by
// RocmDevice::alloc (or alloc_async). Move-only: a copy would free the same
// memory twice (copy explicitly with RocmDevice::memcpy_dtod). It keeps its
// device alive. A buffer from alloc frees with hipFree, which waits for all
// work queued on the device, so the free is ordered after the buffer's last
// use on any stream; one from alloc_async(n, stream) frees with hipFreeAsync
// on that stream, after the work queued there and without waiting.
template <typename T>
class DeviceMemory {
    static_assert(std::is_trivially_copyable_v<T>, "device buffers hold trivially copyable values");

public:
    DeviceMemory() = default;  // empty, like a moved-from buffer
    DeviceMemory(const DeviceMemory&) = delete;
    DeviceMemory& operator=(const DeviceMemory&) = delete;
    DeviceMemory(DeviceMemory&& other) noexcept { swap(other); }
    DeviceMemory& operator=(DeviceMemory&& other) noexcept {
        if (this != &other) {
            DeviceMemory(std::move(other)).swap(*this);
        }
        return *this;
    }
    ~DeviceMemory() {
        if (ctx_ && ptr_) detail::device_free(*ctx_, ptr_, free_stream_);
    }

    // False after a move (or default construction): using it then throws.
    bool valid() const noexcept { return ctx_ != nullptr; }
    T* data() const { return require_valid(), ptr_; }
    std::size_t size() const noexcept { return size_; }
    std::size_t size_bytes() const noexcept { return size_ * sizeof(T); }

    DeviceSpan<T> span() { return require_valid(), DeviceSpan<T>::wrap_unchecked(ptr_, size_); }
    DeviceSpan<const T> span() const {
        return require_valid(), DeviceSpan<const T>::wrap_unchecked(ptr_, size_);
    }
    DeviceSpan<T> slice(std::size_t offset, std::size_t len) { return span().slice(offset, len); }
    DeviceSpan<const T> slice(std::size_t offset, std::size_t len) const { return span().slice(offset, len); }

    // The device that owns the memory (ordinal).
    int device_ordinal() const { return require_valid(), detail::context_ordinal(*ctx_); }

private:
    friend class RocmDevice;
    DeviceMemory(std::shared_ptr<detail::DeviceContext> ctx, T* ptr, std::size_t count,
                 void* free_stream = nullptr) noexcept
        : ctx_(std::move(ctx)), ptr_(ptr), size_(count), free_stream_(free_stream) {}

    void swap(DeviceMemory& other) noexcept {
        std::swap(ctx_, other.ctx_);
        std::swap(ptr_, other.ptr_);
        std::swap(size_, other.size_);
        std::swap(free_stream_, other.free_stream_);
    }
    void require_valid() const {
        HIPQUANT_REQUIRE(ctx_ != nullptr, errc::invalid_value,
                         "use of a moved-from (or default-constructed) DeviceMemory");
    }

    std::shared_ptr<detail::DeviceContext> ctx_;
    T* ptr_ = nullptr;
    std::size_t size_ = 0;
    void* free_stream_ = nullptr;  // alloc_async's stream (a hipStream_t), freed on in order; null: hipFree
};

}  // namespace hipquant
