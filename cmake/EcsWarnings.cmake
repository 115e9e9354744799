# Warnings for gcc and clang, for C and C++ sources alike. ECS_WERROR (an
# option of the top-level CMakeLists.txt) makes them errors: ON by default
# only when libecs is the top-level project (our CI, presets and
# scripts/test.sh), OFF in a host that builds libecs with add_subdirectory,
# whose compiler may warn about things ours does not.
function(ecs_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
    $<$<COMPILE_LANGUAGE:C>:-Wstrict-prototypes>)
  if(ECS_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
