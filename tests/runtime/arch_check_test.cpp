// Does this GPU have code in the image? The matching rules on the CPU, and on
// a GPU the precise error for an image that lacks the GPU's architecture.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

#include "gpu_test_util.hpp"
#include "target_arch.hpp"
#include "hipquant/runtime/device.hpp"
#include "hipquant/runtime/module.hpp"

using hipquant::architecture_runs_on;
using hipquant::pick_architecture;
using hipquant::test::GpuTest;

TEST(ArchCheck, AmdFeaturesMustAgreeWhereTheEntryPinsThem) {
    const std::string mi210 = "gfx90a:sramecc+:xnack-";
    EXPECT_TRUE(architecture_runs_on("gfx90a", mi210));
    EXPECT_TRUE(architecture_runs_on("gfx90a:xnack-", mi210));
    EXPECT_TRUE(architecture_runs_on("gfx90a:sramecc+:xnack-", mi210));
    EXPECT_FALSE(architecture_runs_on("gfx90a:xnack+", mi210));
    EXPECT_FALSE(architecture_runs_on("gfx90a:sramecc-", mi210));
    EXPECT_FALSE(architecture_runs_on("gfx908", mi210));
    EXPECT_FALSE(architecture_runs_on("gfx90", mi210));
    EXPECT_TRUE(architecture_runs_on("gfx1030", "gfx1030"));
    EXPECT_FALSE(architecture_runs_on("gfx1030", "gfx1031"));
    // A feature the device does not report is not held against the entry.
    EXPECT_TRUE(architecture_runs_on("gfx906:xnack-", "gfx906"));
    // Generic targets run on their family only.
    EXPECT_TRUE(architecture_runs_on("gfx9-generic", "gfx906:sramecc+:xnack-"));
    EXPECT_FALSE(architecture_runs_on("gfx9-generic", mi210));
    EXPECT_TRUE(architecture_runs_on("gfx10-3-generic", "gfx1032"));
    EXPECT_FALSE(architecture_runs_on("gfx11-generic", "gfx1030"));
}

TEST(ArchCheck, AmdPicksTheMostSpecificEntry) {
    const std::string mi210 = "gfx90a:sramecc+:xnack-";
    EXPECT_EQ(pick_architecture({"gfx906", "gfx90a", "gfx90a:xnack-", "gfx90a:xnack+", "gfx1030"}, mi210),
              "gfx90a:xnack-");
    EXPECT_EQ(pick_architecture({"gfx906", "gfx90a", "gfx1030"}, mi210), "gfx90a");
    EXPECT_EQ(pick_architecture({"gfx9-generic", "gfx906"}, "gfx906:sramecc-:xnack-"), "gfx906");
    EXPECT_EQ(pick_architecture({"gfx9-generic", "gfx1030"}, "gfx900:xnack-"), "gfx9-generic");
    EXPECT_EQ(pick_architecture({"gfx906", "gfx908", "gfx1030"}, mi210), "");
    EXPECT_EQ(pick_architecture({}, mi210), "");
}

TEST(ArchCheck, NvidiaCubinsNeedTheSameMajorAndPtxAnOlderTarget) {
    EXPECT_TRUE(architecture_runs_on("sm_90", "sm_90"));
    EXPECT_FALSE(architecture_runs_on("sm_80", "sm_90"));  // a new major version needs its own cubin
    EXPECT_TRUE(architecture_runs_on("sm_80", "sm_86"));   // same major, older minor: binary compatible
    EXPECT_FALSE(architecture_runs_on("sm_86", "sm_80"));
    EXPECT_TRUE(architecture_runs_on("compute_80", "sm_90"));  // the driver compiles PTX forward
    EXPECT_TRUE(architecture_runs_on("compute_90", "sm_120"));
    EXPECT_FALSE(architecture_runs_on("compute_90", "sm_80"));
    EXPECT_FALSE(architecture_runs_on("gfx90a", "sm_90"));
    EXPECT_FALSE(architecture_runs_on("sm_90", "gfx90a"));
}

