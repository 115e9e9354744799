/* Packs of DENSE components (ecs_component_pack): random add/remove/destroy
 * sequences against a model, checking after each step that a query over the
 * members sees exactly the entities that have them all, through contiguous
 * columns holding the right values; sorting on pack; the error cases;
 * snapshots; running out of memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ecs.h"
#include "support/failing_alloc.h"

/* A value that knows its own address: a swap through memcpy instead of the
 * move hook leaves self pointing at the old place. */
typedef struct anchored_t {
  int32_t v;
  void *self;
} anchored_t;

static void anchored_move(void *dst, void *src, int32_t count, void *user) {
  (void)user;
  for (int32_t i = 0; i < count; ++i) {
    anchored_t *d = (anchored_t *)dst + i;
    anchored_t *s = (anchored_t *)src + i;
    assert_ptr_equal(s->self, s);
    d->v = s->v;
    d->self = d;
  }
}

static void anchored_copy(void *dst, const void *src, int32_t count, void *user) {
  (void)user;
  for (int32_t i = 0; i < count; ++i) {
    anchored_t *d = (anchored_t *)dst + i;
    d->v = ((const anchored_t *)src)[i].v;
    d->self = d;
  }
}

/* Snapshots keep v; the address is the loader's to set. */
static ecs_status_t anchored_save(const void *value, const ecs_writer_t *out, void *user) {
  (void)user;
  return ecs_write(out, &((const anchored_t *)value)->v, sizeof(int32_t));
}

static ecs_status_t anchored_load(void *dst, const void *data, size_t size, void *user) {
  (void)user;
  if (size != sizeof(int32_t)) {
    return ECS_ERR_SNAPSHOT_CORRUPT;
  }
  anchored_t *a = dst;
  memcpy(&a->v, data, sizeof a->v);
  a->self = a;
  return ECS_OK;
}

#define SLOTS 48
#define MEMBERS 4 /* A (int32), B (double), C (anchored), T (tag) */

typedef struct model_t {
  ecs_world_t *w;
  ecs_component_t ids[MEMBERS];
  ecs_component_t other; /* DENSE, not packed: for WITHOUT terms */
  ecs_entity_t e[SLOTS];
  bool has[SLOTS][MEMBERS];
  bool has_other[SLOTS];
  int32_t val[SLOTS][MEMBERS];
} model_t;

static void model_init(model_t *m, ecs_world_t *w) {
  memset(m, 0, sizeof *m);
  m->w = w;
  m->ids[0] = ecs_component_register_type(w, "A", sizeof(int32_t), ECS_ALIGNOF(int32_t));
  m->ids[1] = ecs_component_register_type(w, "B", sizeof(double), ECS_ALIGNOF(double));
  m->ids[2] = ecs_component_register(w, &(ecs_component_desc_t){
                                            .name = "C",
                                            .size = sizeof(anchored_t),
                                            .hooks = {.move = anchored_move, .copy = anchored_copy},
                                            .serialize = anchored_save,
                                            .deserialize = anchored_load,
                                        });
  m->ids[3] = ecs_component_register(w, &(ecs_component_desc_t){.name = "T"});
  m->other = ecs_component_register_type(w, "Other", sizeof(int32_t), ECS_ALIGNOF(int32_t));
  for (int i = 0; i < MEMBERS; ++i) {
    assert_int_not_equal(m->ids[i], ECS_COMPONENT_NULL);
  }
  assert_int_not_equal(m->other, ECS_COMPONENT_NULL);
}

static void model_set(model_t *m, int s, int k, int32_t v) {
  ecs_status_t st;
  if (k == 0) {
    st = ecs_set(m->w, m->e[s], m->ids[0], &v);
  } else if (k == 1) {
    double d = v;
    st = ecs_set(m->w, m->e[s], m->ids[1], &d);
  } else if (k == 2) {
    anchored_t a = {v, NULL};
    st = ecs_set(m->w, m->e[s], m->ids[2], &a);
  } else {
    st = ecs_add(m->w, m->e[s], m->ids[3]);
  }
  assert_int_equal(st, ECS_OK);
  m->has[s][k] = true;
  m->val[s][k] = k == 3 ? 0 : v;
}

static bool model_full(const model_t *m, int s) {
  for (int k = 0; k < MEMBERS; ++k) {
    if (!m->has[s][k]) {
      return false;
    }
  }
  return m->e[s] != 0;
}

