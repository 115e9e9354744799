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

/* Peak resident memory of a fresh process (this program run again with
 * --memory-child) that holds N entities with a Position and a Velocity:
 * what is "ecs" (ecs_set one entity at a time), "ecs+snapshot" (the same,
 * then ecs_snapshot_save to a writer that drops the bytes) or "raw" (two
 * arrays). A case of unit "bytes" runs bench_memory_fns() on one. */
typedef struct bench_memory_ctx_t {
  const char *what;
  double peak_bytes;
} bench_memory_ctx_t;
bench_fns_t bench_memory_fns(void);

/* The child process of memory_rss: `ecs_bench --memory-child ecs|raw N`
 * builds its data, prints its peak resident set in KiB and returns 0. */
int bench_memory_child(int argc, char **argv);

#endif /* ECS_BENCH_DEFAULT_H */
