/* ARCHETYPE storage: tables, row moves with hooks, the table-walking query
 * path and its cache, and queries mixing all three storage kinds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecs.h"
#include "private.h"
#include "storage/archetype.h"
#include "support/failing_alloc.h"
#include "support/owned.h"

typedef struct vec_t {
  float x, y;
} vec_t;

typedef struct wide_t {
  _Alignas(64) int32_t v;
} wide_t;

static ecs_component_t reg(ecs_world_t *w, const char *name, size_t size, ecs_storage_kind_t kind) {
  ecs_component_t c = ecs_component_register(w, &(ecs_component_desc_t){.name = name, .size = size, .storage = kind});
  assert_int_not_equal(c, ECS_COMPONENT_NULL);
  return c;
}

/* Values and presence survive the moves between tables that adding and
 * removing components cause. */
static void test_rows_move_between_tables(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_component_t pos = reg(w, "pos", sizeof(vec_t), ECS_STORAGE_ARCHETYPE);
  ecs_component_t vel = reg(w, "vel", sizeof(vec_t), ECS_STORAGE_ARCHETYPE);
  ecs_component_t tag = reg(w, "tag", 0, ECS_STORAGE_ARCHETYPE);
  enum { N = 1000 };
  ecs_entity_t e[N];
  for (int i = 0; i < N; ++i) {
    e[i] = ecs_entity_create(w);
    assert_int_equal(ecs_set(w, e[i], pos, &(vec_t){(float)i, 0}), ECS_OK);
    if (i % 2) {
      assert_int_equal(ecs_set(w, e[i], vel, &(vec_t){0, (float)i}), ECS_OK);
    }
    if (i % 3 == 0) {
      assert_int_equal(ecs_add(w, e[i], tag), ECS_OK);
    }
  }
  for (int i = 0; i < N; i += 5) {
    assert_int_equal(ecs_remove(w, e[i], pos), ECS_OK);
  }
  for (int i = 0; i < N; i += 7) {
    assert_int_equal(ecs_entity_destroy(w, e[i]), ECS_OK);
  }
  size_t npos = 0;
  for (int i = 0; i < N; ++i) {
    bool alive = i % 7 != 0;
    const vec_t *p = ecs_get(w, e[i], pos);
    const vec_t *v = ecs_get(w, e[i], vel);
    assert_int_equal(p != NULL, alive && i % 5 != 0);
    assert_int_equal(v != NULL, alive && i % 2 == 1);
    assert_int_equal(ecs_has(w, e[i], tag), alive && i % 3 == 0);
    if (p) {
      assert_true(p->x == (float)i);
      ++npos;
    }
    if (v) {
      assert_true(v->y == (float)i);
    }
  }
  assert_int_equal(ecs_component_count(w, pos), npos);
  ecs_world_free(w);
}

/* Every value is constructed once and destructed once, however often its
 * row moves; moves go through the move hook. */
static void test_hooks_across_moves(void **state) {
  (void)state;
  hook_log_t log = {0};
  ecs_world_t *w = world_new();
  ecs_component_t owned = ecs_component_register(
      w, &(ecs_component_desc_t){.name = "owned",
                                 .size = sizeof(owned_t),
                                 .storage = ECS_STORAGE_ARCHETYPE,
                                 .hooks = {owned_ctor, owned_dtor, owned_move, owned_copy, &log}});
  ecs_component_t other = reg(w, "other", sizeof(int32_t), ECS_STORAGE_ARCHETYPE);
  enum { N = 200 };
  ecs_entity_t e[N];
  for (int i = 0; i < N; ++i) {
    e[i] = ecs_entity_create(w);
    ecs_add(w, e[i], owned);
    owned_t *o = ecs_get(w, e[i], owned);
    o->payload = malloc(sizeof *o->payload);
    *o->payload = i;
  }
  int moves_before = log.move;
  for (int i = 0; i < N; ++i) {
    ecs_add(w, e[i], other); /* the owned value moves to the {owned, other} table */
  }
  assert_true(log.move > moves_before);
  for (int i = 0; i < N; i += 2) {
    ecs_remove(w, e[i], other);
  }
  for (int i = 0; i < N; ++i) {
    assert_int_equal(*((owned_t *)ecs_get(w, e[i], owned))->payload, i);
  }
  for (int i = 0; i < N; i += 3) {
    ecs_entity_destroy(w, e[i]);
  }
  assert_int_equal(log.ctor, N);
  assert_int_equal(log.dtor, (N + 2) / 3);
  ecs_world_free(w);
  assert_int_equal(log.dtor, N); /* the rest at world free; ASan finds any leak */
}