static int model_slot(const model_t *m, ecs_entity_t e) {
  for (int s = 0; s < SLOTS; ++s) {
    if (m->e[s] == e) {
      return s;
    }
  }
  fail_msg("entity %llu is not in the model", (unsigned long long)e);
  return -1;
}

/* Every value through ecs_get, then the pack query: each full entity
 * exactly once, nothing else; with columns for A, B and C when they form
 * one pack. */
static void model_check_query(const model_t *m, ecs_query_t *q, bool columns) {
  int expected = 0;
  for (int s = 0; s < SLOTS; ++s) {
    if (!m->e[s]) {
      continue;
    }
    expected += model_full(m, s);
    for (int k = 0; k < MEMBERS; ++k) {
      assert_int_equal(ecs_has(m->w, m->e[s], m->ids[k]), m->has[s][k]);
    }
    const int32_t *a = ecs_get(m->w, m->e[s], m->ids[0]);
    const anchored_t *c = ecs_get(m->w, m->e[s], m->ids[2]);
    if (a) {
      assert_int_equal(*a, m->val[s][0]);
    }
    if (c) {
      assert_int_equal(c->v, m->val[s][2]);
      assert_ptr_equal(c->self, c);
    }
  }
  bool seen[SLOTS] = {0};
  int found = 0;
  ecs_iter_t it = ecs_query_iter((ecs_query_t *)q);
  while (ecs_iter_next(&it)) {
    if (columns) {
      assert_non_null(ecs_field(&it, 0));
      assert_non_null(ecs_field(&it, 1));
      assert_non_null(ecs_field(&it, 2));
    }
    assert_null(ecs_field(&it, 3)); /* WITH: no field */
    for (int32_t i = 0; i < it.count; ++i) {
      int s = model_slot(m, it.entities[i]);
      assert_true(model_full(m, s));
      assert_false(seen[s]);
      seen[s] = true;
      const int32_t *a = ecs_field_at(&it, 0, i);
      const double *b = ecs_field_at(&it, 1, i);
      const anchored_t *c = ecs_field_at(&it, 2, i);
      assert_int_equal(*a, m->val[s][0]);
      assert_true(*b == (double)m->val[s][1]);
      assert_int_equal(c->v, m->val[s][2]);
      assert_ptr_equal(c->self, c);
      if (columns) {
        assert_ptr_equal(a, (int32_t *)ecs_field(&it, 0) + i);
        assert_ptr_equal(c, (anchored_t *)ecs_field(&it, 2) + i);
      }
      ++found;
    }
  }
  assert_int_equal(found, expected);
}

static void model_check(const model_t *m, ecs_query_t *q) {
  model_check_query(m, q, true);
}

static ecs_query_t *pack_query(const model_t *m) {
  ecs_query_t *q = ecs_query_new(m->w, &(ecs_query_desc_t){{
                                           {m->ids[0], ECS_ACCESS_WRITE},
                                           {m->ids[1], ECS_ACCESS_READ},
                                           {m->ids[2], ECS_ACCESS_READ},
                                           {m->ids[3], ECS_ACCESS_WITH},
                                       }});
  assert_non_null(q);
  return q;
}

/* xorshift32: the same sequence on every platform (seed non-zero) */
static int rnd(unsigned *s) {
  uint32_t x = *s;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *s = x;
  return (int)(x >> 1);
}

/* One random step: create, destroy, set or remove a member, or the
 * unpacked component. */
static void model_step(model_t *m, unsigned *seed) {
  int s = (int)((unsigned)rnd(seed) % SLOTS);
  int k = (int)((unsigned)rnd(seed) % MEMBERS);
  int op = rnd(seed) % 10;
  if (!m->e[s]) {
    m->e[s] = ecs_entity_create(m->w);
    assert_int_not_equal(m->e[s], 0);
    memset(m->has[s], 0, sizeof m->has[s]);
    m->has_other[s] = false;
  } else if (op == 0) {
    assert_int_equal(ecs_entity_destroy(m->w, m->e[s]), ECS_OK);
    m->e[s] = 0;
  } else if (op <= 5) {
    model_set(m, s, k, rnd(seed) % 1000);
  } else if (op <= 8) {
    assert_int_equal(ecs_remove(m->w, m->e[s], m->ids[k]), ECS_OK);
    m->has[s][k] = false;
  } else {
    int32_t v = 1;
    if (m->has_other[s]) {
      assert_int_equal(ecs_remove(m->w, m->e[s], m->other), ECS_OK);
    } else {
      assert_int_equal(ecs_set(m->w, m->e[s], m->other, &v), ECS_OK);
    }
    m->has_other[s] = !m->has_other[s];
  }
}

