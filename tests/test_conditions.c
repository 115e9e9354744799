/* Run conditions, fixed timesteps and interval groups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecs.h"
#include "support/owned.h"

#include <math.h>

typedef struct counter_t {
  int runs;
  double dt_sum;
  double last_dt;
} counter_t;

static ecs_status_t count_run(ecs_system_ctx_t *ctx) {
  counter_t *c = ctx->user;
  c->runs++;
  c->dt_sum += ctx->dt;
  c->last_dt = ctx->dt;
  return ecs_cmd_create(ctx->commands) ? ECS_OK : ECS_ERR_NO_MEMORY;
}

static bool when_flag(const ecs_world_t *world, void *user) {
  (void)world;
  return *(const bool *)user;
}

static void test_run_conditions(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  bool group_on = true;
  bool system_on = false;
  counter_t a = {0}, b = {0}, c = {0};
  ecs_scheduler_builder_t *bld = ecs_scheduler_builder_new(w);
  ecs_builder_set_options(
      bld, &(ecs_scheduler_desc_t){.inline_below_ns = 1, .threads = 1, .on_conflict = ECS_CONFLICT_SERIALIZE});
  ecs_group_t g = ecs_builder_add_group(
      bld, &(ecs_group_desc_t){.name = "g", .mode = ECS_GROUP_ASYNC, .run_if = when_flag, .run_if_user = &group_on});
  ecs_builder_add_system(bld, g, &(ecs_system_desc_t){.name = "a", .callback = count_run, .user = &a});
  ecs_builder_add_system(
      bld, g,
      &(ecs_system_desc_t){
          .name = "b", .callback = count_run, .user = &b, .run_if = when_flag, .run_if_user = &system_on});
  ecs_builder_add_system(bld, g, &(ecs_system_desc_t){.name = "c", .callback = count_run, .user = &c});
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(bld, &s), ECS_OK);
  ecs_tick_result_t r;
  assert_int_equal(ecs_scheduler_tick(s, 0.1, &r), ECS_OK);
  assert_int_equal(r.systems_run, 2);
  assert_int_equal(r.systems_not_due, 1);
  assert_int_equal(b.runs, 0);
  system_on = true;
  assert_int_equal(ecs_scheduler_tick(s, 0.1, &r), ECS_OK);
  assert_int_equal(r.systems_run, 3);
  group_on = false;
  assert_int_equal(ecs_scheduler_tick(s, 0.1, &r), ECS_OK);
  assert_int_equal(r.systems_run, 0);
  assert_int_equal(r.systems_not_due, 3);
  assert_int_equal(r.groups[0].runs, 0);
  assert_int_equal(a.runs, 2);
  assert_int_equal(b.runs, 1);
  assert_int_equal(c.runs, 2);
  assert_int_equal(ecs_entity_count(w), 5);
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

/* A 1/60 s fixed step fed by uneven frame times runs as many steps as the
 * time owes, each with the fixed dt and its own barrier. */
static void test_fixed_timestep(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  counter_t physics = {0}, render = {0};
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_group_t fixed = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "physics", .fixed_dt = 1.0 / 60.0});
  ecs_group_t frame = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "render", .after = {"physics"}});
  ecs_builder_add_system(b, fixed, &(ecs_system_desc_t){.name = "step", .callback = count_run, .user = &physics});
  ecs_builder_add_system(b, frame, &(ecs_system_desc_t){.name = "draw", .callback = count_run, .user = &render});
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  const double frames[] = {1.0 / 30.0, 1.0 / 120.0, 1.0 / 120.0, 0.0, 1.0 / 60.0 * 3.5};
  const uint32_t expect_steps[] = {2, 0, 1, 0, 3};
  for (size_t i = 0; i < sizeof frames / sizeof frames[0]; ++i) {
    ecs_tick_result_t r;
    assert_int_equal(ecs_scheduler_tick(s, frames[i], &r), ECS_OK);
    assert_int_equal(r.groups[0].runs, expect_steps[i]);
    assert_int_equal(r.groups[1].runs, 1);
    assert_int_equal(r.groups[0].commands_applied, expect_steps[i]); /* a barrier per step */
  }
  assert_int_equal(physics.runs, 6);
  assert_true(physics.last_dt == 1.0 / 60.0);
  assert_int_equal(render.runs, 5);
  assert_true(render.last_dt == frames[4]);
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

/* A huge frame time does not make the fixed group run forever: at most
 * max_steps, and the rest is dropped and counted. */
