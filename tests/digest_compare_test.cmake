# ecs-trace --digests and --compare: the particles workload recorded on one
# thread and on two gives equal digest logs (exit 0, "no divergence"); a
# run with other inputs (more agents) diverges (exit 3, a report naming
# the tick, group, system and component); a corrupt log is an error
# (exit 1); a bad command line a usage error (exit 2).
# -DECS_TRACE=<ecs-trace> -DOUT_DIR=<where the files go> [-DWITH_TRACE=ON: also with --out]
foreach(var ECS_TRACE OUT_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "digest_compare_test.cmake: -D${var}=... is required")
  endif()
endforeach()
file(MAKE_DIRECTORY ${OUT_DIR})

function(record name threads agents)
  execute_process(COMMAND ${ECS_TRACE} --workload particles --ticks 40 --threads ${threads} --agents ${agents}
                          --digests ${OUT_DIR}/${name}.dlog ${ARGN}
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 60)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "wrote the digest log")
    message(FATAL_ERROR "recording ${name} failed (${rc}):\n${out}\n${err}")
  endif()
endfunction()
record(one 1 400) # no trace: works with ECS_PROFILE=OFF too
record(two 2 400)
record(more 2 401)
if(WITH_TRACE) # and beside a trace
  record(traced 2 400 --out ${OUT_DIR}/traced.json)
endif()

function(compare a b want_rc want_text)
  execute_process(COMMAND ${ECS_TRACE} --compare ${a} ${b}
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 60)
  if(NOT rc EQUAL want_rc OR NOT "${out}${err}" MATCHES "${want_text}")
    message(FATAL_ERROR "ecs-trace --compare ${a} ${b}: exit ${rc}, wanted ${want_rc} and '${want_text}':\n${out}\n${err}")
  endif()
endfunction()
compare(${OUT_DIR}/one.dlog ${OUT_DIR}/two.dlog 0 "no divergence in ticks 1..40")
if(WITH_TRACE)
  compare(${OUT_DIR}/one.dlog ${OUT_DIR}/traced.dlog 0 "no divergence in ticks 1..40")
endif()
compare(${OUT_DIR}/one.dlog ${OUT_DIR}/more.dlog 3 "first divergence at tick [0-9]+: group '[a-z]+' system '[a-z_.]+'")
file(WRITE ${OUT_DIR}/bad.dlog "not a digest log")
compare(${OUT_DIR}/one.dlog ${OUT_DIR}/bad.dlog 1 "cannot load the digest log")
compare(${OUT_DIR}/one.dlog "" 2 "--compare takes two digest log files")