static void test_over_aligned_columns(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_component_t wide = ecs_component_register(w, &(ecs_component_desc_t){.name = "wide",
                                                                           .size = sizeof(wide_t),
                                                                           .alignment = ECS_ALIGNOF(wide_t),
                                                                           .storage = ECS_STORAGE_ARCHETYPE});
  ecs_component_t small = reg(w, "small", 1, ECS_STORAGE_ARCHETYPE);
  for (int i = 0; i < 3000; ++i) {
    ecs_entity_t e = ecs_entity_create(w);
    if (i % 2) {
      ecs_add(w, e, small);
    }
    ecs_set(w, e, wide, &(wide_t){i});
    assert_int_equal((uintptr_t)ecs_get(w, e, wide) % 64, 0);
  }
  ecs_query_t *q = ecs_query_new(w, &(ecs_query_desc_t){.terms = {{wide, ECS_ACCESS_READ}}});
  ecs_iter_t it = ecs_query_iter(q);
  int chunks = 0;
  while (ecs_iter_next(&it)) {
    assert_int_equal((uintptr_t)ecs_field(&it, 0) % 64, 0);
    ++chunks;
  }
  assert_int_equal(chunks, 2); /* {wide} and {small, wide} */
  ecs_world_free(w);
}

/* An archetype-only query yields one chunk per table with a contiguous field
 * for every term, and picks up tables created after its first iteration. */
static void test_table_query_and_cache(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_component_t a = reg(w, "a", sizeof(int32_t), ECS_STORAGE_ARCHETYPE);
  ecs_component_t b = reg(w, "b", sizeof(int32_t), ECS_STORAGE_ARCHETYPE);
  ecs_component_t c = reg(w, "c", sizeof(int32_t), ECS_STORAGE_ARCHETYPE);
  ecs_component_t d = reg(w, "d", 0, ECS_STORAGE_ARCHETYPE);
  ecs_query_t *q = ecs_query_new(
      w,
      &(ecs_query_desc_t){
          .terms = {{a, ECS_ACCESS_WRITE}, {b, ECS_ACCESS_READ}, {c, ECS_ACCESS_OPTIONAL}, {d, ECS_ACCESS_WITHOUT}}});
  for (int32_t i = 0; i < 10; ++i) {
    ecs_entity_t e = ecs_entity_create(w);
    ecs_set(w, e, a, &i);
    ecs_set(w, e, b, &(int32_t){i * 10});
  }
  assert_int_equal(ecs_query_count(q), 10);
  /* new tables after the first walk: {a,b,c} matches, {a,b,d} does not */
  for (int32_t i = 0; i < 4; ++i) {
    ecs_entity_t e = ecs_entity_create(w);
    ecs_set(w, e, a, &(int32_t){100 + i});
    ecs_set(w, e, b, &(int32_t){1000 + i});
    ecs_set(w, e, c, &(int32_t){-i});
    ecs_entity_t f = ecs_entity_create(w);
    ecs_set(w, f, a, &i);
    ecs_set(w, f, b, &i);
    ecs_add(w, f, d);
  }
  int chunks = 0;
  int32_t rows = 0;
  ecs_iter_t it = ecs_query_iter(q);
  while (ecs_iter_next(&it)) {
    int32_t *fa = ecs_field(&it, 0);
    const int32_t *fb = ecs_field(&it, 1);
    const int32_t *fc = ecs_field(&it, 2);
    assert_non_null(fa);
    assert_non_null(fb);
    assert_null(ecs_field(&it, 3));
    for (int32_t r = 0; r < it.count; ++r) {
      assert_ptr_equal(ecs_field_at(&it, 0, r), &fa[r]);
      if (fc) {
        assert_int_equal(fb[r], 1000 - fc[r]);
      } else {
        assert_int_equal(fb[r], fa[r] * 10);
        assert_null(ecs_field_at(&it, 2, r));
      }
      fa[r] += 1;
    }
    rows += it.count;
    ++chunks;
  }
  assert_int_equal(chunks, 2);
  assert_int_equal(rows, 14);
  ecs_world_free(w);
}

