# `cmake --install`: the static library, the public headers, a CMake package
# (find_package(libecs CONFIG) -> ecs::ecs) and a pkg-config file.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS ecs EXPORT libecsTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")
install(EXPORT libecsTargets NAMESPACE ecs:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/libecs)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/libecsConfig.cmake.in
  ${PROJECT_BINARY_DIR}/libecsConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/libecs)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/libecsConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/libecsConfig.cmake ${PROJECT_BINARY_DIR}/libecsConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/libecs)

# relocatable: the prefix is found from the .pc file's own place
file(RELATIVE_PATH ECS_PC_UP "/root/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/root")
configure_file(${PROJECT_SOURCE_DIR}/cmake/libecs.pc.in ${PROJECT_BINARY_DIR}/libecs.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/libecs.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
