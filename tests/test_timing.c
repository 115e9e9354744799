#define _POSIX_C_SOURCE 200809L
/* Timing of systems and groups (ecs_scheduler_desc_t.timing,
 * ecs_scheduler_set_timing): what is measured with it on and off, budgets
 * and traces that time what they need either way, the same results either
 * way, and the cycle counter's conversion to nanoseconds. Behaviour only:
 * no assertion here depends on how fast anything runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecs.h"
#include "platform/clock.h"
#include "scheduler_internal.h"
#include "support/log_capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct pos_t {
  float x, y;
} pos_t;

/* Busy for at least 20 us of the monotonic clock: long enough that any
 * clock sees it take time. */
static ecs_status_t sys_busy(ecs_system_ctx_t *ctx) {
  (void)ctx;
  uint64_t start = ecs__now_ns();
  while (ecs__now_ns() - start < 20000u) {
  }
  return ECS_OK;
}

static ecs_status_t sys_empty(ecs_system_ctx_t *ctx) {
  (void)ctx;
  return ECS_OK;
}

/* Whether metrics (and traces) are compiled in: ECS_PROFILE is the
 * library's own definition, not the tests'. */
static bool profiling(void) {
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_membuf_t buf = {0};
  ecs_writer_t out = ecs_membuf_writer(&buf);
  bool yes = ecs_metrics_write_prometheus(w, &out) == ECS_OK;
  ecs_membuf_free(&buf);
  ecs_world_free(w);
  return yes;
}

/* The schedule the tests share: group "g" (SYNC, or ASYNC on a pool of
 * @p threads) with "plain" (busy, no budget), "budgeted" (busy, a 1 ns
 * budget it always exceeds) and "empty". */
static ecs_scheduler_t *build_timed(ecs_world_t *w, const ecs_scheduler_desc_t *options, ecs_group_mode_t mode,
                                    uint64_t group_budget_ns) {
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  assert_int_equal(ecs_builder_set_options(b, options), ECS_OK);
  ecs_group_t g =
      ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "g", .mode = mode, .budget_ns = group_budget_ns});
  assert_int_equal(ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "plain", .callback = sys_busy}), ECS_OK);
  assert_int_equal(
      ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "budgeted", .callback = sys_busy, .budget_ns = 1}),
      ECS_OK);
  assert_int_equal(ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "empty", .callback = sys_empty}), ECS_OK);
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  return s;
}

/* The last measured run time of system @p name, as ecs_scheduler_describe()
 * reports it. */
static uint64_t last_run_ns(const ecs_scheduler_t *s, const char *name) {
  ecs_membuf_t buf = {0};
  ecs_writer_t out = ecs_membuf_writer(&buf);
  assert_int_equal(ecs_scheduler_describe(s, &out, ECS_DESCRIBE_JSON), ECS_OK);
  assert_int_equal(ecs_write(&out, "", 1), ECS_OK);
  char key[96];
  snprintf(key, sizeof key, "{\"name\":\"%s\",\"group\":", name);
  const char *at = strstr((const char *)buf.data, key);
  assert_non_null(at);
  at = strstr(at, "\"last_run_ns\":");
  assert_non_null(at);
  uint64_t ns = strtoull(at + strlen("\"last_run_ns\":"), NULL, 10);
  ecs_membuf_free(&buf);
  return ns;
}

/* The Prometheus text of @p w (NULL-terminated, the caller frees), or
 * NULL without metrics. */
static char *metrics_text(ecs_world_t *w) {
  ecs_membuf_t buf = {0};
  ecs_writer_t out = ecs_membuf_writer(&buf);
  if (ecs_metrics_write_prometheus(w, &out) != ECS_OK) {
    ecs_membuf_free(&buf);
    return NULL;
  }
  assert_int_equal(ecs_write(&out, "", 1), ECS_OK);
  char *text = malloc(buf.size);
  assert_non_null(text);
  memcpy(text, buf.data, buf.size);
  ecs_membuf_free(&buf);
  return text;
}

