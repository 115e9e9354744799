/* Queries: term semantics, the driving storage, fields, validation and
 * ownership. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecs.h"
#include "support/failing_alloc.h"

/* ---- fixture: entity i has A if i%2==0, B if i%3==0, C if i%5==0 and the
 * tag T if i%7==0; the value of component k on entity i is i*10+k. ------ */
enum { N_ENT = 210, CA = 0, CB, CC, CT, NCOMP };

typedef struct fixture_t {
  ecs_world_t *w;
  ecs_component_t comp[NCOMP];
  ecs_entity_t ents[N_ENT];
} fixture_t;

static bool fixture_has(int i, int k) {
  static const int mod[NCOMP] = {2, 3, 5, 7};
  return i % mod[k] == 0;
}

static void fixture_init(fixture_t *f) {
  f->w = ecs_world_new(&(ecs_world_desc_t){.default_storage = ECS_STORAGE_DENSE});
  assert_non_null(f->w);
  const char *names[NCOMP] = {"A", "B", "C", "T"};
  for (int k = 0; k < NCOMP; ++k) {
    f->comp[k] = ecs_component_register_type(f->w, names[k], k == CT ? 0 : sizeof(int32_t), 0);
    assert_int_not_equal(f->comp[k], ECS_COMPONENT_NULL);
  }
  for (int i = 0; i < N_ENT; ++i) {
    f->ents[i] = ecs_entity_create(f->w);
    for (int k = 0; k < NCOMP; ++k) {
      if (fixture_has(i, k)) {
        int32_t v = i * 10 + k;
        assert_int_equal(ecs_set(f->w, f->ents[i], f->comp[k], k == CT ? NULL : &v), ECS_OK);
      }
    }
  }
}

/* entity -> fixture row (entities were created in order from index 1) */
static int row_of(ecs_entity_t e) {
  return (int)ECS_ENTITY_INDEX(e) - 1;
}

typedef struct term_case_t {
  const char *what;
  int n;
  int comp[4];
  ecs_access_t access[4];
} term_case_t;

static bool case_matches(const term_case_t *c, int i) {
  for (int t = 0; t < c->n; ++t) {
    bool has = fixture_has(i, c->comp[t]);
    if (c->access[t] == ECS_ACCESS_WITHOUT ? has : (c->access[t] != ECS_ACCESS_OPTIONAL && !has)) {
      return false;
    }
  }
  return true;
}

static void test_term_semantics(void **state) {
  (void)state;
  const ecs_access_t R = ECS_ACCESS_READ, W = ECS_ACCESS_WRITE, WI = ECS_ACCESS_WITH, WO = ECS_ACCESS_WITHOUT,
                     O = ECS_ACCESS_OPTIONAL;
  const term_case_t cases[] = {
      {"A", 1, {CA}, {R}},
      {"A B", 2, {CA, CB}, {R, R}},
      {"B A", 2, {CB, CA}, {W, R}},
      {"A !B", 2, {CA, CB}, {R, WO}},
      {"with A, B?", 2, {CA, CB}, {WI, O}},
      {"A B !C", 3, {CA, CB, CC}, {W, R, WO}},
      {"T", 1, {CT}, {WI}},
      {"T read", 1, {CT}, {R}},
      {"A !T", 2, {CA, CT}, {R, WO}},
      {"B A? C?", 3, {CB, CA, CC}, {R, O, O}},
      {"C? !A B T", 4, {CC, CA, CB, CT}, {O, WO, R, WI}},
      {"A B C T", 4, {CA, CB, CC, CT}, {R, R, R, WI}},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    const term_case_t *c = &cases[k];
    fixture_t f;
    fixture_init(&f);
    ecs_query_desc_t desc = {0};
    for (int t = 0; t < c->n; ++t) {
      desc.terms[t] = (ecs_term_t){f.comp[c->comp[t]], c->access[t]};
    }
    ecs_query_t *q = ecs_query_new(f.w, &desc);
    assert_non_null(q);
    assert_int_equal(ecs_query_term_count(q), c->n);
    bool seen[N_ENT] = {0};
    size_t rows = 0, expect = 0;
    ecs_iter_t it = ecs_query_iter(q);
    while (ecs_iter_next(&it)) {
      assert_int_equal(it.term_count, c->n);
      for (int32_t r = 0; r < it.count; ++r, ++rows) {
        int i = row_of(it.entities[r]);
        if (i < 0 || i >= N_ENT || seen[i] || !case_matches(c, i)) {
          fail_msg("query \"%s\": unexpected entity row %d", c->what, i);
        }
        seen[i] = true;
        for (int t = 0; t < c->n; ++t) {
          const int32_t *v = ecs_field_at(&it, t, r);
          bool has_field = c->comp[t] != CT && (c->access[t] == R || c->access[t] == W ||
                                                (c->access[t] == O && fixture_has(i, c->comp[t])));
          if ((v != NULL) != has_field || (v && *v != i * 10 + c->comp[t])) {
            fail_msg("query \"%s\": entity %d term %d: wrong field", c->what, i, t);
          }
        }
      }
    }
    for (int i = 0; i < N_ENT; ++i) {
      expect += case_matches(c, i);
    }
    if (rows != expect || ecs_query_count(q) != expect) {
      fail_msg("query \"%s\": %zu rows, count %zu, want %zu", c->what, rows, ecs_query_count(q), expect);
    }
    ecs_world_free(f.w);
  }
}

