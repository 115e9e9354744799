# The command lines of the examples and ecs_bench (examples/common/cli.h):
# --help prints every flag to stdout and exits 0; a bad number, an unknown
# flag, a missing value or a stray argument exits 2 naming the program, the
# flag and the value on stderr; an output file that cannot be opened exits 1
# naming the flag, the path and the reason.
# -DBOIDS=... -DTWO_GROUPS=... -DMETRICS_SERVER=... -DECS_TRACE=... [-DECS_BENCH=...] -DOUT_DIR=<dir>
foreach(var BOIDS TWO_GROUPS METRICS_SERVER ECS_TRACE OUT_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "cli_test.cmake: -D${var}=... is required")
  endif()
endforeach()

function(fail msg)
  message(SEND_ERROR "${msg}")
endfunction()

# expect_help(<exe> <flag>...): exit 0, each flag on stdout, nothing on stderr
function(expect_help exe)
  execute_process(COMMAND ${exe} --help OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 20)
  if(NOT rc EQUAL 0)
    fail("${exe} --help exited with ${rc}, expected 0:\n${out}${err}")
  endif()
  if(NOT err STREQUAL "")
    fail("${exe} --help wrote to stderr:\n${err}")
  endif()
  foreach(flag ${ARGN} --help)
    string(REGEX REPLACE "([.+*?])" "\\\\\\1" re "${flag}")
    if(NOT out MATCHES "\n *(-[a-z], )?${re}[ =\n]")
      fail("${exe} --help does not list ${flag}:\n${out}")
    endif()
  endforeach()
  execute_process(COMMAND ${exe} -h OUTPUT_VARIABLE short RESULT_VARIABLE rc TIMEOUT 20)
  if(NOT rc EQUAL 0 OR NOT short STREQUAL out)
    fail("${exe} -h (exit ${rc}) is not --help")
  endif()
endfunction()

# expect_exit(<code> <exe> <regex for stderr> <args>...)
function(expect_exit code exe regex)
  execute_process(COMMAND ${exe} ${ARGN} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 60)
  if(NOT rc EQUAL code)
    fail("${exe} ${ARGN}: exit ${rc}, expected ${code}:\n${out}${err}")
  elseif(NOT err MATCHES "${regex}")
    fail("${exe} ${ARGN}: stderr does not match '${regex}':\n${err}")
  else()
    string(STRIP "${err}" err)
    string(REPLACE ";" " " args "${ARGN}")
    message(STATUS "${args} -> ${rc}: ${err}")
  endif()
endfunction()

# expect_bad_number(<exe> <prog> <flag> <value> [<other args>...]): exit 2,
# "prog: flag: 'value' is not ..."
function(expect_bad_number exe prog flag value)
  string(REGEX REPLACE "([.+*?^$])" "\\\\\\1" v "${value}")
  expect_exit(2 ${exe} "^${prog}: ${flag}: '${v}' is not (an integer|a number|one of)" ${ARGN} ${flag} ${value})
endfunction()

# Usage errors every program shares: unknown flag, missing value, stray argument.
function(expect_usage_errors exe prog number_flag)
  expect_exit(2 ${exe} "^${prog}: unknown option '--no-such-flag' \\(try '${prog} --help'\\)" --no-such-flag)
  expect_exit(2 ${exe} "^${prog}: missing value for '${number_flag}' \\(try '${prog} --help'\\)" ${number_flag})
  expect_exit(2 ${exe} "^${prog}: unexpected argument 'stray' \\(try '${prog} --help'\\)" stray)
endfunction()

# boids: the headline demo
expect_help(${BOIDS} --agents --ticks --threads --seed --trace --rss-growth-mb --snapshot-every)
expect_bad_number(${BOIDS} boids --ticks 1e3)
expect_bad_number(${BOIDS} boids --ticks 0)
expect_bad_number(${BOIDS} boids --ticks 12abc)
expect_bad_number(${BOIDS} boids --ticks " 5")
expect_bad_number(${BOIDS} boids --seed abc)
expect_bad_number(${BOIDS} boids --seed -1)
expect_bad_number(${BOIDS} boids --seed 18446744073709551616)
expect_bad_number(${BOIDS} boids --threads -2)
expect_bad_number(${BOIDS} boids --threads 257)
expect_bad_number(${BOIDS} boids --agents 99999999999999999999)
expect_bad_number(${BOIDS} boids --agents 10000001)
expect_bad_number(${BOIDS} boids --rss-growth-mb -1)
expect_bad_number(${BOIDS} boids --snapshot-every 1.5)
expect_bad_number(${BOIDS} boids --inspect 65536)
expect_bad_number(${BOIDS} boids --inspect abc)
expect_usage_errors(${BOIDS} boids --ticks)
expect_exit(1 ${BOIDS} "^boids: --trace: cannot open '${OUT_DIR}/no/such/dir/x\\.json': No such file or directory"
            --trace ${OUT_DIR}/no/such/dir/x.json --ticks 1 --agents 10)
