// QuantizedExperts: upload and the expert-indexed product.
#include "hipquant/quant/experts.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>
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

constexpr std::size_t q8_1_row_bytes(std::size_t cols) { return q8_1_row_blocks(cols) * sizeof(BlockQ8_1); }

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
    prepare_kernels(device_, type_);  // none is resolved inside a graph capture
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

// A call's scratch, each part 16-byte aligned: the Q8_1 activation rows;
// grouped, then the rows in expert order, their results, the experts'
// offsets and the sorted pairs; last the status word (the lowest pair with
// a bad id; all bits set for none).
struct QuantizedExperts::Plan {
    bool grouped = false;
    std::size_t xq = 0, xs = 0, ys = 0, offsets = 0, order = 0, status = 0, total = 0;
};

QuantizedExperts::Plan QuantizedExperts::plan(std::size_t tokens, std::size_t x_slots, std::size_t top_k,
                                              ExpertPath path) const {
    // The counts first: the sizes below multiply them.
    HIPQUANT_REQUIRE(tokens > 0 && top_k > 0, errc::invalid_value,
                     "mul_mat_id: " + std::to_string(tokens) + " tokens and top_k " + std::to_string(top_k) +
                         "; both must be at least 1");
    HIPQUANT_REQUIRE(x_slots == 1 || x_slots == top_k, errc::invalid_value,
                     "mul_mat_id: x_slots is " + std::to_string(x_slots) + ", not 1 or top_k (" +
                         std::to_string(top_k) + ")");
    HIPQUANT_REQUIRE(tokens < std::numeric_limits<std::uint32_t>::max() / top_k, errc::invalid_value,
                     "mul_mat_id: " + std::to_string(tokens) + " tokens x top_k " + std::to_string(top_k) +
                         " is more than 2^32 - 1 (token, slot) pairs");
    const std::size_t pairs = tokens * top_k;
    Plan p;
    const bool can_group = experts_ <= kMaxGroupedExperts;
    HIPQUANT_REQUIRE(path != ExpertPath::kGrouped || can_group, errc::not_supported,
                     "mul_mat_id: the grouped path sorts at most " + std::to_string(kMaxGroupedExperts) +
                         " experts, this tensor has " + std::to_string(experts_));
    p.grouped = path == ExpertPath::kGrouped || (path == ExpertPath::kAuto && can_group && pairs > experts_);
    std::size_t at = 0;
    const auto take = [&at](std::size_t bytes) {
        const std::size_t offset = at;
        at += detail::align16(bytes);
        return offset;
    };
    p.xq = take(tokens * x_slots * q8_1_row_bytes(cols_));
    if (p.grouped) {
        p.xs = take(pairs * q8_1_row_bytes(cols_));
        p.ys = take(pairs * rows_ * sizeof(float));
        p.offsets = take((experts_ + 1) * sizeof(std::uint32_t));
        p.order = take(pairs * sizeof(std::uint32_t));
    }
    p.status = take(kGatherStatusBytes);
    p.total = at;
    return p;
}

const char* QuantizedExperts::product_kernel(std::size_t tokens, std::size_t top_k, ExpertPath path) const {
    return kernel_name(plan(tokens, 1, top_k, path).grouped ? mul_mat_id_kernel(type_) : mul_mat_vec_id_kernel(type_));
}

std::size_t QuantizedExperts::workspace_bytes(std::size_t tokens, std::size_t x_slots, std::size_t top_k,
                                              ExpertPath path) const {
    return plan(tokens, x_slots, top_k, path).total;
}

void QuantizedExperts::mul_mat_id(DeviceSpan<const float> x, std::size_t tokens, std::size_t x_slots,
                                  DeviceSpan<const std::int32_t> ids, std::size_t top_k, DeviceSpan<float> y,
                                  hipStream_t stream, Workspace& ws, IdCheck check, ExpertPath path) const {
    const Plan p = plan(tokens, x_slots, top_k, path);
    detail::require_workspace(ws, p.total, device_, "mul_mat_id");
    product(x, tokens, x_slots, ids, top_k, y, stream, ws.span(), p, check);
}

