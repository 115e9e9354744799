/* The C++ layer's workload of ecs_bench (bench_cpp.cpp): cpp_each, built
 * when a C++ compiler is at hand (ECS_BENCH_CPP). */
#ifndef ECS_BENCH_CPP_H
#define ECS_BENCH_CPP_H

#ifdef __cplusplus
extern "C" {
#endif

#include "harness.h"

typedef struct cpp_suite_t cpp_suite_t;

/* NULL when out of memory; free with bench_cpp_free() after bench_main(). */
cpp_suite_t *bench_cpp_new(void);
void bench_cpp_free(cpp_suite_t *s);
int bench_cpp_register(bench_t *b, cpp_suite_t *s);

#ifdef __cplusplus
}
#endif

#endif /* ECS_BENCH_CPP_H */
