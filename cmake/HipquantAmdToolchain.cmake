# Finds the AMD GPU toolchain (hipcc, its clang, the HIP runtime, the device
# libraries), reports what it found, and probes which gfx targets it can build.
#
# hipquant_find_amd_toolchain() sets, in the caller's scope:
#   HIPQUANT_KERNEL_COMPILER, HIPQUANT_HIP_INCLUDE_DIR, HIPQUANT_HIP_LIBRARY (cache)
#   HIPQUANT_HIP_VERSION, HIPQUANT_CLANG, HIPQUANT_CLANG_VERSION,
#   HIPQUANT_DEVICE_LIBS, HIPQUANT_DEVICE_LIBS_VERSION
# hipquant_probe_amd_targets(<targets> <kept_var> <dropped_var>) compiles a tiny
#   kernel for each target; kept gets those that built, dropped "target (why)".
include_guard(GLOBAL)

# The architectures hipquant builds by default, where the compiler can:
# GCN5 (Radeon VII / MI50), CDNA1-4 (MI100, MI200, MI300, MI350), RDNA2,
# RDNA3 (RX 7000), RDNA3.5 (Strix Halo), RDNA4 (RX 9000). To add one, append
# it here and give its family a row in kernels/arch.hpp (the checklist in
# docs/architecture.md).
set(HIPQUANT_AMD_KNOWN_TARGETS
  gfx906 gfx908 gfx90a gfx942 gfx950
  gfx1030 gfx1100 gfx1101 gfx1102 gfx1151 gfx1200 gfx1201)

