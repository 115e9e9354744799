/* Command buffers: provisional handles, recorded order, value lifetimes,
 * recording errors, memory reuse, large and over-aligned values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ecs.h"
#include "private.h"
#include "support/counting_alloc.h"
#include "support/owned.h"

typedef struct pos_t {
  float x, y;
} pos_t;

static ecs_component_t register_pos(ecs_world_t *w) {
  ecs_component_t c = ECS_COMPONENT(w, pos_t);
  assert_int_not_equal(c, ECS_COMPONENT_NULL);
  return c;
}

static ecs_component_t register_owned(ecs_world_t *w, hook_log_t *log) {
  ecs_component_desc_t d = {
      .name = "owned_t", .size = sizeof(owned_t), .hooks = {owned_ctor, owned_dtor, owned_move, owned_copy, log}};
  ecs_component_t c = ecs_component_register(w, &d);
  assert_int_not_equal(c, ECS_COMPONENT_NULL);
  return c;
}

static ecs_component_t register_tag(ecs_world_t *w) {
  ecs_component_t c = ecs_component_register(w, &(ecs_component_desc_t){.name = "tag"});
  assert_int_not_equal(c, ECS_COMPONENT_NULL);
  return c;
}

static void apply_ok(ecs_cmd_buffer_t *buf, ecs_cmd_stats_t *stats) {
  assert_int_equal(ecs_cmd_buffer_apply(buf, stats), ECS_OK);
  assert_int_equal(ecs_cmd_buffer_count(buf), 0);
}

static void test_create_gives_provisional_handles(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_component_t pos = register_pos(w);
  ecs_cmd_buffer_t *buf = ecs_cmd_buffer_new(w);
  assert_non_null(buf);
  ecs_entity_t p[3];
  for (int i = 0; i < 3; ++i) {
    p[i] = ecs_cmd_create(buf);
    assert_true(ECS_ENTITY_IS_PROVISIONAL(p[i]));
    assert_false(ecs_entity_alive(w, p[i]));
    pos_t v = {(float)i, 0};
    assert_int_equal(ecs_cmd_set(buf, p[i], pos, &v), ECS_OK);
    v = (pos_t){99, 99}; /* the value was copied at record time */
  }
  assert_int_equal(ecs_entity_count(w), 0); /* nothing happens before apply */
  ecs_cmd_stats_t stats;
  apply_ok(buf, &stats);
  assert_int_equal(stats.applied, 6);
  assert_int_equal(ecs_entity_count(w), 3);
  for (int i = 0; i < 3; ++i) {
    ecs_entity_t real = ecs_cmd_buffer_resolve(buf, p[i]);
    assert_false(ECS_ENTITY_IS_PROVISIONAL(real));
    assert_true(ecs_entity_alive(w, real));
    assert_int_equal(ECS_ENTITY_INDEX(real), i + 1); /* created in recorded order */
    const pos_t *v = ecs_get(w, real, pos);
    assert_non_null(v);
    assert_true(v->x == (float)i && v->y == 0);
    assert_int_equal(ecs_cmd_buffer_resolve(buf, real), real); /* a real handle comes back as is */
  }
  ecs_cmd_buffer_free(buf);
  ecs_world_free(w);
}

static void test_ids_allocated_in_apply_order(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_cmd_buffer_t *a = ecs_cmd_buffer_new(w);
  ecs_cmd_buffer_t *b = ecs_cmd_buffer_new(w);
  ecs_entity_t pa[2] = {ecs_cmd_create(a), ecs_cmd_create(a)};
  ecs_entity_t pb[2] = {ecs_cmd_create(b), ecs_cmd_create(b)};
  assert_int_not_equal(pa[0], pb[0]);                                  /* same ordinal, different buffers */
  assert_int_equal(ecs_cmd_buffer_resolve(a, pa[0]), ECS_ENTITY_NULL); /* not applied yet */
  apply_ok(b, NULL);
  apply_ok(a, NULL);
  assert_int_equal(ECS_ENTITY_INDEX(ecs_cmd_buffer_resolve(b, pb[0])), 1);
  assert_int_equal(ECS_ENTITY_INDEX(ecs_cmd_buffer_resolve(b, pb[1])), 2);
  assert_int_equal(ECS_ENTITY_INDEX(ecs_cmd_buffer_resolve(a, pa[0])), 3);
  assert_int_equal(ECS_ENTITY_INDEX(ecs_cmd_buffer_resolve(a, pa[1])), 4);
  /* a buffer does not resolve another buffer's handles */
  assert_int_equal(ecs_cmd_buffer_resolve(a, pb[0]), ECS_ENTITY_NULL);
  /* resolve answers for the last apply only */
  ecs_entity_t again = ecs_cmd_create(a);
  apply_ok(a, NULL);
  assert_int_equal(ECS_ENTITY_INDEX(ecs_cmd_buffer_resolve(a, again)), 5);
  assert_int_equal(ecs_cmd_buffer_resolve(a, pa[0]), ECS_ENTITY_NULL);
  ecs_cmd_buffer_free(a);
  ecs_cmd_buffer_free(b);
  ecs_world_free(w);
}

static void test_resolve_null_buffer_is_unknown(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_cmd_buffer_t *buf = ecs_cmd_buffer_new(w);
  ecs_entity_t p = ecs_cmd_create(buf);
  assert_int_equal(ecs_cmd_buffer_resolve(NULL, p), ECS_ENTITY_NULL);
  ecs_cmd_buffer_free(buf);
  ecs_world_free(w);
}

typedef enum op_t { OP_END, OP_ADD, OP_SET, OP_REMOVE } op_t;

