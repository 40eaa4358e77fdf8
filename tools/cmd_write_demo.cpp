// `hipquant write-demo FILE`: writes a small GGUF file holding one 4 x 256
// weight matrix per weight type (quantized by the CPU reference), for demos
// and for the tool's own tests.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "cli.hpp"
#include "hipquant/gguf/writer.hpp"
#include "hipquant/quant/reference.hpp"
#include "hipquant/quant/types.hpp"

namespace hipquant::cli {

int cmd_write_demo(const std::vector<std::string>& args) {
    const ArgParser p(args, {}, {"alignment"});
    p.expect_positionals(1, "FILE");
    const std::uint64_t alignment = p.uint_value("alignment", gguf::kDefaultAlignment);
    if (alignment == 0 || alignment > (1u << 30) || (alignment & (alignment - 1)) != 0)
        throw UsageError("--alignment must be a power of two up to 2^30, not " + std::to_string(alignment));

    // 256 columns: one K-quant super-block, eight 32-value blocks per row.
    constexpr std::size_t kRows = 4, kCols = 256;
    std::vector<float> weights(kRows * kCols);
    for (std::size_t r = 0; r < kRows; ++r)
        for (std::size_t c = 0; c < kCols; ++c)
            weights[r * kCols + c] = static_cast<float>(std::sin(0.05 * static_cast<double>((c + 1) * (r + 1))) *
                                                        (1.0 + 0.5 * static_cast<double>(r)));

    gguf::GgufWriter w(static_cast<std::uint32_t>(alignment));
    w.set("general.architecture", gguf::Value::string("hipquant-demo"));
    w.set("general.name", gguf::Value::string("hipquant write-demo"));
    w.set("hipquant.demo.rows", gguf::Value::u32(kRows));
    w.set("hipquant.demo.cols", gguf::Value::u32(kCols));
    w.set("hipquant.demo.formula", gguf::Value::string("w[r][c] = sin(0.05 (c+1)(r+1)) (1 + r/2)"));
    w.set("hipquant.demo.quantized", gguf::Value::boolean(true));
    w.set("hipquant.demo.first_row_head", gguf::Value::array_f32({weights[0], weights[1], weights[2], weights[3]}));

    std::vector<std::string> names;
    for (const auto& info : quant::kQuantTypes) {
        if (!info.can_be_weight) continue;
        std::string lower = info.name;
        for (char& ch : lower)
            if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
        const std::vector<std::uint8_t> bytes = quant::reference::quantize_matrix(info.type, weights.data(), kRows, kCols, 1);
        w.add_tensor("demo." + lower, info.type, {kCols, kRows}, bytes);
        names.push_back(info.name);
    }
    w.set("hipquant.demo.types", gguf::Value::array(names));
    // A 1-D and a 3-D tensor too, so readers see more than matrices.
    w.add_tensor("demo.bias", quant::QuantType::F32, {kRows},
                 quant::reference::quantize_matrix(quant::QuantType::F32, weights.data(), 1, kRows, 1));
    w.add_tensor("demo.cube_f16", quant::QuantType::F16, {64, 4, 4},
                 quant::reference::quantize_matrix(quant::QuantType::F16, weights.data(), 16, 64, 1));

    const std::string& path = p.positionals()[0];
    w.write(path);
    std::printf("wrote %s: %zu tensors, %zu metadata keys, alignment %llu bytes\n", path.c_str(), w.tensor_count(),
                w.metadata().size() + (alignment != gguf::kDefaultAlignment ? 1 : 0),
                static_cast<unsigned long long>(alignment));
    return kExitOk;
}

}  // namespace hipquant::cli
