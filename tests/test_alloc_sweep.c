/* Allocation-failure injection, as SQLite's anomaly tests do it: for each
 * entry point, allocation N of the call and every one after it fail, for
 * N = 1, 2, ... until the call runs without meeting a failure. Each time
 * the call must report the documented error, leave the world consistent
 * (unchanged, for the calls that are all or nothing) and succeed once
 * allocations work again; the world must keep working after that. The
 * allocator counts live blocks and wrong sizes, so leaks show without a
 * sanitizer too; hooked values count their constructions.
 *
 * Swept elsewhere, so not here: create_n growing the registry without
 * free slots (test_entity), runs of archetype adds and removes and storage
 * changes (test_archetype, test_sparse), snapshot loads and saves of every
 * component kind (test_snapshot_errors), and a whole scenario failing once
 * or from N on (test_world). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ecs.h"
#include "private.h"
#include "support/failing_alloc.h"
#include "support/owned.h"
#include "support/sim.h"

/* An operation that needs more allocations than this is a bug here. */
#define SWEEP_MAX 4000

/* Where a sweep is: the operation and the first failing allocation. */
typedef struct at_t {
  const char *what;
  size_t n;
} at_t;

#define EXPECT(at, cond)                                                                                               \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      fail_msg("%s, allocation %zu on failing: %s (line %d)", (at).what, (at).n, #cond, __LINE__);                     \
    }                                                                                                                  \
  } while (0)

#define EXPECT_STATUS(at, st, want)                                                                                    \
  do {                                                                                                                 \
    ecs_status_t st_ = (st);                                                                                           \
    if (st_ != (want)) {                                                                                               \
      fail_msg("%s, allocation %zu on failing: %s, expected %s (line %d)", (at).what, (at).n, ecs_err_name(st_),       \
               ecs_err_name(want), __LINE__);                                                                          \
    }                                                                                                                  \
  } while (0)

/* support/failing_alloc.h's allocator, counting the blocks still allocated
 * (live) and the realloc/free calls given a size other than the block's
 * (bad_sizes): each block carries its size in a header, so that a leak or
 * a wrong size shows without a sanitizer. One thread only: the sweeps run
 * every system on the ticking thread, which also makes the N-th allocation
 * the same one on every run. */
typedef struct tracked_t {
  failing_t f;
  size_t live;
  size_t bad_sizes;
} tracked_t;

#define HDR sizeof(max_align_t) /* keeps the payload aligned as malloc's */

static void *t_alloc(void *user, size_t size) {
  tracked_t *t = user;
  char *raw = size <= SIZE_MAX - HDR ? f_alloc(&t->f, HDR + size) : NULL;
  if (!raw) {
    return NULL;
  }
  memcpy(raw, &size, sizeof size);
  t->live++;
  return raw + HDR;
}

static char *t_block(tracked_t *t, void *ptr, size_t size) {
  char *raw = (char *)ptr - HDR;
  size_t real;
  memcpy(&real, raw, sizeof real);
  t->bad_sizes += real != size;
  return raw;
}

static void *t_realloc(void *user, void *ptr, size_t old_size, size_t new_size) {
  tracked_t *t = user;
  if (!ptr) {
    return t_alloc(user, new_size);
  }
  char *raw = t_block(t, ptr, old_size);
  raw = new_size <= SIZE_MAX - HDR ? f_realloc(&t->f, raw, HDR + old_size, HDR + new_size) : NULL;
  if (!raw) {
    return NULL;
  }
  memcpy(raw, &new_size, sizeof new_size);
  return raw + HDR;
}

static void t_free(void *user, void *ptr, size_t size) {
  tracked_t *t = user;
  if (ptr) {
    t->live--;
    f_free(&t->f, t_block(t, ptr, size), HDR + size);
  }
}

static void tracked_init(tracked_t *t) {
  *t = (tracked_t){.f = {0, SIZE_MAX}};
}

static ecs_world_desc_t failing_desc(tracked_t *t) {
  return (ecs_world_desc_t){.allocator = {t_alloc, t_realloc, t_free, t}, .log_level = ECS_LOG_OFF};
}

/* Injects failures from the n-th allocation after now. */
static void fail_from(failing_t *f, size_t n) {
  f->fail_at = f->calls + n;
}

/* Stops injecting; true when some allocation was refused. */
static bool stop_failing(failing_t *f) {
  bool injected = f->calls >= f->fail_at;
  f->fail_at = SIZE_MAX;
  return injected;
}

static void expect_no_leak(at_t at, const tracked_t *t) {
  EXPECT(at, t->live == 0);
  EXPECT(at, t->bad_sizes == 0);
}

static ecs_component_t reg(ecs_world_t *w, const char *name, size_t size, ecs_storage_kind_t kind) {
  ecs_component_t c = ecs_component_register(w, &(ecs_component_desc_t){.name = name, .size = size, .storage = kind});
  assert_int_not_equal(c, ECS_COMPONENT_NULL);
  return c;
}

/* A component whose values own heap memory (support/owned.h). */
static ecs_component_t reg_owned(ecs_world_t *w, const char *name, ecs_storage_kind_t kind, hook_log_t *log) {
  ecs_component_t c = ecs_component_register(
      w, &(ecs_component_desc_t){.name = name,
                                 .size = sizeof(owned_t),
                                 .storage = kind,
                                 .hooks = {owned_ctor, owned_dtor, owned_move, owned_copy, log}});
  assert_int_not_equal(c, ECS_COMPONENT_NULL);
  return c;
}

static int32_t payload_of(ecs_world_t *w, ecs_entity_t e, ecs_component_t own) {
  const owned_t *o = ecs_get(w, e, own);
  return o && o->payload ? *o->payload : INT32_MIN;
}

/* Hooked values alive now: constructed or copied, not destructed. */
static int live_values(const hook_log_t *log) {
  return log->ctor + log->copy - log->dtor;
}

/* The world agrees with itself: its live count, its free list, and for each
 * component the count, ecs_has, ecs_get and a query over it. */
static void expect_consistent(at_t at, ecs_world_t *w, const ecs_component_t *comps, size_t n) {
  size_t alive = 0;
  for (uint32_t i = 1; i < w->record_count; ++i) {
    alive += w->records[i].alive;
  }
  EXPECT(at, alive == ecs_entity_count(w));
  size_t free_len = 0;
  for (uint32_t i = w->free_head; i != 0; i = w->records[i].next_free) {
    EXPECT(at, i < w->record_count && !w->records[i].alive && ++free_len < w->record_count);
  }
  for (size_t k = 0; k < n; ++k) {
    ecs_component_t c = comps[k];
    size_t size = ecs_component_size(w, c);
    size_t holders = 0;
    for (uint32_t i = 1; i < w->record_count; ++i) {
      if (w->records[i].alive) {
        holders += ecs_has(w, ECS_ENTITY_MAKE(i, w->records[i].generation), c);
      }
    }
    EXPECT(at, holders == ecs_component_count(w, c));
    ecs_query_t *q = ecs_query_new(w, &(ecs_query_desc_t){{{c, size ? ECS_ACCESS_READ : ECS_ACCESS_WITH}}});
    EXPECT(at, q != NULL);
    size_t rows = 0;
    ecs_iter_t it = ecs_query_iter(q);
    while (ecs_iter_next(&it)) {
      for (int32_t r = 0; r < it.count; ++r, ++rows) {
        ecs_entity_t e = it.entities[r];
        EXPECT(at, ecs_entity_alive(w, e) && ecs_has(w, e, c));
        if (size) {
          const void *v = ecs_get(w, e, c);
          EXPECT(at, v && memcmp(v, ecs_field_at(&it, 0, r), size) == 0);
        }
      }
    }
    EXPECT(at, rows == holders);
    ecs_query_free(q);
  }
}

/* ---- world creation ------------------------------------------------------ */