static void expect_line(const char *text, const char *line) {
  if (!strstr(text, line)) {
    fail_msg("missing: %s\n%s", line, text);
  }
}

enum { TICKS = 5 };

/* Timing off: no group or system times, no histogram samples; the budget
 * of "budgeted" still fires every tick, and so does a group budget; the
 * tick's own duration is still measured. On an ASYNC group too, which
 * still times its runs to choose how to run them. */
static void test_timing_off(void **state) {
  (void)state;
  const ecs_group_mode_t modes[] = {ECS_GROUP_SYNC, ECS_GROUP_ASYNC};
  for (int m = 0; m < 2; ++m) {
    for (int group_budget = 0; group_budget < 2; ++group_budget) {
      ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.log_level = ECS_LOG_OFF});
      ecs_scheduler_t *s = build_timed(w, &(ecs_scheduler_desc_t){.timing = ECS_TIMING_OFF, .threads = 2}, modes[m],
                                       group_budget ? 1 : 0);
      for (int t = 0; t < TICKS; ++t) {
        ecs_tick_result_t r;
        assert_int_equal(ecs_scheduler_tick(s, 0.0, &r), ECS_OK);
        assert_int_equal(r.systems_run, 3);
        assert_int_equal(r.group_count, 1);
        assert_int_equal(r.groups[0].runs, 1);
        assert_int_equal(r.groups[0].run_ns, 0);
        assert_int_equal(r.groups[0].apply_ns, 0);
        assert_int_equal(r.budget_overruns, 1 + group_budget); /* the system's, and the group's */
        assert_true(r.duration_ns > 0);
        assert_int_equal(last_run_ns(s, "plain"), 0);
        assert_int_equal(last_run_ns(s, "empty"), 0);
        assert_true(last_run_ns(s, "budgeted") > 1); /* timed for its budget */
      }
      char *text = metrics_text(w);
      if (text) {
        expect_line(text, "ecs_system_duration_seconds_count{scheduler=\"0\",system=\"plain\"} 0\n");
        expect_line(text, "ecs_system_duration_seconds_count{scheduler=\"0\",system=\"budgeted\"} 0\n");
        expect_line(text, "ecs_system_duration_seconds_count{scheduler=\"0\",system=\"empty\"} 0\n");
        expect_line(text, "ecs_system_over_budget_total{scheduler=\"0\",system=\"budgeted\"} 5\n");
        expect_line(text, group_budget ? "ecs_group_over_budget_total{scheduler=\"0\",group=\"g\"} 5\n"
                                       : "ecs_group_over_budget_total{scheduler=\"0\",group=\"g\"} 0\n");
        expect_line(text, "ecs_tick_duration_seconds_count{scheduler=\"0\"} 5\n");
        free(text);
      }
      ecs_scheduler_free(s);
      ecs_world_free(w);
    }
  }
}

/* Timing on (asked for, or the default of a profiling build): every run of
 * a busy system and every group run has a time, every run a sample. */
static void test_timing_on(void **state) {
  (void)state;
  const bool profile = profiling();
  const ecs_timing_t asked[] = {ECS_TIMING_ON, ECS_TIMING_DEFAULT};
  for (int k = 0; k < 2; ++k) {
    ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.log_level = ECS_LOG_OFF});
    ecs_scheduler_t *s = build_timed(w, &(ecs_scheduler_desc_t){.timing = asked[k]}, ECS_GROUP_SYNC, 0);
    /* without ECS_PROFILE the default times groups, not systems */
    const bool systems_timed = asked[k] == ECS_TIMING_ON || profile;
    for (int t = 0; t < TICKS; ++t) {
      ecs_tick_result_t r;
      assert_int_equal(ecs_scheduler_tick(s, 0.0, &r), ECS_OK);
      assert_true(r.groups[0].run_ns > 0);
      assert_true(r.groups[0].run_ns <= r.duration_ns + r.duration_ns / 500); /* the counter's rate within 0.1% */
      assert_int_equal(r.budget_overruns, 1);
      assert_int_equal(last_run_ns(s, "plain") > 0, systems_timed);
      assert_true(last_run_ns(s, "budgeted") > 1);
    }
    char *text = metrics_text(w);
    if (text) {
      expect_line(text, "ecs_system_duration_seconds_count{scheduler=\"0\",system=\"plain\"} 5\n");
      expect_line(text, "ecs_system_duration_seconds_count{scheduler=\"0\",system=\"budgeted\"} 5\n");
      expect_line(text, "ecs_system_duration_seconds_count{scheduler=\"0\",system=\"empty\"} 5\n");
      free(text);
    }
    ecs_scheduler_free(s);
    ecs_world_free(w);
  }
}