static void pack_members(const model_t *m) {
  assert_int_equal(ecs_component_pack(m->w, m->ids, MEMBERS), ECS_OK);
}

/* A model over a fresh world with default options. */
static void model_new(model_t *m) {
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.default_storage = ECS_STORAGE_DENSE});
  assert_non_null(w);
  model_init(m, w);
}

/* steps random steps; with a query, the model is checked after each. */
static void model_run(model_t *m, unsigned *seed, int steps, ecs_query_t *check, bool columns) {
  for (int step = 0; step < steps; ++step) {
    model_step(m, seed);
    if (check) {
      model_check_query(m, check, columns);
    }
  }
}

static void random_sequences_keep_the_pack(void **state) {
  (void)state;
  for (unsigned round = 0; round < 4; ++round) {
    model_t m;
    model_new(&m);
    pack_members(&m);
    ecs_query_t *q = pack_query(&m);
    unsigned seed = 7u + round;
    model_run(&m, &seed, 1500, q, true);
    ecs_world_free(m.w);
  }
}

/* Packing a world that already holds values sorts them once. */
static void packing_sorts_existing_values(void **state) {
  (void)state;
  model_t m;
  model_new(&m);
  ecs_world_t *w = m.w;
  unsigned seed = 99;
  model_run(&m, &seed, 600, NULL, false);
  ecs_query_t *q = pack_query(&m);
  pack_members(&m);
  model_check(&m, q);
  /* the same set again, in another order: nothing changes */
  ecs_component_t again[MEMBERS] = {m.ids[3], m.ids[1], m.ids[2], m.ids[0]};
  assert_int_equal(ecs_component_pack(w, again, MEMBERS), ECS_OK);
  model_check(&m, q);
  ecs_world_free(w);
}

/* Queries that are not exactly the pack: a subset, extra required terms,
 * WITHOUT, OPTIONAL, a change filter. Each counts what the model says. */
static void other_queries_over_packed_components(void **state) {
  (void)state;
  model_t m;
  model_new(&m);
  ecs_world_t *w = m.w;
  ecs_component_t ab[2] = {m.ids[0], m.ids[1]};
  assert_int_equal(ecs_component_pack(w, ab, 2), ECS_OK);
  unsigned seed = 5;
  model_run(&m, &seed, 800, NULL, false);
  ecs_query_t *with_c = ecs_query_new(
      w, &(ecs_query_desc_t){{{m.ids[0], ECS_ACCESS_READ}, {m.ids[1], ECS_ACCESS_READ}, {m.ids[2], ECS_ACCESS_READ}}});
  ecs_query_t *without = ecs_query_new(w, &(ecs_query_desc_t){{{m.ids[1], ECS_ACCESS_READ},
                                                               {m.ids[0], ECS_ACCESS_READ},
                                                               {m.other, ECS_ACCESS_WITHOUT},
                                                               {m.ids[2], ECS_ACCESS_OPTIONAL}}});
  ecs_query_t *only_a = ecs_query_new(w, &(ecs_query_desc_t){{{m.ids[0], ECS_ACCESS_READ}}});
  assert_non_null(with_c);
  assert_non_null(without);
  assert_non_null(only_a);
  size_t n_with_c = 0, n_without = 0, n_a = 0, n_ab = 0;
  for (int s = 0; s < SLOTS; ++s) {
    if (m.e[s]) {
      bool ab_full = m.has[s][0] && m.has[s][1];
      n_ab += ab_full;
      n_with_c += ab_full && m.has[s][2];
      n_without += ab_full && !m.has_other[s];
      n_a += m.has[s][0];
    }
  }
  assert_true(n_with_c > 0 && n_without > 0);
  assert_int_equal(ecs_query_count(with_c), n_with_c);
  assert_int_equal(ecs_query_count(without), n_without);
  assert_int_equal(ecs_query_count(only_a), n_a);
  ecs_iter_t it = ecs_query_iter(without);
  while (ecs_iter_next(&it)) {
    const double *b = ecs_field(&it, 0);
    const int32_t *a = ecs_field(&it, 1);
    assert_non_null(a);
    assert_non_null(b);
    for (int32_t i = 0; i < it.count; ++i) {
      int s = model_slot(&m, it.entities[i]);
      assert_int_equal(a[i], m.val[s][0]);
      const anchored_t *c = ecs_field_at(&it, 3, i);
      assert_true(m.has[s][2] ? c && c->v == m.val[s][2] : c == NULL);
    }
  }
  /* a change filter on a member: everything on the first walk (tracking
   * starts with the query), then only what was set since */
  ecs_query_t *changed =
      ecs_query_new(w, &(ecs_query_desc_t){{{m.ids[0], ECS_CHANGED(ECS_ACCESS_READ)}, {m.ids[1], ECS_ACCESS_READ}}});
  assert_non_null(changed);
  assert_int_equal(ecs_query_count(changed), n_ab);
  assert_int_equal(ecs_query_count(changed), 0);
  int target = -1;
  for (int s = 0; s < SLOTS && target < 0; ++s) {
    target = m.e[s] && m.has[s][0] && m.has[s][1] ? s : -1;
  }
  assert_true(target >= 0);
  model_set(&m, target, 0, 4242);
  ecs_iter_t cit = ecs_query_iter(changed);
  size_t n_changed = 0;
  while (ecs_iter_next(&cit)) {
    for (int32_t i = 0; i < cit.count; ++i) {
      assert_int_equal(cit.entities[i], m.e[target]);
      ++n_changed;
    }
  }
  assert_int_equal(n_changed, 1);
  ecs_world_free(w);
}