static void test_world_new(void **state) {
  (void)state;
  size_t n = 1;
  for (;; ++n) {
    at_t at = {"ecs_world_new", n};
    EXPECT(at, n < SWEEP_MAX);
    tracked_t t;
    tracked_init(&t);
    ecs_world_desc_t desc = failing_desc(&t);
    desc.initial_entities = 100;
    fail_from(&t.f, n);
    ecs_world_t *w = ecs_world_new(&desc);
    bool injected = stop_failing(&t.f);
    if (w == NULL) {
      EXPECT(at, injected);
      expect_no_leak(at, &t);
      /* ecs_world_create() tells why */
      fail_from(&t.f, n);
      w = (ecs_world_t *)&t;
      EXPECT_STATUS(at, ecs_world_create(&desc, &w), ECS_ERR_NO_MEMORY);
      EXPECT(at, w == NULL);
      stop_failing(&t.f);
      expect_no_leak(at, &t);
      w = ecs_world_new(&desc);
      EXPECT(at, w != NULL);
    } else {
      EXPECT(at, !injected);
    }
    /* the world works */
    ecs_component_t c = ECS_COMPONENT(w, Pos);
    ecs_entity_t e[150];
    EXPECT_STATUS(at, ecs_entity_create_n(w, 150, e), ECS_OK);
    EXPECT_STATUS(at, ecs_set(w, e[149], c, &(Pos){1, 2}), ECS_OK);
    EXPECT(at, ((const Pos *)ecs_get(w, e[149], c))->y == 2);
    ecs_world_free(w);
    expect_no_leak(at, &t);
    if (!injected) {
      break;
    }
  }
  assert_true(n > 3); /* the world, its registry, its components, its storage kinds */
}

/* ---- entity and component operations, per storage kind --------------------- */

/* Holders of every component: one more outgrows a DENSE storage's first
 * capacity. The target of adds has slot 64, past the change-detection
 * arrays sized for the holders. */
enum { HOLDERS = 16, TARGET = 63, ENTS = 66, CREATE_N = 80 };

typedef struct ops_fx_t {
  tracked_t t;
  ecs_world_t *w;
  hook_log_t log;
  ecs_component_t val, own, tag, other; /* of the kind under test */
  ecs_component_t big, seen;
  ecs_component_t comps[4];
  /* [0, HOLDERS) hold val, own, tag and other, [TARGET] holds other, the
   * rest nothing; the last one is destroyed (a free slot) */
  ecs_entity_t e[ENTS];
  ecs_entity_t made[CREATE_N];
  size_t count_before;
  ecs_cmd_buffer_t *buf;
  ecs_entity_t prov[3];
} ops_fx_t;

/* An observer queueing a command: each entity given a val is then seen. It
 * cannot report a failure to record (observers return nothing). */
static void on_val_added(ecs_observer_ctx_t *ctx) {
  const ops_fx_t *fx = ctx->user;
  (void)ecs_cmd_add(ctx->commands, ctx->entity, fx->seen);
}

static void ops_setup_with(ops_fx_t *fx, ecs_storage_kind_t kind, bool changes, bool observers) {
  *fx = (ops_fx_t){0};
  tracked_init(&fx->t);
  ecs_world_desc_t desc = failing_desc(&fx->t);
  ecs_world_t *w = fx->w = ecs_world_new(&desc);
  assert_non_null(w);
  fx->val = reg(w, "val", sizeof(int64_t), kind);
  fx->own = reg_owned(w, "own", kind, &fx->log);
  fx->tag = reg(w, "tag", 0, kind);
  fx->other = reg(w, "other", sizeof(int32_t), kind);
  fx->big = reg(w, "big", (size_t)64 * 1024, ECS_STORAGE_DENSE);
  const ecs_component_t comps[] = {fx->val, fx->own, fx->tag, fx->other};
  memcpy(fx->comps, comps, sizeof comps);
  if (changes) { /* kept until the world goes */
    assert_non_null(ecs_query_new(w, &(ecs_query_desc_t){{{fx->val, ECS_CHANGED(ECS_ACCESS_READ)},
                                                          {fx->own, ECS_ADDED(ECS_ACCESS_READ)},
                                                          {fx->tag, ECS_ADDED(ECS_ACCESS_WITH)}}}));
  }
  assert_int_equal(ecs_entity_create_n(w, ENTS, fx->e), ECS_OK);
  for (int32_t i = 0; i < HOLDERS; ++i) {
    owned_t o = {&i};
    assert_int_equal(ecs_set(w, fx->e[i], fx->val, &(int64_t){i * 7}), ECS_OK);
    assert_int_equal(ecs_set(w, fx->e[i], fx->own, &o), ECS_OK);
    assert_int_equal(ecs_set(w, fx->e[i], fx->other, &(int32_t){-i}), ECS_OK);
    assert_int_equal(ecs_add(w, fx->e[i], fx->tag), ECS_OK);
  }
  /* a type of its own: whatever it gets next makes a new archetype table */
  assert_int_equal(ecs_set(w, fx->e[TARGET], fx->other, &(int32_t){-TARGET}), ECS_OK);
  assert_int_equal(ecs_entity_destroy(w, fx->e[ENTS - 1]), ECS_OK); /* a free slot */
  fx->seen = reg(w, "seen", 0, ECS_STORAGE_DENSE);
  if (observers) {
    assert_int_equal(
        ecs_observer_register(
            w, &(ecs_observer_desc_t){.component = fx->val, .event = ECS_ON_ADD, .callback = on_val_added, .user = fx}),
        ECS_OK);
  }
}

static void ops_setup(ops_fx_t *fx, ecs_storage_kind_t kind, bool changes) {
  ops_setup_with(fx, kind, changes, false);
}

static void ops_teardown(at_t at, ops_fx_t *fx) {
  ecs_cmd_buffer_free(fx->buf);
  ecs_world_free(fx->w);
  expect_no_leak(at, &fx->t);
  EXPECT(at, live_values(&fx->log) == 0);
}

/* Hooked values alive are exactly those the world holds (no copy leaked
 * or destructed twice); recorded: those in a command buffer. */
static void expect_values_owned(at_t at, const ops_fx_t *fx, int recorded) {
  int held = (int)ecs_component_count(fx->w, fx->own) + ecs_resource_has(fx->w, fx->own);
  EXPECT(at, live_values(&fx->log) == held + recorded);
}

/* The world keeps working: an entity with every component, then gone. */
static void expect_usable(at_t at, ops_fx_t *fx) {
  ecs_world_t *w = fx->w;
  ecs_entity_t e = ecs_entity_create(w);
  int32_t v = 5;
  EXPECT(at, e != ECS_ENTITY_NULL);
  EXPECT_STATUS(at, ecs_set(w, e, fx->val, &(int64_t){-1}), ECS_OK);
  EXPECT_STATUS(at, ecs_set(w, e, fx->own, &(owned_t){&v}), ECS_OK);
  EXPECT_STATUS(at, ecs_add(w, e, fx->tag), ECS_OK);
  EXPECT_STATUS(at, ecs_remove(w, e, fx->val), ECS_OK);
  EXPECT(at, payload_of(w, e, fx->own) == 5 && ecs_has(w, e, fx->tag) && !ecs_has(w, e, fx->val));
  EXPECT_STATUS(at, ecs_entity_destroy(w, e), ECS_OK);
  expect_consistent(at, w, fx->comps, 4);
  expect_values_owned(at, fx, 0);
}

/* The end of a sweep's round: the world consistent, usable, torn down. */
static void round_done(at_t at, ops_fx_t *fx) {
  expect_consistent(at, fx->w, fx->comps, 4);
  expect_values_owned(at, fx, 0);
  expect_usable(at, fx);
  ops_teardown(at, fx);
}

