# `cmake --install`: the library (static, or shared with its soname links),
# the public headers, a CMake package (find_package(libecs CONFIG) ->
# ecs::ecs, which carries the library's type and ECS_STATIC for a static
# one) and a pkg-config file. Included only when ECS_INSTALL is ON.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS ecs EXPORT libecsTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")
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
# a static library's users get ECS_STATIC, as through the CMake package
if(ECS_LIBRARY_TYPE STREQUAL "SHARED")
  set(ECS_PC_CFLAGS "")
else()
  set(ECS_PC_CFLAGS " -DECS_STATIC")
endif()
if(WIN32)
  set(ECS_PC_THREADS "") # Win32 threads come with the system
else()
  set(ECS_PC_THREADS "-pthread ")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/libecs.pc.in ${PROJECT_BINARY_DIR}/libecs.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/libecs.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
