# Finds the GPU toolchain for HIPQUANT_PLATFORM and defines:
#   hipquant_platform        INTERFACE target: runtime headers, libraries, HIPQUANT_PLATFORM_* define
#   HIPQUANT_GPU_TARGETS     the architectures the kernel image holds (gfx906;... or 80;90a)
#   HIPQUANT_GPU_TARGETS_STRING  the same, comma separated, for messages
#   HIPQUANT_KERNEL_COMPILER the hipcc or nvcc that builds kernels/
# HIPQUANT_GPU_TARGETS=auto (the default) means: on AMD, every architecture of
# HIPQUANT_AMD_KNOWN_TARGETS the found compiler can build (probed here); on
# NVIDIA, 80;90a. An explicit AMD list must build in full, or configure fails.

set(HIPQUANT_GPU_TARGETS "auto" CACHE STRING
  "GPU architectures in the kernel image: auto, or a list (amd: gfx906;gfx90a;...; nvidia: 80;90a)")
if(HIPQUANT_GPU_TARGETS STREQUAL "")
  message(FATAL_ERROR "hipquant: HIPQUANT_GPU_TARGETS is empty (use auto for the default)")
endif()
set(HIPQUANT_EXPECT_GPU_TARGETS "" CACHE STRING
  "AMD targets this build must hold (CI pins each toolchain's); checked at configure and by a test")
string(REPLACE ";" "," HIPQUANT_EXPECT_GPU_TARGETS_STRING "${HIPQUANT_EXPECT_GPU_TARGETS}")

if(HIPQUANT_PLATFORM STREQUAL "amd")
  include(HipquantAmdToolchain)
  hipquant_find_amd_toolchain()
  if(HIPQUANT_GPU_TARGETS STREQUAL "auto")
    hipquant_probe_amd_targets("${HIPQUANT_AMD_KNOWN_TARGETS}" hq_kept hq_dropped)
    if(NOT hq_kept)
      message(FATAL_ERROR "hipquant: ${HIPQUANT_KERNEL_COMPILER} can build none of "
        "${HIPQUANT_AMD_KNOWN_TARGETS}: ${hq_dropped}")
    endif()
  else()
    hipquant_probe_amd_targets("${HIPQUANT_GPU_TARGETS}" hq_kept hq_dropped)
    if(hq_dropped)
      string(REPLACE ";" ", " hq_dropped_text "${hq_dropped}")
      message(FATAL_ERROR "hipquant: HIPQUANT_GPU_TARGETS names targets that "
        "${HIPQUANT_KERNEL_COMPILER} (${HIPQUANT_CLANG_VERSION}) cannot build: ${hq_dropped_text}. "
        "Leave HIPQUANT_GPU_TARGETS at auto for every target this compiler can build.")
    endif()
  endif()
  string(REPLACE ";" " " hq_kept_text "${hq_kept}")
  message(STATUS "hipquant:   targets kept     ${hq_kept_text}")
  if(hq_dropped)
    foreach(d IN LISTS hq_dropped)
      message(STATUS "hipquant:   target dropped   ${d}")
    endforeach()
  else()
    message(STATUS "hipquant:   targets dropped  none")
  endif()
  set(HIPQUANT_GPU_TARGETS "${hq_kept}")   # shadows the cache's "auto" from here on
  # CI names what each toolchain must deliver; kernel_image_test checks the
  # bundle for it too, so a target silently lost to a probe cannot pass.
  foreach(t IN LISTS HIPQUANT_EXPECT_GPU_TARGETS)
    if(NOT t IN_LIST HIPQUANT_GPU_TARGETS)
      set(hq_why "it is not in HIPQUANT_GPU_TARGETS")
      foreach(d IN LISTS hq_dropped)
        if(d MATCHES "^${t} \\((.*)\\)$")
          set(hq_why "${CMAKE_MATCH_1}")
        endif()
      endforeach()
      message(FATAL_ERROR "hipquant: HIPQUANT_EXPECT_GPU_TARGETS holds ${t}, which this build "
        "does not: ${hq_why}")
    endif()
  endforeach()
  add_library(hipquant_platform INTERFACE)
  target_include_directories(hipquant_platform INTERFACE ${HIPQUANT_HIP_INCLUDE_DIR})
  target_compile_definitions(hipquant_platform INTERFACE __HIP_PLATFORM_AMD__=1 HIPQUANT_PLATFORM_AMD=1)
  target_link_libraries(hipquant_platform INTERFACE ${HIPQUANT_HIP_LIBRARY})
elseif(HIPQUANT_PLATFORM STREQUAL "nvidia")
  if(HIPQUANT_GPU_TARGETS STREQUAL "auto")
    # 90a: Hopper's arch-specific target (setmaxnreg, which the wide mat-mat's
    # producer warps need: kernels/arch.hpp); plain 90 builds without them.
    set(HIPQUANT_GPU_TARGETS 80 90a)
  endif()
  find_package(CUDAToolkit REQUIRED)
  set(HIPQUANT_KERNEL_COMPILER "${CUDAToolkit_NVCC_EXECUTABLE}" CACHE FILEPATH "nvcc that compiles kernels/*.hip")
  add_library(hipquant_platform INTERFACE)
  target_compile_definitions(hipquant_platform INTERFACE HIPQUANT_PLATFORM_NVIDIA=1)
  # Static runtime, no libcuda: the library must load on machines without the
  # NVIDIA driver; driver entry points are looked up at run time.
  target_link_libraries(hipquant_platform INTERFACE CUDA::cudart_static ${CMAKE_DL_LIBS})
  target_include_directories(hipquant_platform INTERFACE ${CUDAToolkit_INCLUDE_DIRS})
else()
  message(FATAL_ERROR "hipquant: HIPQUANT_PLATFORM must be 'amd' or 'nvidia', not '${HIPQUANT_PLATFORM}'")
endif()

string(REPLACE ";" "," HIPQUANT_GPU_TARGETS_STRING "${HIPQUANT_GPU_TARGETS}")
message(STATUS "hipquant: platform ${HIPQUANT_PLATFORM}, kernel compiler ${HIPQUANT_KERNEL_COMPILER}, "
  "targets ${HIPQUANT_GPU_TARGETS_STRING}")
set_target_properties(hipquant_platform PROPERTIES EXPORT_NAME platform)
