# The public headers, their macros expanded in C++, and ecs.hpp compile
# without a warning under strict flags, with each C++ compiler given, in
# C++17 and C++20, without exceptions and with NDEBUG (tests/compile/cpp_strict.cpp).
# -DCOMPILERS=<list> -DSOURCE=<file> -DINCLUDE=<dir>
set(flags -Wall -Wextra -Wpedantic -Wshadow -Wold-style-cast -Wzero-as-null-pointer-constant -Werror)
set(failures "")
set(runs 0)
foreach(cxx ${COMPILERS})
  foreach(variant c++17 c++20 c++17-noexcept c++20-ndebug)
    set(extra "")
    if(variant STREQUAL "c++17-noexcept")
      set(std -std=c++17)
      set(extra -fno-exceptions)
    elseif(variant STREQUAL "c++20-ndebug") # ECS_TYPE_CHECKS 0: the unchecked accessors
      set(std -std=c++20)
      set(extra -DNDEBUG)
    else()
      set(std -std=${variant})
    endif()
    execute_process(COMMAND ${cxx} ${std} ${extra} -fsyntax-only ${flags} -I${INCLUDE} ${SOURCE}
      RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    math(EXPR runs "${runs} + 1")
    if(NOT rc EQUAL 0)
      string(APPEND failures "${cxx} ${variant}:\n${err}\n")
    endif()
  endforeach()
endforeach()
if(failures)
  message(FATAL_ERROR "${failures}")
endif()
message(STATUS "${runs} strict C++ compilations clean")