static void bad_packs_are_refused(void **state) {
  (void)state;
  model_t m;
  model_new(&m);
  ecs_world_t *w = m.w;
  ecs_component_t sparse = ecs_component_register(
      w, &(ecs_component_desc_t){.name = "S", .size = sizeof(int32_t), .storage = ECS_STORAGE_SPARSE});
  ecs_component_t arch = ecs_component_register(
      w, &(ecs_component_desc_t){.name = "R", .size = sizeof(int32_t), .storage = ECS_STORAGE_ARCHETYPE});
  assert_int_not_equal(sparse, ECS_COMPONENT_NULL);
  assert_int_not_equal(arch, ECS_COMPONENT_NULL);

  assert_int_equal(ecs_component_pack(NULL, m.ids, 2), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_component_pack(w, NULL, 2), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_component_pack(w, m.ids, 1), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_component_pack(w, m.ids, ECS_PACK_MAX_MEMBERS + 1), ECS_ERR_INVALID_ARGUMENT);
  ecs_component_t dup[3] = {m.ids[0], m.ids[1], m.ids[0]};
  assert_int_equal(ecs_component_pack(w, dup, 3), ECS_ERR_INVALID_ARGUMENT);
  assert_non_null(strstr(ecs_last_error(w), "both name 'A'"));
  ecs_component_t unknown[2] = {m.ids[0], 999};
  assert_int_equal(ecs_component_pack(w, unknown, 2), ECS_ERR_UNKNOWN_COMPONENT);
  ecs_component_t with_sparse[2] = {m.ids[0], sparse};
  assert_int_equal(ecs_component_pack(w, with_sparse, 2), ECS_ERR_UNSUPPORTED);
  assert_non_null(strstr(ecs_last_error(w), "'S'"));
  ecs_component_t with_arch[2] = {arch, m.ids[1]};
  assert_int_equal(ecs_component_pack(w, with_arch, 2), ECS_ERR_UNSUPPORTED);

  /* nothing was packed by the refusals: A may still change kind */
  assert_int_equal(ecs_component_set_storage(w, m.ids[0], ECS_STORAGE_SPARSE), ECS_OK);
  assert_int_equal(ecs_component_set_storage(w, m.ids[0], ECS_STORAGE_DENSE), ECS_OK);

  ecs_component_t ab[2] = {m.ids[0], m.ids[1]};
  assert_int_equal(ecs_component_pack(w, ab, 2), ECS_OK);
  ecs_component_t bc[2] = {m.ids[1], m.ids[2]};
  assert_int_equal(ecs_component_pack(w, bc, 2), ECS_ERR_CONFLICT);
  assert_non_null(strstr(ecs_last_error(w), "'B'"));
  assert_int_equal(ecs_component_set_storage(w, m.ids[1], ECS_STORAGE_SPARSE), ECS_ERR_UNSUPPORTED);
  assert_int_equal(ecs_component_storage(w, m.ids[1]), ECS_STORAGE_DENSE);
  assert_int_equal(ecs_component_set_storage(w, m.ids[1], ECS_STORAGE_DENSE), ECS_OK);
  /* C and T are free to form their own pack; the world keeps working */
  ecs_component_t ct[2] = {m.ids[2], m.ids[3]};
  assert_int_equal(ecs_component_pack(w, ct, 2), ECS_OK);
  ecs_query_t *q = pack_query(&m);
  unsigned seed = 3;
  model_run(&m, &seed, 300, q, false);
  ecs_world_free(w);
}