/* One query over DENSE, SPARSE and ARCHETYPE terms returns exactly the
 * entities that match, whichever kind drives. */
static void test_mixed_query(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_component_t arch = reg(w, "arch", sizeof(int32_t), ECS_STORAGE_ARCHETYPE);
  ecs_component_t dense = reg(w, "dense", sizeof(int32_t), ECS_STORAGE_DENSE);
  ecs_component_t sparse = reg(w, "sparse", sizeof(int32_t), ECS_STORAGE_SPARSE);
  ecs_component_t without = reg(w, "without", 0, ECS_STORAGE_ARCHETYPE);
  enum { N = 600 };
  bool expect[N + 1] = {false};
  size_t expected = 0;
  for (int32_t i = 0; i < N; ++i) {
    ecs_entity_t e = ecs_entity_create(w);
    if (i % 2 == 0) {
      ecs_set(w, e, arch, &i);
    }
    if (i % 3 == 0) {
      ecs_set(w, e, dense, &i);
    }
    if (i % 5 == 0) {
      ecs_set(w, e, sparse, &i);
    }
    if (i % 4 == 0) {
      ecs_add(w, e, without);
    }
    bool match = i % 2 == 0 && i % 3 == 0 && i % 5 == 0 && i % 4 != 0;
    expect[ECS_ENTITY_INDEX(e)] = match;
    expected += match;
  }
  ecs_query_t *q = ecs_query_new(w, &(ecs_query_desc_t){.terms = {{arch, ECS_ACCESS_READ},
                                                                  {dense, ECS_ACCESS_READ},
                                                                  {sparse, ECS_ACCESS_READ},
                                                                  {without, ECS_ACCESS_WITHOUT}}});
  size_t seen = 0;
  ecs_iter_t it = ecs_query_iter(q);
  while (ecs_iter_next(&it)) {
    for (int32_t r = 0; r < it.count; ++r) {
      uint32_t idx = ECS_ENTITY_INDEX(it.entities[r]);
      assert_true(expect[idx]);
      int32_t v = *(int32_t *)ecs_field_at(&it, 0, r);
      assert_int_equal(*(int32_t *)ecs_field_at(&it, 1, r), v);
      assert_int_equal(*(int32_t *)ecs_field_at(&it, 2, r), v);
      ++seen;
    }
  }
  assert_int_equal(seen, expected);
  assert_true(expected > 0);
  ecs_world_free(w);
}

/* Moving components into and out of archetype storage changes no value:
 * the checksum hashes values in entity order, whatever the layout. */
static void test_moving_to_archetype_keeps_checksum_of_values(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_component_t a = reg(w, "a", sizeof(int32_t), ECS_STORAGE_DENSE);
  ecs_component_t b = reg(w, "b", sizeof(int32_t), ECS_STORAGE_SPARSE);
  for (int32_t i = 0; i < 500; ++i) {
    ecs_entity_t e = ecs_entity_create(w);
    ecs_set(w, e, a, &i);
    if (i % 3) {
      ecs_set(w, e, b, &i);
    }
  }
  uint64_t before = ecs_world_checksum(w);
  assert_int_equal(ecs_component_set_storage(w, a, ECS_STORAGE_ARCHETYPE), ECS_OK);
  assert_int_equal(ecs_component_set_storage(w, b, ECS_STORAGE_ARCHETYPE), ECS_OK);
  assert_int_equal(ecs_world_checksum(w), before); /* values hash in entity order */
  assert_int_equal(ecs_component_set_storage(w, a, ECS_STORAGE_DENSE), ECS_OK);
  assert_int_equal(ecs_world_checksum(w), before);
  ecs_world_free(w);
}

/* Out of memory in the middle of adds and removes: each call either works
 * or fails with ECS_ERR_NO_MEMORY leaving that entity as it was. */
