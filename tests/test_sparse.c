/* SPARSE storage and moving components between storage kinds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecs.h"
#include "support/failing_alloc.h"

#include <stdlib.h>
#include <string.h>

typedef struct Big {
  int32_t id;
  char payload[1020];
} Big;

typedef struct Counted {
  int32_t *live; /* shared counter of constructed values */
  int32_t value;
} Counted;

static void counted_move(void *dst, void *src, int32_t count, void *user) {
  (void)user;
  memcpy(dst, src, sizeof(Counted) * (size_t)count);
}

static void counted_dtor(void *ptr, int32_t count, void *user) {
  (void)user;
  Counted *c = ptr;
  for (int32_t i = 0; i < count; ++i) {
    if (c[i].live) {
      --*c[i].live;
    }
  }
}

static ecs_component_t reg(ecs_world_t *w, const char *name, size_t size, size_t align, ecs_storage_kind_t kind) {
  ecs_component_t c = ecs_component_register(
      w, &(ecs_component_desc_t){.name = name, .size = size, .alignment = align, .storage = kind});
  assert_int_not_equal(c, ECS_COMPONENT_NULL);
  return c;
}

static void test_sparse_basic_ops(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t big = reg(w, "Big", sizeof(Big), 0, ECS_STORAGE_SPARSE);
  assert_int_equal(ecs_component_storage(w, big), ECS_STORAGE_SPARSE);
  ecs_entity_t e[100];
  for (int i = 0; i < 100; ++i) {
    e[i] = ecs_entity_create(w);
  }
  for (int i = 0; i < 100; i += 3) {
    Big v = {.id = i};
    assert_int_equal(ecs_set(w, e[i], big, &v), ECS_OK);
  }
  assert_int_equal(ecs_component_count(w, big), 34);
  for (int i = 0; i < 100; ++i) {
    const Big *v = ecs_get(w, e[i], big);
    if (i % 3 == 0) {
      assert_non_null(v);
      assert_int_equal(v->id, i);
    } else {
      assert_null(v);
    }
  }
  /* a stale handle with the same index is not found */
  assert_int_equal(ecs_entity_destroy(w, e[3]), ECS_OK);
  ecs_entity_t reused = ecs_entity_create(w);
  assert_int_equal(ECS_ENTITY_INDEX(reused), ECS_ENTITY_INDEX(e[3]));
  assert_false(ecs_has(w, reused, big));
  assert_int_equal(ecs_component_count(w, big), 33);
  assert_int_equal(ecs_remove(w, e[0], big), ECS_OK);
  assert_int_equal(ecs_component_count(w, big), 32);
  /* memory is proportional to holders */
  size_t mem = ecs_component_memory(w, big);
  assert_true(mem >= 32 * sizeof(Big));
  assert_true(mem < 100 * sizeof(Big));
  ecs_world_free(w);
}

static void test_sparse_query_in_insertion_order(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t rare = reg(w, "Rare", sizeof(int32_t), 0, ECS_STORAGE_SPARSE);
  ecs_component_t dense = reg(w, "Dense", sizeof(int32_t), 0, ECS_STORAGE_DENSE);
  ecs_entity_t e[50];
  for (int i = 0; i < 50; ++i) {
    e[i] = ecs_entity_create(w);
    int32_t v = i;
    ecs_set(w, e[i], dense, &v);
  }
  int order[] = {40, 2, 17, 33, 8};
  for (int i = 0; i < 5; ++i) {
    int32_t v = order[i] * 10;
    ecs_set(w, e[order[i]], rare, &v);
  }
  ecs_query_t *q = ecs_query_new(w, &(ecs_query_desc_t){.terms = {{dense, ECS_ACCESS_READ}, {rare, ECS_ACCESS_WRITE}}});
  ecs_iter_t it = ecs_query_iter(q);
  int seen = 0;
  while (ecs_iter_next(&it)) {
    for (int32_t i = 0; i < it.count; ++i) {
      assert_true(seen < 5);
      assert_int_equal(it.entities[i], e[order[seen]]); /* driven by the smaller, sparse term */
      assert_int_equal(*(int32_t *)ecs_field_at(&it, 0, i), order[seen]);
      assert_int_equal(*(int32_t *)ecs_field_at(&it, 1, i), order[seen] * 10);
      ++seen;
    }
  }
  assert_int_equal(seen, 5);
  ecs_world_free(w);
}

/* Values survive every move between kinds, the queries follow, no ctor or
 * dtor runs during the move, and dtors run once at the end. */