/* ---- driving storage ------------------------------------------------------ */

static void test_drives_from_smallest(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.default_storage = ECS_STORAGE_DENSE});
  ecs_component_t a = ecs_component_register_type(w, "A", sizeof(int32_t), 0);
  ecs_component_t b = ecs_component_register_type(w, "B", sizeof(int64_t), 0);
  ecs_entity_t ents[1000];
  for (int32_t i = 0; i < 1000; ++i) {
    ents[i] = ecs_entity_create(w);
    assert_int_equal(ecs_set(w, ents[i], a, &i), ECS_OK);
  }
  const int with_b[] = {999, 17, 500};
  for (int k = 0; k < 3; ++k) {
    int64_t v = -with_b[k];
    assert_int_equal(ecs_set(w, ents[with_b[k]], b, &v), ECS_OK);
  }
  for (int order = 0; order < 2; ++order) {
    int32_t ta = order ? 1 : 0, tb = order ? 0 : 1; /* term indices of A and B */
    ecs_query_desc_t desc = {0};
    desc.terms[ta] = (ecs_term_t){a, ECS_ACCESS_READ};
    desc.terms[tb] = (ecs_term_t){b, ECS_ACCESS_READ};
    ecs_query_t *q = ecs_query_new(w, &desc);
    int rows = 0;
    ecs_iter_t it = ecs_query_iter(q);
    while (ecs_iter_next(&it)) {
      const int64_t *bs = ecs_field(&it, tb);
      assert_non_null(bs);             /* B drives: contiguous */
      assert_null(ecs_field(&it, ta)); /* A is probed per row */
      for (int32_t r = 0; r < it.count; ++r, ++rows) {
        assert_ptr_equal(&bs[r], ecs_field_at(&it, tb, r));
        const int32_t *av = ecs_field_at(&it, ta, r);
        assert_non_null(av);
        assert_int_equal(bs[r], -(int64_t)*av);
        assert_int_equal(*av, row_of(it.entities[r]));
      }
    }
    assert_int_equal(rows, 3);
    ecs_query_free(q);
  }
  /* a single term drives itself: one contiguous run over all 1000 */
  ecs_query_t *q = ecs_query_new(w, &(ecs_query_desc_t){{{a, ECS_ACCESS_WRITE}}});
  int rows = 0;
  ecs_iter_t it = ecs_query_iter(q);
  while (ecs_iter_next(&it)) {
    int32_t *as = ecs_field(&it, 0);
    assert_non_null(as);
    for (int32_t r = 0; r < it.count; ++r, ++rows) {
      assert_ptr_equal(&as[r], ecs_field_at(&it, 0, r));
      as[r] += 1000000; /* WRITE: visible through ecs_get */
    }
  }
  assert_int_equal(rows, 1000);
  for (int32_t i = 0; i < 1000; ++i) {
    assert_int_equal(*(int32_t *)ecs_get(w, ents[i], a), i + 1000000);
  }
  ecs_world_free(w);
}

