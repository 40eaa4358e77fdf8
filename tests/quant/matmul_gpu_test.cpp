// The mat-mat kernels (batch > 8) on the GPU against the CPU reference, the
// portable integer-dot tile product forced on a GPU that has matrix cores,
// and broadcast products over strided activation views.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "gpu_test_util.hpp"
#include "hipquant/quant/kernels.hpp"
#include "hipquant/quant/kernel_args.hpp"
#include "hipquant/quant/storage.hpp"
#include "hipquant/selftest.hpp"

namespace hq = hipquant::quant;
namespace selftest = hipquant::selftest;
using hipquant::test::GpuTest;

namespace {

// Columns that end mid-chunk for the 32-value formats (41 parts; chunks
// are 4 or 8 parts), five K blocks otherwise: 10 wide chunks of 4 parts, so
// where the shared dimension is cut in two k-slices (few tiles: rows 130,
// batch 64) the second starts mid-block (the copies ahead fetch whole
// blocks).
std::size_t awkward_cols(hq::QuantType type) {
    return hq::quant_type_info(type).block_elems == 32 ? 41 * 32 : 5 * 256;
}

}  // namespace

// Every type x batch {2, 5, 9, 16, 17, 33, 63, 64, 65, 511, 512} (the
// mat-vec or skinny kernels as the tuning table says, then skinny, narrow,
// mid and wide tilings, off every tile width) x rows {1, 130} (130: two or
// three row tiles, the last nearly empty), on the default tile product (matrix cores here) through
// both entry points, and on the forced integer-dot one.
// Bound: selftest's 1e-4 * sum|w x| + 1e-6 against the double product of the
// same decoded weights and Q8_1 activations (see selftest::kMatVecRelativeBound).
TEST_F(GpuTest, MatMulEqualsReferenceForEveryTypeAndBatch) {
    const std::size_t batches[] = {2, 5, 9, 16, 17, 33, 63, 64, 65, 511, 512};
    const std::size_t row_counts[] = {1, 130};
    const selftest::MatVecInput inputs[] = {selftest::MatVecInput::kQ8_1Device, selftest::MatVecInput::kQ8_1Host,
                                            selftest::MatVecInput::kQ8_1DeviceIntegerDot};
    std::uint32_t seed = 500;
    for (const auto type : hipquant::test::weight_types(hq::kKernelMulMat)) {
        for (const auto rows : row_counts) {
            const auto w = selftest::make_mat_vec_weights(device(), type, rows, awkward_cols(type), seed++);
            for (const auto batch : batches) {
                for (const auto input : inputs) {
                    const auto r = selftest::check_mat_vec(device(), w, batch, input, seed++);
                    ASSERT_TRUE(r.passed) << r.name << ": " << r.detail;
                }
            }
        }
    }
}

// Where the shared dimension is cut into more k-slices than its chunks
// fill, the last slices are empty and must add nothing: 136 parts in 8
// slices, 34 wide chunks of 4 parts (slices of 5: the eighth is empty) and
// 17 narrow chunks of 8 (slices of 3: the seventh and eighth are empty),
// with 130 rows (2 wide tiles, 3 narrow ones).
TEST_F(GpuTest, EmptyKSlicesAddNothing) {
    std::uint32_t seed = 900;
    for (const auto type : {hq::QuantType::Q4_0, hq::QuantType::Q4_K}) {
        const auto w = selftest::make_mat_vec_weights(device(), type, 130, 136 * 32, seed++);
        for (const std::size_t batch : {17, 65}) {
            const auto r = selftest::check_mat_vec(device(), w, batch, selftest::MatVecInput::kQ8_1Device, seed++);
            ASSERT_TRUE(r.passed) << r.name << ": " << r.detail;
        }
    }
}

// Each mat-mat kernel publishes the geometry the host launches it by (read
// from the kernel image): whole warps, tiles of whole 16 x 16 products, the
// skinny, narrow and mid tilings as wide as the host picks them by, a grid of at
// least one block per CU, narrow kernels that fit any GPU. The products
// above run with it.
TEST_F(GpuTest, MatMulKernelsPublishTheirLaunchGeometry) {
    for (const auto type : hipquant::test::weight_types(hq::kKernelMulMat)) {
        for (const bool integer_dot : {false, true}) {
            for (int tiling = 0; tiling < static_cast<int>(hq::kMatMulTilingCount); ++tiling) {
                const std::string kernel = hq::kernel_name(hq::mul_mat_kernel(type, tiling, integer_dot));
                const auto g = device().image_constant<hq::MatMulGeometry>(kernel + "_geometry");
                std::printf("%-34s %4u threads, %u per CU, %6u B shared, %3u x %3u tiles\n", kernel.c_str(),
                            g.threads, g.blocks_per_cu, g.shared_bytes, g.tile_rows, g.tile_cols);
                EXPECT_TRUE(g.threads % 32 == 0 && g.threads >= 32 && g.threads <= 1024) << kernel << ": " << g.threads;
                EXPECT_GE(g.blocks_per_cu, 1u) << kernel;
                EXPECT_TRUE(g.tile_rows % 16 == 0 && g.tile_rows > 0 && g.tile_cols % 16 == 0 && g.tile_cols > 0)
                    << kernel << ": " << g.tile_rows << " x " << g.tile_cols;
                if (tiling == 0) EXPECT_EQ(g.tile_cols, hq::kMatMulSkinnyCols) << kernel;
                if (tiling == 1) EXPECT_EQ(g.tile_cols, hq::kMatMulNarrowCols) << kernel;
                if (tiling == 2) EXPECT_EQ(g.tile_cols, hq::kMatMulMidCols) << kernel;
                // The narrow kernels fit every GPU the image builds for (the
                // host falls back to them where another one does not).
                if (tiling == 1)
                    EXPECT_LE(g.shared_bytes, 99u * 1024) << kernel << " on " << device().name();
                // The persistent grid's blocks are all resident at once where
                // the kernel runs (its shared memory is what limits them).
                if (g.shared_bytes <= device().max_dynamic_shared_bytes())
                    EXPECT_LE(g.blocks_per_cu * (g.shared_bytes + device().reserved_shared_bytes_per_block()),
                              device().shared_bytes_per_multiprocessor())
                        << kernel << ": " << g.blocks_per_cu << " blocks of " << g.shared_bytes << " B on "
                        << device().name();
            }
        }
    }
}

