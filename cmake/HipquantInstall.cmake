# cmake --install support and the package config for find_package(hipquant).
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/hipquant DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS hipquant hipquant_core hipquant_platform hipquant_shared
  EXPORT hipquantTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT hipquantTargets NAMESPACE hipquant::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/hipquant)

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/hipquantConfig.cmake.in
  ${CMAKE_BINARY_DIR}/hipquantConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/hipquant)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/hipquantConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/hipquantConfig.cmake ${CMAKE_BINARY_DIR}/hipquantConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/hipquant)

# pkg-config for the C API (libhipquant.so): relocatable, its prefix found
# from the .pc file's own place (lib[/<multiarch>]/pkgconfig).
file(RELATIVE_PATH hq_pc_to_prefix /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" hq_pc_to_prefix "${hq_pc_to_prefix}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/hipquant.pc.in ${CMAKE_BINARY_DIR}/hipquant.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/hipquant.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
