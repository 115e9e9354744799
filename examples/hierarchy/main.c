/* hierarchy: a solar system. Planets are instances of a prefab (a planet
 * with a moon), placed under the sun with the built-in ChildOf; each tick
 * one system advances every orbit, a second propagates positions from
 * parents to children in one depth-ordered pass, and at tick 3 a third
 * destroys Mars (and with it its moon) through its command buffer. Names
 * give every body a path ("sun/earth/moon"). docs/relationships.md.
 *
 *   hierarchy                  four ticks, printed
 *   hierarchy --inspect PORT   then the live inspector on
 *                              http://127.0.0.1:PORT/ (0: a free port) while
 *                              the system turns at 60 Hz, until interrupted
 *                              or for --seconds S (docs/inspector.md) */
#define _POSIX_C_SOURCE 200809L /* clock_gettime (common/clock.h) */

#include <ecs.h>

#include "../common/cli.h"
#include "../common/clock.h"

#ifdef HIERARCHY_INSPECTOR
#include <ecs/inspector.h>
#endif

#include <math.h>
#include <stdbool.h>
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

enum { OPT_INSPECT = CLI_LONG_ONLY, OPT_WRITES, OPT_SECONDS };

static const cli_flag_t flags[] = {
    {"inspect", OPT_INSPECT, "PORT",
     "after the four ticks, serve the live inspector on http://127.0.0.1:PORT/\n"
     "(0: a free port, printed) and tick at 60 Hz; needs -DECS_BUILD_INSPECTOR=ON"},
    {"inspect-writes", OPT_WRITES, NULL, "let the inspector page edit values (default: read-only)"},
    {"seconds", OPT_SECONDS, "S", "with --inspect: stop after S seconds, 1 to 86400 (default: run until interrupted)"},
    {"help", 'h', NULL, "print this help and exit"},
    {0},
};

typedef struct options_t {
  long long inspect; /* port; -1: no inspector */
  long long seconds; /* 0: until interrupted */
  bool writes;
} options_t;

/* 0: run; 1: --help printed; 2: usage error (message printed). */
static int parse(int argc, char **argv, options_t *o) {
  *o = (options_t){.inspect = -1};
  cli_t cli;
  cli_begin(&cli, "hierarchy", flags);
  for (int k; (k = cli_next(&cli, argc, argv)) != -1;) {
    int rc = 0;
    switch (k) {
    case OPT_INSPECT:
      rc = cli_int("hierarchy", "--inspect", optarg, 0, 65535, &o->inspect);
      break;
    case OPT_WRITES:
      o->writes = true;
      break;
    case OPT_SECONDS:
      rc = cli_int("hierarchy", "--seconds", optarg, 1, 86400, &o->seconds);
      break;
    case 'h':
      printf("usage: hierarchy [options]\nA solar system of prefab instances under the built-in ChildOf.\n\n");
      cli_print_flags(&cli, stdout);
      return 1;
    default:
      return CLI_EXIT_USAGE;
    }
    if (rc) {
      return rc;
    }
  }
  if (cli_no_operands(&cli, argc, argv)) {
    return CLI_EXIT_USAGE;
  }
#ifndef HIERARCHY_INSPECTOR
  if (o->inspect >= 0) {
    fprintf(stderr, "hierarchy: --inspect: this build has no inspector (configure with -DECS_BUILD_INSPECTOR=ON)\n");
    return CLI_EXIT_USAGE;
  }
#endif
  return 0;
}

/* After the printed ticks: the inspector between ticks at 60 Hz. */
static int serve(ecs_world_t *world, ecs_scheduler_t *sched, const ids_t *ids, const options_t *o) {
#ifdef HIERARCHY_INSPECTOR
  static const ecs_meta_field_t orbit_fields[] = {ECS_META_AUTO(orbit_t, radius), ECS_META_AUTO(orbit_t, speed),
                                                  ECS_META_AUTO(orbit_t, angle)};
  static const ecs_meta_field_t vec2_fields[] = {ECS_META_AUTO(vec2_t, x), ECS_META_AUTO(vec2_t, y)};
  const ecs_meta_type_t orbit_type = {.fields = orbit_fields, .field_count = ECS_META_COUNT(orbit_fields)};
  const ecs_meta_type_t vec2_type = {.fields = vec2_fields, .field_count = ECS_META_COUNT(vec2_fields)};
  ecs_inspector_t *insp = NULL;
  ecs_status_t st = ecs_meta_set(world, ids->orbit, &orbit_type);
  st = st == ECS_OK ? ecs_meta_set(world, ids->local, &vec2_type) : st;
  st = st == ECS_OK ? ecs_meta_set(world, ids->world, &vec2_type) : st;
  if (st == ECS_OK) {
    st = ecs_inspector_new(
        world, &(ecs_inspector_desc_t){.port = (uint16_t)o->inspect, .allow_writes = o->writes, .scheduler = sched},
        &insp);
  }
  if (st != ECS_OK) {
    fprintf(stderr, "hierarchy: --inspect: %s: %s\n", ecs_strerror(st), ecs_last_error(world));
    return 1;
  }
  printf("inspector: http://127.0.0.1:%u/ (%s)\n", (unsigned)ecs_inspector_port(insp),
         o->writes ? "edits allowed" : "read-only");
  fflush(stdout);
  double start = example_now_s();
  for (uint64_t t = 0; o->seconds == 0 || (double)t < 60.0 * (double)o->seconds; ++t) {
    ecs_tick_result_t r;
    if (ecs_scheduler_tick(sched, 1.0 / 60.0, &r) != ECS_OK) {
      fprintf(stderr, "hierarchy: tick failed: %s\n", ecs_last_error(world));
      ecs_inspector_free(insp);
      return 1;
    }
    ecs_inspector_record_tick(insp, &r);
    double frame_end = start + (double)(t + 1) / 60.0;
    do {
      double left = frame_end - example_now_s();
      ecs_inspector_poll(insp, left > 0 ? (uint32_t)(left * 1000.0) : 0);
    } while (example_now_s() < frame_end);
  }
  ecs_inspector_free(insp);
  return 0;
#else
  (void)world;
  (void)sched;
  (void)ids;
  (void)o;
  return 1; /* refused by parse() */
#endif
}

int main(int argc, char **argv) {
  options_t opt;
  int parsed = parse(argc, argv, &opt);
  if (parsed != 0) {
    return parsed == 1 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
  }
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
  int rc = opt.inspect >= 0 ? serve(world, sched, &ids, &opt) : 0;
  ecs_scheduler_free(sched);
  ecs_world_free(world);
  return rc;
}
