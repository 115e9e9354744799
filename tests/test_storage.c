/* The DENSE storage: random operation sequences against a reference model,
 * the vtable driven directly, and host storages registered beside it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecs.h"

/* ---- a libc allocator that counts, can fail, and always moves on realloc --- */
typedef struct test_alloc_t {
  size_t outstanding;
  size_t calls;
  size_t fail_from; /* calls from this index on fail; SIZE_MAX: never */
} test_alloc_t;

#define HDR sizeof(max_align_t)

static void *t_alloc(void *user, size_t size) {
  test_alloc_t *a = user;
  if (a->calls++ >= a->fail_from) {
    return NULL;
  }
  char *raw = malloc(HDR + size);
  assert_non_null(raw);
  memcpy(raw, &size, sizeof size);
  a->outstanding += size;
  return raw + HDR;
}

static void t_free(void *user, void *ptr, size_t size) {
  test_alloc_t *a = user;
  size_t real;
  memcpy(&real, (char *)ptr - HDR, sizeof real);
  assert_int_equal(real, size);
  a->outstanding -= real;
  memset((char *)ptr - HDR, 0xA5, HDR + real);
  free((char *)ptr - HDR);
}

static void *t_realloc(void *user, void *ptr, size_t old_size, size_t new_size) {
  void *p = t_alloc(user, new_size);
  if (p) {
    memcpy(p, ptr, old_size < new_size ? old_size : new_size);
    t_free(user, ptr, old_size);
  }
  return p;
}

static ecs_allocator_t test_allocator(test_alloc_t *a) {
  return (ecs_allocator_t){t_alloc, t_realloc, t_free, a};
}

static uint64_t rng_next(uint64_t *s) { /* splitmix64 */
  uint64_t z = (*s += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

/* ---- random sequences against a model ------------------------------------ */

#define NCOMP 3
#define MAX_LIVE 300
#define MAX_SLOTS 1024
#define STALE_RING 64
static const size_t comp_size[NCOMP] = {4, 16, 0}; /* int, two int64, tag */

typedef struct model_t {
  uint64_t seed, rng;
  size_t op;
  ecs_world_t *w;
  ecs_component_t comps[NCOMP];
  ecs_query_t *single[NCOMP];
  ecs_query_t *a_without_b;
  ecs_entity_t handle[MAX_SLOTS];
  bool alive[MAX_SLOTS];
  bool has[MAX_SLOTS][NCOMP];
  unsigned char value[MAX_SLOTS][NCOMP][16];
  uint32_t live_slots[MAX_SLOTS];
  size_t live, count[NCOMP];
  ecs_entity_t stale[STALE_RING];
  size_t stale_n;
} model_t;

#define MCHECK(m, cond)                                                                                                \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      fail_msg("seed %llu op %zu: %s", (unsigned long long)(m)->seed, (m)->op, #cond);                                 \
    }                                                                                                                  \
  } while (0)

static void model_check_entity(model_t *m, uint32_t idx) {
  ecs_entity_t e = m->handle[idx];
  MCHECK(m, ecs_entity_alive(m->w, e) == m->alive[idx]);
  for (int c = 0; c < NCOMP; ++c) {
    bool has = m->alive[idx] && m->has[idx][c];
    MCHECK(m, ecs_has(m->w, e, m->comps[c]) == has);
    const void *v = ecs_get(m->w, e, m->comps[c]);
    MCHECK(m, (v != NULL) == (has && comp_size[c] > 0));
    MCHECK(m, !v || memcmp(v, m->value[idx][c], comp_size[c]) == 0);
  }
}

/* Walks each query; the rows must be exactly the model's set, once each. */
static void model_check_all(model_t *m) {
  MCHECK(m, ecs_entity_count(m->w) == m->live);
  for (int q = 0; q <= NCOMP; ++q) {
    static bool seen[MAX_SLOTS];
    memset(seen, 0, sizeof seen);
    size_t rows = 0, expect = 0;
    int c = q < NCOMP ? q : 0;
    ecs_iter_t it = ecs_query_iter(q < NCOMP ? m->single[q] : m->a_without_b);
    while (ecs_iter_next(&it)) {
      for (int32_t r = 0; r < it.count; ++r, ++rows) {
        uint32_t idx = ECS_ENTITY_INDEX(it.entities[r]);
        MCHECK(m, idx < MAX_SLOTS && m->alive[idx] && m->handle[idx] == it.entities[r] && !seen[idx]);
        MCHECK(m, m->has[idx][c] && (q < NCOMP || !m->has[idx][1]));
        const void *v = ecs_field_at(&it, 0, r);
        MCHECK(m, comp_size[c] == 0 ? v == NULL : memcmp(v, m->value[idx][c], comp_size[c]) == 0);
        seen[idx] = true;
      }
    }
    for (size_t i = 0; i < m->live; ++i) {
      uint32_t idx = m->live_slots[i];
      expect += m->has[idx][c] && (q < NCOMP || !m->has[idx][1]);
    }
    MCHECK(m, rows == expect);
  }
}

