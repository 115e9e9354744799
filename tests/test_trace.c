/* Tracing: valid trace-event JSON, every system once per tick, spans that
 * nest per thread, host regions, errors; a trace cut short (by a kill, or
 * read without ecs_trace_end()) that still loads at every flush; the size
 * cap; and nothing when profiling is compiled out. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#if defined(_WIN32)
#include <process.h> /* getpid */
#else
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

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

/* Parses a trace in the JSON array form, collecting its events. With
 * @p cut, the text may lack the closing "]": as the viewers do, a trailing
 * "," is dropped and the "]" added, but the text must end on a whole event. */
static bool parse_trace(json_t *j, const char *text, size_t size, bool cut) {
  char *copy = malloc(size + 2);
  assert_non_null(copy);
  memcpy(copy, text, size);
  size_t n = size;
  if (cut) {
    while (n > 0 && (copy[n - 1] == '\n' || copy[n - 1] == ' ')) {
      --n;
    }
    if (n > 0 && copy[n - 1] == ',') {
      --n;
    }
    copy[n++] = ']';
  }
  j->p = copy;
  j->end = copy + n;
  json_ws(j);
  bool ok = j->p < j->end && *j->p == '[' && json_array(j, true);
  json_ws(j);
  ok = ok && j->p == j->end;
  free(copy);
  j->p = NULL;
  return ok;
}

/* The file's layout: "[" alone on the first line, then one whole event per
 * line, each followed by ","; a finished trace ends with an event without
 * the "," and a line "]". A cut one ends just after a ",\n". */
static void assert_one_event_per_line(const char *text, size_t size, bool finished) {
  assert_true(size >= 2 && memcmp(text, "[\n", 2) == 0);
  const char *p = text + 2;
  const char *end = text + size;
  bool closed = false;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    assert_non_null(nl); /* no line cut in two */
    if (nl - p == 1 && *p == ']') {
      closed = true;
      assert_true(nl + 1 == end);
      break;
    }
    bool last = nl[-1] != ',';
    json_t j = {0};
    j.p = p;
    j.end = last ? nl : nl - 1;
    if (*p != '{' || !json_object(&j, true) || j.p != j.end) {
      fail_msg("line at offset %ld is not one whole event", (long)(p - text));
    }
    free(j.events);
    if (last) {
      assert_true(finished); /* only the last event of a finished trace has no "," */
      assert_true(nl + 3 == end && memcmp(nl, "\n]\n", 3) == 0);
    }
    p = nl + 1;
  }
  assert_true(closed == finished);
}

