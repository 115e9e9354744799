/* Component types shared by the workload files of ecs_bench (bench_main.c,
 * bench_bulk.c, ...): plain floats, no padding, so raw-byte copies and
 * snapshots see exactly the bytes the code wrote; and the churn step that
 * two workloads time. */
#ifndef ECS_BENCH_WORKLOADS_H
#define ECS_BENCH_WORKLOADS_H

#include <ecs.h>

#include <stddef.h>

typedef struct Transform {
  float m[16];
} Transform;

typedef struct Position {
  float x, y, z;
} Position;

typedef struct Rotation {
  float x, y, z, w;
} Rotation;

typedef struct Velocity {
  float x, y, z;
} Velocity;

/* One churn batch: @p count entities created, given a Position and a
 * Velocity, then destroyed (their handles in @p batch). Non-zero if a call
 * failed. */
static inline int churn_batch(ecs_world_t *w, ecs_component_t pos, ecs_component_t vel, ecs_entity_t *batch,
                              size_t count) {
  int bad = 0;
  for (size_t i = 0; i < count; ++i) {
    ecs_entity_t e = ecs_entity_create(w);
    bad |= ecs_set(w, e, pos, &(Position){(float)i, 0.0f, 0.0f}) != ECS_OK;
    bad |= ecs_set(w, e, vel, &(Velocity){1.0f, 0.0f, 0.0f}) != ECS_OK;
    batch[i] = e;
  }
  for (size_t i = 0; i < count; ++i) {
    bad |= ecs_entity_destroy(w, batch[i]) != ECS_OK;
  }
  return bad;
}

#endif /* ECS_BENCH_WORKLOADS_H */