typedef enum op_t {
  OP_CREATE_REUSE, /* a free slot: allocates nothing */
  OP_CREATE_GROW,  /* the registry is full */
  OP_CREATE_N,     /* one free slot and fresh ones */
  OP_DESTROY,
  OP_ADD, /* this one and the next ones: to TARGET */
  OP_SET_NEW,
  OP_SET_OVERWRITE, /* allocates nothing */
  OP_SET_HOOKED,
  OP_ADD_TAG,
  OP_REMOVE,           /* ARCHETYPE: the row moves to another table */
  OP_RESOURCE_NEW,     /* hooked */
  OP_RESOURCE_REPLACE, /* allocates nothing */
  OP_COUNT
} op_t;

static const char *const op_names[OP_COUNT] = {
    "ecs_entity_create (free slot)",
    "ecs_entity_create (registry full)",
    "ecs_entity_create_n",
    "ecs_entity_destroy",
    "ecs_add",
    "ecs_set (new value)",
    "ecs_set (overwrite)",
    "ecs_set (hooked value)",
    "ecs_add (tag)",
    "ecs_remove",
    "ecs_resource_set (new)",
    "ecs_resource_set (replace)",
};

static bool op_may_fail(op_t op, ecs_storage_kind_t kind) {
  switch (op) {
  case OP_CREATE_REUSE:
  case OP_DESTROY:
  case OP_SET_OVERWRITE:
  case OP_RESOURCE_REPLACE:
    return false;
  case OP_REMOVE: /* documented: only ARCHETYPE removes allocate */
    return kind == ECS_STORAGE_ARCHETYPE;
  default:
    return true;
  }
}

static void op_prep(ops_fx_t *fx, op_t op) {
  ecs_world_t *w = fx->w;
  if (op == OP_CREATE_GROW) {
    while (w->free_head != 0 || w->record_count < w->record_cap) {
      assert_int_not_equal(ecs_entity_create(w), ECS_ENTITY_NULL);
    }
  } else if (op == OP_RESOURCE_REPLACE) {
    int32_t v = 77;
    assert_int_equal(ecs_resource_set(w, fx->own, &(owned_t){&v}), ECS_OK);
  }
  fx->count_before = ecs_entity_count(w);
}

static ecs_status_t op_run(ops_fx_t *fx, op_t op) {
  ecs_world_t *w = fx->w;
  int32_t payload = 4321;
  owned_t o = {&payload};
  switch (op) {
  case OP_CREATE_REUSE:
  case OP_CREATE_GROW:
    fx->made[0] = ecs_entity_create(w);
    return fx->made[0] ? ECS_OK : ecs_last_status(w);
  case OP_CREATE_N:
    return ecs_entity_create_n(w, CREATE_N, fx->made);
  case OP_DESTROY:
    return ecs_entity_destroy(w, fx->e[0]);
  case OP_ADD:
    return ecs_add(w, fx->e[TARGET], fx->val);
  case OP_SET_NEW:
    return ecs_set(w, fx->e[TARGET], fx->val, &(int64_t){1234});
  case OP_SET_OVERWRITE:
    return ecs_set(w, fx->e[0], fx->val, &(int64_t){999});
  case OP_SET_HOOKED:
    return ecs_set(w, fx->e[TARGET], fx->own, &o);
  case OP_ADD_TAG:
    return ecs_add(w, fx->e[TARGET], fx->tag);
  case OP_REMOVE:
    return ecs_remove(w, fx->e[1], fx->val);
  case OP_RESOURCE_NEW:
    return ecs_resource_set(w, fx->own, &o);
  case OP_RESOURCE_REPLACE:
    payload = 88;
    return ecs_resource_set(w, fx->own, &o);
  case OP_COUNT:
    break;
  }
  return ECS_ERR_INVALID_ARGUMENT;
}

/* The operation had its effect. */
static void op_check(at_t at, ops_fx_t *fx, op_t op) {
  ecs_world_t *w = fx->w;
  const int64_t *v;
  const owned_t *r;
  switch (op) {
  case OP_CREATE_REUSE:
  case OP_CREATE_GROW:
    EXPECT(at, ecs_entity_alive(w, fx->made[0]) && ecs_entity_count(w) == fx->count_before + 1);
    break;
  case OP_CREATE_N:
    EXPECT(at, ecs_entity_count(w) == fx->count_before + CREATE_N);
    EXPECT(at, ECS_ENTITY_INDEX(fx->made[0]) == ECS_ENTITY_INDEX(fx->e[ENTS - 1])); /* the free slot first */
    for (int i = 0; i < CREATE_N; ++i) {
      EXPECT(at, ecs_entity_alive(w, fx->made[i]) && (i == 0 || fx->made[i] != fx->made[i - 1]));
    }
    break;
  case OP_DESTROY:
    EXPECT(at, !ecs_entity_alive(w, fx->e[0]) && ecs_entity_count(w) == fx->count_before - 1);
    break;
  case OP_ADD:
    v = ecs_get(w, fx->e[TARGET], fx->val);
    EXPECT(at, v && *v == 0);
    break;
  case OP_SET_NEW:
    v = ecs_get(w, fx->e[TARGET], fx->val);
    EXPECT(at, v && *v == 1234);
    break;
  case OP_SET_OVERWRITE:
    v = ecs_get(w, fx->e[0], fx->val);
    EXPECT(at, v && *v == 999);
    break;
  case OP_SET_HOOKED:
    EXPECT(at, payload_of(w, fx->e[TARGET], fx->own) == 4321);
    break;
  case OP_ADD_TAG:
    EXPECT(at, ecs_has(w, fx->e[TARGET], fx->tag));
    break;
  case OP_REMOVE:
    /* the entity's other values went with it */
    EXPECT(at,
           !ecs_has(w, fx->e[1], fx->val) && payload_of(w, fx->e[1], fx->own) == 1 && ecs_has(w, fx->e[1], fx->tag));
    EXPECT(at, *(const int32_t *)ecs_get(w, fx->e[1], fx->other) == -1);
    break;
  case OP_RESOURCE_NEW:
  case OP_RESOURCE_REPLACE:
    r = ecs_resource_get(w, fx->own);
    EXPECT(at, r && *r->payload == (op == OP_RESOURCE_NEW ? 4321 : 88));
    break;
  case OP_COUNT:
    break;
  }
}

/* Sweeps one operation; returns how many allocations it needed. */
/* The built-in kinds, and their names by kind value. */
static const ecs_storage_kind_t builtin_kinds[] = {ECS_STORAGE_DENSE, ECS_STORAGE_SPARSE, ECS_STORAGE_ARCHETYPE};
static const char *const kind_names[] = {
    [ECS_STORAGE_DENSE] = "DENSE", [ECS_STORAGE_SPARSE] = "SPARSE", [ECS_STORAGE_ARCHETYPE] = "ARCHETYPE"};

/* Sweeps one operation; returns how many allocations it needed. With
 * observers on, an ON_ADD observer of val queues a command of its own. */
static size_t sweep_op(op_t op, ecs_storage_kind_t kind, bool changes, bool observers) {
  char what[128];
  snprintf(what, sizeof what, "%s, %s%s%s", op_names[op], kind_names[kind], changes ? ", change detection" : "",
           observers ? ", observers" : "");
  const bool may_fail = op_may_fail(op, kind);
  const bool observed = observers && (op == OP_ADD || op == OP_SET_NEW);
  for (size_t n = 1;; ++n) {
    at_t at = {what, n};
    EXPECT(at, n < SWEEP_MAX);
    ops_fx_t fx;
    ops_setup_with(&fx, kind, changes, observers);
    op_prep(&fx, op);
    const uint64_t before = ecs_world_checksum(fx.w);
    fail_from(&fx.t.f, n);
    ecs_status_t st = op_run(&fx, op);
    const bool injected = stop_failing(&fx.t.f);
    if (st == ECS_OK) {
      /* a call that swallowed a failure would have to be all or nothing
       * anyway; none of these has a fallback (but an observer cannot
       * report its failure to record) */
      EXPECT(at, !injected || !may_fail || observed);
      op_check(at, &fx, op);
      EXPECT(at, injected || !observed || ecs_has(fx.w, fx.e[TARGET], fx.seen));
    } else {
      EXPECT(at, may_fail);
      EXPECT_STATUS(at, st, ECS_ERR_NO_MEMORY);
      EXPECT_STATUS(at, ecs_last_status(fx.w), ECS_ERR_NO_MEMORY);
      if (ecs_world_checksum(fx.w) != before) {
        /* the change was made and the command its observer queued failed:
         * the change stands */
        EXPECT(at, observed && !ecs_has(fx.w, fx.e[TARGET], fx.seen));
        op_check(at, &fx, op);
      }
      EXPECT(at, ecs_entity_count(fx.w) == fx.count_before); /* all or nothing */
      expect_consistent(at, fx.w, fx.comps, 4);
      expect_values_owned(at, &fx, 0);
      EXPECT_STATUS(at, op_run(&fx, op), ECS_OK);
      op_check(at, &fx, op);
    }
    round_done(at, &fx);
    if (!injected) {
      return n - 1;
    }
  }
}

