// QuantizedTensor: upload, dequantize and the product dispatch.
#include "hipquant/quant/storage.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include "hipquant/quant/kernels.hpp"
#include "hipquant/quant/ops.hpp"
#include "hipquant/quant/reference.hpp"
#include "launch.hpp"
#include "scratch.hpp"
#include "weights.hpp"

namespace hipquant::quant {

namespace {

using detail::geometry_of;

std::string shape_str(std::size_t rows, std::size_t cols) {
    return std::to_string(rows) + " x " + std::to_string(cols);
}

}  // namespace

QuantizedTensor::QuantizedTensor(RocmDevice device, QuantType type, std::size_t rows, std::size_t cols)
    : device_(std::move(device)), type_(type), rows_(rows), cols_(cols), row_bytes_(0) {
    const QuantTypeInfo& info = quant_type_info(type);
    HIPQUANT_REQUIRE(info.can_be_weight, errc::invalid_value,
                     std::string("QuantizedTensor: ") + info.name + " is an activation format, not a weight format");
    HIPQUANT_REQUIRE(rows > 0 && cols > 0, errc::invalid_value,
                     "QuantizedTensor: empty shape " + shape_str(rows, cols));
    row_bytes_ = row_size_bytes(type, cols);  // throws unless cols is whole blocks
    HIPQUANT_REQUIRE(rows <= (static_cast<std::size_t>(1) << 40) / row_bytes_, errc::invalid_value,
                     "QuantizedTensor: " + shape_str(rows, cols) + " " + info.name + " is too large");
    data_ = device_.alloc<std::uint8_t>(rows * row_bytes_ + kWeightPaddingBytes);
    prepare_kernels(device_, type_);  // none is resolved inside a graph capture
}

QuantizedTensor QuantizedTensor::zeros(const RocmDevice& device, QuantType type, std::size_t rows, std::size_t cols) {
    QuantizedTensor t(device, type, rows, cols);
    t.data_ = device.alloc_zeros<std::uint8_t>(t.data_.size());
    return t;
}

QuantizedTensor QuantizedTensor::load(const RocmDevice& device, QuantType type, const void* bytes,
                                      std::size_t n_bytes, std::size_t rows, std::size_t cols) {
    QuantizedTensor t(device, type, rows, cols);
    HIPQUANT_REQUIRE(n_bytes == t.storage_size_in_bytes(), errc::invalid_value,
                     std::string("QuantizedTensor::load: ") + quant_type_name(type) + " " + shape_str(rows, cols) +
                         " needs " + std::to_string(t.storage_size_in_bytes()) + " bytes, got " +
                         std::to_string(n_bytes));
    HIPQUANT_REQUIRE(bytes != nullptr, errc::invalid_value, "QuantizedTensor::load: null data");
    detail::upload_weights(device, bytes, n_bytes, t.data_.span());
    return t;
}

QuantizedTensor QuantizedTensor::quantize(const RocmDevice& device, QuantType type, const float* host_values,
                                          std::size_t rows, std::size_t cols) {
    HIPQUANT_REQUIRE(host_values != nullptr, errc::invalid_value, "QuantizedTensor::quantize: null values");
    (void)row_size_bytes(type, cols);  // name the bad shape before quantizing
    const auto bytes = reference::quantize_matrix(type, host_values, rows, cols);
    return load(device, type, bytes.data(), bytes.size(), rows, cols);
}

QuantizedTensor QuantizedTensor::quantize(const RocmDevice& device, QuantType type, DeviceSpan<const float> values,
                                          std::size_t rows, std::size_t cols) {
    HIPQUANT_REQUIRE(values.size() == rows * cols, errc::invalid_value,
                     "QuantizedTensor::quantize: values has " + std::to_string(values.size()) + " elements but " +
                         shape_str(rows, cols) + " = " + std::to_string(rows * cols));
    const auto host = device.memcpy_dtov(values);
    return quantize(device, type, host.data(), rows, cols);
}

namespace {

// Both dequantize ops: one thread per value.
template <typename Out>
void launch_dequantize(const RocmDevice& device, QuantType type, DeviceSpan<const std::uint8_t> data,
                       std::size_t rows, std::size_t cols, DeviceSpan<Out> out, const char* op, Conversion conversion,
                       hipStream_t stream) {
    HIPQUANT_REQUIRE(out.size() == rows * cols, errc::invalid_value,
                     std::string(op) + ": out has " + std::to_string(out.size()) + " values but the tensor is " +
                         shape_str(rows, cols) + " = " + std::to_string(rows * cols));
    const DequantizeArgs args{rows * cols};
    kernel(device, conversion_kernel(conversion, type))
        .function.builder()
        .arg(data)
        .arg(out)
        .arg(args)
        .launch(LaunchConfig::for_num_elems(args.n_values, 256), stream);
}

}  // namespace

void QuantizedTensor::dequantize(DeviceSpan<float> out, hipStream_t stream) const {
    launch_dequantize(device_, type_, data(), rows_, cols_, out, "dequantize", Conversion::dequantize_f32, stream);
}

void QuantizedTensor::dequantize_f16(DeviceSpan<std::uint16_t> out, hipStream_t stream) const {
    launch_dequantize(device_, type_, data(), rows_, cols_, out, "dequantize_f16", Conversion::dequantize_f16, stream);
}

DeviceMemory<float> QuantizedTensor::dequantize() const {
    auto out = device_.alloc<float>(rows_ * cols_);
    dequantize(out.span(), device_.stream());
    return out;
}

DeviceMemory<std::uint16_t> QuantizedTensor::dequantize_f16() const {
    auto out = device_.alloc<std::uint16_t>(rows_ * cols_);
    dequantize_f16(out.span(), device_.stream());
    return out;
}

std::vector<std::uint8_t> QuantizedTensor::to_host_bytes() const { return device_.memcpy_dtov(data()); }

namespace {

void check_matmul(const QuantizedTensor& t, std::size_t batch, std::size_t y_size, MatVecPath path) {
    HIPQUANT_REQUIRE(batch > 0, errc::invalid_value, "matmul: batch is 0");
    const QuantTypeInfo& info = quant_type_info(t.type());
    if (batch <= kMaxMatVecBatch) {
        HIPQUANT_REQUIRE(info.has_kernel(kKernelMulMatVec), errc::not_supported,
                         std::string("matmul: no mat-vec kernel for weight type ") + info.name);
    } else {
        HIPQUANT_REQUIRE(info.has_kernel(kKernelMulMat), errc::not_supported,
                         std::string("matmul: no mat-mat kernel (batch > ") + std::to_string(kMaxMatVecBatch) +
                             ") for weight type " + info.name);
        HIPQUANT_REQUIRE(path != MatVecPath::kDequantize, errc::not_supported,
                         "matmul: the f32 (kDequantize) path is for batch 1.." + std::to_string(kMaxMatVecBatch) +
                             ", got batch " + std::to_string(batch));
    }
    HIPQUANT_REQUIRE(y_size == batch * t.rows(), errc::invalid_value,
                     "matmul: y has " + std::to_string(y_size) + " values but batch x rows = " +
                         std::to_string(batch) + " x " + std::to_string(t.rows()) + " = " +
                         std::to_string(batch * t.rows()));
}

// The mat-vec grid (detail::matvec_blocks).
LaunchConfig matvec_config(std::size_t rows, std::uint32_t slices, const MatVecGeometry& g, int compute_units) {
    return LaunchConfig({detail::matvec_blocks(rows, slices, g, compute_units), 1, 1}, {g.threads, 1, 1}, 0);
}

// The mat-mat grid is persistent (blocks loop over the output tiles): the
// kernel's geometry (published by the kernel image) gives its blocks per
// CU, threads and dynamic shared memory.
LaunchConfig matmul_config(int compute_units, const MatMulGeometry& g) {
    const auto cus = static_cast<std::uint32_t>(compute_units > 0 ? compute_units : 1);
    return LaunchConfig({cus * g.blocks_per_cu, 1, 1}, {g.threads, 1, 1}, g.shared_bytes);
}

// Output tiles of a rows x batch product in the kernel's geometry.
std::size_t matmul_tiles(std::size_t rows, std::size_t batch, const MatMulGeometry& g) {
    return (rows + g.tile_rows - 1) / g.tile_rows * ((batch + g.tile_cols - 1) / g.tile_cols);
}

// Slices of the shared dimension: as many as keep the grid's blocks busy
// when the tiles alone are fewer (batch 16 on 4096 rows: 64 narrow tiles;
// batch 256: 64 wide tiles of 128 x 128 on the H100, 132 blocks there), each
// of at least kMatMulMinSliceParts parts.
std::uint32_t matmul_k_slices(std::size_t rows, std::size_t batch, const MatMulGeometry& g, std::uint32_t parts,
                              int compute_units) {
    const std::size_t tiles = matmul_tiles(rows, batch, g);
    const std::size_t blocks = static_cast<std::size_t>(compute_units > 0 ? compute_units : 1) * g.blocks_per_cu;
    const std::size_t slices = std::min<std::size_t>({blocks / tiles, kMatMulMaxKSlices, parts / kMatMulMinSliceParts});
    return static_cast<std::uint32_t>(std::max<std::size_t>(slices, 1));
}

// Whether row i of the view starts 16-byte aligned for every i (the f32
// mat-vec reads x in 16-byte vectors).
bool rows_aligned_16(const ActivationView& x) {
    const bool base = reinterpret_cast<std::uintptr_t>(x.data.data()) % 16 == 0;
    bool strides = true;
    for (int i = 0; i < 3; ++i) strides = strides && (x.shape[i] == 1 || x.strides[i] % 4 == 0);
    return base && strides;
}

}  // namespace

// The mat-mat launch of a batch: the tiling (the batch's own, or a narrower
// one where the GPU cannot give a block the shared memory the kernel takes),
// its geometry and how many slices the shared dimension is cut into.
struct QuantizedTensor::MatMulPlan {
    const ResolvedKernel* kernel;
    MatMulGeometry geometry;
    std::uint32_t k_slices;
    std::size_t partial_floats;  // k-slice partial sums (0: one slice writes y)
};

QuantizedTensor::MatMulPlan QuantizedTensor::plan_mat_mul(std::size_t batch, MatVecPath path) const {
    const bool integer_dot = path == MatVecPath::kQ8_1IntegerDot;
    MatMulGeometry geometries[kMatMulTilingCount] = {};
    const auto shared = [&](int t) {
        geometries[t] = geometry_of<MatMulGeometry>(kernel(device_, mul_mat_kernel(type_, t, integer_dot)));
        const MatMulGeometry& g = geometries[t];
        HIPQUANT_REQUIRE(g.threads > 0 && g.blocks_per_cu > 0 && g.tile_rows > 0 && g.tile_cols > 0,
                         errc::invalid_image,
                         std::string("matmul: kernel '") + kernel_name(mul_mat_kernel(type_, t, integer_dot)) +
                             "' publishes an empty launch geometry");
        return g.shared_bytes;
    };
    const int tiling = matmul_tiling_within(batch, shared, device_.max_dynamic_shared_bytes());
    HIPQUANT_REQUIRE(tiling >= 0, errc::not_supported,
                     std::string("matmul: ") + kernel_name(mul_mat_kernel(type_, 0, integer_dot)) + " takes " +
                         std::to_string(geometries[0].shared_bytes) + " bytes of shared memory per block, but " +
                         device_.name() + " gives at most " + std::to_string(device_.max_dynamic_shared_bytes()));
    MatMulPlan plan{&kernel(device_, mul_mat_kernel(type_, tiling, integer_dot)), geometries[tiling], 1, 0};
    plan.k_slices = matmul_k_slices(rows_, batch, plan.geometry, static_cast<std::uint32_t>(cols_ / kQK),
                                    device_.multiprocessor_count());
    if (plan.k_slices > 1) plan.partial_floats = plan.k_slices * batch * rows_;
    return plan;
}

// The smallest batch the skinny tiling takes from the mat-vec kernels, as
// the image's tuning table says for this format (at least 2: batch 1 is
// the mat-vec's); none where the device cannot give it its shared memory.
std::size_t QuantizedTensor::skinny_first_batch() const {
    const auto g = geometry_of<MatMulGeometry>(kernel(device_, mul_mat_kernel(type_, 0, false)));
    if (g.shared_bytes > device_.max_dynamic_shared_bytes()) return kMaxMatVecBatch + 1;
    return std::max<std::size_t>(g.first_batch, 2);
}

// Everything a call decides before it launches, decided once: the checked
// shape, the mat-mat plan (above kMaxMatVecBatch) and the scratch it takes
// (with `quantizes`, the Q8_1 activations too).
struct QuantizedTensor::CallPlan {
    bool mat_mat = false;
    MatMulPlan mm{};
    detail::ScratchLayout scratch;
};

QuantizedTensor::CallPlan QuantizedTensor::plan_call(std::size_t batch, std::size_t y_size, MatVecPath path,
                                                     bool quantizes) const {
    check_matmul(*this, batch, y_size, path);
    CallPlan p;
    if (quantizes && path != MatVecPath::kDequantize)
        p.scratch.q8_1_bytes = batch * q8_1_row_blocks(cols_) * sizeof(BlockQ8_1);
    p.mat_mat = batch > kMaxMatVecBatch ||
                (batch > 1 && path != MatVecPath::kDequantize &&
                 quant_type_info(type_).has_kernel(kKernelMulMat) && batch >= skinny_first_batch());
    if (p.mat_mat) {
        p.mm = plan_mat_mul(batch, path);
        p.scratch.partial_bytes = p.mm.partial_floats * sizeof(float);
    }
    return p;
}


const char* QuantizedTensor::product_kernel(std::size_t batch, MatVecPath path) const {
    HIPQUANT_REQUIRE(batch > 0, errc::invalid_value, "product_kernel: batch is 0");
    if (path == MatVecPath::kDequantize)
        return kernel_name(mul_mat_vec_f32_kernel(type_, std::min<std::size_t>(batch, kMaxMatVecF32Batch)));
    const CallPlan p = plan_call(batch, batch * rows_, path, false);
    return p.mat_mat ? p.mm.kernel->function.name() : kernel_name(mul_mat_vec_q8_1_kernel(type_, batch));
}

std::size_t QuantizedTensor::workspace_bytes(std::size_t batch, MatVecPath path) const {
    return std::max<std::size_t>(plan_call(batch, batch * rows_, path, true).scratch.total(), kGatherStatusBytes);
}

void QuantizedTensor::matmul_q8_1(DeviceSpan<const BlockQ8_1> xq, std::size_t batch, DeviceSpan<float> y,
                                  hipStream_t stream) const {
    matmul(QuantizedActivations{xq, batch, cols_}, y, stream);
}

void QuantizedTensor::matmul(const QuantizedActivations& x, DeviceSpan<float> y, hipStream_t stream) const {
    const CallPlan p = plan_call(x.rows, y.size(), MatVecPath::kQ8_1, false);
    const detail::PoolScratch scratch(device_, p.scratch.total(), stream);
    launch_q8_1(x, y, stream, scratch.span(), p);
}

void QuantizedTensor::matmul(const QuantizedActivations& x, DeviceSpan<float> y, hipStream_t stream,
                             Workspace& ws) const {
    const CallPlan p = plan_call(x.rows, y.size(), MatVecPath::kQ8_1, false);
    detail::require_workspace(ws, p.scratch.total(), device_, "matmul");
    launch_q8_1(x, y, stream, ws.span(), p);
}

// x in f32, to be quantized into `blocks` (the x.blocks of launch_q8_1):
// by a launch of its own, or by the mat-vec kernel itself where that kernel
// can and `counters` (a Workspace's) are given.
struct QuantizedTensor::PendingQuantization {
    const ActivationView& x;
    DeviceSpan<BlockQ8_1> blocks;
    std::uint32_t* counters;
};

void QuantizedTensor::launch_q8_1(const QuantizedActivations& x, DeviceSpan<float> y, hipStream_t stream,
                                  DeviceSpan<std::uint8_t> scratch, const CallPlan& p,
                                  const PendingQuantization* pending) const {
    const std::size_t batch = x.rows;
    const DeviceSpan<const BlockQ8_1> xq = x.blocks;
    const std::size_t row_blocks = q8_1_row_blocks(cols_);
    HIPQUANT_REQUIRE(x.cols == cols_, errc::invalid_value,
                     "matmul: the quantized activations have " + std::to_string(x.cols) +
                         " values a row but the weight has " + std::to_string(cols_) + " columns");
    HIPQUANT_REQUIRE(xq.size() == batch * row_blocks, errc::invalid_value,
                     "matmul_q8_1: xq has " + std::to_string(xq.size()) + " blocks but batch " +
                         std::to_string(batch) + " of " + std::to_string(cols_) + " values needs " +
                         std::to_string(batch * row_blocks));
    HIPQUANT_REQUIRE(reinterpret_cast<std::uintptr_t>(xq.data()) % 16 == 0, errc::invalid_value,
                     "matmul_q8_1: xq must be 16-byte aligned (the kernel reads it in 16-byte vectors)");
    HIPQUANT_REQUIRE(batch <= std::numeric_limits<std::uint32_t>::max(), errc::invalid_value,
                     "matmul: batch " + std::to_string(batch) + " is too large");
    MatVecArgs args{rows_, row_bytes_, static_cast<std::uint32_t>(cols_ / kQK),
                    static_cast<std::uint32_t>(batch), row_blocks};
    if (!p.mat_mat) {
        const ResolvedKernel& k = kernel(device_, mul_mat_vec_q8_1_kernel(type_, batch));
        const auto g = geometry_of<MatVecGeometry>(k);
        args.row_slices = detail::matvec_slices(args.parts_per_row, g);
        MatVecQuantizeArgs fused;
        // Rows at a fixed stride: the view's first two are (the kernels
        // that quantize take batch 1 or 2), below 2^32 floats apart.
        const std::size_t row_stride = batch > 1 && pending != nullptr ? detail::view_row_offset(pending->x, 1) : 0;
        if (pending != nullptr && pending->counters != nullptr && g.fused_quantize != 0 &&
            row_stride <= std::numeric_limits<std::uint32_t>::max()) {
            detail::quantize_args(pending->x, cols_, pending->blocks, nullptr);  // its checks
            const ActivationView& v = pending->x;
            fused.x = v.data.data();
            fused.row_stride = static_cast<std::uint32_t>(row_stride);
            fused.cols = static_cast<std::uint32_t>(cols_);
            fused.counters = pending->counters;
        } else if (pending != nullptr) {
            quantize_q8_1(device_, pending->x, cols_, pending->blocks, stream);
        }
        k.function.builder()
            .arg(data_)
            .arg(xq)
            .arg(y)
            .arg(args)
            .arg(fused)
            .launch(matvec_config(rows_, args.row_slices, g, device_.multiprocessor_count())
                        .overlapping_previous(device_.overlapped_launch() && g.overlapped != 0),
                    stream);
        return;
    }
    HIPQUANT_REQUIRE(row_bytes_ < kMaxMatMulRowBytes && row_blocks * sizeof(BlockQ8_1) < kMaxMatMulRowBytes,
                     errc::invalid_value,
                     "matmul: rows of " + std::to_string(cols_) + " values are too long for the mat-mat kernels (" +
                         std::to_string(row_bytes_) + " weight bytes a row; at most " +
                         std::to_string(kMaxMatMulRowBytes - 1) + ")");
    if (pending != nullptr) quantize_q8_1(device_, pending->x, cols_, pending->blocks, stream);
    const MatMulPlan& plan = p.mm;
    args.slice_parts = matmul_slice_parts(args.parts_per_row, plan.k_slices);
    const std::size_t work_items = matmul_tiles(rows_, batch, plan.geometry) * plan.k_slices;
    HIPQUANT_REQUIRE(work_items <= std::numeric_limits<std::uint32_t>::max(), errc::invalid_value,
                     "matmul: " + std::to_string(rows_) + " rows x batch " + std::to_string(batch) + " make " +
                         std::to_string(work_items) + " work items, more than the kernels count (2^32 - 1)");
    args.work_items = static_cast<std::uint32_t>(work_items);
    const std::uint64_t n = batch * rows_;  // outputs
    DeviceSpan<float> out = y;
    if (plan.k_slices > 1) {  // the slices' partial sums go to the scratch first
        HIPQUANT_REQUIRE(scratch.size() >= plan.partial_floats * sizeof(float), errc::invalid_value,
                         "matmul: scratch of " + std::to_string(scratch.size()) + " bytes, not the " +
                             std::to_string(plan.partial_floats * sizeof(float)) + " the partial sums take");
        out = detail::scratch_as<float>(scratch, 0, plan.partial_floats);
    }
    plan.kernel->function.builder()
        .arg(data_)
        .arg(xq)
        .arg(out)
        .arg(args)
        .launch(matmul_config(device_.multiprocessor_count(), plan.geometry)
                    .overlapping_previous(device_.overlapped_launch()),
                stream);
    if (plan.k_slices > 1) {
        kernel(device_, KernelId::sum_k_slices)
            .function.builder()
            .arg(out)
            .arg(y)
            .arg(n)
            .arg(plan.k_slices)
            .launch(LaunchConfig::for_num_elems(n, 256), stream);
    }
}

void QuantizedTensor::matmul(DeviceSpan<const float> x, std::size_t batch, DeviceSpan<float> y, hipStream_t stream,
                             MatVecPath path) const {
    check_matmul_input(x.size(), batch);
    matmul(ActivationView::matrix(x, batch, cols_), y, stream, path);
}

void QuantizedTensor::matmul(DeviceSpan<const float> x, std::size_t batch, DeviceSpan<float> y, hipStream_t stream,
                             Workspace& ws, MatVecPath path) const {
    check_matmul_input(x.size(), batch);
    matmul(ActivationView::matrix(x, batch, cols_), y, stream, ws, path);
}

void QuantizedTensor::check_matmul_input(std::size_t x_size, std::size_t batch) const {
    HIPQUANT_REQUIRE(batch > 0, errc::invalid_value, "matmul: batch is 0");
    HIPQUANT_REQUIRE(x_size == batch * cols_, errc::invalid_value,
                     "matmul: x has " + std::to_string(x_size) + " values but batch x cols = " +
                         std::to_string(batch) + " x " + std::to_string(cols_) + " = " +
                         std::to_string(batch * cols_));
}

void QuantizedTensor::matmul(const ActivationView& x, DeviceSpan<float> y, hipStream_t stream,
                             MatVecPath path) const {
    const CallPlan p = plan_call(x.rows(), y.size(), path, true);
    const detail::PoolScratch scratch(device_, path == MatVecPath::kDequantize ? 0 : p.scratch.total(), stream);
    product(x, y, stream, path, scratch.span(), p, nullptr);
}

void QuantizedTensor::matmul(const ActivationView& x, DeviceSpan<float> y, hipStream_t stream, Workspace& ws,
                             MatVecPath path) const {
    const CallPlan p = plan_call(x.rows(), y.size(), path, true);
    if (path != MatVecPath::kDequantize) detail::require_workspace(ws, p.scratch.total(), device_, "matmul");
    product(x, y, stream, path, path == MatVecPath::kDequantize ? DeviceSpan<std::uint8_t>{} : ws.span(), p,
            ws.counters());
}

void QuantizedTensor::product(const ActivationView& x, DeviceSpan<float> y, hipStream_t stream, MatVecPath path,
                              DeviceSpan<std::uint8_t> scratch, const CallPlan& p, std::uint32_t* counters) const {
    const std::size_t batch = x.rows();
    check_activation_view(x, cols_, "matmul");

    if (path == MatVecPath::kDequantize) {
        HIPQUANT_REQUIRE(rows_aligned_16(x), errc::invalid_value,
                         "matmul (f32 path): every row of x must start 16-byte aligned for vector loads");
        // One launch per (i0, i1) and per kMaxMatVecF32Batch rows of it.
        for (std::size_t i0 = 0; i0 < x.shape[0]; ++i0) {
            for (std::size_t i1 = 0; i1 < x.shape[1]; ++i1) {
                for (std::size_t i2 = 0; i2 < x.shape[2]; i2 += kMaxMatVecF32Batch) {
                    const std::size_t n = std::min<std::size_t>(kMaxMatVecF32Batch, x.shape[2] - i2);
                    const std::size_t first = i0 * x.strides[0] + i1 * x.strides[1] + i2 * x.strides[2];
                    const std::size_t out_row = (i0 * x.shape[1] + i1) * x.shape[2] + i2;
                    const MatVecArgs args{rows_, row_bytes_, static_cast<std::uint32_t>(cols_ / kQK),
                                          static_cast<std::uint32_t>(n), x.strides[2]};
                    const ResolvedKernel& k = kernel(device_, mul_mat_vec_f32_kernel(type_, n));
                    k.function.builder()
                        .arg(data_)
                        .arg(x.data.slice(first, (n - 1) * x.strides[2] + cols_))
                        .arg(y.slice(out_row * rows_, n * rows_))
                        .arg(args)
                        .launch(matvec_config(rows_, 1, geometry_of<MatVecGeometry>(k), device_.multiprocessor_count()),
                                stream);
                }
            }
        }
        return;
    }

    // Q8_1 paths: quantize x into the scratch, then integer products.
    const std::size_t blocks = batch * q8_1_row_blocks(cols_);
    const auto xq = detail::scratch_as<BlockQ8_1>(scratch, 0, blocks);
    const PendingQuantization pending{x, xq, counters};
    const std::size_t partials = p.scratch.partial_offset();
    launch_q8_1(QuantizedActivations{xq, batch, cols_}, y, stream, scratch.slice(partials, scratch.size() - partials),
                p, &pending);
}

}  // namespace hipquant::quant

namespace hipquant::quant {

void QuantizedTensor::matmul(const DeviceMemory<float>& x, std::size_t batch, DeviceMemory<float>& y,
                             hipStream_t stream, MatVecPath path) const {
    hipquant::detail::check_same_device("matmul: x", x.device_ordinal(), device_.ordinal());
    hipquant::detail::check_same_device("matmul: y", y.device_ordinal(), device_.ordinal());
    matmul(x.span(), batch, y.span(), stream, path);
}

}  // namespace hipquant::quant
