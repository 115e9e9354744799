/* ASYNC groups on the worker pool: conflict detection and serialization,
 * parallel iteration inside a system, error policies, shared pools. Run
 * under TSan in CI: every case here must be free of data races. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecs.h"
#include "support/log_capture.h"
#include "support/owned.h"

#include "support/watchdog.h"
#include <stdatomic.h>
#include <string.h>

typedef struct pos_t {
  int32_t x, y;
} pos_t;

typedef struct counter_t {
  int64_t value;
} counter_t;

/* Tracks how many systems of a conflicting set are inside at once. */
typedef struct overlap_t {
  atomic_int inside;
  atomic_int max_inside;
  atomic_int runs;
} overlap_t;

static ecs_status_t sys_overlap(ecs_system_ctx_t *ctx) {
  overlap_t *o = ctx->user;
  int now = atomic_fetch_add(&o->inside, 1) + 1;
  int seen = atomic_load(&o->max_inside);
  while (now > seen && !atomic_compare_exchange_weak(&o->max_inside, &seen, now)) {
  }
  /* touch the data for a while so that an overlap would show */
  while (ecs_iter_next(&ctx->it)) {
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      pos_t *p = ecs_field_at(&ctx->it, 0, i);
      if (p && ctx->it.priv.query) {
        p->x += 0; /* a read-modify-write TSan would see racing */
      }
    }
  }
  atomic_fetch_add(&o->runs, 1);
  atomic_fetch_sub(&o->inside, 1);
  return ECS_OK;
}

static ecs_world_t *world_with_entities(ecs_component_t *pos, int n) {
  ecs_world_t *w = world_new();
  *pos = ECS_COMPONENT(w, pos_t);
  for (int32_t i = 0; i < n; ++i) {
    ecs_set(w, ecs_entity_create(w), *pos, &(pos_t){i, 0});
  }
  return w;
}

static void test_conflict_rejected_by_default(void **state) {
  (void)state;
  ecs_component_t pos;
  ecs_world_t *w = world_with_entities(&pos, 10);
  ecs_component_t counter = ECS_COMPONENT(w, counter_t);
  ecs_component_t tag = ecs_component_register_type(w, "tag", 0, 0);
  const struct {
    ecs_access_t a, b;
    bool resource;
    ecs_status_t expect;
    const char *msg;
  } cases[] = {
      {ECS_ACCESS_WRITE, ECS_ACCESS_READ, false, ECS_ERR_CONFLICT, "component 'pos_t' ('one' writes, 'two' reads)"},
      {ECS_ACCESS_READ, ECS_ACCESS_WRITE, false, ECS_ERR_CONFLICT, "('one' reads, 'two' writes)"},
      {ECS_ACCESS_WRITE, ECS_ACCESS_WRITE, false, ECS_ERR_CONFLICT, "('one' writes, 'two' writes)"},
      {ECS_ACCESS_OPTIONAL, ECS_ACCESS_WRITE, false, ECS_ERR_CONFLICT, "('one' reads, 'two' writes)"},
      {ECS_ACCESS_READ, ECS_ACCESS_READ, false, ECS_OK, NULL},
      {ECS_ACCESS_WITH, ECS_ACCESS_WRITE, false, ECS_OK, NULL}, /* presence only */
      {ECS_ACCESS_READ, ECS_ACCESS_READ, true, ECS_ERR_CONFLICT, "resource 'counter_t' ('one' reads, 'two' writes)"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    print_message("case %zu\n", k);
    ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
    ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "jobs", .mode = ECS_GROUP_ASYNC});
    /* a WITH term on a shared tag in both: filters never conflict */
    ecs_system_desc_t one = {
        .name = "one", .query = {.terms = {{tag, ECS_ACCESS_WITH}, {pos, cases[k].a}}}, .callback = sys_overlap};
    ecs_system_desc_t two = {
        .name = "two", .query = {.terms = {{tag, ECS_ACCESS_WITH}, {pos, cases[k].b}}}, .callback = sys_overlap};
    if (cases[k].resource) {
      one.reads[0] = counter;
      two.writes[0] = counter;
    }
    assert_int_equal(ecs_builder_add_system(b, g, &one), ECS_OK);
    assert_int_equal(ecs_builder_add_system(b, g, &two), ECS_OK);
    ecs_scheduler_t *s = NULL;
    assert_int_equal(ecs_scheduler_build(b, &s), cases[k].expect);
    if (cases[k].msg) {
      assert_non_null(strstr(ecs_last_error(w), cases[k].msg));
      assert_non_null(strstr(ecs_last_error(w), "async group 'jobs'"));
    }
    ecs_scheduler_free(s);
  }
  ecs_world_free(w);
}

