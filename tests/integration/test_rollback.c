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

#include <string.h>

#include "support/sim.h"

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

/* ---- scheduler state travels with the snapshot ----
 * A fixed-step group whose accumulator holds a remainder, a group run every
 * third tick and a quarantining system with a failure streak: restoring a
 * snapshot (same world, or a fresh one built before or after the load) and
 * simulating on gives the first run's world after every tick. */
typedef struct Steps {
  int64_t fixed, every3, flaky_ok;
} Steps;

typedef struct sched_world_t {
  int32_t threads; /* 0: SYNC groups; else ASYNC groups on that many threads */
  ecs_world_t *world;
  ecs_scheduler_t *sched;
  ecs_component_t steps;
} sched_world_t;

static ecs_status_t count_fixed(ecs_system_ctx_t *ctx) {
  Steps *st = ecs_system_resource_mut(ctx, *(const ecs_component_t *)ctx->user);
  st->fixed = (int64_t)((uint64_t)st->fixed * 3u + ctx->tick); /* order and tick both show (wrapping) */
  return ECS_OK;
}

static ecs_status_t count_every3(ecs_system_ctx_t *ctx) {
  Steps *st = ecs_system_resource_mut(ctx, *(const ecs_component_t *)ctx->user);
  st->every3 += (int64_t)ctx->tick;
  return ECS_OK;
}

/* fails on ticks 9..11 (quarantined after 3 in a row), else counts */
static ecs_status_t flaky(ecs_system_ctx_t *ctx) {
  if (ctx->tick >= 9 && ctx->tick <= 11) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  Steps *st = ecs_system_resource_mut(ctx, *(const ecs_component_t *)ctx->user);
  st->flaky_ok += (int64_t)ctx->tick;
  return ECS_OK;
}

static void sched_world_build(sched_world_t *sw) {
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(sw->world);
  ecs_group_mode_t mode = sw->threads ? ECS_GROUP_ASYNC : ECS_GROUP_SYNC;
  ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.threads = sw->threads, .inline_below_ns = 1});
  ecs_group_t fixed = ecs_builder_add_group(
      b, &(ecs_group_desc_t){.name = "fixed", .mode = mode, .fixed_dt = 1.0 / 60.0, .max_steps = 4});
  ecs_group_t every3 =
      ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "every3", .mode = mode, .every_n_ticks = 3});
  ecs_group_t other = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "other", .mode = mode});
  assert_int_equal(ecs_builder_add_system(
                       b, fixed,
                       &(ecs_system_desc_t){
                           .name = "count_fixed", .writes = {sw->steps}, .callback = count_fixed, .user = &sw->steps}),
                   ECS_OK);
  assert_int_equal(ecs_builder_add_system(b, every3,
                                          &(ecs_system_desc_t){.name = "count_every3",
                                                               .writes = {sw->steps},
                                                               .callback = count_every3,
                                                               .user = &sw->steps}),
                   ECS_OK);
  assert_int_equal(ecs_builder_add_system(b, other,
                                          &(ecs_system_desc_t){.name = "flaky",
                                                               .writes = {sw->steps},
                                                               .callback = flaky,
                                                               .user = &sw->steps,
                                                               .on_error = ECS_ON_ERROR_QUARANTINE,
                                                               .quarantine_after = 3}),
                   ECS_OK);
  assert_int_equal(ecs_scheduler_build(b, &sw->sched), ECS_OK);
}

static void sched_world_init(sched_world_t *sw, int32_t threads, bool build) {
  sw->threads = threads;
  sw->world = ecs_world_new(NULL);
  sw->steps = ECS_COMPONENT(sw->world, Steps);
  assert_int_equal(ecs_resource_set(sw->world, sw->steps, &(Steps){0}), ECS_OK);
  sw->sched = NULL;
  if (build) {
    sched_world_build(sw);
  }
}

static void sched_world_fini(sched_world_t *sw) {
  ecs_scheduler_free(sw->sched);
  ecs_world_free(sw->world);
}

/* dt of tick t: uneven, so the fixed-step accumulator holds remainders */
static double dt_of(uint64_t t) {
  return (t % 3 == 0) ? 1.0 / 45.0 : 1.0 / 70.0;
}

static void run_sched(sched_world_t *sw, uint64_t to, uint64_t *hashes) {
  for (uint64_t t = ecs_scheduler_tick_count(sw->sched) + 1; t <= to; ++t) {
    ecs_tick_result_t r;
    (void)ecs_scheduler_tick(sw->sched, dt_of(t), &r);
    assert_int_equal(r.tick, t);
    hashes[t] = ecs_world_checksum(sw->world);
  }
}

