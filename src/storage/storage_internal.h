/* Helpers shared by the built-in storage backends. */
#ifndef ECS_STORAGE_INTERNAL_H
#define ECS_STORAGE_INTERNAL_H

#include "ecs/storage.h"

#include <string.h>

/* Relocates count values from src to dst (non-overlapping) with the
 * component's move hook, or memcpy for plain data. */
static inline void ecs__relocate(const ecs_storage_params_t *p, void *dst, void *src, size_t count) {
  if (p->size == 0 || count == 0) {
    return;
  }
  if (p->move) {
    p->move(dst, src, (int32_t)count, p->hooks_user);
  } else {
    memcpy(dst, src, p->stride * count);
  }
}

#endif /* ECS_STORAGE_INTERNAL_H */
