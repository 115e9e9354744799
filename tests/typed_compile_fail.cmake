# A typed call given a value of the wrong type does not compile, in C and
# in C++ (tests/compile/typed_mismatch.c); the control case does.
# -DCC=<C compiler> -DCXX=<C++ compiler> -DSOURCE=<file> -DINCLUDE=<dir>
set(failures "")
foreach(lang c c++)
  if(lang STREQUAL "c")
    set(compiler ${CC})
    set(std -std=c11)
    set(cases 0 1 2 3 4)
  else()
    set(compiler ${CXX})
    set(std -std=c++17)
    set(cases 0 1 2 3 4 5)
  endif()
  foreach(case ${cases})
    execute_process(
      COMMAND ${compiler} -x ${lang} ${std} -fsyntax-only -Wall -Wextra -Werror -DCASE=${case} -I${INCLUDE} ${SOURCE}
      RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(case EQUAL 0 AND NOT rc EQUAL 0)
      string(APPEND failures "${lang} control case does not compile:\n${err}\n")
    elseif(NOT case EQUAL 0 AND rc EQUAL 0)
      string(APPEND failures "${lang} case ${case} compiles, but a mismatched type must not\n")
    endif()
  endforeach()
endforeach()
if(failures)
  message(FATAL_ERROR "${failures}")
endif()
message(STATUS "mismatched typed calls are compile errors in C and C++")