static void test_scheduler_state_restored(void **state) {
  (void)state;
  const int32_t thread_counts[] = {0, 1, 2, 4};
  for (size_t m = 0; m < sizeof thread_counts / sizeof thread_counts[0]; ++m) {
    const int32_t threads = thread_counts[m];
    enum { SAVE = 10, LAST = 40 };
    uint64_t first[LAST + 1] = {0}, again[LAST + 1] = {0};
    sched_world_t sw;
    sched_world_init(&sw, threads, true);
    ecs_rollback_t *rb = ecs_rollback_new(sw.world, 2);
    run_sched(&sw, SAVE, first);
    assert_int_equal(ecs_rollback_save(rb, SAVE), ECS_OK);
    ecs_membuf_t buf = {0};
    ecs_writer_t out = ecs_membuf_writer(&buf);
    assert_int_equal(ecs_snapshot_save(sw.world, &out), ECS_OK);
    run_sched(&sw, LAST, first);
    assert_false(ecs_scheduler_system_enabled(sw.sched, "flaky"));

    /* the same world, rolled back: the tick comes back with the state */
    assert_int_equal(ecs_rollback_restore(rb, SAVE), ECS_OK);
    assert_int_equal(ecs_scheduler_tick_count(sw.sched), SAVE);
    assert_true(ecs_scheduler_system_enabled(sw.sched, "flaky"));
    run_sched(&sw, LAST, again);
    for (int t = SAVE + 1; t <= LAST; ++t) {
      if (first[t] != again[t]) {
        fail_msg("rollback: diverges at tick %d", t);
      }
    }

    /* fresh worlds: the scheduler built before the load, and after it */
    for (int after = 0; after < 2; ++after) {
      sched_world_t copy;
      sched_world_init(&copy, threads, after == 0);
      ecs_memsrc_t src = {buf.data, buf.size, 0};
      ecs_reader_t in = ecs_memreader(&src);
      assert_int_equal(ecs_snapshot_load(copy.world, &in), ECS_OK);
      if (after) {
        sched_world_build(&copy);
      }
      assert_int_equal(ecs_scheduler_tick_count(copy.sched), SAVE);
      memset(again, 0, sizeof again);
      run_sched(&copy, LAST, again);
      for (int t = SAVE + 1; t <= LAST; ++t) {
        if (first[t] != again[t]) {
          fail_msg("fresh world (scheduler built %s the load): diverges at tick %d", after ? "after" : "before", t);
        }
      }
      sched_world_fini(&copy);
    }
    ecs_membuf_free(&buf);
    ecs_rollback_free(rb);
    sched_world_fini(&sw);
  }
}

/* ---- change detection travels with the snapshot ----
 * A writer touches a few entities each tick; a watcher with an
 * ECS_CHANGED() query (running every other tick) folds what it sees into a
 * resource, so the checksum shows any difference in what it saw. Restoring
 * and resimulating, in the same world and in fresh ones, gives the first
 * run's world after every tick, for every storage kind. */
typedef struct Seen {
  uint64_t fold;
  int64_t rows;
} Seen;

typedef struct watch_world_t {
  ecs_world_t *world;
  ecs_scheduler_t *sched;
  ecs_component_t val, seen;
} watch_world_t;

/* writes through ecs_field_at(): only the rows written count as changed
 * (ecs_field() would hand out, and mark, the whole chunk) */
static ecs_status_t touch_some(ecs_system_ctx_t *ctx) {
  while (ecs_iter_next(&ctx->it)) {
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      if ((ECS_ENTITY_INDEX(ctx->it.entities[i]) + ctx->tick) % 7 == 0) {
        *(int32_t *)ecs_field_at(&ctx->it, 0, i) += 1;
      }
    }
  }
  return ECS_OK;
}

static ecs_status_t watch_changes(ecs_system_ctx_t *ctx) {
  const watch_world_t *ww = ctx->user;
  Seen *s = ecs_system_resource_mut(ctx, ww->seen);
  while (ecs_iter_next(&ctx->it)) {
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      s->fold = s->fold * 1099511628211ull + ECS_ENTITY_INDEX(ctx->it.entities[i]) + ctx->tick;
      s->rows++;
    }
  }
  return ECS_OK;
}

static bool odd_tick(const ecs_world_t *world, void *user) {
  (void)world;
  const watch_world_t *ww = user;
  return ecs_scheduler_tick_count(ww->sched) % 2 == 0; /* the tick being run is odd */
}

