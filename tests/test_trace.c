/* Tracing: valid trace-event JSON, every system once per tick, spans that
 * nest per thread, host regions, errors; and nothing when profiling is
 * compiled out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecs.h"
#include "support/json.h"
#include "support/owned.h"

typedef struct pos_t {
  float x, y;
} pos_t;

static ecs_status_t slice_move(ecs_iter_t *it, ecs_cmd_buffer_t *commands, void *user) {
  (void)commands;
  (void)user;
  for (int32_t i = 0; i < it->count; ++i) {
    ((pos_t *)ecs_field_at(it, 0, i))->x += 1.0f;
  }
  return ECS_OK;
}

static ecs_status_t sys_parallel(ecs_system_ctx_t *ctx) {
  return ecs_parallel_for(ctx, 100, slice_move, NULL);
}

static ecs_status_t sys_region(ecs_system_ctx_t *ctx) {
  ECS_TRACE_REGION(ctx, "host work") {
    while (ecs_iter_next(&ctx->it)) {
    }
  }
  return ECS_OK;
}

static ecs_status_t sys_nothing(ecs_system_ctx_t *ctx) {
  (void)ctx;
  return ECS_OK;
}

/* A world with 1000 positions and a schedule of one SYNC and one ASYNC
 * group (on a pool of `threads`). */
static ecs_scheduler_t *schedule(ecs_world_t *w, int32_t threads) {
  ecs_component_t pos = ECS_COMPONENT(w, pos_t);
  ecs_component_t tag = ecs_component_register_type(w, "tag", 0, 0);
  for (int i = 0; i < 1000; ++i) {
    ecs_entity_t e = ecs_entity_create(w);
    ecs_set(w, e, pos, &(pos_t){0, 0});
    ecs_add(w, e, tag);
  }
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.inline_below_ns = 1, .threads = threads});
  ecs_group_t g1 = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "first"});
  ecs_group_t g2 =
      ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "second", .mode = ECS_GROUP_ASYNC, .after = {"first"}});
  ecs_builder_add_system(
      b, g1,
      &(ecs_system_desc_t){.name = "region", .query = {.terms = {{tag, ECS_ACCESS_WITH}}}, .callback = sys_region});
  ecs_builder_add_system(b, g2,
                         &(ecs_system_desc_t){.name = "mover \"quoted\"",
                                              .query = {.terms = {{pos, ECS_ACCESS_WRITE}}},
                                              .callback = sys_parallel});
  ecs_builder_add_system(b, g2, &(ecs_system_desc_t){.name = "idle", .callback = sys_nothing});
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  return s;
}

static size_t count_named(const json_t *j, const char *name) {
  size_t n = 0;
  for (size_t i = 0; i < j->count; ++i) {
    n += strcmp(j->events[i].name, name) == 0 && strcmp(j->events[i].ph, "X") == 0;
  }
  return n;
}

static int by_tid_then_ts(const void *a, const void *b) {
  const json_event_t *x = a;
  const json_event_t *y = b;
  if (x->tid != y->tid) {
    return x->tid < y->tid ? -1 : 1;
  }
  if (x->ts != y->ts) {
    return x->ts < y->ts ? -1 : 1;
  }
  return x->dur > y->dur ? -1 : x->dur < y->dur; /* the enclosing span first */
}

/* On each thread, every span lies inside the span open before it or
 * starts after that one ended: a proper nesting. */
static void assert_spans_nest(json_t *j) {
  qsort(j->events, j->count, sizeof *j->events, by_tid_then_ts);
  const double slack = 0.002; /* microseconds: printed with 3 decimals */
  json_event_t *stack[64];
  int depth = 0;
  long tid = -2;
  for (size_t i = 0; i < j->count; ++i) {
    json_event_t *e = &j->events[i];
    if (strcmp(e->ph, "X") != 0) {
      continue;
    }
    if (e->tid != tid) {
      depth = 0;
      tid = e->tid;
    }
    while (depth > 0 && e->ts >= stack[depth - 1]->ts + stack[depth - 1]->dur - slack) {
      --depth;
    }
    if (depth > 0) {
      const json_event_t *parent = stack[depth - 1];
      if (e->ts + e->dur > parent->ts + parent->dur + slack) {
        fail_msg("span '%s' on thread %ld overlaps '%s' without nesting", e->name, e->tid, parent->name);
      }
    }
    assert_true(depth < 64);
    stack[depth++] = e;
  }
}

