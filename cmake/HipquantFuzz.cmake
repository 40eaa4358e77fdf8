# Opt-in libFuzzer targets (HIPQUANT_BUILD_FUZZERS=ON, clang only):
#   fuzz_gguf  the GGUF reader, built with -fsanitize=fuzzer,address,undefined.
# The parser sources are compiled again into a private library with coverage
# and sanitizer instrumentation, so hipquant_core itself is unchanged.
# tests/gguf/run_fuzz.sh configures, builds and runs it for a bounded time.
include_guard(GLOBAL)  # may come both from the top level and CMAKE_PROJECT_INCLUDE
option(HIPQUANT_BUILD_FUZZERS "Build the libFuzzer targets (needs clang with libFuzzer)" OFF)

if(HIPQUANT_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "hipquant: HIPQUANT_BUILD_FUZZERS needs clang as CMAKE_CXX_COMPILER "
      "(libFuzzer is part of clang), not ${CMAKE_CXX_COMPILER_ID} '${CMAKE_CXX_COMPILER}'. "
      "Debian 12: apt-get install clang-14 libclang-rt-14-dev, then "
      "-DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14")
  endif()
  set(hq_fuzz_sanitizers -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)

  # The CPU library's sources (hq_core_sources, the top level's list: src/
  # mirrors include/, so src/quant and src/gguf also hold GPU-side files).
  list(TRANSFORM hq_core_sources PREPEND ${PROJECT_SOURCE_DIR}/ OUTPUT_VARIABLE hq_fuzz_sources)
  add_library(hipquant_core_fuzz STATIC ${hq_fuzz_sources})
  target_include_directories(hipquant_core_fuzz PUBLIC ${PROJECT_SOURCE_DIR}/include)
  target_compile_features(hipquant_core_fuzz PUBLIC cxx_std_17)
  target_compile_options(hipquant_core_fuzz PRIVATE -ffp-contract=off -g
    -fsanitize=fuzzer-no-link ${hq_fuzz_sanitizers})
  find_package(Threads REQUIRED)
  target_link_libraries(hipquant_core_fuzz PUBLIC Threads::Threads)

  add_executable(fuzz_gguf ${PROJECT_SOURCE_DIR}/tests/gguf/fuzz_gguf.cpp)
  target_link_libraries(fuzz_gguf PRIVATE hipquant_core_fuzz)
  target_compile_options(fuzz_gguf PRIVATE -g -fsanitize=fuzzer ${hq_fuzz_sanitizers})
  target_link_options(fuzz_gguf PRIVATE -fsanitize=fuzzer ${hq_fuzz_sanitizers})
endif()
