/* Bulk creation: the same world as the loop it replaces, for every storage
 * kind and with hooks; all or nothing under allocation failure; bad input;
 * observers in the loop's order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecs.h"
#include "support/failing_alloc.h"

#include <stdlib.h>
#include <string.h>

typedef struct pos_t {
  float x, y, z;
} pos_t;

typedef struct big_t {
  double v[5];
} big_t;

enum { N = 300, KINDS = 3 };

typedef struct bw_t {
  ecs_world_t *w;
  ecs_component_t pos, big, tag, other;
  int copies; /* copy hook calls of big_t */
} bw_t;

static void big_copy(void *dst, const void *src, int32_t n, void *user) {
  memcpy(dst, src, (size_t)n * sizeof(big_t));
  *(int *)user += n;
}

static void bw_init(bw_t *b, ecs_storage_kind_t kind, const ecs_world_desc_t *desc) {
  memset(b, 0, sizeof *b);
  b->w = ecs_world_new(desc);
  assert_non_null(b->w);
  b->pos = ecs_component_register(b->w, &(ecs_component_desc_t){.name = "pos", .size = sizeof(pos_t), .storage = kind});
  b->big = ecs_component_register(b->w, &(ecs_component_desc_t){.name = "big",
                                                                .size = sizeof(big_t),
                                                                .storage = kind,
                                                                .hooks = {.copy = big_copy, .user = &b->copies}});
  b->tag = ecs_component_register(b->w, &(ecs_component_desc_t){.name = "tag", .storage = kind});
  /* a component of another kind, in the same creation */
  b->other = ecs_component_register(
      b->w, &(ecs_component_desc_t){.name = "other",
                                    .size = 4,
                                    .storage = kind == ECS_STORAGE_DENSE ? ECS_STORAGE_SPARSE : ECS_STORAGE_DENSE});
  assert_true(b->pos && b->big && b->tag && b->other);
  /* some history: slots on the free list are reused first */
  ecs_entity_t e[10];
  for (int i = 0; i < 10; ++i) {
    e[i] = ecs_entity_create(b->w);
    ecs_set(b->w, e[i], b->pos, &(pos_t){(float)i, 0, 0});
  }
  for (int i = 0; i < 10; i += 3) {
    ecs_entity_destroy(b->w, e[i]);
  }
}

static pos_t pos_of(size_t i) {
  return (pos_t){(float)i, (float)i * 2.0f, -1.0f};
}

static big_t big_of(size_t i) {
  big_t v;
  for (int k = 0; k < 5; ++k) {
    v.v[k] = (double)i + k;
  }
  return v;
}

/* Entity indices in query order. */
static size_t order_of(ecs_world_t *w, ecs_component_t c, uint32_t *out) {
  ecs_query_t *q = ecs_query_new(w, &(ecs_query_desc_t){.terms = {{c, ECS_ACCESS_READ}}});
  size_t n = 0;
  ecs_iter_t it = ecs_query_iter(q);
  while (ecs_iter_next(&it)) {
    for (int32_t i = 0; i < it.count; ++i) {
      out[n++] = ECS_ENTITY_INDEX(it.entities[i]);
    }
  }
  ecs_query_free(q);
  return n;
}