static void model_step(model_t *m) {
  uint64_t r = rng_next(&m->rng);
  unsigned kind = (unsigned)(r % 100);
  int c = (int)((r >> 8) % NCOMP);
  uint32_t pick = m->live ? m->live_slots[(r >> 16) % m->live] : 0;
  if (kind < 15 || m->live == 0) {
    if (m->live >= MAX_LIVE) {
      return;
    }
    ecs_entity_t e = ecs_entity_create(m->w);
    uint32_t idx = ECS_ENTITY_INDEX(e);
    MCHECK(m, e != ECS_ENTITY_NULL && idx < MAX_SLOTS && !m->alive[idx]);
    m->handle[idx] = e;
    m->alive[idx] = true;
    memset(m->has[idx], 0, sizeof m->has[idx]);
    m->live_slots[m->live++] = idx;
    pick = idx;
  } else if (kind < 25) {
    MCHECK(m, ecs_entity_destroy(m->w, m->handle[pick]) == ECS_OK);
    m->alive[pick] = false;
    for (int k = 0; k < NCOMP; ++k) {
      m->count[k] -= m->has[pick][k];
    }
    for (size_t i = 0; i < m->live; ++i) {
      if (m->live_slots[i] == pick) {
        m->live_slots[i] = m->live_slots[--m->live];
        break;
      }
    }
    m->stale[m->stale_n++ % STALE_RING] = m->handle[pick];
  } else if (kind < 45) {
    MCHECK(m, ecs_add(m->w, m->handle[pick], m->comps[c]) == ECS_OK);
    if (!m->has[pick][c]) {
      memset(m->value[pick][c], 0, sizeof m->value[pick][c]);
      m->has[pick][c] = true;
      m->count[c]++;
    }
  } else if (kind < 65) {
    unsigned char v[16];
    for (size_t i = 0; i < sizeof v; ++i) {
      v[i] = (unsigned char)rng_next(&m->rng);
    }
    MCHECK(m, ecs_set(m->w, m->handle[pick], m->comps[c], comp_size[c] ? v : NULL) == ECS_OK);
    memcpy(m->value[pick][c], v, sizeof v);
    m->count[c] += !m->has[pick][c];
    m->has[pick][c] = true;
  } else if (kind < 80) {
    MCHECK(m, ecs_remove(m->w, m->handle[pick], m->comps[c]) == ECS_OK);
    m->count[c] -= m->has[pick][c];
    m->has[pick][c] = false;
  } else if (kind < 90 && m->stale_n > 0) {
    ecs_entity_t e = m->stale[(r >> 24) % (m->stale_n < STALE_RING ? m->stale_n : STALE_RING)];
    MCHECK(m, ecs_add(m->w, e, m->comps[c]) == ECS_ERR_STALE_ENTITY);
    MCHECK(m, ecs_set(m->w, e, m->comps[c], m->value[0][0]) == ECS_ERR_STALE_ENTITY);
    MCHECK(m, ecs_remove(m->w, e, m->comps[c]) == ECS_ERR_STALE_ENTITY);
    MCHECK(m, ecs_get(m->w, e, m->comps[c]) == NULL && ecs_last_status(m->w) == ECS_ERR_STALE_ENTITY);
    MCHECK(m, !ecs_has(m->w, e, m->comps[c]));
  } /* else: only the checks below */
  model_check_entity(m, pick);
  for (int k = 0; k < NCOMP; ++k) {
    MCHECK(m, ecs_component_count(m->w, m->comps[k]) == m->count[k]);
  }
}

/* Every storage kind, alone and mixed, against the same model; every 5000
 * operations one component also moves to the next kind, keeping values. */
