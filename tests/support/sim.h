/* The small deterministic simulation shared by the determinism and rollback
 * suites: entities spawn from a seeded RNG resource, move (parallel_for),
 * drain energy and die, over two groups (SYNC or ASYNC on a pool), with each
 * component in a chosen storage kind. Include after <cmocka.h>. */
#ifndef ECS_TEST_SUPPORT_SIM_H
#define ECS_TEST_SUPPORT_SIM_H

#include "ecs.h"

typedef struct Pos {
  int32_t x, y;
} Pos;
typedef struct Vel {
  int32_t dx, dy;
} Vel;
typedef struct Energy {
  int32_t value;
} Energy;
typedef struct Rng {
  uint64_t state;
} Rng;

typedef struct sim_t {
  ecs_world_t *world;
  ecs_scheduler_t *sched;
  ecs_component_t pos, vel, energy, rng;
} sim_t;

static uint32_t rng_next(Rng *r) {
  r->state = r->state * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)(r->state >> 33);
}

static ecs_status_t spawn(ecs_system_ctx_t *ctx) {
  const sim_t *sim = ctx->user;
  Rng *rng = ecs_resource_get(ctx->world, sim->rng);
  uint32_t n = rng_next(rng) % 8;
  for (uint32_t i = 0; i < n; ++i) {
    ecs_entity_t e = ecs_cmd_create(ctx->commands);
    Pos p = {(int32_t)(rng_next(rng) % 100), (int32_t)(rng_next(rng) % 100)};
    Vel v = {(int32_t)(rng_next(rng) % 7) - 3, (int32_t)(rng_next(rng) % 7) - 3};
    Energy en = {(int32_t)(rng_next(rng) % 50) + 10};
    ecs_cmd_set(ctx->commands, e, sim->pos, &p);
    ecs_cmd_set(ctx->commands, e, sim->energy, &en);
    if (v.dx != 0 || v.dy != 0) {
      ecs_cmd_set(ctx->commands, e, sim->vel, &v);
    }
  }
  return ECS_OK;
}

static ecs_status_t reap(ecs_system_ctx_t *ctx) {
  while (ecs_iter_next(&ctx->it)) {
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      const Energy *en = ecs_field_at(&ctx->it, 0, i);
      if (en->value <= 0) {
        ecs_cmd_destroy(ctx->commands, ctx->it.entities[i]);
      }
    }
  }
  return ECS_OK;
}

static ecs_status_t move_slice(ecs_iter_t *chunk, ecs_cmd_buffer_t *commands, void *user) {
  (void)commands;
  (void)user;
  for (int32_t i = 0; i < chunk->count; ++i) {
    Pos *p = ecs_field_at(chunk, 0, i);
    const Vel *v = ecs_field_at(chunk, 1, i);
    p->x = (p->x + v->dx + 1000) % 1000;
    p->y = (p->y + v->dy + 1000) % 1000;
  }
  return ECS_OK;
}

/* split over the pool when there is one */
static ecs_status_t move(ecs_system_ctx_t *ctx) {
  return ecs_parallel_for(ctx, 16, move_slice, NULL);
}

static ecs_status_t drain(ecs_system_ctx_t *ctx) {
  const sim_t *sim = ctx->user;
  while (ecs_iter_next(&ctx->it)) {
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      Energy *en = ecs_field_at(&ctx->it, 0, i);
      const Pos *p = ecs_field_at(&ctx->it, 1, i);
      en->value -= 1 + (p->x + p->y) % 3;
      /* standing still costs a velocity: exercises add during the run */
      if (!ecs_field_at(&ctx->it, 2, i) && en->value % 5 == 0) {
        ecs_cmd_set(ctx->commands, ctx->it.entities[i], sim->vel, &(Vel){1, -1});
      }
    }
  }
  return ECS_OK;
}

/* How a run is scheduled: SYNC groups on the caller's thread, or ASYNC
 * groups (conflicts serialized) on a pool of the given threads. */
typedef struct sim_mode_t {
  ecs_group_mode_t groups;
  int32_t threads;
  ecs_storage_kind_t pos_kind, vel_kind, energy_kind;
} sim_mode_t;

/* desc: the world's options (NULL: defaults), e.g. a test allocator. */
static inline void sim_init_with(sim_t *sim, uint64_t seed, sim_mode_t mode, const ecs_world_desc_t *desc) {
  sim->world = ecs_world_new(desc);
  assert_non_null(sim->world);
  sim->pos = ecs_component_register(
      sim->world, &(ecs_component_desc_t){.name = "Pos", .size = sizeof(Pos), .storage = mode.pos_kind});
  sim->vel = ecs_component_register(
      sim->world, &(ecs_component_desc_t){.name = "Vel", .size = sizeof(Vel), .storage = mode.vel_kind});
  sim->energy = ecs_component_register(
      sim->world, &(ecs_component_desc_t){.name = "Energy", .size = sizeof(Energy), .storage = mode.energy_kind});
  sim->rng = ECS_COMPONENT(sim->world, Rng);
  assert_int_equal(ecs_resource_set(sim->world, sim->rng, &(Rng){seed}), ECS_OK);

  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(sim->world);
  ecs_scheduler_desc_t opts = {.threads = mode.threads, .on_conflict = ECS_CONFLICT_SERIALIZE, .inline_below_ns = 1};
  assert_int_equal(ecs_builder_set_options(b, &opts), ECS_OK);
  /* registered out of order on purpose: the edge decides */
  ecs_group_t simulation =
      ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "simulation", .mode = mode.groups, .after = {"input"}});
  ecs_group_t input = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "input", .mode = mode.groups});
  assert_int_equal(
      ecs_builder_add_system(
          b, input, &(ecs_system_desc_t){.name = "spawn", .writes = {sim->rng}, .callback = spawn, .user = sim}),
      ECS_OK);
  assert_int_equal(
      ecs_builder_add_system(
          b, input,
          &(ecs_system_desc_t){.name = "reap", .query = {.terms = {{sim->energy, ECS_ACCESS_READ}}}, .callback = reap}),
      ECS_OK);
  assert_int_equal(ecs_builder_add_system(b, simulation,
                                          &(ecs_system_desc_t){.name = "move",
                                                               .query = {.terms = {{sim->pos, ECS_ACCESS_WRITE},
                                                                                   {sim->vel, ECS_ACCESS_READ}}},
                                                               .callback = move}),
                   ECS_OK);
  assert_int_equal(ecs_builder_add_system(b, simulation,
                                          &(ecs_system_desc_t){.name = "drain",
                                                               .query = {.terms = {{sim->energy, ECS_ACCESS_WRITE},
                                                                                   {sim->pos, ECS_ACCESS_READ},
                                                                                   {sim->vel, ECS_ACCESS_OPTIONAL}}},
                                                               .callback = drain,
                                                               .user = sim}),
                   ECS_OK);
  assert_int_equal(ecs_scheduler_build(b, &sim->sched), ECS_OK);
}

static inline void sim_init(sim_t *sim, uint64_t seed, sim_mode_t mode) {
  sim_init_with(sim, seed, mode, NULL);
}

static void sim_fini(sim_t *sim) {
  ecs_scheduler_free(sim->sched);
  ecs_world_free(sim->world);
}

#endif /* ECS_TEST_SUPPORT_SIM_H */