/* Under SERIALIZE conflicting systems never overlap, whatever the threads. */
static void test_conflicts_serialized(void **state) {
  (void)state;
  for (int threads = 1; threads <= 4; threads *= 2) {
    ecs_component_t pos;
    ecs_world_t *w = world_with_entities(&pos, 2000);
    overlap_t writers = {0};
    overlap_t readers = {0};
    ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
    assert_int_equal(ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.inline_below_ns = 1,
                                                                        .threads = threads,
                                                                        .on_conflict = ECS_CONFLICT_SERIALIZE}),
                     ECS_OK);
    ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "jobs", .mode = ECS_GROUP_ASYNC});
    const char *names[] = {"w1", "w2", "w3", "w4"};
    for (int i = 0; i < 4; ++i) {
      ecs_system_desc_t d = {
          .name = names[i], .query = {.terms = {{pos, ECS_ACCESS_WRITE}}}, .callback = sys_overlap, .user = &writers};
      assert_int_equal(ecs_builder_add_system(b, g, &d), ECS_OK);
    }
    const char *rnames[] = {"r1", "r2"};
    for (int i = 0; i < 2; ++i) {
      /* readers of something else: free to overlap with anyone */
      ecs_system_desc_t d = {.name = rnames[i], .callback = sys_overlap, .user = &readers};
      assert_int_equal(ecs_builder_add_system(b, g, &d), ECS_OK);
    }
    ecs_scheduler_t *s = NULL;
    assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
    assert_non_null(ecs_scheduler_pool(s));
    for (int t = 0; t < 20; ++t) {
      ecs_tick_result_t r;
      assert_int_equal(ecs_scheduler_tick(s, 0.0, &r), ECS_OK);
      assert_int_equal(r.systems_run, 6);
    }
    assert_int_equal(atomic_load(&writers.max_inside), 1);
    assert_int_equal(atomic_load(&writers.runs), 80);
    assert_int_equal(atomic_load(&readers.runs), 40);
    ecs_scheduler_free(s);
    ecs_world_free(w);
  }
}

/* parallel_for: every row once, and the commands of the slices applied in
 * slice order, so entity ids do not depend on the thread count. */
typedef struct spawn_ctx_t {
  ecs_component_t pos;
  atomic_llong sum;
} spawn_ctx_t;

static ecs_status_t spawn_slice(ecs_iter_t *chunk, ecs_cmd_buffer_t *commands, void *user) {
  spawn_ctx_t *c = user;
  const pos_t *p = ecs_field(chunk, 0);
  for (int32_t i = 0; i < chunk->count; ++i) {
    const pos_t *v = p ? &p[i] : ecs_field_at(chunk, 0, i);
    atomic_fetch_add(&c->sum, v->x);
    if (v->x % 10 == 0 && v->y == 0) {
      ecs_entity_t e = ecs_cmd_create(commands);
      ecs_cmd_set(commands, e, c->pos, &(pos_t){v->x, 1});
    }
  }
  return ECS_OK;
}

static ecs_status_t sys_spawn(ecs_system_ctx_t *ctx) {
  return ecs_parallel_for(ctx, 64, spawn_slice, ctx->user);
}

static uint64_t run_spawner(int32_t threads, ecs_group_mode_t mode, long long *sum) {
  ecs_component_t pos;
  ecs_world_t *w = world_with_entities(&pos, 1000);
  spawn_ctx_t c = {.pos = pos};
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.inline_below_ns = 1, .threads = threads});
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "g", .mode = mode});
  ecs_builder_add_system(
      b, g,
      &(ecs_system_desc_t){
          .name = "spawn", .query = {.terms = {{pos, ECS_ACCESS_READ}}}, .callback = sys_spawn, .user = &c});
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  ecs_tick_result_t r;
  assert_int_equal(ecs_scheduler_tick(s, 0.0, &r), ECS_OK);
  assert_int_equal(r.commands_applied, 200); /* 100 creates + 100 sets */
  *sum = atomic_load(&c.sum);
  uint64_t h = ecs_world_checksum(w);
  assert_int_equal(ecs_entity_count(w), 1100);
  ecs_scheduler_free(s);
  ecs_world_free(w);
  return h;
}