static void test_random_against_model(void **state) {
  (void)state;
  static model_t m;
#define D ECS_STORAGE_DENSE
#define S ECS_STORAGE_SPARSE
#define A ECS_STORAGE_ARCHETYPE
  static const ecs_storage_kind_t layouts[][NCOMP] = {{D, D, D}, {S, S, S}, {A, A, A}, {A, S, D}, {A, A, D}};
#undef D
#undef S
#undef A
  const uint64_t seeds[] = {1, 2, 3};
  for (size_t run = 0; run < 3 * sizeof layouts / sizeof layouts[0]; ++run) {
    const ecs_storage_kind_t *layout = layouts[run / 3];
    memset(&m, 0, sizeof m);
    m.seed = m.rng = seeds[run % 3] + 100 * (run / 3);
    m.w = ecs_world_new(NULL);
    assert_non_null(m.w);
    const char *names[NCOMP] = {"a", "b", "t"};
    for (int c = 0; c < NCOMP; ++c) {
      m.comps[c] = ecs_component_register(
          m.w, &(ecs_component_desc_t){.name = names[c], .size = comp_size[c], .storage = layout[c]});
      assert_int_not_equal(m.comps[c], ECS_COMPONENT_NULL);
      ecs_access_t access = comp_size[c] ? ECS_ACCESS_READ : ECS_ACCESS_WITH;
      m.single[c] = ecs_query_new(m.w, &(ecs_query_desc_t){{{m.comps[c], access}}});
      assert_non_null(m.single[c]);
    }
    m.a_without_b =
        ecs_query_new(m.w, &(ecs_query_desc_t){{{m.comps[0], ECS_ACCESS_READ}, {m.comps[1], ECS_ACCESS_WITHOUT}}});
    assert_non_null(m.a_without_b);
    for (m.op = 0; m.op < 100000; ++m.op) {
      model_step(&m);
      if (m.op % 1000 == 999) {
        model_check_all(&m);
      }
      if (m.op % 5000 == 4999) {
        ecs_component_t c = m.comps[(m.op / 5000) % NCOMP];
        /* the built-in kinds are 1..3: SPARSE, ARCHETYPE, DENSE, then round again */
        ecs_storage_kind_t next = (ecs_storage_kind_t)(ecs_component_storage(m.w, c) % 3 + 1);
        if (ecs_component_set_storage(m.w, c, next) != ECS_OK) {
          fail_msg("seed %llu op %zu: set_storage: %s", (unsigned long long)m.seed, m.op, ecs_last_error(m.w));
        }
        model_check_all(&m);
      }
    }
    model_check_all(&m);
    ecs_world_free(m.w);
  }
}

/* ---- the vtable, directly ------------------------------------------------- */

typedef struct move_count_t {
  int calls, values;
  size_t stride;
} move_count_t;

static void count_move(void *dst, void *src, int32_t count, void *user) {
  move_count_t *mc = user;
  mc->calls++;
  mc->values += count;
  memcpy(dst, src, (size_t)count * mc->stride);
}

static ecs_storage_params_t int64_params(const ecs_allocator_t *a) {
  return (ecs_storage_params_t){
      .component = 1, .size = 8, .alignment = 8, .stride = 8, .move = NULL, .hooks_user = NULL, .allocator = a};
}

static void test_vtable_basic(void **state) {
  (void)state;
  test_alloc_t ta = {.fail_from = SIZE_MAX};
  ecs_allocator_t a = test_allocator(&ta);
  const ecs_storage_vtable_t *vt = ecs_storage_dense_vtable();
  assert_non_null(vt);
  assert_string_equal(vt->name, "dense");
  ecs_storage_params_t p = int64_params(&a);
  void *s = NULL;
  assert_int_equal(vt->create(&p, &s), ECS_OK);
  assert_non_null(s);
  size_t cursor = 0;
  ecs_storage_chunk_t ch;
  assert_int_equal(vt->count(s), 0);
  assert_false(vt->chunk(s, &cursor, &ch));
  size_t mem0 = vt->memory(s);
  assert_true(mem0 > 0);

  const ecs_entity_t e1 = ECS_ENTITY_MAKE(1, 0), e2 = ECS_ENTITY_MAKE(5000, 3), e3 = ECS_ENTITY_MAKE(7, 2);
  int64_t *v1 = vt->insert(s, e1);
  assert_non_null(v1);
  *v1 = 100;
  assert_ptr_equal(vt->get(s, e1), v1);
  assert_null(vt->get(s, ECS_ENTITY_MAKE(1, 1))); /* same slot, other generation */
  assert_null(vt->get(s, ECS_ENTITY_MAKE(2, 0)));
  assert_null(vt->get(s, ECS_ENTITY_MAKE(100000, 0)));
  size_t mem1 = vt->memory(s);
  *(int64_t *)vt->insert(s, e2) = 200; /* index in a second page */
  assert_true(vt->memory(s) >= mem1 + 4096 * sizeof(uint32_t));
  *(int64_t *)vt->insert(s, e3) = 300;
  assert_int_equal(vt->count(s), 3);

  cursor = 0;
  assert_true(vt->chunk(s, &cursor, &ch));
  assert_int_equal(ch.count, 3);
  const int64_t expect[] = {100, 200, 300};
  const ecs_entity_t order[] = {e1, e2, e3};
  for (size_t i = 0; i < 3; ++i) {
    assert_int_equal(ch.entities[i], order[i]);
    assert_int_equal(((int64_t *)ch.data)[i], expect[i]);
    assert_ptr_equal(vt->get(s, ch.entities[i]), (int64_t *)ch.data + i);
  }
  assert_false(vt->chunk(s, &cursor, &ch));

  vt->remove(s, e1); /* e3 swaps into the hole */
  assert_int_equal(vt->count(s), 2);
  assert_null(vt->get(s, e1));
  assert_int_equal(*(int64_t *)vt->get(s, e2), 200);
  assert_int_equal(*(int64_t *)vt->get(s, e3), 300);
  vt->remove(s, e2);
  vt->remove(s, e3);
  assert_int_equal(vt->count(s), 0);
  cursor = 0;
  assert_false(vt->chunk(s, &cursor, &ch));
  vt->destroy(s);

  /* a tag: any non-NULL pointer for present entities, no chunk data */
  p = (ecs_storage_params_t){.size = 0, .alignment = 1, .stride = 0, .allocator = &a};
  assert_int_equal(vt->create(&p, &s), ECS_OK);
  assert_non_null(vt->insert(s, e1));
  assert_non_null(vt->insert(s, e2));
  assert_non_null(vt->get(s, e2));
  assert_null(vt->get(s, e3));
  cursor = 0;
  assert_true(vt->chunk(s, &cursor, &ch));
  assert_true(ch.count == 2 && ch.data == NULL && ch.entities[1] == e2);
  vt->remove(s, e1);
  assert_null(vt->get(s, e1));
  assert_int_equal(vt->count(s), 1);
  vt->destroy(s);
  assert_int_equal(ta.outstanding, 0);
}

