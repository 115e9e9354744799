/* Scheduler workloads of ecs_bench: heavy_compute (parallel iteration over
 * 1 and 2 threads) and schedule (three swapping systems, SYNC and ASYNC). */
#ifndef ECS_BENCH_SCHED_H
#define ECS_BENCH_SCHED_H

#include "harness.h"

#include <ecs.h>

typedef struct sched_suite_t sched_suite_t;

/* NULL when out of memory; free with bench_sched_free(). */
sched_suite_t *bench_sched_new(ecs_storage_kind_t kind, const char *label);
void bench_sched_free(sched_suite_t *s);
/* Adds the cases; @p first: the storage-independent heavy_compute too. */
int bench_sched_register(bench_t *b, sched_suite_t *s, bool first);

#endif /* ECS_BENCH_SCHED_H */