TEST(ArchCheck, NvidiaPrefersCubinsOverPtx) {
    EXPECT_EQ(pick_architecture({"sm_80", "sm_90", "compute_90"}, "sm_90"), "sm_90");
    EXPECT_EQ(pick_architecture({"sm_80", "sm_86", "compute_86"}, "sm_89"), "sm_86");
    EXPECT_EQ(pick_architecture({"sm_80", "compute_80"}, "sm_90"), "compute_80");
    EXPECT_EQ(pick_architecture({"sm_80", "compute_90"}, "sm_120"), "compute_90");
    EXPECT_EQ(pick_architecture({"sm_80"}, "sm_90"), "");
}

TEST(ArchCheck, EveryBuiltTargetFindsItsEntryInTheEmbeddedImage) {
    const auto entries = hipquant::kernel_image().architectures();
    for (const auto& t : hipquant::built_targets()) {
        const std::string device = hipquant::test::target_arch(t);
        EXPECT_NE(pick_architecture(entries, device), "") << t << " in " << ::testing::PrintToString(entries);
    }
}

TEST(ArchCheck, VersionsAreSpelledPerPlatform) {
    EXPECT_EQ(hipquant::RocmDevice::version_string(12040), "12.4");
    EXPECT_EQ(hipquant::RocmDevice::version_string(13000), "13.0");
    EXPECT_EQ(hipquant::RocmDevice::version_string(50221153), "5.2.21153");
    EXPECT_EQ(hipquant::RocmDevice::version_string(0), "none");
    EXPECT_NO_THROW((void)hipquant::RocmDevice::driver_version());  // 0 without a driver
    EXPECT_NO_THROW((void)hipquant::RocmDevice::runtime_version());
}

namespace {

template <typename T>
T get(const std::vector<unsigned char>& b, std::size_t off) {
    T v;
    std::memcpy(&v, b.data() + off, sizeof v);
    return v;
}
template <typename T>
void put(std::vector<unsigned char>& b, std::size_t off, T v) {
    std::memcpy(b.data() + off, &v, sizeof v);
}

// A copy of `image` (the real kernel image) whose entries are relabelled to
// an architecture that `device_arch` cannot run, payloads unchanged: to the
// check and to the loader's selection it is an image built without this
// GPU's architecture. NVIDIA fatbin: every entry's SM number becomes the
// device's plus 10 (a newer major version: neither its cubin nor its PTX
// runs here). AMD bundle: every device entry becomes gfx906 (gfx1030 on a
// gfx906), the bundle re-laid out since the triples change length.
std::vector<unsigned char> relabelled(const hipquant::CodeObject& image, const std::string& device_arch) {
    const auto* p = static_cast<const unsigned char*>(image.data);
    std::vector<unsigned char> in(p, p + image.size);
    if (device_arch.rfind("sm_", 0) == 0) {
        const std::uint32_t other = static_cast<std::uint32_t>(std::stoi(device_arch.substr(3)) + 10);
        const std::size_t header = get<std::uint16_t>(in, 6);
        const std::size_t end = header + get<std::uint64_t>(in, 8);
        for (std::size_t off = header; off < end;) {
            put<std::uint32_t>(in, off + 28, other);
            off += get<std::uint32_t>(in, off + 4) + get<std::uint64_t>(in, off + 8);
        }
        return in;
    }
    const std::string other = device_arch.rfind("gfx906", 0) == 0 ? "gfx1030" : "gfx906";
    const std::size_t magic = 24;
    const auto count = get<std::uint64_t>(in, magic);
    struct Entry {
        std::uint64_t offset, size;
        std::string triple;
    };
    std::vector<Entry> entries;
    std::size_t off = magic + 8;
    for (std::uint64_t i = 0; i < count; ++i) {
        Entry e{get<std::uint64_t>(in, off), get<std::uint64_t>(in, off + 8), ""};
        const auto len = get<std::uint64_t>(in, off + 16);
        e.triple.assign(reinterpret_cast<const char*>(in.data() + off + 24), len);
        off += 24 + len;
        if (const auto sep = e.triple.find("--"); e.triple.rfind("host", 0) != 0 && sep != std::string::npos)
            e.triple = e.triple.substr(0, sep + 2) + other;
        entries.push_back(e);
    }
    std::size_t header = magic + 8;
    for (const auto& e : entries) header += 24 + e.triple.size();
    std::vector<unsigned char> out(in.begin(), in.begin() + magic + 8);
    // Header first, then each payload at the next 4096-byte boundary.
    std::vector<std::uint64_t> new_offsets;
    std::size_t cursor = header;
    for (const auto& e : entries) {
        cursor = (cursor + 4095) / 4096 * 4096;
        new_offsets.push_back(cursor);
        cursor += e.size;
    }
    out.resize(cursor, 0);
    std::size_t h = magic + 8;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        put<std::uint64_t>(out, h, new_offsets[i]);
        put<std::uint64_t>(out, h + 8, entries[i].size);
        put<std::uint64_t>(out, h + 16, entries[i].triple.size());
        std::memcpy(out.data() + h + 24, entries[i].triple.data(), entries[i].triple.size());
        h += 24 + entries[i].triple.size();
        std::memcpy(out.data() + new_offsets[i], in.data() + entries[i].offset, entries[i].size);
    }
    return out;
}

}  // namespace

