/* An allocator for tests that fails every call from the Nth on
 * (fail_at = SIZE_MAX: never). */
#ifndef ECS_TEST_SUPPORT_FAILING_ALLOC_H
#define ECS_TEST_SUPPORT_FAILING_ALLOC_H

#include "ecs.h"

#include <stdint.h>
#include <stdlib.h>

typedef struct failing_t {
  size_t calls;
  size_t fail_at;
} failing_t;

static inline void *f_alloc(void *user, size_t size) {
  failing_t *f = user;
  return ++f->calls >= f->fail_at ? NULL : malloc(size);
}

static inline void *f_realloc(void *user, void *ptr, size_t old, size_t size) {
  failing_t *f = user;
  (void)old;
  return ++f->calls >= f->fail_at ? NULL : realloc(ptr, size);
}

static inline void f_free(void *user, void *ptr, size_t size) {
  (void)user;
  (void)size;
  free(ptr);
}

static inline ecs_allocator_t failing_allocator(failing_t *f) {
  return (ecs_allocator_t){f_alloc, f_realloc, f_free, f};
}

#endif /* ECS_TEST_SUPPORT_FAILING_ALLOC_H */
