/* Relationship workloads of ecs_bench: pair_iter (a wildcard pair query over
 * 100,000 entities) and cascade_destroy (a parent with 1,000 children), for
 * ARCHETYPE and DENSE. */
#ifndef ECS_BENCH_RELATION_H
#define ECS_BENCH_RELATION_H

#include "harness.h"

#include <ecs.h>

typedef struct relation_suite_t relation_suite_t;

/* NULL when out of memory; free with bench_relation_free() after bench_main(). */
relation_suite_t *bench_relation_new(void);
void bench_relation_free(relation_suite_t *s);
int bench_relation_register(bench_t *b, relation_suite_t *s);

#endif /* ECS_BENCH_RELATION_H */
