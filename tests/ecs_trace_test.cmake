# Runs ecs-trace on every workload (2 threads, 20 ticks), then checks each
# trace with ecs_trace_check (valid JSON, one whole event per line, a tid on
# every event, spans nested per thread, the workload's span names, two
# thread tracks where the workload keeps both threads busy) and each metrics
# file with ecs_prom_check (the Prometheus text format 0.0.4), and with
# promtool too when it is installed. Then: a run killed halfway leaves a
# trace that loads, and --max-trace-mb keeps the trace under its cap.
# -DECS_TRACE=<ecs-trace> -DTRACE_CHECK=<ecs_trace_check>
# -DPROM_CHECK=<ecs_prom_check> -DOUT_DIR=<where the files go>
foreach(var ECS_TRACE TRACE_CHECK PROM_CHECK OUT_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "ecs_trace_test.cmake: -D${var}=... is required")
  endif()
endforeach()

set(names_particles tick particles particles.integrate particles.age particles.respawn respawn.scan wait apply)
set(threads_particles 2)
set(names_boids tick ai.steer physics.integrate physics.grid_build physics.collide life.hurt life.age life.spawn
    wait apply)
set(threads_boids 2)
set(names_mixed tick mixed.sim mixed.rules mixed.move mixed.burn mixed.regen mixed.ignite mixed.respawn wait apply)
set(threads_mixed 1)
set(families ecs_entities_alive ecs_component_memory_bytes ecs_ticks_total ecs_tick_duration_seconds
    ecs_system_duration_seconds ecs_commands_applied_total ecs_pool_queue_depth_high_water)

# --help documents every flag and exits 0; a usage error exits 2.
execute_process(COMMAND ${ECS_TRACE} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc TIMEOUT 10)
foreach(flag --workload --threads --ticks --out --metrics --agents --log-level --schedule --max-trace-mb --progress
             --help particles boids mixed)
  if(NOT rc EQUAL 0 OR NOT help MATCHES "${flag}")
    message(FATAL_ERROR "ecs-trace --help (exit ${rc}) does not document ${flag}:\n${help}")
  endif()
endforeach()
execute_process(COMMAND ${ECS_TRACE} --workload nope --out ${OUT_DIR}/nope.json
                ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 10)
if(NOT rc EQUAL 2)
  message(FATAL_ERROR "ecs-trace --workload nope exited with ${rc}, expected 2:\n${err}")
endif()

find_program(PROMTOOL promtool)

# Whether a worker thread gets work at all depends on the OS scheduler: on a
# loaded machine the ticking thread may run every task itself while the
# worker is not scheduled. So a trace on too few tracks is retried (twice);
# any other failure is final.
foreach(workload particles boids mixed)
  set(trace ${OUT_DIR}/ecs_trace_${workload}.json)
  set(metrics ${OUT_DIR}/ecs_trace_${workload}.prom)
  foreach(attempt 1 2 3)
    file(REMOVE ${trace} ${metrics})
    execute_process(COMMAND ${ECS_TRACE} --workload ${workload} --threads 2 --ticks 20 --out ${trace}
                            --metrics ${metrics}
                    OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 30)
    if(rc EQUAL 1 AND err MATCHES "ECS_PROFILE=OFF")
      message(STATUS "libecs built with ECS_PROFILE=OFF: no tracing, nothing to check (ecs-trace says: ${err})")
      return()
    endif()
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "ecs-trace --workload ${workload} exited with ${rc}:\n${out}${err}")
    endif()
    message(STATUS "${out}")
    execute_process(COMMAND ${TRACE_CHECK} ${trace} --min-threads ${threads_${workload}} ${names_${workload}}
                    OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 30)
    if(rc EQUAL 0)
      break()
    elseif(NOT err MATCHES "thread tracks" OR attempt EQUAL 3)
      message(FATAL_ERROR "ecs_trace_check ${trace} failed (${rc}):\n${out}${err}")
    endif()
    message(STATUS "attempt ${attempt}: ${err}")
  endforeach()
  message(STATUS "${out}")
  execute_process(COMMAND ${PROM_CHECK} ${metrics} ${families}
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 30)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "ecs_prom_check ${metrics} failed (${rc}):\n${out}${err}")
  endif()
  message(STATUS "${out}")
  if(PROMTOOL) # Prometheus's own parser and linter, when installed (Debian: prometheus)
    execute_process(COMMAND ${PROMTOOL} check metrics INPUT_FILE ${metrics}
                    OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 30)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "promtool check metrics ${metrics} failed (${rc}):\n${out}${err}")
    endif()
    message(STATUS "promtool check metrics: ok")
  endif()