static void test_set_storage_keeps_values(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  int32_t live = 0;
  ecs_component_t c = ecs_component_register(
      w, &(ecs_component_desc_t){
             .name = "Counted", .size = sizeof(Counted), .hooks = {.move = counted_move, .dtor = counted_dtor}});
  ecs_query_t *q = ecs_query_new(w, &(ecs_query_desc_t){.terms = {{c, ECS_ACCESS_READ}}});
  enum { N = 2000 };
  ecs_entity_t *e = calloc(N, sizeof *e);
  for (int i = 0; i < N; ++i) {
    e[i] = ecs_entity_create(w);
    if (i % 2 == 0) {
      ecs_set(w, e[i], c, &(Counted){&live, i});
      ++live;
    }
  }
  const ecs_storage_kind_t path[] = {ECS_STORAGE_SPARSE, ECS_STORAGE_SPARSE, ECS_STORAGE_DENSE, ECS_STORAGE_SPARSE,
                                     ECS_STORAGE_DENSE};
  for (size_t k = 0; k < sizeof path / sizeof path[0]; ++k) {
    assert_int_equal(ecs_component_set_storage(w, c, path[k]), ECS_OK);
    assert_int_equal(ecs_component_storage(w, c), path[k]);
    assert_int_equal(live, N / 2);
    assert_int_equal(ecs_query_count(q), N / 2);
    for (int i = 0; i < N; ++i) {
      const Counted *v = ecs_get(w, e[i], c);
      if (i % 2 == 0) {
        assert_non_null(v);
        assert_int_equal(v->value, i);
      } else {
        assert_null(v);
      }
    }
  }
  free(e);
  ecs_world_free(w);
  assert_int_equal(live, 0);
}

static void test_set_storage_errors(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t c = reg(w, "A", 4, 0, ECS_STORAGE_DENSE);
  assert_int_equal(ecs_component_set_storage(NULL, c, ECS_STORAGE_SPARSE), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_component_set_storage(w, 999, ECS_STORAGE_SPARSE), ECS_ERR_UNKNOWN_COMPONENT);
  assert_int_equal(ecs_component_set_storage(w, c, (ecs_storage_kind_t)99), ECS_ERR_UNSUPPORTED);
  assert_int_equal(ecs_component_storage(w, c), ECS_STORAGE_DENSE);
  assert_int_equal(ecs_component_set_storage(w, c, ECS_STORAGE_DENSE), ECS_OK);
  ecs_world_free(w);
}

static void test_set_storage_out_of_memory_changes_nothing(void **state) {
  (void)state;
  int failures = 0;
  int successes = 0;
  for (size_t budget = 1; budget < 40; ++budget) {
    failing_t f = {0, SIZE_MAX};
    ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.allocator = {f_alloc, f_realloc, f_free, &f}});
    assert_non_null(w);
    ecs_component_t c = reg(w, "A", sizeof(int32_t), 0, ECS_STORAGE_DENSE);
    ecs_entity_t e[20];
    for (int32_t i = 0; i < 20; ++i) {
      e[i] = ecs_entity_create(w);
      ecs_set(w, e[i], c, &i);
    }
    f.fail_at = f.calls + budget;
    ecs_status_t st = ecs_component_set_storage(w, c, ECS_STORAGE_SPARSE);
    f.fail_at = SIZE_MAX;
    failures += st != ECS_OK;
    successes += st == ECS_OK;
    if (st != ECS_OK) {
      assert_int_equal(st, ECS_ERR_NO_MEMORY);
      assert_int_equal(ecs_component_storage(w, c), ECS_STORAGE_DENSE);
    }
    for (int32_t i = 0; i < 20; ++i) {
      const int32_t *v = ecs_get(w, e[i], c);
      assert_non_null(v);
      assert_int_equal(*v, i);
    }
    ecs_world_free(w);
  }
  assert_true(failures > 0); /* the sweep did reach the failure paths */
  assert_true(successes > 0);
}

/* Regression: components registered before a host storage kind kept a
 * pointer into the kinds table, which registering the kind reallocated. */
static void test_register_kind_after_components(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t a = reg(w, "A", sizeof(int32_t), 0, ECS_STORAGE_DENSE);
  ecs_component_t b = reg(w, "B", sizeof(int32_t), 0, ECS_STORAGE_SPARSE);
  for (int k = 0; k < 8; ++k) {
    ecs_storage_kind_t kind;
    assert_int_equal(ecs_storage_register(w, ecs_storage_dense_vtable(), &kind), ECS_OK);
    assert_true(kind >= ECS_STORAGE_CUSTOM_BASE);
  }
  ecs_entity_t e = ecs_entity_create(w);
  int32_t v = 7;
  assert_int_equal(ecs_set(w, e, a, &v), ECS_OK);
  assert_int_equal(ecs_set(w, e, b, &v), ECS_OK);
  assert_int_equal(*(int32_t *)ecs_get(w, e, a), 7);
  assert_int_equal(*(int32_t *)ecs_get(w, e, b), 7);
  assert_int_equal(ecs_component_set_storage(w, a, ECS_STORAGE_SPARSE), ECS_OK);
  assert_int_equal(ecs_storage_register(w, ecs_storage_sparse_vtable(), &(ecs_storage_kind_t){0}), ECS_OK);
  assert_int_equal(*(int32_t *)ecs_get(w, e, a), 7);
  ecs_world_free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sparse_basic_ops),
      cmocka_unit_test(test_sparse_query_in_insertion_order),
      cmocka_unit_test(test_set_storage_keeps_values),
      cmocka_unit_test(test_set_storage_errors),
      cmocka_unit_test(test_set_storage_out_of_memory_changes_nothing),
      cmocka_unit_test(test_register_kind_after_components),
  };
  return cmocka_run_group_tests_name("sparse", tests, NULL, NULL);
}
