/* Component registration, per-entity values, lifecycle hooks, alignment and
 * tags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ecs.h"

typedef struct position_t {
  float x, y;
} position_t;

/* xorshift32: a fixed seed gives a fixed sequence */
static uint32_t rng_next(uint32_t *s) {
  uint32_t x = *s;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *s = x;
}

/* ---- registration -------------------------------------------------------- */

static void test_register_by_desc_and_macro(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t a = ecs_component_register(w, &(ecs_component_desc_t){.name = "health", .size = sizeof(int32_t)});
  ecs_component_t p = ECS_COMPONENT(w, position_t);
  assert_int_not_equal(a, ECS_COMPONENT_NULL);
  assert_int_not_equal(p, ECS_COMPONENT_NULL);
  assert_int_not_equal(a, p);
  assert_string_equal(ecs_component_name(w, a), "health");
  assert_string_equal(ecs_component_name(w, p), "position_t");
  assert_int_equal(ecs_component_size(w, a), sizeof(int32_t));
  assert_int_equal(ecs_component_size(w, p), sizeof(position_t));
  assert_int_equal(ecs_component_lookup(w, "health"), a);
  assert_int_equal(ecs_component_lookup(w, "position_t"), p);
  const char *unknown[] = {"velocity_t", "Health", "healt", "healthy", "", NULL};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; ++i) {
    assert_int_equal(ecs_component_lookup(w, unknown[i]), ECS_COMPONENT_NULL);
  }
  assert_null(ecs_component_name(w, ECS_COMPONENT_NULL));
  assert_null(ecs_component_name(w, p + 100));
  assert_int_equal(ecs_component_size(w, p + 100), 0);
  char name[16] = "mass"; /* the name is copied */
  ecs_component_t c = ecs_component_register_type(w, name, 4, 0);
  strcpy(name, "xxxx");
  assert_string_equal(ecs_component_name(w, c), "mass");
  assert_int_equal(ecs_component_lookup(w, "mass"), c);
  assert_int_equal(ecs_component_lookup(w, "xxxx"), ECS_COMPONENT_NULL);
  ecs_world_free(w);
}

static void test_register_same_name(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t p = ECS_COMPONENT(w, position_t);
  assert_int_equal(ECS_COMPONENT(w, position_t), p);
  assert_int_equal(ecs_component_register_type(w, "position_t", sizeof(position_t), ECS_ALIGNOF(position_t)), p);
  assert_int_equal(ecs_last_status(w), ECS_OK);

  const struct {
    size_t size, alignment;
  } clashes[] = {{sizeof(position_t) + 4, 0}, {4, 0}, {0, 0}, {sizeof(position_t), 8}, {sizeof(position_t), 1}};
  for (size_t i = 0; i < sizeof clashes / sizeof clashes[0]; ++i) {
    ecs_component_t got = ecs_component_register_type(w, "position_t", clashes[i].size, clashes[i].alignment);
    if (got != ECS_COMPONENT_NULL || ecs_last_status(w) != ECS_ERR_DUPLICATE) {
      fail_msg("clash #%zu: got id %u status %s", i, got, ecs_err_name(ecs_last_status(w)));
    }
    assert_non_null(strstr(ecs_last_error(w), "position_t"));
  }
  /* the original definition is untouched */
  assert_int_equal(ecs_component_lookup(w, "position_t"), p);
  assert_int_equal(ecs_component_size(w, p), sizeof(position_t));
  ecs_world_free(w);
}

