#define _POSIX_C_SOURCE 200809L
/* The schedule as data (JSON, DOT), quarantine of failing systems and time
 * budgets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecs.h"
#include "platform/platform.h" /* the monotonic clock */
#include "support/json.h"
#include "support/log_capture.h"
#include "support/owned.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct pos_t {
  float x, y;
} pos_t;

typedef struct score_t {
  int64_t points;
} score_t;

static ecs_status_t sys_ok(ecs_system_ctx_t *ctx) {
  int *runs = ctx->user;
  if (runs) {
    ++*runs;
  }
  return ECS_OK;
}

/* A schedule with every kind of edge: input (SYNC: a then b), sim (ASYNC,
 * serialized: w writes Pos, r reads Pos, sw/sr on the Score resource, solo
 * independent), and sim declared after input. */
static ecs_scheduler_t *build_known(ecs_world_t *w) {
  ecs_component_t pos = ECS_COMPONENT(w, pos_t);
  ecs_component_t score = ECS_COMPONENT(w, score_t);
  ecs_resource_set(w, score, &(score_t){0});
  ecs_set(w, ecs_entity_create(w), pos, &(pos_t){0, 0});
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_builder_set_options(
      b, &(ecs_scheduler_desc_t){.inline_below_ns = 1, .threads = 1, .on_conflict = ECS_CONFLICT_SERIALIZE});
  ecs_group_t sim =
      ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "sim", .mode = ECS_GROUP_ASYNC, .after = {"input"}});
  ecs_group_t input = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "input"});
  const ecs_system_desc_t sys[] = {
      {.name = "a", .callback = sys_ok},
      {.name = "b", .callback = sys_ok},
      {.name = "w", .query = {.terms = {{pos, ECS_ACCESS_WRITE}}}, .callback = sys_ok},
      {.name = "r", .query = {.terms = {{pos, ECS_ACCESS_READ}}}, .callback = sys_ok},
      {.name = "sw", .writes = {score}, .callback = sys_ok},
      {.name = "sr", .reads = {score}, .callback = sys_ok},
      {.name = "solo", .callback = sys_ok},
  };
  for (size_t i = 0; i < sizeof sys / sizeof sys[0]; ++i) {
    assert_int_equal(ecs_builder_add_system(b, i < 2 ? input : sim, &sys[i]), ECS_OK);
  }
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  return s;
}

static char *describe(const ecs_scheduler_t *s, ecs_describe_format_t f) {
  ecs_membuf_t buf = {0};
  ecs_writer_t out = ecs_membuf_writer(&buf);
  assert_int_equal(ecs_scheduler_describe(s, &out, f), ECS_OK);
  ecs_write(&out, "", 1);
  return (char *)buf.data;
}

