# cmake --install support and the package config for find_package(hipquant).
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/hipquant DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS hipquant hipquant_core hipquant_platform
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
