/* Entity handles: creation, generations, LIFO slot reuse, staleness, slot
 * retirement at the generation limit, and the handle macros. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "ecs.h"
#include "private.h" /* to age a slot's generation */
#include "support/failing_alloc.h"

/* The last generation a slot reaches before it is retired (higher bits mark
 * provisional handles of command buffers). */
#define TEST_GENERATION_MAX ECS__GENERATION_MAX

static void test_create_distinct_handles(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  assert_non_null(w);
  enum { N = 500 };
  ecs_entity_t ents[N];
  for (uint32_t i = 0; i < N; ++i) {
    ents[i] = ecs_entity_create(w);
    assert_int_not_equal(ents[i], ECS_ENTITY_NULL);
    assert_true(ecs_entity_alive(w, ents[i]));
    /* fresh slots are handed out in order, starting at index 1 */
    assert_int_equal(ECS_ENTITY_INDEX(ents[i]), i + 1);
    assert_int_equal(ECS_ENTITY_GENERATION(ents[i]), 0);
    assert_int_equal(ecs_last_status(w), ECS_OK);
  }
  for (uint32_t i = 0; i < N; ++i) {
    for (uint32_t j = 0; j < i; ++j) {
      assert_int_not_equal(ents[i], ents[j]);
    }
  }
  assert_int_equal(ecs_entity_count(w), N);
  ecs_world_free(w);
}

static void test_destroy_bumps_generation_lifo(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_entity_t a = ecs_entity_create(w);
  ecs_entity_t b = ecs_entity_create(w);
  ecs_entity_t c = ecs_entity_create(w);
  assert_int_equal(ecs_entity_destroy(w, a), ECS_OK);
  assert_int_equal(ecs_entity_destroy(w, c), ECS_OK);
  assert_false(ecs_entity_alive(w, a));
  assert_false(ecs_entity_alive(w, c));
  assert_true(ecs_entity_alive(w, b));

  /* last destroyed first, generation + 1 */
  ecs_entity_t c2 = ecs_entity_create(w);
  assert_int_equal(ECS_ENTITY_INDEX(c2), ECS_ENTITY_INDEX(c));
  assert_int_equal(ECS_ENTITY_GENERATION(c2), ECS_ENTITY_GENERATION(c) + 1);
  ecs_entity_t a2 = ecs_entity_create(w);
  assert_int_equal(ECS_ENTITY_INDEX(a2), ECS_ENTITY_INDEX(a));
  assert_int_equal(ECS_ENTITY_GENERATION(a2), ECS_ENTITY_GENERATION(a) + 1);
  /* free list empty again: a fresh slot */
  ecs_entity_t d = ecs_entity_create(w);
  assert_int_equal(ECS_ENTITY_INDEX(d), 4);
  assert_int_equal(ECS_ENTITY_GENERATION(d), 0);

  /* the new handles are live, the old ones stay stale */
  assert_true(ecs_entity_alive(w, c2) && ecs_entity_alive(w, a2));
  assert_false(ecs_entity_alive(w, c) || ecs_entity_alive(w, a));
  ecs_world_free(w);
}

static void test_stale_handle(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_entity_t e = ecs_entity_create(w);
  assert_int_equal(ecs_entity_destroy(w, e), ECS_OK);
  assert_string_equal(ecs_last_error(w), "");
  assert_false(ecs_entity_alive(w, e));
  assert_int_equal(ecs_entity_destroy(w, e), ECS_ERR_STALE_ENTITY);
  assert_int_equal(ecs_last_status(w), ECS_ERR_STALE_ENTITY);
  assert_non_null(strstr(ecs_last_error(w), "stale"));
  /* the slot is reused; the old handle must not reach the new entity */
  ecs_entity_t e2 = ecs_entity_create(w);
  assert_int_equal(ECS_ENTITY_INDEX(e2), ECS_ENTITY_INDEX(e));
  assert_false(ecs_entity_alive(w, e));
  assert_int_equal(ecs_entity_destroy(w, e), ECS_ERR_STALE_ENTITY);
  assert_true(ecs_entity_alive(w, e2));
  assert_int_equal(ecs_entity_count(w), 1);
  ecs_world_free(w);
}

