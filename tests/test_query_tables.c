/* Queries over many archetype tables against a reference model: the table
 * cache keeps each matching table's row count and column pointers where a
 * walk reads them in order, and must follow every change that moves a
 * table's arrays (growth, a snapshot load that rebuilds the tables, a
 * component leaving the archetype storage and coming back) and skip the
 * tables that are empty. Random structural changes between iterations,
 * several seeds; each entity must come out exactly once, with its values,
 * and writes through the fields must land. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecs.h"
#include "support/rng.h"

enum { TAGS = 8, MAX_ENT = 3000 };

/* The model: A and B hold int32 values, T0..T7 are tags; an entity's table
 * is its set of them, so up to 1024 tables. */
typedef struct model_ent_t {
  ecs_entity_t e; /* 0: free */
  bool has_a, has_b;
  int32_t a, b;
  uint32_t tags;
  int seen;
} model_ent_t;

typedef struct world_t {
  ecs_world_t *w;
  ecs_component_t a, b, tag[TAGS];
  model_ent_t ent[MAX_ENT];
  uint32_t seed;
} world_t;

static void world_init(world_t *m, uint32_t seed) {
  memset(m, 0, sizeof *m);
  m->seed = seed;
  m->w = ecs_world_new(NULL);
  assert_non_null(m->w);
  m->a = ecs_component_register_type(m->w, "A", sizeof(int32_t), 0);
  m->b = ecs_component_register_type(m->w, "B", sizeof(int32_t), 0);
  for (int k = 0; k < TAGS; ++k) {
    char name[8];
    snprintf(name, sizeof name, "T%d", k);
    m->tag[k] = ecs_component_register_type(m->w, name, 0, 0);
  }
}

static model_ent_t *model_of(world_t *m, ecs_entity_t e) {
  for (int i = 0; i < MAX_ENT; ++i) {
    if (m->ent[i].e == e) {
      return &m->ent[i];
    }
  }
  fail_msg("seed %u: entity %llx is not in the model", m->seed, (unsigned long long)e);
  return NULL;
}

/* One random change, mirrored in the model. */
static void random_op(world_t *m, rng_t *r) {
  model_ent_t *x = &m->ent[rnd(r, MAX_ENT)];
  ecs_world_t *w = m->w;
  if (!x->e) {
    x->e = ecs_entity_create(w);
    x->has_a = rnd(r, 4) != 0;
    x->has_b = rnd(r, 3) != 0;
    x->a = (int32_t)rnd(r, 1000);
    x->b = (int32_t)rnd(r, 1000);
    x->tags = rnd(r, 1u << TAGS);
    if (x->has_a) {
      assert_int_equal(ecs_set(w, x->e, m->a, &x->a), ECS_OK);
    }
    if (x->has_b) {
      assert_int_equal(ecs_set(w, x->e, m->b, &x->b), ECS_OK);
    }
    for (int k = 0; k < TAGS; ++k) {
      if (x->tags & (1u << k)) {
        assert_int_equal(ecs_add(w, x->e, m->tag[k]), ECS_OK);
      }
    }
    return;
  }
  switch (rnd(r, 6)) {
  case 0:
    assert_int_equal(ecs_entity_destroy(w, x->e), ECS_OK);
    memset(x, 0, sizeof *x);
    break;
  case 1: {
    int k = (int)rnd(r, TAGS);
    x->tags ^= 1u << k;
    assert_int_equal((x->tags & (1u << k)) ? ecs_add(w, x->e, m->tag[k]) : ecs_remove(w, x->e, m->tag[k]), ECS_OK);
    break;
  }
  case 2:
    x->has_b = !x->has_b;
    x->b = (int32_t)rnd(r, 1000);
    assert_int_equal(x->has_b ? ecs_set(w, x->e, m->b, &x->b) : ecs_remove(w, x->e, m->b), ECS_OK);
    break;
  case 3:
    x->has_a = !x->has_a;
    x->a = (int32_t)rnd(r, 1000);
    assert_int_equal(x->has_a ? ecs_set(w, x->e, m->a, &x->a) : ecs_remove(w, x->e, m->a), ECS_OK);
    break;
  default:
    if (x->has_a) {
      x->a = (int32_t)rnd(r, 1000);
      assert_int_equal(ecs_set(w, x->e, m->a, &x->a), ECS_OK);
    }
    break;
  }
}