static void test_register_invalid(void **state) {
  (void)state;
  const struct {
    const char *what;
    ecs_component_desc_t desc;
    ecs_status_t status;
  } cases[] = {
      {"NULL name", {.name = NULL, .size = 4}, ECS_ERR_INVALID_ARGUMENT},
      {"empty name", {.name = "", .size = 4}, ECS_ERR_INVALID_ARGUMENT},
      {"alignment 3", {.name = "c", .size = 4, .alignment = 3}, ECS_ERR_INVALID_ARGUMENT},
      {"alignment 6", {.name = "c", .size = 4, .alignment = 6}, ECS_ERR_INVALID_ARGUMENT},
      {"alignment 12", {.name = "c", .size = 12, .alignment = 12}, ECS_ERR_INVALID_ARGUMENT},
      {"alignment 8192", {.name = "c", .size = 4, .alignment = 8192}, ECS_ERR_INVALID_ARGUMENT},
      {"alignment 2^20", {.name = "c", .size = 4, .alignment = (size_t)1 << 20}, ECS_ERR_INVALID_ARGUMENT},
      {"alignment SIZE_MAX", {.name = "c", .size = 4, .alignment = SIZE_MAX}, ECS_ERR_INVALID_ARGUMENT},
      {"size > INT32_MAX", {.name = "c", .size = (size_t)INT32_MAX + 1}, ECS_ERR_INVALID_ARGUMENT},
      {"storage 99", {.name = "c", .size = 4, .storage = (ecs_storage_kind_t)99}, ECS_ERR_UNSUPPORTED},
      {"storage CUSTOM_BASE", {.name = "c", .size = 4, .storage = ECS_STORAGE_CUSTOM_BASE}, ECS_ERR_UNSUPPORTED},
      {"storage 0x7fffffff", {.name = "c", .size = 4, .storage = (ecs_storage_kind_t)0x7fffffff}, ECS_ERR_UNSUPPORTED},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    ecs_world_t *w = ecs_world_new(NULL);
    ecs_component_t got = ecs_component_register(w, &cases[i].desc);
    if (got != ECS_COMPONENT_NULL || ecs_last_status(w) != cases[i].status || ecs_last_error(w)[0] == '\0') {
      fail_msg("%s: got id %u status %s, want %s", cases[i].what, got, ecs_err_name(ecs_last_status(w)),
               ecs_err_name(cases[i].status));
    }
    assert_int_equal(ecs_component_lookup(w, "c"), ECS_COMPONENT_NULL);
    /* the world still registers valid components */
    assert_int_not_equal(ecs_component_register_type(w, "ok", 4, 0), ECS_COMPONENT_NULL);
    ecs_world_free(w);
  }
  ecs_world_t *w = ecs_world_new(NULL);
  assert_int_equal(ecs_component_register(w, NULL), ECS_COMPONENT_NULL);
  assert_int_equal(ecs_last_status(w), ECS_ERR_INVALID_ARGUMENT);
  assert_int_not_equal(ecs_component_register_type(w, "max", 8, 4096), ECS_COMPONENT_NULL);
  assert_int_not_equal(ecs_component_register_type(w, "min", 8, 1), ECS_COMPONENT_NULL);
  ecs_world_free(w);
}

/* Alignment 0 is derived from the size: its largest power-of-two divisor,
 * at most 16. Observed through re-registration: the same layout returns the
 * id, any other alignment is a DUPLICATE. */
static void test_default_alignment(void **state) {
  (void)state;
  const struct {
    size_t size, alignment;
  } cases[] = {{1, 1},   {2, 2},  {3, 1},   {4, 4},   {6, 2},   {8, 8},   {12, 4},
               {16, 16}, {24, 8}, {32, 16}, {48, 16}, {64, 16}, {100, 4}, {0, 1}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    ecs_world_t *w = ecs_world_new(NULL);
    ecs_component_t c = ecs_component_register_type(w, "c", cases[i].size, 0);
    assert_int_not_equal(c, ECS_COMPONENT_NULL);
    if (ecs_component_register_type(w, "c", cases[i].size, cases[i].alignment) != c) {
      fail_msg("size %zu: derived alignment is not %zu", cases[i].size, cases[i].alignment);
    }
    assert_int_equal(ecs_component_register_type(w, "c", cases[i].size, cases[i].alignment * 2), ECS_COMPONENT_NULL);
    if (cases[i].alignment > 1) {
      assert_int_equal(ecs_component_register_type(w, "c", cases[i].size, cases[i].alignment / 2), ECS_COMPONENT_NULL);
    }
    if (cases[i].size > 0) { /* values honour it */
      ecs_entity_t e = ecs_entity_create(w);
      assert_int_equal(ecs_add(w, e, c), ECS_OK);
      assert_int_equal((uintptr_t)ecs_get(w, e, c) % cases[i].alignment, 0);
    }
    ecs_world_free(w);
  }
}

