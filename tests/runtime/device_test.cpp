// RocmDevice, DeviceMemory, DeviceSpan, LaunchConfig and ArgBuilder: the
// checks that need no GPU run everywhere; the rest skip without one.
#include <gtest/gtest.h>

#include <numeric>
#include <thread>

#include "gpu_test_util.hpp"
#include "hipquant/quant/kernel_args.hpp"
#include "hipquant/runtime/device.hpp"
#include "hipquant/runtime/stream.hpp"

using hipquant::DeviceMemory;
using hipquant::DeviceSpan;
using hipquant::LaunchConfig;
using hipquant::RocmDevice;
using hipquant::test::GpuTest;

TEST(Runtime, CountIsZeroOrMoreWithoutThrowing) {
    int n = -1;
    EXPECT_NO_THROW(n = RocmDevice::count());
    EXPECT_GE(n, 0);
}

TEST(Runtime, OpeningAMissingDeviceThrowsNamingIt) {
    const int n = RocmDevice::count();
    HQ_EXPECT_ERROR(RocmDevice::open(n), "device " + std::to_string(n) + " does not exist");
    HQ_EXPECT_ERROR(RocmDevice::open(-1), "device -1 does not exist");
}

TEST(Runtime, LaunchConfigForElems) {
    const auto cfg = LaunchConfig::for_num_elems(1000, 256);
    EXPECT_EQ(cfg.grid_dim.x, 4u);
    EXPECT_EQ(cfg.block_dim.x, 256u);
    EXPECT_EQ(cfg.shared_mem_bytes, 0u);
    EXPECT_EQ(LaunchConfig::for_num_elems(256, 256).grid_dim.x, 1u);
    HQ_EXPECT_ERROR(LaunchConfig::for_num_elems(std::size_t{1} << 45, 64), "more than a grid holds");
}

TEST(Runtime, WrappedSpanSlicesAndChecksBounds) {
    float* fake = reinterpret_cast<float*>(std::uintptr_t{0x1000});  // never dereferenced
    const auto span = DeviceSpan<float>::wrap(fake, 100);
    EXPECT_EQ(span.slice(10, 90).data(), fake + 10);
    EXPECT_EQ(span.slice(100, 0).size(), 0u);
    HQ_EXPECT_ERROR(span.slice(10, 91), "out of range of a buffer of 100 elements");
    HQ_EXPECT_ERROR(span.slice(101, 0), "out of range");
    HQ_EXPECT_ERROR(DeviceSpan<float>::wrap(nullptr, 3), "null pointer");
    const DeviceSpan<const float> as_const = span;
    EXPECT_EQ(as_const.size(), 100u);
}

TEST(Runtime, MovedFromMemoryThrowsOnUse) {
    DeviceMemory<float> empty;
    EXPECT_FALSE(empty.valid());
    HQ_EXPECT_ERROR(empty.span(), "moved-from");
    HQ_EXPECT_ERROR(empty.data(), "moved-from");
}

TEST_F(GpuTest, DeviceReportsItsProperties) {
    EXPECT_FALSE(device().name().empty());
    EXPECT_FALSE(device().arch().empty());
    EXPECT_GT(device().total_memory_bytes(), 0u);
    EXPECT_TRUE(device().wavefront_size() == 32 || device().wavefront_size() == 64);
    EXPECT_TRUE(device().owns_stream());
    std::printf("device 0: %s (%s), %zu MiB, %d CUs/SMs, wave %d\n", device().name().c_str(),
                device().arch().c_str(), device().total_memory_bytes() >> 20, device().multiprocessor_count(),
                device().wavefront_size());
}

TEST_F(GpuTest, RoundTripHostDeviceHost) {
    std::vector<int> host(1000);
    std::iota(host.begin(), host.end(), -500);
    auto d = device().memcpy_stod(host);
    auto z = device().alloc_zeros<int>(host.size());
    device().memcpy_dtod<int>(d.span(), z.span());
    EXPECT_EQ(device().memcpy_dtov(z), host);
    auto zeros = device().alloc_zeros<int>(17);
    EXPECT_EQ(device().memcpy_dtov(zeros), std::vector<int>(17, 0));
    // A slice copies just its part.
    std::vector<int> part(10, 7);
    device().memcpy_htod(part, z.slice(990, 10));
    const auto back = device().memcpy_dtov(z);
    EXPECT_EQ(back[989], 489);
    EXPECT_EQ(back[990], 7);
}

