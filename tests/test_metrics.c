/* Metrics: the Prometheus exposition of the built-in and host families is
 * valid line by line, and the values follow what the world and the ticks
 * did. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecs.h"
#include "support/owned.h"
#include "support/prometheus.h"

typedef struct pos_t {
  float x, y;
} pos_t;

static ecs_status_t sys_work(ecs_system_ctx_t *ctx) {
  while (ecs_iter_next(&ctx->it)) {
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      ((pos_t *)ecs_field_at(&ctx->it, 0, i))->x += 1.0f;
    }
  }
  return ecs_cmd_create(ctx->commands) ? ECS_OK : ECS_ERR_NO_MEMORY;
}

static ecs_status_t sys_fail(ecs_system_ctx_t *ctx) {
  (void)ctx;
  return ECS_ERR_NOT_FOUND;
}

/* Renders the world's metrics into a NUL-terminated string (caller frees). */
static char *render(ecs_world_t *w, ecs_status_t *st) {
  ecs_membuf_t buf = {0};
  ecs_writer_t out = ecs_membuf_writer(&buf);
  *st = ecs_metrics_write_prometheus(w, &out);
  ecs_write(&out, "", 1);
  return (char *)buf.data;
}

static void test_exposition(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_component_t pos = ECS_COMPONENT(w, pos_t);
  ecs_component_t odd =
      ecs_component_register(w, &(ecs_component_desc_t){.name = "odd\"name", .size = 4, .storage = ECS_STORAGE_SPARSE});
  for (int i = 0; i < 100; ++i) {
    ecs_set(w, ecs_entity_create(w), pos, &(pos_t){0, 0});
  }
  ecs_add(w, ecs_entity_create(w), odd);
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.inline_below_ns = 1, .threads = 1});
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "g", .mode = ECS_GROUP_ASYNC});
  ecs_builder_add_system(
      b, g, &(ecs_system_desc_t){.name = "work", .query = {.terms = {{pos, ECS_ACCESS_WRITE}}}, .callback = sys_work});
  ecs_builder_add_system(b, g,
                         &(ecs_system_desc_t){.name = "fails", .callback = sys_fail, .on_error = ECS_ON_ERROR_SKIP});
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  ecs_metric_t *frames = ecs_metric_register(w, ECS_METRIC_COUNTER, "game_frames_total", "Frames shown.");
  if (!frames) {
    assert_int_equal(ecs_last_status(w), ECS_ERR_UNSUPPORTED);
    ecs_status_t st;
    char *text = render(w, &st);
    assert_int_equal(st, ECS_ERR_UNSUPPORTED);
    free(text);
    ecs_scheduler_free(s);
    ecs_world_free(w);
    skip(); /* built with ECS_PROFILE=OFF */
  }
  ecs_metric_t *players = ecs_metric_register(w, ECS_METRIC_GAUGE, "game_players", "Players online.");
  ecs_metric_t *latency = ecs_metric_register(w, ECS_METRIC_HISTOGRAM, "game_latency_seconds", "Round trips.");
  for (int t = 0; t < 7; ++t) {
    assert_int_equal(ecs_scheduler_tick(s, 0.0, NULL), ECS_OK);
    ecs_metric_add(frames, 1);
    ecs_metric_observe(latency, 0.002 * t);
  }
  ecs_metric_add(frames, -5); /* ignored: counters only go up */
  ecs_metric_set(players, 42);
  ecs_metric_add(players, -2);
  assert_true(ecs_metric_value(frames) == 7.0);
  assert_true(ecs_metric_value(players) == 40.0);

  ecs_status_t st;
  char *text = render(w, &st);
  assert_int_equal(st, ECS_OK);
  const char *problem = prom_check(text);
  if (problem) {
    fail_msg("%s\n%s", problem, text);
  }
  const char *expect[] = {
      "ecs_entities_alive 108\n", /* 100 + 1 + 7 created by the system */
      "ecs_component_entities{component=\"pos_t\",storage=\"archetype\"} 100\n",
      "ecs_component_entities{component=\"odd\\\"name\",storage=\"sparse\"} 1\n",
      "ecs_ticks_total{scheduler=\"0\"} 7\n",
      "ecs_commands_applied_total{scheduler=\"0\"} 7\n",
      "ecs_tick_duration_seconds_count{scheduler=\"0\"} 7\n",
      "ecs_system_duration_seconds_count{scheduler=\"0\",system=\"work\"} 7\n",
      "ecs_system_failures_total{scheduler=\"0\",system=\"fails\"} 7\n",
      "ecs_system_failures_total{scheduler=\"0\",system=\"work\"} 0\n",
      "# TYPE game_frames_total counter\n",
      "game_frames_total 7\n",
      "game_players 40\n",
      "game_latency_seconds_bucket{le=\"+Inf\"} 7\n",
      "game_latency_seconds_count 7\n",
  };
  for (size_t i = 0; i < sizeof expect / sizeof expect[0]; ++i) {
    if (!strstr(text, expect[i])) {
      fail_msg("missing: %s\n%s", expect[i], text);
    }
  }
  free(text);
  ecs_scheduler_free(s);
  text = render(w, &st); /* the freed scheduler's series are gone */
  assert_int_equal(st, ECS_OK);
  assert_null(strstr(text, "scheduler=\"0\"} 7"));
  assert_null(prom_check(text));
  free(text);
  ecs_world_free(w);
}

