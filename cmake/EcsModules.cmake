# Optional modules, outside the core libecs (docs/adr/0009): each is built
# only when its Debian package is found, and skipped with a message naming
# the package otherwise. The core library never links them.
#   ecs_json       JSON values, entities, worlds (jansson: libjansson-dev)
#   ecs_inspector  HTTP inspector and its page (libmicrohttpd-dev + ecs_json),
#                  only with -DECS_BUILD_INSPECTOR=ON
option(ECS_BUILD_JSON "Build the JSON module (ecs_json) when jansson is found" ON)
option(ECS_BUILD_INSPECTOR "Build the HTTP inspector (ecs_inspector; needs libmicrohttpd and the JSON module)" OFF)

find_package(PkgConfig QUIET)
# a cross build's pkg-config describes the build machine's libraries, not
# the target's: the modules are left out there
if(CMAKE_CROSSCOMPILING)
  set(PKG_CONFIG_FOUND FALSE)
  message(STATUS "libecs: optional modules skipped in a cross build (their libraries are the build machine's)")
endif()

# A module library of the same kind as libecs, with its visibility rules.
function(ecs_add_module name)
  add_library(${name} ${ECS_LIBRARY_TYPE} ${ARGN})
  target_link_libraries(${name} PUBLIC ecs)
  set_target_properties(${name} PROPERTIES C_VISIBILITY_PRESET hidden)
  if(ECS_LIBRARY_TYPE STREQUAL "SHARED")
    set_target_properties(${name} PROPERTIES VERSION ${PROJECT_VERSION}
      SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR} DEFINE_SYMBOL ECS_EXPORTS)
  else()
    set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ${ECS_PIC})
  endif()
  ecs_target_warnings(${name})
  if(NOT PROJECT_IS_TOP_LEVEL) # in a host's build: only when the host links it
    set_target_properties(${name} PROPERTIES EXCLUDE_FROM_ALL TRUE)
  endif()
  if(ECS_COVERAGE) # counted in the src/ line coverage with the core
    target_compile_options(${name} PRIVATE --coverage -O0 -fprofile-update=atomic)
    target_link_options(${name} PUBLIC --coverage)
  endif()
endfunction()

if(ECS_BUILD_JSON)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(JANSSON QUIET IMPORTED_TARGET jansson)
  endif()
  if(TARGET PkgConfig::JANSSON)
    ecs_add_module(ecs_json src/json/json_write.c src/json/json_read.c)
    add_library(ecs::json ALIAS ecs_json)
    target_link_libraries(ecs_json PRIVATE PkgConfig::JANSSON m)
    message(STATUS "libecs: JSON module ecs_json enabled (jansson ${JANSSON_VERSION})")
  else()
    message(STATUS "libecs: JSON module skipped: jansson not found (apt-get install libjansson-dev)")
  endif()
endif()

if(ECS_BUILD_INSPECTOR)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(MICROHTTPD QUIET IMPORTED_TARGET libmicrohttpd)
  endif()
  if(NOT TARGET ecs_json)
    message(STATUS "libecs: inspector skipped: it needs the JSON module (apt-get install libjansson-dev)")
  elseif(NOT TARGET PkgConfig::MICROHTTPD)
    message(STATUS "libecs: inspector skipped: libmicrohttpd not found (apt-get install libmicrohttpd-dev)")
  else()
    # the page is built into the library (no file to install or find)
    set(_ecs_page ${PROJECT_SOURCE_DIR}/src/inspector/page.html)
    set(_ecs_page_c ${PROJECT_BINARY_DIR}/generated/inspector_page.c)
    add_custom_command(OUTPUT ${_ecs_page_c}
      COMMAND ${CMAKE_COMMAND} -DIN=${_ecs_page} -DOUT=${_ecs_page_c} -DNAME=ecs__inspector_page
              -P ${PROJECT_SOURCE_DIR}/cmake/EcsEmbed.cmake
      DEPENDS ${_ecs_page} ${PROJECT_SOURCE_DIR}/cmake/EcsEmbed.cmake
      COMMENT "Embedding the inspector page")
    ecs_add_module(ecs_inspector src/inspector/inspector.c src/inspector/inspector_api.c ${_ecs_page_c})
    add_library(ecs::inspector ALIAS ecs_inspector)
    target_link_libraries(ecs_inspector PUBLIC ecs_json PRIVATE PkgConfig::MICROHTTPD PkgConfig::JANSSON)
    message(STATUS "libecs: inspector ecs_inspector enabled (libmicrohttpd ${MICROHTTPD_VERSION})")
  endif()
endif()
