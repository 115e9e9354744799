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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_restore_and_resimulate),
      cmocka_unit_test(test_repeated_short_rollbacks),
      cmocka_unit_test(test_fresh_world_continues_alike),
  };
  return cmocka_run_group_tests_name("rollback", tests, NULL, NULL);
}
