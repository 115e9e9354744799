# Dependencies come from Debian packages only; a missing one stops the
# configure step with the package to install.
# pthreads everywhere but Windows, whose threads the platform layer takes
# from the system (src/platform/platform_win32.c)
if(NOT WIN32)
  set(THREADS_PREFER_PTHREAD_FLAG ON)
  find_package(Threads REQUIRED)
endif()

find_path(UTHASH_INCLUDE_DIR uthash.h)
if(NOT UTHASH_INCLUDE_DIR)
  message(FATAL_ERROR "uthash.h not found. Install it: apt-get install uthash-dev "
                      "(or run scripts/deps.sh as root)")
endif()

if(ECS_BUILD_TESTS)
  find_path(CMOCKA_INCLUDE_DIR cmocka.h)
  find_library(CMOCKA_LIBRARY cmocka)
  if(NOT CMOCKA_INCLUDE_DIR OR NOT CMOCKA_LIBRARY)
    message(FATAL_ERROR "cmocka not found. Install it: apt-get install libcmocka-dev "
                        "(or run scripts/deps.sh as root), or configure with -DECS_BUILD_TESTS=OFF")
  endif()
  add_library(ecs_cmocka INTERFACE)
  target_include_directories(ecs_cmocka SYSTEM INTERFACE ${CMOCKA_INCLUDE_DIR})
  target_link_libraries(ecs_cmocka INTERFACE ${CMOCKA_LIBRARY})
  if(EMSCRIPTEN) # cmocka.h would define uintptr_t again without its opt-out macro
    target_compile_definitions(ecs_cmocka INTERFACE _UINTPTR_T)
  endif()
endif()