/* Every operation on every storage kind: plain, with change detection
 * (whose arrays grow with the values), with an observer. */
static void test_entity_and_component_ops(void **state) {
  (void)state;
  for (int variant = 0; variant < 3; ++variant) {
    for (size_t ki = 0; ki < sizeof builtin_kinds / sizeof builtin_kinds[0]; ++ki) {
      const ecs_storage_kind_t k = builtin_kinds[ki];
      for (int op = 0; op < OP_COUNT; ++op) {
        size_t allocations = sweep_op((op_t)op, (ecs_storage_kind_t)k, variant == 1, variant == 2);
        /* the setup makes every call that may fail allocate */
        if (op_may_fail((op_t)op, (ecs_storage_kind_t)k) && allocations == 0) {
          fail_msg("%s, %s allocated nothing: the sweep reached no failure path", op_names[op], kind_names[k]);
        }
      }
    }
  }
}

/* ---- command buffers: recording ------------------------------------------ */

typedef enum cmd_op_t {
  CMD_OP_CREATE,
  CMD_OP_SET,
  CMD_OP_SET_HOOKED,
  CMD_OP_ADD,
  CMD_OP_REMOVE,
  CMD_OP_DESTROY,
  CMD_OP_COUNT
} cmd_op_t;

static const char *const cmd_op_names[CMD_OP_COUNT] = {"ecs_cmd_create", "ecs_cmd_set",    "ecs_cmd_set (hooked value)",
                                                       "ecs_cmd_add",    "ecs_cmd_remove", "ecs_cmd_destroy"};

/* Commands recorded by cmd_prep in a full buffer: its array is then at
 * capacity and its value arena has no room left. */
enum { FULL_COMMANDS = 64 };

static void cmd_prep(ops_fx_t *fx, bool full) {
  fx->buf = ecs_cmd_buffer_new(fx->w);
  assert_non_null(fx->buf);
  if (full) {
    static const uint8_t big[64 * 1024]; /* exactly one arena block */
    assert_int_equal(ecs_cmd_set(fx->buf, fx->e[TARGET + 1], fx->big, big), ECS_OK);
    while (ecs_cmd_buffer_count(fx->buf) < FULL_COMMANDS) {
      assert_int_equal(ecs_cmd_add(fx->buf, fx->e[TARGET + 1], fx->tag), ECS_OK);
    }
  }
}

static ecs_status_t cmd_run(ops_fx_t *fx, cmd_op_t op) {
  int32_t payload = 4321;
  switch (op) {
  case CMD_OP_CREATE:
    fx->prov[0] = ecs_cmd_create(fx->buf);
    return fx->prov[0] ? ECS_OK : ECS_ERR_NO_MEMORY;
  case CMD_OP_SET:
    return ecs_cmd_set(fx->buf, fx->e[TARGET], fx->val, &(int64_t){1234});
  case CMD_OP_SET_HOOKED:
    return ecs_cmd_set(fx->buf, fx->e[TARGET], fx->own, &(owned_t){&payload});
  case CMD_OP_ADD:
    return ecs_cmd_add(fx->buf, fx->e[TARGET], fx->tag);
  case CMD_OP_REMOVE:
    return ecs_cmd_remove(fx->buf, fx->e[0], fx->val);
  case CMD_OP_DESTROY:
    return ecs_cmd_destroy(fx->buf, fx->e[0]);
  case CMD_OP_COUNT:
    break;
  }
  return ECS_ERR_INVALID_ARGUMENT;
}

/* After an apply: the recorded command took effect. */
static void cmd_check(at_t at, ops_fx_t *fx, cmd_op_t op) {
  ecs_world_t *w = fx->w;
  const int64_t *v;
  switch (op) {
  case CMD_OP_CREATE:
    EXPECT(at, ecs_entity_alive(w, ecs_cmd_buffer_resolve(fx->buf, fx->prov[0])));
    break;
  case CMD_OP_SET:
    v = ecs_get(w, fx->e[TARGET], fx->val);
    EXPECT(at, v && *v == 1234);
    break;
  case CMD_OP_SET_HOOKED:
    EXPECT(at, payload_of(w, fx->e[TARGET], fx->own) == 4321);
    break;
  case CMD_OP_ADD:
    EXPECT(at, ecs_has(w, fx->e[TARGET], fx->tag));
    break;
  case CMD_OP_REMOVE:
    EXPECT(at, !ecs_has(w, fx->e[0], fx->val) && ecs_has(w, fx->e[0], fx->own));
    break;
  case CMD_OP_DESTROY:
    EXPECT(at, !ecs_entity_alive(w, fx->e[0]));
    break;
  case CMD_OP_COUNT:
    break;
  }
}

/* Recording either records the command or nothing: the count, the values
 * copied into the buffer, and the later apply tell. */
static size_t sweep_record(cmd_op_t op, bool full) {
  char what[128];
  snprintf(what, sizeof what, "%s into a%s buffer", cmd_op_names[op], full ? " full" : "n empty");
  for (size_t n = 1;; ++n) {
    at_t at = {what, n};
    EXPECT(at, n < SWEEP_MAX);
    ops_fx_t fx;
    ops_setup(&fx, ECS_STORAGE_DENSE, false);
    cmd_prep(&fx, full);
    const size_t count = ecs_cmd_buffer_count(fx.buf);
    fail_from(&fx.t.f, n);
    ecs_status_t st = cmd_run(&fx, op);
    const bool injected = stop_failing(&fx.t.f);
    if (st == ECS_OK) {
      EXPECT(at, !injected);
    } else {
      EXPECT_STATUS(at, st, ECS_ERR_NO_MEMORY);
      EXPECT(at, ecs_cmd_buffer_count(fx.buf) == count);
      EXPECT(at, ecs_cmd_buffer_last_error(fx.buf)[0] != '\0');
      expect_values_owned(at, &fx, 0); /* a copied value was destructed */
      EXPECT_STATUS(at, cmd_run(&fx, op), ECS_OK);
    }
    EXPECT(at, ecs_cmd_buffer_count(fx.buf) == count + 1);
    expect_values_owned(at, &fx, op == CMD_OP_SET_HOOKED);
    ecs_cmd_stats_t stats;
    EXPECT_STATUS(at, ecs_cmd_buffer_apply(fx.buf, &stats), ECS_OK);
    EXPECT(at, stats.applied == count + 1 && stats.failed == 0 && stats.skipped == 0);
    cmd_check(at, &fx, op);
    round_done(at, &fx);
    if (!injected) {
      return n - 1;
    }
  }
}

static void test_command_recording(void **state) {
  (void)state;
  for (int full = 0; full < 2; ++full) {
    for (int op = 0; op < CMD_OP_COUNT; ++op) {
      size_t allocations = sweep_record((cmd_op_t)op, full);
      /* the first command grows the array, the first value the arena; so
       * do the next ones of a full buffer */
      if (allocations == 0) {
        fail_msg("%s (full: %d) allocated nothing: the sweep reached no failure path", cmd_op_names[op], full);
      }
    }
  }
}