static void test_null_and_never_created_are_stale(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_entity_t live = ecs_entity_create(w); /* index 1, generation 0 */
  const ecs_entity_t handles[] = {
      ECS_ENTITY_NULL,
      ECS_ENTITY_MAKE(0, 1),          /* slot 0 is reserved, whatever the generation */
      ECS_ENTITY_MAKE(2, 0),          /* next slot, not created yet */
      ECS_ENTITY_MAKE(1000, 0),       /* beyond the registry */
      ECS_ENTITY_MAKE(UINT32_MAX, 0), /* largest index */
      ECS_ENTITY_MAKE(1, 1),          /* live slot, future generation */
      ECS_ENTITY_MAKE(1, 0x80000000u),
      ECS_ENTITY_MAKE(1, UINT32_MAX),
  };
  for (size_t i = 0; i < sizeof handles / sizeof handles[0]; ++i) {
    if (ecs_entity_alive(w, handles[i])) {
      fail_msg("handle #%zu (%u v%u) reported alive", i, ECS_ENTITY_INDEX(handles[i]),
               ECS_ENTITY_GENERATION(handles[i]));
    }
    assert_int_equal(ecs_entity_destroy(w, handles[i]), ECS_ERR_STALE_ENTITY);
    assert_int_equal(ecs_last_status(w), ECS_ERR_STALE_ENTITY);
    assert_true(strlen(ecs_last_error(w)) > 0);
  }
  assert_true(ecs_entity_alive(w, live));
  assert_int_equal(ecs_entity_count(w), 1);
  ecs_world_free(w);
}

static void test_count_tracks(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_entity_t ents[10];
  for (size_t i = 0; i < 10; ++i) {
    ents[i] = ecs_entity_create(w);
    assert_int_equal(ecs_entity_count(w), i + 1);
  }
  for (size_t i = 0; i < 10; i += 3) {
    assert_int_equal(ecs_entity_destroy(w, ents[i]), ECS_OK);
  }
  assert_int_equal(ecs_entity_count(w), 6);
  assert_int_equal(ecs_entity_destroy(w, ents[0]), ECS_ERR_STALE_ENTITY);
  assert_int_equal(ecs_entity_count(w), 6);
  ecs_entity_create(w);
  assert_int_equal(ecs_entity_count(w), 7);
  assert_int_equal(ecs_entity_count(NULL), 0);
  ecs_world_free(w);
}

/* A destroyed entity's components do not follow its slot to the next
 * entity that reuses it. */
static void test_reused_slot_starts_empty(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t c = ecs_component_register_type(w, "value", sizeof(int), 0);
  ecs_component_t t = ecs_component_register_type(w, "tag", 0, 0);
  ecs_entity_t e = ecs_entity_create(w);
  int v = 7;
  assert_int_equal(ecs_set(w, e, c, &v), ECS_OK);
  assert_int_equal(ecs_add(w, e, t), ECS_OK);
  assert_int_equal(ecs_entity_destroy(w, e), ECS_OK);
  assert_int_equal(ecs_component_count(w, c), 0);
  assert_int_equal(ecs_component_count(w, t), 0);
  ecs_entity_t e2 = ecs_entity_create(w);
  assert_int_equal(ECS_ENTITY_INDEX(e2), ECS_ENTITY_INDEX(e));
  assert_false(ecs_has(w, e2, c));
  assert_false(ecs_has(w, e2, t));
  assert_null(ecs_get(w, e2, c));
  assert_null(ecs_get(w, e, c));
  assert_int_equal(ecs_last_status(w), ECS_ERR_STALE_ENTITY);
  ecs_world_free(w);
}

static void test_million_cycles_single_slot(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  const uint32_t cycles = 1000000;
  for (uint32_t i = 0; i < cycles; ++i) {
    ecs_entity_t e = ecs_entity_create(w);
    if (ECS_ENTITY_INDEX(e) != 1 || ECS_ENTITY_GENERATION(e) != i) {
      fail_msg("cycle %u: got %u v%u", i, ECS_ENTITY_INDEX(e), ECS_ENTITY_GENERATION(e));
    }
    if (ecs_entity_destroy(w, e) != ECS_OK) {
      fail_msg("cycle %u: destroy failed: %s", i, ecs_last_error(w));
    }
  }
  assert_int_equal(ecs_entity_count(w), 0);
  ecs_entity_t e = ecs_entity_create(w);
  assert_int_equal(ECS_ENTITY_INDEX(e), 1);
  assert_int_equal(ECS_ENTITY_GENERATION(e), cycles);
  assert_int_equal(ecs_entity_count(w), 1);
  assert_int_equal(w->record_count, 2); /* slot 0 + the one slot: no growth */
  ecs_world_free(w);
}

