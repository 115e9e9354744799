/* An allocator for tests that counts its calls: alloc, realloc and free,
 * each separately, with atomic counters so that worker threads (ASYNC
 * groups, ecs_parallel_for) may allocate too. It never fails; for failure
 * injection see failing_alloc.h. Pass it as ecs_world_desc_t.allocator:
 *
 *   counting_t ca = {0};
 *   ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.allocator = counting_allocator(&ca)});
 *
 * and compare counting_calls(&ca) (alloc + realloc) before and after the
 * code under test. */
#ifndef ECS_TEST_SUPPORT_COUNTING_ALLOC_H
#define ECS_TEST_SUPPORT_COUNTING_ALLOC_H

#include "ecs.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>

typedef struct counting_t {
  _Atomic size_t allocs;   /* alloc() calls, and realloc() of NULL */
  _Atomic size_t reallocs; /* realloc() of a block */
  _Atomic size_t frees;    /* free() of a block (NULL is not counted) */
  _Atomic size_t largest;  /* the largest block asked for (reset it to 0 to start over) */
} counting_t;

static inline void counting_note_size(counting_t *c, size_t size) {
  size_t seen = atomic_load(&c->largest);
  while (size > seen && !atomic_compare_exchange_weak(&c->largest, &seen, size)) {
  }
}

static inline void *counting_alloc(void *user, size_t size) {
  counting_t *c = user;
  atomic_fetch_add(&c->allocs, 1);
  counting_note_size(c, size);
  return malloc(size);
}

static inline void *counting_realloc(void *user, void *ptr, size_t old_size, size_t new_size) {
  counting_t *c = user;
  (void)old_size;
  atomic_fetch_add(ptr ? &c->reallocs : &c->allocs, 1);
  counting_note_size(c, new_size);
  return realloc(ptr, new_size);
}

static inline void counting_free(void *user, void *ptr, size_t size) {
  counting_t *c = user;
  (void)size;
  if (ptr) {
    atomic_fetch_add(&c->frees, 1);
  }
  free(ptr);
}

static inline ecs_allocator_t counting_allocator(counting_t *c) {
  return (ecs_allocator_t){counting_alloc, counting_realloc, counting_free, c};
}

/* Calls that obtain memory: alloc + realloc. */
static inline size_t counting_calls(counting_t *c) {
  return atomic_load(&c->allocs) + atomic_load(&c->reallocs);
}

#endif /* ECS_TEST_SUPPORT_COUNTING_ALLOC_H */