# the good cases still run: --threads auto, --flag=value, the limits
foreach(args "--threads;auto" "--threads=1" "--seed;18446744073709551615;--threads;1")
  execute_process(COMMAND ${BOIDS} --agents 50 --ticks 2 ${args} OUTPUT_VARIABLE out ERROR_VARIABLE err
                  RESULT_VARIABLE rc TIMEOUT 60)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "checksum [0-9a-f]+")
    fail("boids --agents 50 --ticks 2 ${args}: exit ${rc}:\n${out}${err}")
  endif()
endforeach()
execute_process(COMMAND ${BOIDS} --agents 1 --ticks 1 --threads 1 OUTPUT_VARIABLE out RESULT_VARIABLE rc TIMEOUT 60)
if(NOT rc EQUAL 0 OR NOT out MATCHES "boids: 1 agent, 1 thread, groups:")
  fail("boids --agents 1 --threads 1: exit ${rc}, wants \"1 agent, 1 thread\" (singular):\n${out}")
endif()

# two_groups
expect_help(${TWO_GROUPS} --entities --ticks)
expect_bad_number(${TWO_GROUPS} two_groups --ticks 1e3)
expect_bad_number(${TWO_GROUPS} two_groups --entities -5)
expect_usage_errors(${TWO_GROUPS} two_groups --entities)

# metrics_server (none of these gets as far as listening)
expect_help(${METRICS_SERVER} --port --max-requests --seconds --agents --threads --self-check --dump)
expect_bad_number(${METRICS_SERVER} metrics_server --port 65536)
expect_bad_number(${METRICS_SERVER} metrics_server --seconds 1e3)
expect_bad_number(${METRICS_SERVER} metrics_server --agents 0)
expect_bad_number(${METRICS_SERVER} metrics_server --threads -1)
expect_usage_errors(${METRICS_SERVER} metrics_server --port)
expect_exit(2 ${METRICS_SERVER} "^metrics_server: --dump needs --self-check" --dump ${OUT_DIR}/dump.prom)

# ecs-trace
expect_help(${ECS_TRACE} --workload --out --threads --ticks --agents --metrics --schedule --log-level --max-trace-mb
            --progress)
set(trace_args --workload particles --out ${OUT_DIR}/cli_trace.json)
expect_bad_number(${ECS_TRACE} ecs-trace --ticks 1e3 ${trace_args})
expect_bad_number(${ECS_TRACE} ecs-trace --agents 99999999999999999999 ${trace_args})
expect_bad_number(${ECS_TRACE} ecs-trace --threads -2 ${trace_args})
expect_bad_number(${ECS_TRACE} ecs-trace --log-level loud ${trace_args})
expect_bad_number(${ECS_TRACE} ecs-trace --workload nope --out ${OUT_DIR}/cli_trace.json)
expect_usage_errors(${ECS_TRACE} ecs-trace --ticks)
expect_exit(1 ${ECS_TRACE} "ecs-trace: --out: cannot open '${OUT_DIR}/no/such/dir/t\\.json': No such file or directory"
            --workload particles --ticks 1 --agents 10 --out ${OUT_DIR}/no/such/dir/t.json)

# ecs_bench (when the benchmarks are built)
if(DEFINED ECS_BENCH)
  expect_help(${ECS_BENCH} --filter --repeat --json --list)
  expect_bad_number(${ECS_BENCH} ecs_bench --repeat 1e3)
  expect_bad_number(${ECS_BENCH} ecs_bench --repeat 0)
  expect_usage_errors(${ECS_BENCH} ecs_bench --repeat)
  expect_exit(1 ${ECS_BENCH} "^ecs_bench: --json: cannot open '${OUT_DIR}/no/such/dir/b\\.json': No such file or directory"
              --filter simple_iter --repeat 1 --json ${OUT_DIR}/no/such/dir/b.json)
endif()
