/* Change detection: ECS_CHANGED and ECS_ADDED terms, across storage kinds,
 * for plain queries and for systems. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecs.h"
#include "support/owned.h"

typedef struct val_t {
  int32_t v;
} val_t;

/* Entity indices the query yields, summed with a weight so that a wrong
 * set is noticed: returns count, fills *sum. */
static int collect(ecs_query_t *q, uint64_t *sum) {
  int n = 0;
  *sum = 0;
  ecs_iter_t it = ecs_query_iter(q);
  while (ecs_iter_next(&it)) {
    for (int32_t i = 0; i < it.count; ++i) {
      *sum += ECS_ENTITY_INDEX(it.entities[i]) * 1000003ull;
      ++n;
    }
  }
  return n;
}

static void test_changed_and_added_queries(void **state) {
  (void)state;
  const ecs_storage_kind_t kinds[] = {ECS_STORAGE_DENSE, ECS_STORAGE_SPARSE, ECS_STORAGE_ARCHETYPE};
  for (size_t k = 0; k < 3; ++k) {
    ecs_world_t *w = world_new();
    ecs_component_t c =
        ecs_component_register(w, &(ecs_component_desc_t){.name = "val", .size = sizeof(val_t), .storage = kinds[k]});
    ecs_entity_t e[10];
    for (int i = 0; i < 10; ++i) {
      e[i] = ecs_entity_create(w);
      ecs_set(w, e[i], c, &(val_t){i});
    }
    ecs_query_t *changed = ecs_query_new(w, &(ecs_query_desc_t){.terms = {{c, ECS_CHANGED(ECS_ACCESS_READ)}}});
    ecs_query_t *added = ecs_query_new(w, &(ecs_query_desc_t){.terms = {{c, ECS_ADDED(ECS_ACCESS_READ)}}});
    assert_non_null(changed);
    assert_non_null(added);
    uint64_t sum;
    assert_int_equal(collect(changed, &sum), 10); /* first iteration: everything is new */
    assert_int_equal(collect(added, &sum), 10);
    assert_int_equal(collect(changed, &sum), 0); /* nothing since */
    assert_int_equal(collect(added, &sum), 0);
    ecs_set(w, e[3], c, &(val_t){30});
    ecs_set(w, e[7], c, &(val_t){70});
    ecs_entity_t fresh = ecs_entity_create(w);
    ecs_add(w, fresh, c);
    assert_int_equal(collect(changed, &sum), 3);
    assert_int_equal(sum, (ECS_ENTITY_INDEX(e[3]) + ECS_ENTITY_INDEX(e[7]) + ECS_ENTITY_INDEX(fresh)) * 1000003ull);
    assert_int_equal(collect(added, &sum), 1);
    assert_int_equal(sum, ECS_ENTITY_INDEX(fresh) * 1000003ull);
    /* a removed and re-added component counts as added again */
    ecs_remove(w, e[5], c);
    ecs_add(w, e[5], c);
    assert_int_equal(collect(added, &sum), 1);
    ecs_world_free(w);
  }
}

typedef struct sys_state_t {
  ecs_component_t c;
  int seen;
} sys_state_t;

/* Writes every value through a WRITE field: recorded as changed. */
static ecs_status_t writer(ecs_system_ctx_t *ctx) {
  sys_state_t *s = ctx->user;
  while (ecs_iter_next(&ctx->it)) {
    val_t *v = ecs_field(&ctx->it, 0);
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      (v ? &v[i] : (val_t *)ecs_field_at(&ctx->it, 0, i))->v++;
    }
    s->seen += ctx->it.count;
  }
  return ECS_OK;
}

static ecs_status_t watcher(ecs_system_ctx_t *ctx) {
  sys_state_t *s = ctx->user;
  while (ecs_iter_next(&ctx->it)) {
    s->seen += ctx->it.count;
  }
  return ECS_OK;
}

static bool every_other(const ecs_world_t *world, void *user) {
  (void)world;
  int *n = user;
  return (*n)++ % 2 == 0;
}

/* A watcher sees what the writer wrote since the watcher last ran, even
 * when it skips ticks; the writer does not see its own writes. */
