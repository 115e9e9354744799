# Fails when a file under DIRS (a comma-separated list of directories),
# outside any src/platform folder, names an OS interface the platform
# layer (src/platform/platform.h) wraps: pthreads, POSIX clocks and process
# calls, <windows.h> and the Win32 calls the layer uses. Comments count
# too, so that an example in a comment is never copied into code.
# -DDIRS=<dir,dir...>
set(patterns
  "pthread_[a-z_]+" "<pthread\\.h>" "<unistd\\.h>" "<sys/[a-z_]+\\.h>" "<windows\\.h>" "<process\\.h>"
  "clock_gettime" "nanosleep" "usleep" "sched_yield" "sysconf" "getpid" "gettid" "_beginthreadex"
  "CreateThread" "WaitForSingleObject" "QueryPerformance[A-Za-z]+" "GetCurrentThread[A-Za-z]*"
  "GetCurrentProcessId" "SetThreadDescription" "GetActiveProcessorCount" "GetSystemInfo"
  "[A-Za-z]+SRWLock[A-Za-z]*" "[A-Za-z]+ConditionVariable[A-Za-z]*" "Sleep[ ]*\\(")
string(JOIN "|" regex ${patterns})
string(REPLACE "," ";" dirs "${DIRS}")
set(found "")
set(checked 0)
foreach(dir ${dirs})
  if(NOT IS_DIRECTORY "${dir}")
    message(FATAL_ERROR "not a directory: ${dir}")
  endif()
  file(GLOB_RECURSE files ${dir}/*.c ${dir}/*.h ${dir}/*.cpp ${dir}/*.hpp)
  foreach(f ${files})
    # the optional inspector module hands libmicrohttpd a socket address
    # (<sys/socket.h>, <netinet/in.h>): it is POSIX-only by design
    # (docs/inspector.md) and not part of the core library
    if(f MATCHES "/src/platform/" OR f MATCHES "/src/inspector/")
      continue()
    endif()
    math(EXPR checked "${checked} + 1")
    file(STRINGS ${f} lines REGEX "${regex}")
    foreach(line ${lines})
      string(REGEX MATCH "${regex}" what "${line}")
      string(APPEND found "\n  ${f}: ${what}")
    endforeach()
  endforeach()
endforeach()
if(checked EQUAL 0)
  message(FATAL_ERROR "no source files under ${DIRS}")
endif()
if(NOT found STREQUAL "")
  message(FATAL_ERROR "OS calls outside src/platform (use src/platform/platform.h):${found}")
endif()
message(STATUS "${checked} files, no OS call outside src/platform")
