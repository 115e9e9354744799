/* hello: the smallest libecs program. Registers two components, packs them,
 * creates a few entities, moves them with a query and prints the result. */
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
  /* packed: entities with both sit first in both arrays, in one order, so
   * the query below gets a contiguous array per term (docs/storages.md) */
  if (ecs_component_pack(world, (ecs_component_t[]){pos, vel}, 2) != ECS_OK) {
    fprintf(stderr, "cannot pack: %s\n", ecs_last_error(world));
    ecs_world_free(world);
    return 1;
  }

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
  ecs_iter_t it = ecs_query_iter(q);
  while (ecs_iter_next(&it)) {
    Position *p = ecs_field(&it, 0);
    const Velocity *v = ecs_field(&it, 1);
    if (!p || !v) { /* not packed (or another layout): ecs_field_at() always works */
      fprintf(stderr, "expected contiguous columns\n");
      break;
    }
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