static void test_vtable_many_and_relocation(void **state) {
  (void)state;
  enum { N = 10000 };
  const uint64_t seed = 42;
  uint64_t rng = seed;
  test_alloc_t ta = {.fail_from = SIZE_MAX};
  ecs_allocator_t a = test_allocator(&ta);
  move_count_t mc = {.stride = 256};
  const ecs_storage_vtable_t *vt = ecs_storage_dense_vtable();
  ecs_storage_params_t p = {
      .size = 8, .alignment = 256, .stride = 256, .move = count_move, .hooks_user = &mc, .allocator = &a};
  void *s = NULL;
  assert_int_equal(vt->create(&p, &s), ECS_OK);
  static ecs_entity_t ents[N];
  static bool present[N];
  for (uint32_t i = 0; i < N; ++i) {
    ents[i] = ECS_ENTITY_MAKE(1 + (i * 7919u) % 50000u, i % 5);
    int64_t *v = vt->insert(s, ents[i]);
    assert_non_null(v);
    assert_int_equal((uintptr_t)v % 256, 0);
    *v = (int64_t)i;
    present[i] = true;
  }
  assert_true(mc.values >= N / 2); /* growth relocated through params.move */
  mc = (move_count_t){.stride = 256};
  size_t removed = 0;
  for (uint32_t k = 0; k < N; ++k) {
    uint32_t i = (uint32_t)(rng_next(&rng) % N);
    if (present[i]) {
      vt->remove(s, ents[i]);
      present[i] = false;
      removed++;
    }
  }
  assert_true(mc.calls > 0);
  assert_true(mc.values <= (int)removed); /* one value per swap, none per tail removal */
  assert_int_equal(vt->count(s), N - removed);
  for (uint32_t i = 0; i < N; ++i) {
    const int64_t *v = vt->get(s, ents[i]);
    if ((v != NULL) != present[i] || (v && (*v != (int64_t)i || (uintptr_t)v % 256 != 0))) {
      fail_msg("seed %llu: entity %u wrong after removes", (unsigned long long)seed, i);
    }
  }
  vt->destroy(s);
  assert_int_equal(ta.outstanding, 0);
}

/* 200 inserts with every allocation call from fail_from on failing: a
 * failed insert returns NULL and leaves the storage as it was. Returns the
 * allocation calls made. */
static size_t oom_run(const ecs_storage_vtable_t *vt, size_t fail_from, uint32_t *inserted) {
  test_alloc_t ta = {.fail_from = SIZE_MAX};
  ecs_allocator_t a = test_allocator(&ta);
  ecs_storage_params_t p = int64_params(&a);
  void *s = NULL;
  assert_int_equal(vt->create(&p, &s), ECS_OK);
  const size_t base = ta.calls;
  ta.fail_from = fail_from == SIZE_MAX ? SIZE_MAX : base + fail_from;
  *inserted = 0;
  for (uint32_t i = 0; i < 200; ++i) {
    ecs_entity_t e = ECS_ENTITY_MAKE(1 + i * 97u, 0);
    int64_t *v = vt->insert(s, e);
    if (v) {
      *v = (int64_t)i;
      ++*inserted;
    }
    if ((!v && vt->get(s, e)) || vt->count(s) != *inserted) {
      fail_msg("fail_from %zu: insert %u: count %zu, %u inserted", fail_from, i, vt->count(s), *inserted);
    }
  }
  for (uint32_t i = 0; i < 200; ++i) {
    const int64_t *v = vt->get(s, ECS_ENTITY_MAKE(1 + i * 97u, 0));
    if (v && *v != (int64_t)i) {
      fail_msg("fail_from %zu: value %u lost", fail_from, i);
    }
  }
  const size_t used = ta.calls - base;
  vt->destroy(s);
  assert_int_equal(ta.outstanding, 0);
  return used;
}