/* ---- command buffers: apply ------------------------------------------------ */

/* Records a batch touching every storage path: creates with values of each
 * component, an overwrite, an add, a remove, a hooked overwrite, destroys
 * of a live and of a provisional entity. Returns the commands recorded. */
static size_t record_batch(ops_fx_t *fx) {
  ecs_cmd_buffer_t *b = fx->buf;
  for (int32_t i = 0; i < 3; ++i) {
    int32_t payload = 100 + i;
    fx->prov[i] = ecs_cmd_create(b);
    assert_true(ECS_ENTITY_IS_PROVISIONAL(fx->prov[i]));
    assert_int_equal(ecs_cmd_set(b, fx->prov[i], fx->val, &(int64_t){100 + i}), ECS_OK);
    assert_int_equal(ecs_cmd_set(b, fx->prov[i], fx->own, &(owned_t){&payload}), ECS_OK);
    assert_int_equal(ecs_cmd_set(b, fx->prov[i], fx->other, &(int32_t){-100 - i}), ECS_OK);
    assert_int_equal(ecs_cmd_add(b, fx->prov[i], fx->tag), ECS_OK);
  }
  int32_t payload = 777;
  assert_int_equal(ecs_cmd_set(b, fx->e[0], fx->val, &(int64_t){555}), ECS_OK);
  assert_int_equal(ecs_cmd_add(b, fx->e[TARGET], fx->val), ECS_OK);
  assert_int_equal(ecs_cmd_remove(b, fx->e[1], fx->val), ECS_OK);
  assert_int_equal(ecs_cmd_set(b, fx->e[3], fx->own, &(owned_t){&payload}), ECS_OK);
  if (ecs_entity_alive(fx->w, fx->e[2])) {
    assert_int_equal(ecs_cmd_destroy(b, fx->e[2]), ECS_OK);
  }
  assert_int_equal(ecs_cmd_remove(b, fx->prov[1], fx->tag), ECS_OK);
  assert_int_equal(ecs_cmd_destroy(b, fx->prov[2]), ECS_OK);
  return ecs_cmd_buffer_count(b);
}

/* What any prefix of the batch may have done: values either old or new,
 * never anything else; provisional entities created or not. */
static void expect_batch_partial(at_t at, ops_fx_t *fx) {
  ecs_world_t *w = fx->w;
  for (int32_t i = 0; i < 3; ++i) {
    ecs_entity_t e = ecs_cmd_buffer_resolve(fx->buf, fx->prov[i]);
    if (e == ECS_ENTITY_NULL) {
      continue; /* its create failed */
    }
    EXPECT(at, ecs_entity_alive(w, e) == (i != 2));
    const int64_t *v = ecs_get(w, e, fx->val);
    const int32_t *o = ecs_get(w, e, fx->other);
    EXPECT(at, !v || *v == 100 + i);
    EXPECT(at, !o || *o == -100 - i);
    EXPECT(at, !ecs_has(w, e, fx->own) || payload_of(w, e, fx->own) == 100 + i);
    EXPECT(at, !ecs_has(w, e, fx->seen) || v); /* seen only once given a val */
  }
  const int64_t *v0 = ecs_get(w, fx->e[0], fx->val);
  const int64_t *vt = ecs_get(w, fx->e[TARGET], fx->val);
  const int64_t *v1 = ecs_get(w, fx->e[1], fx->val);
  EXPECT(at, v0 && (*v0 == 0 || *v0 == 555));
  EXPECT(at, !vt || *vt == 0);
  EXPECT(at, !v1 || *v1 == 7);
  EXPECT(at, payload_of(w, fx->e[3], fx->own) == 3 || payload_of(w, fx->e[3], fx->own) == 777);
  EXPECT(at, !ecs_entity_alive(w, fx->e[2])); /* destroying never fails */
}

/* Observers fired by an apply queue commands of their own: those are
 * applied too, and counted in the stats. */
static size_t sweep_apply(ecs_storage_kind_t kind, bool observers) {
  char what[128];
  snprintf(what, sizeof what, "ecs_cmd_buffer_apply, %s%s", kind_names[kind], observers ? ", observers" : "");
  for (size_t n = 1;; ++n) {
    at_t at = {what, n};
    EXPECT(at, n < SWEEP_MAX);
    ops_fx_t fx;
    ops_setup_with(&fx, kind, false, observers);
    cmd_prep(&fx, false);
    const size_t commands = record_batch(&fx);
    fail_from(&fx.t.f, n);
    ecs_cmd_stats_t stats;
    ecs_status_t st = ecs_cmd_buffer_apply(fx.buf, &stats);
    const bool injected = stop_failing(&fx.t.f);
    /* not all or nothing: each command is carried out or counted */
    const size_t counted = stats.applied + stats.skipped + stats.failed;
    EXPECT(at, observers ? counted >= commands : counted == commands);
    EXPECT(at, ecs_cmd_buffer_count(fx.buf) == 0);
    EXPECT(at, st == stats.first_error);
    if (st == ECS_OK) {
      /* an observer's failure to record is its own (it cannot report it);
       * the command it queued for the provisional entity destroyed in the
       * same apply is skipped */
      EXPECT(at, (!injected || observers) && stats.skipped <= (size_t)observers && stats.failed == 0);
    } else {
      EXPECT_STATUS(at, st, ECS_ERR_NO_MEMORY);
      EXPECT_STATUS(at, ecs_last_status(fx.w), ECS_ERR_NO_MEMORY);
      EXPECT(at, stats.failed > 0);
    }
    expect_batch_partial(at, &fx);
    expect_consistent(at, fx.w, fx.comps, 4);
    expect_values_owned(at, &fx, 0); /* values of failed or skipped commands were destructed */
    /* the same batch again, allocations working */
    const size_t again = record_batch(&fx);
    const bool target_added = !ecs_has(fx.w, fx.e[TARGET], fx.val);
    EXPECT_STATUS(at, ecs_cmd_buffer_apply(fx.buf, &stats), ECS_OK);
    /* observers: an add of seen per val added, to two creates and perhaps
     * the target; the third create is destroyed first (skipped) */
    const size_t seen = observers ? 2 + target_added : 0;
    EXPECT(at, stats.applied == again + seen && stats.failed == 0 && stats.skipped == (size_t)observers);
    EXPECT(at, !target_added || ecs_has(fx.w, fx.e[TARGET], fx.seen) == observers);
    for (int32_t i = 0; i < 2; ++i) {
      ecs_entity_t e = ecs_cmd_buffer_resolve(fx.buf, fx.prov[i]);
      const int64_t *v = ecs_get(fx.w, e, fx.val);
      EXPECT(at, v && *v == 100 + i && payload_of(fx.w, e, fx.own) == 100 + i);
      EXPECT(at, ecs_has(fx.w, e, fx.tag) == (i == 0));
      EXPECT(at, ecs_has(fx.w, e, fx.seen) == observers);
    }
    EXPECT(at, !ecs_has(fx.w, fx.e[1], fx.val) && payload_of(fx.w, fx.e[3], fx.own) == 777);
    round_done(at, &fx);
    if (!injected) {
      return n - 1;
    }
  }
}

static void test_command_apply(void **state) {
  (void)state;
  for (int observers = 0; observers < 2; ++observers) {
    for (size_t ki = 0; ki < sizeof builtin_kinds / sizeof builtin_kinds[0]; ++ki) {
      const ecs_storage_kind_t k = builtin_kinds[ki];
      assert_true(sweep_apply((ecs_storage_kind_t)k, observers) > 3);
    }
  }
}

/* ---- schedule build -------------------------------------------------------- */

static ecs_status_t sys_noop(ecs_system_ctx_t *ctx) {
  (void)ctx;
  return ECS_OK;
}

typedef struct sched_fx_t {
  tracked_t t;
  ecs_world_t *w;
  hook_log_t log;
  ecs_component_t pos, vel, hp, own, marked, res;
  ecs_component_t comps[5];
  ecs_scheduler_t *s;
} sched_fx_t;