static size_t count_ph(const json_t *j, const char *ph) {
  size_t n = 0;
  for (size_t i = 0; i < j->count; ++i) {
    n += strcmp(j->events[i].ph, ph) == 0;
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
    free(j.events);
    j = (json_t){0};
    assert_true(parse_trace(&j, (const char *)buf.data, buf.size, false));
    assert_one_event_per_line((const char *)buf.data, buf.size, true);
    char pid[32];
    snprintf(pid, sizeof pid, "\"pid\":%ld,", (long)getpid());
    assert_non_null(strstr((const char *)buf.data, pid));
    assert_null(strstr((const char *)buf.data, "\"pid\":1,"));
    assert_non_null(strstr((const char *)buf.data, "{\"name\":\"process_name\",\"ph\":\"M\""));
    assert_non_null(strstr((const char *)buf.data, "\"args\":{\"name\":\"libecs\"}"));
    assert_string_equal(j.events[j.count - 1].name, "trace end");
    assert_string_equal(j.events[j.count - 1].ph, "i");
    assert_non_null(strstr((const char *)buf.data, "\"dropped\":0,\"size_cap_reached\":false}}\n]\n"));
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

/* Where each flush left the buffer: what a file would hold at that moment. */
typedef struct flush_log_t {
  ecs_membuf_t *buf;
  size_t at[64];
  int count;
} flush_log_t;

static ecs_status_t log_flush(void *user) {
  flush_log_t *log = user;
  if (log->count < 64) {
    log->at[log->count++] = log->buf->size;
  }
  return ECS_OK;
}

static ecs_status_t log_write(void *user, const void *data, size_t size) {
  flush_log_t *log = user;
  ecs_writer_t inner = ecs_membuf_writer(log->buf);
  return ecs_write(&inner, data, size);
}

/* A trace never ended: at every flush (the header, then each tick) the
 * bytes so far end on a whole event and load as the viewers load them. */
static void test_trace_cut_short(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_scheduler_t *s = schedule(w, 2);
  ecs_membuf_t buf = {0};
  flush_log_t log = {.buf = &buf};
  ecs_trace_desc_t desc = {.out = {log_write, &log}, .flush = log_flush, .process_name = "cut \"short\""};
  ecs_status_t st = ecs_trace_begin_desc(s, &desc);
  if (st == ECS_ERR_UNSUPPORTED) {
    ecs_scheduler_free(s);
    ecs_world_free(w);
    skip();
  }
  assert_int_equal(st, ECS_OK);
  assert_int_equal(log.count, 1); /* the header is flushed at once */
  enum { TICKS = 6 };
  for (int t = 0; t < TICKS; ++t) {
    assert_int_equal(ecs_scheduler_tick(s, 0.25, NULL), ECS_OK);
  }
  assert_int_equal(log.count, 1 + TICKS);
  for (int f = 0; f < log.count; ++f) {
    const char *text = (const char *)buf.data;
    size_t size = log.at[f];
    assert_true(size >= 2 && memcmp(text + size - 2, ",\n", 2) == 0);
    assert_one_event_per_line(text, size, false);
    json_t j = {0};
    if (!parse_trace(&j, text, size, true)) {
      fail_msg("flush %d: the first %zu bytes do not load", f, size);
    }
    assert_int_equal(count_named(&j, "tick"), f); /* whole ticks only */
    assert_int_equal(count_named(&j, "second"), f);
    assert_true(count_ph(&j, "M") >= 2); /* process_name and the main thread's name */
    free(j.events);
  }
  assert_non_null(strstr((const char *)buf.data, "\"args\":{\"name\":\"cut \\\"short\\\"\"}"));
  ecs_scheduler_free(s); /* drops the trace: nothing more is written */
  assert_int_equal(log.count, 1 + TICKS);
  ecs_membuf_free(&buf);
  ecs_world_free(w);
}

/* A child process traces into a stdio FILE and is killed (SIGKILL: no
 * exit handlers, the stdio buffer is lost) after a few ticks, without
 * ecs_trace_end(). With ecs_trace_file_flush the file holds whole events
 * and every tick; without it (control) it is cut inside an event. */
static void test_trace_killed(void **state) {
  (void)state;
#if defined(_WIN32) || defined(__EMSCRIPTEN__)
  skip(); /* needs fork() and SIGKILL */
#else
  enum { TICKS = 7 };
  for (int with_flush = 1; with_flush >= 0; --with_flush) {
    FILE *f = tmpfile();
    assert_non_null(f);
    fflush(NULL);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
      ecs_world_t *w = world_new();
      ecs_scheduler_t *s = schedule(w, 2);
      ecs_trace_desc_t desc = {.out = ecs_file_writer(f), .flush = with_flush ? ecs_trace_file_flush : NULL};
      if (ecs_trace_begin_desc(s, &desc) != ECS_OK) {
        _exit(3);
      }
      for (int t = 0; t < TICKS; ++t) {
        ecs_scheduler_tick(s, 0.25, NULL);
      }
      raise(SIGKILL);
      _exit(4);
    }
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
      fclose(f);
      skip(); /* built with ECS_PROFILE=OFF */
    }
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    rewind(f);
    ecs_membuf_t buf = {0};
    ecs_writer_t into = ecs_membuf_writer(&buf);
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
      assert_int_equal(ecs_write(&into, chunk, got), ECS_OK);
    }
    fclose(f);
    const char *text = (const char *)buf.data;
    json_t j = {0};
    bool loads = text && parse_trace(&j, text, buf.size, true);
    if (with_flush) {
      assert_true(loads);
      assert_one_event_per_line(text, buf.size, false);
      assert_int_equal(count_named(&j, "tick"), TICKS);
      assert_spans_nest(&j);
    } else {
      assert_false(loads && count_named(&j, "tick") == TICKS); /* the stdio buffer died with the process */
    }
    free(j.events);
    ecs_membuf_free(&buf);
  }
#endif
}

/* max_bytes: whole ticks up to the cap, the rest counted as dropped, and
 * a finished file under the cap whose last event says so. */
