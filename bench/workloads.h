/* Component types shared by the workload files of ecs_bench (bench_main.c,
 * bench_bulk.c): plain floats, no padding, so raw-byte copies and snapshots
 * see exactly the bytes the code wrote. */
#ifndef ECS_BENCH_WORKLOADS_H
#define ECS_BENCH_WORKLOADS_H

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

#endif /* ECS_BENCH_WORKLOADS_H */