static void test_out_of_memory_leaves_entities_intact(void **state) {
  (void)state;
  int failures = 0;
  for (size_t budget = 1; budget < 80; budget += 3) {
    failing_t f = {0, SIZE_MAX};
    ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.allocator = failing_allocator(&f)});
    assert_non_null(w);
    ecs_component_t a = reg(w, "a", sizeof(int32_t), ECS_STORAGE_ARCHETYPE);
    ecs_component_t b = reg(w, "b", sizeof(int64_t), ECS_STORAGE_ARCHETYPE);
    enum { N = 40 };
    ecs_entity_t e[N];
    bool has_b[N] = {false};
    for (int32_t i = 0; i < N; ++i) {
      e[i] = ecs_entity_create(w);
      assert_int_equal(ecs_set(w, e[i], a, &i), ECS_OK);
    }
    f.fail_at = f.calls + budget;
    for (int32_t i = 0; i < N; ++i) {
      ecs_status_t st = ecs_set(w, e[i], b, &(int64_t){i * 3});
      assert_true(st == ECS_OK || st == ECS_ERR_NO_MEMORY);
      has_b[i] = st == ECS_OK;
      failures += st != ECS_OK;
    }
    for (int32_t i = 0; i < N; i += 2) {
      ecs_status_t st = ecs_remove(w, e[i], a);
      assert_true(st == ECS_OK || st == ECS_ERR_NO_MEMORY);
      failures += st != ECS_OK;
      if (st == ECS_OK) {
        assert_false(ecs_has(w, e[i], a));
      }
    }
    f.fail_at = SIZE_MAX;
    for (int32_t i = 0; i < N; ++i) {
      const int32_t *va = ecs_get(w, e[i], a);
      const int64_t *vb = ecs_get(w, e[i], b);
      assert_true(!va || *va == i);
      assert_int_equal(vb != NULL, has_b[i]);
      assert_true(!vb || *vb == i * 3);
      assert_true(i % 2 == 1 ? va != NULL : true);
    }
    ecs_world_free(w);
  }
  assert_true(failures > 0);
}

/* Moving a component out of archetype storage is all or nothing: when
 * memory runs out, every value of every component is still there. */
static void test_leaving_archetype_out_of_memory(void **state) {
  (void)state;
  int failures = 0;
  for (size_t budget = 1; budget < 60; budget += 2) {
    failing_t f = {0, SIZE_MAX};
    ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.allocator = failing_allocator(&f)});
    ecs_component_t a = reg(w, "a", sizeof(int32_t), ECS_STORAGE_ARCHETYPE);
    ecs_component_t b = reg(w, "b", sizeof(int32_t), ECS_STORAGE_ARCHETYPE);
    enum { N = 50 };
    ecs_entity_t e[N];
    for (int32_t i = 0; i < N; ++i) {
      e[i] = ecs_entity_create(w);
      ecs_set(w, e[i], a, &i);
      if (i % 2) {
        ecs_set(w, e[i], b, &(int32_t){-i});
      }
    }
    uint64_t before = ecs_world_checksum(w);
    f.fail_at = f.calls + budget;
    ecs_status_t st = ecs_component_set_storage(w, a, ECS_STORAGE_DENSE);
    f.fail_at = SIZE_MAX;
    assert_true(st == ECS_OK || st == ECS_ERR_NO_MEMORY);
    failures += st != ECS_OK;
    assert_int_equal(ecs_component_storage(w, a), st == ECS_OK ? ECS_STORAGE_DENSE : ECS_STORAGE_ARCHETYPE);
    assert_int_equal(ecs_world_checksum(w), before); /* every value kept either way */
    ecs_world_free(w);
  }
  assert_true(failures > 0);
}

/* ecs_world_shrink: emptied tables free their arrays and keep working,
 * other tables shrink to their rows with values (hooked ones moved through
 * their hook) intact, and a query built before sees the same rows after. */
