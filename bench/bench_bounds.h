/* Workloads of ecs_bench about the bounds of a large world (bench_bounds.c):
 * millions of entities (creation, iteration, memory, snapshots), queries
 * and new tables among 100k tables, 10k observers. Each curve is a
 * workload "scale_<curve>_<size>"; a default run measures its smallest
 * size, `--scale` every size (bench/plot_scale.py draws them). */
#ifndef ECS_BENCH_BOUNDS_H
#define ECS_BENCH_BOUNDS_H

#include "harness.h"

#include <stdbool.h>

typedef struct bounds_suite_t bounds_suite_t;

/* NULL when out of memory; free with bench_bounds_free() after bench_main().
 * @p sweep: every size of every curve, else the smallest of each. */
bounds_suite_t *bench_bounds_new(bool sweep);
void bench_bounds_free(bounds_suite_t *s);
int bench_bounds_register(bench_t *b, bounds_suite_t *s);

#endif /* ECS_BENCH_BOUNDS_H */
