/* Component types shared by the workload files of ecs_bench (bench_main.c,
 * bench_bulk.c, ...): plain floats, no padding, so raw-byte copies and
 * snapshots see exactly the bytes the code wrote; and the churn step that
 * two workloads time. */
#ifndef ECS_BENCH_WORKLOADS_H
#define ECS_BENCH_WORKLOADS_H

#include <ecs.h>

#include <stddef.h>
#include <stdint.h>

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

/* One pass of the README loop, Position += Velocity, over a query whose
 * terms 0 and 1 are those (WRITE, READ). Returns the rows visited, and the
 * chunks in *chunks (may be NULL); SIZE_MAX if a field was missing. */
static inline size_t move_pass(ecs_query_t *q, size_t *chunks) {
  size_t rows = 0;
  size_t n = 0;
  ecs_iter_t it = ecs_query_iter(q);
  while (ecs_iter_next(&it)) {
    Position *p = (Position *)ecs_field(&it, 0);
    const Velocity *v = (const Velocity *)ecs_field(&it, 1);
    if (!p || !v) {
      return SIZE_MAX;
    }
    for (int32_t i = 0; i < it.count; ++i) {
      p[i].x += v[i].x;
      p[i].y += v[i].y;
      p[i].z += v[i].z;
    }
    rows += (size_t)it.count;
    n++;
  }
  if (chunks) {
    *chunks = n;
  }
  return rows;
}

#endif /* ECS_BENCH_WORKLOADS_H */