static void test_commands_apply_in_recorded_order(void **state) {
  (void)state;
  static const struct {
    const char *name;
    bool had; /* entity has pos {7,7} before */
    struct {
      op_t op;
      float x;
    } ops[4];
    bool present;
    float x;
  } cases[] = {
      {"set, remove", false, {{OP_SET, 1}, {OP_REMOVE, 0}}, false, 0},
      {"remove, set", true, {{OP_REMOVE, 0}, {OP_SET, 2}}, true, 2},
      {"add, set", false, {{OP_ADD, 0}, {OP_SET, 3}}, true, 3},
      {"set, add keeps value", false, {{OP_SET, 4}, {OP_ADD, 0}}, true, 4},
      {"set, set: last wins", true, {{OP_SET, 5}, {OP_SET, 6}}, true, 6},
      {"remove, add: zeroed", true, {{OP_REMOVE, 0}, {OP_ADD, 0}}, true, 0},
      {"set, remove, set", false, {{OP_SET, 1}, {OP_REMOVE, 0}, {OP_SET, 8}}, true, 8},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    print_message("case: %s\n", cases[k].name);
    ecs_world_t *w = world_new();
    ecs_component_t pos = register_pos(w);
    ecs_entity_t e = ecs_entity_create(w);
    if (cases[k].had) {
      assert_int_equal(ecs_set(w, e, pos, &(pos_t){7, 7}), ECS_OK);
    }
    ecs_cmd_buffer_t *buf = ecs_cmd_buffer_new(w);
    size_t n = 0;
    for (; n < 4 && cases[k].ops[n].op != OP_END; ++n) {
      ecs_status_t st = cases[k].ops[n].op == OP_ADD   ? ecs_cmd_add(buf, e, pos)
                        : cases[k].ops[n].op == OP_SET ? ecs_cmd_set(buf, e, pos, &(pos_t){cases[k].ops[n].x, 0})
                                                       : ecs_cmd_remove(buf, e, pos);
      assert_int_equal(st, ECS_OK);
    }
    ecs_cmd_stats_t stats;
    apply_ok(buf, &stats);
    assert_int_equal(stats.applied, n);
    assert_int_equal(ecs_has(w, e, pos), cases[k].present);
    if (cases[k].present) {
      const pos_t *v = ecs_get(w, e, pos);
      assert_non_null(v);
      assert_true(v->x == cases[k].x);
    }
    ecs_cmd_buffer_free(buf);
    ecs_world_free(w);
  }
}

static void test_commands_on_dead_entities_are_skipped(void **state) {
  (void)state;
  hook_log_t log = {0};
  ecs_world_t *w = world_new();
  ecs_component_t pos = register_pos(w);
  ecs_component_t owned = register_owned(w, &log);
  ecs_entity_t e = ecs_entity_create(w);
  ecs_entity_t gone = ecs_entity_create(w);
  int32_t payload = 42;
  const owned_t src = {&payload};
  ecs_cmd_buffer_t *buf = ecs_cmd_buffer_new(w);
  /* destroyed earlier in the same apply */
  assert_int_equal(ecs_cmd_destroy(buf, e), ECS_OK);
  assert_int_equal(ecs_cmd_set(buf, e, owned, &src), ECS_OK);
  assert_int_equal(ecs_cmd_add(buf, e, pos), ECS_OK);
  assert_int_equal(ecs_cmd_remove(buf, e, pos), ECS_OK);
  assert_int_equal(ecs_cmd_destroy(buf, e), ECS_OK);
  /* a provisional entity destroyed before its value is set */
  ecs_entity_t p = ecs_cmd_create(buf);
  assert_int_equal(ecs_cmd_destroy(buf, p), ECS_OK);
  assert_int_equal(ecs_cmd_set(buf, p, owned, &src), ECS_OK);
  /* destroyed by someone else after recording */
  assert_int_equal(ecs_cmd_set(buf, gone, owned, &src), ECS_OK);
  assert_int_equal(ecs_entity_destroy(w, gone), ECS_OK);
  assert_int_equal(log.copy, 3);
  ecs_cmd_stats_t stats;
  apply_ok(buf, &stats);
  assert_int_equal(stats.applied, 3); /* destroy e, create p, destroy p */
  assert_int_equal(stats.skipped, 6);
  assert_int_equal(stats.failed, 0);
  assert_int_equal(stats.first_error, ECS_OK);
  assert_false(ecs_entity_alive(w, e));
  assert_int_equal(ecs_entity_count(w), 0);
  assert_int_equal(log.dtor, 3); /* every skipped copy destructed once */
  assert_int_equal(log.move, 0);
  ecs_cmd_buffer_free(buf);
  ecs_world_free(w);
  assert_int_equal(log.dtor, 3);
  assert_int_equal(log.copy, 3);
}

static void test_value_hooks_copy_move_dtor(void **state) {
  (void)state;
  hook_log_t log = {0};
  ecs_world_t *w = world_new();
  ecs_component_t owned = register_owned(w, &log);
  ecs_entity_t e = ecs_entity_create(w);
  int32_t payload = 7;
  ecs_cmd_buffer_t *buf = ecs_cmd_buffer_new(w);
  assert_int_equal(ecs_cmd_set(buf, e, owned, &(owned_t){&payload}), ECS_OK);
  assert_int_equal(log.copy, 1); /* copied at record */
  apply_ok(buf, NULL);
  assert_int_equal(log.move, 1); /* moved into the world at apply */
  assert_int_equal(log.dtor, 0);
  const owned_t *v = ecs_get(w, e, owned);
  assert_non_null(v);
  assert_ptr_not_equal(v->payload, &payload);
  assert_int_equal(*v->payload, 7);
  payload = 8;
  assert_int_equal(ecs_cmd_set(buf, e, owned, &(owned_t){&payload}), ECS_OK);
  apply_ok(buf, NULL);
  assert_int_equal(log.dtor, 1); /* the overwritten value */
  assert_int_equal(*((const owned_t *)ecs_get(w, e, owned))->payload, 8);
  ecs_entity_t p = ecs_cmd_create(buf);
  assert_int_equal(ecs_cmd_add(buf, p, owned), ECS_OK);
  apply_ok(buf, NULL);
  assert_int_equal(log.ctor, 1);
  assert_int_equal(log.copy, 2);
  ecs_cmd_buffer_free(buf);
  ecs_world_free(w);
  assert_int_equal(log.dtor, 3);
}