static void test_shrink_returns_memory(void **state) {
  (void)state;
  hook_log_t log = {0};
  ecs_world_t *w = world_new();
  ecs_component_t owned = ecs_component_register(
      w, &(ecs_component_desc_t){.name = "owned",
                                 .size = sizeof(owned_t),
                                 .storage = ECS_STORAGE_ARCHETYPE,
                                 .hooks = {owned_ctor, owned_dtor, owned_move, owned_copy, &log}});
  ecs_component_t a = reg(w, "a", sizeof(int32_t), ECS_STORAGE_ARCHETYPE);
  ecs_component_t b = reg(w, "b", sizeof(vec_t), ECS_STORAGE_ARCHETYPE);
  ecs_query_t *q = ecs_query_new(w, &(ecs_query_desc_t){{{owned, ECS_ACCESS_READ}, {a, ECS_ACCESS_READ}}});
  enum { N = 1000, KEEP = 10 };
  static ecs_entity_t e[N];
  for (int32_t i = 0; i < N; ++i) {
    e[i] = ecs_entity_create(w);
    assert_int_equal(ecs_set(w, e[i], a, &i), ECS_OK);
    assert_int_equal(ecs_add(w, e[i], owned), ECS_OK);
    owned_t *o = ecs_get(w, e[i], owned);
    o->payload = malloc(sizeof *o->payload);
    *o->payload = i;
    if (i >= KEEP) {
      assert_int_equal(ecs_set(w, e[i], b, &(vec_t){1, 2}), ECS_OK); /* the {a, b, owned} table */
    }
  }
  size_t mem_b = ecs_component_memory(w, b);
  size_t mem_a = ecs_component_memory(w, a);
  for (int32_t i = KEEP; i < N; ++i) {
    assert_int_equal(ecs_entity_destroy(w, e[i]), ECS_OK);
  }
  assert_int_equal(ecs_component_memory(w, b), mem_b); /* nothing given back on its own */
  size_t freed = 0;
  assert_int_equal(ecs_world_shrink(w, &freed), ECS_OK);
  assert_true(ecs_component_memory(w, b) < mem_b - (N - KEEP) * sizeof(vec_t) / 2);
  assert_true(ecs_component_memory(w, a) < mem_a);
  assert_true(freed >= (mem_b - ecs_component_memory(w, b)) + (mem_a - ecs_component_memory(w, a)));
  for (int32_t i = 0; i < KEEP; ++i) {
    assert_int_equal(*(int32_t *)ecs_get(w, e[i], a), i);
    assert_int_equal(*((owned_t *)ecs_get(w, e[i], owned))->payload, i);
  }
  assert_int_equal(ecs_query_count(q), KEEP);
  /* a second shrink has nothing left to give */
  assert_int_equal(ecs_world_shrink(w, &freed), ECS_OK);
  assert_int_equal(freed, 0);
  /* the emptied table takes rows again */
  ecs_entity_t again = ecs_entity_create(w);
  assert_int_equal(ecs_set(w, again, a, &(int32_t){77}), ECS_OK);
  assert_int_equal(ecs_add(w, again, owned), ECS_OK);
  assert_int_equal(ecs_set(w, again, b, &(vec_t){3, 4}), ECS_OK);
  assert_int_equal(ecs_query_count(q), KEEP + 1);
  assert_true(((vec_t *)ecs_get(w, again, b))->y == 4);
  assert_int_equal(ecs_world_shrink(NULL, NULL), ECS_ERR_INVALID_ARGUMENT);
  ecs_query_free(q);
  ecs_world_free(w);
  assert_int_equal(log.ctor, log.dtor);
}

static uint32_t table_count(const ecs_world_t *w) {
  return ecs__arch_walk(w->arch)->table_count;
}

/* Sums component a over a query (READ a, first term). */
static int64_t sum_a(ecs_query_t *q) {
  int64_t sum = 0;
  ecs_iter_t it = ecs_query_iter(q);
  while (ecs_iter_next(&it)) {
    const int32_t *v = ecs_field(&it, 0);
    for (int32_t i = 0; i < it.count; ++i) {
      sum += v ? v[i] : *(const int32_t *)ecs_field_at(&it, 0, i);
    }
  }
  return sum;
}

/* ecs_world_shrink removes the tables left without rows, whatever their
 * place among the others: the remaining ones are renumbered, and entities,
 * cached transitions and the caches of queries built before follow; a
 * removed table comes back when an entity needs its type again. */