static void test_systems_see_changes_since_their_last_run(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_component_t c = ecs_component_register(
      w, &(ecs_component_desc_t){.name = "val", .size = sizeof(val_t), .storage = ECS_STORAGE_ARCHETYPE});
  for (int i = 0; i < 5; ++i) {
    ecs_set(w, ecs_entity_create(w), c, &(val_t){i});
  }
  sys_state_t wr = {c, 0}, wa = {c, 0}, self = {c, 0};
  int calls = 0;
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_group_t g1 = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "write"});
  ecs_group_t g2 = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "watch", .after = {"write"}});
  ecs_builder_add_system(
      b, g1,
      &(ecs_system_desc_t){
          .name = "writer", .query = {.terms = {{c, ECS_ACCESS_WRITE}}}, .callback = writer, .user = &wr});
  ecs_builder_add_system(
      b, g1,
      &(ecs_system_desc_t){
          .name = "self", .query = {.terms = {{c, ECS_CHANGED(ECS_ACCESS_WRITE)}}}, .callback = writer, .user = &self});
  ecs_builder_add_system(b, g2,
                         &(ecs_system_desc_t){.name = "watcher",
                                              .query = {.terms = {{c, ECS_CHANGED(ECS_ACCESS_READ)}}},
                                              .callback = watcher,
                                              .user = &wa,
                                              .run_if = every_other,
                                              .run_if_user = &calls});
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  for (int t = 0; t < 4; ++t) {
    assert_int_equal(ecs_scheduler_tick(s, 0.0, NULL), ECS_OK);
  }
  assert_int_equal(wr.seen, 20);
  /* the watcher ran on ticks 1 and 3; it saw all 5 each time (written since) */
  assert_int_equal(wa.seen, 10);
  /* "self" sees the writer's writes of each tick (5 each), written by it
   * on its own field too; the first run sees everything (new) */
  assert_int_equal(self.seen, 20);
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

/* A failed run leaves the changes it saw for the next run: under RETRY the
 * retry sees them, under SKIP the next run sees them and the newer ones,
 * under QUARANTINE the run after re-enabling sees everything since the
 * last successful run. Each case on every storage kind. */
typedef struct flaky_t {
  int fail_left; /* runs that still fail */
  int seen_last; /* rows the last run saw */
  int runs;
} flaky_t;

static ecs_status_t flaky_watcher(ecs_system_ctx_t *ctx) {
  flaky_t *f = ctx->user;
  f->runs++;
  f->seen_last = 0;
  while (ecs_iter_next(&ctx->it)) {
    f->seen_last += ctx->it.count;
  }
  if (f->fail_left > 0) {
    f->fail_left--;
    return ECS_ERR_INVALID_ARGUMENT;
  }
  return ECS_OK;
}

static void test_failed_run_keeps_changes(void **state) {
  (void)state;
  const ecs_storage_kind_t kinds[] = {ECS_STORAGE_DENSE, ECS_STORAGE_SPARSE, ECS_STORAGE_ARCHETYPE};
  const ecs_error_policy_t policies[] = {ECS_ON_ERROR_RETRY, ECS_ON_ERROR_SKIP, ECS_ON_ERROR_QUARANTINE};
  for (size_t k = 0; k < 3; ++k) {
    for (size_t p = 0; p < 3; ++p) {
      ecs_world_t *w = world_new();
      ecs_component_t c =
          ecs_component_register(w, &(ecs_component_desc_t){.name = "val", .size = sizeof(val_t), .storage = kinds[k]});
      ecs_entity_t e[4];
      for (int i = 0; i < 4; ++i) {
        e[i] = ecs_entity_create(w);
        ecs_set(w, e[i], c, &(val_t){i});
      }
      flaky_t f = {.fail_left = 1};
      ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
      ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "g"});
      ecs_builder_add_system(b, g,
                             &(ecs_system_desc_t){.name = "watch",
                                                  .query = {.terms = {{c, ECS_CHANGED(ECS_ACCESS_READ)}}},
                                                  .callback = flaky_watcher,
                                                  .user = &f,
                                                  .on_error = policies[p],
                                                  .max_retries = 1,
                                                  .quarantine_after = 1});
      ecs_scheduler_t *s = NULL;
      assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
      /* the first run sees the 4 new values and fails */
      (void)ecs_scheduler_tick(s, 0.0, NULL);
      if (policies[p] == ECS_ON_ERROR_RETRY) {
        assert_int_equal(f.runs, 2);
        if (f.seen_last != 4) {
          fail_msg("kind %zu RETRY: the retry saw %d of 4 changes", k, f.seen_last);
        }
      } else {
        assert_int_equal(f.runs, 1);
        /* two more writes; a quarantined system misses two ticks */
        ecs_set(w, e[0], c, &(val_t){10});
        (void)ecs_scheduler_tick(s, 0.0, NULL);
        ecs_set(w, e[1], c, &(val_t){11});
        if (policies[p] == ECS_ON_ERROR_QUARANTINE) {
          assert_false(ecs_scheduler_system_enabled(s, "watch"));
          (void)ecs_scheduler_tick(s, 0.0, NULL);
          assert_int_equal(f.runs, 1);
          assert_int_equal(ecs_scheduler_enable_system(s, "watch"), ECS_OK);
          assert_int_equal(ecs_scheduler_tick(s, 0.0, NULL), ECS_OK);
          assert_int_equal(f.runs, 2);
        } else {
          assert_int_equal(f.runs, 2); /* tick 2 succeeded: saw the 4 and e0's write */
          assert_int_equal(f.seen_last, 4);
          assert_int_equal(ecs_scheduler_tick(s, 0.0, NULL), ECS_OK);
          assert_int_equal(f.runs, 3);
          assert_int_equal(f.seen_last, 1); /* e1 only: the successful run consumed the rest */
          ecs_scheduler_free(s);
          ecs_world_free(w);
          continue;
        }
        if (f.seen_last != 4) {
          fail_msg("kind %zu policy %zu: the run after the failure saw %d of 4 changed entities", k, p, f.seen_last);
        }
      }
      ecs_scheduler_free(s);
      ecs_world_free(w);
    }
  }
}

