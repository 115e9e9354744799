# 'lint' target: clang-format check, clang-tidy and cppcheck on src/, each
# with the configuration checked in at the repository root.
file(GLOB_RECURSE ECS_LINT_SOURCES CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/src/*.c ${CMAKE_SOURCE_DIR}/src/*.h ${CMAKE_SOURCE_DIR}/include/*.h)
file(GLOB_RECURSE ECS_FORMAT_SOURCES CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/src/*.[ch] ${CMAKE_SOURCE_DIR}/include/*.h ${CMAKE_SOURCE_DIR}/tests/*.[ch]
  ${CMAKE_SOURCE_DIR}/examples/*.[ch] ${CMAKE_SOURCE_DIR}/bench/*.[ch])
file(GLOB_RECURSE ECS_TIDY_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/*.c)
# the optional modules are checked only when built (their flags come from
# compile_commands.json)
foreach(_ecs_module json inspector)
  if(NOT TARGET ecs_${_ecs_module})
    list(FILTER ECS_TIDY_SOURCES EXCLUDE REGEX "/src/${_ecs_module}/")
  endif()
endforeach()
# only the platform backend this build compiles (the other one's system
# headers are not there)
if(WIN32)
  list(FILTER ECS_TIDY_SOURCES EXCLUDE REGEX "src/platform/platform_posix\\.c$")
else()
  list(FILTER ECS_TIDY_SOURCES EXCLUDE REGEX "src/platform/platform_win32\\.c$")
endif()
find_program(CLANG_FORMAT_EXECUTABLE NAMES clang-format clang-format-14)
find_program(CLANG_TIDY_EXECUTABLE NAMES clang-tidy clang-tidy-14)
find_program(CPPCHECK_EXECUTABLE cppcheck)
set(ECS_LINT_COMMANDS)
if(CLANG_FORMAT_EXECUTABLE)
  list(APPEND ECS_LINT_COMMANDS COMMAND ${CLANG_FORMAT_EXECUTABLE} --dry-run --Werror ${ECS_FORMAT_SOURCES})
endif()
if(CLANG_TIDY_EXECUTABLE)
  list(APPEND ECS_LINT_COMMANDS COMMAND ${CLANG_TIDY_EXECUTABLE} -p ${CMAKE_BINARY_DIR} --quiet
       --warnings-as-errors=* ${ECS_TIDY_SOURCES})
endif()
if(CPPCHECK_EXECUTABLE)
  list(APPEND ECS_LINT_COMMANDS COMMAND ${CPPCHECK_EXECUTABLE} --project=${CMAKE_BINARY_DIR}/compile_commands.json
       --file-filter=${CMAKE_SOURCE_DIR}/src/*
       --suppressions-list=${CMAKE_SOURCE_DIR}/.cppcheck-suppressions
       --enable=warning,performance,portability --inline-suppr --error-exitcode=1 --quiet
       -I${CMAKE_SOURCE_DIR}/include -I${CMAKE_SOURCE_DIR}/src)
endif()
if(ECS_LINT_COMMANDS)
  add_custom_target(lint ${ECS_LINT_COMMANDS} WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
    COMMENT "clang-format, clang-tidy, cppcheck")
else()
  add_custom_target(lint COMMAND ${CMAKE_COMMAND} -E echo "no lint tools found (install clang-format clang-tidy cppcheck)")
endif()
if(CLANG_FORMAT_EXECUTABLE)
  add_custom_target(format COMMAND ${CLANG_FORMAT_EXECUTABLE} -i ${ECS_FORMAT_SOURCES}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
endif()