/* A system and a run condition that try to switch timing during the tick. */
typedef struct setter_probe_t {
  ecs_scheduler_t *sched;
  ecs_status_t from_system;
  ecs_status_t from_condition;
} setter_probe_t;

static ecs_status_t sys_sets_timing(ecs_system_ctx_t *ctx) {
  setter_probe_t *p = ctx->user;
  p->from_system = ecs_scheduler_set_timing(p->sched, false);
  return ECS_OK;
}

static bool cond_sets_timing(const ecs_world_t *w, void *user) {
  (void)w;
  setter_probe_t *p = user;
  p->from_condition = ecs_scheduler_set_timing(p->sched, false);
  return true;
}

/* The setter works between ticks, from the next tick on; during a tick it
 * is ECS_ERR_BUSY and changes nothing. */
static void test_set_timing(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.log_level = ECS_LOG_OFF});
  setter_probe_t p = {.from_system = ECS_OK, .from_condition = ECS_OK};
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  assert_int_equal(ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.timing = ECS_TIMING_ON}), ECS_OK);
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "g"});
  assert_int_equal(ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "busy", .callback = sys_busy}), ECS_OK);
  assert_int_equal(ecs_builder_add_system(b, g,
                                          &(ecs_system_desc_t){.name = "setter",
                                                               .callback = sys_sets_timing,
                                                               .user = &p,
                                                               .run_if = cond_sets_timing,
                                                               .run_if_user = &p}),
                   ECS_OK);
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  p.sched = s;
  assert_int_equal(ecs_scheduler_set_timing(NULL, true), ECS_ERR_INVALID_ARGUMENT);

  ecs_tick_result_t r;
  assert_int_equal(ecs_scheduler_tick(s, 0.0, &r), ECS_OK);
  assert_int_equal(p.from_system, ECS_ERR_BUSY);
  assert_int_equal(p.from_condition, ECS_ERR_BUSY);
  assert_true(r.groups[0].run_ns > 0);
  assert_true(last_run_ns(s, "busy") > 0);
  assert_int_equal(ecs_scheduler_tick(s, 0.0, &r), ECS_OK); /* the refused calls changed nothing */
  assert_true(r.groups[0].run_ns > 0);

  assert_int_equal(ecs_scheduler_set_timing(s, false), ECS_OK);
  assert_int_equal(ecs_scheduler_tick(s, 0.0, &r), ECS_OK);
  assert_int_equal(r.groups[0].run_ns, 0);
  assert_int_equal(r.groups[0].apply_ns, 0);
  assert_int_equal(last_run_ns(s, "busy"), 0);
  assert_int_equal(r.systems_run, 2);

  assert_int_equal(ecs_scheduler_set_timing(s, true), ECS_OK);
  assert_int_equal(ecs_scheduler_tick(s, 0.0, &r), ECS_OK);
  assert_true(r.groups[0].run_ns > 0);
  assert_true(last_run_ns(s, "busy") > 0);
  char *text = metrics_text(w);
  if (text) { /* ticks 1, 2 and 4 were timed */
    expect_line(text, "ecs_system_duration_seconds_count{scheduler=\"0\",system=\"busy\"} 3\n");
    free(text);
  }
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

/* Unknown timing values are refused, and the refusal is kept for the
 * build; the three known ones are accepted. */
