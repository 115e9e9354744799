# ECS_COVERAGE=ON instruments the library and adds the 'coverage' target:
# it runs ctest, then reports line coverage of src/ with gcovr and fails
# below ECS_COVERAGE_MIN percent.
if(ECS_COVERAGE)
  if(NOT CMAKE_C_COMPILER_ID STREQUAL "GNU")
    message(FATAL_ERROR "ECS_COVERAGE needs gcc (gcov)")
  endif()
  # atomic counters: systems run on several threads, and racing counter
  # updates would leave gcov with negative counts
  target_compile_options(ecs PRIVATE --coverage -O0 -fprofile-update=atomic)
  target_link_options(ecs PUBLIC --coverage)
  find_program(GCOVR_EXECUTABLE gcovr)
  if(NOT GCOVR_EXECUTABLE)
    message(FATAL_ERROR "gcovr not found. Install it: apt-get install gcovr")
  endif()
  add_custom_target(coverage
    COMMAND ${CMAKE_CTEST_COMMAND} --output-on-failure
    COMMAND ${GCOVR_EXECUTABLE} --root ${PROJECT_SOURCE_DIR} --filter ${PROJECT_SOURCE_DIR}/src/
            --object-directory ${PROJECT_BINARY_DIR} --print-summary
            --txt ${PROJECT_BINARY_DIR}/coverage.txt
            --fail-under-line ${ECS_COVERAGE_MIN}
            # only this build's tree is searched for coverage data (not the
            # whole source tree, with other builds and a Wine prefix in it)
            ${PROJECT_BINARY_DIR}
    WORKING_DIRECTORY ${PROJECT_BINARY_DIR}
    COMMENT "Line coverage of src/ (minimum ${ECS_COVERAGE_MIN}%)")
endif()
