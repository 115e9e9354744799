/* A host program using an installed libecs from C. */
#include <ecs.h>

#include <stdio.h>

typedef struct Position {
  float x, y;
} Position;

int main(void) {
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t pos = ECS_COMPONENT(w, Position);
  ecs_entity_t e = ecs_entity_create(w);
  ecs_set(w, e, pos, &(Position){1.0f, 2.0f});
  const Position *p = ecs_get(w, e, pos);
  int ok = p && p->y == 2.0f;
  printf("libecs %s from C: %s\n", ecs_version(), ok ? "ok" : "wrong");
  ecs_world_free(w);
  return ok ? 0 : 1;
}
