// QuantizedExperts: upload and the expert-indexed product.
#include "hipquant/quant/experts.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "hipquant/quant/kernels.hpp"
#include "hipquant/quant/ops.hpp"
#include "hipquant/quant/reference.hpp"
#include "hipquant/quant/storage.hpp"
#include "launch.hpp"
#include "scratch.hpp"
#include "weights.hpp"

namespace hipquant::quant {

namespace {

std::string shape_str(std::size_t experts, std::size_t rows, std::size_t cols) {
    return std::to_string(experts) + " x " + std::to_string(rows) + " x " + std::to_string(cols);
}

// The call's scratch: the Q8_1 activation rows, then the status word (the
// lowest pair with a bad id; all bits set for none).
struct IdScratch {
    std::size_t q8_1_bytes;
    std::size_t status_offset() const { return detail::align16(q8_1_bytes); }
    std::size_t total() const { return status_offset() + kGatherStatusBytes; }
};
IdScratch id_scratch(std::size_t activation_rows, std::size_t cols) {
    return {activation_rows * q8_1_row_blocks(cols) * sizeof(BlockQ8_1)};
}

constexpr std::uint32_t kNoBadPair = 0xffffffffu;

}  // namespace

QuantizedExperts::QuantizedExperts(RocmDevice device, QuantType type, std::size_t experts, std::size_t rows,
                                   std::size_t cols)
    : device_(std::move(device)), type_(type), experts_(experts), rows_(rows), cols_(cols), row_bytes_(0) {
    const QuantTypeInfo& info = quant_type_info(type);
    HIPQUANT_REQUIRE(info.can_be_weight && info.has_kernel(kKernelMulMatVec), errc::not_supported,
                     std::string("QuantizedExperts: no expert product for type ") + info.name);
    HIPQUANT_REQUIRE(experts > 0 && rows > 0 && cols > 0, errc::invalid_value,
                     "QuantizedExperts: empty shape " + shape_str(experts, rows, cols));
    HIPQUANT_REQUIRE(experts <= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()),
                     errc::invalid_value, "QuantizedExperts: " + std::to_string(experts) + " experts, more than ids hold");
    row_bytes_ = row_size_bytes(type, cols);  // throws unless cols is whole blocks
    HIPQUANT_REQUIRE(rows <= (static_cast<std::size_t>(1) << 40) / row_bytes_ / experts, errc::invalid_value,
                     "QuantizedExperts: " + shape_str(experts, rows, cols) + " " + info.name + " is too large");
    data_ = device_.alloc<std::uint8_t>(experts * rows * row_bytes_ + kWeightPaddingBytes);
}

QuantizedExperts QuantizedExperts::load(const RocmDevice& device, QuantType type, const void* bytes,
                                        std::size_t n_bytes, std::size_t experts, std::size_t rows,
                                        std::size_t cols) {
    QuantizedExperts t(device, type, experts, rows, cols);
    const std::size_t need = experts * t.expert_size_in_bytes();
    HIPQUANT_REQUIRE(n_bytes == need, errc::invalid_value,
                     std::string("QuantizedExperts::load: ") + quant_type_name(type) + " " +
                         shape_str(experts, rows, cols) + " needs " + std::to_string(need) + " bytes, got " +
                         std::to_string(n_bytes));
    HIPQUANT_REQUIRE(bytes != nullptr, errc::invalid_value, "QuantizedExperts::load: null data");
    detail::upload_weights(device, bytes, n_bytes, t.data_.span());
    return t;
}

QuantizedExperts QuantizedExperts::quantize(const RocmDevice& device, QuantType type, const float* host_values,
                                            std::size_t experts, std::size_t rows, std::size_t cols) {
    HIPQUANT_REQUIRE(host_values != nullptr, errc::invalid_value, "QuantizedExperts::quantize: null values");
    (void)row_size_bytes(type, cols);  // name the bad shape before quantizing
    const auto bytes = reference::quantize_matrix(type, host_values, experts * rows, cols);
    return load(device, type, bytes.data(), bytes.size(), experts, rows, cols);
}

std::size_t QuantizedExperts::workspace_bytes(std::size_t tokens, std::size_t x_slots) const {
    return id_scratch(tokens * x_slots, cols_).total();
}

void QuantizedExperts::mul_mat_id(DeviceSpan<const float> x, std::size_t tokens, std::size_t x_slots,
                                  DeviceSpan<const std::int32_t> ids, std::size_t top_k, DeviceSpan<float> y,
                                  hipStream_t stream, Workspace& ws, IdCheck check) const {
    detail::require_workspace(ws, workspace_bytes(tokens, x_slots), "mul_mat_id");
    product(x, tokens, x_slots, ids, top_k, y, stream, ws.span(), check);
}

void QuantizedExperts::mul_mat_id(DeviceSpan<const float> x, std::size_t tokens, std::size_t x_slots,
                                  DeviceSpan<const std::int32_t> ids, std::size_t top_k, DeviceSpan<float> y,
                                  hipStream_t stream, IdCheck check) const {
    const detail::PoolScratch scratch(device_, workspace_bytes(tokens, x_slots), stream);
    product(x, tokens, x_slots, ids, top_k, y, stream, scratch.span(), check);
}