static void test_describe_json(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_scheduler_t *s = build_known(w);
  assert_int_equal(ecs_scheduler_tick(s, 0.0, NULL), ECS_OK);
  char *text = describe(s, ECS_DESCRIBE_JSON);
  json_t j = {0};
  if (!json_parse(&j, text, strlen(text))) {
    fail_msg("invalid JSON near offset %ld:\n%s", (long)(j.p - text), text);
  }
  free(j.events);
  const char *expect[] = {
      "{\"name\":\"input\",\"stage\":0,\"mode\":\"sync\"",
      "{\"name\":\"sim\",\"stage\":1,\"mode\":\"async\"",
      "{\"from\":\"input\",\"to\":\"sim\",\"kind\":\"after\",\"between\":\"groups\"}",
      "{\"from\":\"input\",\"to\":\"sim\",\"kind\":\"barrier\",\"between\":\"groups\"}",
      "{\"from\":\"a\",\"to\":\"b\",\"kind\":\"order\",\"between\":\"systems\"}",
      "{\"from\":\"w\",\"to\":\"r\",\"kind\":\"conflict\",\"between\":\"systems\",\"component\":\"pos_t\","
      "\"from_access\":\"write\",\"to_access\":\"read\"}",
      "{\"from\":\"sw\",\"to\":\"sr\",\"kind\":\"resource_conflict\",\"between\":\"systems\",\"component\":"
      "\"score_t\",\"from_access\":\"write\",\"to_access\":\"read\"}",
      "\"name\":\"w\",\"group\":\"sim\",\"reads\":[],\"writes\":[\"pos_t\"]",
      "\"name\":\"sr\",\"group\":\"sim\",\"reads\":[],\"writes\":[],\"resource_reads\":[\"score_t\"]",
      "\"critical_path\": {\"systems\":[\"a\",\"b\",",
  };
  for (size_t i = 0; i < sizeof expect / sizeof expect[0]; ++i) {
    if (!strstr(text, expect[i])) {
      fail_msg("missing %s in\n%s", expect[i], text);
    }
  }
  /* no edge where there is no reason: solo is ordered with nobody */
  assert_null(strstr(text, "\"to\":\"solo\""));
  assert_null(strstr(text, "\"from\":\"solo\""));
  free(text);
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

static void test_describe_dot(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_scheduler_t *s = build_known(w);
  char *text = describe(s, ECS_DESCRIBE_DOT);
  assert_non_null(strstr(text, "digraph schedule {"));
  assert_non_null(strstr(text, "\"w\" -> \"r\" [color=orange,label=\"conflict pos_t: write/read\"]"));
  assert_non_null(strstr(text, "barrier_0 -> barrier_1 [color=blue,label=\"after\"]"));
  /* rendered by Graphviz when it is installed: the DOT is valid */
#if defined(_WIN32)
  print_message("DOT not rendered: the check runs Graphviz through a POSIX shell\n");
#else
  if (system("command -v dot >/dev/null 2>&1") == 0) {
    char path[] = "/tmp/ecs_schedule_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "dot -Tsvg %s -o /dev/null", path);
    int rc = system(cmd);
    remove(path);
    assert_int_equal(rc, 0);
  } else {
    print_message("graphviz not installed: DOT not rendered\n");
  }
#endif
  free(text);
  ecs_membuf_t buf = {0};
  ecs_writer_t out = ecs_membuf_writer(&buf);
  assert_int_equal(ecs_scheduler_describe(NULL, &out, ECS_DESCRIBE_JSON), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_scheduler_describe(s, NULL, ECS_DESCRIBE_JSON), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_scheduler_describe(s, &out, (ecs_describe_format_t)7), ECS_ERR_INVALID_ARGUMENT);
  ecs_membuf_free(&buf);
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

typedef struct flaky_t {
  int runs;
  int fail_until; /* fails while runs <= this */
  ecs_component_t pos;
} flaky_t;

static ecs_status_t sys_flaky(ecs_system_ctx_t *ctx) {
  flaky_t *f = ctx->user;
  ++f->runs;
  ecs_cmd_create(ctx->commands); /* discarded when it fails */
  return f->runs <= f->fail_until ? ECS_ERR_NOT_FOUND : ECS_OK;
}

static void test_quarantine(void **state) {
  (void)state;
  log_capture_t cap = {0};
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.log = capture_log, .log_user = &cap});
  ecs_component_t pos = ECS_COMPONENT(w, pos_t);
  flaky_t f = {.fail_until = 1000, .pos = pos};
  int after_runs = 0;
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_builder_set_options(
      b, &(ecs_scheduler_desc_t){.inline_below_ns = 1, .threads = 1, .on_conflict = ECS_CONFLICT_SERIALIZE});
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "g", .mode = ECS_GROUP_ASYNC});
  ecs_builder_add_system(b, g,
                         &(ecs_system_desc_t){.name = "flaky",
                                              .query = {.terms = {{pos, ECS_ACCESS_WRITE}}},
                                              .callback = sys_flaky,
                                              .user = &f,
                                              .on_error = ECS_ON_ERROR_QUARANTINE,
                                              .quarantine_after = 3});
  /* reads what flaky writes: serialized after it, and keeps running */
  ecs_builder_add_system(
      b, g,
      &(ecs_system_desc_t){
          .name = "reader", .query = {.terms = {{pos, ECS_ACCESS_READ}}}, .callback = sys_ok, .user = &after_runs});
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  for (int t = 1; t <= 6; ++t) {
    ecs_tick_result_t r;
    assert_int_equal(ecs_scheduler_tick(s, 0.0, &r), ECS_OK); /* never stops the tick */
    assert_int_equal(r.systems_failed, t <= 3 ? 1 : 0);
    assert_int_equal(r.systems_quarantined, t <= 3 ? 0 : 1);
    assert_int_equal(r.systems_run, 1); /* the reader */
  }
  assert_int_equal(f.runs, 3);
  assert_int_equal(after_runs, 6);
  assert_int_equal(ecs_entity_count(w), 0); /* every failed run's commands discarded */
  assert_false(ecs_scheduler_system_enabled(s, "flaky"));
  assert_non_null(strstr(cap.last, "quarantined after 3 consecutive failures"));
  int logs = cap.count;
  ecs_scheduler_tick(s, 0.0, NULL);
  assert_int_equal(cap.count, logs); /* logged once, not every tick */

  f.fail_until = 0; /* mended */
  assert_int_equal(ecs_scheduler_enable_system(s, "flaky"), ECS_OK);
  assert_true(ecs_scheduler_system_enabled(s, "flaky"));
  ecs_tick_result_t r;
  assert_int_equal(ecs_scheduler_tick(s, 0.0, &r), ECS_OK);
  assert_int_equal(r.systems_run, 2);
  assert_int_equal(ecs_entity_count(w), 1);
  assert_int_equal(ecs_scheduler_enable_system(s, "nobody"), ECS_ERR_NOT_FOUND);
  assert_int_equal(ecs_scheduler_enable_system(NULL, "flaky"), ECS_ERR_INVALID_ARGUMENT);
  assert_false(ecs_scheduler_system_enabled(s, "nobody"));
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

