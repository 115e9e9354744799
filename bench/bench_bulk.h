/* Bulk workloads of ecs_bench: bulk_create (ecs_entity_create_n into a
 * fresh world) and snapshot_save / snapshot_load (a whole world of 100,000
 * entities with 4 components to and from a memory buffer). */
#ifndef ECS_BENCH_BULK_H
#define ECS_BENCH_BULK_H

#include "harness.h"

#include <ecs.h>

typedef struct bulk_suite_t bulk_suite_t;

/* NULL when out of memory; free with bench_bulk_free() after bench_main(). */
bulk_suite_t *bench_bulk_new(ecs_storage_kind_t kind, const char *label);
void bench_bulk_free(bulk_suite_t *s);
/* Adds the cases; @p first: the storage-independent bulk_create too. */
int bench_bulk_register(bench_t *b, bulk_suite_t *s, bool first);

#endif /* ECS_BENCH_BULK_H */