void QuantizedExperts::product(DeviceSpan<const float> x, std::size_t tokens, std::size_t x_slots,
                               DeviceSpan<const std::int32_t> ids, std::size_t top_k, DeviceSpan<float> y,
                               hipStream_t stream, DeviceSpan<std::uint8_t> scratch, IdCheck check) const {
    HIPQUANT_REQUIRE(tokens > 0 && top_k > 0, errc::invalid_value,
                     "mul_mat_id: " + std::to_string(tokens) + " tokens and top_k " + std::to_string(top_k) +
                         "; both must be at least 1");
    HIPQUANT_REQUIRE(x_slots == 1 || x_slots == top_k, errc::invalid_value,
                     "mul_mat_id: x_slots is " + std::to_string(x_slots) + ", not 1 or top_k (" +
                         std::to_string(top_k) + ")");
    const std::size_t pairs = tokens * top_k;
    HIPQUANT_REQUIRE(tokens < std::numeric_limits<std::uint32_t>::max() / top_k, errc::invalid_value,
                     "mul_mat_id: " + std::to_string(tokens) + " tokens x top_k " + std::to_string(top_k) +
                         " is more than 2^32 - 1 (token, slot) pairs");
    HIPQUANT_REQUIRE(x.size() == tokens * x_slots * cols_, errc::invalid_value,
                     "mul_mat_id: x has " + std::to_string(x.size()) + " values but tokens x x_slots x cols = " +
                         std::to_string(tokens) + " x " + std::to_string(x_slots) + " x " + std::to_string(cols_));
    HIPQUANT_REQUIRE(ids.size() == pairs, errc::invalid_value,
                     "mul_mat_id: ids has " + std::to_string(ids.size()) + " values but tokens x top_k = " +
                         std::to_string(tokens) + " x " + std::to_string(top_k));
    HIPQUANT_REQUIRE(y.size() == pairs * rows_, errc::invalid_value,
                     "mul_mat_id: y has " + std::to_string(y.size()) + " values but tokens x top_k x rows = " +
                         std::to_string(tokens) + " x " + std::to_string(top_k) + " x " + std::to_string(rows_));

    const std::size_t activation_rows = tokens * x_slots;
    const IdScratch layout = id_scratch(activation_rows, cols_);
    const std::size_t row_blocks = q8_1_row_blocks(cols_);
    const auto xq = detail::scratch_as<BlockQ8_1>(scratch, 0, activation_rows * row_blocks);
    const auto status = detail::scratch_as<std::uint32_t>(scratch, layout.status_offset(), 1);
    quantize_q8_1(device_, x, activation_rows, cols_, xq, stream);
    HIPQUANT_CHECK(hipMemsetAsync(status.data(), 0xff, sizeof(std::uint32_t), stream));

    const MatVecIdArgs args{MatVecArgs{rows_, row_bytes_, static_cast<std::uint32_t>(cols_ / kQK), 1, row_blocks},
                            expert_size_in_bytes(),
                            top_k,
                            static_cast<std::uint32_t>(pairs),
                            static_cast<std::uint32_t>(experts_),
                            static_cast<std::uint32_t>(top_k),
                            static_cast<std::uint32_t>(x_slots)};
    const ResolvedKernel& k = kernel(device_, mul_mat_vec_id_kernel(type_));
    const auto g = detail::geometry_of<MatVecGeometry>(k);
    // A block row per pair: y, then z where pairs pass the y limit.
    const std::size_t grid_y = std::min<std::size_t>(pairs, LaunchConfig::kMaxGridYZ);
    const LaunchConfig cfg({detail::matvec_blocks(rows_, g, device_.multiprocessor_count()),
                            static_cast<std::uint32_t>(grid_y), static_cast<std::uint32_t>((pairs + grid_y - 1) / grid_y)},
                           {g.threads, 1, 1}, 0);
    k.function.builder().arg(data_).arg(xq).arg(y).arg(ids).arg(status).arg(args).launch(cfg, stream);

    if (check == IdCheck::kDeviceOnly) return;
    hipStreamCaptureStatus capture = hipStreamCaptureStatusNone;
    HIPQUANT_CHECK(hipStreamIsCapturing(stream, &capture));
    if (capture != hipStreamCaptureStatusNone) return;  // nothing may wait inside a capture
    std::uint32_t bad = kNoBadPair;
    HIPQUANT_CHECK(hipMemcpyAsync(&bad, status.data(), sizeof bad, hipMemcpyDeviceToHost, stream));
    HIPQUANT_CHECK(hipStreamSynchronize(stream));
    if (bad == kNoBadPair) return;
    std::int32_t value = 0;
    HIPQUANT_CHECK(hipMemcpyAsync(&value, ids.data() + bad, sizeof value, hipMemcpyDeviceToHost, stream));
    HIPQUANT_CHECK(hipStreamSynchronize(stream));
    HIPQUANT_FAIL(errc::invalid_value, "mul_mat_id: ids[" + std::to_string(bad / top_k) + "][" +
                                           std::to_string(bad % top_k) + "] = " + std::to_string(value) +
                                           " is not an expert of " + std::to_string(experts_));
}

}  // namespace hipquant::quant