typedef enum ent_kind_t {
  ENT_PROV_OTHER_BUFFER,
  ENT_PROV_APPLIED,
  ENT_PROV_CLEARED,
  ENT_PROV_FORGED_INDEX,
  ENT_DESTROYED,
  ENT_NULL,
  ENT_NEVER_CREATED,
  ENT_REAL,
  ENT_PROV,
} ent_kind_t;

static ecs_entity_t make_entity(ecs_world_t *w, ecs_cmd_buffer_t *buf, ecs_cmd_buffer_t *other, ent_kind_t kind) {
  ecs_entity_t e = ECS_ENTITY_NULL;
  switch (kind) {
  case ENT_PROV_OTHER_BUFFER:
    return ecs_cmd_create(other);
  case ENT_PROV_APPLIED:
    e = ecs_cmd_create(buf);
    apply_ok(buf, NULL);
    return e;
  case ENT_PROV_CLEARED:
    e = ecs_cmd_create(buf);
    ecs_cmd_buffer_clear(buf);
    return e;
  case ENT_PROV_FORGED_INDEX:
    e = ecs_cmd_create(buf);
    return ECS_ENTITY_MAKE(ECS_ENTITY_INDEX(e) + 1, ECS_ENTITY_GENERATION(e));
  case ENT_DESTROYED:
    e = ecs_entity_create(w);
    assert_int_equal(ecs_entity_destroy(w, e), ECS_OK);
    return e;
  case ENT_NULL:
    return ECS_ENTITY_NULL;
  case ENT_NEVER_CREATED:
    return ECS_ENTITY_MAKE(4242, 0);
  case ENT_REAL:
    return ecs_entity_create(w);
  case ENT_PROV:
    return ecs_cmd_create(buf);
  }
  return e;
}

typedef enum rec_t { REC_DESTROY, REC_ADD, REC_SET, REC_REMOVE } rec_t;

static ecs_status_t record(ecs_cmd_buffer_t *buf, rec_t op, ecs_entity_t e, ecs_component_t c, const void *v) {
  return op == REC_DESTROY ? ecs_cmd_destroy(buf, e)
         : op == REC_ADD   ? ecs_cmd_add(buf, e, c)
         : op == REC_SET   ? ecs_cmd_set(buf, e, c, v)
                           : ecs_cmd_remove(buf, e, c);
}

static void check_record(rec_t op, ent_kind_t kind, int comp, bool null_value, ecs_status_t expect) {
  ecs_world_t *w = world_new();
  ecs_component_t pos = register_pos(w);
  ecs_component_t tag = register_tag(w);
  ecs_cmd_buffer_t *buf = ecs_cmd_buffer_new(w);
  ecs_cmd_buffer_t *other = ecs_cmd_buffer_new(w);
  ecs_entity_t e = make_entity(w, buf, other, kind);
  ecs_component_t c = comp == 0 ? pos : comp == 1 ? tag : (ecs_component_t)comp;
  size_t before = ecs_cmd_buffer_count(buf);
  assert_int_equal(record(buf, op, e, c, null_value ? NULL : &(pos_t){1, 1}), expect);
  if (expect == ECS_OK) {
    assert_int_equal(ecs_cmd_buffer_count(buf), before + 1);
  } else {
    assert_int_equal(ecs_cmd_buffer_count(buf), before); /* nothing recorded */
    assert_true(strlen(ecs_cmd_buffer_last_error(buf)) > 0);
  }
  ecs_cmd_stats_t stats;
  assert_int_equal(ecs_cmd_buffer_apply(buf, &stats), ECS_OK);
  assert_int_equal(stats.failed, 0);
  ecs_cmd_buffer_free(other);
  ecs_cmd_buffer_free(buf);
  ecs_world_free(w);
}

static void test_record_errors(void **state) {
  (void)state;
  static const ent_kind_t stale[] = {ENT_PROV_OTHER_BUFFER, ENT_PROV_APPLIED, ENT_PROV_CLEARED, ENT_PROV_FORGED_INDEX,
                                     ENT_DESTROYED,         ENT_NULL,         ENT_NEVER_CREATED};
  for (int op = REC_DESTROY; op <= REC_REMOVE; ++op) {
    for (size_t k = 0; k < sizeof stale / sizeof stale[0]; ++k) {
      print_message("op %d, entity kind %d\n", op, (int)stale[k]);
      check_record((rec_t)op, stale[k], 0, false, ECS_ERR_STALE_ENTITY);
    }
    check_record((rec_t)op, ENT_REAL, 0, false, ECS_OK);
    check_record((rec_t)op, ENT_PROV, 0, false, ECS_OK);
  }
  static const struct {
    rec_t op;
    int comp; /* 0 pos, 1 tag, other: raw id */
    bool null_value;
    ecs_status_t expect;
  } cases[] = {
      {REC_ADD, 9999, false, ECS_ERR_UNKNOWN_COMPONENT},    {REC_SET, 9999, false, ECS_ERR_UNKNOWN_COMPONENT},
      {REC_REMOVE, 9999, false, ECS_ERR_UNKNOWN_COMPONENT}, {REC_ADD, 3, false, ECS_ERR_UNKNOWN_COMPONENT},
      {REC_SET, 0, true, ECS_ERR_INVALID_ARGUMENT},         {REC_SET, 1, true, ECS_OK},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    print_message("component case %zu\n", k);
    check_record(cases[k].op, ENT_REAL, cases[k].comp, cases[k].null_value, cases[k].expect);
    check_record(cases[k].op, ENT_PROV, cases[k].comp, cases[k].null_value, cases[k].expect);
  }
}