/* ---- values -------------------------------------------------------------- */

static bool position_is(ecs_world_t *w, ecs_entity_t e, ecs_component_t p, float x, float y) {
  const position_t *v = ecs_get(w, e, p);
  return v && v->x == x && v->y == y;
}

static void test_set_get_overwrite_and_add_keeps(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t p = ECS_COMPONENT(w, position_t);
  ecs_entity_t e = ecs_entity_create(w);
  assert_null(ecs_get(w, e, p));
  assert_int_equal(ecs_last_status(w), ECS_OK); /* merely absent */
  assert_false(ecs_has(w, e, p));
  assert_int_equal(ecs_add(w, e, p), ECS_OK);
  assert_true(position_is(w, e, p, 0, 0)); /* zero-initialised */
  assert_int_equal(ecs_set(w, e, p, &(position_t){1, 2}), ECS_OK);
  assert_true(position_is(w, e, p, 1, 2));
  assert_int_equal(ecs_set(w, e, p, &(position_t){3, 4}), ECS_OK);
  assert_true(position_is(w, e, p, 3, 4));
  assert_int_equal(ecs_add(w, e, p), ECS_OK); /* present: value kept */
  assert_true(position_is(w, e, p, 3, 4));
  assert_int_equal(ecs_component_count(w, p), 1);
  assert_int_equal(ecs_remove(w, e, p), ECS_OK);
  assert_false(ecs_has(w, e, p));
  assert_int_equal(ecs_remove(w, e, p), ECS_OK); /* absent: no-op */
  assert_int_equal(ecs_component_count(w, p), 0);
  ecs_world_free(w);
}

static void test_count_and_memory_grow(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t p = ECS_COMPONENT(w, position_t);
  assert_int_equal(ecs_component_count(w, p), 0);
  size_t mem = ecs_component_memory(w, p);
  ecs_entity_t ents[5000];
  for (size_t i = 0; i < 5000; ++i) {
    ents[i] = ecs_entity_create(w);
    assert_int_equal(ecs_set(w, ents[i], p, &(position_t){(float)i, 0}), ECS_OK);
    assert_int_equal(ecs_component_count(w, p), i + 1);
  }
  size_t mem_full = ecs_component_memory(w, p);
  assert_true(mem_full >= mem + 5000 * sizeof(position_t));
  for (size_t i = 0; i < 5000; i += 2) {
    assert_int_equal(ecs_remove(w, ents[i], p), ECS_OK);
  }
  assert_int_equal(ecs_component_count(w, p), 2500);
  for (size_t i = 1; i < 5000; i += 2) {
    assert_true(position_is(w, ents[i], p, (float)i, 0));
  }
  ecs_world_free(w);
}

/* ---- hooks --------------------------------------------------------------- */

/* A value that owns heap memory (a missing dtor leaks, a doubled one frees
 * twice under ASan) and points at itself while live: it survives relocation
 * only if every move goes through the hook. */
typedef struct tracked_t {
  int32_t *heap;
  struct tracked_t *self; /* &itself while live, NULL once moved from or destructed */
} tracked_t;

typedef struct hook_log_t {
  int ctor, dtor, move, copy; /* values, not calls */
  int bad;                    /* a hook saw a value that was not live */
  char seq[256];              /* c=ctor d=dtor m=move p=copy, one per call */
} hook_log_t;

static void log_event(hook_log_t *l, char ev) {
  size_t n = strlen(l->seq);
  if (n + 1 < sizeof l->seq) {
    l->seq[n] = ev;
    l->seq[n + 1] = '\0';
  }
}