/* ecs_parallel_for records a write only where the host wrote through a
 * field it was handed: slicing itself marks nothing. */
typedef struct slice_writes_t {
  int32_t write_row; /* -1: none */
} slice_writes_t;

static ecs_status_t slice_maybe_write(ecs_iter_t *chunk, ecs_cmd_buffer_t *commands, void *user) {
  (void)commands;
  const slice_writes_t *sw = user;
  for (int32_t i = 0; i < chunk->count; ++i) {
    if (ECS_ENTITY_INDEX(chunk->entities[i]) == (uint32_t)sw->write_row) {
      ((val_t *)ecs_field_at(chunk, 0, i))->v++;
    }
  }
  return ECS_OK;
}

static ecs_status_t sys_slices(ecs_system_ctx_t *ctx) {
  return ecs_parallel_for(ctx, 10, slice_maybe_write, ctx->user);
}

static void test_parallel_for_marks_only_writes(void **state) {
  (void)state;
  const ecs_storage_kind_t kinds[] = {ECS_STORAGE_DENSE, ECS_STORAGE_SPARSE, ECS_STORAGE_ARCHETYPE};
  for (size_t k = 0; k < 3; ++k) {
    for (int32_t threads = ECS_POOL_INLINE; threads <= 2; threads += 3) {
      ecs_world_t *w = world_new();
      ecs_component_t c =
          ecs_component_register(w, &(ecs_component_desc_t){.name = "val", .size = sizeof(val_t), .storage = kinds[k]});
      for (int i = 0; i < 100; ++i) {
        ecs_set(w, ecs_entity_create(w), c, &(val_t){i});
      }
      ecs_query_t *changed = ecs_query_new(w, &(ecs_query_desc_t){.terms = {{c, ECS_CHANGED(ECS_ACCESS_READ)}}});
      uint64_t sum;
      assert_int_equal(collect(changed, &sum), 100); /* the creations, once */
      slice_writes_t sw = {.write_row = -1};
      ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
      ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.threads = threads});
      ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "g"});
      ecs_builder_add_system(
          b, g,
          &(ecs_system_desc_t){
              .name = "slices", .query = {.terms = {{c, ECS_ACCESS_WRITE}}}, .callback = sys_slices, .user = &sw});
      ecs_scheduler_t *s = NULL;
      assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
      assert_int_equal(ecs_scheduler_tick(s, 0.0, NULL), ECS_OK);
      int n = collect(changed, &sum);
      if (n != 0) {
        fail_msg("kind %zu threads %d: %d entities look changed, none was written", k, threads, n);
      }
      sw.write_row = 37;
      assert_int_equal(ecs_scheduler_tick(s, 0.0, NULL), ECS_OK);
      assert_int_equal(collect(changed, &sum), 1);
      assert_int_equal(sum, 37 * 1000003ull);
      ecs_scheduler_free(s);
      ecs_world_free(w);
    }
  }
}

static void test_bad_filters(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_component_t c = ECS_COMPONENT(w, val_t);
  ecs_component_t d = ecs_component_register_type(w, "d", 4, 0);
  assert_null(ecs_query_new(w, &(ecs_query_desc_t){.terms = {{c, ECS_CHANGED(ECS_ADDED(ECS_ACCESS_READ))}}}));
  assert_int_equal(ecs_last_status(w), ECS_ERR_INVALID_ARGUMENT);
  assert_null(
      ecs_query_new(w, &(ecs_query_desc_t){.terms = {{c, ECS_ACCESS_READ}, {d, ECS_CHANGED(ECS_ACCESS_WITHOUT)}}}));
  assert_int_equal(ecs_last_status(w), ECS_ERR_INVALID_ARGUMENT);
  assert_null(
      ecs_query_new(w, &(ecs_query_desc_t){.terms = {{c, ECS_ACCESS_READ}, {d, ECS_ADDED(ECS_ACCESS_OPTIONAL)}}}));
  ecs_world_free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_changed_and_added_queries),
      cmocka_unit_test(test_systems_see_changes_since_their_last_run),
      cmocka_unit_test(test_bad_filters),
      cmocka_unit_test(test_failed_run_keeps_changes),
      cmocka_unit_test(test_parallel_for_marks_only_writes),
  };
  return cmocka_run_group_tests_name("changes", tests, NULL, NULL);
}