static void test_null_buffer(void **state) {
  (void)state;
  assert_null(ecs_cmd_buffer_new(NULL));
  assert_int_equal(ecs_cmd_create(NULL), ECS_ENTITY_NULL);
  assert_int_equal(ecs_cmd_destroy(NULL, 1), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_cmd_add(NULL, 1, 1), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_cmd_set(NULL, 1, 1, &(pos_t){0, 0}), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_cmd_remove(NULL, 1, 1), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_cmd_buffer_apply(NULL, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_cmd_buffer_count(NULL), 0);
  assert_int_equal(ecs_cmd_buffer_resolve(NULL, ECS_ENTITY_MAKE(3, 1)), ECS_ENTITY_MAKE(3, 1));
  assert_non_null(ecs_cmd_buffer_last_error(NULL));
  ecs_cmd_buffer_clear(NULL);
  ecs_cmd_buffer_free(NULL);
}

enum { ROUND_N = 1000 };

/* 64 bytes: one round of values fills most of an arena block, so a round
 * that did not reuse the last one's memory would have to allocate. */
typedef struct blob_t {
  float v[16];
} blob_t;

/* One round: SET overwrites values of existing entities; CREATE creates,
 * sets and destroys ROUND_N entities in one apply. */
static void steady_round(ecs_cmd_buffer_t *buf, ecs_component_t blob, const ecs_entity_t *ents, bool create, float x) {
  ecs_entity_t p[ROUND_N];
  for (int i = 0; i < ROUND_N; ++i) {
    p[i] = create ? ecs_cmd_create(buf) : ents[i];
    assert_int_equal(ecs_cmd_set(buf, p[i], blob, &(blob_t){{x, (float)i}}), ECS_OK);
  }
  for (int i = 0; create && i < ROUND_N; ++i) {
    assert_int_equal(ecs_cmd_destroy(buf, p[i]), ECS_OK);
  }
  ecs_cmd_stats_t stats;
  apply_ok(buf, &stats);
  assert_int_equal(stats.applied, create ? 3 * ROUND_N : ROUND_N);
}

static void test_steady_state_allocates_nothing(void **state) {
  (void)state;
  for (int create = 0; create < 2; ++create) {
    print_message("create=%d\n", create);
    counting_t ca = {0};
    ecs_world_desc_t desc = {.allocator = counting_allocator(&ca)};
    ecs_world_t *w = ecs_world_new(&desc);
    assert_non_null(w);
    ecs_component_t blob = ECS_COMPONENT(w, blob_t);
    static ecs_entity_t ents[ROUND_N];
    for (int i = 0; i < ROUND_N; ++i) {
      ents[i] = ecs_entity_create(w);
    }
    ecs_cmd_buffer_t *buf = ecs_cmd_buffer_new(w);
    steady_round(buf, blob, ents, create, 1.0f); /* warm-up */
    size_t allocs = ca.allocs, reallocs = ca.reallocs, frees = ca.frees;
    for (int round = 2; round <= 3; ++round) {
      steady_round(buf, blob, ents, create, (float)round);
    }
    assert_int_equal(ca.allocs - allocs, 0);
    assert_int_equal(ca.reallocs - reallocs, 0);
    assert_int_equal(ca.frees - frees, 0);
    if (!create) {
      const blob_t *v = ecs_get(w, ents[ROUND_N - 1], blob);
      assert_true(v->v[0] == 3.0f && v->v[1] == (float)(ROUND_N - 1));
    }
    assert_int_equal(ecs_entity_count(w), ROUND_N);
    ecs_cmd_buffer_free(buf);
    ecs_world_free(w);
    assert_true(ca.allocs > 0); /* the world did use the allocator */
  }
}

/* clear, then free with commands pending: both destruct the copied values
 * (their payloads would leak under ASan otherwise) and apply nothing. */
static void test_clear_and_free_discard(void **state) {
  (void)state;
  hook_log_t log = {0};
  ecs_world_t *w = world_new();
  ecs_component_t owned = register_owned(w, &log);
  ecs_entity_t e = ecs_entity_create(w);
  int32_t payload = 5;
  ecs_cmd_buffer_t *buf = ecs_cmd_buffer_new(w);
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 100; ++i) {
      assert_int_equal(ecs_cmd_set(buf, i % 2 ? e : ecs_cmd_create(buf), owned, &(owned_t){&payload}), ECS_OK);
    }
    assert_int_equal(ecs_cmd_destroy(buf, e), ECS_OK);
    if (round == 0) {
      ecs_cmd_buffer_clear(buf);
      assert_int_equal(ecs_cmd_buffer_count(buf), 0);
      ecs_cmd_stats_t stats;
      apply_ok(buf, &stats);
      assert_int_equal(stats.applied, 0);
    } else {
      ecs_cmd_buffer_free(buf);
    }
    assert_int_equal(log.copy, 100 * (round + 1));
    assert_int_equal(log.dtor, 100 * (round + 1));
    assert_true(ecs_entity_alive(w, e));
    assert_false(ecs_has(w, e, owned));
    assert_int_equal(ecs_entity_count(w), 1);
  }
  ecs_world_free(w);
  assert_int_equal(log.dtor, 200);
}

typedef struct big_t {
  unsigned char bytes[100 * 1024];
} big_t;

static void fill_big(big_t *b, unsigned seed) {
  for (size_t i = 0; i < sizeof b->bytes; ++i) {
    b->bytes[i] = (unsigned char)((i * 31u + seed * 7u) >> 3);
  }
}

static void test_large_values(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_component_t big = ECS_COMPONENT(w, big_t);
  ecs_component_t pos = register_pos(w);
  big_t *src = malloc(sizeof *src);
  big_t *want = malloc(sizeof *want);
  assert_non_null(src);
  assert_non_null(want);
  ecs_cmd_buffer_t *buf = ecs_cmd_buffer_new(w);
  ecs_entity_t p[4];
  for (unsigned i = 0; i < 4; ++i) {
    p[i] = ecs_cmd_create(buf);
    assert_int_equal(ecs_cmd_set(buf, p[i], pos, &(pos_t){(float)i, 0}), ECS_OK);
    fill_big(src, i + 1);
    assert_int_equal(ecs_cmd_set(buf, p[i], big, src), ECS_OK);
    memset(src, 0xEE, sizeof *src);
  }
  apply_ok(buf, NULL);
  for (unsigned i = 0; i < 4; ++i) {
    ecs_entity_t e = ecs_cmd_buffer_resolve(buf, p[i]);
    fill_big(want, i + 1);
    const big_t *got = ecs_get(w, e, big);
    assert_non_null(got);
    assert_memory_equal(got->bytes, want->bytes, sizeof want->bytes);
    assert_true(((const pos_t *)ecs_get(w, e, pos))->x == (float)i);
  }
  free(src);
  free(want);
  ecs_cmd_buffer_free(buf);
  ecs_world_free(w);
}

