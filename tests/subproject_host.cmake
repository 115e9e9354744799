# A C-only host that builds libecs with add_subdirectory: its C++ compiler
# is bogus (libecs must not need one), its CMAKE_C_FLAGS carry extra
# warnings (-Wconversion -Wcast-qual -Wnull-dereference -Wshadow, at -O2 so
# that -Wnull-dereference looks), which may warn but must not stop the
# build. Its program runs, and its `cmake --install` installs nothing of
# libecs, unless the host asks for it with ECS_INSTALL=ON.
# -DSOURCE_DIR=<libecs> -DWORK=<scratch> -DC_COMPILER=<cc>
file(REMOVE_RECURSE ${WORK})
file(WRITE ${WORK}/host/CMakeLists.txt "cmake_minimum_required(VERSION 3.21)
project(host LANGUAGES C)
add_subdirectory(\"${SOURCE_DIR}\" libecs)
add_executable(host_app main.c)
target_link_libraries(host_app PRIVATE ecs::ecs)
install(TARGETS host_app DESTINATION bin)
")
file(WRITE ${WORK}/host/main.c [=[
#include <ecs.h>
#include <stdio.h>
int main(void) {
  ecs_world_t *w = ecs_world_new(NULL);
  int ok = w != NULL && ecs_entity_create(w) != ECS_ENTITY_NULL;
  printf("host with libecs %s: %s\n", ecs_version(), ok ? "ok" : "wrong");
  ecs_world_free(w);
  return ok ? 0 : 1;
}
]=])
set(host_flags "-Wall -Wextra -Wconversion -Wcast-qual -Wnull-dereference -Wshadow")
execute_process(COMMAND ${CMAKE_COMMAND} -S ${WORK}/host -B ${WORK}/build -DCMAKE_C_COMPILER=${C_COMPILER}
                        -DCMAKE_CXX_COMPILER=/nonexistent/bin/c++ -DCMAKE_BUILD_TYPE=Release
                        "-DCMAKE_C_FLAGS=${host_flags}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring a C-only host (bogus C++ compiler) that adds libecs failed:\n${out}\n${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK}/build -j 2
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building libecs under the host's flags (${host_flags}) failed:\n${out}\n${err}")
endif()
# warnings are the host's business, but say how many libecs gave
string(REGEX MATCHALL "[^\n]*/src/[^\n]*: warning: [^\n]*" warnings "${out}\n${err}")
list(REMOVE_DUPLICATES warnings)
list(LENGTH warnings n_warnings)
message(STATUS "libecs under ${host_flags}: ${n_warnings} warnings in src/")
foreach(w ${warnings})
  message(STATUS "  ${w}")
endforeach()
execute_process(COMMAND ${WORK}/build/host_app RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out MATCHES ": ok")
  message(FATAL_ERROR "the host program failed: ${out}")
endif()

# the host's install: its program, nothing of libecs
execute_process(COMMAND ${CMAKE_COMMAND} --install ${WORK}/build --prefix ${WORK}/prefix
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT EXISTS ${WORK}/prefix/bin/host_app)
  message(FATAL_ERROR "the host's cmake --install failed:\n${out}\n${err}")
endif()
file(GLOB_RECURSE installed RELATIVE ${WORK}/prefix ${WORK}/prefix/*)
if(NOT installed STREQUAL "bin/host_app")
  message(FATAL_ERROR "the host's cmake --install put libecs into its prefix: ${installed}")
endif()
message(STATUS "host install: ${installed} only")

# ECS_INSTALL=ON: the host asks for libecs' install rules
execute_process(COMMAND ${CMAKE_COMMAND} -DECS_INSTALL=ON ${WORK}/build RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "reconfiguring the host with ECS_INSTALL=ON failed:\n${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK}/build -j 2 RESULT_VARIABLE rc OUTPUT_QUIET)
execute_process(COMMAND ${CMAKE_COMMAND} --install ${WORK}/build --prefix ${WORK}/prefix-ecs
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(GLOB_RECURSE lib ${WORK}/prefix-ecs/*/libecs.a)
file(GLOB_RECURSE config ${WORK}/prefix-ecs/*/libecsConfig.cmake)
if(NOT rc EQUAL 0 OR NOT EXISTS ${WORK}/prefix-ecs/include/ecs.h OR NOT lib OR NOT config)
  message(FATAL_ERROR "with ECS_INSTALL=ON the host's install lacks libecs:\n${out}\n${err}")
endif()
message(STATUS "with ECS_INSTALL=ON the host installs libecs too")