static void watch_world_init(watch_world_t *ww, ecs_storage_kind_t kind, bool populate) {
  ww->world = ecs_world_new(NULL);
  ww->val = ecs_component_register(ww->world, &(ecs_component_desc_t){.name = "val", .size = 4, .storage = kind});
  ww->seen = ECS_COMPONENT(ww->world, Seen);
  assert_int_equal(ecs_resource_set(ww->world, ww->seen, &(Seen){0}), ECS_OK);
  for (int i = 0; populate && i < 60; ++i) {
    ecs_set(ww->world, ecs_entity_create(ww->world), ww->val, &(int32_t){i});
  }
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(ww->world);
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "g"});
  ecs_builder_add_system(
      b, g,
      &(ecs_system_desc_t){.name = "touch", .query = {.terms = {{ww->val, ECS_ACCESS_WRITE}}}, .callback = touch_some});
  ecs_builder_add_system(b, g,
                         &(ecs_system_desc_t){.name = "watch",
                                              .query = {.terms = {{ww->val, ECS_CHANGED(ECS_ACCESS_READ)}}},
                                              .writes = {ww->seen},
                                              .callback = watch_changes,
                                              .user = ww,
                                              .run_if = odd_tick,
                                              .run_if_user = ww});
  assert_int_equal(ecs_scheduler_build(b, &ww->sched), ECS_OK);
}

static void watch_run(watch_world_t *ww, uint64_t to, uint64_t *hashes) {
  for (uint64_t t = ecs_scheduler_tick_count(ww->sched) + 1; t <= to; ++t) {
    assert_int_equal(ecs_scheduler_tick(ww->sched, 0.0, NULL), ECS_OK);
    hashes[t] = ecs_world_checksum(ww->world);
  }
}

static void test_change_detection_restored(void **state) {
  (void)state;
  enum { SAVE = 9, LAST = 30 };
  const ecs_storage_kind_t kinds[] = {ECS_STORAGE_ARCHETYPE, ECS_STORAGE_DENSE, ECS_STORAGE_SPARSE};
  for (size_t k = 0; k < 3; ++k) {
    uint64_t first[LAST + 1] = {0}, again[LAST + 1] = {0};
    watch_world_t ww;
    watch_world_init(&ww, kinds[k], true);
    ecs_rollback_t *rb = ecs_rollback_new(ww.world, 2);
    watch_run(&ww, SAVE, first);
    assert_int_equal(ecs_rollback_save(rb, SAVE), ECS_OK);
    ecs_membuf_t buf = {0};
    ecs_writer_t out = ecs_membuf_writer(&buf);
    assert_int_equal(ecs_snapshot_save(ww.world, &out), ECS_OK);
    watch_run(&ww, LAST, first);
    assert_true(((const Seen *)ecs_resource_get(ww.world, ww.seen))->rows > 0);

    assert_int_equal(ecs_rollback_restore(rb, SAVE), ECS_OK);
    watch_run(&ww, LAST, again);
    for (int t = SAVE + 1; t <= LAST; ++t) {
      if (first[t] != again[t]) {
        fail_msg("kind %zu, rollback: diverges at tick %d", k, t);
      }
    }
    /* a fresh world (its queries have never run) loading the snapshot */
    watch_world_t copy;
    watch_world_init(&copy, kinds[k], false);
    ecs_memsrc_t src = {buf.data, buf.size, 0};
    ecs_reader_t in = ecs_memreader(&src);
    assert_int_equal(ecs_snapshot_load(copy.world, &in), ECS_OK);
    memset(again, 0, sizeof again);
    watch_run(&copy, LAST, again);
    for (int t = SAVE + 1; t <= LAST; ++t) {
      if (first[t] != again[t]) {
        fail_msg("kind %zu, fresh world: diverges at tick %d", k, t);
      }
    }
    ecs_scheduler_free(copy.sched);
    ecs_world_free(copy.world);
    ecs_membuf_free(&buf);
    ecs_rollback_free(rb);
    ecs_scheduler_free(ww.sched);
    ecs_world_free(ww.world);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_restore_and_resimulate),      cmocka_unit_test(test_repeated_short_rollbacks),
      cmocka_unit_test(test_fresh_world_continues_alike), cmocka_unit_test(test_scheduler_state_restored),
      cmocka_unit_test(test_change_detection_restored),
  };
  return cmocka_run_group_tests_name("rollback", tests, NULL, NULL);
}