typedef struct wide_t {
  double v[4];
} wide_t;

typedef struct align_log_t {
  size_t align, stride;
  int copies, moves, misaligned;
} align_log_t;

/* Copies (or moves) count values, counting any library-owned address off the
 * alignment (a copy's source is the caller's, a move's the library's). */
static void wide_relocate(void *dst, const void *src, int32_t count, align_log_t *log, int *counter, bool own_src) {
  for (int32_t i = 0; i < count; ++i) {
    char *d = (char *)dst + (size_t)i * log->stride;
    const char *s = (const char *)src + (size_t)i * log->stride;
    log->misaligned += (uintptr_t)d % log->align != 0 || (own_src && (uintptr_t)s % log->align != 0);
    memcpy(d, s, sizeof(wide_t));
    (*counter)++;
  }
}

static void wide_copy(void *dst, const void *src, int32_t count, void *user) {
  align_log_t *log = user;
  wide_relocate(dst, src, count, log, &log->copies, false);
}

static void wide_move(void *dst, void *src, int32_t count, void *user) {
  align_log_t *log = user;
  wide_relocate(dst, src, count, log, &log->moves, true);
}

static void test_overaligned_values(void **state) {
  (void)state;
  static const size_t aligns[] = {128, 256, 4096};
  for (size_t k = 0; k < sizeof aligns / sizeof aligns[0]; ++k) {
    print_message("alignment %zu\n", aligns[k]);
    align_log_t log = {.align = aligns[k], .stride = aligns[k]};
    ecs_world_t *w = world_new();
    ecs_component_t pos = register_pos(w);
    ecs_component_desc_t d = {.name = "wide",
                              .size = sizeof(wide_t),
                              .alignment = aligns[k],
                              .hooks = {.move = wide_move, .copy = wide_copy, .user = &log}};
    ecs_component_t wide = ecs_component_register(w, &d);
    assert_int_not_equal(wide, ECS_COMPONENT_NULL);
    ecs_cmd_buffer_t *buf = ecs_cmd_buffer_new(w);
    enum { N = 40 };
    ecs_entity_t p[N];
    for (int i = 0; i < N; ++i) {
      p[i] = ecs_cmd_create(buf);
      /* small values in between shift the arena's fill point */
      assert_int_equal(ecs_cmd_set(buf, p[i], pos, &(pos_t){(float)i, 0}), ECS_OK);
      assert_int_equal(ecs_cmd_set(buf, p[i], wide, &(wide_t){{i, i * 2.0, i * 3.0, -1}}), ECS_OK);
    }
    assert_int_equal(log.copies, N);
    apply_ok(buf, NULL);
    assert_int_equal(log.misaligned, 0);
    assert_true(log.moves >= N);
    for (int i = 0; i < N; ++i) {
      const wide_t *v = ecs_get(w, ecs_cmd_buffer_resolve(buf, p[i]), wide);
      assert_non_null(v);
      assert_int_equal((uintptr_t)v % aligns[k], 0);
      assert_true(v->v[0] == i && v->v[1] == i * 2.0 && v->v[2] == i * 3.0 && v->v[3] == -1);
    }
    ecs_cmd_buffer_free(buf);
    ecs_world_free(w);
  }
}

static void test_tag_set_with_null_value(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_component_t tag = register_tag(w);
  ecs_entity_t e = ecs_entity_create(w);
  ecs_cmd_buffer_t *buf = ecs_cmd_buffer_new(w);
  ecs_entity_t p = ecs_cmd_create(buf);
  assert_int_equal(ecs_cmd_set(buf, e, tag, NULL), ECS_OK);
  assert_int_equal(ecs_cmd_set(buf, p, tag, NULL), ECS_OK);
  ecs_cmd_stats_t stats;
  apply_ok(buf, &stats);
  assert_int_equal(stats.applied, 3);
  ecs_entity_t real = ecs_cmd_buffer_resolve(buf, p);
  assert_true(ecs_has(w, e, tag));
  assert_true(ecs_has(w, real, tag));
  assert_null(ecs_get(w, e, tag));
  assert_int_equal(ecs_component_count(w, tag), 2);
  assert_int_equal(ecs_cmd_remove(buf, e, tag), ECS_OK);
  apply_ok(buf, NULL);
  assert_false(ecs_has(w, e, tag));
  assert_true(ecs_has(w, real, tag));
  ecs_cmd_buffer_free(buf);
  ecs_world_free(w);
}

/* Setting a tag through a command means what ecs_set(w, e, tag, NULL)
 * means: ON_ADD (when new), ON_SET and a recorded write, whether or not
 * the entity had the tag. */
typedef struct tag_events_t {
  int add, set;
} tag_events_t;

static void on_tag_add(ecs_observer_ctx_t *ctx) {
  ((tag_events_t *)ctx->user)->add++;
}

static void on_tag_set(ecs_observer_ctx_t *ctx) {
  ((tag_events_t *)ctx->user)->set++;
}

