// Asynchronous copies from global into shared memory (HQ_ASYNC_COPY), and
// the tile-row copies the mat-mat kernels stage their chunks with.
#pragma once

#include "arch.hpp"
#include "hipquant/quant/kernel_args.hpp"
#include "warp.hpp"

namespace hipquant::kernels {

// Asynchronous copies into shared memory (HQ_ASYNC_COPY): copy_async_16
// starts a copy of 16 bytes (both addresses 16-byte aligned); a thread's
// copies started since its last commit_async_copies form one group, and
// wait_async_copies<N>() returns once all but its N newest groups have
// landed. They are then visible to the thread itself: a barrier after the
// wait makes every thread's copies visible to the block. Nothing where
// HQ_ASYNC_COPY is 0 (kernels take another path there).
// shared_address gives the 32-bit shared-memory address the copies take.
// With `copy` false nothing is read and the 16 bytes are zeroed (no branch).
__device__ __forceinline__ unsigned shared_address(const void* p) {
#if HQ_ASYNC_COPY && defined(__CUDA_ARCH__)
    return static_cast<unsigned>(__cvta_generic_to_shared(p));
#else
    return static_cast<unsigned>(reinterpret_cast<std::uintptr_t>(p));
#endif
}
__device__ __forceinline__ void copy_async_16(unsigned shared_dst, const void* global_src, bool copy = true) {
#if HQ_ASYNC_COPY && defined(__CUDA_ARCH__)
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(shared_dst), "l"(global_src),
                 "r"(copy ? 16 : 0)
                 : "memory");
#else
    (void)shared_dst;
    (void)global_src;
    (void)copy;
#endif
}
__device__ __forceinline__ void commit_async_copies() {
#if HQ_ASYNC_COPY && defined(__CUDA_ARCH__)
    asm volatile("cp.async.commit_group;" ::: "memory");
#endif
}
template <int N>
__device__ __forceinline__ void wait_async_copies() {
#if HQ_ASYNC_COPY && defined(__CUDA_ARCH__)
    asm volatile("cp.async.wait_group %0;" ::"n"(N) : "memory");
#endif
}

// Starts copying kRows rows of kVectors 16-byte vectors into the buffer at
// shared address `buffer` (row i at offset i * kSlot), by kThreads threads
// (`thread`: this one's index among them): row i's bytes from
// base + i * stride, rounded down to 16 (kAligned: they are 16-byte aligned
// already). Thread t copies vector t % kVectors of rows t / kVectors + s R,
// R = kThreads / kVectors rows a step (every thread but the last
// kThreads % kVectors busy), so that a step adds a multiple of the stride
// common to all threads: a 64-bit add and the copy instruction a step (the
// warp-row copies took about 190 of a Q4_0 producer thread's 509
// instructions a chunk on the H100). Rows from `rows` on (past the matrix)
// are zero-filled, not read: their results are never stored; only a tile
// that has such rows tests for them. Offsets within the tile are 32-bit (the
// host keeps strides below quant::kMaxMatMulRowBytes).
template <int kThreads, int kRows, int kVectors, int kSlot, bool kAligned>
__device__ __forceinline__ void copy_rows_async(unsigned buffer, const std::uint8_t* base, std::uint32_t stride,
                                                std::uint64_t rows, int thread) {
    static_assert(kVectors <= kThreads && 16 * kVectors <= kSlot, "a row fits one step, and its slot");
    static_assert(static_cast<std::uint64_t>(kRows - 1) * (quant::kMaxMatMulRowBytes - 1) + 16 * kVectors <=
                      0xffffffffu,
                  "a tile's offsets fit 32 bits");
    constexpr int kRowsPerStep = kThreads / kVectors;
    constexpr int kSteps = (kRows + kRowsPerStep - 1) / kRowsPerStep;
    const int m0 = thread / kVectors, v = thread % kVectors;
    if (m0 >= kRowsPerStep) return;
    const unsigned to = buffer + static_cast<unsigned>(m0 * kSlot + 16 * v);
    const std::uint32_t step = static_cast<std::uint32_t>(kRowsPerStep) * stride;
    const auto copy_rows = [&](auto partial) {
        constexpr bool kPartial = decltype(partial)::value;
        const int valid = kPartial ? static_cast<int>(rows) : kRows;
        const std::uint8_t* from = base + (static_cast<std::uint32_t>(m0) * stride + 16u * static_cast<unsigned>(v));
#pragma unroll
        for (int s = 0; s < kSteps; ++s, from += step) {
            const int m = m0 + s * kRowsPerStep;
            if (kRows % kRowsPerStep != 0 && s == kSteps - 1 && m >= kRows) break;
            const std::uint8_t* p = from;
            // Rounding down to 16 clears the low 4 bits (see load_ints_a2).
            if constexpr (!kAligned) p -= reinterpret_cast<std::uintptr_t>(p) & 15u;
            copy_async_16(to + static_cast<unsigned>(s * kRowsPerStep * kSlot), p, !kPartial || m < valid);
        }
    };
    if (rows >= static_cast<std::uint64_t>(kRows))
        copy_rows(std::false_type{});
    else
        copy_rows(std::true_type{});
}

}  // namespace hipquant::kernels