static void test_shrink_removes_empty_tables(void **state) {
  (void)state;
  hook_log_t log = {0};
  ecs_world_t *w = world_new();
  ecs_component_t a = reg(w, "a", sizeof(int32_t), ECS_STORAGE_ARCHETYPE);
  ecs_component_t b = reg(w, "b", sizeof(vec_t), ECS_STORAGE_ARCHETYPE);
  ecs_component_t c = reg(w, "c", 0, ECS_STORAGE_ARCHETYPE);
  ecs_component_t owned = ecs_component_register(
      w, &(ecs_component_desc_t){.name = "owned",
                                 .size = sizeof(owned_t),
                                 .storage = ECS_STORAGE_ARCHETYPE,
                                 .flags = ECS_COMPONENT_TRANSIENT, /* a pointer: not saved */
                                 .hooks = {owned_ctor, owned_dtor, owned_move, owned_copy, &log}});
  ecs_query_t *qa = ecs_query_new(w, &(ecs_query_desc_t){{{a, ECS_ACCESS_READ}}});
  ecs_query_t *qb = ecs_query_new(w, &(ecs_query_desc_t){{{a, ECS_ACCESS_READ}, {b, ECS_ACCESS_READ}}});
  (void)ecs_query_count(qa); /* caches filled before the shrink */
  (void)ecs_query_count(qb);
  /* 40 entities through {a} {a,b} {a,b,c} {a,b,c,owned}; then some leave */
  enum { N = 40 };
  ecs_entity_t e[N];
  int64_t want = 0;
  for (int32_t i = 0; i < N; ++i) {
    e[i] = ecs_entity_create(w);
    assert_int_equal(ecs_set(w, e[i], a, &i), ECS_OK);
    if (i % 4 == 0) {
      continue; /* stays in {a} */
    }
    assert_int_equal(ecs_set(w, e[i], b, &(vec_t){(float)i, 0}), ECS_OK);
    assert_int_equal(ecs_add(w, e[i], c), ECS_OK);
    if (i % 4 == 3) {
      assert_int_equal(ecs_add(w, e[i], owned), ECS_OK);
      ((owned_t *)ecs_get(w, e[i], owned))->payload = malloc(sizeof(int));
      *((owned_t *)ecs_get(w, e[i], owned))->payload = i;
    }
  }
  (void)ecs_query_count(qa);
  /* {a,b,c} empties (i % 4 == 1, 2 go), as did {a,b} on the way */
  for (int32_t i = 0; i < N; ++i) {
    if (i % 4 == 1 || i % 4 == 2) {
      assert_int_equal(ecs_entity_destroy(w, e[i]), ECS_OK);
    } else {
      want += i;
    }
  }
  uint64_t sum = ecs_world_checksum(w);
  uint32_t before = table_count(w);
  size_t freed = 0;
  assert_int_equal(ecs_world_shrink(w, &freed), ECS_OK);
  assert_int_equal(table_count(w), 3); /* the root, {a} and {a,b,c,owned} */
  assert_true(before > 3 && freed > 0);
  assert_true(ecs_world_checksum(w) == sum);
  for (int32_t i = 0; i < N; ++i) {
    if (i % 4 == 0 || i % 4 == 3) {
      assert_int_equal(*(int32_t *)ecs_get(w, e[i], a), i);
    }
    if (i % 4 == 3) {
      assert_true(ecs_has(w, e[i], c));
      assert_int_equal(*((owned_t *)ecs_get(w, e[i], owned))->payload, i);
      assert_true(((vec_t *)ecs_get(w, e[i], b))->x == (float)i);
    }
  }
  assert_int_equal(sum_a(qa), want);
  assert_int_equal(ecs_query_count(qb), N / 4);
  /* removed types come back through the transitions */
  assert_int_equal(ecs_set(w, e[0], b, &(vec_t){1, 1}), ECS_OK); /* {a,b} again */
  assert_int_equal(ecs_remove(w, e[3], owned), ECS_OK);          /* {a,b,c} again */
  assert_int_equal(ecs_remove(w, e[7], c), ECS_OK);              /* {a,b,owned} */
  assert_int_equal(table_count(w), 6);
  assert_int_equal(ecs_query_count(qb), N / 4 + 1);
  assert_int_equal(sum_a(qa), want);
  ecs_query_t *fresh = ecs_query_new(w, &(ecs_query_desc_t){{{a, ECS_ACCESS_READ}, {c, ECS_ACCESS_WITH}}});
  assert_int_equal(ecs_query_count(fresh), N / 4 - 1);
  /* a snapshot round trip of the shrunk world */
  ecs_membuf_t buf = {0};
  ecs_writer_t out = ecs_membuf_writer(&buf);
  assert_int_equal(ecs_snapshot_save(w, &out), ECS_OK);
  sum = ecs_world_checksum(w);
  ecs_memsrc_t src = {buf.data, buf.size, 0};
  ecs_reader_t in = ecs_memreader(&src);
  assert_int_equal(ecs_snapshot_load(w, &in), ECS_OK);
  assert_true(ecs_world_checksum(w) == sum);
  assert_int_equal(sum_a(qa), want);
  ecs_membuf_free(&buf);
  /* everything emptied: only the root stays */
  for (int32_t i = 0; i < N; ++i) {
    if (ecs_entity_alive(w, e[i])) {
      assert_int_equal(ecs_entity_destroy(w, e[i]), ECS_OK);
    }
  }
  assert_int_equal(ecs_world_shrink(w, NULL), ECS_OK);
  assert_int_equal(table_count(w), 1);
  assert_int_equal(ecs_query_count(qa), 0);
  assert_int_equal(ecs_set(w, ecs_entity_create(w), a, &(int32_t){5}), ECS_OK);
  assert_int_equal(sum_a(qa), 5);
  ecs_query_free(fresh);
  ecs_query_free(qa);
  ecs_query_free(qb);
  ecs_world_free(w);
  assert_int_equal(log.ctor + log.copy, log.dtor);
}