static void tracked_ctor(void *ptr, int32_t count, void *user) {
  tracked_t *t = ptr;
  for (int32_t i = 0; i < count; ++i) {
    t[i].heap = malloc(sizeof(int32_t));
    *t[i].heap = -1;
    t[i].self = &t[i];
  }
  ((hook_log_t *)user)->ctor += count;
  log_event(user, 'c');
}

static void tracked_dtor(void *ptr, int32_t count, void *user) {
  tracked_t *t = ptr;
  for (int32_t i = 0; i < count; ++i) {
    ((hook_log_t *)user)->bad += t[i].self != &t[i];
    free(t[i].heap);
    t[i] = (tracked_t){NULL, NULL};
  }
  ((hook_log_t *)user)->dtor += count;
  log_event(user, 'd');
}

static void tracked_move(void *dst, void *src, int32_t count, void *user) {
  tracked_t *d = dst, *s = src;
  for (int32_t i = 0; i < count; ++i) {
    ((hook_log_t *)user)->bad += s[i].self != &s[i];
    d[i] = (tracked_t){s[i].heap, &d[i]};
    s[i] = (tracked_t){NULL, NULL};
  }
  ((hook_log_t *)user)->move += count;
  log_event(user, 'm');
}

static void tracked_copy(void *dst, const void *src, int32_t count, void *user) {
  tracked_t *d = dst;
  const tracked_t *s = src;
  for (int32_t i = 0; i < count; ++i) {
    d[i].heap = malloc(sizeof(int32_t));
    *d[i].heap = *s[i].heap;
    d[i].self = &d[i];
  }
  ((hook_log_t *)user)->copy += count;
  log_event(user, 'p');
}

static ecs_component_t register_tracked(ecs_world_t *w, hook_log_t *l) {
  ecs_component_desc_t d = {
      .name = "tracked",
      .size = sizeof(tracked_t),
      .hooks = {tracked_ctor, tracked_dtor, tracked_move, tracked_copy, l},
  };
  return ecs_component_register(w, &d);
}

static ecs_status_t tracked_set(ecs_world_t *w, ecs_entity_t e, ecs_component_t c, int32_t v) {
  tracked_t src = {&v, NULL};
  return ecs_set(w, e, c, &src);
}

/* The value of e, or INT32_MIN when absent or not live. */
static int32_t tracked_value(ecs_world_t *w, ecs_entity_t e, ecs_component_t c) {
  const tracked_t *t = ecs_get(w, e, c);
  return t && t->self == t && t->heap ? *t->heap : INT32_MIN;
}

static void test_hooks_add_set_remove_destroy(void **state) {
  (void)state;
  hook_log_t l = {0};
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t c = register_tracked(w, &l);
  ecs_entity_t a = ecs_entity_create(w);
  ecs_entity_t b = ecs_entity_create(w);

  assert_int_equal(ecs_add(w, a, c), ECS_OK); /* ctor, no zero-fill over it */
  assert_string_equal(l.seq, "c");
  assert_int_equal(tracked_value(w, a, c), -1);
  assert_int_equal(ecs_add(w, a, c), ECS_OK); /* present: nothing */
  assert_string_equal(l.seq, "c");

  l = (hook_log_t){0};
  assert_int_equal(tracked_set(w, b, c, 5), ECS_OK); /* absent: copy only */
  assert_string_equal(l.seq, "p");
  assert_int_equal(tracked_value(w, b, c), 5);

  l = (hook_log_t){0};
  assert_int_equal(tracked_set(w, a, c, 6), ECS_OK); /* overwrite: dtor then copy */
  assert_string_equal(l.seq, "dp");
  assert_int_equal(tracked_value(w, a, c), 6);

  l = (hook_log_t){0};
  assert_int_equal(ecs_remove(w, b, c), ECS_OK); /* b is last: no relocation */
  assert_string_equal(l.seq, "d");
  assert_int_equal(ecs_remove(w, b, c), ECS_OK);
  assert_string_equal(l.seq, "d");

  l = (hook_log_t){0};
  assert_int_equal(ecs_entity_destroy(w, a), ECS_OK);
  assert_string_equal(l.seq, "d");
  assert_int_equal(l.bad, 0);

  /* world free destructs what is left */
  l = (hook_log_t){0};
  for (int i = 0; i < 10; ++i) {
    assert_int_equal(ecs_add(w, ecs_entity_create(w), c), ECS_OK);
  }
  ecs_world_free(w);
  assert_int_equal(l.ctor, 10);
  assert_int_equal(l.dtor, 10);
  assert_int_equal(l.bad, 0);
}

