/* Workloads of ecs_bench about the default path (bench_default.c): the
 * README's loop over 2, 4 and 8 terms, bulk creation with values, DENSE
 * joins, and peak memory (measured in a fresh process). */
#ifndef ECS_BENCH_DEFAULT_H
#define ECS_BENCH_DEFAULT_H

#include "harness.h"

#include <ecs.h>

typedef struct default_suite_t default_suite_t;

/* NULL when out of memory; free with bench_default_free() after bench_main(). */
default_suite_t *bench_default_new(void);
void bench_default_free(default_suite_t *s);
int bench_default_register(bench_t *b, default_suite_t *s);

/* The child process of memory_rss: `ecs_bench --memory-child ecs|raw N`
 * builds its data, prints its peak resident set in KiB and returns 0. */
int bench_memory_child(int argc, char **argv);

#endif /* ECS_BENCH_DEFAULT_H */