/* Driving storage with matches in runs: each run is contiguous. */
static void test_runs_are_contiguous(void **state) {
  (void)state;
  fixture_t f;
  fixture_init(&f);
  /* C (42 entities) is the smallest required storage and drives; A is
   * probed per row, B rejects rows, so matches come in runs */
  ecs_query_t *q = ecs_query_new(
      f.w, &(ecs_query_desc_t){
               {{f.comp[CA], ECS_ACCESS_READ}, {f.comp[CC], ECS_ACCESS_READ}, {f.comp[CB], ECS_ACCESS_WITHOUT}}});
  size_t rows = 0;
  ecs_iter_t it = ecs_query_iter(q);
  while (ecs_iter_next(&it)) {
    const int32_t *cs = ecs_field(&it, 1);
    assert_non_null(cs);
    assert_null(ecs_field(&it, 0));
    assert_null(ecs_field(&it, 2));
    for (int32_t r = 0; r < it.count; ++r, ++rows) {
      int i = row_of(it.entities[r]);
      assert_true(i % 10 == 0 && i % 3 != 0);
      assert_int_equal(cs[r], i * 10 + CC);
      assert_ptr_equal(&cs[r], ecs_field_at(&it, 1, r));
      assert_null(ecs_field_at(&it, 2, r));
    }
  }
  assert_int_equal(rows, 14); /* multiples of 10 below 210 that 3 does not divide */
  ecs_world_free(f.w);
}

static void test_field_bounds(void **state) {
  (void)state;
  fixture_t f;
  fixture_init(&f);
  ecs_query_t *q =
      ecs_query_new(f.w, &(ecs_query_desc_t){{{f.comp[CA], ECS_ACCESS_READ}, {f.comp[CB], ECS_ACCESS_OPTIONAL}}});
  ecs_iter_t it = ecs_query_iter(q);
  assert_true(ecs_iter_next(&it));
  assert_true(it.count > 0);
  const int32_t rows[] = {-1, it.count, it.count + 1, INT32_MAX, INT32_MIN};
  const int32_t terms[] = {-1, 2, ECS_QUERY_MAX_TERMS, INT32_MAX};
  for (size_t k = 0; k < sizeof rows / sizeof rows[0]; ++k) {
    assert_null(ecs_field_at(&it, 0, rows[k]));
  }
  for (size_t k = 0; k < sizeof terms / sizeof terms[0]; ++k) {
    assert_null(ecs_field_at(&it, terms[k], 0));
    assert_null(ecs_field(&it, terms[k]));
  }
  assert_non_null(ecs_field_at(&it, 0, 0));
  assert_null(ecs_field(NULL, 0));
  assert_null(ecs_field_at(NULL, 0, 0));
  ecs_world_free(f.w);
}

/* ---- validation ----------------------------------------------------------- */

