# Warnings are errors on gcc and clang, for C and C++ sources alike.
function(ecs_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror -Wshadow
    $<$<COMPILE_LANGUAGE:C>:-Wstrict-prototypes>)
endfunction()