// A [b0, b1, batch] view with gaps between rows, as several sequences or a
// slice of a larger buffer, gives bit for bit the product of the same rows
// packed densely (each activation row is quantized and multiplied on its
// own, so nothing may depend on where it came from), on the mat-mat kernels
// (42 and 14 rows), the mat-vec (6 rows) and the f32 path; a stride of 0
// repeats a row.
TEST_F(GpuTest, BroadcastViewEqualsThePackedProduct) {
    const std::size_t rows = 70, cols = 512;
    const auto values = selftest::random_values(rows * cols, 11);
    const auto t = hq::QuantizedTensor::quantize(device(), hq::QuantType::Q4_K, values.data(), rows, cols);

    struct Case {
        std::size_t shape[3];
        std::size_t strides[3];
        hq::MatVecPath path;
    };
    const Case cases[] = {
        {{2, 3, 7}, {3 * 7 * (cols + 16) + 64, 7 * (cols + 16) + 32, cols + 16}, hq::MatVecPath::kAuto},
        {{3, 1, 5}, {0, 999, cols}, hq::MatVecPath::kQ8_1IntegerDot},  // i0 repeats the same 5 rows
        {{1, 2, 3}, {0, 3 * cols + 4, cols + 8}, hq::MatVecPath::kAuto},
        {{2, 1, 7}, {7 * cols + 5, 0, cols + 3}, hq::MatVecPath::kAuto},  // rows off 16-byte alignment
        {{1, 2, 3}, {0, 3 * cols + 4, cols + 8}, hq::MatVecPath::kDequantize},
    };
    std::uint32_t seed = 40;
    for (const auto& c : cases) {
        const hq::ActivationView shape_only{{}, {c.shape[0], c.shape[1], c.shape[2]}, {}};
        const std::size_t n = shape_only.rows();
        std::size_t extent = cols;
        for (int i = 0; i < 3; ++i) extent += (c.shape[i] - 1) * c.strides[i];
        const auto buffer = selftest::random_values(extent, seed++);
        std::vector<float> packed;
        for (std::size_t i0 = 0; i0 < c.shape[0]; ++i0)
            for (std::size_t i1 = 0; i1 < c.shape[1]; ++i1)
                for (std::size_t i2 = 0; i2 < c.shape[2]; ++i2) {
                    const auto first = buffer.begin() +
                                       static_cast<std::ptrdiff_t>(i0 * c.strides[0] + i1 * c.strides[1] +
                                                                   i2 * c.strides[2]);
                    packed.insert(packed.end(), first, first + static_cast<std::ptrdiff_t>(cols));
                }
        auto d_buffer = device().memcpy_stod(buffer);
        auto d_packed = device().memcpy_stod(packed);
        auto y_view = device().alloc<float>(n * rows);
        auto y_packed = device().alloc<float>(n * rows);
        const hq::ActivationView view{d_buffer.span(), {c.shape[0], c.shape[1], c.shape[2]},
                                      {c.strides[0], c.strides[1], c.strides[2]}};
        t.matmul(view, y_view.span(), device().stream(), c.path);
        t.matmul(d_packed.span(), n, y_packed.span(), device().stream(), c.path);
        const auto a = device().memcpy_dtov(y_view);
        const auto b = device().memcpy_dtov(y_packed);
        ASSERT_EQ(a.size(), b.size());
        for (std::size_t i = 0; i < a.size(); ++i)
            ASSERT_EQ(a[i], b[i]) << "shape [" << c.shape[0] << ", " << c.shape[1] << ", " << c.shape[2]
                                  << "], output " << i;
        if (c.strides[0] == 0 && c.shape[0] > 1) {  // the repeated rows gave repeated outputs
            const std::size_t block = c.shape[1] * c.shape[2] * rows;
            EXPECT_TRUE(std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(block),
                                   a.begin() + static_cast<std::ptrdiff_t>(block)));
        }
    }
}

// Every kernel of the host's table (quant/kernels.hpp) is in the image and
// resolves on the device, each product with the geometry it publishes.
TEST_F(GpuTest, EveryKernelOfTheTableResolves) {
    for (std::size_t i = 0; i < hq::kKernelCount; ++i) {
        const auto id = static_cast<hq::KernelId>(i);
        const hipquant::ResolvedKernel& k = hq::kernel(device(), id);
        EXPECT_NE(k.function.handle(), nullptr) << hq::kernel_name(id);
        EXPECT_STREQ(k.function.name(), hq::kernel_name(id));
        if (hq::kKernels[i].geometry_bytes > 0) {
            std::uint32_t threads = 0;  // the first field of both geometries
            std::memcpy(&threads, k.geometry, sizeof threads);
            EXPECT_TRUE(threads % 32 == 0 && threads >= 32 && threads <= 1024) << hq::kernel_name(id);
        }
        // Resolved once: the same record on every later call.
        EXPECT_EQ(&hq::kernel(device(), id), &k) << hq::kernel_name(id);
    }
}
