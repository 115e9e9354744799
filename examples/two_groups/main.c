/* two_groups: two synchronized work groups over a few thousand entities.
 *
 * "input" steers: it turns every Walker a little and records, through its
 * command buffer, new walkers at the spawn point and the removal of walkers
 * that wandered off the map. "simulation" runs after it (an explicit
 * dependency) and moves everything. The barrier at the end of each group
 * applies the recorded commands, so "simulation" always sees the walkers
 * "input" spawned in the same tick. Each tick's result is printed.
 *
 * usage: two_groups [--entities N] [--ticks N] (two_groups --help) */
#include "../common/cli.h"

#include <ecs.h>

#include <stdio.h>

typedef struct Position {
  float x, y;
} Position;

typedef struct Heading {
  float dx, dy;
} Heading;

typedef struct Map {
  float half_size;
  uint32_t spawned;
} Map;

typedef struct ids_t {
  ecs_component_t pos, heading, map;
} ids_t;

static ecs_status_t steer(ecs_system_ctx_t *ctx) {
  const ids_t *ids = ctx->user;
  const Map *map = ecs_resource_get(ctx->world, ids->map);
  while (ecs_iter_next(&ctx->it)) {
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      Heading *h = ecs_field_at(&ctx->it, 0, i);
      const Position *p = ecs_field_at(&ctx->it, 1, i);
      /* rotate by a small fixed angle: cheap, deterministic */
      float dx = h->dx * 0.995f - h->dy * 0.0998f;
      h->dy = h->dx * 0.0998f + h->dy * 0.995f;
      h->dx = dx;
      if (p->x * p->x + p->y * p->y > map->half_size * map->half_size) {
        ecs_cmd_destroy(ctx->commands, ctx->it.entities[i]);
      }
    }
  }
  return ECS_OK;
}

static ecs_status_t spawn(ecs_system_ctx_t *ctx) {
  const ids_t *ids = ctx->user;
  Map *map = ecs_resource_get(ctx->world, ids->map);
  for (int i = 0; i < 16; ++i) {
    ecs_entity_t e = ecs_cmd_create(ctx->commands);
    float angle = (float)(map->spawned++ % 64) * 0.098f;
    ecs_cmd_set(ctx->commands, e, ids->pos, &(Position){0.0f, 0.0f});
    ecs_cmd_set(ctx->commands, e, ids->heading, &(Heading){angle, 1.0f - angle * 0.1f});
  }
  return ECS_OK;
}

static ecs_status_t move(ecs_system_ctx_t *ctx) {
  while (ecs_iter_next(&ctx->it)) {
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      Position *p = ecs_field_at(&ctx->it, 0, i);
      const Heading *h = ecs_field_at(&ctx->it, 1, i);
      p->x += h->dx * (float)ctx->dt * 30.0f;
      p->y += h->dy * (float)ctx->dt * 30.0f;
    }
  }
  return ECS_OK;
}

enum { OPT_ENTITIES = CLI_LONG_ONLY, OPT_TICKS };

static const cli_flag_t flags[] = {
    {"entities", OPT_ENTITIES, "N", "walkers at the start, 0 to 1000000 (default 5000)"},
    {"ticks", OPT_TICKS, "N", "ticks to run and print, 1 to 1000000 (default 10)"},
    {"help", 'h', NULL, "print this help and exit"},
    {0},
};

int main(int argc, char **argv) {
  long long entities = 5000;
  long long ticks = 10;
  cli_t cli;
  cli_begin(&cli, "two_groups", flags);
  for (int k; (k = cli_next(&cli, argc, argv)) != -1;) {
    int rc = CLI_EXIT_USAGE;
    switch (k) {
    case OPT_ENTITIES:
      rc = cli_int("two_groups", "--entities", optarg, 0, 1000000, &entities);
      break;
    case OPT_TICKS:
      rc = cli_int("two_groups", "--ticks", optarg, 1, 1000000, &ticks);
      break;
    case 'h':
      printf("usage: two_groups [options]\n"
             "Two synchronized work groups, \"input\" then \"simulation\"; prints every tick's result.\n\n");
      cli_print_flags(&cli, stdout);
      return 0;
    default:
      break; /* cli_next has printed the error */
    }
    if (rc != 0) {
      return rc;
    }
  }
  if (cli_no_operands(&cli, argc, argv) != 0) {
    return CLI_EXIT_USAGE;
  }
  ecs_world_t *world = ecs_world_new(NULL);
  if (!world) {
    return 1;
  }
  ids_t ids = {
      .pos = ECS_COMPONENT(world, Position),
      .heading = ECS_COMPONENT(world, Heading),
      .map = ECS_COMPONENT(world, Map),
  };
  ecs_resource_set(world, ids.map, &(Map){.half_size = 400.0f});
  for (long long i = 0; i < entities; ++i) {
    ecs_entity_t e = ecs_entity_create(world);
    ecs_set(world, e, ids.pos, &(Position){(float)(i % 100) - 50.0f, (float)(i / 100) - 25.0f});
    ecs_set(world, e, ids.heading, &(Heading){1.0f, 0.0f});
  }

  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(world);
  ecs_group_t input = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "input"});
  ecs_group_t sim = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "simulation", .after = {"input"}});
  ecs_builder_add_system(b, input,
                         &(ecs_system_desc_t){
                             .name = "steer",
                             .query = {.terms = {{ids.heading, ECS_ACCESS_WRITE}, {ids.pos, ECS_ACCESS_READ}}},
                             .reads = {ids.map},
                             .callback = steer,
                             .user = &ids,
                         });
  ecs_builder_add_system(b, input,
                         &(ecs_system_desc_t){.name = "spawn", .writes = {ids.map}, .callback = spawn, .user = &ids});
  ecs_builder_add_system(b, sim,
                         &(ecs_system_desc_t){
                             .name = "move",
                             .query = {.terms = {{ids.pos, ECS_ACCESS_WRITE}, {ids.heading, ECS_ACCESS_READ}}},
                             .callback = move,
                         });
  ecs_scheduler_t *sched = NULL;
  if (ecs_scheduler_build(b, &sched) != ECS_OK) {
    fprintf(stderr, "schedule rejected: %s\n", ecs_last_error(world));
    ecs_world_free(world);
    return 1;
  }

  for (long long t = 0; t < ticks; ++t) {
    ecs_tick_result_t r;
    if (ecs_scheduler_tick(sched, 1.0 / 60.0, &r) != ECS_OK) {
      fprintf(stderr, "tick failed: %s\n", ecs_last_error(world));
      break;
    }
    printf("tick %llu: %u systems, %zu commands applied, %zu entities, %.3f ms", (unsigned long long)r.tick,
           r.systems_run, r.commands_applied, ecs_entity_count(world), (double)r.duration_ns / 1e6);
    for (uint32_t g = 0; g < r.group_count; ++g) {
      printf(" | %s %.3f+%.3f ms", r.groups[g].name, (double)r.groups[g].run_ns / 1e6,
             (double)r.groups[g].apply_ns / 1e6);
    }
    printf("\n");
  }
  printf("checksum %016llx\n", (unsigned long long)ecs_world_checksum(world));
  ecs_scheduler_free(sched);
  ecs_world_free(world);
  return 0;
}