static void test_invalid_queries(void **state) {
  (void)state;
  const ecs_access_t R = ECS_ACCESS_READ, WO = ECS_ACCESS_WITHOUT, O = ECS_ACCESS_OPTIONAL;
  const struct {
    const char *what;
    int n;
    int comp[3]; /* -1: an id that was never registered */
    ecs_access_t access[3];
    ecs_status_t status;
  } cases[] = {
      {"no terms", 0, {0}, {R}, ECS_ERR_INVALID_ARGUMENT},
      {"only WITHOUT", 1, {CA}, {WO}, ECS_ERR_INVALID_ARGUMENT},
      {"only OPTIONAL", 2, {CA, CB}, {O, O}, ECS_ERR_INVALID_ARGUMENT},
      {"WITHOUT and OPTIONAL", 2, {CA, CB}, {WO, O}, ECS_ERR_INVALID_ARGUMENT},
      {"A twice", 2, {CA, CA}, {R, R}, ECS_ERR_INVALID_ARGUMENT},
      {"A twice, other access", 3, {CA, CB, CA}, {R, R, WO}, ECS_ERR_INVALID_ARGUMENT},
      {"unknown component", 2, {CA, -1}, {R, R}, ECS_ERR_UNKNOWN_COMPONENT},
      {"bad access", 1, {CA}, {(ecs_access_t)42}, ECS_ERR_INVALID_ARGUMENT},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    fixture_t f;
    fixture_init(&f);
    ecs_query_desc_t desc = {0};
    for (int t = 0; t < cases[k].n; ++t) {
      ecs_component_t c = cases[k].comp[t] < 0 ? 999 : f.comp[cases[k].comp[t]];
      desc.terms[t] = (ecs_term_t){c, cases[k].access[t]};
    }
    ecs_query_t *q = ecs_query_new(f.w, &desc);
    if (q != NULL || ecs_last_status(f.w) != cases[k].status || ecs_last_error(f.w)[0] == '\0') {
      fail_msg("%s: query %p, status %s", cases[k].what, (void *)q, ecs_err_name(ecs_last_status(f.w)));
    }
    ecs_world_free(f.w);
  }
  ecs_world_t *w = ecs_world_new(NULL);
  assert_null(ecs_query_new(w, NULL));
  assert_int_equal(ecs_last_status(w), ECS_ERR_INVALID_ARGUMENT);
  assert_null(ecs_query_new(NULL, &(ecs_query_desc_t){0}));
  ecs_world_free(w);
}

/* ---- empty and NULL ------------------------------------------------------- */

static void test_empty_world_and_null_query(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t a = ecs_component_register_type(w, "A", 4, 0);
  ecs_query_t *q = ecs_query_new(w, &(ecs_query_desc_t){{{a, ECS_ACCESS_READ}}});
  assert_non_null(q);
  ecs_iter_t it = ecs_query_iter(q);
  assert_false(ecs_iter_next(&it));
  assert_false(ecs_iter_next(&it)); /* stays done */
  assert_int_equal(it.count, 0);
  assert_int_equal(ecs_query_count(q), 0);
  /* entities without A do not show */
  ecs_entity_create(w);
  assert_int_equal(ecs_query_count(q), 0);
  /* entities created after the query do */
  ecs_entity_t e = ecs_entity_create(w);
  assert_int_equal(ecs_add(w, e, a), ECS_OK);
  assert_int_equal(ecs_query_count(q), 1);
  assert_int_equal(ecs_remove(w, e, a), ECS_OK);
  assert_int_equal(ecs_query_count(q), 0);

  ecs_iter_t nit = ecs_query_iter(NULL);
  assert_false(ecs_iter_next(&nit));
  assert_int_equal(nit.count, 0);
  assert_int_equal(ecs_query_count(NULL), 0);
  assert_int_equal(ecs_query_term_count(NULL), 0);
  assert_false(ecs_iter_next(NULL));
  ecs_query_free(NULL);
  ecs_world_free(w);
}

static void test_nested_iterators(void **state) {
  (void)state;
  fixture_t f;
  fixture_init(&f);
  ecs_query_t *q = ecs_query_new(f.w, &(ecs_query_desc_t){{{f.comp[CC], ECS_ACCESS_READ}}});
  size_t pairs = 0;
  ecs_iter_t outer = ecs_query_iter(q);
  while (ecs_iter_next(&outer)) {
    for (int32_t r = 0; r < outer.count; ++r) {
      ecs_iter_t inner = ecs_query_iter(q);
      while (ecs_iter_next(&inner)) {
        pairs += (size_t)inner.count;
      }
    }
  }
  assert_int_equal(pairs, 42 * 42);
  ecs_world_free(f.w);
}

/* ---- ownership ------------------------------------------------------------ */

typedef struct count_alloc_t {
  long blocks;
} count_alloc_t;

static void *q_alloc(void *user, size_t size) {
  ((count_alloc_t *)user)->blocks++;
  return malloc(size);
}
static void *q_realloc(void *user, void *ptr, size_t old_size, size_t new_size) {
  (void)user;
  (void)old_size;
  return realloc(ptr, new_size);
}
static void q_free(void *user, void *ptr, size_t size) {
  (void)size;
  ((count_alloc_t *)user)->blocks--;
  free(ptr);
}