static void test_tag_set_command_matches_direct(void **state) {
  (void)state;
  tag_events_t got[2][2]; /* [through a command][had the tag] */
  int changed[2][2];
  for (int cmd = 0; cmd < 2; ++cmd) {
    for (int had = 0; had < 2; ++had) {
      ecs_world_t *w = world_new();
      ecs_component_t tag = register_tag(w);
      ecs_entity_t e = ecs_entity_create(w);
      if (had) {
        assert_int_equal(ecs_add(w, e, tag), ECS_OK);
      }
      tag_events_t ev = {0};
      assert_int_equal(
          ecs_observer_register(
              w, &(ecs_observer_desc_t){.component = tag, .event = ECS_ON_ADD, .callback = on_tag_add, .user = &ev}),
          ECS_OK);
      assert_int_equal(
          ecs_observer_register(
              w, &(ecs_observer_desc_t){.component = tag, .event = ECS_ON_SET, .callback = on_tag_set, .user = &ev}),
          ECS_OK);
      ecs_query_t *q = ecs_query_new(w, &(ecs_query_desc_t){.terms = {{tag, ECS_CHANGED(ECS_ACCESS_WITH)}}});
      assert_non_null(q);
      (void)ecs_query_count(q); /* consume what came before */
      if (cmd) {
        ecs_cmd_buffer_t *buf = ecs_cmd_buffer_new(w);
        assert_int_equal(ecs_cmd_set(buf, e, tag, NULL), ECS_OK);
        apply_ok(buf, NULL);
        ecs_cmd_buffer_free(buf);
      } else {
        assert_int_equal(ecs_set(w, e, tag, NULL), ECS_OK);
      }
      got[cmd][had] = ev;
      changed[cmd][had] = (int)ecs_query_count(q);
      assert_true(ecs_has(w, e, tag));
      ecs_world_free(w);
    }
  }
  for (int had = 0; had < 2; ++had) {
    if (got[1][had].add != got[0][had].add || got[1][had].set != got[0][had].set ||
        changed[1][had] != changed[0][had]) {
      fail_msg("had the tag %d: command ON_ADD %d ON_SET %d changed %d; direct ON_ADD %d ON_SET %d changed %d", had,
               got[1][had].add, got[1][had].set, changed[1][had], got[0][had].add, got[0][had].set, changed[0][had]);
    }
  }
  assert_int_equal(got[0][0].add, 1);
  assert_int_equal(got[0][0].set, 1);
  assert_int_equal(got[0][1].add, 0);
  assert_int_equal(got[0][1].set, 1);
  assert_int_equal(changed[0][1], 1);
}

/* A provisional handle never aliases one of another buffer or of another
 * round, however many buffers and rounds a world goes through: 32,769
 * buffers (the old 15-bit buffer id wrapped) and 65,537 rounds of one
 * buffer (the old 16-bit round wrapped). */
static void test_provisional_handles_never_alias(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_component_t tag = register_tag(w);
  ecs_cmd_buffer_t *first = ecs_cmd_buffer_new(w);
  ecs_entity_t h = ecs_cmd_create(first);
  assert_true(ECS_ENTITY_IS_PROVISIONAL(h));
  for (int i = 0; i < 32767; ++i) {
    ecs_cmd_buffer_t *b = ecs_cmd_buffer_new(w);
    assert_non_null(b);
    assert_true(ecs_cmd_create(b) != h);
    ecs_cmd_buffer_free(b);
  }
  ecs_cmd_buffer_t *other = ecs_cmd_buffer_new(w);
  ecs_entity_t h2 = ecs_cmd_create(other);
  assert_true(h2 != h);
  assert_int_equal(ecs_cmd_add(other, h, tag), ECS_ERR_STALE_ENTITY);
  ecs_cmd_buffer_free(other);

  /* the same buffer, round after round: a handle of a cleared round stays stale */
  for (int round = 0; round < 65536; ++round) {
    ecs_cmd_buffer_clear(first);
    ecs_entity_t again = ecs_cmd_create(first);
    if (again == h) {
      fail_msg("round %d handed out the handle of round 0 again", round + 1);
    }
  }
  assert_int_equal(ecs_cmd_add(first, h, tag), ECS_ERR_STALE_ENTITY);
  assert_int_equal(ecs_cmd_buffer_count(first), 1);
  apply_ok(first, NULL);
  assert_int_equal(ecs_entity_count(w), 1);
  assert_int_equal(ecs_cmd_buffer_resolve(first, h), ECS_ENTITY_NULL);
  ecs_cmd_buffer_free(first);
  ecs_world_free(w);
}

/* When a world has handed out every provisional stamp, creates fail with
 * ECS_ERR_LIMIT instead of reusing one. */
static void test_provisional_stamps_exhausted(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  atomic_store(&w->next_prov_stamp, ECS__PROV_STAMP_MAX - 1);
  ecs_cmd_buffer_t *b = ecs_cmd_buffer_new(w);
  ecs_entity_t last = ecs_cmd_create(b);
  assert_true(ECS_ENTITY_IS_PROVISIONAL(last));
  assert_true(ecs_cmd_create(b) != ECS_ENTITY_NULL); /* same round, same stamp */
  apply_ok(b, NULL);
  assert_int_equal(ecs_entity_count(w), 2);
  assert_int_equal(ecs_cmd_create(b), ECS_ENTITY_NULL);
  assert_non_null(strstr(ecs_cmd_buffer_last_error(b), "provisional"));
  assert_int_equal(ecs_cmd_buffer_count(b), 0);
  /* existing entities still take commands */
  ecs_cmd_buffer_free(b);
  ecs_world_free(w);
}

/* A create and the adds and sets that follow it for the same entity move
 * its row once at apply: the same world as the direct calls, with fewer
 * relocations (counted through a move hook), constructors and destructors
 * balanced, a component named twice handled as twice. */
typedef struct hooked_t {
  int32_t v[3];
} hooked_t;

typedef struct hook_counts_t {
  int moves, ctors, dtors, copies;
} hook_counts_t;

static void h_move(void *dst, void *src, int32_t n, void *user) {
  memcpy(dst, src, (size_t)n * sizeof(hooked_t));
  ((hook_counts_t *)user)->moves += n;
}

static void h_ctor(void *dst, int32_t n, void *user) {
  memset(dst, 0, (size_t)n * sizeof(hooked_t));
  ((hook_counts_t *)user)->ctors += n;
}