static void test_hooks_move_on_swap_remove_and_growth(void **state) {
  (void)state;
  hook_log_t l = {0};
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t c = register_tracked(w, &l);
  ecs_entity_t ents[40];
  for (int32_t i = 0; i < 3; ++i) {
    ents[i] = ecs_entity_create(w);
    assert_int_equal(tracked_set(w, ents[i], c, i), ECS_OK);
  }
  const int dtor0 = l.dtor, move0 = l.move;
  const size_t seq0 = strlen(l.seq);
  assert_int_equal(ecs_remove(w, ents[0], c), ECS_OK); /* not last: the last value moves into the hole */
  assert_int_equal(l.dtor, dtor0 + 1);
  assert_true(l.move > move0);
  assert_int_equal(l.seq[seq0], 'd'); /* destructed before the storage relocates */
  assert_int_equal(tracked_value(w, ents[1], c), 1);
  assert_int_equal(tracked_value(w, ents[2], c), 2);

  /* growth relocates every value with the move hook */
  for (int32_t i = 3; i < 40; ++i) {
    ents[i] = ecs_entity_create(w);
    assert_int_equal(tracked_set(w, ents[i], c, i), ECS_OK);
  }
  assert_true(l.move > 16);
  for (int32_t i = 1; i < 40; ++i) {
    assert_int_equal(tracked_value(w, ents[i], c), i);
  }
  ecs_world_free(w);
  assert_int_equal(l.bad, 0);
  assert_int_equal(l.ctor + l.copy, l.dtor); /* every heap block freed once */
}

static void test_values_survive_many_removes(void **state) {
  (void)state;
  enum { N = 2000 };
  const uint32_t seed = 12345;
  uint32_t rng = seed;
  hook_log_t l = {0};
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t c = register_tracked(w, &l);
  static ecs_entity_t ents[N];
  static bool present[N];
  for (int32_t i = 0; i < N; ++i) {
    ents[i] = ecs_entity_create(w);
    assert_int_equal(tracked_set(w, ents[i], c, i), ECS_OK);
    present[i] = true;
  }
  for (int round = 0; round < 3 * N; ++round) {
    int32_t i = (int32_t)(rng_next(&rng) % N);
    ecs_status_t st = present[i] ? ecs_remove(w, ents[i], c) : ecs_add(w, ents[i], c);
    if (st != ECS_OK) {
      fail_msg("seed %u round %d: %s", seed, round, ecs_last_error(w));
    }
    if (!present[i]) {
      *((tracked_t *)ecs_get(w, ents[i], c))->heap = i;
    }
    present[i] = !present[i];
  }
  for (int32_t i = 0; i < N; ++i) {
    if (tracked_value(w, ents[i], c) != (present[i] ? i : INT32_MIN)) {
      fail_msg("seed %u: entity %d has a wrong value", seed, i);
    }
  }
  ecs_world_free(w);
  assert_int_equal(l.bad, 0);
  assert_int_equal(l.ctor + l.copy, l.dtor);
}

/* ---- alignment ----------------------------------------------------------- */

typedef struct aligned64_t {
  _Alignas(64) int32_t v;
} aligned64_t;

