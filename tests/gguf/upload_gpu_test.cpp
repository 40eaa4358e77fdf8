// gguf::upload: GGUF tensors become QuantizedTensors that decode to exactly
// the reference values of the file's bytes; tensors of higher rank, and of
// types hipquant has no kernels for, are refused naming the tensor.
#include <gtest/gtest.h>

#include <random>

#include "gguf/gguf_bytes.hpp"
#include "gpu_test_util.hpp"
#include "hipquant/gguf/upload.hpp"
#include "hipquant/gguf/writer.hpp"
#include "hipquant/quant/reference.hpp"
#include "hipquant/selftest.hpp"

namespace hq = hipquant::quant;
using hipquant::test::GpuTest;

TEST_F(GpuTest, UploadedGgufTensorsDecodeLikeTheReference) {
    std::mt19937 rng(5);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    const std::size_t rows = 5, cols = 512;
    std::vector<float> values(rows * cols);
    for (auto& v : values) v = dist(rng);

    hipquant::gguf::GgufWriter writer;
    const hq::QuantType types[] = {hq::QuantType::Q4_0, hq::QuantType::Q5_1, hq::QuantType::Q3_K, hq::QuantType::Q6_K,
                                   hq::QuantType::F16};
    for (const auto type : types)
        writer.add_tensor(std::string("w.") + hq::quant_type_name(type), type, {cols, rows},
                          hq::reference::quantize_matrix(type, values.data(), rows, cols));
    writer.add_tensor("cube", hq::QuantType::F32, {cols, 2, 2},
                      std::vector<std::uint8_t>(cols * 4 * sizeof(float), 0));
    const auto bytes = writer.to_bytes();
    const auto file = hipquant::gguf::GgufFile::from_memory(bytes.data(), bytes.size(), "upload-test");

    for (const auto type : types) {
        const auto& info = file.tensor(std::string("w.") + hq::quant_type_name(type));
        SCOPED_TRACE(info.name);
        const auto t = hipquant::gguf::upload(device(), info);
        EXPECT_EQ(t.rows(), rows);
        EXPECT_EQ(t.cols(), cols);
        EXPECT_EQ(t.type(), type);
        EXPECT_EQ(t.to_host_bytes(), std::vector<std::uint8_t>(info.data, info.data + info.n_bytes));
        const auto expect = hq::reference::dequantize_matrix(type, info.data, rows, cols);
        const auto r = hipquant::selftest::compare_dequantize_f32("dequantize " + info.name,
                                                                  device().memcpy_dtov(t.dequantize()), expect);
        EXPECT_TRUE(r.passed) << r.detail;
    }
    HQ_EXPECT_ERROR(hipquant::gguf::upload(device(), file.tensor("cube")),
                    "tensor 'cube' has shape [512, 2, 2]; only 1-D and 2-D tensors");
}

TEST_F(GpuTest, UnsupportedTypesBesideQ4KRefuseUploadQ4KMultiplies) {
    const std::size_t rows = 2, cols = 256;
    const auto values = hipquant::selftest::random_values(rows * cols, 9);
    const auto bytes = hipquant::gguf::test::mixed_types_gguf(
        hq::reference::quantize_matrix(hq::QuantType::Q4_K, values.data(), rows, cols));
    const auto file = hipquant::gguf::GgufFile::from_memory(bytes.data(), bytes.size(), "mixed.gguf");

    HQ_EXPECT_ERROR(hipquant::gguf::upload(device(), file.tensor("blk.0.ffn_down.weight")),
                    "tensor 'blk.0.ffn_down.weight' has type IQ2_XXS (GGML type id 16), which hipquant has no kernels");
    HQ_EXPECT_ERROR(hipquant::gguf::upload(device(), file.tensor("blk.0.ffn_gate.weight")),
                    "tensor 'blk.0.ffn_gate.weight' has type TQ1_0 (GGML type id 34), which hipquant has no kernels");

    const auto& info = file.tensor("blk.0.ffn_up.weight");
    const auto w = hipquant::gguf::upload(device(), info);
    const auto x = hipquant::selftest::random_values(cols, 10);
    const auto dx = device().memcpy_stod(x);
    auto y = device().alloc<float>(rows);
    w.matmul(dx.span(), 1, y.span(), device().stream());
    const auto wq = hq::reference::dequantize_matrix(hq::QuantType::Q4_K, info.data, rows, cols);
    const auto xq = hipquant::selftest::q8_1_decoded(x, 1, cols);
    const auto ref = hipquant::selftest::mat_vec_reference(wq.data(), xq.data(), rows, cols, 1);
    const auto r = hipquant::selftest::compare_mat_vec("matmul " + info.name, device().memcpy_dtov(y), ref);
    EXPECT_TRUE(r.passed) << r.detail;
}

// A 3-D expert tensor [cols, rows, experts] becomes QuantizedExperts whose
// product picks each expert's rows of the file; 2-D tensors are upload's.
TEST_F(GpuTest, ExpertTensorsUploadAsExperts) {
    const std::size_t experts = 3, rows = 4, cols = 256;
    const auto values = hipquant::selftest::random_values(experts * rows * cols, 12);
    const auto q = hq::reference::quantize_matrix(hq::QuantType::IQ4_XS, values.data(), experts * rows, cols);
    hipquant::gguf::GgufWriter writer;
    writer.add_tensor("blk.0.ffn_gate_exps.weight", hq::QuantType::IQ4_XS, {cols, rows, experts}, q);
    writer.add_tensor("flat", hq::QuantType::IQ4_XS, {cols, rows},
                      std::vector<std::uint8_t>(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(q.size() / experts)));
    const auto bytes = writer.to_bytes();
    const auto file = hipquant::gguf::GgufFile::from_memory(bytes.data(), bytes.size(), "experts.gguf");

    const auto& info = file.tensor("blk.0.ffn_gate_exps.weight");
    const auto e = hipquant::gguf::upload_experts(device(), info);
    EXPECT_EQ(e.experts(), experts);
    EXPECT_EQ(e.rows(), rows);
    EXPECT_EQ(e.cols(), cols);
    HQ_EXPECT_ERROR(hipquant::gguf::upload_experts(device(), file.tensor("flat")),
                    "tensor 'flat' has shape [256, 4]; expert tensors are 3-D");

    // Token 0 takes expert 2, then 0: the file's rows 8..11 and 0..3.
    const std::vector<std::int32_t> ids = {2, 0};
    const auto x = hipquant::selftest::random_values(cols, 13);
    const auto dx = device().memcpy_stod(x);
    const auto dids = device().memcpy_stod(ids);
    auto y = device().alloc<float>(2 * rows);
    e.mul_mat_id(dx.span(), 1, 1, dids.span(), 2, y.span(), device().stream());
    const auto got = device().memcpy_dtov(y);
    const auto wq = hq::reference::dequantize_matrix(hq::QuantType::IQ4_XS, info.data, experts * rows, cols);
    const auto xq = hipquant::selftest::q8_1_decoded(x, 1, cols);
    for (std::size_t s = 0; s < 2; ++s) {
        const float* expert = wq.data() + static_cast<std::size_t>(ids[s]) * rows * cols;
        const auto ref = hipquant::selftest::mat_vec_reference(expert, xq.data(), rows, cols, 1);
        const std::vector<float> part(got.begin() + static_cast<std::ptrdiff_t>(s * rows),
                                      got.begin() + static_cast<std::ptrdiff_t>((s + 1) * rows));
        const auto r = hipquant::selftest::compare_mat_vec("expert " + std::to_string(ids[s]), part, ref);
        EXPECT_TRUE(r.passed) << r.detail;
    }
}