static void test_parallel_for_deterministic(void **state) {
  (void)state;
  long long sum = 0;
  uint64_t expect = run_spawner(ECS_POOL_INLINE, ECS_GROUP_SYNC, &sum);
  assert_int_equal(sum, 999 * 1000 / 2);
  const int32_t threads[] = {ECS_POOL_INLINE, 1, 2, 8};
  for (size_t i = 0; i < 4; ++i) {
    for (int mode = 0; mode < 2; ++mode) {
      long long s2 = 0;
      assert_int_equal(run_spawner(threads[i], (ecs_group_mode_t)mode, &s2), expect);
      assert_int_equal(s2, sum);
    }
  }
}

static ecs_status_t failing_slice(ecs_iter_t *chunk, ecs_cmd_buffer_t *commands, void *user) {
  (void)user;
  ecs_cmd_create(commands);
  return chunk->entities[0] % 3 == 0 ? ECS_ERR_NOT_FOUND : ECS_OK;
}

static ecs_status_t sys_failing_parallel(ecs_system_ctx_t *ctx) {
  return ecs_parallel_for(ctx, 10, failing_slice, NULL);
}

static ecs_status_t sys_fails(ecs_system_ctx_t *ctx) {
  ecs_cmd_create(ctx->commands);
  return ECS_ERR_NOT_FOUND;
}

static ecs_status_t sys_creates(ecs_system_ctx_t *ctx) {
  return ecs_cmd_create(ctx->commands) ? ECS_OK : ECS_ERR_NO_MEMORY;
}

/* A failing system's commands (its slices' too) are discarded; under FAIL
 * the later groups are skipped; under SKIP the tick goes on. */
static void test_async_failures(void **state) {
  (void)state;
  for (int policy = 0; policy < 2; ++policy) {
    ecs_component_t pos;
    ecs_world_t *w = world_with_entities(&pos, 100);
    ecs_error_policy_t p = policy ? ECS_ON_ERROR_SKIP : ECS_ON_ERROR_FAIL;
    ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
    ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.inline_below_ns = 1, .threads = 2});
    ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "jobs", .mode = ECS_GROUP_ASYNC});
    ecs_group_t later = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "later", .after = {"jobs"}});
    ecs_builder_add_system(b, g,
                           &(ecs_system_desc_t){.name = "par",
                                                .query = {.terms = {{pos, ECS_ACCESS_READ}}},
                                                .callback = sys_failing_parallel,
                                                .on_error = p});
    ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "plain", .callback = sys_fails, .on_error = p});
    ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "good", .callback = sys_creates});
    ecs_builder_add_system(b, later, &(ecs_system_desc_t){.name = "after", .callback = sys_creates});
    ecs_scheduler_t *s = NULL;
    assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
    ecs_tick_result_t r;
    ecs_status_t st = ecs_scheduler_tick(s, 0.0, &r);
    assert_int_equal(r.systems_failed, 2);
    assert_string_equal(r.failed_system, "par"); /* first in declared order */
    assert_int_equal(r.failed_status, ECS_ERR_NOT_FOUND);
    if (policy == 0) {
      assert_int_equal(st, ECS_ERR_SYSTEM_FAILED);
      assert_int_equal(r.systems_run, 1);
      assert_int_equal(r.systems_skipped, 1);
      assert_int_equal(ecs_entity_count(w), 101); /* only "good" created */
    } else {
      assert_int_equal(st, ECS_OK);
      assert_int_equal(r.systems_run, 2);
      assert_int_equal(ecs_entity_count(w), 102);
    }
    ecs_scheduler_free(s);
    ecs_world_free(w);
  }
}

/* A pool given in the options is used and left alive; one pool may serve
 * two worlds' schedulers. */
static void test_shared_pool(void **state) {
  (void)state;
  ecs_pool_t *pool = NULL;
  assert_int_equal(ecs_pool_create(&(ecs_pool_desc_t){.threads = 2}, &pool), ECS_OK);
  ecs_world_t *worlds[2];
  ecs_scheduler_t *scheds[2];
  overlap_t o = {0};
  for (int i = 0; i < 2; ++i) {
    ecs_component_t pos;
    worlds[i] = world_with_entities(&pos, 50);
    ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(worlds[i]);
    ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.inline_below_ns = 1, .pool = pool});
    ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "g", .mode = ECS_GROUP_ASYNC});
    ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "a", .callback = sys_overlap, .user = &o});
    ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "b", .callback = sys_overlap, .user = &o});
    assert_int_equal(ecs_scheduler_build(b, &scheds[i]), ECS_OK);
    assert_ptr_equal(ecs_scheduler_pool(scheds[i]), pool);
  }
  for (int t = 0; t < 10; ++t) {
    assert_int_equal(ecs_scheduler_tick(scheds[t % 2], 0.0, NULL), ECS_OK);
  }
  assert_int_equal(atomic_load(&o.runs), 20);
  for (int i = 0; i < 2; ++i) {
    ecs_scheduler_free(scheds[i]);
    ecs_world_free(worlds[i]);
  }
  ecs_pool_stats_t st;
  ecs_pool_stats(pool, &st);
  assert_true(st.tasks_run >= 20);
  ecs_pool_free(pool);
}

