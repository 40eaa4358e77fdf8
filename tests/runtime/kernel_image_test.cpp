// The embedded kernel image: it holds code for every requested GPU target,
// and the compiler reported no scratch memory and no spills for any kernel.
// Runs without a GPU (it reads bytes and the build's resource report).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include "gpu_test_util.hpp"
#include "hipquant/runtime/module.hpp"

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string t; std::getline(in, t, sep);) out.push_back(t);
    return out;
}

}  // namespace

TEST(KernelImage, HoldsCodeForEveryRequestedTarget) {
    const auto& image = hipquant::kernel_image();
    ASSERT_GT(image.size, 0u);
    const auto archs = image.architectures();
    const auto wanted = split(HIPQUANT_GPU_TARGET_LIST, ',');
    EXPECT_EQ(hipquant::built_targets(), wanted);
    for (const auto& t : wanted) {
        SCOPED_TRACE(t);
        // AMD bundles name the target ("gfx90a"); NVIDIA fatbins the SM ("sm_90").
        const bool found = std::any_of(archs.begin(), archs.end(), [&](const std::string& a) {
            return a == t || a.rfind(t + ":", 0) == 0 || a == "sm_" + t;
        });
        EXPECT_TRUE(found) << "image architectures: " << ::testing::PrintToString(archs);
    }
    // Nothing more than was asked for, besides NVIDIA's forward-compatible PTX.
    for (const auto& a : archs)
        if (a.rfind("compute_", 0) != 0) EXPECT_TRUE(std::find(wanted.begin(), wanted.end(), a) != wanted.end() ||
                                                     a.rfind("sm_", 0) == 0) << a;
}

TEST(KernelImage, EmbeddedBytesEqualTheBuiltImage) {
    std::ifstream f(HIPQUANT_KERNEL_IMAGE_PATH, std::ios::binary);
    ASSERT_TRUE(f) << HIPQUANT_KERNEL_IMAGE_PATH;
    const std::string file((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const auto& image = hipquant::kernel_image();
    ASSERT_EQ(file.size(), image.size);
    EXPECT_EQ(0, std::memcmp(file.data(), image.data, image.size));
}

TEST(KernelImage, MalformedImagesAreRejected) {
    const char junk[32] = "not a code object at all......";
    const hipquant::CodeObject bad{junk, sizeof junk, "junk"};
    HQ_EXPECT_ERROR(bad.architectures(), "neither a clang offload bundle nor an NVIDIA fatbin");
    std::string bundle = "__CLANG_OFFLOAD_BUNDLE__";
    bundle += std::string("\x05\0\0\0\0\0\0\0", 8);  // claims 5 entries, has none
    const hipquant::CodeObject truncated{bundle.data(), bundle.size(), "truncated"};
    HQ_EXPECT_ERROR(truncated.architectures(), "past its end");
}

// The compiler's resource report (-Rpass-analysis=kernel-resource-usage on
// AMD, ptxas -v on NVIDIA), saved by the build: every kernel on every target
// uses no scratch (private) memory and spills nothing.
TEST(KernelImage, NoScratchAndNoSpills) {
    std::ifstream f(HIPQUANT_RESOURCE_USAGE);
    ASSERT_TRUE(f) << HIPQUANT_RESOURCE_USAGE;
    std::string line;
    int reports = 0;
    const std::regex amd_scratch(R"(ScratchSize \[bytes/lane\]: (\d+))");
    const std::regex amd_spill(R"((SGPRs|VGPRs) Spill: (\d+))");
    const std::regex nv_spill(R"((\d+) bytes spill stores, (\d+) bytes spill loads)");
    const std::regex nv_stack(R"((\d+) bytes stack frame)");
    std::string function = "?";
    const std::regex amd_fn(R"(Function Name: (\S+))");
    const std::regex nv_fn(R"(Compiling entry function '(\S+)' for '(\S+)')");
    std::smatch m;
    while (std::getline(f, line)) {
        if (std::regex_search(line, m, amd_fn) || std::regex_search(line, m, nv_fn)) function = m[1];
        if (std::regex_search(line, m, amd_scratch)) {
            ++reports;
            EXPECT_EQ(m[1], "0") << function << ": " << line;
        }
        if (std::regex_search(line, m, amd_spill)) EXPECT_EQ(m[2], "0") << function << ": " << line;
        if (std::regex_search(line, m, nv_spill)) {
            ++reports;
            EXPECT_EQ(m[1], "0") << function << ": " << line;
            EXPECT_EQ(m[2], "0") << function << ": " << line;
        }
        if (std::regex_search(line, m, nv_stack)) EXPECT_EQ(m[1], "0") << function << ": " << line;
    }
    // One report per kernel and target: at least one per target.
    EXPECT_GE(reports, static_cast<int>(hipquant::built_targets().size()));
}
