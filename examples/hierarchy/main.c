/* hierarchy: a solar system. Planets are instances of a prefab (a planet
 * with a moon), placed under the sun with the built-in ChildOf; each tick
 * one system advances every orbit, a second propagates positions from
 * parents to children in one depth-ordered pass, and at tick 3 a third
 * destroys Mars (and with it its moon) through its command buffer. Names
 * give every body a path ("sun/earth/moon"). docs/relationships.md. */
#include <ecs.h>

#include <math.h>
#include <stdio.h>

typedef struct orbit_t {
  float radius; /* around the parent */
  float speed;  /* radians per second */
  float angle;
} orbit_t;

typedef struct vec2_t {
  float x, y;
} vec2_t;

typedef struct ids_t {
  ecs_component_t orbit, local, world;
  ecs_entity_t mars;
} ids_t;

/* Local offset from the orbit. */
static ecs_status_t orbit(ecs_system_ctx_t *ctx) {
  while (ecs_iter_next(&ctx->it)) {
    orbit_t *o = ecs_field(&ctx->it, 0);
    vec2_t *l = ecs_field(&ctx->it, 1);
    for (int32_t r = 0; r < ctx->it.count; ++r) {
      o[r].angle += o[r].speed * (float)ctx->dt;
      l[r] = (vec2_t){o[r].radius * cosf(o[r].angle), o[r].radius * sinf(o[r].angle)};
    }
  }
  return ECS_OK;
}

/* World = parent's world + local, parents before children. */
static ecs_status_t propagate(ecs_system_ctx_t *ctx) {
  const ids_t *ids = ctx->user;
  ecs_iter_t it = ecs_query_iter_depth(ecs_iter_query(&ctx->it));
  while (ecs_iter_next(&it)) {
    for (int32_t r = 0; r < it.count; ++r) {
      const vec2_t *l = ecs_field_at(&it, 0, r);
      vec2_t *w = ecs_field_at(&it, 1, r);
      const ecs_parent_t *p = ecs_field_at(&it, 2, r);
      const vec2_t *pw = p ? ecs_system_get(ctx, p->parent, ids->world) : NULL;
      *w = (vec2_t){l->x + (pw ? pw->x : 0.0f), l->y + (pw ? pw->y : 0.0f)};
    }
  }
  return ECS_OK;
}

/* Destroys Mars' subtree at tick 3, from a system: through its commands. */
static ecs_status_t collapse(ecs_system_ctx_t *ctx) {
  const ids_t *ids = ctx->user;
  return ctx->tick == 3 ? ecs_cmd_destroy(ctx->commands, ids->mars) : ECS_OK;
}

static void print_bodies(ecs_world_t *world, const ids_t *ids, ecs_query_t *all) {
  ecs_iter_t it = ecs_query_iter_depth(all);
  while (ecs_iter_next(&it)) {
    for (int32_t r = 0; r < it.count; ++r) {
      char path[128];
      ecs_entity_path(world, it.entities[r], path, sizeof path);
      const vec2_t *w = ecs_get(world, it.entities[r], ids->world);
      printf("  %-16s (%7.2f, %7.2f)\n", path, (double)w->x, (double)w->y);
    }
  }
}

static int fail(ecs_world_t *world, const char *what) {
  fprintf(stderr, "%s: %s\n", what, ecs_last_error(world));
  ecs_world_free(world);
  return 1;
}

