/* typed: hello with the typed calls (ecs/typed.h). The type of a component
 * is named in each call, so its id, its size and the type of the value go
 * together: a value of the wrong type does not compile, and a component of
 * another size is refused with ECS_ERR_TYPE_MISMATCH. */
#include <ecs.h>

#include <stdio.h>

typedef struct Position {
  float x, y;
} Position;

typedef struct Velocity {
  float dx, dy;
} Velocity;

/* In a program of several files the ECS_DECLARE lines go in a header and
 * each ECS_DEFINE in one .c file, as for a global variable. */
ECS_DECLARE(Position);
ECS_DECLARE(Velocity);
ECS_DEFINE(Position);
ECS_DEFINE(Velocity);

int main(void) {
  ecs_world_t *world = ecs_world_new(NULL);
  if (!world) {
    fprintf(stderr, "cannot create world\n");
    return 1;
  }
  /* Ids are per world: register the types in each world that uses them. */
  ecs_component_t pos = ECS_REGISTER(world, Position);
  ecs_component_t vel = ECS_REGISTER(world, Velocity);

  ecs_entity_t movers[3];
  for (int i = 0; i < 3; ++i) {
    ecs_entity_t e = movers[i] = ecs_entity_create(world);
    ecs_set_t(world, e, Position, (float)i, 0.0f); /* the initialisers of a Position */
    ecs_set_t(world, e, Velocity, .dx = 1.0f, .dy = 0.5f * (float)i);
  }
  ecs_set_t(world, ecs_entity_create(world), Position, 100.0f, 100.0f); /* no velocity */

  /* Query terms take ids; ECS_ID(world, T) is T's id in this world. */
  ecs_query_t *q = ecs_query_new(world, &(ecs_query_desc_t){
                                            .terms = {{pos, ECS_ACCESS_WRITE}, {vel, ECS_ACCESS_READ}},
                                        });
  ecs_iter_t it = ecs_query_iter(q);
  while (ecs_iter_next(&it)) {
    /* typed arrays: in a debug build each checks that the term is that type */
    Position *p = ecs_field_t(&it, Position, 0);
    const Velocity *v = ecs_field_t(&it, Velocity, 1);
    for (int32_t row = 0; row < it.count; ++row) {
      p[row].x += v[row].dx;
      p[row].y += v[row].dy;
    }
  }
  for (int i = 0; i < 3; ++i) {
    const Position *p = ecs_get_t(world, movers[i], Position); /* a const Position * */
    printf("entity %u: (%.1f, %.1f)\n", ECS_ENTITY_INDEX(movers[i]), (double)p->x, (double)p->y);
  }

  /* The untyped calls trust the caller; the sized one checks: a Velocity
   * (8 bytes) is not handed to a component of another size. */
  ecs_component_t big = ecs_component_register_type(world, "Big", 64, 4);
  Velocity small = {0};
  ecs_status_t st = ecs_set_sized(world, movers[0], big, &small, sizeof small);
  printf("%s: %s\n", ecs_err_name(st), ecs_last_error(world));
  ecs_world_free(world);
  return 0;
}