static void test_same_world_as_the_loop(void **state) {
  (void)state;
  const ecs_storage_kind_t kinds[KINDS] = {ECS_STORAGE_ARCHETYPE, ECS_STORAGE_DENSE, ECS_STORAGE_SPARSE};
  static pos_t pos[N];
  static big_t big[N];
  static int32_t other[N];
  for (size_t i = 0; i < N; ++i) {
    pos[i] = pos_of(i);
    big[i] = big_of(i);
    other[i] = (int32_t)i * 7;
  }
  for (size_t k = 0; k < KINDS; ++k) {
    for (int with_values = 0; with_values < 2; ++with_values) {
      bw_t loop, bulk;
      bw_init(&loop, kinds[k], NULL);
      bw_init(&bulk, kinds[k], NULL);
      static ecs_entity_t a[N], b[N];
      for (size_t i = 0; i < N; ++i) {
        a[i] = ecs_entity_create(loop.w);
        pos_t zp = {0};
        big_t zb = {0};
        int32_t zo = 0;
        assert_int_equal(ecs_set(loop.w, a[i], loop.other, with_values ? &other[i] : &zo), ECS_OK);
        assert_int_equal(ecs_set(loop.w, a[i], loop.pos, with_values ? &pos[i] : &zp), ECS_OK);
        assert_int_equal(ecs_set(loop.w, a[i], loop.tag, NULL), ECS_OK);
        assert_int_equal(ecs_set(loop.w, a[i], loop.big, with_values ? &big[i] : &zb), ECS_OK);
      }
      ecs_bulk_desc_t d = {.count = N, .components = {bulk.other, bulk.pos, bulk.tag, bulk.big}};
      if (with_values) {
        d.values[0] = other;
        d.values[1] = pos;
        d.values[3] = big;
      }
      int copies_before = bulk.copies;
      assert_int_equal(ecs_bulk_create(bulk.w, &d, b), ECS_OK);
      assert_memory_equal(a, b, sizeof a);
      assert_int_equal(ecs_world_checksum(loop.w), ecs_world_checksum(bulk.w));
      assert_int_equal(bulk.copies - copies_before, with_values ? N : 0);
      static uint32_t oa[N + 10], ob[N + 10];
      const ecs_component_t ca[] = {loop.pos, loop.big, loop.tag, loop.other};
      const ecs_component_t cb[] = {bulk.pos, bulk.big, bulk.tag, bulk.other};
      for (int c = 0; c < 4; ++c) {
        size_t na = order_of(loop.w, ca[c], oa), nb = order_of(bulk.w, cb[c], ob);
        assert_int_equal(na, nb);
        assert_memory_equal(oa, ob, na * sizeof oa[0]);
      }
      /* and they go on alike */
      ecs_entity_t ea = ecs_entity_create(loop.w), eb = ecs_entity_create(bulk.w);
      assert_int_equal(ea, eb);
      ecs_world_free(loop.w);
      ecs_world_free(bulk.w);
    }
  }
}

/* Every allocation failing in turn: ECS_ERR_NO_MEMORY and the world as it
 * was, until the call succeeds. */
static void test_all_or_nothing(void **state) {
  (void)state;
  const ecs_storage_kind_t kinds[KINDS] = {ECS_STORAGE_ARCHETYPE, ECS_STORAGE_DENSE, ECS_STORAGE_SPARSE};
  static pos_t pos[N];
  for (size_t i = 0; i < N; ++i) {
    pos[i] = pos_of(i);
  }
  for (size_t k = 0; k < KINDS; ++k) {
    bool done = false;
    for (size_t fail_at = 1; !done; ++fail_at) {
      failing_t f = {0, SIZE_MAX};
      bw_t b;
      bw_init(&b, kinds[k], &(ecs_world_desc_t){.allocator = failing_allocator(&f)});
      uint64_t before = ecs_world_checksum(b.w);
      size_t alive = ecs_entity_count(b.w);
      f.fail_at = f.calls + fail_at;
      static ecs_entity_t out[N];
      ecs_status_t st = ecs_bulk_create(
          b.w, &(ecs_bulk_desc_t){.count = N, .components = {b.pos, b.other, b.big}, .values = {pos}}, out);
      f.fail_at = SIZE_MAX;
      if (st == ECS_OK) {
        done = true;
        assert_int_equal(ecs_entity_count(b.w), alive + N);
      } else {
        assert_int_equal(st, ECS_ERR_NO_MEMORY);
        if (ecs_world_checksum(b.w) != before || ecs_entity_count(b.w) != alive) {
          fail_msg("kind %zu, allocation %zu failing: the world changed", k, fail_at);
        }
        /* and it still works */
        assert_int_equal(ecs_bulk_create(b.w, &(ecs_bulk_desc_t){.count = 3, .components = {b.pos}}, out), ECS_OK);
        assert_int_equal(ecs_entity_count(b.w), alive + 3);
      }
      ecs_world_free(b.w);
    }
  }
}