static void test_bad_options(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  assert_int_equal(ecs_builder_set_options(NULL, &(ecs_scheduler_desc_t){0}), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_builder_set_options(b, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.inline_below_ns = 1, .threads = -2}),
                   ECS_ERR_INVALID_ARGUMENT);
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_ERR_INVALID_ARGUMENT); /* kept for build */
  assert_null(s);
  assert_int_equal(ecs_parallel_for(NULL, 0, spawn_slice, NULL), ECS_ERR_INVALID_ARGUMENT);
  ecs_system_ctx_t loose = {0};
  assert_int_equal(ecs_parallel_for(&loose, 0, spawn_slice, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_null(ecs_scheduler_pool(NULL));
  ecs_world_free(w);
}

typedef struct probe_t {
  ecs_component_t pos, vel, counter;
  ecs_entity_t e;
  const void *got[6];
} probe_t;

static ecs_status_t sys_probe(ecs_system_ctx_t *ctx) {
  probe_t *p = ctx->user;
  p->got[0] = ecs_system_get(ctx, p->e, p->pos);         /* declared READ */
  p->got[1] = ecs_system_get_mut(ctx, p->e, p->pos);     /* write through READ */
  p->got[2] = ecs_system_get(ctx, p->e, p->vel);         /* undeclared */
  p->got[3] = ecs_system_resource(ctx, p->counter);      /* declared in reads */
  p->got[4] = ecs_system_resource_mut(ctx, p->counter);  /* write through reads */
  p->got[5] = ecs_system_get_mut(ctx, p->e, p->counter); /* a resource is not a component term */
  return ECS_OK;
}

/* Undeclared access through the system context is refused, logged with the
 * system's name and counted, when checks are on; passes when off. */
static void test_access_checks(void **state) {
  (void)state;
  for (int on = 1; on >= 0; --on) {
    log_capture_t cap = {0};
    ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.log = capture_log, .log_user = &cap});
    probe_t p = {.pos = ECS_COMPONENT(w, pos_t), .vel = ECS_COMPONENT(w, counter_t)};
    p.counter = ecs_component_register_type(w, "Counter", sizeof(counter_t), 0);
    p.e = ecs_entity_create(w);
    ecs_set(w, p.e, p.pos, &(pos_t){1, 2});
    ecs_set(w, p.e, p.vel, &(counter_t){3});
    ecs_set(w, p.e, p.counter, &(counter_t){4});
    ecs_resource_set(w, p.counter, &(counter_t){5});
    ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
    ecs_builder_set_options(
        b,
        &(ecs_scheduler_desc_t){.inline_below_ns = 1, .check_access = on ? ECS_ACCESS_CHECK_ON : ECS_ACCESS_CHECK_OFF});
    ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "g"});
    ecs_builder_add_system(b, g,
                           &(ecs_system_desc_t){.name = "prober",
                                                .query = {.terms = {{p.pos, ECS_ACCESS_READ}}},
                                                .reads = {p.counter},
                                                .callback = sys_probe,
                                                .user = &p});
    ecs_scheduler_t *s = NULL;
    assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
    ecs_tick_result_t r;
    assert_int_equal(ecs_scheduler_tick(s, 0.0, &r), ECS_OK);
    assert_non_null(p.got[0]);
    assert_non_null(p.got[3]);
    if (on) {
      assert_null(p.got[1]);
      assert_null(p.got[2]);
      assert_null(p.got[4]);
      assert_null(p.got[5]);
      assert_int_equal(r.access_violations, 4);
      assert_int_equal(cap.level, ECS_LOG_ERROR);
      assert_non_null(strstr(cap.last, "system=prober"));
      assert_non_null(strstr(cap.last, "'Counter' not declared"));
    } else {
      for (int i = 1; i < 6; ++i) {
        assert_non_null(p.got[i]);
      }
      assert_int_equal(r.access_violations, 0);
    }
    assert_null(ecs_system_get(NULL, p.e, p.pos));
    ecs_scheduler_free(s);
    ecs_world_free(w);
  }
}

