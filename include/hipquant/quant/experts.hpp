// QuantizedExperts: the expert weights of a mixture-of-experts layer on one
// device, as GGUF stores them (one [experts, rows, cols] tensor such as
// blk.N.ffn_gate_exps.weight: expert e's rows x cols matrix after expert
// e - 1's), and the product a router's choices ask of them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hipquant/quant/types.hpp"
#include "hipquant/quant/workspace.hpp"
#include "hipquant/runtime/device.hpp"

namespace hipquant::quant {

// How mul_mat_id reports ids outside [0, experts).
enum class IdCheck {
    kReport,      // wait for the stream and throw an Error naming the first (not inside a graph capture)
    kDeviceOnly,  // queue and return: such a (token, slot) gets a row of zeros, nothing waits
};

// How mul_mat_id computes; kAuto picks by the pairs per expert.
enum class ExpertPath {
    kAuto,      // kGrouped where the pairs outnumber the experts (and experts <= kMaxGroupedExperts)
    kPerPair,   // the batch-1 mat-vec per (token, slot): each pair reads its expert
    kGrouped,   // the pairs sorted by expert on the device, a tiled product per expert: each
                // chosen expert read about once
};
// The most experts the grouped path sorts (its one block counts them in
// 48 KB of shared memory).
inline constexpr std::size_t kMaxGroupedExperts = 6144;

// Immutable once loaded, as QuantizedTensor: const methods may run from any
// number of threads and streams at once; scratch belongs to the call.
class QuantizedExperts {
public:
    // Raw GGUF-layout bytes: exactly experts * rows * row_size_bytes(type, cols).
    static QuantizedExperts load(const RocmDevice& device, QuantType type, const void* bytes, std::size_t n_bytes,
                                 std::size_t experts, std::size_t rows, std::size_t cols);
    // Quantizes f32 values [experts][rows][cols] with the CPU reference.
    static QuantizedExperts quantize(const RocmDevice& device, QuantType type, const float* host_values,
                                     std::size_t experts, std::size_t rows, std::size_t cols);

    QuantType type() const noexcept { return type_; }
    std::size_t experts() const noexcept { return experts_; }
    std::size_t rows() const noexcept { return rows_; }
    std::size_t cols() const noexcept { return cols_; }
    const RocmDevice& device() const noexcept { return device_; }
    // Bytes of one expert's matrix (rows * row bytes).
    std::size_t expert_size_in_bytes() const noexcept { return rows_ * row_bytes_; }

    // y[t][s][r] = sum_c W[ids[t][s]][r][c] * x[t][s'][c] for t < tokens,
    // s < top_k: the router's top_k experts of each token. x is tokens x
    // x_slots x cols f32, with x_slots 1 (every slot multiplies the token's
    // row: the gate and up projections) or top_k (a row per slot, s' = s:
    // the down projection); ids is tokens x top_k int32 on the device, the
    // same expert may appear more than once in a row; y is tokens x top_k x
    // rows. Every activation row is quantized to Q8_1 once.
    // The ids are checked on the device: an id outside [0, experts) gives
    // its (token, slot) a row of zeros. With IdCheck::kReport the call then
    // waits for the stream and throws an Error naming the first such
    // position and its value, except while `stream` captures a graph;
    // with kDeviceOnly (an engine that trusts its router) nothing waits.
    void mul_mat_id(DeviceSpan<const float> x, std::size_t tokens, std::size_t x_slots,
                    DeviceSpan<const std::int32_t> ids, std::size_t top_k, DeviceSpan<float> y, hipStream_t stream,
                    Workspace& ws, IdCheck check = IdCheck::kReport, ExpertPath path = ExpertPath::kAuto) const;
    // The same with scratch from the device's stream-ordered pool.
    void mul_mat_id(DeviceSpan<const float> x, std::size_t tokens, std::size_t x_slots,
                    DeviceSpan<const std::int32_t> ids, std::size_t top_k, DeviceSpan<float> y, hipStream_t stream,
                    IdCheck check = IdCheck::kReport, ExpertPath path = ExpertPath::kAuto) const;
    // The product kernel such a mul_mat_id runs (the expert-indexed mat-vec
    // or the grouped mat-mat): for profiles and logs.
    const char* product_kernel(std::size_t tokens, std::size_t top_k, ExpertPath path = ExpertPath::kAuto) const;
    // Bytes of Workspace such a mul_mat_id takes.
    std::size_t workspace_bytes(std::size_t tokens, std::size_t x_slots, std::size_t top_k,
                                ExpertPath path = ExpertPath::kAuto) const;

private:
    QuantizedExperts(RocmDevice device, QuantType type, std::size_t experts, std::size_t rows, std::size_t cols);
    struct Plan;
    Plan plan(std::size_t tokens, std::size_t x_slots, std::size_t top_k, ExpertPath path) const;
    void product(DeviceSpan<const float> x, std::size_t tokens, std::size_t x_slots,
                 DeviceSpan<const std::int32_t> ids, std::size_t top_k, DeviceSpan<float> y, hipStream_t stream,
                 DeviceSpan<std::uint8_t> scratch, const Plan& plan, IdCheck check) const;

    RocmDevice device_;
    QuantType type_;
    std::size_t experts_;
    std::size_t rows_;
    std::size_t cols_;
    std::size_t row_bytes_;
    DeviceMemory<std::uint8_t> data_;  // experts * rows * row_bytes_, then zeroed padding
};

}  // namespace hipquant::quant