static void test_vtable_insert_out_of_memory(void **state) {
  (void)state;
  const ecs_storage_vtable_t *vt = ecs_storage_dense_vtable();
  uint32_t inserted;
  size_t total = oom_run(vt, SIZE_MAX, &inserted);
  assert_int_equal(inserted, 200);
  assert_true(total > 5);
  for (size_t n = 0; n < total; ++n) {
    oom_run(vt, n, &inserted);
    if (inserted == 200) {
      fail_msg("fail_from %zu: no insert failed", n);
    }
  }
}

/* ---- host-defined storages ---------------------------------------------- */

typedef struct wrap_counts_t {
  int create, destroy, insert, remove, get, count, chunk, memory;
} wrap_counts_t;

static wrap_counts_t wrap_counts; /* the vtable has no user pointer */

/* wrap_<fn>: counts the call, then forwards it to the dense vtable */
#define WRAP(ret, fn, params, args)                                                                                    \
  static ret wrap_##fn params {                                                                                        \
    wrap_counts.fn++;                                                                                                  \
    return ecs_storage_dense_vtable()->fn args;                                                                        \
  }
#define WRAP_VOID(fn, params, args)                                                                                    \
  static void wrap_##fn params {                                                                                       \
    wrap_counts.fn++;                                                                                                  \
    ecs_storage_dense_vtable()->fn args;                                                                               \
  }
WRAP(ecs_status_t, create, (const ecs_storage_params_t *p, void **out), (p, out))
WRAP_VOID(destroy, (void *s), (s))
WRAP(void *, insert, (void *s, ecs_entity_t e), (s, e))
WRAP(ecs_status_t, remove, (void *s, ecs_entity_t e), (s, e))
WRAP(void *, get, (void *s, ecs_entity_t e), (s, e))
WRAP(size_t, count, (const void *s), (s))
WRAP(bool, chunk, (void *s, size_t *cursor, ecs_storage_chunk_t *out), (s, cursor, out))
WRAP(size_t, memory, (const void *s), (s))

static const ecs_storage_vtable_t wrap_vtable = {"wrap",   wrap_create, wrap_destroy, wrap_insert, wrap_remove,
                                                 wrap_get, wrap_count,  wrap_chunk,   wrap_memory, NULL};

static void test_host_storage_routes_calls(void **state) {
  (void)state;
  wrap_counts = (wrap_counts_t){0};
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_storage_kind_t kind = 0, kind2 = 0;
  assert_int_equal(ecs_storage_register(w, &wrap_vtable, &kind), ECS_OK);
  assert_int_equal(ecs_storage_register(w, &wrap_vtable, &kind2), ECS_OK);
  assert_true(kind >= ECS_STORAGE_CUSTOM_BASE && kind2 >= ECS_STORAGE_CUSTOM_BASE && kind != kind2);
  ecs_component_t c = ecs_component_register(w, &(ecs_component_desc_t){.name = "w", .size = 4, .storage = kind});
  ecs_component_t d = ecs_component_register_type(w, "plain", 4, 0); /* dense: not routed */
  assert_int_not_equal(c, ECS_COMPONENT_NULL);
  assert_int_equal(wrap_counts.create, 1);
  ecs_entity_t ents[10];
  for (int32_t i = 0; i < 10; ++i) {
    ents[i] = ecs_entity_create(w);
    assert_int_equal(ecs_set(w, ents[i], c, &i), ECS_OK);
    assert_int_equal(ecs_add(w, ents[i], d), ECS_OK);
  }
  assert_int_equal(wrap_counts.insert, 10);
  int gets = wrap_counts.get;
  assert_int_equal(*(int32_t *)ecs_get(w, ents[4], c), 4);
  assert_true(wrap_counts.get > gets);
  assert_int_equal(ecs_remove(w, ents[0], c), ECS_OK);
  assert_int_equal(ecs_remove(w, ents[1], d), ECS_OK);
  assert_int_equal(wrap_counts.remove, 1);
  assert_int_equal(ecs_entity_destroy(w, ents[2]), ECS_OK);
  assert_int_equal(wrap_counts.remove, 2);
  assert_int_equal(ecs_component_count(w, c), 8);
  assert_true(wrap_counts.count > 0);
  assert_true(ecs_component_memory(w, c) > 0);
  assert_true(wrap_counts.memory > 0);
  ecs_query_t *q = ecs_query_new(w, &(ecs_query_desc_t){{{c, ECS_ACCESS_READ}}});
  assert_int_equal(ecs_query_count(q), 8);
  assert_true(wrap_counts.chunk >= 2);
  ecs_world_free(w);
  assert_int_equal(wrap_counts.create, 1);
  assert_int_equal(wrap_counts.destroy, 1);
}

