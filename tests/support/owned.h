/* Shared by the suites that count lifecycle hooks: a component value that
 * owns heap memory (a missing dtor leaks, a doubled one frees twice under
 * ASan) and hooks that count their calls in a hook_log_t passed as user.
 * Include after <cmocka.h>. */
#ifndef ECS_TEST_SUPPORT_OWNED_H
#define ECS_TEST_SUPPORT_OWNED_H

#include "ecs.h"

#include <stdlib.h>
#include <string.h>

typedef struct owned_t {
  int32_t *payload;
} owned_t;

typedef struct hook_log_t {
  int ctor, dtor, copy, move;
} hook_log_t;

static inline void owned_ctor(void *ptr, int32_t count, void *user) {
  for (int32_t i = 0; i < count; ++i) {
    ((owned_t *)ptr)[i].payload = NULL;
    ((hook_log_t *)user)->ctor++;
  }
}

static inline void owned_dtor(void *ptr, int32_t count, void *user) {
  for (int32_t i = 0; i < count; ++i) {
    free(((owned_t *)ptr)[i].payload);
    ((hook_log_t *)user)->dtor++;
  }
}

static inline void owned_copy(void *dst, const void *src, int32_t count, void *user) {
  for (int32_t i = 0; i < count; ++i) {
    const owned_t *s = (const owned_t *)src + i;
    owned_t *d = (owned_t *)dst + i;
    d->payload = NULL;
    if (s->payload) {
      d->payload = malloc(sizeof *d->payload);
      assert_non_null(d->payload);
      *d->payload = *s->payload;
    }
    ((hook_log_t *)user)->copy++;
  }
}

/* The source is left intact: the library must not destruct it afterwards. */
static inline void owned_move(void *dst, void *src, int32_t count, void *user) {
  memcpy(dst, src, (size_t)count * sizeof(owned_t));
  ((hook_log_t *)user)->move += count;
}

/* A world with defaults; the case fails if it cannot be created. */
static inline ecs_world_t *world_new(void) {
  ecs_world_t *w = ecs_world_new(NULL);
  assert_non_null(w);
  return w;
}

#endif /* ECS_TEST_SUPPORT_OWNED_H */