/* Components of each kind (a hooked one among them), a resource, a few
 * entities. */
static void sched_setup(sched_fx_t *fx) {
  *fx = (sched_fx_t){0};
  tracked_init(&fx->t);
  ecs_world_desc_t desc = failing_desc(&fx->t);
  ecs_world_t *w = fx->w = ecs_world_new(&desc);
  assert_non_null(w);
  fx->pos = reg(w, "Pos", sizeof(Pos), ECS_STORAGE_DENSE);
  fx->vel = reg(w, "Vel", sizeof(Vel), ECS_STORAGE_SPARSE);
  fx->hp = reg(w, "Energy", sizeof(Energy), ECS_STORAGE_ARCHETYPE);
  fx->own = reg_owned(w, "own", ECS_STORAGE_ARCHETYPE, &fx->log);
  fx->marked = reg(w, "marked", 0, ECS_STORAGE_DENSE);
  fx->res = reg(w, "Rng", sizeof(Rng), ECS_STORAGE_DENSE);
  const ecs_component_t comps[] = {fx->pos, fx->vel, fx->hp, fx->own, fx->marked};
  memcpy(fx->comps, comps, sizeof comps);
  assert_int_equal(ecs_resource_set(w, fx->res, &(Rng){1}), ECS_OK);
  for (int32_t i = 0; i < 6; ++i) {
    ecs_entity_t e = ecs_entity_create(w);
    int32_t payload = i;
    assert_int_equal(ecs_set(w, e, fx->pos, &(Pos){i, 0}), ECS_OK);
    assert_int_equal(ecs_set(w, e, fx->vel, &(Vel){1, 1}), ECS_OK);
    assert_int_equal(ecs_set(w, e, fx->hp, &(Energy){40 + 20 * i}), ECS_OK);
    assert_int_equal(ecs_set(w, e, fx->own, &(owned_t){&payload}), ECS_OK);
  }
}

static void sched_teardown(at_t at, sched_fx_t *fx) {
  ecs_scheduler_free(fx->s);
  ecs_world_free(fx->w);
  expect_no_leak(at, &fx->t);
  EXPECT(at, live_values(&fx->log) == 0);
}

static void expect_sched_values_owned(at_t at, const sched_fx_t *fx) {
  EXPECT(at, live_values(&fx->log) == (int)ecs_component_count(fx->w, fx->own));
}

/* Three groups, SYNC and ASYNC, registered out of order (edges decide),
 * systems with queries and resources, conflicting ASYNC pairs serialized.
 * callbacks: per system name, or sys_noop. */
typedef struct sched_plan_t {
  ecs_system_fn spawner, mover, damager;
} sched_plan_t;

static ecs_status_t build_schedule(sched_fx_t *fx, const sched_plan_t *plan) {
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(fx->w);
  if (!b) {
    return ECS_ERR_NO_MEMORY;
  }
  /* every task on the ticking thread: the allocator is not thread-safe,
   * and the N-th allocation must be the same one on every run */
  ecs_scheduler_desc_t opts = {.threads = ECS_POOL_INLINE, .on_conflict = ECS_CONFLICT_SERIALIZE, .inline_below_ns = 1};
  (void)ecs_builder_set_options(b, &opts);
  ecs_group_t late =
      ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "late", .mode = ECS_GROUP_SYNC, .after = {"sim"}});
  ecs_group_t sim = ecs_builder_add_group(
      b, &(ecs_group_desc_t){.name = "sim", .mode = ECS_GROUP_ASYNC, .after = {"spawn"}, .before = {"late"}});
  ecs_group_t spawn = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "spawn", .mode = ECS_GROUP_SYNC});
  const ecs_system_fn noop = sys_noop;
  (void)ecs_builder_add_system(
      b, spawn, &(ecs_system_desc_t){.name = "spawner", .writes = {fx->res}, .callback = plan->spawner, .user = fx});
  (void)ecs_builder_add_system(b, spawn, &(ecs_system_desc_t){.name = "input", .reads = {fx->res}, .callback = noop});
  (void)ecs_builder_add_system(
      b, sim,
      &(ecs_system_desc_t){.name = "mover",
                           .query = {.terms = {{fx->pos, ECS_ACCESS_WRITE}, {fx->vel, ECS_ACCESS_READ}}},
                           .callback = plan->mover,
                           .user = fx});
  (void)ecs_builder_add_system(
      b, sim,
      &(ecs_system_desc_t){.name = "damager",
                           .query = {.terms = {{fx->hp, ECS_ACCESS_WRITE}, {fx->own, ECS_ACCESS_OPTIONAL}}},
                           .callback = plan->damager,
                           .user = fx});
  /* conflicts with mover (Pos) and damager (Energy): serialized after both */
  (void)ecs_builder_add_system(
      b, sim,
      &(ecs_system_desc_t){.name = "observer",
                           .query = {.terms = {{fx->pos, ECS_ACCESS_READ}, {fx->hp, ECS_ACCESS_READ}}},
                           .reads = {fx->res},
                           .callback = noop});
  (void)ecs_builder_add_system(
      b, late,
      &(ecs_system_desc_t){.name = "render",
                           .query = {.terms = {{fx->pos, ECS_ACCESS_READ}, {fx->marked, ECS_ACCESS_WITH}}},
                           .callback = noop});
  return ecs_scheduler_build(b, &fx->s);
}

static const sched_plan_t noop_plan = {sys_noop, sys_noop, sys_noop};

static size_t sweep_build(void) {
  for (size_t n = 1;; ++n) {
    at_t at = {"ecs_scheduler_builder_new, ecs_builder_add_*, ecs_scheduler_build", n};
    EXPECT(at, n < SWEEP_MAX);
    sched_fx_t fx;
    sched_setup(&fx);
    const uint64_t before = ecs_world_checksum(fx.w);
    const size_t live = fx.t.live;
    fail_from(&fx.t.f, n);
    ecs_status_t st = build_schedule(&fx, &noop_plan);
    const bool injected = stop_failing(&fx.t.f);
    if (st == ECS_OK) {
      EXPECT(at, !injected && fx.s != NULL);
    } else {
      EXPECT_STATUS(at, st, ECS_ERR_NO_MEMORY);
      EXPECT_STATUS(at, ecs_last_status(fx.w), ECS_ERR_NO_MEMORY);
      EXPECT(at, fx.s == NULL);
      /* the world is unchanged: not a block more (no query, buffer or
       * scheduler left registered with it) */
      EXPECT(at, ecs_world_checksum(fx.w) == before && fx.t.live == live);
      EXPECT(at, fx.w->scheduler_count == 0);
      expect_consistent(at, fx.w, fx.comps, 5);
      EXPECT_STATUS(at, build_schedule(&fx, &noop_plan), ECS_OK);
    }
    const char *order[3];
    EXPECT(at, ecs_scheduler_group_order(fx.s, order, 3) == 3);
    EXPECT(at, strcmp(order[0], "spawn") == 0 && strcmp(order[1], "sim") == 0 && strcmp(order[2], "late") == 0);
    ecs_tick_result_t r;
    EXPECT_STATUS(at, ecs_scheduler_tick(fx.s, 0.016, &r), ECS_OK);
    EXPECT(at, r.systems_run == 6);
    EXPECT_STATUS(at, ecs_scheduler_tick(fx.s, 0.016, &r), ECS_OK);
    sched_teardown(at, &fx);
    if (!injected) {
      return n - 1;
    }
  }
}

static void test_schedule_build(void **state) {
  (void)state;
  assert_true(sweep_build() > 10);
}

/* ---- tick ------------------------------------------------------------------- */

/* Records four entities with a value of each kind; fails on the first
 * recording error (its commands are then discarded). */