static void test_bad_input(void **state) {
  (void)state;
  bw_t b;
  bw_init(&b, ECS_STORAGE_ARCHETYPE, NULL);
  ecs_entity_t out[4];
  uint64_t sum = ecs_world_checksum(b.w);
  assert_int_equal(ecs_bulk_create(NULL, &(ecs_bulk_desc_t){.count = 1}, out), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_bulk_create(b.w, NULL, out), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_bulk_create(b.w, &(ecs_bulk_desc_t){.count = 4, .components = {b.pos, b.pos}}, out),
                   ECS_ERR_INVALID_ARGUMENT);
  assert_non_null(strstr(ecs_last_error(b.w), "'pos' given twice"));
  assert_int_equal(ecs_bulk_create(b.w, &(ecs_bulk_desc_t){.count = 4, .components = {b.pos, 999}}, out),
                   ECS_ERR_UNKNOWN_COMPONENT);
  assert_int_equal(ecs_world_checksum(b.w), sum);
  /* nothing to create */
  assert_int_equal(ecs_bulk_create(b.w, &(ecs_bulk_desc_t){.count = 0, .components = {b.pos}}, NULL), ECS_OK);
  /* entities with no component at all, handles not wanted */
  size_t alive = ecs_entity_count(b.w);
  assert_int_equal(ecs_bulk_create(b.w, &(ecs_bulk_desc_t){.count = 4}, NULL), ECS_OK);
  assert_int_equal(ecs_entity_count(b.w), alive + 4);
  ecs_world_free(b.w);
}

static ecs_status_t bulk_in_tick(ecs_system_ctx_t *ctx) {
  ecs_entity_t out[2];
  *(ecs_status_t *)ctx->user = ecs_bulk_create(ctx->world, &(ecs_bulk_desc_t){.count = 2}, out);
  return ECS_OK;
}

static void test_busy_during_tick(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_status_t got = ECS_OK;
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "g"});
  ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "s", .callback = bulk_in_tick, .user = &got});
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  assert_int_equal(ecs_scheduler_tick(s, 0.0, NULL), ECS_OK);
  assert_int_equal(got, ECS_ERR_BUSY);
  assert_int_equal(ecs_entity_count(w), 0);
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

/* Observers run after placement, entity by entity, ON_ADD then ON_SET per
 * component in desc order; changed queries see every new entity. */
typedef struct obs_log_t {
  char text[4096];
} obs_log_t;

static void log_event(ecs_observer_ctx_t *ctx) {
  obs_log_t *l = ctx->user;
  size_t n = strlen(l->text);
  snprintf(l->text + n, sizeof l->text - n, "%u%c%u ", ECS_ENTITY_INDEX(ctx->entity),
           ctx->event == ECS_ON_ADD ? '+' : '=', ctx->component);
}

static void test_observers_and_changes(void **state) {
  (void)state;
  obs_log_t logs[2] = {{""}, {""}};
  for (int bulk = 0; bulk < 2; ++bulk) {
    ecs_world_t *w = ecs_world_new(NULL);
    ecs_component_t a = ecs_component_register_type(w, "a", 4, 0);
    ecs_component_t c = ecs_component_register_type(w, "c", 8, 0);
    for (int ev = 0; ev < 2; ++ev) {
      ecs_observer_register(
          w, &(ecs_observer_desc_t){
                 .component = a, .event = (ecs_observer_event_t)ev, .callback = log_event, .user = &logs[bulk]});
      ecs_observer_register(
          w, &(ecs_observer_desc_t){
                 .component = c, .event = (ecs_observer_event_t)ev, .callback = log_event, .user = &logs[bulk]});
    }
    ecs_query_t *q = ecs_query_new(w, &(ecs_query_desc_t){.terms = {{a, ECS_ADDED(ECS_ACCESS_READ)}}});
    assert_int_equal(ecs_query_count(q), 0);
    if (bulk) {
      assert_int_equal(ecs_bulk_create(w, &(ecs_bulk_desc_t){.count = 3, .components = {c, a}}, NULL), ECS_OK);
    } else {
      for (int i = 0; i < 3; ++i) {
        ecs_entity_t e = ecs_entity_create(w);
        ecs_set(w, e, c, &(int64_t){0});
        ecs_set(w, e, a, &(int32_t){0});
      }
    }
    assert_int_equal(ecs_query_count(q), 3);
    ecs_world_free(w);
  }
  assert_string_equal(logs[0].text, logs[1].text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_same_world_as_the_loop),
      cmocka_unit_test(test_all_or_nothing),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_busy_during_tick),
      cmocka_unit_test(test_observers_and_changes),
  };
  return cmocka_run_group_tests_name("bulk", tests, NULL, NULL);
}