static void h_dtor(void *p, int32_t n, void *user) {
  (void)p;
  ((hook_counts_t *)user)->dtors += n;
}

static void h_copy(void *dst, const void *src, int32_t n, void *user) {
  memcpy(dst, src, (size_t)n * sizeof(hooked_t));
  ((hook_counts_t *)user)->copies += n;
}

static void test_one_move_per_entity(void **state) {
  (void)state;
  hook_counts_t hc[2] = {{0}, {0}};
  uint64_t sums[2];
  for (int cmd = 0; cmd < 2; ++cmd) {
    ecs_world_t *w = world_new();
    ecs_component_t c[3];
    for (int k = 0; k < 3; ++k) {
      char name[8];
      snprintf(name, sizeof name, "h%d", k);
      c[k] = ecs_component_register(
          w, &(ecs_component_desc_t){
                 .name = name,
                 .size = sizeof(hooked_t),
                 .hooks = {.ctor = h_ctor, .dtor = h_dtor, .move = h_move, .copy = h_copy, .user = &hc[cmd]}});
    }
    ecs_component_t dense =
        ecs_component_register(w, &(ecs_component_desc_t){.name = "d", .size = 4, .storage = ECS_STORAGE_DENSE});
    ecs_component_t tag = ecs_component_register_type(w, "tag", 0, 0);
    ecs_query_t *added = ecs_query_new(w, &(ecs_query_desc_t){.terms = {{c[1], ECS_ADDED(ECS_ACCESS_READ)}}});
    (void)ecs_query_count(added);
    ecs_entity_t old = ecs_entity_create(w);
    assert_int_equal(ecs_set(w, old, c[0], &(hooked_t){{9, 9, 9}}), ECS_OK);
    if (cmd) {
      ecs_cmd_buffer_t *buf = ecs_cmd_buffer_new(w);
      for (int i = 0; i < 5; ++i) {
        ecs_entity_t e = ecs_cmd_create(buf);
        ecs_cmd_set(buf, e, c[0], &(hooked_t){{i, 0, 0}});
        ecs_cmd_add(buf, e, tag);
        ecs_cmd_set(buf, e, c[1], &(hooked_t){{i, 1, 0}});
        ecs_cmd_add(buf, e, c[1]); /* already there: nothing */
        ecs_cmd_set(buf, e, c[2], &(hooked_t){{i, 2, 0}});
        ecs_cmd_set(buf, e, c[1], &(hooked_t){{i, 1, 1}}); /* again: replaces */
        if (i % 2) {
          ecs_cmd_set(buf, e, dense, &(int32_t){i}); /* ends the run */
          ecs_cmd_add(buf, e, c[2]);
        }
      }
      ecs_cmd_add(buf, old, c[1]); /* an existing entity: constructed */
      ecs_cmd_stats_t st;
      apply_ok(buf, &st);
      assert_int_equal(st.applied, 5 + 5 * 6 + 2 * 2 + 1);
      ecs_cmd_buffer_free(buf);
    } else {
      for (int i = 0; i < 5; ++i) {
        ecs_entity_t e = ecs_entity_create(w);
        ecs_set(w, e, c[0], &(hooked_t){{i, 0, 0}});
        ecs_add(w, e, tag);
        ecs_set(w, e, c[1], &(hooked_t){{i, 1, 0}});
        ecs_add(w, e, c[1]);
        ecs_set(w, e, c[2], &(hooked_t){{i, 2, 0}});
        ecs_set(w, e, c[1], &(hooked_t){{i, 1, 1}});
        if (i % 2) {
          ecs_set(w, e, dense, &(int32_t){i});
          ecs_add(w, e, c[2]);
        }
      }
      ecs_add(w, old, c[1]);
    }
    assert_int_equal(ecs_query_count(added), 6);
    sums[cmd] = ecs_world_checksum(w);
    ecs_world_free(w);
  }
  assert_int_equal(sums[0], sums[1]);
  /* values were constructed and destructed alike (copies: into the buffer
   * for commands, into storage for direct sets) */
  assert_int_equal(hc[0].ctors, hc[1].ctors);
  assert_int_equal(hc[0].copies, hc[1].copies);
  assert_int_equal(hc[0].dtors, hc[1].dtors);
  /* direct calls copy values in (copy hook): their moves are relocations,
   * 4 per entity (each new component moves those already there) and 1 for
   * the old entity. Commands move each set's value in (4 per entity) and
   * relocate only when a run starts from a table: the old entity's 1. One
   * move per command would relocate as the direct calls do: 20 more. */
  assert_int_equal(hc[0].moves, 5 * 4 + 1);
  if (hc[1].moves != 5 * 4 + 1) {
    fail_msg("commands: %d moves, expected %d (values moved in, one row move per entity)", hc[1].moves, 5 * 4 + 1);
  }
}

/* A bulk creation through a command buffer: provisional handles usable in
 * later commands, the same world as the direct call, copies destructed when
 * discarded or applied, and bad input refused without recording. */