static void clear_seen(world_t *m) {
  for (int i = 0; i < MAX_ENT; ++i) {
    m->ent[i].seen = 0;
  }
}

/* A WRITE, B READ: every holder of both once, with its values; each A is
 * incremented through the field, and the model with it. With every term
 * in archetype storage both fields must be arrays. */
static void check_write_read(world_t *m, ecs_query_t *q) {
  bool arrays = ecs_component_storage(m->w, m->b) == ECS_STORAGE_ARCHETYPE;
  clear_seen(m);
  int rows = 0;
  ecs_iter_t it = ecs_query_iter(q);
  while (ecs_iter_next(&it)) {
    if (arrays) {
      assert_non_null(ecs_field(&it, 0));
      assert_non_null(ecs_field(&it, 1));
    }
    assert_true(it.count > 0);
    for (int32_t i = 0; i < it.count; ++i) {
      model_ent_t *x = model_of(m, it.entities[i]);
      int32_t *a = ecs_field_at(&it, 0, i);
      const int32_t *b = ecs_field_at(&it, 1, i);
      if (!x->has_a || !x->has_b || x->a != *a || x->b != *b || x->seen) {
        fail_msg("seed %u: entity %llx: a %d/%d b %d/%d has %d%d seen %d", m->seed, (unsigned long long)it.entities[i],
                 *a, x->a, *b, x->b, x->has_a, x->has_b, x->seen);
      }
      x->seen = 1;
      *a += 1;
      x->a += 1;
    }
    rows += it.count;
  }
  int expect = 0;
  for (int i = 0; i < MAX_ENT; ++i) {
    expect += m->ent[i].e && m->ent[i].has_a && m->ent[i].has_b;
  }
  if (rows != expect) {
    fail_msg("seed %u: %d rows, expected %d", m->seed, rows, expect);
  }
}

/* A READ, T0 WITHOUT, B OPTIONAL: the B field is there exactly when the
 * chunk's table has B. */
static void check_optional(world_t *m, ecs_query_t *q) {
  int rows = 0;
  ecs_iter_t it = ecs_query_iter(q);
  while (ecs_iter_next(&it)) {
    const int32_t *a = ecs_field(&it, 0);
    const int32_t *b = ecs_field(&it, 2);
    assert_non_null(a);
    assert_null(ecs_field(&it, 1));
    for (int32_t i = 0; i < it.count; ++i) {
      model_ent_t *x = model_of(m, it.entities[i]);
      assert_true(x->has_a && !(x->tags & 1u));
      assert_int_equal(a[i], x->a);
      assert_int_equal(b != NULL, x->has_b);
      if (b) {
        assert_int_equal(b[i], x->b);
      }
    }
    rows += it.count;
  }
  int expect = 0;
  for (int i = 0; i < MAX_ENT; ++i) {
    expect += m->ent[i].e && m->ent[i].has_a && !(m->ent[i].tags & 1u);
  }
  assert_int_equal(rows, expect);
}

