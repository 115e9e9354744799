/* Compiled (not run) by tests/typed_compile_fail.cmake, as C11 and as
 * C++17: CASE 0 must compile; every other CASE hands a typed call a value
 * of the wrong type and must not. */
#include <ecs.h>
#ifdef __cplusplus
#include <ecs.hpp>
#endif

typedef struct Health {
  int hp;
} Health;

typedef struct Transform {
  float m[16];
} Transform;

ECS_DECLARE(Health);
ECS_DECLARE(Transform);

int check(ecs_world_t *w, ecs_cmd_buffer_t *buf, ecs_entity_t e);

int check(ecs_world_t *w, ecs_cmd_buffer_t *buf, ecs_entity_t e) {
  Health health = {100};
  Transform transform = {{1.0f}};
  (void)health;
  (void)transform;
  (void)buf;
#if CASE == 0
  return ecs_set_ptr_t(w, e, Transform, &transform) + ecs_set_t(w, e, Health, 100) +
         ecs_cmd_set_ptr_t(buf, e, Health, &health);
#elif CASE == 1
  return ecs_set_ptr_t(w, e, Transform, &health); /* a Health * for a Transform */
#elif CASE == 2
  return ecs_set_t(w, e, Transform, &health); /* a pointer as the first float */
#elif CASE == 3
  return ecs_cmd_set_ptr_t(buf, e, Transform, &health);
#elif CASE == 4
  return ecs_set_ptr_t(w, e, Transform, (void *)&transform); /* no type at all */
#elif CASE == 5 && defined(__cplusplus)
  return ecs::world_view(w).set<Transform>(e, health); /* the C++ layer: no conversion */
#else
#error "unknown CASE"
#endif
}