static void test_trace_size_cap(void **state) {
  (void)state;
  enum { TICKS = 40 };
  uint64_t total = 0;
  for (int capped = 0; capped < 2; ++capped) {
    ecs_world_t *w = world_new();
    ecs_scheduler_t *s = schedule(w, ECS_POOL_INLINE);
    ecs_membuf_t buf = {0};
    ecs_trace_desc_t desc = {.out = ecs_membuf_writer(&buf), .max_bytes = capped ? 24000 : 0};
    ecs_status_t st = ecs_trace_begin_desc(s, &desc);
    if (st == ECS_ERR_UNSUPPORTED) {
      ecs_scheduler_free(s);
      ecs_world_free(w);
      skip();
    }
    assert_int_equal(st, ECS_OK);
    for (int t = 0; t < TICKS; ++t) {
      assert_int_equal(ecs_scheduler_tick(s, 0.25, NULL), ECS_OK); /* the cap never fails a tick */
      assert_true(!capped || buf.size <= desc.max_bytes);
    }
    uint64_t recorded = 0;
    uint64_t dropped = 0;
    ecs_trace_counts(s, &recorded, &dropped);
    assert_int_equal(ecs_trace_end(s), ECS_OK);
    json_t j = {0};
    assert_true(parse_trace(&j, (const char *)buf.data, buf.size, false));
    assert_one_event_per_line((const char *)buf.data, buf.size, true);
    char args[96];
    snprintf(args, sizeof args, "\"recorded\":%llu,\"dropped\":%llu,\"size_cap_reached\":%s}}\n]\n",
             (unsigned long long)recorded, (unsigned long long)dropped, capped ? "true" : "false");
    assert_non_null(strstr((const char *)buf.data, args));
    size_t ticks = count_named(&j, "tick");
    if (!capped) {
      total = recorded;
      assert_int_equal(dropped, 0);
      assert_int_equal(ticks, TICKS);
    } else {
      assert_true(buf.size <= desc.max_bytes);
      assert_true(ticks > 0 && ticks < TICKS);
      assert_int_equal(count_named(&j, "second"), ticks); /* whole ticks only */
      assert_int_equal(count_named(&j, "idle"), ticks);
      assert_true(dropped > 0);
      assert_int_equal(recorded + dropped, total); /* every span written or counted as dropped */
      assert_string_equal(j.events[j.count - 1].name, "events dropped");
    }
    free(j.events);
    ecs_membuf_free(&buf);
    ecs_scheduler_free(s);
    ecs_world_free(w);
  }
}

static ecs_status_t failing_flush(void *user) {
  (void)user;
  return ECS_ERR_IO;
}

/* Bad descriptors: nothing starts and nothing is written. */
static void test_trace_desc_errors(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_scheduler_t *s = schedule(w, ECS_POOL_INLINE);
  ecs_membuf_t buf = {0};
  assert_int_equal(ecs_trace_begin_desc(NULL, &(ecs_trace_desc_t){.out = ecs_membuf_writer(&buf)}),
                   ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_trace_begin_desc(s, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_trace_begin_desc(s, &(ecs_trace_desc_t){.flush = ecs_trace_file_flush}),
                   ECS_ERR_INVALID_ARGUMENT);
  assert_non_null(strstr(ecs_last_error(w), "out.write"));
  assert_int_equal(ecs_trace_file_flush(NULL), ECS_ERR_INVALID_ARGUMENT);
  ecs_status_t st = ecs_trace_begin_desc(s, &(ecs_trace_desc_t){.out = ecs_membuf_writer(&buf), .max_bytes = 300});
  if (st == ECS_ERR_UNSUPPORTED) {
    ecs_membuf_free(&buf);
    ecs_scheduler_free(s);
    ecs_world_free(w);
    skip();
  }
  assert_int_equal(st, ECS_ERR_INVALID_ARGUMENT);
  assert_non_null(strstr(ecs_last_error(w), "max_bytes 300"));
  st = ecs_trace_begin_desc(s, &(ecs_trace_desc_t){.out = ecs_membuf_writer(&buf), .flush = failing_flush});
  assert_int_equal(st, ECS_ERR_IO); /* a flush error is a writer error */
  assert_int_equal(ecs_trace_end(s), ECS_ERR_NOT_FOUND);
  ecs_membuf_reset(&buf);
  assert_int_equal(ecs_trace_begin_desc(s, &(ecs_trace_desc_t){.out = ecs_membuf_writer(&buf), .max_bytes = 4096}),
                   ECS_OK); /* a small cap: the header only, closed at the end */
  assert_int_equal(ecs_scheduler_tick(s, 0.0, NULL), ECS_OK);
  assert_int_equal(ecs_trace_end(s), ECS_OK);
  assert_true(buf.size <= 4096);
  json_t j = {0};
  assert_true(parse_trace(&j, (const char *)buf.data, buf.size, false));
  free(j.events);
  ecs_membuf_free(&buf);
  ecs_scheduler_free(s);
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
      cmocka_unit_test(test_trace_cut_short),
      cmocka_unit_test(test_trace_killed),
      cmocka_unit_test(test_trace_size_cap),
      cmocka_unit_test(test_trace_desc_errors),
      cmocka_unit_test(test_regions_without_trace),
  };
  return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