static void test_query_ownership(void **state) {
  (void)state;
  for (int mode = 0; mode < 3; ++mode) { /* 0: free all, 1: free some, 2: free none */
    count_alloc_t ca = {0};
    ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.allocator = {q_alloc, q_realloc, q_free, &ca}});
    ecs_component_t a = ecs_component_register_type(w, "A", 4, 0);
    ecs_add(w, ecs_entity_create(w), a);
    long before = ca.blocks;
    ecs_query_t *qs[5];
    for (int i = 0; i < 5; ++i) {
      qs[i] = ecs_query_new(w, &(ecs_query_desc_t){{{a, ECS_ACCESS_READ}}});
      assert_non_null(qs[i]);
    }
    assert_true(ca.blocks > before);
    const int order[5] = {2, 0, 4, 1, 3}; /* middle, head, tail, ... */
    int freed = mode == 0 ? 5 : mode == 1 ? 3 : 0;
    for (int i = 0; i < freed; ++i) {
      ecs_query_free(qs[order[i]]);
    }
    for (int i = freed; i < 5; ++i) { /* the rest still work */
      assert_int_equal(ecs_query_count(qs[order[i]]), 1);
    }
    if (mode == 0) {
      assert_int_equal(ca.blocks, before);
    }
    ecs_world_free(w);
    if (ca.blocks != 0) {
      fail_msg("mode %d: %ld blocks left after ecs_world_free", mode, ca.blocks);
    }
  }
}

static void test_max_terms(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_query_desc_t desc;
  ecs_component_t comps[ECS_QUERY_MAX_TERMS];
  char name[16];
  for (int t = 0; t < ECS_QUERY_MAX_TERMS; ++t) {
    snprintf(name, sizeof name, "c%d", t);
    comps[t] = ecs_component_register_type(w, name, sizeof(int32_t), 0);
    desc.terms[t] = (ecs_term_t){comps[t], t % 2 ? ECS_ACCESS_READ : ECS_ACCESS_WRITE};
  }
  ecs_entity_t full = ecs_entity_create(w), partial = ecs_entity_create(w);
  for (int32_t t = 0; t < ECS_QUERY_MAX_TERMS; ++t) {
    int32_t v = 100 + t;
    assert_int_equal(ecs_set(w, full, comps[t], &v), ECS_OK);
    if (t != 9) {
      assert_int_equal(ecs_set(w, partial, comps[t], &v), ECS_OK);
    }
  }
  ecs_query_t *q = ecs_query_new(w, &desc); /* all 16 slots used, no terminator */
  assert_non_null(q);
  assert_int_equal(ecs_query_term_count(q), ECS_QUERY_MAX_TERMS);
  int rows = 0;
  ecs_iter_t it = ecs_query_iter(q);
  while (ecs_iter_next(&it)) {
    for (int32_t r = 0; r < it.count; ++r, ++rows) {
      assert_int_equal(it.entities[r], full);
      for (int32_t t = 0; t < ECS_QUERY_MAX_TERMS; ++t) {
        const int32_t *v = ecs_field_at(&it, t, r);
        assert_non_null(v);
        assert_int_equal(*v, 100 + t);
      }
    }
  }
  assert_int_equal(rows, 1);
  ecs_world_free(w);
}

/* On the default storage every READ/WRITE field is an array in every
 * chunk, for 1 to 8 terms, with and without change filters, and
 * ecs_field_at() agrees with it. */