static ecs_status_t sys_spawner(ecs_system_ctx_t *ctx) {
  const sched_fx_t *fx = ctx->user;
  for (int32_t i = 0; i < 4; ++i) {
    ecs_entity_t e = ecs_cmd_create(ctx->commands);
    if (e == ECS_ENTITY_NULL) {
      return ECS_ERR_NO_MEMORY;
    }
    int32_t payload = (int32_t)ctx->tick * 100 + i;
    ecs_status_t st;
    if ((st = ecs_cmd_set(ctx->commands, e, fx->pos, &(Pos){i, (int32_t)ctx->tick})) != ECS_OK ||
        (st = ecs_cmd_set(ctx->commands, e, fx->vel, &(Vel){1, -1})) != ECS_OK ||
        (st = ecs_cmd_set(ctx->commands, e, fx->hp, &(Energy){30 + 10 * i})) != ECS_OK ||
        (st = ecs_cmd_set(ctx->commands, e, fx->own, &(owned_t){&payload})) != ECS_OK) {
      return st;
    }
  }
  return ECS_OK;
}

/* Slices mark the entities they move to an odd x. */
static ecs_status_t move_and_mark(ecs_iter_t *chunk, ecs_cmd_buffer_t *commands, void *user) {
  const sched_fx_t *fx = user;
  for (int32_t i = 0; i < chunk->count; ++i) {
    Pos *p = ecs_field_at(chunk, 0, i);
    const Vel *v = ecs_field_at(chunk, 1, i);
    p->x += v->dx;
    p->y += v->dy;
    ecs_status_t st = p->x % 2 ? ecs_cmd_add(commands, chunk->entities[i], fx->marked) : ECS_OK;
    if (st != ECS_OK) {
      return st;
    }
  }
  return ECS_OK;
}

static ecs_status_t sys_mover(ecs_system_ctx_t *ctx) {
  return ecs_parallel_for(ctx, 3, move_and_mark, ctx->user);
}

/* Drains energy; takes the owned value away when low, destroys at zero. */
static ecs_status_t sys_damager(ecs_system_ctx_t *ctx) {
  const sched_fx_t *fx = ctx->user;
  while (ecs_iter_next(&ctx->it)) {
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      Energy *en = ecs_field_at(&ctx->it, 0, i);
      ecs_entity_t e = ctx->it.entities[i];
      en->value -= 20;
      ecs_status_t st = ECS_OK;
      if (en->value <= 0) {
        st = ecs_cmd_destroy(ctx->commands, e);
      } else if (en->value < 40 && ecs_field_at(&ctx->it, 1, i)) {
        st = ecs_cmd_remove(ctx->commands, e, fx->own);
      }
      if (st != ECS_OK) {
        return st;
      }
    }
  }
  return ECS_OK;
}

static const sched_plan_t tick_plan = {sys_spawner, sys_mover, sys_damager};

/* The tick after `warm` others (0: the first one, when buffers, slices and
 * tables are all new). A tick is not all or nothing: the barrier applies
 * command by command. */
static size_t sweep_tick(uint32_t warm) {
  char what[64];
  snprintf(what, sizeof what, "ecs_scheduler_tick after %u ticks", warm);
  for (size_t n = 1;; ++n) {
    at_t at = {what, n};
    EXPECT(at, n < SWEEP_MAX);
    sched_fx_t fx;
    sched_setup(&fx);
    assert_int_equal(build_schedule(&fx, &tick_plan), ECS_OK);
    for (uint32_t i = 0; i < warm; ++i) {
      assert_int_equal(ecs_scheduler_tick(fx.s, 0.016, NULL), ECS_OK);
    }
    const uint64_t before = ecs_world_checksum(fx.w);
    const size_t count = ecs_entity_count(fx.w);
    fail_from(&fx.t.f, n);
    ecs_tick_result_t r;
    ecs_status_t st = ecs_scheduler_tick(fx.s, 0.016, &r);
    const bool injected = stop_failing(&fx.t.f);
    EXPECT(at, st == r.status && r.tick == warm + 1);
    if (st == ECS_ERR_SYSTEM_FAILED) {
      EXPECT_STATUS(at, r.failed_status, ECS_ERR_NO_MEMORY);
      EXPECT(at, r.failed_system != NULL && r.systems_failed > 0);
      if (strcmp(r.failed_system, "spawner") == 0) {
        /* the first group stopped the tick, its commands were discarded */
        EXPECT(at, ecs_world_checksum(fx.w) == before && ecs_entity_count(fx.w) == count);
        EXPECT(at, r.systems_failed == 1 && r.systems_skipped == 5 && r.commands_applied == 0);
      }
    } else if (st != ECS_OK) {
      EXPECT_STATUS(at, st, ECS_ERR_NO_MEMORY); /* at a barrier */
      EXPECT(at, r.systems_failed == 0);
    }
    EXPECT(at, st == ECS_OK || injected);
    EXPECT_STATUS(at, ecs_last_status(fx.w), st);
    expect_consistent(at, fx.w, fx.comps, 5);
    expect_sched_values_owned(at, &fx);
    /* allocations working: the next ticks run whole */
    for (int i = 0; i < 2; ++i) {
      EXPECT_STATUS(at, ecs_scheduler_tick(fx.s, 0.016, &r), ECS_OK);
      EXPECT(at, r.systems_run == 6 && r.systems_failed == 0);
      expect_consistent(at, fx.w, fx.comps, 5);
      expect_sched_values_owned(at, &fx);
    }
    sched_teardown(at, &fx);
    if (!injected) {
      return n - 1;
    }
  }
}

static void test_tick(void **state) {
  (void)state;
  assert_true(sweep_tick(0) > 10);
  assert_int_equal(sweep_tick(2), 0); /* steady state: nothing allocates */
}

/* ---- snapshots ---------------------------------------------------------------
 * On the shared simulation (support/sim.h), in all three storage kinds, its
 * groups ASYNC with every task on the ticking thread. */

static const sim_mode_t snap_mode = {ECS_GROUP_ASYNC, ECS_POOL_INLINE, ECS_STORAGE_ARCHETYPE, ECS_STORAGE_SPARSE,
                                     ECS_STORAGE_DENSE};

/* Loads: the mix above, then each kind alone. */
static const sim_mode_t load_modes[] = {
    {ECS_GROUP_ASYNC, ECS_POOL_INLINE, ECS_STORAGE_ARCHETYPE, ECS_STORAGE_SPARSE, ECS_STORAGE_DENSE},
    {ECS_GROUP_SYNC, ECS_POOL_INLINE, ECS_STORAGE_DENSE, ECS_STORAGE_DENSE, ECS_STORAGE_DENSE},
    {ECS_GROUP_SYNC, ECS_POOL_INLINE, ECS_STORAGE_SPARSE, ECS_STORAGE_SPARSE, ECS_STORAGE_SPARSE},
    {ECS_GROUP_ASYNC, ECS_POOL_INLINE, ECS_STORAGE_ARCHETYPE, ECS_STORAGE_ARCHETYPE, ECS_STORAGE_ARCHETYPE},
};

static void sim_run(sim_t *sim, uint64_t to) {
  while (ecs_scheduler_tick_count(sim->sched) < to) {
    assert_int_equal(ecs_scheduler_tick(sim->sched, 1.0 / 60.0, NULL), ECS_OK);
  }
}

static void expect_sim_consistent(at_t at, sim_t *sim) {
  const ecs_component_t comps[] = {sim->pos, sim->vel, sim->energy};
  expect_consistent(at, sim->world, comps, 3);
}

enum { SAVE_AT = 6, LOADED_AT = 9, END = 12 };

/* Loading into a populated world (queries, tables, a scheduler) is all or
 * nothing; after a failure the world ticks on, and the load then made with
 * allocations working continues exactly as the saved world did. */