static void test_bulk_create_command(void **state) {
  (void)state;
  hook_counts_t hc = {0};
  uint64_t sums[2];
  for (int cmd = 0; cmd < 2; ++cmd) {
    ecs_world_t *w = world_new();
    ecs_component_t h = ecs_component_register(
        w, &(ecs_component_desc_t){
               .name = "h", .size = sizeof(hooked_t), .hooks = {.dtor = h_dtor, .copy = h_copy, .user = &hc}});
    ecs_component_t d =
        ecs_component_register(w, &(ecs_component_desc_t){.name = "d", .size = 4, .storage = ECS_STORAGE_DENSE});
    hooked_t vals[8];
    int32_t dv[8];
    for (int i = 0; i < 8; ++i) {
      vals[i] = (hooked_t){{i, i, i}};
      dv[i] = 100 + i;
    }
    ecs_bulk_desc_t desc = {.count = 8, .components = {h, d}, .values = {vals, dv}};
    if (cmd) {
      ecs_cmd_buffer_t *buf = ecs_cmd_buffer_new(w);
      ecs_entity_t before = ecs_cmd_create(buf);
      ecs_entity_t out[8];
      assert_int_equal(ecs_cmd_bulk_create(buf, &desc, out), ECS_OK);
      for (int i = 0; i < 8; ++i) {
        assert_true(ECS_ENTITY_IS_PROVISIONAL(out[i]));
      }
      assert_int_equal(ecs_cmd_set(buf, out[3], d, &(int32_t){-3}), ECS_OK);
      ecs_entity_t after = ecs_cmd_create(buf);
      apply_ok(buf, NULL);
      assert_int_equal(ECS_ENTITY_INDEX(ecs_cmd_buffer_resolve(buf, before)), 1);
      assert_int_equal(ECS_ENTITY_INDEX(ecs_cmd_buffer_resolve(buf, out[0])), 2);
      assert_int_equal(ECS_ENTITY_INDEX(ecs_cmd_buffer_resolve(buf, out[7])), 9);
      assert_int_equal(ECS_ENTITY_INDEX(ecs_cmd_buffer_resolve(buf, after)), 10);
      /* recorded and discarded: the copies are destructed */
      int dtors = hc.dtors;
      assert_int_equal(ecs_cmd_bulk_create(buf, &desc, NULL), ECS_OK);
      ecs_cmd_buffer_clear(buf);
      assert_int_equal(hc.dtors - dtors, 8);
      /* bad input records nothing */
      assert_int_equal(ecs_cmd_bulk_create(buf, NULL, NULL), ECS_ERR_INVALID_ARGUMENT);
      assert_int_equal(ecs_cmd_bulk_create(buf, &(ecs_bulk_desc_t){.count = 2, .components = {h, h}}, NULL),
                       ECS_ERR_INVALID_ARGUMENT);
      assert_int_equal(ecs_cmd_bulk_create(buf, &(ecs_bulk_desc_t){.count = 2, .components = {9999}}, NULL),
                       ECS_ERR_UNKNOWN_COMPONENT);
      assert_int_equal(ecs_cmd_bulk_create(buf, &(ecs_bulk_desc_t){.count = (size_t)1 << 30}, NULL), ECS_ERR_LIMIT);
      assert_int_equal(ecs_cmd_bulk_create(NULL, &desc, NULL), ECS_ERR_INVALID_ARGUMENT);
      assert_int_equal(ecs_cmd_buffer_count(buf), 0);
      ecs_cmd_buffer_free(buf);
    } else {
      ecs_entity_create(w);
      ecs_entity_t out[8];
      assert_int_equal(ecs_bulk_create(w, &desc, out), ECS_OK);
      ecs_set(w, out[3], d, &(int32_t){-3});
      ecs_entity_create(w);
    }
    assert_int_equal(ecs_entity_count(w), 10);
    sums[cmd] = ecs_world_checksum(w);
    ecs_world_free(w);
  }
  assert_int_equal(sums[0], sums[1]);
}

static void test_count_and_stats(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_component_t pos = register_pos(w);
  ecs_cmd_buffer_t *buf = ecs_cmd_buffer_new(w);
  ecs_cmd_stats_t stats;
  memset(&stats, 0x5A, sizeof stats);
  apply_ok(buf, &stats); /* empty apply resets the stats */
  assert_int_equal(stats.applied, 0);
  assert_int_equal(stats.skipped, 0);
  assert_int_equal(stats.failed, 0);
  assert_int_equal(stats.first_error, ECS_OK);
  ecs_entity_t p = ecs_cmd_create(buf);
  assert_int_equal(ecs_cmd_buffer_count(buf), 1);
  assert_int_equal(ecs_cmd_add(buf, p, pos), ECS_OK);
  assert_int_equal(ecs_cmd_set(buf, p, pos, &(pos_t){1, 1}), ECS_OK);
  assert_int_equal(ecs_cmd_remove(buf, p, pos), ECS_OK);
  assert_int_equal(ecs_cmd_destroy(buf, p), ECS_OK);
  assert_int_equal(ecs_cmd_buffer_count(buf), 5);
  apply_ok(buf, &stats);
  assert_int_equal(stats.applied, 5);
  assert_int_equal(stats.skipped, 0);
  assert_int_equal(ecs_entity_count(w), 0);
  ecs_entity_t q = ecs_cmd_create(buf);
  assert_int_equal(ecs_cmd_set(buf, q, pos, &(pos_t){2, 2}), ECS_OK);
  apply_ok(buf, NULL); /* stats are optional */
  assert_true(ecs_has(w, ecs_cmd_buffer_resolve(buf, q), pos));
  ecs_cmd_buffer_free(buf);
  ecs_world_free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_create_gives_provisional_handles),
      cmocka_unit_test(test_ids_allocated_in_apply_order),
      cmocka_unit_test(test_resolve_null_buffer_is_unknown),
      cmocka_unit_test(test_commands_apply_in_recorded_order),
      cmocka_unit_test(test_commands_on_dead_entities_are_skipped),
      cmocka_unit_test(test_value_hooks_copy_move_dtor),
      cmocka_unit_test(test_record_errors),
      cmocka_unit_test(test_null_buffer),
      cmocka_unit_test(test_steady_state_allocates_nothing),
      cmocka_unit_test(test_clear_and_free_discard),
      cmocka_unit_test(test_large_values),
      cmocka_unit_test(test_overaligned_values),
      cmocka_unit_test(test_tag_set_with_null_value),
      cmocka_unit_test(test_tag_set_command_matches_direct),
      cmocka_unit_test(test_one_move_per_entity),
      cmocka_unit_test(test_bulk_create_command),
      cmocka_unit_test(test_provisional_handles_never_alias),
      cmocka_unit_test(test_provisional_stamps_exhausted),
      cmocka_unit_test(test_count_and_stats),
  };
  return cmocka_run_group_tests_name("command", tests, NULL, NULL);
}
