// `hipquant-bench`: the benchmark as a program of its own.
#include "bench_main.hpp"

int main(int argc, char** argv) { return hipquant_bench_main(argc, argv); }
