# A static libecs linked into a host's shared object (a plugin built with
# -fvisibility=hidden): the link works (libecs.a is position-independent),
# the plugin works, and it exports none of libecs (ECS_STATIC hides the
# archive's ecs_* symbols). Then an archive built with ECS_STATIC_EXPORTS=ON
# is re-exported by such a plugin, unless the plugin links with
# -Wl,--exclude-libs,ALL (docs/embedding.md).
# -DLIB=<libecs.a> -DPC=<its libecs.pc> -DSOURCE_DIR=<libecs> -DWORK=<scratch>
# -DC_COMPILER=<cc> -DBUILD_TYPE=<the build's type>
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
find_program(NM NAMES nm gcc-nm)

file(WRITE ${WORK}/plugin.c [=[
/* a host plugin: its one exported entry point uses libecs inside */
#include <ecs.h>

__attribute__((visibility("default"))) int plugin_run(void);

typedef struct Position {
  float x, y;
} Position;

int plugin_run(void) {
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t pos = ECS_COMPONENT(w, Position);
  for (int i = 0; i < 3; ++i) {
    ecs_set(w, ecs_entity_create(w), pos, &(Position){(float)i, 0});
  }
  int n = (int)ecs_component_count(w, pos);
  ecs_world_free(w);
  return n;
}
]=])
file(WRITE ${WORK}/host.c [=[
#include <stdio.h>
int plugin_run(void);
int main(void) {
  int n = plugin_run();
  printf("plugin: %d entities: %s\n", n, n == 3 ? "ok" : "wrong");
  return n == 3 ? 0 : 1;
}
]=])

# Links libecs archive `lib` into ${WORK}/<name>/libplugin.so (extra link
# flags in ARGN), runs a host program through it and returns the plugin's
# exported ecs_* symbols in `out_var`.
function(plugin_exports name lib out_var)
  set(dir ${WORK}/${name})
  file(MAKE_DIRECTORY ${dir})
  execute_process(COMMAND ${C_COMPILER} -std=c11 -fPIC -fvisibility=hidden -I${SOURCE_DIR}/include -shared
                          ${WORK}/plugin.c ${lib} -pthread ${ARGN} -o ${dir}/libplugin.so
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "[${name}] linking libecs.a into a shared object failed:\n${err}")
  endif()
  execute_process(COMMAND ${C_COMPILER} ${WORK}/host.c -L${dir} -lplugin -Wl,-rpath,${dir} -o ${dir}/host
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "[${name}] linking the host program against the plugin failed:\n${err}")
  endif()
  execute_process(COMMAND ${dir}/host RESULT_VARIABLE rc OUTPUT_VARIABLE out)
  if(NOT rc EQUAL 0 OR NOT out MATCHES ": ok")
    message(FATAL_ERROR "[${name}] the host program failed through the plugin: ${out}")
  endif()
  execute_process(COMMAND ${NM} -D --defined-only ${dir}/libplugin.so OUTPUT_VARIABLE syms RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "[${name}] nm -D failed on the plugin")
  endif()
  if(NOT syms MATCHES " plugin_run\n")
    message(FATAL_ERROR "[${name}] the plugin does not export plugin_run: nm output not understood:\n${syms}")
  endif()
  string(REGEX MATCHALL " ecs_[A-Za-z0-9_]+" ecs_syms "${syms}")
  list(LENGTH ecs_syms count)
  set(${out_var} ${count} PARENT_SCOPE)
endfunction()

# 1. this build's archive: hidden by default
plugin_exports(default ${LIB} count)
if(NOT count EQUAL 0)
  message(FATAL_ERROR "a -fvisibility=hidden plugin linking this build's libecs.a exports ${count} ecs_* symbols")
endif()
message(STATUS "plugin with this build's libecs.a: works, exports no ecs_* symbol")

# 2. the static library's users get ECS_STATIC from pkg-config
file(READ ${PC} pc)
if(NOT pc MATCHES "Cflags:[^\n]*-DECS_STATIC")
  message(FATAL_ERROR "libecs.pc of a static build does not pass -DECS_STATIC:\n${pc}")
endif()

# 3. an archive built with ECS_STATIC_EXPORTS=ON: re-exported, unless
#    --exclude-libs hides it
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK}/exports-build -DCMAKE_C_COMPILER=${C_COMPILER}
                        -DCMAKE_BUILD_TYPE=${BUILD_TYPE} -DECS_STATIC_EXPORTS=ON -DECS_BUILD_TESTS=OFF
                        -DECS_BUILD_EXAMPLES=OFF -DECS_BUILD_BENCH=OFF
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring libecs with ECS_STATIC_EXPORTS=ON failed:\n${out}\n${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK}/exports-build -j 2 RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building libecs with ECS_STATIC_EXPORTS=ON failed:\n${out}")
endif()
plugin_exports(exports ${WORK}/exports-build/libecs.a count)
if(count LESS 50)
  message(FATAL_ERROR "with ECS_STATIC_EXPORTS=ON the plugin re-exports only ${count} ecs_* symbols")
endif()
plugin_exports(exclude_libs ${WORK}/exports-build/libecs.a hidden_count -Wl,--exclude-libs,ALL)
if(NOT hidden_count EQUAL 0)
  message(FATAL_ERROR "-Wl,--exclude-libs,ALL leaves ${hidden_count} ecs_* symbols exported")
endif()
message(STATUS "ECS_STATIC_EXPORTS=ON: ${count} ecs_* symbols re-exported, none with -Wl,--exclude-libs,ALL")