static void test_timing_option_validation(void **state) {
  (void)state;
  const ecs_timing_t bad[] = {(ecs_timing_t)3, (ecs_timing_t)-1, ECS_PRIV_TIMING_FORCE_U32};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    ecs_world_t *w = ecs_world_new(NULL);
    ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
    assert_int_equal(ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.timing = bad[i]}), ECS_ERR_INVALID_ARGUMENT);
    ecs_scheduler_t *s = (ecs_scheduler_t *)&s;
    assert_int_equal(ecs_scheduler_build(b, &s), ECS_ERR_INVALID_ARGUMENT);
    assert_null(s);
    ecs_world_free(w);
  }
  const ecs_timing_t good[] = {ECS_TIMING_DEFAULT, ECS_TIMING_ON, ECS_TIMING_OFF};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; ++i) {
    ecs_world_t *w = ecs_world_new(NULL);
    ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
    assert_int_equal(ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.timing = good[i]}), ECS_OK);
    ecs_scheduler_t *s = NULL;
    assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
    ecs_scheduler_free(s);
    ecs_world_free(w);
  }
}

/* Tracing times everything, timing off or not: the spans are there, and
 * so are the group's times; after ecs_trace_end() timing is off again. */
static void test_tracing_forces_timing(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.log_level = ECS_LOG_OFF});
  ecs_scheduler_t *s = build_timed(w, &(ecs_scheduler_desc_t){.timing = ECS_TIMING_OFF}, ECS_GROUP_SYNC, 0);
  ecs_membuf_t buf = {0};
  ecs_writer_t out = ecs_membuf_writer(&buf);
  ecs_status_t st = ecs_trace_begin(s, &out);
  if (st == ECS_ERR_UNSUPPORTED) { /* ECS_PROFILE=OFF */
    ecs_membuf_free(&buf);
    ecs_scheduler_free(s);
    ecs_world_free(w);
    skip();
  }
  assert_int_equal(st, ECS_OK);
  ecs_tick_result_t r;
  assert_int_equal(ecs_scheduler_tick(s, 0.0, &r), ECS_OK);
  assert_true(r.groups[0].run_ns > 0);
  assert_true(last_run_ns(s, "plain") > 0);
  assert_int_equal(ecs_trace_end(s), ECS_OK);
  assert_int_equal(ecs_write(&out, "", 1), ECS_OK);
  const char *text = (const char *)buf.data;
  assert_non_null(strstr(text, "{\"name\":\"plain\",\"cat\":\"system\""));
  assert_non_null(strstr(text, "{\"name\":\"empty\",\"cat\":\"system\""));
  assert_non_null(strstr(text, "{\"name\":\"g\",\"cat\":\"group\""));
  assert_int_equal(ecs_scheduler_tick(s, 0.0, &r), ECS_OK);
  assert_int_equal(r.groups[0].run_ns, 0);
  assert_int_equal(last_run_ns(s, "plain"), 0);
  ecs_membuf_free(&buf);
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

/* A system that spawns, moves and destroys through commands and in place,
 * for comparing worlds ticked with timing on and off. */
static ecs_status_t sys_churn(ecs_system_ctx_t *ctx) {
  const ecs_component_t pos = *(const ecs_component_t *)ctx->user;
  while (ecs_iter_next(&ctx->it)) {
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      pos_t *p = ecs_field_at(&ctx->it, 0, i);
      p->x += 1.0f;
      if (p->x > 3.0f) {
        ecs_cmd_destroy(ctx->commands, ctx->it.entities[i]);
      }
    }
  }
  ecs_entity_t e = ecs_cmd_create(ctx->commands);
  return ecs_cmd_set(ctx->commands, e, pos, &(pos_t){0.0f, (float)ctx->tick});
}