static void test_spiral_of_death_guard(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  counter_t physics = {0};
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_group_t fixed =
      ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "physics", .fixed_dt = 0.01, .max_steps = 4});
  ecs_builder_add_system(b, fixed, &(ecs_system_desc_t){.name = "step", .callback = count_run, .user = &physics});
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  ecs_tick_result_t r;
  assert_int_equal(ecs_scheduler_tick(s, 1.0, &r), ECS_OK); /* owes 100 steps */
  assert_int_equal(r.groups[0].runs, 4);
  assert_true(r.fixed_steps_dropped >= 95 && r.fixed_steps_dropped <= 96);
  assert_int_equal(ecs_scheduler_tick(s, 0.0, &r), ECS_OK); /* nothing carried over */
  assert_int_equal(r.groups[0].runs, 0);
  assert_int_equal(physics.runs, 4);
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

static void test_interval_groups(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  counter_t every3 = {0};
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "ai", .every_n_ticks = 3});
  ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "think", .callback = count_run, .user = &every3});
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  for (int t = 1; t <= 10; ++t) {
    ecs_tick_result_t r;
    assert_int_equal(ecs_scheduler_tick(s, 0.016, &r), ECS_OK);
    assert_int_equal(r.groups[0].runs, t % 3 == 0 ? 1 : 0);
  }
  assert_int_equal(every3.runs, 3);
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

static void test_bad_fixed_dt(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  assert_int_equal(ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "neg", .fixed_dt = -1.0}), 0);
  assert_int_equal(ecs_last_status(w), ECS_ERR_INVALID_ARGUMENT);
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_ERR_INVALID_ARGUMENT);
  ecs_world_free(w);
}

/* One tick with a huge, infinite, NaN or negative dt: a huge or infinite
 * one runs max_steps once and is forgotten; NaN and negative add nothing. */
static void test_bad_dt_does_not_poison(void **state) {
  (void)state;
  const double bad[] = {1e300, INFINITY, -INFINITY, NAN, -1.0, 1e20};
  const uint32_t expect_first[] = {4, 4, 0, 0, 0, 4};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; ++k) {
    ecs_world_t *w = world_new();
    counter_t physics = {0};
    ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
    ecs_group_t fixed =
        ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "physics", .fixed_dt = 0.01, .max_steps = 4});
    ecs_builder_add_system(b, fixed, &(ecs_system_desc_t){.name = "step", .callback = count_run, .user = &physics});
    ecs_scheduler_t *s = NULL;
    assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
    ecs_tick_result_t r;
    assert_int_equal(ecs_scheduler_tick(s, 0.015, &r), ECS_OK); /* one step, 0.005 owed */
    assert_int_equal(r.groups[0].runs, 1);
    assert_int_equal(ecs_scheduler_tick(s, bad[k], &r), ECS_OK);
    if (r.groups[0].runs != expect_first[k]) {
      fail_msg("dt %g: %u steps, expected %u", bad[k], r.groups[0].runs, expect_first[k]);
    }
    assert_true(expect_first[k] == 0 ? r.fixed_steps_dropped == 0 : r.fixed_steps_dropped > 0);
    ecs_fixed_step_t fs;
    assert_int_equal(ecs_scheduler_fixed_step(s, "physics", &fs), ECS_OK);
    assert_true(fs.accumulator >= 0.0 && fs.accumulator < 0.01 && fs.alpha >= 0.0 && fs.alpha < 1.0);
    for (int t = 0; t < 3; ++t) {
      assert_int_equal(ecs_scheduler_tick(s, 0.0, &r), ECS_OK);
      if (r.groups[0].runs != 0 || r.fixed_steps_dropped != 0) {
        fail_msg("dt %g: a later tick with dt 0 ran %u steps, dropped %u", bad[k], r.groups[0].runs,
                 r.fixed_steps_dropped);
      }
    }
    /* normal time runs normally again */
    assert_int_equal(ecs_scheduler_tick(s, 0.02, &r), ECS_OK);
    assert_true(r.groups[0].runs == 2 || r.groups[0].runs == 3);
    ecs_scheduler_free(s);
    ecs_world_free(w);
  }
}

/* The interpolation factor between fixed steps, and its errors. */
static void test_fixed_step_alpha(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  counter_t physics = {0};
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_group_t fixed = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "physics", .fixed_dt = 0.25});
  ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "render"});
  ecs_builder_add_system(b, fixed, &(ecs_system_desc_t){.name = "step", .callback = count_run, .user = &physics});
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  ecs_fixed_step_t fs;
  assert_int_equal(ecs_scheduler_fixed_step(s, "physics", &fs), ECS_OK);
  assert_true(fs.fixed_dt == 0.25 && fs.accumulator == 0.0 && fs.alpha == 0.0);
  const double frames[] = {0.125, 0.25, 0.0625, 0.5};
  const double alphas[] = {0.5, 0.5, 0.75, 0.75};
  for (size_t i = 0; i < sizeof frames / sizeof frames[0]; ++i) {
    assert_int_equal(ecs_scheduler_tick(s, frames[i], NULL), ECS_OK);
    assert_int_equal(ecs_scheduler_fixed_step(s, "physics", &fs), ECS_OK);
    assert_true(fs.alpha == alphas[i]);
    assert_true(fs.accumulator == alphas[i] * 0.25);
  }
  assert_int_equal(physics.runs, 3);
  assert_int_equal(ecs_scheduler_fixed_step(s, "render", &fs), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_scheduler_fixed_step(s, "nope", &fs), ECS_ERR_NOT_FOUND);
  assert_int_equal(ecs_scheduler_fixed_step(NULL, "physics", &fs), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_scheduler_fixed_step(s, NULL, &fs), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_scheduler_fixed_step(s, "physics", NULL), ECS_ERR_INVALID_ARGUMENT);
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