static void test_over_aligned_values(void **state) {
  (void)state;
  const struct {
    const char *name;
    size_t size, alignment;
    uint32_t n;
  } cases[] = {
      {"aligned64_t", sizeof(aligned64_t), ECS_ALIGNOF(aligned64_t), 10000},
      {"a256", 8, 256, 10000},
      {"a32", 24, 32, 10000},
      {"a4096", 8, 4096, 1000},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    ecs_world_t *w = ecs_world_new(NULL);
    ecs_component_t c = k == 0 ? ECS_COMPONENT(w, aligned64_t)
                               : ecs_component_register(w, &(ecs_component_desc_t){.name = cases[k].name,
                                                                                   .size = cases[k].size,
                                                                                   .alignment = cases[k].alignment});
    assert_int_not_equal(c, ECS_COMPONENT_NULL);
    ecs_entity_t *ents = calloc(cases[k].n, sizeof *ents);
    assert_non_null(ents);
    for (uint32_t i = 0; i < cases[k].n; ++i) {
      ents[i] = ecs_entity_create(w);
      assert_int_equal(ecs_add(w, ents[i], c), ECS_OK);
      int32_t *v = ecs_get(w, ents[i], c);
      if ((uintptr_t)v % cases[k].alignment != 0) {
        fail_msg("%s: value %u at %p is misaligned", cases[k].name, i, (void *)v);
      }
      *v = (int32_t)i;
    }
    for (uint32_t i = 0; i < cases[k].n; i += 3) {
      assert_int_equal(ecs_remove(w, ents[i], c), ECS_OK);
    }
    for (uint32_t i = 0; i < cases[k].n; ++i) {
      const int32_t *v = ecs_get(w, ents[i], c);
      if ((i % 3 == 0) != (v == NULL) || (v && ((uintptr_t)v % cases[k].alignment != 0 || *v != (int32_t)i))) {
        fail_msg("%s: value %u wrong or misaligned after removes", cases[k].name, i);
      }
    }
    free(ents);
    ecs_world_free(w);
  }
}

/* ---- tags ---------------------------------------------------------------- */

static void count_hook(void *ptr, int32_t count, void *user) {
  (void)ptr;
  (void)count;
  (*(int *)user)++;
}

static void test_tags(void **state) {
  (void)state;
  int hook_calls = 0;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t tag = ecs_component_register(
      w,
      &(ecs_component_desc_t){.name = "enemy", .hooks = {.ctor = count_hook, .dtor = count_hook, .user = &hook_calls}});
  ecs_component_t p = ECS_COMPONENT(w, position_t);
  assert_int_not_equal(tag, ECS_COMPONENT_NULL);
  assert_int_equal(ecs_component_size(w, tag), 0);
  ecs_entity_t ents[6];
  for (int i = 0; i < 6; ++i) {
    ents[i] = ecs_entity_create(w);
    assert_int_equal(ecs_set(w, ents[i], p, &(position_t){(float)i, 0}), ECS_OK);
  }
  assert_int_equal(ecs_add(w, ents[1], tag), ECS_OK);
  assert_int_equal(ecs_set(w, ents[3], tag, NULL), ECS_OK);
  assert_int_equal(ecs_add(w, ents[5], tag), ECS_OK);
  assert_int_equal(ecs_add(w, ents[5], tag), ECS_OK);
  assert_true(ecs_has(w, ents[1], tag));
  assert_false(ecs_has(w, ents[0], tag));
  assert_null(ecs_get(w, ents[1], tag));
  assert_int_equal(ecs_last_status(w), ECS_OK);
  assert_int_equal(ecs_component_count(w, tag), 3);

  ecs_query_t *q = ecs_query_new(w, &(ecs_query_desc_t){{{p, ECS_ACCESS_READ}, {tag, ECS_ACCESS_WITH}}});
  assert_non_null(q);
  int seen = 0;
  ecs_iter_t it = ecs_query_iter(q);
  while (ecs_iter_next(&it)) {
    for (int32_t r = 0; r < it.count; ++r) {
      const position_t *v = ecs_field_at(&it, 0, r);
      assert_non_null(v);
      assert_true(v->x == 1 || v->x == 3 || v->x == 5);
      assert_null(ecs_field_at(&it, 1, r));
      seen++;
    }
  }
  assert_int_equal(seen, 3);
  assert_int_equal(ecs_remove(w, ents[3], tag), ECS_OK);
  assert_false(ecs_has(w, ents[3], tag));
  assert_int_equal(ecs_query_count(q), 2);
  assert_int_equal(ecs_entity_destroy(w, ents[5]), ECS_OK);
  assert_int_equal(ecs_component_count(w, tag), 1);
  ecs_world_free(w);
  assert_int_equal(hook_calls, 0); /* tags have no values to construct */
}

