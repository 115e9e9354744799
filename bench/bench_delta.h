/* Delta workloads of ecs_bench (bench_delta.c): delta_save and delta_bytes,
 * a 1% change of a 10,000-entity world beside its full snapshot. */
#ifndef ECS_BENCH_DELTA_H
#define ECS_BENCH_DELTA_H

#include "harness.h"

#include <ecs.h>

typedef struct delta_suite_t delta_suite_t;

/* NULL when out of memory; free with bench_delta_free() after bench_main(). */
delta_suite_t *bench_delta_new(ecs_storage_kind_t kind, const char *label);
void bench_delta_free(delta_suite_t *s);
int bench_delta_register(bench_t *b, delta_suite_t *s);

#endif /* ECS_BENCH_DELTA_H */