int main(void) {
  ecs_world_t *world = ecs_world_new(NULL);
  if (!world) {
    return 1;
  }
  ids_t ids = {.orbit = ECS_COMPONENT(world, orbit_t),
               .local = ecs_component_register_type(world, "Local", sizeof(vec2_t), ECS_ALIGNOF(vec2_t)),
               .world = ecs_component_register_type(world, "World", sizeof(vec2_t), ECS_ALIGNOF(vec2_t))};
  vec2_t zero = {0.0f, 0.0f};

  /* the prefab: a planet with a moon */
  ecs_entity_t planet = ecs_prefab_new(world, ECS_ENTITY_NULL);
  ecs_entity_t moon = ecs_prefab_new(world, planet);
  if (!planet || !moon || ecs_set(world, planet, ids.orbit, &(orbit_t){10.0f, 1.0f, 0.0f}) != ECS_OK ||
      ecs_set(world, planet, ids.local, &zero) != ECS_OK || ecs_set(world, planet, ids.world, &zero) != ECS_OK ||
      ecs_set(world, moon, ids.orbit, &(orbit_t){1.0f, 6.0f, 0.0f}) != ECS_OK ||
      ecs_set(world, moon, ids.local, &zero) != ECS_OK || ecs_set(world, moon, ids.world, &zero) != ECS_OK ||
      ecs_set_name(world, moon, "moon") != ECS_OK) {
    return fail(world, "prefab");
  }

  /* the sun and two instances, each with its own orbit (an override) */
  ecs_entity_t sun = ecs_entity_create(world);
  ecs_entity_t earth = ECS_ENTITY_NULL;
  ecs_override_t earth_orbit[] = {{ids.orbit, &(orbit_t){10.0f, 1.0f, 0.0f}}};
  ecs_override_t mars_orbit[] = {{ids.orbit, &(orbit_t){15.0f, 0.5f, 1.0f}}};
  if (ecs_set(world, sun, ids.local, &zero) != ECS_OK || ecs_set(world, sun, ids.world, &zero) != ECS_OK ||
      ecs_set_name(world, sun, "sun") != ECS_OK || ecs_instantiate(world, planet, earth_orbit, 1, &earth) != ECS_OK ||
      ecs_instantiate(world, planet, mars_orbit, 1, &ids.mars) != ECS_OK ||
      ecs_set_parent(world, earth, sun) != ECS_OK || ecs_set_parent(world, ids.mars, sun) != ECS_OK ||
      ecs_set_name(world, earth, "earth") != ECS_OK || ecs_set_name(world, ids.mars, "mars") != ECS_OK) {
    return fail(world, "bodies");
  }
  /* a mistake the library refuses: the sun below its own planet */
  ecs_status_t st = ecs_set_parent(world, sun, ecs_lookup_path(world, ECS_ENTITY_NULL, "sun/earth/moon"));
  printf("sun below its moon: %s: %s\n", ecs_err_name(st), ecs_last_error(world));

  ecs_component_t parent = ecs_parent_component(world);
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(world);
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "sky", .mode = ECS_GROUP_SYNC});
  ecs_system_desc_t s_orbit = {.name = "orbit",
                               .callback = orbit,
                               .query = {.terms = {{ids.orbit, ECS_ACCESS_WRITE}, {ids.local, ECS_ACCESS_WRITE}}}};
  ecs_system_desc_t s_prop = {
      .name = "propagate",
      .callback = propagate,
      .user = &ids,
      .query = {.terms = {{ids.local, ECS_ACCESS_READ}, {ids.world, ECS_ACCESS_WRITE}, {parent, ECS_ACCESS_OPTIONAL}}}};
  ecs_system_desc_t s_collapse = {
      .name = "collapse", .callback = collapse, .user = &ids, .query = {.terms = {{ids.orbit, ECS_ACCESS_READ}}}};
  ecs_scheduler_t *sched = NULL;
  if (ecs_builder_add_system(b, g, &s_orbit) != ECS_OK || ecs_builder_add_system(b, g, &s_prop) != ECS_OK ||
      ecs_builder_add_system(b, g, &s_collapse) != ECS_OK || ecs_scheduler_build(b, &sched) != ECS_OK) {
    return fail(world, "schedule");
  }
  ecs_query_t *all = ecs_query_new(world, &(ecs_query_desc_t){.terms = {{ids.world, ECS_ACCESS_READ}}});
  for (int t = 1; t <= 4; ++t) {
    if (ecs_scheduler_tick(sched, 0.25, NULL) != ECS_OK) {
      ecs_scheduler_free(sched);
      return fail(world, "tick");
    }
    printf("tick %d: %zu bodies\n", t, ecs_query_count(all));
    print_bodies(world, &ids, all);
  }
  /* a query that names the prefab tag sees the prefabs the others skip */
  ecs_query_t *prefabs = ecs_query_new(
      world, &(ecs_query_desc_t){.terms = {{ids.world, ECS_ACCESS_READ}, {ecs_prefab_tag(world), ECS_ACCESS_WITH}}});
  printf("mars alive: %s, sun's children: %zu, prefab bodies (skipped above): %zu\n",
         ecs_entity_alive(world, ids.mars) ? "yes" : "no", ecs_children(world, sun, NULL, 0), ecs_query_count(prefabs));
  ecs_scheduler_free(sched);
  ecs_world_free(world);
  return 0;
}