static void test_trace_json(void **state) {
  (void)state;
  const int32_t threads[] = {ECS_POOL_INLINE, 2};
  for (size_t k = 0; k < 2; ++k) {
    ecs_world_t *w = world_new();
    ecs_scheduler_t *s = schedule(w, threads[k]);
    ecs_membuf_t buf = {0};
    ecs_writer_t out = ecs_membuf_writer(&buf);
    ecs_status_t st = ecs_trace_begin(s, &out);
    if (st == ECS_ERR_UNSUPPORTED) {
      ecs_scheduler_free(s);
      ecs_world_free(w);
      skip(); /* built with ECS_PROFILE=OFF: test_trace_errors covers that build */
    }
    assert_int_equal(st, ECS_OK);
    assert_int_equal(ecs_trace_begin(s, &out), ECS_ERR_BUSY);
    enum { TICKS = 5 };
    for (int t = 0; t < TICKS; ++t) {
      assert_int_equal(ecs_scheduler_tick(s, 0.25, NULL), ECS_OK);
    }
    uint64_t recorded = 0;
    uint64_t dropped = 1;
    ecs_trace_counts(s, &recorded, &dropped);
    assert_true(recorded > 0);
    assert_int_equal(dropped, 0);
    assert_int_equal(ecs_trace_end(s), ECS_OK);
    assert_int_equal(ecs_trace_end(s), ECS_ERR_NOT_FOUND);

    json_t j = {0};
    if (!json_parse(&j, (const char *)buf.data, buf.size)) {
      fail_msg("invalid JSON near offset %ld", (long)(j.p - (const char *)buf.data));
    }
    assert_int_equal(count_named(&j, "tick"), TICKS);
    assert_int_equal(count_named(&j, "first"), TICKS);
    assert_int_equal(count_named(&j, "second"), TICKS);
    assert_int_equal(count_named(&j, "region"), TICKS);
    assert_int_equal(count_named(&j, "mover \"quoted\""), TICKS + TICKS * 10); /* the system + its 10 slices */
    assert_int_equal(count_named(&j, "idle"), TICKS);
    assert_int_equal(count_named(&j, "host work"), TICKS);
    assert_int_equal(count_named(&j, "apply"), 2 * TICKS);
    assert_int_equal(count_named(&j, "wait"), TICKS); /* the ASYNC group's barrier */
    assert_non_null(strstr((const char *)buf.data, "\"dt\":0.25"));
    assert_non_null(strstr((const char *)buf.data, "\"thread_name\""));
    assert_non_null(strstr((const char *)buf.data, "queued_us"));
    assert_spans_nest(&j);
    free(j.events);
    ecs_membuf_free(&buf);
    ecs_scheduler_free(s);
    ecs_world_free(w);
  }
}

static ecs_status_t failing_write(void *user, const void *data, size_t size) {
  int *calls = user;
  (void)data;
  (void)size;
  return ++*calls > 1 ? ECS_ERR_IO : ECS_OK;
}

static void test_trace_errors(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_scheduler_t *s = schedule(w, ECS_POOL_INLINE);
  ecs_writer_t none = {0};
  assert_int_equal(ecs_trace_begin(NULL, &none), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_trace_begin(s, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_trace_begin(s, &none), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_trace_end(NULL), ECS_ERR_INVALID_ARGUMENT);
  int calls = 0;
  ecs_writer_t flaky = {failing_write, &calls};
  ecs_status_t st = ecs_trace_begin(s, &flaky);
  if (st == ECS_ERR_UNSUPPORTED) {
    /* compiled out: nothing starts, nothing to end, ticks unaffected */
    assert_int_equal(ecs_trace_end(s), ECS_ERR_NOT_FOUND);
    assert_int_equal(ecs_scheduler_tick(s, 0.0, NULL), ECS_OK);
    assert_int_equal(calls, 0);
  } else {
    assert_int_equal(st, ECS_OK);                               /* the header went through */
    assert_int_equal(ecs_scheduler_tick(s, 0.0, NULL), ECS_OK); /* a failing sink never fails a tick */
    assert_int_equal(ecs_trace_end(s), ECS_ERR_IO);
  }
  /* a scheduler freed while tracing drops the trace (ASan: no leak) */
  ecs_membuf_t buf = {0};
  ecs_writer_t out = ecs_membuf_writer(&buf);
  if (ecs_trace_begin(s, &out) == ECS_OK) {
    ecs_scheduler_tick(s, 0.0, NULL);
  }
  ecs_scheduler_free(s);
  ecs_membuf_free(&buf);
  ecs_world_free(w);
}

/* Regions outside a tracing scheduler, or with a NULL context, do nothing. */
static void test_regions_without_trace(void **state) {
  (void)state;
  int body = 0;
  ECS_TRACE_REGION(NULL, "nowhere") {
    ++body;
  }
  assert_int_equal(body, 1);
  ecs_trace_region_end(NULL);
  uint64_t recorded = 1;
  uint64_t dropped = 1;
  ecs_trace_counts(NULL, &recorded, &dropped);
  assert_int_equal(recorded, 0);
  assert_int_equal(dropped, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_trace_json),
      cmocka_unit_test(test_trace_errors),
      cmocka_unit_test(test_regions_without_trace),
  };
  return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