static void test_many_tables_reference(void **state) {
  (void)state;
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    world_t *m = malloc(sizeof *m);
    assert_non_null(m);
    world_init(m, seed);
    rng_t r = {seed * 7919u};
    ecs_query_t *wr =
        ecs_query_new(m->w, &(ecs_query_desc_t){.terms = {{m->a, ECS_ACCESS_WRITE}, {m->b, ECS_ACCESS_READ}}});
    ecs_query_t *opt = ecs_query_new(
        m->w, &(ecs_query_desc_t){
                  .terms = {{m->a, ECS_ACCESS_READ}, {m->tag[0], ECS_ACCESS_WITHOUT}, {m->b, ECS_ACCESS_OPTIONAL}}});
    assert_non_null(wr);
    assert_non_null(opt);
    /* batches of growing size: tables fill, grow, empty and fill again */
    for (int round = 0; round < 40; ++round) {
      for (int k = 0, n = 20 + round * 40; k < n; ++k) {
        random_op(m, &r);
      }
      check_write_read(m, wr);
      check_optional(m, opt);
      check_write_read(m, wr); /* again, nothing changed in between */
    }
    ecs_world_free(m->w);
    free(m);
  }
}

/* A query created late, over tables that exist already, and a query
 * walked by two iterators at once. */
static void test_late_query_and_two_iterators(void **state) {
  (void)state;
  world_t *m = malloc(sizeof *m);
  assert_non_null(m);
  world_init(m, 99);
  rng_t r = {99};
  for (int k = 0; k < 6000; ++k) {
    random_op(m, &r);
  }
  ecs_query_t *q =
      ecs_query_new(m->w, &(ecs_query_desc_t){.terms = {{m->a, ECS_ACCESS_READ}, {m->b, ECS_ACCESS_READ}}});
  assert_non_null(q);
  ecs_iter_t one = ecs_query_iter(q);
  ecs_iter_t two = ecs_query_iter(q);
  int rows_one = 0, rows_two = 0;
  bool more_one = true, more_two = true;
  while (more_one || more_two) {
    if (more_one && (more_one = ecs_iter_next(&one))) {
      rows_one += one.count;
    }
    if (more_two && (more_two = ecs_iter_next(&two))) {
      rows_two += two.count;
      const int32_t *a = ecs_field(&two, 0);
      for (int32_t i = 0; i < two.count; ++i) {
        assert_int_equal(a[i], model_of(m, two.entities[i])->a);
      }
    }
  }
  assert_int_equal(rows_one, rows_two);
  assert_int_equal((size_t)rows_one, ecs_query_count(q));
  ecs_world_free(m->w);
  free(m);
}

/* A snapshot load rebuilds every table (new arrays, same table numbers):
 * a query's cached pointers must all be replaced. */
static void test_snapshot_load_replaces_tables(void **state) {
  (void)state;
  world_t *m = malloc(sizeof *m);
  world_t *saved = malloc(sizeof *saved);
  assert_true(m && saved);
  world_init(m, 5);
  rng_t r = {5};
  for (int k = 0; k < 4000; ++k) {
    random_op(m, &r);
  }
  ecs_query_t *q =
      ecs_query_new(m->w, &(ecs_query_desc_t){.terms = {{m->a, ECS_ACCESS_WRITE}, {m->b, ECS_ACCESS_READ}}});
  assert_non_null(q);
  check_write_read(m, q);
  ecs_membuf_t buf = {0};
  ecs_writer_t out = ecs_membuf_writer(&buf);
  assert_int_equal(ecs_snapshot_save(m->w, &out), ECS_OK);
  memcpy(saved, m, sizeof *m);
  for (int round = 0; round < 3; ++round) {
    for (int k = 0; k < 3000; ++k) { /* tables grow: their arrays move */
      random_op(m, &r);
    }
    check_write_read(m, q);
    ecs_memsrc_t src = {buf.data, buf.size, 0};
    ecs_reader_t in = ecs_memreader(&src);
    assert_int_equal(ecs_snapshot_load(m->w, &in), ECS_OK);
    memcpy(m->ent, saved->ent, sizeof m->ent); /* handles and values as saved */
    check_write_read(m, q);
  }
  ecs_membuf_free(&buf);
  ecs_world_free(m->w);
  free(saved);
  free(m);
}

/* B leaves the archetype storage (its holders move to the tables without
 * it) and comes back (they move again): the query follows both moves. */
