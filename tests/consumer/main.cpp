// A host program using an installed libecs from C++.
#include <ecs.h>

#include <cstdio>

struct Position {
  float x, y;
};

int main() {
  ecs_world_t *w = ecs_world_new(nullptr);
  ecs_component_t pos = ECS_COMPONENT(w, Position);
  ecs_entity_t e = ecs_entity_create(w);
  Position value{1.0f, 2.0f};
  ecs_set(w, e, pos, &value);
  const Position *p = static_cast<const Position *>(ecs_get(w, e, pos));
  bool ok = p && p->y == 2.0f;
  std::printf("libecs %s from C++: %s\n", ecs_version(), ok ? "ok" : "wrong");
  ecs_world_free(w);
  return ok ? 0 : 1;
}
