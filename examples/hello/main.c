/* hello: the smallest libecs program. Registers two components, creates a
 * few entities, moves them with a query and prints the result. */
#include <ecs.h>

#include <stdio.h>

typedef struct Position {
  float x, y;
} Position;

typedef struct Velocity {
  float dx, dy;
} Velocity;

int main(void) {
  ecs_world_t *world = ecs_world_new(NULL);
  if (!world) {
    fprintf(stderr, "cannot create world\n");
    return 1;
  }
  ecs_component_t pos = ECS_COMPONENT(world, Position);
  ecs_component_t vel = ECS_COMPONENT(world, Velocity);

  for (int i = 0; i < 3; ++i) {
    ecs_entity_t e = ecs_entity_create(world);
    ecs_set(world, e, pos, &(Position){(float)i, 0.0f});
    ecs_set(world, e, vel, &(Velocity){1.0f, 0.5f * (float)i});
  }
  /* a fourth entity without velocity: the query below skips it */
  ecs_set(world, ecs_entity_create(world), pos, &(Position){100.0f, 100.0f});

  ecs_query_t *q = ecs_query_new(world, &(ecs_query_desc_t){
                                            .terms = {{pos, ECS_ACCESS_WRITE}, {vel, ECS_ACCESS_READ}},
                                        });
  int moved = 0;
  /* The default storage keeps entities with the same components in one
   * table, a column per component: each chunk hands out one array per
   * term, and the loop is a plain loop over arrays (docs/storages.md). */
  ecs_iter_t it = ecs_query_iter(q);
  while (ecs_iter_next(&it)) {
    Position *p = ecs_field(&it, 0);
    const Velocity *v = ecs_field(&it, 1);
    for (int32_t row = 0; row < it.count; ++row) {
      p[row].x += v[row].dx;
      p[row].y += v[row].dy;
      printf("entity %u: (%.1f, %.1f)\n", ECS_ENTITY_INDEX(it.entities[row]), (double)p[row].x, (double)p[row].y);
      ++moved;
    }
  }
  printf("moved %d entities of %zu\n", moved, ecs_entity_count(world));
  ecs_world_free(world);
  return 0;
}
