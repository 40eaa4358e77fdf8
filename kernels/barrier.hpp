// Synchronization beyond __syncthreads: programmatic dependent launch,
// named barriers, register trading between warps, and the dynamic shared
// memory check.
#pragma once

#include "arch.hpp"
#include "warp.hpp"

namespace hipquant::kernels {

// Programmatic dependent launch (LaunchConfig::overlapping_previous, NVIDIA
// sm_90+): a kernel launched that way may start while the kernel before it
// is finishing. wait_for_previous_kernel() returns once that kernel is done
// and its writes are visible: call it before touching memory it may write.
// allow_next_kernel() lets the kernel after this one start launching once
// every block of this one has called it or exited. Both do nothing
// elsewhere, and for a kernel launched the ordinary way.
__device__ __forceinline__ void wait_for_previous_kernel() {
#if defined(HIPQUANT_PLATFORM_NVIDIA) && defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}
__device__ __forceinline__ void allow_next_kernel() {
#if defined(HIPQUANT_PLATFORM_NVIDIA) && defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

// Waiting for other blocks (a grid's counters in global memory):
// load_volatile reads a word at the level all blocks share, never a copy
// in this CU's cache; backoff() pauses briefly between such polls, so they
// leave the memory system to the blocks being waited for.
__device__ __forceinline__ std::uint32_t load_volatile(const std::uint32_t* p) {
    return *static_cast<const volatile std::uint32_t*>(p);
}
__device__ __forceinline__ void backoff() {
#if defined(HIPQUANT_PLATFORM_NVIDIA) && defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 700
    __nanosleep(64);
#elif defined(HIPQUANT_PLATFORM_AMD) && defined(__HIP_DEVICE_COMPILE__)
    __builtin_amdgcn_s_sleep(1);
#endif
}

// Named barriers (NVIDIA; the warp-specialized mat-mat): barrier `id`
// (1..15; 0 is __syncthreads's) completes once kThreads threads, whole
// warps, have reached it; barrier_sync waits for that, barrier_arrive goes
// on. Both make the thread's earlier shared-memory writes visible to the
// threads that wait for the barrier. Elsewhere using them fails to compile.
template <int kThreads, bool kWait>
__device__ __forceinline__ void named_barrier(int id) {
    static_assert(kThreads % kWarp == 0, "whole warps");
#if defined(HIPQUANT_PLATFORM_NVIDIA)
#if defined(__CUDA_ARCH__)
    if constexpr (kWait)
        asm volatile("bar.sync %0, %1;" ::"r"(id), "n"(kThreads) : "memory");
    else
        asm volatile("bar.arrive %0, %1;" ::"r"(id), "n"(kThreads) : "memory");
#else
    (void)id;
#endif
#else
    static_assert(kThreads < 0, "named barriers are NVIDIA's");
#endif
}
template <int kThreads>
__device__ __forceinline__ void barrier_sync(int id) {
    named_barrier<kThreads, true>(id);
}
template <int kThreads>
__device__ __forceinline__ void barrier_arrive(int id) {
    named_barrier<kThreads, false>(id);
}

// Lowers (kDecrease) or raises the registers of the calling warp to
// kRegs a thread (sm_90a's setmaxnreg; a multiple of 8 in 24..256), so
// that warps doing different work in a block hold what each needs: the
// block starts with the even share, those that lower free registers for
// those that raise, which wait until enough are free. Nothing where the
// instruction is missing.
template <int kRegs, bool kDecrease>
__device__ __forceinline__ void set_warp_registers() {
    static_assert(kRegs % 8 == 0 && kRegs >= 24 && kRegs <= 256, "setmaxnreg's range");
#if HQ_WARP_REGISTERS
    if constexpr (kDecrease)
        asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;" ::"n"(kRegs));
    else
        asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;" ::"n"(kRegs));
#endif
}

// Stops the kernel (an error the host reports) when its launch gave it
// fewer than `bytes` of dynamic shared memory: a host that sized it wrong
// fails loudly instead of letting copies run past it. NVIDIA only (AMD
// kernels take no dynamic shared memory).
__device__ __forceinline__ void require_dynamic_shared(int bytes) {
#if defined(HIPQUANT_PLATFORM_NVIDIA) && defined(__CUDA_ARCH__)
    unsigned have;
    asm("mov.u32 %0, %%dynamic_smem_size;" : "=r"(have));
    if (have < static_cast<unsigned>(bytes)) __trap();
#else
    (void)bytes;
#endif
}

}  // namespace hipquant::kernels
