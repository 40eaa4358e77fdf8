// `hipquant bench [OPTIONS]`: the mat-vec and mat-mat benchmark (bench/), as a subcommand.
#include <string>
#include <vector>

#include "bench_main.hpp"
#include "cli.hpp"

namespace hipquant::cli {

int cmd_bench(const std::vector<std::string>& args) {
    std::vector<std::string> storage{"hipquant bench"};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : storage) argv.push_back(s.data());
    argv.push_back(nullptr);
    return hipquant_bench_main(static_cast<int>(storage.size()), argv.data());
}

}  // namespace hipquant::cli