/* Entity order of one walk of q, into out (at most SLOTS). */
static int walk_order(ecs_query_t *q, ecs_entity_t *out) {
  int n = 0;
  ecs_iter_t it = ecs_query_iter(q);
  while (ecs_iter_next(&it)) {
    assert_non_null(ecs_field(&it, 0));
    for (int32_t i = 0; i < it.count; ++i) {
      assert_true(n < SLOTS);
      out[n++] = it.entities[i];
    }
  }
  return n;
}

/* A load replaces the members' storages: the pack follows, in the order
 * the walk had when the snapshot was saved. */
static void snapshot_load_keeps_the_pack(void **state) {
  (void)state;
  model_t m;
  model_new(&m);
  ecs_world_t *w = m.w;
  pack_members(&m);
  ecs_query_t *q = pack_query(&m);
  unsigned seed = 11;
  model_run(&m, &seed, 700, NULL, false);
  model_t saved = m;
  ecs_entity_t before[SLOTS];
  int n_before = walk_order(q, before);
  assert_true(n_before > 0);
  ecs_membuf_t buf = {0};
  ecs_writer_t out = ecs_membuf_writer(&buf);
  assert_int_equal(ecs_snapshot_save(w, &out), ECS_OK);
  model_run(&m, &seed, 300, NULL, false);
  ecs_memsrc_t src = {buf.data, buf.size, 0};
  ecs_reader_t in = ecs_memreader(&src);
  assert_int_equal(ecs_snapshot_load(w, &in), ECS_OK);
  ecs_entity_t after[SLOTS];
  assert_int_equal(walk_order(q, after), n_before);
  assert_memory_equal(after, before, (size_t)n_before * sizeof *before);
  m = saved;
  model_check(&m, q);
  model_run(&m, &seed, 300, q, true);
  ecs_membuf_free(&buf);
  ecs_world_free(w);
}

static void packing_out_of_memory_changes_nothing(void **state) {
  (void)state;
  failing_t f = {0, SIZE_MAX};
  ecs_world_t *w =
      ecs_world_new(&(ecs_world_desc_t){.allocator = failing_allocator(&f), .default_storage = ECS_STORAGE_DENSE});
  assert_non_null(w);
  model_t m;
  model_init(&m, w);
  unsigned seed = 21;
  model_run(&m, &seed, 200, NULL, false);
  ecs_query_t *q = pack_query(&m);
  size_t n = ecs_query_count(q);
  int failures = 0;
  for (size_t k = 0;; ++k) {
    f.fail_at = f.calls + 1 + k;
    ecs_status_t st = ecs_component_pack(w, m.ids, MEMBERS);
    f.fail_at = SIZE_MAX;
    if (st == ECS_OK) {
      break;
    }
    assert_int_equal(st, ECS_ERR_NO_MEMORY);
    ++failures;
    /* not packed: the members may still change kind, and back */
    assert_int_equal(ecs_component_set_storage(w, m.ids[0], ECS_STORAGE_SPARSE), ECS_OK);
    assert_int_equal(ecs_component_set_storage(w, m.ids[0], ECS_STORAGE_DENSE), ECS_OK);
    assert_int_equal(ecs_query_count(q), n);
  }
  assert_true(failures >= 2); /* the pack, then its swap buffer */
  model_check(&m, q);
  ecs_world_free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(random_sequences_keep_the_pack),       cmocka_unit_test(packing_sorts_existing_values),
      cmocka_unit_test(other_queries_over_packed_components), cmocka_unit_test(bad_packs_are_refused),
      cmocka_unit_test(snapshot_load_keeps_the_pack),         cmocka_unit_test(packing_out_of_memory_changes_nothing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
