# Runs the boids demo with several thread counts; the final checksums must
# be identical (the scheduler's determinism contract, end to end).
# -DBOIDS=<path to the boids binary>
set(first "")
foreach(threads 1 2 4)
  execute_process(COMMAND ${BOIDS} --agents 2000 --ticks 120 --threads ${threads}
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
