/* Workloads of ecs_bench about how cost grows with the size of the world
 * (bench_scale.c): churn with many registered component types, scheduler
 * build and tick with many systems, iteration over many archetype tables.
 * Each curve is a workload "scale_<curve>_<size>"; by default two sizes
 * per curve run, `--scale` (taken off the command line by
 * bench_scale_take_flag) sweeps 5 or 6 sizes for the plots
 * (bench/plot_scale.py). */
#ifndef ECS_BENCH_SCALE_H
#define ECS_BENCH_SCALE_H

#include "harness.h"

#include <stdbool.h>

typedef struct scale_suite_t scale_suite_t;

/* Removes every "--scale" from argv (and *argc); true when one was there. */
bool bench_scale_take_flag(int *argc, char **argv);

/* NULL when out of memory; free with bench_scale_free() after bench_main().
 * @p sweep: every size of every curve, else the two of docs/benchmarks.md. */
scale_suite_t *bench_scale_new(bool sweep);
void bench_scale_free(scale_suite_t *s);
int bench_scale_register(bench_t *b, scale_suite_t *s);

#endif /* ECS_BENCH_SCALE_H */