// The relabelling the GPU test below relies on, checked without a GPU for a
// device of the last built target: the copy parses, keeps its entry count,
// and holds nothing that device runs.
TEST(ArchCheck, RelabelledImageHasNoCodeForTheDevice) {
    const std::string device = hipquant::test::target_arch(hipquant::built_targets().back());
    const auto& image = hipquant::kernel_image();
    ASSERT_NE(pick_architecture(image.architectures(), device), "");
    const auto bytes = relabelled(image, device);
    const hipquant::CodeObject wrong{bytes.data(), bytes.size(), "relabelled"};
    const auto entries = wrong.architectures();
    EXPECT_EQ(entries.size(), image.architectures().size());
    EXPECT_EQ(pick_architecture(entries, device), "") << ::testing::PrintToString(entries);
}

TEST_F(GpuTest, ThisGpuHasCodeInTheEmbeddedImage) {
    const std::string picked = device().code_object_arch();
    EXPECT_TRUE(architecture_runs_on(picked, device().arch()));
    std::printf("device 0: %s (%s) runs image entry %s; driver %s, runtime %s\n", device().name().c_str(),
                device().arch().c_str(), picked.c_str(),
                hipquant::RocmDevice::version_string(hipquant::RocmDevice::driver_version()).c_str(),
                hipquant::RocmDevice::version_string(hipquant::RocmDevice::runtime_version()).c_str());
}

TEST_F(GpuTest, ImageWithoutThisGpusArchitectureThrowsAPreciseError) {
    const auto bytes = relabelled(hipquant::kernel_image(), device().arch());
    const hipquant::CodeObject wrong{bytes.data(), bytes.size(), "relabelled test image"};
    const auto entries = wrong.architectures();
    ASSERT_EQ(entries.size(), hipquant::kernel_image().architectures().size());
    ASSERT_EQ(pick_architecture(entries, device().arch()), "") << ::testing::PrintToString(entries);
    std::printf("image entries: %s\n", ::testing::PrintToString(entries).c_str());
    try {
        (void)device().get_or_load_func("hq_quantize_q8_1", wrong);
        ADD_FAILURE() << "loading an image without " << device().arch() << " did not throw";
    } catch (const hipquant::Error& e) {
        const std::string msg = e.what();
        std::printf("error: %s\n", msg.c_str());
        EXPECT_EQ(e.code(), hipquant::errc::no_binary_for_gpu);
        EXPECT_NE(msg.find("GPU 0 (" + device().name() + ") has architecture " + device().arch()), std::string::npos)
            << msg;
        EXPECT_NE(msg.find("holds code only for " + entries.front()), std::string::npos) << msg;
        EXPECT_NE(msg.find("this hipquant was built with HIPQUANT_GPU_TARGETS="), std::string::npos) << msg;
        std::string target = device().arch().substr(0, device().arch().find(':'));
        if (target.rfind("sm_", 0) == 0) target = target.substr(3);
        const auto hint = msg.find("rebuild hipquant with -DHIPQUANT_GPU_TARGETS=\"");
        ASSERT_NE(hint, std::string::npos) << msg;
        EXPECT_NE(msg.find(target, hint), std::string::npos) << msg;
    }
    HQ_EXPECT_ERROR(device().code_object_arch(wrong), "holds code only for");
    // The real image still loads on the same device.
    EXPECT_NO_THROW(device().get_or_load_func("hq_quantize_q8_1"));
}
