/* physics: a reference plugin. Integrates motion, keeps a uniform spatial
 * grid of every body for broad-phase queries (other plugins read it), and
 * marks bodies that touch with a Collided tag through command buffers.
 *
 * Groups it adds (the host may order its own around them):
 *   "physics.grid"     SYNC   rebuild the grid from the positions the tick starts with
 *   "physics"          ASYNC  integrate: v += a dt, speed clamp, p += v dt, wrap;
 *                             after "physics.grid"
 *   "physics.collide"  ASYNC  broad phase over the grid, after "physics"
 * Rebuilding first makes the grid a function of the world alone, so a world
 * restored from a snapshot (rollback) goes on exactly as before.
 */
#ifndef EXAMPLES_PHYSICS_H
#define EXAMPLES_PHYSICS_H

#include <ecs.h>

/* Storage choices, and why:
 * - Position, Velocity, Acceleration: ARCHETYPE. Every body has all three
 *   and the hot systems read them together: contiguous columns per table.
 * - Collided: SPARSE. A rare, short-lived tag (a few bodies per tick); a
 *   hash map costs memory only for them and adding/removing it never moves
 *   a body's other components. */
typedef struct Position {
  float x, y;
} Position;

typedef struct Velocity {
  float x, y;
} Velocity;

typedef struct Acceleration {
  float x, y;
} Acceleration;

typedef struct physics_config_t {
  float world_size; /* the world is a torus [0, world_size)^2; default 1000 */
  float cell_size;  /* grid cell edge; default 20 */
  float max_speed;  /* default 40 */
  float radius;     /* body radius for collisions; default 1.5 */
} physics_config_t;

/* One body as the grid saw it at its last rebuild. */
typedef struct grid_body_t {
  ecs_entity_t entity;
  float x, y, vx, vy;
} grid_body_t;

/* The SpatialGrid resource: a handle to the grid the plugin owns. */
typedef struct SpatialGrid {
  struct physics_grid_t *grid;
} SpatialGrid;

/* The plugin; load it with ecs_plugin_load(world, builder, physics_plugin(), &config or NULL). */
const ecs_plugin_t *physics_plugin(void);

/* Calls fn for every body within radius of (x, y), nearest cells first in
 * a fixed order (deterministic). Returns the number of bodies visited. */
uint32_t physics_grid_visit(const SpatialGrid *grid, float x, float y, float radius,
                            void (*fn)(const grid_body_t *body, void *user), void *user);

/* The world's edge length (for wrapping distances). */
float physics_world_size(const SpatialGrid *grid);

#endif /* EXAMPLES_PHYSICS_H */