static void test_default_storage_fields_are_arrays(void **state) {
  (void)state;
  enum { C = 8, E = 200 };
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t comp[C];
  for (int k = 0; k < C; ++k) {
    char name[8];
    snprintf(name, sizeof name, "c%d", k);
    comp[k] = ecs_component_register_type(w, name, sizeof(int32_t) * (size_t)(k + 1), 0);
  }
  int32_t vals[C] = {0};
  for (int i = 0; i < E; ++i) {
    ecs_entity_t e = ecs_entity_create(w);
    for (int k = 0; k < C; ++k) {
      /* entity i has component k unless bit k of i (mod 16) is set in the
       * upper half: a mix of tables */
      if (k < 4 || !((i >> (k - 4)) & 1)) {
        int32_t v[8] = {i * 10 + k};
        vals[k] = v[0];
        assert_int_equal(ecs_set(w, e, comp[k], v), ECS_OK);
      }
    }
  }
  (void)vals;
  for (int terms = 1; terms <= C; ++terms) {
    for (int changed = 0; changed < 2; ++changed) {
      ecs_query_desc_t d = {0};
      for (int t = 0; t < terms; ++t) {
        ecs_access_t a = t % 2 ? ECS_ACCESS_READ : ECS_ACCESS_WRITE;
        d.terms[t] = (ecs_term_t){comp[t], changed && t == 0 ? ECS_CHANGED(a) : a};
      }
      ecs_query_t *q = ecs_query_new(w, &d);
      assert_non_null(q);
      int rows = 0;
      ecs_iter_t it = ecs_query_iter(q);
      while (ecs_iter_next(&it)) {
        for (int t = 0; t < terms; ++t) {
          const int32_t *f = ecs_field(&it, t);
          if (!f) {
            fail_msg("%d terms%s: field %d is NULL", terms, changed ? " (changed)" : "", t);
          }
          for (int32_t r = 0; r < it.count; ++r) {
            assert_ptr_equal(ecs_field_at(&it, t, r), (const char *)f + (size_t)r * sizeof(int32_t) * (size_t)(t + 1));
            assert_int_equal(f[(size_t)r * (size_t)(t + 1)], (int32_t)ECS_ENTITY_INDEX(it.entities[r]) * 10 - 10 + t);
          }
        }
        rows += it.count;
      }
      int expect = 0;
      for (int i = 0; i < E; ++i) {
        bool all = true;
        for (int k = 4; k < terms; ++k) {
          all = all && !((i >> (k - 4)) & 1);
        }
        expect += all;
      }
      assert_int_equal(rows, expect);
      ecs_query_free(q);
    }
  }
  ecs_world_free(w);
}

/* DENSE components added in the same order line up: a join of them hands
 * out arrays without a pack; where the order breaks, per-row lookups take
 * over; every matching row is seen once with the right values. */
static void test_dense_join_aligned_runs(void **state) {
  (void)state;
  enum { E = 500 };
  for (int kind = 0; kind < 2; ++kind) { /* DENSE, then SPARSE: both keep one array */
    ecs_world_t *w =
        ecs_world_new(&(ecs_world_desc_t){.default_storage = kind ? ECS_STORAGE_SPARSE : ECS_STORAGE_DENSE});
    ecs_component_t a = ecs_component_register_type(w, "A", sizeof(int32_t), 0);
    ecs_component_t b = ecs_component_register_type(w, "B", sizeof(int32_t), 0);
    ecs_component_t r = ecs_component_register_type(w, "R", sizeof(int32_t), 0); /* added in reverse */
    ecs_entity_t e[E];
    for (int i = 0; i < E; ++i) {
      e[i] = ecs_entity_create(w);
      ecs_set(w, e[i], a, &(int32_t){i});
      if (i % 97 != 50) { /* a few without B: the alignment breaks there */
        ecs_set(w, e[i], b, &(int32_t){-i});
      }
    }
    for (int i = E - 1; i >= 0; --i) {
      ecs_set(w, e[i], r, &(int32_t){i * 3});
    }
    for (int with_r = 0; with_r < 2; ++with_r) {
      ecs_query_desc_t d = {.terms = {{a, ECS_ACCESS_WRITE}, {b, ECS_ACCESS_READ}}};
      if (with_r) {
        d.terms[2] = (ecs_term_t){r, ECS_ACCESS_READ};
      }
      ecs_query_t *q = ecs_query_new(w, &d);
      static bool seen[E];
      memset(seen, 0, sizeof seen);
      int rows = 0, array_rows = 0;
      ecs_iter_t it = ecs_query_iter(q);
      while (ecs_iter_next(&it)) {
        const int32_t *fa = ecs_field(&it, 0), *fb = ecs_field(&it, 1);
        if (fa && fb) {
          array_rows += it.count;
        }
        if (with_r) {
          assert_null(ecs_field(&it, 2)); /* R is in reverse order: looked up per row */
        }
        for (int32_t k = 0; k < it.count; ++k) {
          int32_t i = *(const int32_t *)ecs_field_at(&it, 0, k);
          assert_true(i >= 0 && i < E && !seen[i] && it.entities[k] == e[i]);
          seen[i] = true;
          assert_int_equal(*(const int32_t *)ecs_field_at(&it, 1, k), -i);
          if (fa) {
            assert_int_equal(fa[k], i);
          }
          if (fb) {
            assert_int_equal(fb[k], -i);
          }
          if (with_r) {
            assert_int_equal(*(const int32_t *)ecs_field_at(&it, 2, k), i * 3);
          }
          ++rows;
        }
      }
      int expect = 0;
      for (int i = 0; i < E; ++i) {
        expect += i % 97 != 50;
      }
      assert_int_equal(rows, expect);
      if (!with_r && array_rows < expect - 64) {
        fail_msg("only %d of %d rows came as arrays", array_rows, expect);
      }
      ecs_query_free(q);
    }
    ecs_world_free(w);
  }
}

