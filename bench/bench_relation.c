/* Relationship workloads of ecs_bench, for ARCHETYPE and DENSE:
 * pair_iter: 100,000 entities with a Pos and one pair (Eats, target) of 16
 * targets, a query {Pos WRITE, (Eats, *) READ} adds each row's amount to
 * its Pos; ns per entity. Baseline: the same loop over two plain arrays.
 * cascade_destroy: a parent with 1,000 children (ChildOf-like relation,
 * ECS_TARGET_DELETE) destroyed in one ecs_entity_destroy; ns per child.
 * Baseline: clearing 1,000 slots of a flat registry array. */
#include "bench_relation.h"

#include <stdlib.h>
#include <string.h>

enum { PAIR_ITER_N = 100000, PAIR_TARGETS = 16, CASCADE_N = 1000 };

typedef struct amount_t {
  int32_t n;
} amount_t;

typedef struct iter_ctx_t {
  ecs_storage_kind_t kind;
  ecs_world_t *world;
  ecs_query_t *query;
  ecs_component_t pos;
} iter_ctx_t;

typedef struct iter_base_t {
  int32_t *pos;
  int32_t *amount;
} iter_base_t;

typedef struct cascade_ctx_t {
  ecs_storage_kind_t kind;
  ecs_world_t *world;
  ecs_component_t child_of;
  ecs_component_t pos;
  ecs_entity_t parent;
  ecs_entity_t *kids;
} cascade_ctx_t;

typedef struct cascade_base_t {
  uint64_t *slots;
} cascade_base_t;

struct relation_suite_t {
  iter_ctx_t iter[2];
  cascade_ctx_t cascade[2];
  iter_base_t iter_base;
  cascade_base_t cascade_base;
};

static const ecs_storage_kind_t kinds[2] = {ECS_STORAGE_ARCHETYPE, ECS_STORAGE_DENSE};
static const char *const labels[2] = {"archetype", "dense"};

static ecs_component_t reg(ecs_world_t *w, const char *name, size_t size, uint32_t flags, ecs_storage_kind_t kind) {
  ecs_component_desc_t d = {.name = name, .size = size, .flags = flags, .storage = kind};
  return ecs_component_register(w, &d);
}

/* ---- pair_iter ------------------------------------------------------------ */

static int iter_setup(void *user, size_t n) {
  iter_ctx_t *c = user;
  c->world = ecs_world_new(NULL);
  if (!c->world) {
    return -1;
  }
  c->pos = reg(c->world, "Pos", sizeof(int32_t), 0, c->kind);
  ecs_component_t eats = reg(c->world, "Eats", sizeof(amount_t), ECS_COMPONENT_RELATION, c->kind);
  ecs_component_t pairs[PAIR_TARGETS];
  for (int t = 0; t < PAIR_TARGETS; ++t) {
    pairs[t] = ecs_pair(c->world, eats, ecs_entity_create(c->world));
  }
  for (size_t i = 0; i < n; ++i) {
    ecs_entity_t e = ecs_entity_create(c->world);
    int32_t p = (int32_t)i;
    amount_t a = {1};
    if (ecs_set(c->world, e, c->pos, &p) != ECS_OK || ecs_set(c->world, e, pairs[i % PAIR_TARGETS], &a) != ECS_OK) {
      return -1;
    }
  }
  ecs_query_desc_t q = {.terms = {{c->pos, ECS_ACCESS_WRITE}, {ecs_pair_wildcard(c->world, eats), ECS_ACCESS_READ}}};
  c->query = ecs_query_new(c->world, &q);
  return c->query ? 0 : -1;
}

static int iter_run(void *user, size_t n) {
  iter_ctx_t *c = user;
  size_t rows = 0;
  ecs_iter_t it = ecs_query_iter(c->query);
  while (ecs_iter_next(&it)) {
    int32_t *pos = ecs_field(&it, 0);
    const amount_t *amount = ecs_field(&it, 1);
    if (pos && amount) {
      for (int32_t r = 0; r < it.count; ++r) {
        pos[r] += amount[r].n;
      }
    } else {
      for (int32_t r = 0; r < it.count; ++r) {
        *(int32_t *)ecs_field_at(&it, 0, r) += ((const amount_t *)ecs_field_at(&it, 1, r))->n;
      }
    }
    rows += (size_t)it.count;
  }
  return rows == n ? 0 : -1;
}

static void iter_teardown(void *user, size_t n) {
  iter_ctx_t *c = user;
  (void)n;
  ecs_world_free(c->world);
  c->world = NULL;
  c->query = NULL;
}

static int iter_base_setup(void *user, size_t n) {
  iter_base_t *b = user;
  b->pos = calloc(n, sizeof *b->pos);
  b->amount = calloc(n, sizeof *b->amount);
  for (size_t i = 0; b->amount && i < n; ++i) {
    b->amount[i] = 1;
  }
  return b->pos && b->amount ? 0 : -1;
}