typedef struct late_t {
  ecs_component_t pos;
  ecs_query_t *query;
  ecs_status_t storage;
  ecs_status_t build;
  ecs_scheduler_t *built;
  bool metric_refused;
} late_t;

static ecs_status_t sys_nop(ecs_system_ctx_t *ctx) {
  (void)ctx;
  return ECS_OK;
}

static ecs_status_t sys_late(ecs_system_ctx_t *ctx) {
  late_t *l = ctx->user;
  l->query = ecs_query_new(ctx->world, &(ecs_query_desc_t){.terms = {{l->pos, ECS_ACCESS_READ}}});
  ecs_storage_kind_t kind;
  l->storage = ecs_storage_register(ctx->world, ecs_storage_dense_vtable(), &kind);
  /* a schedule's systems need queries: building one is refused too */
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(ctx->world);
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "inner"});
  ecs_builder_add_system(
      b, g, &(ecs_system_desc_t){.name = "q", .callback = sys_nop, .query = {{{l->pos, ECS_ACCESS_READ}}}});
  l->build = ecs_scheduler_build(b, &l->built);
  l->metric_refused = ecs_metric_register(ctx->world, ECS_METRIC_COUNTER, "late_total", NULL) == NULL;
  return ECS_OK;
}

/* Queries and storage kinds are the world's structure too: not from systems. */
static void test_no_registration_during_tick(void **state) {
  (void)state;
  late_t l = {0};
  ecs_world_t *w = world_with_entities(&l.pos, 3);
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "g"});
  ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "late", .callback = sys_late, .user = &l});
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  assert_int_equal(ecs_scheduler_tick(s, 0.0, NULL), ECS_OK);
  assert_null(l.query);
  assert_int_equal(l.storage, ECS_ERR_BUSY);
  assert_int_equal(l.build, ECS_ERR_BUSY);
  assert_null(l.built);
  assert_true(l.metric_refused);
  /* outside the tick the same calls work */
  ecs_scheduler_builder_t *b2 = ecs_scheduler_builder_new(w);
  ecs_group_t g2 = ecs_builder_add_group(b2, &(ecs_group_desc_t){.name = "inner"});
  ecs_builder_add_system(b2, g2,
                         &(ecs_system_desc_t){.name = "q", .callback = sys_nop, .query = {{{l.pos, ECS_ACCESS_READ}}}});
  ecs_scheduler_t *s2 = NULL;
  assert_int_equal(ecs_scheduler_build(b2, &s2), ECS_OK);
  ecs_scheduler_free(s2);
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

static ecs_status_t sys_talk(ecs_system_ctx_t *ctx) {
  ecs_system_log(ctx, ECS_LOG_WARN, "hello %d", 5);
  ecs_system_log(ctx, ECS_LOG_DEBUG, "below the level: dropped");
  return ECS_ERR_NOT_FOUND; /* and the failure is logged with the same fields */
}

/* Messages from inside a system carry tick, group and system. */
static void test_log_fields(void **state) {
  (void)state;
  log_capture_t cap = {0};
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.log = capture_log, .log_user = &cap});
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.inline_below_ns = 1, .threads = 1});
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "chat room", .mode = ECS_GROUP_ASYNC});
  ecs_builder_add_system(b, g,
                         &(ecs_system_desc_t){.name = "talker", .callback = sys_talk, .on_error = ECS_ON_ERROR_SKIP});
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  assert_int_equal(ecs_scheduler_tick(s, 0.0, NULL), ECS_OK);
  assert_int_equal(cap.count, 2);
  assert_string_equal(cap.last,
                      "level=warn tick=1 group=\"chat room\" system=talker msg=\"system failed: ERR_NOT_FOUND\"");
  cap = (log_capture_t){0};
  ecs_system_log(NULL, ECS_LOG_ERROR, "no context: dropped");
  assert_int_equal(cap.count, 0);
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

/* A tiny ASYNC group is dispatched once (nothing measured yet), then runs
 * on the ticking thread: no more pool tasks, the same results. */