static void test_registration_errors(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  if (!ecs_metric_register(w, ECS_METRIC_GAUGE, "fine", "ok")) {
    ecs_world_free(w);
    skip();
  }
  const struct {
    ecs_metric_kind_t kind;
    const char *name, *help;
    ecs_status_t expect;
  } bad[] = {
      {ECS_METRIC_GAUGE, "fine", "again", ECS_ERR_DUPLICATE},
      {ECS_METRIC_GAUGE, "ecs_mine", "reserved prefix", ECS_ERR_INVALID_ARGUMENT},
      {ECS_METRIC_GAUGE, "9lives", "bad first char", ECS_ERR_INVALID_ARGUMENT},
      {ECS_METRIC_GAUGE, "has space", "bad char", ECS_ERR_INVALID_ARGUMENT},
      {ECS_METRIC_GAUGE, "", "empty", ECS_ERR_INVALID_ARGUMENT},
      {ECS_METRIC_GAUGE, NULL, "null", ECS_ERR_INVALID_ARGUMENT},
      {ECS_METRIC_GAUGE, "multi", "two\nlines", ECS_ERR_INVALID_ARGUMENT},
      {(ecs_metric_kind_t)9, "kind", "bad kind", ECS_ERR_INVALID_ARGUMENT},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    assert_null(ecs_metric_register(w, bad[i].kind, bad[i].name, bad[i].help));
    assert_int_equal(ecs_last_status(w), bad[i].expect);
  }
  assert_null(ecs_metric_register(NULL, ECS_METRIC_GAUGE, "x", "y"));
  ecs_metric_add(NULL, 1);
  ecs_metric_set(NULL, 1);
  ecs_metric_observe(NULL, 1);
  assert_true(ecs_metric_value(NULL) == 0.0);
  assert_int_equal(ecs_metrics_write_prometheus(NULL, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_metrics_write_prometheus(w, NULL), ECS_ERR_INVALID_ARGUMENT);
  ecs_world_free(w);
}

/* The checker itself must reject what is not the format. */
static void test_checker_rejects(void **state) {
  (void)state;
  const char *bad[] = {
      "x 1\n",                                                                          /* no TYPE */
      "# TYPE x gauge\n# TYPE x gauge\nx 1\n",                                          /* TYPE twice */
      "# TYPE x gauge\nx{a=\"b} 1\n",                                                   /* unterminated */
      "# TYPE x gauge\nx nope\n",                                                       /* value */
      "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n", /* not cumulative */
      "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 3\nh_sum 1\nh_count 2\n",              /* count differs */
      "# TYPE x gauge\nx 1",                                                            /* no final newline */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    assert_non_null(prom_check(bad[i]));
  }
  assert_null(prom_check("# HELP ok fine\n# TYPE ok counter\nok{a=\"q\\\"\"} 1\n"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exposition),
      cmocka_unit_test(test_registration_errors),
      cmocka_unit_test(test_checker_rejects),
  };
  return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