static void test_component_leaves_and_returns(void **state) {
  (void)state;
  world_t *m = malloc(sizeof *m);
  assert_non_null(m);
  world_init(m, 11);
  rng_t r = {11};
  for (int k = 0; k < 4000; ++k) {
    random_op(m, &r);
  }
  ecs_query_t *q =
      ecs_query_new(m->w, &(ecs_query_desc_t){.terms = {{m->a, ECS_ACCESS_WRITE}, {m->b, ECS_ACCESS_READ}}});
  assert_non_null(q);
  check_write_read(m, q);
  const ecs_storage_kind_t kinds[] = {ECS_STORAGE_DENSE, ECS_STORAGE_ARCHETYPE, ECS_STORAGE_SPARSE,
                                      ECS_STORAGE_ARCHETYPE};
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; ++k) {
    assert_int_equal(ecs_component_set_storage(m->w, m->b, kinds[k]), ECS_OK);
    int rows = 0;
    ecs_iter_t it = ecs_query_iter(q);
    while (ecs_iter_next(&it)) {
      for (int32_t i = 0; i < it.count; ++i) {
        model_ent_t *x = model_of(m, it.entities[i]);
        assert_int_equal(*(int32_t *)ecs_field_at(&it, 1, i), x->b);
        assert_int_equal(*(int32_t *)ecs_field_at(&it, 0, i), x->a);
      }
      rows += it.count;
    }
    int expect = 0;
    for (int i = 0; i < MAX_ENT; ++i) {
      expect += m->ent[i].e && m->ent[i].has_a && m->ent[i].has_b;
    }
    assert_int_equal(rows, expect);
    for (int j = 0; j < 500; ++j) {
      random_op(m, &r);
    }
    check_write_read(m, q);
  }
  ecs_world_free(m->w);
  free(m);
}

/* ECS_CHANGED over many tables: exactly the entities set since the last
 * walk, in runs of rows. */
static void test_changed_runs_many_tables(void **state) {
  (void)state;
  world_t *m = malloc(sizeof *m);
  assert_non_null(m);
  world_init(m, 23);
  rng_t r = {23};
  for (int k = 0; k < 5000; ++k) {
    random_op(m, &r);
  }
  ecs_query_t *q = ecs_query_new(m->w, &(ecs_query_desc_t){.terms = {{m->a, ECS_CHANGED(ECS_ACCESS_READ)}}});
  assert_non_null(q);
  (void)ecs_query_count(q); /* everything so far counts as changed once */
  for (int round = 0; round < 10; ++round) {
    clear_seen(m);
    int expect = 0;
    for (int i = 0; i < MAX_ENT; ++i) {
      model_ent_t *x = &m->ent[i];
      if (x->e && x->has_a && rnd(&r, 3) == 0) {
        x->a += 7;
        assert_int_equal(ecs_set(m->w, x->e, m->a, &x->a), ECS_OK);
        x->seen = 2; /* expected */
        ++expect;
      }
    }
    int rows = 0;
    ecs_iter_t it = ecs_query_iter(q);
    while (ecs_iter_next(&it)) {
      const int32_t *a = ecs_field(&it, 0);
      assert_non_null(a);
      for (int32_t i = 0; i < it.count; ++i) {
        model_ent_t *x = model_of(m, it.entities[i]);
        assert_int_equal(x->seen, 2);
        assert_int_equal(a[i], x->a);
        x->seen = 1;
      }
      rows += it.count;
    }
    assert_int_equal(rows, expect);
    for (int k = 0; k < 300; ++k) { /* moves count as changes: settle them */
      random_op(m, &r);
    }
    (void)ecs_query_count(q);
  }
  ecs_world_free(m->w);
  free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_many_tables_reference),         cmocka_unit_test(test_late_query_and_two_iterators),
      cmocka_unit_test(test_snapshot_load_replaces_tables), cmocka_unit_test(test_component_leaves_and_returns),
      cmocka_unit_test(test_changed_runs_many_tables),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