/* When the query's table cache cannot grow, the walk checks the remaining
 * tables as it goes: every field is still an array, every row is seen. */
static void test_table_cache_out_of_memory(void **state) {
  (void)state;
  failing_t f = {0, SIZE_MAX};
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.allocator = failing_allocator(&f)});
  ecs_component_t a = ecs_component_register_type(w, "A", sizeof(int32_t), 0);
  ecs_component_t b = ecs_component_register_type(w, "B", sizeof(int32_t), 0);
  ecs_component_t tags[6];
  for (int k = 0; k < 6; ++k) {
    char name[8];
    snprintf(name, sizeof name, "t%d", k);
    tags[k] = ecs_component_register_type(w, name, 0, 0);
  }
  int expect = 0;
  for (int i = 0; i < 64; ++i) { /* 64 tables: A with each subset of the tags */
    ecs_entity_t e = ecs_entity_create(w);
    ecs_set(w, e, a, &(int32_t){i});
    ecs_set(w, e, b, &(int32_t){2 * i});
    for (int k = 0; k < 6; ++k) {
      if (i & (1 << k)) {
        ecs_add(w, e, tags[k]);
      }
    }
    expect += i;
  }
  ecs_query_t *q = ecs_query_new(w, &(ecs_query_desc_t){.terms = {{a, ECS_ACCESS_WRITE}, {b, ECS_ACCESS_READ}}});
  assert_non_null(q);
  for (int round = 0; round < 2; ++round) {
    f.fail_at = round == 0 ? f.calls + 1 : SIZE_MAX; /* the first iteration cannot grow the cache */
    int sum = 0, rows = 0;
    ecs_iter_t it = ecs_query_iter(q);
    while (ecs_iter_next(&it)) {
      const int32_t *v = ecs_field(&it, 0);
      const int32_t *u = ecs_field(&it, 1);
      assert_non_null(v);
      assert_non_null(u);
      for (int32_t r = 0; r < it.count; ++r) {
        sum += v[r];
        assert_int_equal(u[r], 2 * v[r]);
      }
      rows += it.count;
    }
    f.fail_at = SIZE_MAX;
    assert_int_equal(rows, 64);
    assert_int_equal(sum, expect);
  }
  ecs_world_free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_table_cache_out_of_memory),
      cmocka_unit_test(test_dense_join_aligned_runs),
      cmocka_unit_test(test_default_storage_fields_are_arrays),
      cmocka_unit_test(test_term_semantics),
      cmocka_unit_test(test_drives_from_smallest),
      cmocka_unit_test(test_runs_are_contiguous),
      cmocka_unit_test(test_field_bounds),
      cmocka_unit_test(test_invalid_queries),
      cmocka_unit_test(test_empty_world_and_null_query),
      cmocka_unit_test(test_nested_iterators),
      cmocka_unit_test(test_query_ownership),
      cmocka_unit_test(test_max_terms),
  };
  return cmocka_run_group_tests_name("query", tests, NULL, NULL);
}