endforeach()

# The checkers themselves must reject broken input.
file(READ ${OUT_DIR}/ecs_trace_particles.json good)
string(LENGTH "${good}" len)
math(EXPR cut "${len} - 8")
string(SUBSTRING "${good}" 0 ${cut} truncated)
set(bad_truncated "${truncated}")
set(bad_overlap [=[{"traceEvents":[
{"name":"a","ph":"X","ts":1.0,"dur":10.0,"pid":1,"tid":0},
{"name":"b","ph":"X","ts":5.0,"dur":10.0,"pid":1,"tid":0}]}]=])
set(bad_no_tid [=[{"traceEvents":[{"name":"a","ph":"X","ts":1.0,"dur":1.0,"pid":1}]}]=])
foreach(bad truncated overlap no_tid)
  file(WRITE ${OUT_DIR}/ecs_trace_bad_${bad}.json "${bad_${bad}}")
  execute_process(COMMAND ${TRACE_CHECK} ${OUT_DIR}/ecs_trace_bad_${bad}.json
                  OUTPUT_QUIET ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 30)
  if(NOT rc EQUAL 1)
    message(FATAL_ERROR "ecs_trace_check accepted a broken trace (${bad}): exit ${rc}")
  endif()
  message(STATUS "rejected as expected (${bad}): ${err}")
endforeach()
execute_process(COMMAND ${TRACE_CHECK} ${OUT_DIR}/ecs_trace_particles.json no.such.span
                OUTPUT_QUIET ERROR_QUIET RESULT_VARIABLE rc TIMEOUT 30)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "ecs_trace_check found a span that is not there: exit ${rc}")
endif()
file(WRITE ${OUT_DIR}/ecs_prom_bad.prom "# TYPE x counter\nx{a=\"b} 1\n")
execute_process(COMMAND ${PROM_CHECK} ${OUT_DIR}/ecs_prom_bad.prom
                OUTPUT_QUIET ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 30)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "ecs_prom_check accepted a broken exposition: exit ${rc}")
endif()
message(STATUS "rejected as expected: ${err}")

# --schedule: the schedule as JSON (parsed by the trace checker's JSON
# reader) and as DOT, rendered by Graphviz when it is installed.
execute_process(COMMAND ${ECS_TRACE} --workload mixed --threads 2 --ticks 5 --out ${OUT_DIR}/ecs_trace_sched.json
                        --schedule ${OUT_DIR}/ecs_schedule.dot
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err TIMEOUT 60)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ecs-trace --schedule failed (${rc}): ${err}")
endif()
file(READ ${OUT_DIR}/ecs_schedule.dot dot_text)
foreach(needle "digraph schedule" "conflict Health: write/write" "label=\"order\"" "label=\"after\"")
  string(FIND "${dot_text}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the schedule DOT lacks '${needle}':\n${dot_text}")
  endif()
endforeach()
find_program(DOT_EXECUTABLE dot)
if(DOT_EXECUTABLE)
  execute_process(COMMAND ${DOT_EXECUTABLE} -Tsvg ${OUT_DIR}/ecs_schedule.dot -o ${OUT_DIR}/ecs_schedule.svg
                  RESULT_VARIABLE rc ERROR_VARIABLE err TIMEOUT 60)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "Graphviz rejected the schedule DOT: ${err}")
  endif()
  message(STATUS "schedule DOT rendered by ${DOT_EXECUTABLE}")