/* A shrink whose smaller blocks the allocator refuses keeps the arrays it
 * had: values and later growth are intact. */
static void test_shrink_out_of_memory_keeps_tables(void **state) {
  (void)state;
  failing_t f = {0, SIZE_MAX};
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.allocator = failing_allocator(&f)});
  ecs_component_t a = reg(w, "a", sizeof(int32_t), ECS_STORAGE_ARCHETYPE);
  ecs_entity_t e[100];
  for (int32_t i = 0; i < 100; ++i) {
    e[i] = ecs_entity_create(w);
    assert_int_equal(ecs_set(w, e[i], a, &i), ECS_OK);
  }
  for (int32_t i = 3; i < 100; ++i) {
    assert_int_equal(ecs_entity_destroy(w, e[i]), ECS_OK);
  }
  size_t mem = ecs_component_memory(w, a);
  f.fail_at = f.calls + 1;
  size_t freed = 1;
  assert_int_equal(ecs_world_shrink(w, &freed), ECS_OK);
  assert_int_equal(freed, 0);
  assert_int_equal(ecs_component_memory(w, a), mem);
  f.fail_at = SIZE_MAX;
  for (int32_t i = 0; i < 3; ++i) {
    assert_int_equal(*(int32_t *)ecs_get(w, e[i], a), i);
  }
  for (int32_t i = 0; i < 200; ++i) {
    assert_int_equal(ecs_set(w, ecs_entity_create(w), a, &i), ECS_OK);
  }
  assert_int_equal(ecs_component_count(w, a), 203);
  ecs_world_free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rows_move_between_tables),
      cmocka_unit_test(test_hooks_across_moves),
      cmocka_unit_test(test_over_aligned_columns),
      cmocka_unit_test(test_table_query_and_cache),
      cmocka_unit_test(test_mixed_query),
      cmocka_unit_test(test_moving_to_archetype_keeps_checksum_of_values),
      cmocka_unit_test(test_out_of_memory_leaves_entities_intact),
      cmocka_unit_test(test_leaving_archetype_out_of_memory),
      cmocka_unit_test(test_shrink_returns_memory),
      cmocka_unit_test(test_shrink_removes_empty_tables),
      cmocka_unit_test(test_shrink_out_of_memory_keeps_tables),
  };
  return cmocka_run_group_tests_name("archetype", tests, NULL, NULL);
}