static void test_batch_cycles(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  enum { BATCH = 1000, ROUNDS = 1000 };
  static ecs_entity_t ents[BATCH];
  for (uint32_t round = 0; round < ROUNDS; ++round) {
    for (uint32_t i = 0; i < BATCH; ++i) {
      ents[i] = ecs_entity_create(w);
      if (ents[i] == ECS_ENTITY_NULL || ECS_ENTITY_GENERATION(ents[i]) != round) {
        fail_msg("round %u entity %u: got %u v%u", round, i, ECS_ENTITY_INDEX(ents[i]), ECS_ENTITY_GENERATION(ents[i]));
      }
    }
    assert_int_equal(ecs_entity_count(w), BATCH);
    /* alternate the destroy order so the free list is walked both ways */
    for (uint32_t i = 0; i < BATCH; ++i) {
      uint32_t k = round % 2 ? BATCH - 1 - i : i;
      if (ecs_entity_destroy(w, ents[k]) != ECS_OK) {
        fail_msg("round %u: destroy %u failed", round, k);
      }
    }
    assert_int_equal(ecs_entity_count(w), 0);
  }
  assert_int_equal(w->record_count, BATCH + 1);
  for (uint32_t idx = 1; idx <= BATCH; ++idx) {
    assert_int_equal(w->records[idx].generation, ROUNDS);
  }
  ecs_world_free(w);
}

/* Ages a live entity to generation `gen`, destroys it and expects its slot
 * to be retired: never handed out again, the old handle stale for good. */
static void check_retired_at(uint32_t gen) {
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_entity_t other = ecs_entity_create(w);
  ecs_entity_t e = ecs_entity_create(w);
  uint32_t idx = ECS_ENTITY_INDEX(e);
  w->records[idx].generation = gen;
  ecs_entity_t aged = ECS_ENTITY_MAKE(idx, gen);
  assert_false(ecs_entity_alive(w, e));
  assert_true(ecs_entity_alive(w, aged));
  assert_int_equal(ecs_entity_destroy(w, aged), ECS_OK);
  assert_false(ecs_entity_alive(w, aged));
  assert_int_equal(ecs_entity_count(w), 1);
  ecs_entity_t fresh[100];
  for (int round = 0; round < 2; ++round) { /* second round runs on the free list */
    for (int i = 0; i < 100; ++i) {
      fresh[i] = ecs_entity_create(w);
      if (ECS_ENTITY_INDEX(fresh[i]) == idx) {
        fail_msg("generation %u: retired slot %u reused (v%u)", gen, idx, ECS_ENTITY_GENERATION(fresh[i]));
      }
    }
    for (int i = 0; i < 100; ++i) {
      assert_int_equal(ecs_entity_destroy(w, fresh[i]), ECS_OK);
    }
  }
  assert_false(ecs_entity_alive(w, aged));
  assert_false(ecs_entity_alive(w, ECS_ENTITY_MAKE(idx, 0)));
  assert_int_equal(ecs_entity_destroy(w, aged), ECS_ERR_STALE_ENTITY);
  assert_true(ecs_entity_alive(w, other));
  ecs_world_free(w);
}

static void test_generation_wrap_retires_slot(void **state) {
  (void)state;
  check_retired_at(TEST_GENERATION_MAX);
}

static void test_generation_last_reuse(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_entity_t e = ecs_entity_create(w);
  uint32_t idx = ECS_ENTITY_INDEX(e);
  w->records[idx].generation = TEST_GENERATION_MAX - 2;
  assert_int_equal(ecs_entity_destroy(w, ECS_ENTITY_MAKE(idx, TEST_GENERATION_MAX - 2)), ECS_OK);
  /* one reuse left, at 2^31-2: the last generation a live entity has */
  ecs_entity_t last = ecs_entity_create(w);
  assert_int_equal(ECS_ENTITY_INDEX(last), idx);
  assert_int_equal(ECS_ENTITY_GENERATION(last), TEST_GENERATION_MAX - 1);
  /* destroyed there, the slot reaches 2^31-1 and is retired for good */
  assert_int_equal(ecs_entity_destroy(w, last), ECS_OK);
  assert_int_equal(w->records[idx].generation, TEST_GENERATION_MAX);
  for (int i = 0; i < 3; ++i) {
    ecs_entity_t next = ecs_entity_create(w);
    assert_int_not_equal(ECS_ENTITY_INDEX(next), idx);
    assert_int_equal(ecs_entity_destroy(w, next), ECS_OK);
  }
  assert_false(ecs_entity_alive(w, last));
  assert_false(ecs_entity_alive(w, ECS_ENTITY_MAKE(idx, TEST_GENERATION_MAX)));
  ecs_world_free(w);
}