/* A system's run condition in a fixed-step group is asked once per step. */
static bool count_calls(const ecs_world_t *world, void *user) {
  (void)world;
  ++*(int *)user;
  return true;
}

static void test_system_condition_per_fixed_step(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  counter_t physics = {0};
  int system_calls = 0, group_calls = 0;
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_group_t fixed = ecs_builder_add_group(
      b, &(ecs_group_desc_t){.name = "physics", .fixed_dt = 0.25, .run_if = count_calls, .run_if_user = &group_calls});
  ecs_builder_add_system(b, fixed,
                         &(ecs_system_desc_t){.name = "step",
                                              .callback = count_run,
                                              .user = &physics,
                                              .run_if = count_calls,
                                              .run_if_user = &system_calls});
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  assert_int_equal(ecs_scheduler_tick(s, 0.75, NULL), ECS_OK); /* three steps */
  assert_int_equal(physics.runs, 3);
  assert_int_equal(system_calls, 3);
  assert_int_equal(group_calls, 1);
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

/* Run conditions run inside the tick's guard: what they must not do fails
 * with ECS_ERR_BUSY, and the tick goes on unharmed. */
typedef struct meddler_t {
  ecs_scheduler_t *s;
  ecs_membuf_t snap;
  ecs_status_t got[4];
  int calls;
} meddler_t;

static bool meddle(const ecs_world_t *world, void *user) {
  meddler_t *m = user;
  ecs_world_t *w = (ecs_world_t *)(uintptr_t)world; /* what a careless host would do */
  m->got[0] = ecs_scheduler_tick(m->s, 0.0, NULL);
  ecs_memsrc_t src = {m->snap.data, m->snap.size, 0};
  ecs_reader_t in = ecs_memreader(&src);
  m->got[1] = ecs_snapshot_load(w, &in);
  m->got[2] = ecs_scheduler_set_tick(m->s, 1000);
  m->got[3] = ecs_entity_create(w) == ECS_ENTITY_NULL ? ECS_ERR_BUSY : ECS_OK;
  m->calls++;
  return true;
}

static void test_conditions_inside_tick_guard(void **state) {
  (void)state;
  for (int on_group = 0; on_group < 2; ++on_group) {
    ecs_world_t *w = world_new();
    meddler_t m = {0};
    ecs_writer_t out = ecs_membuf_writer(&m.snap);
    assert_int_equal(ecs_snapshot_save(w, &out), ECS_OK);
    counter_t c = {0};
    ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
    ecs_group_t g = ecs_builder_add_group(
        b, &(ecs_group_desc_t){.name = "g", .run_if = on_group ? meddle : NULL, .run_if_user = &m});
    ecs_builder_add_system(
        b, g,
        &(ecs_system_desc_t){
            .name = "sys", .callback = count_run, .user = &c, .run_if = on_group ? NULL : meddle, .run_if_user = &m});
    assert_int_equal(ecs_scheduler_build(b, &m.s), ECS_OK);
    ecs_tick_result_t r;
    assert_int_equal(ecs_scheduler_tick(m.s, 0.0, &r), ECS_OK);
    assert_int_equal(m.calls, 1);
    for (int i = 0; i < 4; ++i) {
      if (m.got[i] != ECS_ERR_BUSY) {
        fail_msg("%s condition, call %d: %s instead of ERR_BUSY", on_group ? "group" : "system", i,
                 ecs_err_name(m.got[i]));
      }
    }
    assert_int_equal(r.tick, 1);
    assert_int_equal(ecs_scheduler_tick_count(m.s), 1);
    assert_int_equal(c.runs, 1);
    assert_int_equal(ecs_entity_count(w), 1); /* the system's command only */
    ecs_scheduler_free(m.s);
    ecs_membuf_free(&m.snap);
    ecs_world_free(w);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_run_conditions),
      cmocka_unit_test(test_fixed_timestep),
      cmocka_unit_test(test_spiral_of_death_guard),
      cmocka_unit_test(test_interval_groups),
      cmocka_unit_test(test_bad_fixed_dt),
      cmocka_unit_test(test_bad_dt_does_not_poison),
      cmocka_unit_test(test_fixed_step_alpha),
      cmocka_unit_test(test_system_condition_per_fixed_step),
      cmocka_unit_test(test_conditions_inside_tick_guard),
  };
  return cmocka_run_group_tests_name("conditions", tests, NULL, NULL);
}
