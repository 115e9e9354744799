# Runs the boids demo with several thread counts; the final checksums must
# be identical (the scheduler's determinism contract, end to end).
# -DBOIDS=<path to the boids binary>
# -DEMULATOR=<runner;args> (optional): runs BOIDS through it (a cross
#   build's Wine or node, CMAKE_CROSSCOMPILING_EMULATOR)
# -DNATIVE=<path to a native boids binary> (optional): its checksum, with
#   the same arguments, must be the same too (one platform's build against
#   another's)
# -DTHREADS=<n,n,...> (optional): the --threads values, default 1,2,4
set(args --agents 2000 --ticks 120)
if(NOT THREADS)
  set(THREADS 1,2,4)
endif()
string(REPLACE "," ";" thread_counts "${THREADS}")
set(first "")
foreach(threads ${thread_counts})
  execute_process(COMMAND ${EMULATOR} ${BOIDS} ${args} --threads ${threads}
                  OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "boids --threads ${threads} exited with ${rc}:\n${out}")
  endif()
  string(REGEX MATCH "checksum [0-9a-f]+" sum "${out}")
  if(sum STREQUAL "")
    message(FATAL_ERROR "boids --threads ${threads} printed no checksum:\n${out}")
  endif()
  if(first STREQUAL "")
    set(first "${sum}")
  elseif(NOT sum STREQUAL first)
    message(FATAL_ERROR "boids --threads ${threads}: ${sum}, but --threads 1: ${first}")
  endif()
  message(STATUS "--threads ${threads}: ${sum}")
endforeach()
if(NATIVE)
  execute_process(COMMAND ${NATIVE} ${args} --threads 2 OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  string(REGEX MATCH "checksum [0-9a-f]+" sum "${out}")
  if(NOT rc EQUAL 0 OR sum STREQUAL "")
    message(FATAL_ERROR "native boids (${NATIVE}) exited with ${rc}:\n${out}")
  endif()
  if(NOT sum STREQUAL first)
    message(FATAL_ERROR "this build: ${first}, the native build: ${sum}")
  endif()
  message(STATUS "native build: ${sum}, the same")
endif()
