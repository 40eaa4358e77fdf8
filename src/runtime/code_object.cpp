// The embedded kernel image and the reading of code-object headers.
#include <cstdint>
#include <cstring>
#include <sstream>

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

std::vector<std::string> built_targets() {
    std::vector<std::string> out;
    std::stringstream list(HIPQUANT_BUILT_TARGETS);
    for (std::string t; std::getline(list, t, ',');) out.push_back(t);
    return out;
}

}  // namespace hipquant