/* Transient values (pointers, handles) stay out of the world checksum. */
static void test_transient_values_not_hashed(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t plain = ecs_component_register_type(w, "plain", sizeof(int32_t), 0);
  ecs_component_t handle = ecs_component_register(
      w, &(ecs_component_desc_t){.name = "handle", .size = sizeof(void *), .flags = ECS_COMPONENT_TRANSIENT});
  assert_int_not_equal(handle, ECS_COMPONENT_NULL);
  ecs_entity_t e = ecs_entity_create(w);
  ecs_set(w, e, plain, &(int32_t){1});
  ecs_set(w, e, handle, &(void *){w});
  assert_int_equal(ecs_resource_set(w, handle, &(void *){e ? (void *)&e : NULL}), ECS_OK);
  uint64_t h = ecs_world_checksum(w);
  ecs_set(w, e, handle, &(void *){&h});
  ecs_resource_set(w, handle, &(void *){&h});
  assert_int_equal(ecs_world_checksum(w), h);
  ecs_set(w, e, plain, &(int32_t){2});
  assert_int_not_equal(ecs_world_checksum(w), h);
  /* unknown flags are refused; re-registering with other flags is a duplicate */
  assert_int_equal(ecs_component_register(w, &(ecs_component_desc_t){.name = "odd", .size = 4, .flags = 1u << 7}),
                   ECS_COMPONENT_NULL);
  assert_int_equal(ecs_last_status(w), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ecs_component_register(
          w, &(ecs_component_desc_t){.name = "plain", .size = sizeof(int32_t), .flags = ECS_COMPONENT_TRANSIENT}),
      ECS_COMPONENT_NULL);
  assert_int_equal(ecs_last_status(w), ECS_ERR_DUPLICATE);
  ecs_world_free(w);
}

/* The checksum: the same for the same state in every storage kind and
 * entity order of insertion, different for any one changed value,
 * generation, presence or resource; the per-component digest tells which
 * component differs; and a fixed world has a fixed digest (the hash is
 * defined, not the platform's). */
typedef struct sum_world_t {
  ecs_world_t *w;
  ecs_component_t a, b, tag;
  ecs_entity_t e[20];
} sum_world_t;

static void sum_world(sum_world_t *s, ecs_storage_kind_t kind, bool reverse) {
  s->w = ecs_world_new(NULL);
  s->a = ecs_component_register(s->w, &(ecs_component_desc_t){.name = "a", .size = 12, .storage = kind});
  s->b = ecs_component_register(s->w, &(ecs_component_desc_t){.name = "b", .size = 4, .storage = kind});
  s->tag = ecs_component_register(s->w, &(ecs_component_desc_t){.name = "tag", .storage = kind});
  for (int i = 0; i < 20; ++i) {
    s->e[i] = ecs_entity_create(s->w);
  }
  for (int k = 0; k < 20; ++k) {
    int i = reverse ? 19 - k : k;
    int32_t av[3] = {i, -i, i * i};
    ecs_set(s->w, s->e[i], s->a, av);
    if (i % 3 == 0) {
      ecs_set(s->w, s->e[i], s->b, &(int32_t){i * 7});
    }
    if (i % 4 == 1) {
      ecs_add(s->w, s->e[i], s->tag);
    }
  }
  ecs_resource_set(s->w, s->b, &(int32_t){42});
}