/* A destroy asks only the storages that hold one of the entity's values:
 * with 64 host-storage components registered and 2 held, it makes two
 * removes and no lookups (no observers want the values). */
static void test_destroy_visits_own_components(void **state) {
  (void)state;
  wrap_counts = (wrap_counts_t){0};
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_storage_kind_t kind = 0;
  assert_int_equal(ecs_storage_register(w, &wrap_vtable, &kind), ECS_OK);
  ecs_component_t ids[64];
  for (int i = 0; i < 64; ++i) {
    char name[16];
    snprintf(name, sizeof name, "c%d", i);
    ids[i] = ecs_component_register(w, &(ecs_component_desc_t){.name = name, .size = 4, .storage = kind});
    assert_int_not_equal(ids[i], ECS_COMPONENT_NULL);
  }
  ecs_entity_t e = ecs_entity_create(w);
  ecs_entity_t keep = ecs_entity_create(w);
  int32_t v = 7;
  assert_int_equal(ecs_set(w, e, ids[40], &v), ECS_OK);
  assert_int_equal(ecs_set(w, e, ids[3], &v), ECS_OK);
  assert_int_equal(ecs_set(w, keep, ids[3], &v), ECS_OK);
  wrap_counts_t before = wrap_counts;
  assert_int_equal(ecs_entity_destroy(w, e), ECS_OK);
  assert_int_equal(wrap_counts.remove - before.remove, 2);
  assert_int_equal(wrap_counts.get - before.get, 0);
  assert_int_equal(ecs_component_count(w, ids[3]), 1);
  assert_int_equal(ecs_component_count(w, ids[40]), 0);
  assert_int_equal(*(int32_t *)ecs_get(w, keep, ids[3]), 7);
  /* the slot comes back with a new generation and nothing attached */
  ecs_entity_t again = ecs_entity_create(w);
  assert_int_equal(ECS_ENTITY_INDEX(again), ECS_ENTITY_INDEX(e));
  assert_false(ecs_has(w, again, ids[3]));
  before = wrap_counts;
  assert_int_equal(ecs_entity_destroy(w, again), ECS_OK);
  assert_int_equal(wrap_counts.remove - before.remove, 0);
  ecs_world_free(w);
}

/* Host-storage components c<first>..c<first+count-1> in w. */
static void register_wrapped(ecs_world_t *w, ecs_storage_kind_t kind, int first, int count, ecs_component_t *ids) {
  for (int i = 0; i < count; ++i) {
    char name[16];
    snprintf(name, sizeof name, "c%d", first + i);
    ids[i] = ecs_component_register(w, &(ecs_component_desc_t){.name = name, .size = 4, .storage = kind});
    assert_int_not_equal(ids[i], ECS_COMPONENT_NULL);
  }
}

/* With few non-ARCHETYPE components a destroy asks each of them once, and
 * none of the ARCHETYPE ones, however many are registered; inserts and
 * removes keep no per-entity list. */
static void test_destroy_asks_few_components(void **state) {
  (void)state;
  wrap_counts = (wrap_counts_t){0};
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_storage_kind_t kind = 0;
  assert_int_equal(ecs_storage_register(w, &wrap_vtable, &kind), ECS_OK);
  for (int i = 0; i < 100; ++i) {
    char name[16];
    snprintf(name, sizeof name, "a%d", i);
    assert_int_not_equal(
        ecs_component_register(w, &(ecs_component_desc_t){.name = name, .size = 4, .storage = ECS_STORAGE_ARCHETYPE}),
        ECS_COMPONENT_NULL);
  }
  ecs_component_t ids[4];
  register_wrapped(w, kind, 0, 4, ids);
  ecs_entity_t e = ecs_entity_create(w);
  int32_t v = 7;
  assert_int_equal(ecs_set(w, e, ids[2], &v), ECS_OK);
  assert_int_equal(ecs_set(w, e, ids[0], &v), ECS_OK);
  assert_int_equal(ecs_remove(w, e, ids[0]), ECS_OK);
  assert_int_equal(ecs_set(w, e, ids[3], &v), ECS_OK);
  wrap_counts_t before = wrap_counts;
  assert_int_equal(ecs_entity_destroy(w, e), ECS_OK);
  assert_int_equal(wrap_counts.get - before.get, 4);
  assert_int_equal(wrap_counts.remove - before.remove, 2);
  for (int i = 0; i < 4; ++i) {
    assert_int_equal(ecs_component_count(w, ids[i]), 0);
  }
  ecs_world_free(w);
}

