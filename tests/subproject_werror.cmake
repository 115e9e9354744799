# A host that builds libecs with add_subdirectory gets the warning flags but
# never -Werror (its compiler may warn where ours does not); our own build
# (top level, ECS_WERROR defaults to ON) keeps -Werror.
# -DSOURCE_DIR=<libecs> -DWORK=<scratch> -DTOP_BUILD=<this build> -DTOP_WERROR=<ON|OFF>
# -DC_COMPILER=... -DCXX_COMPILER=...
file(REMOVE_RECURSE ${WORK})
file(WRITE ${WORK}/host/CMakeLists.txt
  "cmake_minimum_required(VERSION 3.21)\nproject(host C CXX)\nadd_subdirectory(\"${SOURCE_DIR}\" libecs)\n")
execute_process(COMMAND ${CMAKE_COMMAND} -S ${WORK}/host -B ${WORK}/build -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
                        -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring a host that adds libecs as a subdirectory failed:\n${out}\n${err}")
endif()
file(READ ${WORK}/build/compile_commands.json host_commands)
if(NOT host_commands MATCHES "src/world\\.c" OR NOT host_commands MATCHES "-Wall -Wextra")
  message(FATAL_ERROR "the host's compile_commands.json does not build libecs with its warnings:\n${host_commands}")
endif()
if(host_commands MATCHES "-Werror")
  message(FATAL_ERROR "-Werror is forced on a host that adds libecs as a subdirectory")
endif()
message(STATUS "subproject: warnings on, -Werror off")

file(READ ${TOP_BUILD}/compile_commands.json top_commands)
if(TOP_WERROR AND NOT top_commands MATCHES "-Werror")
  message(FATAL_ERROR "ECS_WERROR is ON but this build compiles without -Werror")
elseif(NOT TOP_WERROR AND top_commands MATCHES "-Werror")
  message(FATAL_ERROR "ECS_WERROR is OFF but this build compiles with -Werror")
endif()
message(STATUS "top level: ECS_WERROR=${TOP_WERROR}")