static void test_handle_macros(void **state) {
  (void)state;
  const struct {
    uint32_t index, gen;
  } cases[] = {
      {0, 0},
      {1, 0},
      {0, 1},
      {1, 1},
      {12345, 678},
      {UINT32_MAX, 0},
      {0, UINT32_MAX},
      {UINT32_MAX, UINT32_MAX},
      {0x80000000u, 0x7fffffffu},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    ecs_entity_t e = ECS_ENTITY_MAKE(cases[i].index, cases[i].gen);
    assert_int_equal(ECS_ENTITY_INDEX(e), cases[i].index);
    assert_int_equal(ECS_ENTITY_GENERATION(e), cases[i].gen);
    assert_int_equal(e, ((uint64_t)cases[i].gen << 32) | cases[i].index);
    assert_int_equal(ECS_ENTITY_MAKE(ECS_ENTITY_INDEX(e), ECS_ENTITY_GENERATION(e)), e);
  }
  assert_int_equal(ECS_ENTITY_MAKE(0, 0), ECS_ENTITY_NULL);
  /* any 64-bit value splits into its two halves */
  assert_int_equal(ECS_ENTITY_INDEX(UINT64_MAX), UINT32_MAX);
  assert_int_equal(ECS_ENTITY_GENERATION(UINT64_MAX), UINT32_MAX);
}

static void test_initial_entities_hint(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.initial_entities = 5000});
  assert_non_null(w);
  assert_true(w->record_cap >= 5000);
  const ecs__entity_record_t *records = w->records;
  for (int i = 0; i < 4999; ++i) {
    assert_int_not_equal(ecs_entity_create(w), ECS_ENTITY_NULL);
  }
  assert_ptr_equal(w->records, records); /* no regrowth within the hint */
  ecs_world_free(w);
}

/* create_n gives the handles a loop would, and is all or nothing. */
static void test_create_n(void **state) {
  (void)state;
  ecs_world_t *a = ecs_world_new(NULL);
  ecs_world_t *b = ecs_world_new(NULL);
  ecs_entity_t x[2000], y[2000];
  for (int i = 0; i < 300; ++i) { /* some slots to reuse first */
    ecs_entity_destroy(a, ecs_entity_create(a));
    ecs_entity_destroy(b, ecs_entity_create(b));
  }
  assert_int_equal(ecs_entity_create_n(a, 2000, x), ECS_OK);
  for (int i = 0; i < 2000; ++i) {
    y[i] = ecs_entity_create(b);
  }
  assert_memory_equal(x, y, sizeof x);
  assert_int_equal(ecs_entity_count(a), 2000);
  assert_int_equal(ecs_entity_create_n(a, 0, NULL), ECS_OK);
  assert_int_equal(ecs_entity_create_n(a, 1, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_entity_create_n(NULL, 1, x), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_entity_count(a), 2000);
  ecs_world_free(a);
  ecs_world_free(b);
}

static void test_create_n_out_of_memory(void **state) {
  (void)state;
  failing_t f = {0, SIZE_MAX};
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.allocator = failing_allocator(&f)});
  ecs_entity_t e[5000];
  f.fail_at = f.calls + 1; /* the registry cannot grow */
  assert_int_equal(ecs_entity_create_n(w, 5000, e), ECS_ERR_NO_MEMORY);
  assert_int_equal(ecs_entity_count(w), 0); /* nothing half-done */
  f.fail_at = SIZE_MAX;
  assert_int_equal(ecs_entity_create_n(w, 5000, e), ECS_OK);
  assert_int_equal(ecs_entity_count(w), 5000);
  ecs_world_free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_create_n),
      cmocka_unit_test(test_create_n_out_of_memory),
      cmocka_unit_test(test_create_distinct_handles),
      cmocka_unit_test(test_destroy_bumps_generation_lifo),
      cmocka_unit_test(test_stale_handle),
      cmocka_unit_test(test_null_and_never_created_are_stale),
      cmocka_unit_test(test_count_tracks),
      cmocka_unit_test(test_reused_slot_starts_empty),
      cmocka_unit_test(test_million_cycles_single_slot),
      cmocka_unit_test(test_batch_cycles),
      cmocka_unit_test(test_generation_wrap_retires_slot),
      cmocka_unit_test(test_generation_last_reuse),
      cmocka_unit_test(test_handle_macros),
      cmocka_unit_test(test_initial_entities_hint),
  };
  return cmocka_run_group_tests_name("entity", tests, NULL, NULL);
}