/* The registration that passes the limit lists what entities already
 * hold; so does a move out of ARCHETYPE storage that passes it. After
 * either, a destroy removes exactly the entity's values without lookups. */
static void test_lists_built_past_the_limit(void **state) {
  (void)state;
  for (int by_move = 0; by_move < 2; ++by_move) {
    wrap_counts = (wrap_counts_t){0};
    ecs_world_t *w = ecs_world_new(NULL);
    ecs_storage_kind_t kind = 0;
    assert_int_equal(ecs_storage_register(w, &wrap_vtable, &kind), ECS_OK);
    ecs_component_t ids[16];
    register_wrapped(w, kind, 0, 8, ids); /* at the limit: no lists yet */
    ecs_component_t moved = ecs_component_register(
        w, &(ecs_component_desc_t){.name = "moved", .size = 4, .storage = ECS_STORAGE_ARCHETYPE});
    ecs_entity_t ents[20];
    for (int32_t i = 0; i < 20; ++i) {
      ents[i] = ecs_entity_create(w);
      assert_int_equal(ecs_set(w, ents[i], ids[i % 8], &i), ECS_OK);
      assert_int_equal(ecs_set(w, ents[i], ids[(i + 3) % 8], &i), ECS_OK);
      assert_int_equal(ecs_set(w, ents[i], moved, &i), ECS_OK);
    }
    if (by_move) {
      assert_int_equal(ecs_component_set_storage(w, moved, ECS_STORAGE_DENSE), ECS_OK);
    } else {
      register_wrapped(w, kind, 8, 8, ids + 8);
    }
    for (int32_t i = 0; i < 20; i += 2) {
      wrap_counts_t before = wrap_counts;
      assert_int_equal(ecs_entity_destroy(w, ents[i]), ECS_OK);
      assert_int_equal(wrap_counts.get - before.get, 0);
      assert_int_equal(wrap_counts.remove - before.remove, 2);
    }
    assert_int_equal(ecs_component_count(w, moved), 10);
    size_t held = 0;
    for (int i = 0; i < 8; ++i) {
      held += ecs_component_count(w, ids[i]);
    }
    assert_int_equal(held, 20);
    /* the lists stay true for values added and removed afterwards */
    assert_int_equal(ecs_remove(w, ents[1], moved), ECS_OK);
    assert_int_equal(ecs_set(w, ents[1], ids[7], &(int32_t){1}), ECS_OK);
    wrap_counts_t before = wrap_counts;
    assert_int_equal(ecs_entity_destroy(w, ents[1]), ECS_OK);
    assert_int_equal(wrap_counts.remove - before.remove, 3);
    assert_int_equal(ecs_component_count(w, moved), 9);
    /* and back into ARCHETYPE storage: the moved values leave the lists */
    assert_int_equal(ecs_component_set_storage(w, moved, ECS_STORAGE_ARCHETYPE), ECS_OK);
    assert_int_equal(ecs_entity_destroy(w, ents[3]), ECS_OK);
    assert_int_equal(ecs_component_count(w, moved), 8);
    assert_false(ecs_has(w, ecs_entity_create(w), moved));
    ecs_world_free(w);
  }
}

/* The registration that would build the lists runs out of memory at each
 * of its allocations in turn: refused with nothing changed, and the world
 * goes on without lists until one succeeds. */