static ecs_status_t sys_slow(ecs_system_ctx_t *ctx) {
  (void)ctx;
  uint64_t start = ecs__now_ns();
  while (ecs__now_ns() - start < 20000u) {
  }
  return ECS_OK;
}

/* A 1 ns budget is always exceeded by a 20 us system: every run counted,
 * the log rate-limited to overruns 1, 2, 4, 8. */
static void test_budgets(void **state) {
  (void)state;
  log_capture_t cap = {0};
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.log = capture_log, .log_user = &cap});
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "tight", .budget_ns = 1});
  ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "slow", .callback = sys_slow, .budget_ns = 1});
  ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "roomy", .callback = sys_ok, .budget_ns = 1000000000});
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  uint32_t overruns = 0;
  for (int t = 0; t < 9; ++t) {
    ecs_tick_result_t r;
    assert_int_equal(ecs_scheduler_tick(s, 0.0, &r), ECS_OK);
    overruns += r.budget_overruns;
  }
  assert_int_equal(overruns, 18); /* the system and its group, every tick */
  assert_int_equal(cap.count, 8); /* 4 for the system, 4 for the group */
  assert_non_null(strstr(cap.last, "over budget"));
  ecs_membuf_t buf = {0};
  ecs_writer_t out = ecs_membuf_writer(&buf);
  if (ecs_metrics_write_prometheus(w, &out) == ECS_OK) {
    ecs_write(&out, "", 1);
    assert_non_null(strstr((char *)buf.data, "ecs_system_over_budget_total{scheduler=\"0\",system=\"slow\"} 9\n"));
    assert_non_null(strstr((char *)buf.data, "ecs_system_over_budget_total{scheduler=\"0\",system=\"roomy\"} 0\n"));
    assert_non_null(strstr((char *)buf.data, "ecs_group_over_budget_total{scheduler=\"0\",group=\"tight\"} 9\n"));
  }
  ecs_membuf_free(&buf);
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

/* A system that fails from its 5th run on is quarantined the same way on
 * any thread count, and the world stays identical. */
typedef struct det_t {
  ecs_component_t pos;
  int runs;
} det_t;

static ecs_status_t sys_breaks(ecs_system_ctx_t *ctx) {
  det_t *d = ctx->user;
  if (++d->runs >= 5) {
    ecs_cmd_create(ctx->commands);
    return ECS_ERR_NOT_FOUND;
  }
  ecs_entity_t e = ecs_cmd_create(ctx->commands);
  return ecs_cmd_set(ctx->commands, e, d->pos, &(pos_t){(float)d->runs, 0});
}

static ecs_status_t sys_move(ecs_system_ctx_t *ctx) {
  while (ecs_iter_next(&ctx->it)) {
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      ((pos_t *)ecs_field_at(&ctx->it, 0, i))->y += 1.0f;
    }
  }
  return ECS_OK;
}

static uint64_t run_quarantine_sim(int32_t threads) {
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.log_level = ECS_LOG_OFF});
  det_t d = {.pos = ECS_COMPONENT(w, pos_t)};
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.inline_below_ns = 1, .threads = threads});
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "g", .mode = ECS_GROUP_ASYNC});
  ecs_builder_add_system(b, g,
                         &(ecs_system_desc_t){.name = "breaks",
                                              .callback = sys_breaks,
                                              .user = &d,
                                              .on_error = ECS_ON_ERROR_QUARANTINE,
                                              .quarantine_after = 2});
  ecs_builder_add_system(
      b, g,
      &(ecs_system_desc_t){.name = "move", .query = {.terms = {{d.pos, ECS_ACCESS_WRITE}}}, .callback = sys_move});
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  for (int t = 0; t < 20; ++t) {
    assert_int_equal(ecs_scheduler_tick(s, 0.0, NULL), ECS_OK);
  }
  assert_false(ecs_scheduler_system_enabled(s, "breaks"));
  uint64_t h = ecs_world_checksum(w);
  assert_int_equal(ecs_entity_count(w), 4);
  ecs_scheduler_free(s);
  ecs_world_free(w);
  return h;
}

static void test_quarantine_deterministic(void **state) {
  (void)state;
  uint64_t h = run_quarantine_sim(ECS_POOL_INLINE);
  assert_int_equal(run_quarantine_sim(1), h);
  assert_int_equal(run_quarantine_sim(3), h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_describe_json),
      cmocka_unit_test(test_describe_dot),
      cmocka_unit_test(test_quarantine),
      cmocka_unit_test(test_budgets),
      cmocka_unit_test(test_quarantine_deterministic),
  };
  return cmocka_run_group_tests_name("introspect", tests, NULL, NULL);
}