static uint64_t run_churn(ecs_timing_t timing, ecs_group_mode_t mode, int32_t threads, uint64_t *sums) {
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.log_level = ECS_LOG_OFF});
  ecs_component_t pos = ECS_COMPONENT(w, pos_t);
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  assert_int_equal(ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.timing = timing, .threads = threads}), ECS_OK);
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "g", .mode = mode});
  assert_int_equal(ecs_builder_add_system(b, g,
                                          &(ecs_system_desc_t){.name = "churn",
                                                               .query = {.terms = {{pos, ECS_ACCESS_WRITE}}},
                                                               .callback = sys_churn,
                                                               .user = &pos,
                                                               .budget_ns = 1}),
                   ECS_OK);
  assert_int_equal(ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "empty", .callback = sys_empty}), ECS_OK);
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  for (int t = 0; t < 12; ++t) {
    ecs_tick_result_t r;
    assert_int_equal(ecs_scheduler_tick(s, 1.0 / 60.0, &r), ECS_OK);
    sums[t] = ecs_world_checksum(w) ^ ((uint64_t)r.systems_run << 48) ^ ((uint64_t)r.commands_applied << 32) ^
              r.budget_overruns;
  }
  uint64_t h = ecs_world_checksum(w);
  ecs_scheduler_free(s);
  ecs_world_free(w);
  return h;
}

/* Timing changes no result: the same world, counts and overruns after
 * every tick, on and off, SYNC and ASYNC. */
static void test_timing_changes_no_result(void **state) {
  (void)state;
  const struct {
    ecs_group_mode_t mode;
    int32_t threads;
  } runs[] = {{ECS_GROUP_SYNC, 0}, {ECS_GROUP_ASYNC, ECS_POOL_INLINE}, {ECS_GROUP_ASYNC, 2}};
  for (size_t i = 0; i < sizeof runs / sizeof runs[0]; ++i) {
    uint64_t on[12];
    uint64_t off[12];
    uint64_t h_on = run_churn(ECS_TIMING_ON, runs[i].mode, runs[i].threads, on);
    uint64_t h_off = run_churn(ECS_TIMING_OFF, runs[i].mode, runs[i].threads, off);
    assert_int_equal(h_on, h_off);
    assert_memory_equal(on, off, sizeof on);
  }
}

/* The cycle counter, once calibrated, gives nanoseconds: a system's time
 * lies within its group's, which lies within the tick's (measured on the
 * ns clock). A run left in counter units would be some 2-4 times longer
 * than the tick on a GHz counter, and a rate off by more than the
 * calibration's bound would break the nesting for long runs. */
static void test_cycle_counter_in_ns(void **state) {
  (void)state;
  if (!ecs__cycles_usable()) {
    skip(); /* the ns clock throughout: nothing to convert */
  }
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.log_level = ECS_LOG_OFF});
  ecs_scheduler_t *s = build_timed(w, &(ecs_scheduler_desc_t){.timing = ECS_TIMING_ON}, ECS_GROUP_SYNC, 0);
  ecs_tick_result_t r;
  /* calibration points come with ticks: tick until the rate is usable */
  for (int t = 0; t < 2000 && !s->use_cycles; ++t) {
    ecs__sleep_ns(100000);
    assert_int_equal(ecs_scheduler_tick(s, 0.0, &r), ECS_OK);
  }
  assert_true(s->ns_per_cycle > 0.0);
  for (int t = 0; t < 20; ++t) {
    assert_int_equal(ecs_scheduler_tick(s, 0.0, &r), ECS_OK);
    assert_true(s->use_cycles);
    uint64_t plain = last_run_ns(s, "plain");
    uint64_t budgeted = last_run_ns(s, "budgeted");
    assert_true(plain >= 20000 * 999 / 1000); /* sys_busy runs 20 us at least */
    assert_true(budgeted >= 20000 * 999 / 1000);
    assert_true(plain + budgeted <= r.groups[0].run_ns + r.groups[0].run_ns / 500);
    assert_true(r.groups[0].run_ns + r.groups[0].apply_ns <= r.duration_ns + r.duration_ns / 500);
  }
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_timing_off),
      cmocka_unit_test(test_timing_on),
      cmocka_unit_test(test_set_timing),
      cmocka_unit_test(test_timing_option_validation),
      cmocka_unit_test(test_tracing_forces_timing),
      cmocka_unit_test(test_timing_changes_no_result),
      cmocka_unit_test(test_cycle_counter_in_ns),
  };
  return cmocka_run_group_tests_name("timing", tests, NULL, NULL);
}