static void test_lists_out_of_memory(void **state) {
  (void)state;
  test_alloc_t ta = {.fail_from = SIZE_MAX};
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.allocator = test_allocator(&ta)});
  enum { N = 300 };
  ecs_entity_t ents[N];
  for (int32_t k = 0; k < N; ++k) {
    ents[k] = ecs_entity_create(w);
  }
  ecs_component_t ids[9];
  for (int i = 0; i < 8; ++i) {
    char name[16];
    snprintf(name, sizeof name, "d%d", i);
    ids[i] = ecs_component_register(w, &(ecs_component_desc_t){.name = name, .size = 4, .storage = ECS_STORAGE_DENSE});
    for (int32_t k = 0; k < N; ++k) {
      assert_int_equal(ecs_set(w, ents[k], ids[i], &k), ECS_OK);
    }
  }
  ecs_component_desc_t ninth = {.name = "d8", .size = 4, .storage = ECS_STORAGE_DENSE};
  int refused = 0;
  for (size_t f = 0;; ++f) {
    ta.fail_from = ta.calls + f;
    ids[8] = ecs_component_register(w, &ninth);
    ta.fail_from = SIZE_MAX;
    if (ids[8] != ECS_COMPONENT_NULL) {
      break;
    }
    refused++;
    assert_int_equal(ecs_last_status(w), ECS_ERR_NO_MEMORY);
    assert_int_equal(ecs_component_lookup(w, "d8"), ECS_COMPONENT_NULL);
    /* still consistent: one entity goes and comes back */
    assert_int_equal(ecs_entity_destroy(w, ents[f]), ECS_OK);
    assert_int_equal(ecs_component_count(w, ids[0]), N - 1);
    ents[f] = ecs_entity_create(w);
    for (int i = 0; i < 8; ++i) {
      assert_int_equal(ecs_set(w, ents[f], ids[i], &(int32_t){1}), ECS_OK);
    }
  }
  assert_true(refused >= 2); /* the id array and the nodes */
  assert_int_equal(ecs_set(w, ents[0], ids[8], &(int32_t){1}), ECS_OK);
  for (int32_t k = 0; k < N; ++k) {
    assert_int_equal(ecs_entity_destroy(w, ents[k]), ECS_OK);
  }
  for (int i = 0; i < 9; ++i) {
    assert_int_equal(ecs_component_count(w, ids[i]), 0);
  }
  ecs_world_free(w);
  assert_int_equal(ta.outstanding, 0);
}

static void test_incomplete_vtable_rejected(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_storage_vtable_t broken[8];
  for (int i = 0; i < 8; ++i) {
    broken[i] = wrap_vtable;
  }
  broken[0].create = NULL;
  broken[1].destroy = NULL;
  broken[2].insert = NULL;
  broken[3].remove = NULL;
  broken[4].get = NULL;
  broken[5].count = NULL;
  broken[6].chunk = NULL;
  broken[7].memory = NULL;
  for (int i = 0; i < 8; ++i) {
    ecs_storage_kind_t kind = (ecs_storage_kind_t)12345;
    if (ecs_storage_register(w, &broken[i], &kind) != ECS_ERR_INVALID_ARGUMENT || kind != (ecs_storage_kind_t)12345) {
      fail_msg("vtable without function #%d accepted", i);
    }
  }
  ecs_storage_kind_t kind;
  assert_int_equal(ecs_storage_register(w, NULL, &kind), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_storage_register(w, &wrap_vtable, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_storage_register(NULL, &wrap_vtable, &kind), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_storage_register(w, &wrap_vtable, &kind), ECS_OK);
  ecs_world_free(w);
}

/* Registers storage kinds up to the limit. A component registered before
 * them keeps working while the kind table grows (the allocator moves and
 * poisons every reallocated block). */
static void test_storage_kind_limit(void **state) {
  (void)state;
  test_alloc_t ta = {.fail_from = SIZE_MAX};
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.allocator = test_allocator(&ta)});
  ecs_component_t early = ecs_component_register_type(w, "early", 4, 0);
  ecs_entity_t e = ecs_entity_create(w);
  int32_t v = 7;
  assert_int_equal(ecs_set(w, e, early, &v), ECS_OK);
  ecs_storage_kind_t kind, prev = ECS_STORAGE_DENSE;
  int n = 0;
  ecs_status_t st;
  while ((st = ecs_storage_register(w, &wrap_vtable, &kind)) == ECS_OK && n < 10000) {
    assert_true(kind > prev);
    prev = kind;
    ++n;
  }
  assert_int_equal(st, ECS_ERR_LIMIT);
  assert_true(n >= 1);
  assert_int_equal(*(int32_t *)ecs_get(w, e, early), 7);
  assert_int_equal(ecs_add(w, ecs_entity_create(w), early), ECS_OK);
  assert_int_equal(ecs_component_count(w, early), 2);
  /* the last kind works */
  ecs_component_t c = ecs_component_register(w, &(ecs_component_desc_t){.name = "c", .size = 4, .storage = prev});
  assert_int_not_equal(c, ECS_COMPONENT_NULL);
  assert_int_equal(ecs_add(w, e, c), ECS_OK);
  ecs_world_free(w);
  assert_int_equal(ta.outstanding, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_random_against_model),        cmocka_unit_test(test_vtable_basic),
      cmocka_unit_test(test_vtable_many_and_relocation),  cmocka_unit_test(test_vtable_insert_out_of_memory),
      cmocka_unit_test(test_host_storage_routes_calls),   cmocka_unit_test(test_destroy_visits_own_components),
      cmocka_unit_test(test_destroy_asks_few_components), cmocka_unit_test(test_lists_built_past_the_limit),
      cmocka_unit_test(test_lists_out_of_memory),         cmocka_unit_test(test_incomplete_vtable_rejected),
      cmocka_unit_test(test_storage_kind_limit),
  };
  return cmocka_run_group_tests_name("dense", tests, NULL, NULL);
}
