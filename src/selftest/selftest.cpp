// The self-test's device checks (each kernel against the CPU reference on
// one GPU) and run_selftest, which runs them all on small awkward shapes.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <optional>
#include <sstream>

#include "hipquant/quant/experts.hpp"
#include "hipquant/quant/kernels.hpp"
#include "hipquant/quant/ops.hpp"
#include "hipquant/quant/reference.hpp"
#include "hipquant/quant/workspace.hpp"
#include "hipquant/selftest.hpp"

namespace hipquant::selftest {

namespace hq = hipquant::quant;

namespace {

std::string shape_seed(const char* type, std::size_t rows, std::size_t cols, std::uint32_t seed) {
    std::ostringstream s;
    if (type) s << type << " ";
    s << rows << " x " << cols << ", seed " << seed;
    return s.str();
}

// Kernels HIPQUANT_SELFTEST_INJECT_FAULT may compile wrong. The kernel
// change that does it also defines an empty kernel named
// hq_injected_fault_<name without "hq_">, so the image says so itself.
const char* const kFaultableKernels[] = {hq::kernel_name(hq::KernelId::dequantize_f32_Q4_0)};

// Lengths off the tiles: whole blocks, but not a multiple of 512 values
// (the activation padding), of the 8 blocks a dequantize thread block
// covers, or of a mat-vec chunk of parts.
std::size_t awkward_cols(const hq::QuantTypeInfo& info) {
    if (info.block_elems == 1) return 999;
    if (info.block_elems == 32) return 37 * 32;
    return 3 * static_cast<std::size_t>(info.block_elems);
}
// Mat-vec rows long enough for several rounds of the kernels' pipelined
// chunks (more than 2 x 128 parts), ending in a partial chunk.
std::size_t mat_vec_cols(const hq::QuantTypeInfo& info) { return info.block_elems == 32 ? 297 * 32 : 37 * 256; }
constexpr std::size_t kRows = 37;  // not a multiple of any rows-per-block
// Mat-mat batches: above the mat-vec's 8 and not a multiple of any tile,
// one for each tiling.
constexpr std::size_t kSkinnyCheckBatch = 13;
constexpr std::size_t kNarrowCheckBatch = hq::kMatMulNarrowBatch + 4;
constexpr std::size_t kMidCheckBatch = hq::kMatMulMidBatch + 3;
constexpr std::size_t kWideCheckBatch = hq::kMatMulWideBatch + 3;

// The kernel a product of `batch` rows runs on `t` (the tensor's choice:
// the table's tile product, or with integer_dot the portable one), or if
// even that fails, the kernel family's name for the batch.
std::string product_name(const hq::QuantizedTensor& t, std::size_t batch, bool integer_dot) {
    try {
        return t.product_kernel(batch, integer_dot ? hq::MatVecPath::kQ8_1IntegerDot : hq::MatVecPath::kQ8_1);
    } catch (const std::exception&) {
        return std::string(hq::quant_type_name(t.type())) + " product, batch " + std::to_string(batch);
    }
}
// One line covers the f32 path's kernels of every batch: their name less
// the batch suffix.
std::string f32_family_name(hq::QuantType type) {
    const std::string b1 = hq::kernel_name(hq::mul_mat_vec_f32_kernel(type, 1));
    return b1.substr(0, b1.size() - 3);  // "_b1"
}

}  // namespace

CheckResult check_quantize_q8_1(const RocmDevice& device, std::size_t rows, std::size_t cols, std::uint32_t seed) {
    auto x = random_values(rows * cols, seed, 3.0f);
    if (cols >= 64) {
        x[5] = 0.0f;
        std::fill(x.begin() + 32, x.begin() + 64, 0.0f);  // one all-zero block
    }
    const std::size_t n_blocks = rows * hq::q8_1_row_blocks(cols);
    auto dx = device.memcpy_stod(x);
    auto dy = device.alloc<hq::BlockQ8_1>(n_blocks);
    std::vector<hq::BlockQ8_1> poison(n_blocks);  // so unwritten blocks, padding included, show
    std::memset(static_cast<void*>(poison.data()), 0x5a, poison.size() * sizeof(hq::BlockQ8_1));
    device.memcpy_htod(poison, dy.span());
    hq::quantize_q8_1(device, dx.span(), rows, cols, dy.span(), device.stream());
    CheckResult r = compare_quantize_q8_1(hq::kernel_name(hq::KernelId::quantize_q8_1), device.memcpy_dtov(dy), x,
                                          rows, cols);
    r.detail = shape_seed(nullptr, rows, cols, seed) + ": " + r.detail;
    return r;
}

std::vector<CheckResult> check_dequantize(const RocmDevice& device, hq::QuantType type, std::size_t rows,
                                          std::size_t cols, std::uint32_t seed) {
    const char* tname = hq::quant_type_name(type);
    const auto values = random_values(rows * cols, seed);
    const auto t = hq::QuantizedTensor::quantize(device, type, values.data(), rows, cols);
    const auto bytes = t.to_host_bytes();
    const auto expect = hq::reference::dequantize_matrix(type, bytes.data(), rows, cols);
    const std::string where = shape_seed(tname, rows, cols, seed) + ": ";
    std::vector<CheckResult> out;
    out.push_back(compare_dequantize_f32(hq::kernel_name(hq::conversion_kernel(hq::Conversion::dequantize_f32, type)),
                                         device.memcpy_dtov(t.dequantize()), expect));
    out.push_back(compare_dequantize_f16(hq::kernel_name(hq::conversion_kernel(hq::Conversion::dequantize_f16, type)),
                                         device.memcpy_dtov(t.dequantize_f16()), expect));
    for (auto& r : out) r.detail = where + r.detail;
    return out;
}

MatVecWeights make_mat_vec_weights(const RocmDevice& device, hq::QuantType type, std::size_t rows, std::size_t cols,
                                   std::uint32_t seed) {
    auto values = random_values(rows * cols, seed);
    auto tensor = hq::QuantizedTensor::quantize(device, type, values.data(), rows, cols);
    auto decoded = hq::reference::dequantize_matrix(type, tensor.to_host_bytes().data(), rows, cols);
    return MatVecWeights{std::move(tensor), std::move(values), std::move(decoded)};
}

CheckResult check_mat_vec(const RocmDevice& device, const MatVecWeights& w, std::size_t batch, MatVecInput input,
                          std::uint32_t seed) {
    const auto& t = w.tensor;
    const std::size_t rows = t.rows(), cols = t.cols();
    const char* tname = hq::quant_type_name(t.type());
    const auto x = random_values(batch * cols, seed);
    std::vector<float> xq = x;  // the activations the kernel multiplies
    auto dy = device.alloc<float>(batch * rows);
    const std::vector<float> poison(batch * rows, std::nanf(""));  // unwritten outputs show; kept until the wait below
    device.memcpy_htod(poison, dy.span());
    std::string name;
    const std::string b = std::to_string(batch);
    const std::string product = product_name(t, batch, false);
    if (input == MatVecInput::kQ8_1Host) {
        const auto blocks = q8_1_blocks(x, batch, cols);
        xq = q8_1_decoded(x, batch, cols);
        auto dxq = device.memcpy_stod(blocks);
        t.matmul_q8_1(dxq.span(), batch, dy.span(), device.stream());
        name = product;
        device.synchronize();  // dxq is freed on return
    } else {
        auto dx = device.memcpy_stod(x);
        hq::MatVecPath path = hq::MatVecPath::kDequantize;
        name = f32_family_name(t.type());
        const std::string quantize = hq::kernel_name(hq::KernelId::quantize_q8_1);
        if (input == MatVecInput::kQ8_1Device) {
            path = hq::MatVecPath::kQ8_1;
            name = quantize + "+" + product;
        } else if (input == MatVecInput::kQ8_1DeviceIntegerDot) {
            path = hq::MatVecPath::kQ8_1IntegerDot;
            name = quantize + "+" + product_name(t, batch, true);
        }
        if (path != hq::MatVecPath::kDequantize) xq = q8_1_decoded(x, batch, cols);
        // The engine's call, with a Workspace: at batches 1 and 2 the
        // mat-vec kernel quantizes x itself.
        hq::Workspace ws(device, t.workspace_bytes(batch, path));
        t.matmul(dx.span(), batch, dy.span(), device.stream(), ws, path);
        device.synchronize();
    }
    const auto y = device.memcpy_dtov(dy);
    const auto ref = mat_vec_reference(w.decoded.data(), xq.data(), rows, cols, batch, w.values.data(), x.data());
    CheckResult r = compare_mat_vec(std::move(name), y, ref);
    r.detail = shape_seed(tname, rows, cols, seed) + ", batch " + b + ": " + r.detail;
    return r;
}

std::vector<CheckResult> check_experts(const RocmDevice& device, hq::QuantType type, std::size_t rows,
                                       std::size_t cols, std::uint32_t seed) {
    constexpr std::size_t kExperts = 5, kTokens = 9, kTopK = 3, kPairs = kTokens * kTopK;
    const auto values = random_values(kExperts * rows * cols, seed);
    const auto bytes = hq::reference::quantize_matrix(type, values.data(), kExperts * rows, cols);
    const auto decoded = hq::reference::dequantize_matrix(type, bytes.data(), kExperts * rows, cols);
    const auto experts = hq::QuantizedExperts::load(device, type, bytes.data(), bytes.size(), kExperts, rows, cols);
    const auto x = random_values(kPairs * cols, seed + 1);
    const auto xq = q8_1_decoded(x, kPairs, cols);
    std::vector<std::int32_t> ids(kPairs);
    for (std::size_t p = 0; p < kPairs; ++p) ids[p] = static_cast<std::int32_t>((2 * p + p / kTopK) % (kExperts - 1));
    // Pair p's reference: its expert's rows times its activation row.
    MatVecReference ref;
    ref.batch = kPairs;
    ref.rows = rows;
    for (std::size_t p = 0; p < kPairs; ++p) {
        const std::size_t e = static_cast<std::size_t>(ids[p]);
        const auto one = mat_vec_reference(decoded.data() + e * rows * cols, xq.data() + p * cols, rows, cols, 1,
                                           values.data() + e * rows * cols, x.data() + p * cols);
        ref.y.insert(ref.y.end(), one.y.begin(), one.y.end());
        ref.magnitude.insert(ref.magnitude.end(), one.magnitude.begin(), one.magnitude.end());
        ref.unquantized.insert(ref.unquantized.end(), one.unquantized.begin(), one.unquantized.end());
        ref.quantization_bound.insert(ref.quantization_bound.end(), one.quantization_bound.begin(),
                                      one.quantization_bound.end());
    }
    const auto dx = device.memcpy_stod(x);
    const auto dids = device.memcpy_stod(ids);
    std::vector<CheckResult> out;
    for (const auto path : {hq::ExpertPath::kPerPair, hq::ExpertPath::kGrouped}) {
        auto dy = device.alloc<float>(kPairs * rows);
        device.memcpy_htod(std::vector<float>(kPairs * rows, std::nanf("")), dy.span());
        experts.mul_mat_id(dx.span(), kTokens, kTopK, dids.span(), kTopK, dy.span(), device.stream(),
                           hq::IdCheck::kReport, path);
        CheckResult r = compare_mat_vec(experts.product_kernel(kTokens, kTopK, path), device.memcpy_dtov(dy), ref);
        r.detail = shape_seed(hq::quant_type_name(type), rows, cols, seed) + ", " + std::to_string(kExperts) +
                   " experts, " + std::to_string(kTokens) + " tokens x top " + std::to_string(kTopK) + ": " + r.detail;
        out.push_back(std::move(r));
    }
    return out;
}

DeviceReport describe(const RocmDevice& device) {
    DeviceReport d;
    d.ordinal = device.ordinal();
    d.name = device.name();
    d.arch = device.arch();
    d.platform = platform::kName;
    d.memory_bytes = device.total_memory_bytes();
    d.driver_version = RocmDevice::driver_version();
    d.runtime_version = RocmDevice::runtime_version();
    d.built_targets = built_targets();
    d.image_architectures = kernel_image().architectures();
    try {
        d.code_object_arch = device.code_object_arch();
    } catch (const Error& e) {
        d.code_object_error = e.what();
    }
    return d;
}

std::vector<std::string> injected_faults(const RocmDevice& device) {
    std::vector<std::string> out;
    for (const char* kernel : kFaultableKernels) {
        try {
            (void)device.get_or_load_func(std::string("hq_injected_fault_") + (kernel + 3));
            out.push_back(kernel);
        } catch (const Error& e) {
            if (e.code() != errc::not_found) throw;
        }
    }
    return out;
}

std::vector<CheckResult> run_selftest(const RocmDevice& device,
                                      const std::function<void(const CheckResult&)>& on_result) {
    std::vector<CheckResult> results;
    std::vector<std::string> faults;
    try {
        faults = injected_faults(device);
    } catch (const std::exception&) {
        // The checks below meet the same error (e.g. no code for this GPU) and report it.
    }
    const auto emit = [&](CheckResult r) {
        r.fault_injected = r.fault_injected || std::find(faults.begin(), faults.end(), r.name) != faults.end();
        if (on_result) on_result(r);
        results.push_back(std::move(r));
    };
    // A check that throws (a failed launch, no code for this GPU) fails its line.
    const auto failed = [](std::string name, const std::exception& e) {
        CheckResult r;
        r.name = std::move(name);
        r.max_error = std::nan("");
        r.detail = std::string("threw: ") + e.what();
        return r;
    };

    std::uint32_t seed = 1;
    try {
        std::vector<CheckResult> parts;
        for (const auto& s : {std::pair<std::size_t, std::size_t>{1, 32}, {7, 1000}, {33, 577}})
            parts.push_back(check_quantize_q8_1(device, s.first, s.second, seed++));
        emit(merge(hq::kernel_name(hq::KernelId::quantize_q8_1), parts));
    } catch (const std::exception& e) {
        emit(failed(hq::kernel_name(hq::KernelId::quantize_q8_1), e));
    }

    for (const auto& info : hq::kQuantTypes) {
        if (!info.can_be_weight || !info.has_kernel(hq::kKernelDequantize)) continue;
        try {
            for (auto& r : check_dequantize(device, info.type, kRows, awkward_cols(info), seed++)) emit(std::move(r));
        } catch (const std::exception& e) {
            emit(failed(std::string(hq::kernel_name(hq::conversion_kernel(hq::Conversion::dequantize_f32, info.type))) +
                            " (and f16)",
                        e));
        }
    }

    for (const auto& info : hq::kQuantTypes) {
        if (!info.can_be_weight || !info.has_kernel(hq::kKernelMulMatVec)) continue;
        const std::string tname = info.name;
        std::optional<MatVecWeights> w;
        try {
            w.emplace(make_mat_vec_weights(device, info.type, kRows, mat_vec_cols(info), seed++));
        } catch (const std::exception& e) {
            emit(failed(std::string(hq::kernel_name(hq::mul_mat_vec_q8_1_kernel(info.type, 1))) + " (weights)", e));
            continue;
        }
        for (std::uint32_t b = 1; b <= hq::kMaxMatVecBatch; ++b) {
            try {
                CheckResult r = check_mat_vec(device, *w, b, MatVecInput::kQ8_1Host, seed++);
                // Where the table sends this batch to a mat-mat kernel, that
                // kernel also has its own line below: the batch keeps the two apart.
                if (r.name != hq::kernel_name(hq::mul_mat_vec_q8_1_kernel(info.type, b)))
                    r.name += " (batch " + std::to_string(b) + ")";
                emit(std::move(r));
            } catch (const std::exception& e) {
                emit(failed(product_name(w->tensor, b, false), e));
            }
        }
        // The mat-mat kernels: the table's tile product and the portable one,
        // each in its four tilings.
        for (const std::size_t batch : {kSkinnyCheckBatch, kNarrowCheckBatch, kMidCheckBatch, kWideCheckBatch}) {
            for (const MatVecInput input : {MatVecInput::kQ8_1Host, MatVecInput::kQ8_1DeviceIntegerDot}) {
                const std::string kernel =
                    product_name(w->tensor, batch, input == MatVecInput::kQ8_1DeviceIntegerDot);
                try {
                    CheckResult r = check_mat_vec(device, *w, batch, input, seed++);
                    r.name = kernel;
                    emit(std::move(r));
                } catch (const std::exception& e) {
                    emit(failed(kernel, e));
                }
            }
        }
        // The expert products, both paths.
        try {
            for (auto& r : check_experts(device, info.type, kRows, awkward_cols(info), seed++)) emit(std::move(r));
        } catch (const std::exception& e) {
            emit(failed(hq::kernel_name(hq::mul_mat_vec_id_kernel(info.type)), e));
        }
        // One kernel serves every batch on the f32 path: one line for all.
        try {
            std::vector<CheckResult> parts;
            for (std::uint32_t b = 1; b <= hq::kMaxMatVecBatch; ++b)
                parts.push_back(check_mat_vec(device, *w, b, MatVecInput::kF32, seed++));
            emit(merge(f32_family_name(info.type), parts));
        } catch (const std::exception& e) {
            emit(failed(f32_family_name(info.type), e));
        }
    }
    return results;
}

}  // namespace hipquant::selftest
