# Runs metrics_server --self-check: it listens on 127.0.0.1 (a free port),
# ticks a small boids world and scrapes itself over loopback (GET /metrics,
# a 404 and an oversized request), checking status lines and headers; then
# the body it received is checked with ecs_prom_check.
# -DMETRICS_SERVER=<metrics_server> -DPROM_CHECK=<ecs_prom_check> -DOUT_DIR=<dir>
foreach(var METRICS_SERVER PROM_CHECK OUT_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "metrics_server_test.cmake: -D${var}=... is required")
  endif()
endforeach()

set(body ${OUT_DIR}/metrics_server_body.prom)
file(REMOVE ${body})
execute_process(COMMAND ${METRICS_SERVER} --port 0 --self-check --dump ${body} --seconds 15
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 30)
if(rc EQUAL 1 AND err MATCHES "ECS_PROFILE=OFF")
  message(STATUS "libecs built with ECS_PROFILE=OFF: no metrics to serve (metrics_server says: ${err})")
  return()
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "metrics_server --self-check exited with ${rc}:\n${out}${err}")
endif()
if(NOT out MATCHES "listening on 127\\.0\\.0\\.1:[1-9][0-9]*")
  message(FATAL_ERROR "metrics_server did not say where it listens:\n${out}")
endif()
message(STATUS "${out}")
execute_process(COMMAND ${PROM_CHECK} ${body} ecs_tick_duration_seconds ecs_system_duration_seconds
                        ecs_entities_alive metrics_server_requests_total
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 30)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ecs_prom_check ${body} failed (${rc}):\n${out}${err}")
endif()
message(STATUS "${out}")
find_program(PROMTOOL promtool)
if(PROMTOOL) # Prometheus's own parser and linter, when installed (Debian: prometheus)
  execute_process(COMMAND ${PROMTOOL} check metrics INPUT_FILE ${body}
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 30)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "promtool check metrics ${body} failed (${rc}):\n${out}${err}")
  endif()
  message(STATUS "promtool check metrics: ok")
endif()