static void test_tiny_groups_run_inline(void **state) {
  (void)state;
  ecs_component_t pos;
  ecs_world_t *w = world_with_entities(&pos, 10);
  overlap_t o = {0};
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.threads = 1, .inline_below_ns = 1000000000});
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "tiny", .mode = ECS_GROUP_ASYNC});
  ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "a", .callback = sys_overlap, .user = &o});
  ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "b", .callback = sys_overlap, .user = &o});
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  ecs_pool_stats_t before;
  ecs_pool_stats_t after;
  assert_int_equal(ecs_scheduler_tick(s, 0.0, NULL), ECS_OK);
  ecs_pool_stats(ecs_scheduler_pool(s), &before);
  assert_true(before.tasks_run >= 2); /* the first tick went to the pool */
  for (int t = 0; t < 5; ++t) {
    ecs_tick_result_t r;
    assert_int_equal(ecs_scheduler_tick(s, 0.0, &r), ECS_OK);
    assert_int_equal(r.systems_run, 2);
  }
  ecs_pool_stats(ecs_scheduler_pool(s), &after);
  assert_int_equal(after.tasks_run, before.tasks_run);
  assert_int_equal(atomic_load(&o.runs), 12);
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

/* An inline pool, an ASYNC group with SERIALIZE, a reader then a writer
 * whose callback calls ecs_parallel_for: the writer's task waits inside the
 * reader-then-writer chain. This hung on the first tick; the alarm turns a
 * hang into a failure. */
static ecs_status_t sys_read_only(ecs_system_ctx_t *ctx) {
  while (ecs_iter_next(&ctx->it)) {
  }
  return ECS_OK;
}

static ecs_status_t bump_slice(ecs_iter_t *chunk, ecs_cmd_buffer_t *commands, void *user) {
  (void)commands;
  (void)user;
  pos_t *p = ecs_field(chunk, 0);
  for (int32_t i = 0; i < chunk->count; ++i) {
    pos_t *v = p ? &p[i] : ecs_field_at(chunk, 0, i);
    v->y += 1;
  }
  return ECS_OK;
}

static ecs_status_t sys_bump_parallel(ecs_system_ctx_t *ctx) {
  return ecs_parallel_for(ctx, 4, bump_slice, NULL);
}

static void test_inline_pool_serialized_parallel_for(void **state) {
  (void)state;
  test_watchdog(20);
  const int32_t threads[] = {ECS_POOL_INLINE, 1, 2};
  for (size_t t = 0; t < sizeof threads / sizeof threads[0]; ++t) {
    ecs_component_t pos;
    ecs_world_t *w = world_with_entities(&pos, 20);
    ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
    ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.threads = threads[t], .on_conflict = ECS_CONFLICT_SERIALIZE});
    ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "g", .mode = ECS_GROUP_ASYNC});
    ecs_builder_add_system(b, g,
                           &(ecs_system_desc_t){.name = "reader",
                                                .query = {.terms = {{pos, ECS_ACCESS_READ}}},
                                                .callback = sys_read_only});
    ecs_builder_add_system(b, g,
                           &(ecs_system_desc_t){.name = "writer",
                                                .query = {.terms = {{pos, ECS_ACCESS_WRITE}}},
                                                .callback = sys_bump_parallel});
    ecs_scheduler_t *s = NULL;
    assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
    for (int k = 0; k < 3; ++k) {
      assert_int_equal(ecs_scheduler_tick(s, 0.0, NULL), ECS_OK);
    }
    ecs_iter_t it = ecs_query_iter(ecs_query_new(w, &(ecs_query_desc_t){.terms = {{pos, ECS_ACCESS_READ}}}));
    int32_t rows = 0;
    while (ecs_iter_next(&it)) {
      for (int32_t i = 0; i < it.count; ++i, ++rows) {
        assert_int_equal(((const pos_t *)ecs_field_at(&it, 0, i))->y, 3);
      }
    }
    assert_int_equal(rows, 20);
    ecs_scheduler_free(s);
    ecs_world_free(w);
  }
  test_watchdog(0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_conflict_rejected_by_default),
      cmocka_unit_test(test_conflicts_serialized),
      cmocka_unit_test(test_parallel_for_deterministic),
      cmocka_unit_test(test_async_failures),
      cmocka_unit_test(test_shared_pool),
      cmocka_unit_test(test_bad_options),
      cmocka_unit_test(test_access_checks),
      cmocka_unit_test(test_log_fields),
      cmocka_unit_test(test_tiny_groups_run_inline),
      cmocka_unit_test(test_no_registration_during_tick),
      cmocka_unit_test(test_inline_pool_serialized_parallel_for),
  };
  return cmocka_run_group_tests_name("async", tests, NULL, NULL);
}
