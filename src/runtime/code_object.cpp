// The embedded kernel image and the reading of code-object headers.
#include <cstdint>
#include <cstring>
#include <sstream>
#include <utility>

#include "hipquant/runtime/error.hpp"
#include "hipquant/runtime/module.hpp"

// Defined by the generated kernels/kernel_image.S (cmake/HipquantKernels.cmake).
extern "C" const unsigned char hipquant_kernel_image_begin[];
extern "C" const unsigned char hipquant_kernel_image_end[];

#ifndef HIPQUANT_BUILT_TARGETS
#error "HIPQUANT_BUILT_TARGETS is set by CMakeLists.txt"
#endif

namespace hipquant {
namespace {

template <typename T>
T read_le(const unsigned char* base, std::size_t size, std::size_t offset, const char* image, const char* what) {
    HIPQUANT_REQUIRE(offset <= size && sizeof(T) <= size - offset, errc::invalid_image,
                     std::string("code object '") + image + "': " + what + " at byte " + std::to_string(offset) +
                         " lies past its end (" + std::to_string(size) + " bytes)");
    T v;
    std::memcpy(&v, base + offset, sizeof v);
    return v;
}

constexpr char kBundleMagic[] = "__CLANG_OFFLOAD_BUNDLE__";  // 24 bytes, no NUL in the file
constexpr std::uint32_t kFatbinMagic = 0xBA55ED50u;

// Clang offload bundle: magic, u64 entry count, then per entry u64 offset,
// u64 size, u64 triple length, triple ("hipv4-amdgcn-amd-amdhsa--gfx90a").
std::vector<std::string> bundle_architectures(const unsigned char* p, std::size_t size, const char* name) {
    std::size_t off = sizeof kBundleMagic - 1;
    const auto entries = read_le<std::uint64_t>(p, size, off, name, "bundle entry count");
    off += 8;
    std::vector<std::string> archs;
    for (std::uint64_t i = 0; i < entries; ++i) {
        off += 16;  // payload offset and size
        const auto len = read_le<std::uint64_t>(p, size, off, name, "bundle triple length");
        off += 8;
        HIPQUANT_REQUIRE(len <= size - off, errc::invalid_image,
                         std::string("code object '") + name + "': bundle triple runs past the end");
        const std::string triple(reinterpret_cast<const char*>(p + off), static_cast<std::size_t>(len));
        off += static_cast<std::size_t>(len);
        const auto sep = triple.find("--");
        if (triple.rfind("host", 0) == 0 || sep == std::string::npos) continue;
        archs.push_back(triple.substr(sep + 2));
    }
    return archs;
}

// NVIDIA fatbin: u32 magic, u16 version, u16 header size, u64 payload size;
// then entries of u16 kind (1 PTX, 2 cubin), u16 flags, u32 entry header
// size, u64 payload size, ..., u32 sm number at entry offset 28.
std::vector<std::string> fatbin_architectures(const unsigned char* p, std::size_t size, const char* name) {
    const auto header = read_le<std::uint16_t>(p, size, 6, name, "fatbin header size");
    const auto payload = read_le<std::uint64_t>(p, size, 8, name, "fatbin size");
    HIPQUANT_REQUIRE(payload <= size - header, errc::invalid_image,
                     std::string("code object '") + name + "': fatbin payload runs past the end");
    std::vector<std::string> archs;
    std::size_t off = header;
    while (off < header + payload) {
        const auto kind = read_le<std::uint16_t>(p, size, off, name, "fatbin entry kind");
        const auto entry_header = read_le<std::uint32_t>(p, size, off + 4, name, "fatbin entry header size");
        const auto entry_size = read_le<std::uint64_t>(p, size, off + 8, name, "fatbin entry size");
        const auto sm = read_le<std::uint32_t>(p, size, off + 28, name, "fatbin entry arch");
        HIPQUANT_REQUIRE(entry_header > 0 && entry_size <= size, errc::invalid_image,
                         std::string("code object '") + name + "': malformed fatbin entry");
        archs.push_back((kind == 1 ? "compute_" : "sm_") + std::to_string(sm));
        off += entry_header + static_cast<std::size_t>(entry_size);
    }
    return archs;
}

}  // namespace

std::vector<std::string> CodeObject::architectures() const {
    const auto* p = static_cast<const unsigned char*>(data);
    HIPQUANT_REQUIRE(p != nullptr && size >= 16, errc::invalid_image,
                     std::string("code object '") + name + "' is empty or truncated");
    if (std::memcmp(p, kBundleMagic, sizeof kBundleMagic - 1) == 0) return bundle_architectures(p, size, name);
    if (read_le<std::uint32_t>(p, size, 0, name, "magic") == kFatbinMagic) return fatbin_architectures(p, size, name);
    HIPQUANT_FAIL(errc::invalid_image, std::string("code object '") + name +
                                           "' is neither a clang offload bundle nor an NVIDIA fatbin");
}

const CodeObject& kernel_image() {
    static const CodeObject image{
        hipquant_kernel_image_begin,
        static_cast<std::size_t>(hipquant_kernel_image_end - hipquant_kernel_image_begin),
        "hipquant kernels"};
    return image;
}

namespace {

// "gfx90a:sramecc+:xnack-" -> base "gfx90a" and features {"sramecc+", "xnack-"}.
std::pair<std::string, std::vector<std::string>> split_amd_arch(const std::string& arch) {
    std::vector<std::string> parts;
    std::stringstream in(arch);
    for (std::string t; std::getline(in, t, ':');) parts.push_back(t);
    if (parts.empty()) return {"", {}};
    std::string base = parts.front();
    parts.erase(parts.begin());
    return {base, parts};
}

// The gfx names a generic target ("gfx10-3-generic") stands for; LLVM's
// AMDGPUUsage table of generic processors.
bool generic_family_has(const std::string& generic, const std::string& gfx) {
    static const std::pair<const char*, std::vector<const char*>> kFamilies[] = {
        {"gfx9-generic", {"gfx900", "gfx902", "gfx904", "gfx906", "gfx909", "gfx90c"}},
        {"gfx9-4-generic", {"gfx940", "gfx941", "gfx942", "gfx950"}},
        {"gfx10-1-generic", {"gfx1010", "gfx1011", "gfx1012", "gfx1013"}},
        {"gfx10-3-generic", {"gfx1030", "gfx1031", "gfx1032", "gfx1033", "gfx1034", "gfx1035", "gfx1036"}},
        {"gfx11-generic", {"gfx1100", "gfx1101", "gfx1102", "gfx1103", "gfx1150", "gfx1151", "gfx1152", "gfx1153"}},
        {"gfx12-generic", {"gfx1200", "gfx1201"}},
    };
    for (const auto& f : kFamilies)
        if (generic == f.first)
            for (const char* member : f.second)
                if (gfx == member) return true;
    return false;
}

// The number in "sm_90" / "compute_90" after `prefix`, or -1.
int arch_number(const std::string& arch, const char* prefix) {
    const std::size_t n = std::strlen(prefix);
    if (arch.compare(0, n, prefix) != 0 || arch.size() == n || arch.size() > n + 4) return -1;
    int v = 0;
    for (std::size_t i = n; i < arch.size(); ++i) {
        if (arch[i] < '0' || arch[i] > '9') return -1;
        v = v * 10 + (arch[i] - '0');
    }
    return v;
}

// How good a match `entry` is on `device_arch`: 0 none, higher is preferred.
int match_rank(const std::string& entry, const std::string& device_arch) {
    const int device_sm = arch_number(device_arch, "sm_");
    if (device_sm >= 0) {
        if (const int sm = arch_number(entry, "sm_"); sm >= 0)
            return sm / 10 == device_sm / 10 && sm <= device_sm ? 2000 + sm : 0;
        if (const int ptx = arch_number(entry, "compute_"); ptx >= 0) return ptx <= device_sm ? 1000 + ptx : 0;
        return 0;
    }
    const auto [dev_base, dev_features] = split_amd_arch(device_arch);
    const auto [base, features] = split_amd_arch(entry);
    if (dev_base.empty()) return entry == device_arch ? 1 : 0;
    int rank = 0;
    if (base == dev_base) rank = 2;
    else if (generic_family_has(base, dev_base)) rank = 1;
    else return 0;
    for (const auto& f : features) {
        if (f.empty()) return 0;
        const std::string name = f.substr(0, f.size() - 1);
        for (const auto& d : dev_features)
            if (d.substr(0, d.size() - 1) == name && d != f) return 0;  // pinned the other way
    }
    return rank * 100 + static_cast<int>(features.size());
}

}  // namespace

bool architecture_runs_on(const std::string& entry, const std::string& device_arch) {
    return match_rank(entry, device_arch) > 0;
}

std::string pick_architecture(const std::vector<std::string>& entries, const std::string& device_arch) {
    std::string best;
    int best_rank = 0;
    for (const auto& e : entries) {
        const int r = match_rank(e, device_arch);
        if (r > best_rank) {
            best_rank = r;
            best = e;
        }
    }
    return best;
}

std::vector<std::string> built_targets() {
    std::vector<std::string> out;
    std::stringstream list(HIPQUANT_BUILT_TARGETS);
    for (std::string t; std::getline(list, t, ',');) out.push_back(t);
    return out;
}

}  // namespace hipquant
