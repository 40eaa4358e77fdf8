// The benchmark's entry point, shared by `hipquant-bench` and `hipquant bench`.
#pragma once

// Parses argv like a main() (argv[0] is the program name) and returns the
// exit status documented in `--help`.
int hipquant_bench_main(int argc, char** argv);