void QuantizedExperts::mul_mat_id(DeviceSpan<const float> x, std::size_t tokens, std::size_t x_slots,
                                  DeviceSpan<const std::int32_t> ids, std::size_t top_k, DeviceSpan<float> y,
                                  hipStream_t stream, IdCheck check, ExpertPath path) const {
    const Plan p = plan(tokens, x_slots, top_k, path);
    const detail::PoolScratch scratch(device_, p.total, stream);
    product(x, tokens, x_slots, ids, top_k, y, stream, scratch.span(), p, check);
}

void QuantizedExperts::product(DeviceSpan<const float> x, std::size_t tokens, std::size_t x_slots,
                               DeviceSpan<const std::int32_t> ids, std::size_t top_k, DeviceSpan<float> y,
                               hipStream_t stream, DeviceSpan<std::uint8_t> scratch, const Plan& p,
                               IdCheck check) const {
    const std::size_t pairs = tokens * top_k;  // checked by plan()
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
    const std::size_t row_blocks = q8_1_row_blocks(cols_);
    const auto xq = detail::scratch_as<BlockQ8_1>(scratch, p.xq, activation_rows * row_blocks);
    const auto status = detail::scratch_as<std::uint32_t>(scratch, p.status, 1);
    // The quantization also resets the status word the products lower.
    detail::quantize_q8_1_and_reset(device_, ActivationView::matrix(x, activation_rows, cols_), cols_, xq,
                                    status.data(), stream);
    const MatVecArgs one_expert{rows_, row_bytes_, static_cast<std::uint32_t>(cols_ / kQK), 1, row_blocks};
    // Pairs (grouped: expert runs) go in grid y, then z past the y limit.
    const auto yz = [](std::size_t n) {
        const std::size_t y_extent = std::min<std::size_t>(n, LaunchConfig::kMaxGridYZ);
        return std::pair<std::uint32_t, std::uint32_t>{static_cast<std::uint32_t>(y_extent),
                                                       static_cast<std::uint32_t>((n + y_extent - 1) / y_extent)};
    };

    if (!p.grouped) {
        const ResolvedKernel& k = kernel(device_, mul_mat_vec_id_kernel(type_));
        const auto g = detail::geometry_of<MatVecGeometry>(k);
        MatVecArgs mv = one_expert;
        mv.row_slices = detail::matvec_slices(mv.parts_per_row, g);
        const MatVecIdArgs args{mv,
                                expert_size_in_bytes(),
                                top_k,
                                static_cast<std::uint32_t>(pairs),
                                static_cast<std::uint32_t>(experts_),
                                static_cast<std::uint32_t>(top_k),
                                static_cast<std::uint32_t>(x_slots)};
        const auto [gy, gz] = yz(pairs);
        k.function.builder()
            .arg(data_)
            .arg(xq)
            .arg(y)
            .arg(ids)
            .arg(status)
            .arg(args)
            .launch(LaunchConfig({detail::matvec_blocks(rows_, mv.row_slices, g, device_.multiprocessor_count()),
                                  gy, gz},
                                 {g.threads, 1, 1}, 0),
                    stream);
    } else {
        HIPQUANT_REQUIRE(row_bytes_ < kMaxMatMulRowBytes && row_blocks * sizeof(BlockQ8_1) < kMaxMatMulRowBytes,
                         errc::invalid_value,
                         "mul_mat_id: rows of " + std::to_string(cols_) +
                             " values are too long for the mat-mat kernels (the grouped path)");
        const auto xs = detail::scratch_as<BlockQ8_1>(scratch, p.xs, pairs * row_blocks);
        const auto ys = detail::scratch_as<float>(scratch, p.ys, pairs * rows_);
        const auto offsets = detail::scratch_as<std::uint32_t>(scratch, p.offsets, experts_ + 1);
        const auto order = detail::scratch_as<std::uint32_t>(scratch, p.order, pairs);
        const MoeArgs moe{top_k,
                          rows_,
                          static_cast<std::uint32_t>(pairs),
                          static_cast<std::uint32_t>(experts_),
                          static_cast<std::uint32_t>(top_k),
                          static_cast<std::uint32_t>(x_slots),
                          static_cast<std::uint32_t>(row_blocks)};
        kernel(device_, KernelId::moe_group)
            .function.builder()
            .arg(ids)
            .arg(offsets)
            .arg(order)
            .arg(status)
            .arg(y)
            .arg(moe)
            .launch(LaunchConfig({1, 1, 1}, {1024, 1, 1},
                                 static_cast<std::uint32_t>(2 * experts_ * sizeof(std::uint32_t))),
                    stream);
        // The row copies (gather, scatter): x the row in 256-value chunks,
        // y the positions; both loop past their extents.
        const auto row_copies = [&yz, pairs](std::size_t row_len) {
            return LaunchConfig({static_cast<std::uint32_t>(std::min<std::size_t>((row_len + 255) / 256, 64)),
                                 yz(pairs).first, 1},
                                {256, 1, 1}, 0);
        };
        const std::size_t row_words = row_blocks * sizeof(BlockQ8_1) / sizeof(int);
        kernel(device_, KernelId::moe_gather)
            .function.builder()
            .arg(xq)
            .arg(xs)
            .arg(order)
            .arg(offsets)
            .arg(moe)
            .launch(row_copies(row_words), stream);

        const ResolvedKernel& mm = kernel(device_, mul_mat_id_kernel(type_));
        const auto g = detail::geometry_of<MatMulGeometry>(mm);
        HIPQUANT_REQUIRE(g.shared_bytes <= device_.max_dynamic_shared_bytes(), errc::not_supported,
                         std::string("mul_mat_id: ") + mm.function.name() + " takes " +
                             std::to_string(g.shared_bytes) + " bytes of shared memory per block, but " +
                             device_.name() + " gives at most " + std::to_string(device_.max_dynamic_shared_bytes()));
        MatVecArgs mm_args = one_expert;
        mm_args.slice_parts = mm_args.parts_per_row;  // one k slice
        const MatMulIdArgs id_args{mm_args, expert_size_in_bytes(), static_cast<std::uint32_t>(experts_)};
        // Blocks per expert: the device's resident blocks shared out, at
        // most the tiles of every pair in one expert's run.
        const std::size_t resident =
            static_cast<std::size_t>(std::max(device_.multiprocessor_count(), 1)) * g.blocks_per_cu;
        const std::size_t most_tiles = (rows_ + g.tile_rows - 1) / g.tile_rows * ((pairs + g.tile_cols - 1) / g.tile_cols);
        const std::size_t per_expert = std::clamp<std::size_t>((resident + experts_ - 1) / experts_, 1, most_tiles);
        const auto [ey, ez] = yz(experts_);
        mm.function.builder()
            .arg(data_)
            .arg(xs)
            .arg(ys)
            .arg(offsets)
            .arg(id_args)
            .launch(LaunchConfig({static_cast<std::uint32_t>(std::min<std::size_t>(per_expert, LaunchConfig::kMaxGridYZ)),
                                  ey, ez},
                                 {g.threads, 1, 1}, g.shared_bytes),
                    stream);
        kernel(device_, KernelId::moe_scatter)
            .function.builder()
            .arg(ys)
            .arg(y)
            .arg(order)
            .arg(offsets)
            .arg(moe)
            .launch(row_copies(rows_), stream);
    }

    if (check == IdCheck::kDeviceOnly) return;
    hipStreamCaptureStatus capture = hipStreamCaptureStatusNone;
    HIPQUANT_CHECK(hipStreamIsCapturing(stream, &capture));
    if (capture != hipStreamCaptureStatusNone) return;  // nothing may wait inside a capture
    std::uint32_t bad = 0;
    std::int32_t value = 0;
    if (!detail::first_bad_index(status.data(), ids.data(), stream, bad, value)) return;
    HIPQUANT_FAIL(errc::invalid_value, "mul_mat_id: ids[" + std::to_string(bad / top_k) + "][" +
                                           std::to_string(bad % top_k) + "] = " + std::to_string(value) +
                                           " is not an expert of " + std::to_string(experts_));
}

}  // namespace hipquant::quant