static size_t sweep_load(sim_mode_t mode) {
  char what[96];
  snprintf(what, sizeof what, "ecs_snapshot_load into a populated world, %s/%s/%s", kind_names[mode.pos_kind],
           kind_names[mode.vel_kind], kind_names[mode.energy_kind]);
  sim_t ref;
  sim_init(&ref, 7, mode);
  sim_run(&ref, SAVE_AT);
  ecs_membuf_t snap = {0};
  ecs_writer_t out = ecs_membuf_writer(&snap);
  assert_int_equal(ecs_snapshot_save(ref.world, &out), ECS_OK);
  const uint64_t saved = ecs_world_checksum(ref.world);
  sim_run(&ref, END);
  const uint64_t end = ecs_world_checksum(ref.world);
  sim_fini(&ref);
  size_t n = 1;
  for (;; ++n) {
    at_t at = {what, n};
    EXPECT(at, n < SWEEP_MAX);
    tracked_t t;
    tracked_init(&t);
    ecs_world_desc_t desc = failing_desc(&t);
    sim_t sim;
    sim_init_with(&sim, 99, mode, &desc);
    sim_run(&sim, LOADED_AT);
    const uint64_t before = ecs_world_checksum(sim.world);
    const size_t count = ecs_entity_count(sim.world);
    const size_t live = t.live;
    ecs_memsrc_t src = {snap.data, snap.size, 0};
    ecs_reader_t in = ecs_memreader(&src);
    fail_from(&t.f, n);
    ecs_status_t st = ecs_snapshot_load(sim.world, &in);
    const bool injected = stop_failing(&t.f);
    if (st == ECS_OK) {
      EXPECT(at, !injected);
    } else {
      EXPECT_STATUS(at, st, ECS_ERR_NO_MEMORY);
      EXPECT_STATUS(at, ecs_last_status(sim.world), ECS_ERR_NO_MEMORY);
      /* all or nothing: not a value, not a block of the stage is left */
      EXPECT(at, ecs_world_checksum(sim.world) == before && ecs_entity_count(sim.world) == count);
      EXPECT(at, t.live == live);
      expect_sim_consistent(at, &sim);
      sim_run(&sim, LOADED_AT + 1);
      src = (ecs_memsrc_t){snap.data, snap.size, 0};
      EXPECT_STATUS(at, ecs_snapshot_load(sim.world, &in), ECS_OK);
    }
    EXPECT(at, ecs_world_checksum(sim.world) == saved);
    expect_sim_consistent(at, &sim);
    EXPECT_STATUS(at, ecs_scheduler_set_tick(sim.sched, SAVE_AT), ECS_OK);
    sim_run(&sim, END);
    EXPECT(at, ecs_world_checksum(sim.world) == end);
    expect_sim_consistent(at, &sim);
    sim_fini(&sim);
    expect_no_leak(at, &t);
    if (!injected) {
      break;
    }
  }
  ecs_membuf_free(&snap);
  return n - 1;
}

static void test_snapshot_load(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof load_modes / sizeof load_modes[0]; ++i) {
    assert_true(sweep_load(load_modes[i]) > 10);
  }
}

/* The shared simulation's tick: its systems ignore recording errors (a
 * host's choice), so a tick may succeed after a failure; whatever happens,
 * the world stays consistent and ticks on. */
static size_t sweep_sim_tick(sim_mode_t mode, uint64_t warm) {
  char what[128];
  snprintf(what, sizeof what, "ecs_scheduler_tick of the simulation after %u ticks, %s/%s/%s", (unsigned)warm,
           kind_names[mode.pos_kind], kind_names[mode.vel_kind], kind_names[mode.energy_kind]);
  size_t n = 1;
  for (;; ++n) {
    at_t at = {what, n};
    EXPECT(at, n < SWEEP_MAX);
    tracked_t t;
    tracked_init(&t);
    ecs_world_desc_t desc = failing_desc(&t);
    sim_t sim;
    sim_init_with(&sim, 3, mode, &desc);
    sim_run(&sim, warm);
    fail_from(&t.f, n);
    ecs_tick_result_t r;
    ecs_status_t st = ecs_scheduler_tick(sim.sched, 1.0 / 60.0, &r);
    const bool injected = stop_failing(&t.f);
    EXPECT(at, st == ECS_OK || injected);
    if (st == ECS_ERR_SYSTEM_FAILED) {
      EXPECT_STATUS(at, r.failed_status, ECS_ERR_NO_MEMORY); /* move's parallel_for */
    } else if (st != ECS_OK) {
      EXPECT_STATUS(at, st, ECS_ERR_NO_MEMORY);
    }
    expect_sim_consistent(at, &sim);
    sim_run(&sim, END);
    expect_sim_consistent(at, &sim);
    sim_fini(&sim);
    expect_no_leak(at, &t);
    if (!injected) {
      break;
    }
  }
  return n - 1;
}

static void test_sim_tick(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof load_modes / sizeof load_modes[0]; ++i) {
    assert_true(sweep_sim_tick(load_modes[i], 0) > 5); /* buffers, slices, storages: all new */
    (void)sweep_sim_tick(load_modes[i], LOADED_AT);    /* may allocate nothing */
  }
}

/* A save into the rollback ring (its buffers come from the world's
 * allocator): on failure the world and the ring are as before; both
 * snapshots then restore and replay alike. */
static void test_snapshot_save(void **state) {
  (void)state;
  size_t n = 1;
  for (;; ++n) {
    at_t at = {"ecs_rollback_save (ecs_snapshot_save)", n};
    EXPECT(at, n < SWEEP_MAX);
    tracked_t t;
    tracked_init(&t);
    ecs_world_desc_t desc = failing_desc(&t);
    sim_t sim;
    sim_init_with(&sim, 5, snap_mode, &desc);
    ecs_rollback_t *rb = ecs_rollback_new(sim.world, 2);
    assert_non_null(rb);
    sim_run(&sim, 3);
    const uint64_t h3 = ecs_world_checksum(sim.world);
    assert_int_equal(ecs_rollback_save(rb, 3), ECS_OK);
    sim_run(&sim, 5);
    const uint64_t h5 = ecs_world_checksum(sim.world);
    fail_from(&t.f, n);
    ecs_status_t st = ecs_rollback_save(rb, 5);
    const bool injected = stop_failing(&t.f);
    EXPECT(at, ecs_world_checksum(sim.world) == h5); /* a save never changes the world */
    if (st == ECS_OK) {
      EXPECT(at, !injected);
    } else {
      EXPECT_STATUS(at, st, ECS_ERR_NO_MEMORY);
      EXPECT(at, ecs_rollback_count(rb) == 1 && ecs_rollback_has(rb, 3) && !ecs_rollback_has(rb, 5));
      expect_sim_consistent(at, &sim);
      EXPECT_STATUS(at, ecs_rollback_save(rb, 5), ECS_OK);
    }
    EXPECT(at, ecs_rollback_count(rb) == 2 && ecs_rollback_has(rb, 5));
    sim_run(&sim, 8);
    EXPECT_STATUS(at, ecs_rollback_restore(rb, 5), ECS_OK);
    EXPECT(at, ecs_world_checksum(sim.world) == h5);
    EXPECT_STATUS(at, ecs_rollback_restore(rb, 3), ECS_OK);
    EXPECT(at, ecs_world_checksum(sim.world) == h3);
    EXPECT_STATUS(at, ecs_scheduler_set_tick(sim.sched, 3), ECS_OK);
    sim_run(&sim, 5);
    EXPECT(at, ecs_world_checksum(sim.world) == h5);
    expect_sim_consistent(at, &sim);
    ecs_rollback_free(rb);
    sim_fini(&sim);
    expect_no_leak(at, &t);
    if (!injected) {
      break;
    }
  }
  assert_true(n > 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_world_new),         cmocka_unit_test(test_entity_and_component_ops),
      cmocka_unit_test(test_command_recording), cmocka_unit_test(test_command_apply),
      cmocka_unit_test(test_schedule_build),    cmocka_unit_test(test_tick),
      cmocka_unit_test(test_sim_tick),          cmocka_unit_test(test_snapshot_load),
      cmocka_unit_test(test_snapshot_save),
  };
  return cmocka_run_group_tests_name("alloc_sweep", tests, NULL, NULL);
}
