/* Rollback: restoring an earlier tick and simulating forward again gives
 * the same world, tick after tick, as the first time; so does loading the
 * snapshot into a fresh world. The simulation is test_determinism's, run
 * with every storage kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

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

static void sim_init(sim_t *sim, uint64_t seed, sim_mode_t mode) {
  sim->world = ecs_world_new(NULL);
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
  ecs_scheduler_desc_t opts = {.threads = mode.threads, .on_conflict = ECS_CONFLICT_SERIALIZE};
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

static void sim_fini(sim_t *sim) {
  ecs_scheduler_free(sim->sched);
  ecs_world_free(sim->world);
}

static void run(sim_t *sim, uint64_t to, uint64_t *hashes) {
  for (uint64_t t = ecs_scheduler_tick_count(sim->sched) + 1; t <= to; ++t) {
    ecs_tick_result_t r;
    assert_int_equal(ecs_scheduler_tick(sim->sched, 1.0 / 60.0, &r), ECS_OK);
    assert_int_equal(r.tick, t);
    hashes[t] = ecs_world_checksum(sim->world);
  }
}

#define SAVE_AT 100
#define END 200

static const sim_mode_t modes[] = {
    {ECS_GROUP_SYNC, 0, ECS_STORAGE_DENSE, ECS_STORAGE_DENSE, ECS_STORAGE_DENSE},
    {ECS_GROUP_SYNC, 0, ECS_STORAGE_ARCHETYPE, ECS_STORAGE_SPARSE, ECS_STORAGE_ARCHETYPE},
    {ECS_GROUP_SYNC, 0, ECS_STORAGE_ARCHETYPE, ECS_STORAGE_ARCHETYPE, ECS_STORAGE_ARCHETYPE},
    {ECS_GROUP_ASYNC, 2, ECS_STORAGE_SPARSE, ECS_STORAGE_ARCHETYPE, ECS_STORAGE_DENSE},
};

/* Save at tick 100, run to 200, restore 100, run to 200 again: the same
 * checksum after every tick. */
static void test_restore_and_resimulate(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof modes / sizeof modes[0]; ++m) {
    static uint64_t first[END + 1], again[END + 1];
    sim_t sim;
    sim_init(&sim, 42, modes[m]);
    ecs_rollback_t *rb = ecs_rollback_new(sim.world, 4);
    assert_non_null(rb);
    run(&sim, SAVE_AT, first);
    assert_int_equal(ecs_rollback_save(rb, SAVE_AT), ECS_OK);
    run(&sim, END, first);
    assert_true(ecs_entity_count(sim.world) > 20);
    assert_true(first[SAVE_AT] != first[END]);

    assert_int_equal(ecs_rollback_restore(rb, SAVE_AT), ECS_OK);
    assert_int_equal(ecs_scheduler_set_tick(sim.sched, SAVE_AT), ECS_OK);
    assert_int_equal(ecs_world_checksum(sim.world), first[SAVE_AT]);
    run(&sim, END, again);
    for (int t = SAVE_AT + 1; t <= END; ++t) {
      if (first[t] != again[t]) {
        fail_msg("mode %zu: the re-run diverges at tick %d", m, t);
      }
    }
    ecs_rollback_free(rb);
    sim_fini(&sim);
  }
}

/* Netcode-style: a snapshot every tick, restored a few ticks back again
 * and again; the final world is the one of a straight run. */
static void test_repeated_short_rollbacks(void **state) {
  (void)state;
  static uint64_t straight[END + 1], hashes[END + 1];
  sim_t ref;
  sim_init(&ref, 7, modes[1]);
  run(&ref, END, straight);
  sim_fini(&ref);

  sim_t sim;
  sim_init(&sim, 7, modes[1]);
  ecs_rollback_t *rb = ecs_rollback_new(sim.world, 8);
  for (uint64_t t = 1; t <= END; ++t) {
    run(&sim, t, hashes);
    assert_int_equal(ecs_rollback_save(rb, t), ECS_OK);
    if (t % 10 == 0) {
      uint64_t back = t - 6;
      assert_int_equal(ecs_rollback_restore(rb, back), ECS_OK);
      assert_int_equal(ecs_scheduler_set_tick(sim.sched, back), ECS_OK);
      assert_int_equal(ecs_world_checksum(sim.world), straight[back]);
      run(&sim, t, hashes);
      assert_int_equal(hashes[t], straight[t]);
    }
  }
  assert_int_equal(ecs_world_checksum(sim.world), straight[END]);
  ecs_rollback_free(rb);
  sim_fini(&sim);
}

/* The snapshot of tick 100 loaded into a fresh world with the same schedule
 * runs on exactly as the original. */
static void test_fresh_world_continues_alike(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof modes / sizeof modes[0]; ++m) {
    static uint64_t first[END + 1], other[END + 1];
    sim_t sim, copy;
    sim_init(&sim, 3, modes[m]);
    run(&sim, SAVE_AT, first);
    ecs_membuf_t buf = {0};
    ecs_writer_t out = ecs_membuf_writer(&buf);
    assert_int_equal(ecs_snapshot_save(sim.world, &out), ECS_OK);
    run(&sim, END, first);

    sim_init(&copy, 999, modes[m]); /* the seed lives in a resource: the snapshot's wins */
    ecs_memsrc_t src = {buf.data, buf.size, 0};
    ecs_reader_t in = ecs_memreader(&src);
    assert_int_equal(ecs_snapshot_load(copy.world, &in), ECS_OK);
    assert_int_equal(ecs_scheduler_set_tick(copy.sched, SAVE_AT), ECS_OK);
    run(&copy, END, other);
    for (int t = SAVE_AT + 1; t <= END; ++t) {
      if (first[t] != other[t]) {
        fail_msg("mode %zu: the loaded world diverges at tick %d", m, t);
      }
    }
    ecs_membuf_free(&buf);
    sim_fini(&copy);
    sim_fini(&sim);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_restore_and_resimulate),
      cmocka_unit_test(test_repeated_short_rollbacks),
      cmocka_unit_test(test_fresh_world_continues_alike),
  };
  return cmocka_run_group_tests_name("rollback", tests, NULL, NULL);
}
