# ecs_doc_output must fail on a stale doc: copies of DOC with one output
# block edited (a wrong checksum, a wrong count, a line dropped, a line
# added, a timing replaced by text) are each rejected, while the unedited
# copy passes; so is a file without any doc-output block.
# -DDOC_OUTPUT=<ecs_doc_output> -DHELLO=<hello> -DTWO_GROUPS=<two_groups>
# -DDOC=<docs/getting-started.md> -DOUT_DIR=<where the copies go>
foreach(var DOC_OUTPUT HELLO TWO_GROUPS DOC OUT_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "doc_output_stale.cmake: -D${var}=... is required")
  endif()
endforeach()

file(READ ${DOC} doc)
set(programs --program hello=${HELLO} --program two_groups=${TWO_GROUPS})

# name, text in DOC, its stale replacement
set(edits
    "checksum|checksum fb8db99f368148ce|checksum fb8db99f368148cf"
    "count|moved 3 entities of 4|moved 3 entities of 5"
    "dropped_line|entity 2: (2.0, 0.5)\n|"
    "added_line|moved 3 entities of 4\n|moved 3 entities of 4\nmoved 0 entities of 4\n"
    "timing|5016 entities, 0.176 ms|5016 entities, fast ms")

execute_process(COMMAND ${DOC_OUTPUT} ${programs} ${DOC} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                TIMEOUT 60)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the unedited ${DOC} does not pass (${rc}):\n${out}${err}")
endif()

foreach(edit ${edits})
  string(REPLACE "|" ";" parts "${edit}")
  list(GET parts 0 name)
  list(GET parts 1 from)
  list(LENGTH parts n)
  set(to "")
  if(n GREATER 2)
    list(GET parts 2 to)
  endif()
  string(FIND "${doc}" "${from}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${DOC} no longer holds '${from}': update the edit '${name}' here")
  endif()
  string(REPLACE "${from}" "${to}" stale "${doc}")
  set(copy ${OUT_DIR}/stale_${name}.md)
  file(WRITE ${copy} "${stale}")
  execute_process(COMMAND ${DOC_OUTPUT} ${programs} ${copy} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err
                  TIMEOUT 60)
  if(NOT rc EQUAL 1 OR NOT err MATCHES "differs")
    message(FATAL_ERROR "ecs_doc_output accepted a stale block (${name}): exit ${rc}\n${err}")
  endif()
  message(STATUS "rejected as expected (${name})")
endforeach()

file(WRITE ${OUT_DIR}/stale_none.md "# A guide\n\nNo output block.\n")
execute_process(COMMAND ${DOC_OUTPUT} ${programs} ${OUT_DIR}/stale_none.md RESULT_VARIABLE rc OUTPUT_QUIET
                ERROR_VARIABLE err TIMEOUT 60)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "ecs_doc_output accepted a file without any doc-output block: exit ${rc}")
endif()
message(STATUS "rejected as expected (no block): ${err}")