// A buffer from the stream-ordered pool is usable on its stream, frees
// itself there without waiting (in a graph too), and moves like any other.
TEST_F(GpuTest, StreamOrderedBuffersFreeOnTheirStream) {
    const hipquant::Stream stream(device());
    std::vector<int> host(4096);
    std::iota(host.begin(), host.end(), 3);
    auto src = device().memcpy_stod(host);
    {
        auto tmp = device().alloc_async<int>(host.size(), stream.get());
        EXPECT_EQ(tmp.size(), host.size());
        HIPQUANT_CHECK(hipMemcpyAsync(tmp.data(), src.data(), src.size_bytes(), hipMemcpyDeviceToDevice, stream.get()));
        std::vector<int> back(host.size());
        HIPQUANT_CHECK(hipMemcpyAsync(back.data(), tmp.data(), tmp.size_bytes(), hipMemcpyDeviceToHost, stream.get()));
        stream.synchronize();
        EXPECT_EQ(back, host);
        DeviceMemory<int> moved = std::move(tmp);  // the free moves with it
        EXPECT_FALSE(tmp.valid());
        EXPECT_EQ(moved.size(), host.size());
    }  // hipFreeAsync on `stream`
    EXPECT_EQ(device().alloc_async<int>(0, stream.get()).size(), 0u);
    // Allocated and freed inside a capture: both are graph nodes.
    const auto graph = hipquant::Graph::capture(stream.get(), [&](hipStream_t s) {
        auto t = device().alloc_async<int>(host.size(), s);
        HIPQUANT_CHECK(hipMemcpyAsync(t.data(), src.data(), src.size_bytes(), hipMemcpyDeviceToDevice, s));
        HIPQUANT_CHECK(hipMemcpyAsync(src.data(), t.data(), t.size_bytes(), hipMemcpyDeviceToDevice, s));
    });
    graph.launch(stream.get());
    stream.synchronize();
    EXPECT_EQ(device().memcpy_dtov(src), host);
    EXPECT_NO_THROW(device().check());  // no free failed
}

TEST_F(GpuTest, AllocatingMoreThanTheDeviceHasThrows) {
    const std::size_t too_much = device().total_memory_bytes() * 2;
    HQ_EXPECT_ERROR(device().alloc<char>(too_much), "cannot allocate " + std::to_string(too_much) + " bytes");
    HQ_EXPECT_ERROR(device().alloc<double>(std::size_t{1} << 62), "overflows size_t");
    // The device is still usable afterwards.
    auto ok = device().alloc_zeros<float>(4);
    EXPECT_EQ(device().memcpy_dtov(ok), std::vector<float>(4, 0.0f));
}

TEST_F(GpuTest, CopiesBetweenDifferentSizesThrow) {
    auto a = device().alloc<float>(10);
    auto b = device().alloc<float>(11);
    HQ_EXPECT_ERROR(device().memcpy_dtod<float>(a.span(), b.span()),
                    "source has 10 elements but destination has 11");
    std::vector<float> host(9);
    HQ_EXPECT_ERROR(device().memcpy_htod(host, a.span()), "source has 9 elements but destination has 10");
    HQ_EXPECT_ERROR(a.slice(5, 6), "out of range of a buffer of 10 elements");
}

TEST_F(GpuTest, MovedFromBufferCannotBeLaunched) {
    auto a = device().alloc<float>(8);
    auto b = std::move(a);
    EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): the point of the test
    EXPECT_TRUE(b.valid());
    EXPECT_EQ(b.device_ordinal(), 0);
    auto fn = device().get_or_load_func("hq_quantize_q8_1");
    HQ_EXPECT_ERROR(fn.builder().arg(a), "moved-from");
}

TEST_F(GpuTest, UnknownKernelNameThrowsNamingIt) {
    HQ_EXPECT_ERROR(device().get_or_load_func("hq_no_such_kernel"), "kernel 'hq_no_such_kernel' is not in");
}

// A record of the kernel image (the mat-mat kernels' launch geometry) is
// read by name and size; a missing one or a size that does not match is an
// Error naming it.
TEST_F(GpuTest, ImageConstantsAreCheckedByNameAndSize) {
    using hipquant::quant::MatMulGeometry;
    const auto geometry = device().image_constant<MatMulGeometry>("hq_mul_mat_q8_1_Q4_0_wide_geometry");
    EXPECT_GT(geometry.threads, 0u);
    HQ_EXPECT_ERROR(device().image_constant<std::uint32_t>("hq_no_such_variable"),
                    "device variable 'hq_no_such_variable' is not in");
    HQ_EXPECT_ERROR(device().image_constant<std::uint64_t>("hq_mul_mat_q8_1_Q4_0_wide_geometry"),
                    "has " + std::to_string(sizeof(MatMulGeometry)) + " bytes, not the 8 expected");
}

TEST_F(GpuTest, FunctionCacheIsThreadSafe) {
    std::vector<std::thread> threads;
    std::vector<hipFunction_t> got(8);
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] { got[t] = device().get_or_load_func("hq_quantize_q8_1").handle(); });
    for (auto& th : threads) th.join();
    for (int t = 1; t < 8; ++t) EXPECT_EQ(got[t], got[0]);
}

TEST(Runtime, OperandsOnAnotherDeviceAreNamed) {
    EXPECT_NO_THROW(hipquant::detail::check_same_device("x", 1, 1));
    HQ_EXPECT_ERROR(hipquant::detail::check_same_device("matmul: x", 1, 0),
                    "matmul: x is on device 1 but the operation runs on device 0");
}
