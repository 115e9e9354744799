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

/* Destructs one value on removal, if the component has a dtor. */
static inline void ecs__destruct(const ecs_storage_params_t *p, void *value) {
  if (p->dtor && p->size > 0) {
    p->dtor(value, 1, p->hooks_user);
  }
}

/* SPARSE keeps its values in one array beside their entities, like DENSE
 * (pack.h): the arrays, their length and e's row (UINT32_MAX when absent),
 * for queries that hand out a run of rows as arrays. */
const ecs_entity_t *ecs__sparse_entities(const void *sparse);
char *ecs__sparse_data(const void *sparse);
uint32_t ecs__sparse_len(const void *sparse);
uint32_t ecs__sparse_row(const void *sparse, ecs_entity_t e);

#endif /* ECS_STORAGE_INTERNAL_H */