static void test_checksum(void **state) {
  (void)state;
  const ecs_storage_kind_t kinds[] = {ECS_STORAGE_ARCHETYPE, ECS_STORAGE_DENSE, ECS_STORAGE_SPARSE};
  sum_world_t ref;
  sum_world(&ref, ECS_STORAGE_ARCHETYPE, false);
  const uint64_t h = ecs_world_checksum(ref.w);
  /* defined: the same value on every platform and build */
  assert_int_equal(h, 0xcb7640a2f19150f4ull);
  for (size_t k = 0; k < 3; ++k) {
    for (int reverse = 0; reverse < 2; ++reverse) {
      sum_world_t s;
      sum_world(&s, kinds[k], reverse);
      if (ecs_world_checksum(s.w) != h) {
        fail_msg("kind %zu, reverse %d: another checksum for the same state", k, reverse);
      }
      assert_int_equal(ecs_component_checksum(s.w, s.a), ecs_component_checksum(ref.w, ref.a));
      ecs_world_free(s.w);
    }
  }
  /* each kind of difference shows, and the component digest says where */
  for (int change = 0; change < 5; ++change) {
    sum_world_t s;
    sum_world(&s, ECS_STORAGE_ARCHETYPE, false);
    ecs_component_t where = s.a;
    switch (change) {
    case 0: { /* one byte of one value */
      int32_t *v = ecs_get(s.w, s.e[5], s.a);
      v[2] ^= 0x100;
      break;
    }
    case 1: /* a component present on one more entity */
      ecs_set(s.w, s.e[1], s.b, &(int32_t){0});
      where = s.b;
      break;
    case 2: /* a tag removed */
      ecs_remove(s.w, s.e[1], s.tag);
      where = s.tag;
      break;
    case 3: /* the resource */
      ecs_resource_set(s.w, s.b, &(int32_t){43});
      where = s.b;
      break;
    default: { /* the same values on an entity of another generation */
      int32_t av[3];
      memcpy(av, ecs_get(s.w, s.e[19], s.a), sizeof av);
      ecs_entity_destroy(s.w, s.e[19]);
      ecs_entity_t again = ecs_entity_create(s.w);
      assert_int_equal(ECS_ENTITY_INDEX(again), ECS_ENTITY_INDEX(s.e[19]));
      ecs_set(s.w, again, s.a, av);
      break;
    }
    }
    if (ecs_world_checksum(s.w) == h) {
      fail_msg("change %d: the checksum did not change", change);
    }
    assert_int_not_equal(ecs_component_checksum(s.w, where), ecs_component_checksum(ref.w, where));
    ecs_world_free(s.w);
  }
  assert_int_equal(ecs_component_checksum(NULL, ref.a), 0);
  assert_int_equal(ecs_component_checksum(ref.w, 9999), 0);
  assert_int_not_equal(ecs_component_checksum(ref.w, ref.tag), 0);
  assert_int_equal(ecs_world_checksum(NULL), 0);
  ecs_world_free(ref.w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_checksum),
      cmocka_unit_test(test_register_by_desc_and_macro),
      cmocka_unit_test(test_register_same_name),
      cmocka_unit_test(test_register_invalid),
      cmocka_unit_test(test_default_alignment),
      cmocka_unit_test(test_set_get_overwrite_and_add_keeps),
      cmocka_unit_test(test_count_and_memory_grow),
      cmocka_unit_test(test_hooks_add_set_remove_destroy),
      cmocka_unit_test(test_hooks_move_on_swap_remove_and_growth),
      cmocka_unit_test(test_values_survive_many_removes),
      cmocka_unit_test(test_over_aligned_values),
      cmocka_unit_test(test_tags),
      cmocka_unit_test(test_transient_values_not_hashed),
  };
  return cmocka_run_group_tests_name("component", tests, NULL, NULL);
}