else()
  message(STATUS "graphviz not installed: the schedule DOT was checked but not rendered")
endif()

# A run killed halfway (SIGKILL, when the timeout below ends it) leaves a
# trace cut between two events that loads as it is: the tool flushes after
# every tick. The kill may land while the kernel is writing one tick's
# batch, which can cut that batch: only that case is retried (twice); a
# writer that leaves half events at its flushes fails every time.
set(killed ${OUT_DIR}/ecs_trace_killed.json)
foreach(attempt 1 2 3)
  file(REMOVE ${killed})
  execute_process(COMMAND ${ECS_TRACE} --workload particles --threads 2 --ticks 10000000 --progress
                          --out ${killed}
                  OUTPUT_QUIET ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 3)
  if(rc EQUAL 0)
    message(FATAL_ERROR "ecs-trace ran 10000000 ticks in 3 s: it was not killed, nothing checked")
  endif()
  if(NOT err MATCHES "ecs-trace: [0-9]+/10000000 ticks, [0-9]+ ticks/s, trace [0-9.]+ MiB\n")
    message(FATAL_ERROR "ecs-trace --progress printed no progress line in 3 s:\n${err}")
  endif()
  execute_process(COMMAND ${TRACE_CHECK} ${killed} --cut tick particles.integrate
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 60)
  if(rc EQUAL 0)
    break()
  elseif(NOT err MATCHES "ends inside an event" OR attempt EQUAL 3)
    message(FATAL_ERROR "the trace of a killed ecs-trace does not load (${rc}):\n${out}${err}")
  endif()
  message(STATUS "attempt ${attempt}, killed during a write: ${err}")
endforeach()
message(STATUS "killed run: ${out}")
execute_process(COMMAND ${TRACE_CHECK} ${killed} OUTPUT_QUIET ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 60)
if(NOT rc EQUAL 1 OR NOT err MATCHES "cut short")
  message(FATAL_ERROR "ecs_trace_check accepted a trace without its \"]\" without --cut: exit ${rc}\n${err}")
endif()
file(REMOVE ${killed}) # tens of MB
# and the checker rejects a trace cut inside an event, even with --cut
execute_process(COMMAND ${TRACE_CHECK} ${OUT_DIR}/ecs_trace_bad_truncated.json --cut
                OUTPUT_QUIET ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 60)
if(NOT rc EQUAL 1 OR NOT err MATCHES "ends inside an event")
  message(FATAL_ERROR "ecs_trace_check --cut accepted a trace cut inside an event: exit ${rc}\n${err}")
endif()
message(STATUS "rejected as expected (cut inside an event, with --cut): ${err}")

# --max-trace-mb 1: the trace stops below 1 MiB, whole ticks only, the
# ticks go on, the dropped spans are reported and the file is closed.
set(capped ${OUT_DIR}/ecs_trace_capped.json)
execute_process(COMMAND ${ECS_TRACE} --workload particles --threads 2 --ticks 400 --max-trace-mb 1 --out ${capped}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 60)
if(NOT rc EQUAL 0 OR NOT out MATCHES "400 ticks" OR NOT out MATCHES "[1-9][0-9]* dropped, --max-trace-mb reached")
  message(FATAL_ERROR "ecs-trace --max-trace-mb 1 (exit ${rc}):\n${out}${err}")
endif()
file(SIZE ${capped} size)
if(size GREATER 1048576 OR size LESS 524288)
  message(FATAL_ERROR "ecs-trace --max-trace-mb 1 wrote ${size} bytes, expected just under 1048576")
endif()
execute_process(COMMAND ${TRACE_CHECK} ${capped} tick particles.integrate
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 60)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the capped trace (${size} bytes) is not valid (${rc}):\n${out}${err}")
endif()
file(STRINGS ${capped} last REGEX "\"events dropped\".*\"size_cap_reached\":true")
if(NOT last)
  message(FATAL_ERROR "the capped trace does not end with its 'events dropped' event")
endif()
message(STATUS "capped run: ${size} bytes, ${out}")
