# Finds the GPU toolchain for HIPQUANT_PLATFORM and defines:
#   hipquant_platform        INTERFACE target: runtime headers, libraries, HIPQUANT_PLATFORM_* define
#   HIPQUANT_GPU_TARGETS     the architectures the kernel image holds (gfx906;... or 80;90)
#   HIPQUANT_GPU_TARGETS_STRING  the same, comma separated, for messages
#   HIPQUANT_KERNEL_COMPILER the hipcc or nvcc that builds kernels/

if(HIPQUANT_PLATFORM STREQUAL "amd")
  set(hq_default_targets gfx906 gfx908 gfx90a gfx1030)
  find_program(HIPQUANT_KERNEL_COMPILER hipcc
    HINTS ENV ROCM_PATH ENV HIP_PATH PATH_SUFFIXES bin
    DOC "hipcc that compiles kernels/*.hip")
  find_path(HIPQUANT_HIP_INCLUDE_DIR hip/hip_runtime_api.h
    HINTS ENV ROCM_PATH ENV HIP_PATH PATH_SUFFIXES include)
  find_library(HIPQUANT_HIP_LIBRARY amdhip64
    HINTS ENV ROCM_PATH ENV HIP_PATH PATH_SUFFIXES lib lib64)
  if(NOT HIPQUANT_KERNEL_COMPILER OR NOT HIPQUANT_HIP_INCLUDE_DIR OR NOT HIPQUANT_HIP_LIBRARY)
    message(FATAL_ERROR "hipquant: HIPQUANT_PLATFORM=amd needs hipcc, hip/hip_runtime_api.h and "
      "libamdhip64 (Debian: apt-get install hipcc libamdhip64-dev rocm-device-libs; or set ROCM_PATH). "
      "Found: hipcc='${HIPQUANT_KERNEL_COMPILER}' include='${HIPQUANT_HIP_INCLUDE_DIR}' "
      "lib='${HIPQUANT_HIP_LIBRARY}'")
  endif()
  add_library(hipquant_platform INTERFACE)
  target_include_directories(hipquant_platform INTERFACE ${HIPQUANT_HIP_INCLUDE_DIR})
  target_compile_definitions(hipquant_platform INTERFACE __HIP_PLATFORM_AMD__=1 HIPQUANT_PLATFORM_AMD=1)
  target_link_libraries(hipquant_platform INTERFACE ${HIPQUANT_HIP_LIBRARY})
elseif(HIPQUANT_PLATFORM STREQUAL "nvidia")
  set(hq_default_targets 80 90)
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

set(HIPQUANT_GPU_TARGETS "${hq_default_targets}" CACHE STRING
  "GPU architectures in the kernel image (amd: gfx906;gfx90a;...; nvidia: 80;90)")
if(HIPQUANT_GPU_TARGETS STREQUAL "")
  message(FATAL_ERROR "hipquant: HIPQUANT_GPU_TARGETS is empty")
endif()
string(REPLACE ";" "," HIPQUANT_GPU_TARGETS_STRING "${HIPQUANT_GPU_TARGETS}")
message(STATUS "hipquant: platform ${HIPQUANT_PLATFORM}, kernel compiler ${HIPQUANT_KERNEL_COMPILER}, "
  "targets ${HIPQUANT_GPU_TARGETS_STRING}")
set_target_properties(hipquant_platform PROPERTIES EXPORT_NAME platform)
