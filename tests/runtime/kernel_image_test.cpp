// The embedded kernel image: it holds code for every requested GPU target,
// and the compiler reported no scratch memory and no spills for any kernel.
// Runs without a GPU (it reads bytes and the build's resource report).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "gpu_test_util.hpp"
#include "target_arch.hpp"
#include "hipquant/quant/kernels.hpp"
#include "hipquant/runtime/module.hpp"

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string t; std::getline(in, t, sep);) out.push_back(t);
    return out;
}

// The code object of one clang offload bundle entry ("hipv4-amdgcn-amd-amdhsa--gfx942"),
// read here independently of the library's own bundle reader.
std::string bundle_entry(const hipquant::CodeObject& image, const std::string& target) {
    const auto* p = static_cast<const unsigned char*>(image.data);
    auto u64 = [&](std::size_t off) {
        std::uint64_t v = 0;
        if (off + 8 <= image.size) std::memcpy(&v, p + off, 8);
        return v;
    };
    if (image.size < 32 || std::memcmp(p, "__CLANG_OFFLOAD_BUNDLE__", 24) != 0) return {};
    std::size_t off = 32;
    for (std::uint64_t i = 0, n = u64(24); i < n && off + 24 <= image.size; ++i) {
        const auto entry_off = u64(off), entry_size = u64(off + 8), len = u64(off + 16);
        off += 24;
        if (len > image.size - off) return {};
        const std::string triple(reinterpret_cast<const char*>(p + off), static_cast<std::size_t>(len));
        off += static_cast<std::size_t>(len);
        const auto sep = triple.find("--");
        if (sep != std::string::npos && triple.substr(sep + 2) == target && entry_off <= image.size &&
            entry_size <= image.size - entry_off)
            return std::string(reinterpret_cast<const char*>(p + entry_off), static_cast<std::size_t>(entry_size));
    }
    return {};
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
        // AMD bundles name the target ("gfx90a"); NVIDIA fatbins the SM ("sm_90",
        // also for the arch-specific 90a).
        const bool found = std::any_of(archs.begin(), archs.end(), [&](const std::string& a) {
            return a == t || a.rfind(t + ":", 0) == 0 || a == hipquant::test::target_arch(t);
        });
        EXPECT_TRUE(found) << "image architectures: " << ::testing::PrintToString(archs);
    }
    // Nothing more than was asked for, besides NVIDIA's forward-compatible PTX.
    for (const auto& a : archs)
        if (a.rfind("compute_", 0) != 0) EXPECT_TRUE(std::find(wanted.begin(), wanted.end(), a) != wanted.end() ||
                                                     a.rfind("sm_", 0) == 0) << a;
}

// CI pins what each AMD toolchain must deliver (HIPQUANT_EXPECT_GPU_TARGETS):
// for each such target the bundle carries an AMDGPU ELF built for exactly that
// target (its code-object metadata names it) holding hipquant's kernels.
TEST(KernelImage, HoldsCodeForEveryExpectedTarget) {
    const auto expected = split(HIPQUANT_EXPECT_GPU_TARGETS, ',');
    if (expected.empty()) GTEST_SKIP() << "this build names no HIPQUANT_EXPECT_GPU_TARGETS (only CI's toolchain builds do)";
    const auto& image = hipquant::kernel_image();
    constexpr std::uint16_t kEmAmdgpu = 224;
    for (const auto& t : expected) {
        SCOPED_TRACE(t);
        const std::string elf = bundle_entry(image, t);
        ASSERT_GE(elf.size(), 64u) << "no code object for " << t << " in the bundle; it holds "
                                   << ::testing::PrintToString(image.architectures());
        EXPECT_EQ(elf.compare(0, 4, "\x7f" "ELF"), 0);
        std::uint16_t machine = 0;
        std::memcpy(&machine, elf.data() + 18, sizeof machine);
        EXPECT_EQ(machine, kEmAmdgpu);
        EXPECT_NE(elf.find("amdgcn-amd-amdhsa--" + t), std::string::npos) << "metadata does not name " << t;
        EXPECT_NE(elf.find("hq_quantize_q8_1"), std::string::npos);
        EXPECT_NE(elf.find("hq_mul_mat_vec_q8_1_Q4_0_b1"), std::string::npos);
    }
}

// Every kernel of the host's table (quant/kernels.hpp) is a symbol of every
// AMD code object in the bundle, so a kernel the host expects but a target
// lacks fails here, in CI, not at a user's first call. (The NVIDIA fatbin's
// cubins are checked on the GPU: EveryKernelOfTheTableResolves.)
TEST(KernelImage, EveryAmdCodeObjectHoldsTheKernelTable) {
    const auto& image = hipquant::kernel_image();
    std::size_t checked = 0;
    for (const auto& arch : image.architectures()) {
        const std::string elf = bundle_entry(image, arch);
        if (elf.empty()) continue;  // not an AMD bundle entry
        SCOPED_TRACE(arch);
        ++checked;
        for (const auto& k : hipquant::quant::kKernels) {
            // Symbol names are NUL-terminated in the string table.
            EXPECT_NE(elf.find(std::string(k.name) + '\0'), std::string::npos) << k.name;
            if (k.geometry) EXPECT_NE(elf.find(std::string(k.geometry) + '\0'), std::string::npos) << k.geometry;
        }
    }
    if (checked == 0) GTEST_SKIP() << "the image is no AMD offload bundle (this is the NVIDIA build)";
}

// The build tree's files: present where the tests were built (CI), absent
// where the test binary was carried to another machine to run on its GPU.
namespace {
bool in_build_tree(const char* path) { return std::ifstream(path).good(); }
}  // namespace
#define HQ_REQUIRE_BUILD_TREE(path) \
    if (!in_build_tree(path)) GTEST_SKIP() << path << " is not here: this binary runs away from its build tree"

TEST(KernelImage, EmbeddedBytesEqualTheBuiltImage) {
    HQ_REQUIRE_BUILD_TREE(HIPQUANT_KERNEL_IMAGE_PATH);
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
    HQ_REQUIRE_BUILD_TREE(HIPQUANT_RESOURCE_USAGE);
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