# Search order: ROCM_PATH / HIP_PATH (CMake or environment variable) alone when
# given, so an explicit choice is never silently replaced; otherwise /opt/rocm
# (and versioned /opt/rocm-X.Y.Z), then the system's packages.
function(hipquant_find_amd_toolchain)
  set(explicit_roots)
  foreach(v ROCM_PATH HIP_PATH)
    if(DEFINED ${v} AND NOT "${${v}}" STREQUAL "")
      list(APPEND explicit_roots "${${v}}")
    elseif(DEFINED ENV{${v}} AND NOT "$ENV{${v}}" STREQUAL "")
      list(APPEND explicit_roots "$ENV{${v}}")
    endif()
  endforeach()
  if(explicit_roots)
    set(where HINTS ${explicit_roots} NO_DEFAULT_PATH)
    set(where_text "ROCM_PATH/HIP_PATH (${explicit_roots})")
  else()
    file(GLOB versioned LIST_DIRECTORIES true /opt/rocm-*)
    list(SORT versioned COMPARE NATURAL ORDER DESCENDING)
    set(where HINTS /opt/rocm ${versioned})
    set(where_text "/opt/rocm, /opt/rocm-*, then the system")
  endif()

  # A changed ROCM_PATH / HIP_PATH searches afresh instead of keeping the
  # previously found installation.
  if(DEFINED HIPQUANT_AMD_SEARCHED AND NOT "${HIPQUANT_AMD_SEARCHED}" STREQUAL "${where_text}")
    unset(HIPQUANT_KERNEL_COMPILER CACHE)
    unset(HIPQUANT_HIP_INCLUDE_DIR CACHE)
    unset(HIPQUANT_HIP_LIBRARY CACHE)
  endif()
  set(HIPQUANT_AMD_SEARCHED "${where_text}" CACHE INTERNAL "where the AMD toolchain was looked for")
  find_program(HIPQUANT_KERNEL_COMPILER hipcc ${where} PATH_SUFFIXES bin
    DOC "hipcc that compiles kernels/*.hip")
  # Headers and runtime from the same installation as hipcc first.
  set(root_hint)
  if(HIPQUANT_KERNEL_COMPILER)
    get_filename_component(root_hint "${HIPQUANT_KERNEL_COMPILER}" DIRECTORY)
    get_filename_component(root_hint "${root_hint}" DIRECTORY)
  endif()
  find_path(HIPQUANT_HIP_INCLUDE_DIR hip/hip_runtime_api.h HINTS ${root_hint} ${where} PATH_SUFFIXES include)
  find_library(HIPQUANT_HIP_LIBRARY amdhip64 HINTS ${root_hint} ${where} PATH_SUFFIXES lib lib64)
  if(NOT HIPQUANT_KERNEL_COMPILER OR NOT HIPQUANT_HIP_INCLUDE_DIR OR NOT HIPQUANT_HIP_LIBRARY)
    message(FATAL_ERROR "hipquant: HIPQUANT_PLATFORM=amd needs hipcc, hip/hip_runtime_api.h and "
      "libamdhip64, searched in ${where_text}. Install ROCm under /opt/rocm, or Debian's packages "
      "(apt-get install hipcc libamdhip64-dev), or set ROCM_PATH. "
      "Found: hipcc='${HIPQUANT_KERNEL_COMPILER}' include='${HIPQUANT_HIP_INCLUDE_DIR}' "
      "lib='${HIPQUANT_HIP_LIBRARY}'")
  endif()

  # Versions: hipcc --version names HIP and clang; a verbose probe compile names the
  # clang binary and the device-library bitcode it links.
  execute_process(COMMAND ${HIPQUANT_KERNEL_COMPILER} --version
    OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  set(hip_version "unknown")
  set(clang_version "unknown")
  if(out MATCHES "HIP version: ([^\n]+)")
    string(STRIP "${CMAKE_MATCH_1}" hip_version)
  endif()
  if(out MATCHES "([^\n]*clang version [^\n]+)")
    string(STRIP "${CMAKE_MATCH_1}" clang_version)
  endif()

  set(probe_dir ${CMAKE_BINARY_DIR}/hipquant-probe)
  file(MAKE_DIRECTORY ${probe_dir})
  file(WRITE ${probe_dir}/probe.hip
    "// Written by cmake/HipquantAmdToolchain.cmake: can the toolchain build for a target?\n"
    "#include <hip/hip_runtime.h>\n"
    "extern \"C\" __global__ void hq_probe(int* p) { p[threadIdx.x] += 1; }\n")
  # The first known target the compiler accepts names the clang and libraries.
  foreach(t IN LISTS HIPQUANT_AMD_KNOWN_TARGETS)
    execute_process(COMMAND ${HIPQUANT_KERNEL_COMPILER} --genco --offload-arch=${t}
        ${probe_dir}/probe.hip -o ${probe_dir}/verbose.co -v
      WORKING_DIRECTORY ${probe_dir} OUTPUT_VARIABLE dry ERROR_VARIABLE dry_err RESULT_VARIABLE dry_rc)
    string(APPEND dry "${dry_err}")
    if(dry_rc EQUAL 0)
      break()
    endif()
  endforeach()
  set(clang "unknown")
  if(dry MATCHES "\"([^\"]*/clang[^\"/]*)\" \"?-cc1")
    set(clang "${CMAKE_MATCH_1}")
  endif()
  set(device_libs "not found")
  set(device_libs_version "")
  if(dry MATCHES "\"?([^\" ]*)/ocml\\.bc")
    set(device_libs "${CMAKE_MATCH_1}")
    # The version of whatever installed them: a Debian package, or ROCm's .info.
    find_program(hq_dpkg_query dpkg-query)
    find_program(hq_dpkg dpkg)
    if(hq_dpkg AND hq_dpkg_query)
      execute_process(COMMAND ${hq_dpkg} -S "${device_libs}/ocml.bc"
        OUTPUT_VARIABLE owner ERROR_QUIET RESULT_VARIABLE owner_rc)
      if(owner_rc EQUAL 0 AND owner MATCHES "^([^:]+):")
        set(pkg "${CMAKE_MATCH_1}")
        execute_process(COMMAND ${hq_dpkg_query} -W -f=\${Version} ${pkg}
          OUTPUT_VARIABLE pkg_version ERROR_QUIET)
        set(device_libs_version "${pkg} ${pkg_version}")
      endif()
    endif()
    if(device_libs_version STREQUAL "" AND EXISTS "${root_hint}/.info/version")
      file(STRINGS "${root_hint}/.info/version" rocm_version LIMIT_COUNT 1)
      set(device_libs_version "ROCm ${rocm_version}")
    endif()
    if(device_libs_version STREQUAL "")
      set(device_libs_version "version unknown")
    endif()
  endif()

  set(HIPQUANT_HIP_VERSION "${hip_version}" PARENT_SCOPE)
  set(HIPQUANT_CLANG "${clang}" PARENT_SCOPE)
  set(HIPQUANT_CLANG_VERSION "${clang_version}" PARENT_SCOPE)
  set(HIPQUANT_DEVICE_LIBS "${device_libs}" PARENT_SCOPE)
  set(HIPQUANT_DEVICE_LIBS_VERSION "${device_libs_version}" PARENT_SCOPE)
  message(STATUS "hipquant: AMD toolchain (searched ${where_text})")
  message(STATUS "hipquant:   hipcc        ${HIPQUANT_KERNEL_COMPILER} (HIP ${hip_version})")
  message(STATUS "hipquant:   clang        ${clang} (${clang_version})")
  message(STATUS "hipquant:   device libs  ${device_libs} (${device_libs_version})")
  message(STATUS "hipquant:   HIP runtime  ${HIPQUANT_HIP_LIBRARY}, headers ${HIPQUANT_HIP_INCLUDE_DIR}")
endfunction()

# Compiles the probe for each target. The compiles of one call run at once
# (execute_process runs its COMMANDs concurrently, as a pipeline; the probe
# reads no input and prints nothing); failures are compiled again alone for
# their message. Results are cached per toolchain, so a reconfigure is quick.
function(hipquant_probe_amd_targets targets kept_var dropped_var)
  set(key "${HIPQUANT_KERNEL_COMPILER}|${HIPQUANT_HIP_VERSION}|${HIPQUANT_CLANG_VERSION}|${HIPQUANT_DEVICE_LIBS}")
  if(NOT "${HIPQUANT_AMD_PROBE_KEY}" STREQUAL "${key}")
    get_cmake_property(cached CACHE_VARIABLES)
    foreach(v IN LISTS cached)
      if(v MATCHES "^HIPQUANT_AMD_PROBE_gfx")
        unset(${v} CACHE)
      endif()
    endforeach()
    set(HIPQUANT_AMD_PROBE_KEY "${key}" CACHE INTERNAL "toolchain the target probes ran with")
  endif()

  set(probe_dir ${CMAKE_BINARY_DIR}/hipquant-probe)
  set(todo)
  set(commands)
  foreach(t IN LISTS targets)
    string(MAKE_C_IDENTIFIER "${t}" id)
    if(NOT DEFINED HIPQUANT_AMD_PROBE_${id})
      list(APPEND todo "${t}")
      list(APPEND commands COMMAND ${HIPQUANT_KERNEL_COMPILER} --genco --offload-arch=${t}
        ${probe_dir}/probe.hip -o ${probe_dir}/probe-${id}.co)
    endif()
  endforeach()
  if(todo)
    execute_process(${commands} WORKING_DIRECTORY ${probe_dir}
      RESULTS_VARIABLE results OUTPUT_QUIET ERROR_QUIET)
    foreach(t r IN ZIP_LISTS todo results)
      string(MAKE_C_IDENTIFIER "${t}" id)
      if(r EQUAL 0)
        set(why "ok")
      else()
        execute_process(COMMAND ${HIPQUANT_KERNEL_COMPILER} --genco --offload-arch=${t}
            ${probe_dir}/probe.hip -o ${probe_dir}/probe-${id}.co
          WORKING_DIRECTORY ${probe_dir} RESULT_VARIABLE again OUTPUT_VARIABLE out ERROR_VARIABLE err)
        string(APPEND err "\n${out}")
        if(again EQUAL 0)
          set(why "ok")   # a failure of the concurrent run only
        elseif(err MATCHES "invalid target ID|unknown target|[Uu]nsupported")
          set(why "not a target of ${HIPQUANT_CLANG_VERSION}")
        elseif(err MATCHES "cannot find ROCm device library")
          set(why "no device library for it in ${HIPQUANT_DEVICE_LIBS}")
        elseif(err MATCHES "error: ([^\n]*)")
          set(why "${CMAKE_MATCH_1}")
        else()
          set(why "the probe compile failed (exit ${again})")
        endif()
      endif()
      set(HIPQUANT_AMD_PROBE_${id} "${why}" CACHE INTERNAL "can ${HIPQUANT_KERNEL_COMPILER} build ${t}")
    endforeach()
  endif()

  set(kept)
  set(dropped)
  foreach(t IN LISTS targets)
    string(MAKE_C_IDENTIFIER "${t}" id)
    if(HIPQUANT_AMD_PROBE_${id} STREQUAL "ok")
      list(APPEND kept "${t}")
    else()
      list(APPEND dropped "${t} (${HIPQUANT_AMD_PROBE_${id}})")
    endif()
  endforeach()
  set(${kept_var} "${kept}" PARENT_SCOPE)
  set(${dropped_var} "${dropped}" PARENT_SCOPE)
endfunction()