static int iter_base_run(void *user, size_t n) {
  iter_base_t *b = user;
  for (size_t i = 0; i < n; ++i) {
    b->pos[i] += b->amount[i];
  }
  bench_do_not_optimize(b->pos);
  return 0;
}

static void iter_base_teardown(void *user, size_t n) {
  iter_base_t *b = user;
  (void)n;
  free(b->pos);
  free(b->amount);
  b->pos = b->amount = NULL;
}

/* ---- cascade_destroy ---------------------------------------------------------- */

static int cascade_setup(void *user, size_t n) {
  cascade_ctx_t *c = user;
  c->world = ecs_world_new(NULL);
  c->kids = malloc(n * sizeof *c->kids);
  if (!c->world || !c->kids) {
    return -1;
  }
  c->child_of = reg(c->world, "ChildOf", 0, ECS_COMPONENT_RELATION, c->kind);
  c->pos = reg(c->world, "Pos", sizeof(int32_t), 0, c->kind);
  return ecs_relation_set_policy(c->world, c->child_of, ECS_TARGET_DELETE) == ECS_OK ? 0 : -1;
}

/* A parent and its children, untimed, before each run. */
static int cascade_reset(void *user, size_t n) {
  cascade_ctx_t *c = user;
  c->parent = ecs_entity_create(c->world);
  ecs_component_t pair = ecs_pair(c->world, c->child_of, c->parent);
  if (pair == ECS_COMPONENT_NULL || ecs_entity_create_n(c->world, n, c->kids) != ECS_OK) {
    return -1;
  }
  for (size_t i = 0; i < n; ++i) {
    int32_t p = (int32_t)i;
    if (ecs_set(c->world, c->kids[i], c->pos, &p) != ECS_OK || ecs_add(c->world, c->kids[i], pair) != ECS_OK) {
      return -1;
    }
  }
  return 0;
}

static int cascade_run(void *user, size_t n) {
  cascade_ctx_t *c = user;
  if (ecs_entity_destroy(c->world, c->parent) != ECS_OK) {
    return -1;
  }
  return ecs_entity_alive(c->world, c->kids[n - 1]) ? -1 : 0;
}

static void cascade_teardown(void *user, size_t n) {
  cascade_ctx_t *c = user;
  (void)n;
  ecs_world_free(c->world);
  free(c->kids);
  c->world = NULL;
  c->kids = NULL;
}

static int cascade_base_setup(void *user, size_t n) {
  cascade_base_t *b = user;
  b->slots = calloc(n, sizeof *b->slots);
  return b->slots ? 0 : -1;
}

/* What a destroy does at the least: bump each child's slot generation. */
static int cascade_base_run(void *user, size_t n) {
  cascade_base_t *b = user;
  for (size_t i = 0; i < n; ++i) {
    b->slots[i] += UINT64_C(1) << 32;
  }
  bench_do_not_optimize(b->slots);
  return 0;
}

static void cascade_base_teardown(void *user, size_t n) {
  cascade_base_t *b = user;
  (void)n;
  free(b->slots);
  b->slots = NULL;
}

/* ---- registration ---------------------------------------------------------------- */

static const bench_fns_t iter_fns = {.setup = iter_setup, .run = iter_run, .teardown = iter_teardown};
static const bench_fns_t iter_base_fns = {
    .setup = iter_base_setup, .run = iter_base_run, .teardown = iter_base_teardown};
static const bench_fns_t cascade_fns = {
    .setup = cascade_setup, .reset = cascade_reset, .run = cascade_run, .teardown = cascade_teardown};
static const bench_fns_t cascade_base_fns = {
    .setup = cascade_base_setup, .run = cascade_base_run, .teardown = cascade_base_teardown};

relation_suite_t *bench_relation_new(void) {
  relation_suite_t *s = calloc(1, sizeof *s);
  for (int k = 0; s && k < 2; ++k) {
    s->iter[k].kind = kinds[k];
    s->cascade[k].kind = kinds[k];
  }
  return s;
}

void bench_relation_free(relation_suite_t *s) {
  free(s);
}

int bench_relation_register(bench_t *b, relation_suite_t *s) {
  int bad = 0;
  for (int k = 0; k < 2; ++k) {
    bench_case_desc_t it = {.workload = "pair_iter",
                            .storage = labels[k],
                            .threads = 1,
                            .n = PAIR_ITER_N,
                            .fns = iter_fns,
                            .user = &s->iter[k],
                            .baseline = iter_base_fns,
                            .baseline_user = &s->iter_base};
    bench_case_desc_t cd = {.workload = "cascade_destroy",
                            .storage = labels[k],
                            .threads = 1,
                            .n = CASCADE_N,
                            .fns = cascade_fns,
                            .user = &s->cascade[k],
                            .baseline = cascade_base_fns,
                            .baseline_user = &s->cascade_base};
    bad |= bench_add(b, &it) | bench_add(b, &cd);
  }
  return bad ? -1 : 0;
}
