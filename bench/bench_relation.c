/* Relationship workloads of ecs_bench, for ARCHETYPE and DENSE (and
 * parents_iter_* on ARCHETYPE, the ADR 0010 comparison):
 * pair_iter: 100,000 entities with a Pos and one pair (Eats, target) of 16
 * targets, a query {Pos WRITE, (Eats, *) READ} adds each row's amount to
 * its Pos; ns per entity. Baseline: the same loop over two plain arrays.
 * cascade_destroy: a parent with 1,000 children (ChildOf-like relation,
 * ECS_TARGET_DELETE) destroyed in one ecs_entity_destroy; ns per child.
 * Baseline: clearing 1,000 slots of a flat registry array.
 * cascade_destroy_childof: the same with the built-in hierarchy. */
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
  bool builtin; /* the built-in hierarchy (ecs_set_parent) rather than a pair relation */
  ecs_world_t *world;
  ecs_component_t child_of;
  ecs_component_t pos;
  ecs_entity_t parent;
  ecs_entity_t *kids;
} cascade_ctx_t;

typedef struct cascade_base_t {
  uint64_t *slots;
} cascade_base_t;

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
  ecs_component_t pair = c->builtin ? ECS_COMPONENT_NULL : ecs_pair(c->world, c->child_of, c->parent);
  if ((!c->builtin && pair == ECS_COMPONENT_NULL) || ecs_entity_create_n(c->world, n, c->kids) != ECS_OK) {
    return -1;
  }
  for (size_t i = 0; i < n; ++i) {
    int32_t p = (int32_t)i;
    ecs_status_t st =
        c->builtin ? ecs_set_parent(c->world, c->kids[i], c->parent) : ecs_add(c->world, c->kids[i], pair);
    if (ecs_set(c->world, c->kids[i], c->pos, &p) != ECS_OK || st != ECS_OK) {
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

/* ---- hier_propagate ----------------------------------------------------------------- */

/* 1,000 roots, each with 10 children with one grandchild each: a
 * depth-ordered query {Local READ, World WRITE, ecs.Parent OPTIONAL} sets
 * World = Local + the parent's World; ns per entity. Baseline: arrays in
 * parent-first order with a parent index. */
enum { HIER_ROOTS = 1000 };
#define HIER_N ((size_t)HIER_ROOTS * 21u)

typedef struct vec_t {
  float x;
} vec_t;

typedef struct hier_ctx_t {
  ecs_storage_kind_t kind;
  ecs_world_t *world;
  ecs_query_t *query;
  ecs_component_t world_c;
} hier_ctx_t;

typedef struct hier_base_t {
  float *local;
  float *world;
  uint32_t *parent;
} hier_base_t;

static int hier_setup(void *user, size_t n) {
  hier_ctx_t *c = user;
  (void)n;
  ecs_world_desc_t wd = {.default_storage = (int32_t)c->kind};
  c->world = ecs_world_new(&wd);
  if (!c->world) {
    return -1;
  }
  ecs_component_t local = reg(c->world, "Local", sizeof(vec_t), 0, c->kind);
  c->world_c = reg(c->world, "World", sizeof(vec_t), 0, c->kind);
  vec_t one = {1.0f};
  for (int r = 0; r < HIER_ROOTS; ++r) {
    ecs_entity_t root = ecs_entity_create(c->world);
    if (ecs_set(c->world, root, local, &one) != ECS_OK || ecs_set(c->world, root, c->world_c, &one) != ECS_OK) {
      return -1;
    }
    for (int k = 0; k < 10; ++k) {
      ecs_entity_t child = ecs_entity_create(c->world);
      ecs_entity_t grand = ecs_entity_create(c->world);
      if (ecs_set(c->world, child, local, &one) != ECS_OK || ecs_set(c->world, child, c->world_c, &one) != ECS_OK ||
          ecs_set(c->world, grand, local, &one) != ECS_OK || ecs_set(c->world, grand, c->world_c, &one) != ECS_OK ||
          ecs_set_parent(c->world, child, root) != ECS_OK || ecs_set_parent(c->world, grand, child) != ECS_OK) {
        return -1;
      }
    }
  }
  ecs_query_desc_t q = {.terms = {{local, ECS_ACCESS_READ},
                                  {c->world_c, ECS_ACCESS_WRITE},
                                  {ecs_parent_component(c->world), ECS_ACCESS_OPTIONAL}}};
  c->query = ecs_query_new(c->world, &q);
  return c->query ? 0 : -1;
}

static int hier_run(void *user, size_t n) {
  hier_ctx_t *c = user;
  size_t rows = 0;
  ecs_iter_t it = ecs_query_iter_depth(c->query);
  while (ecs_iter_next(&it)) {
    for (int32_t r = 0; r < it.count; ++r) {
      const vec_t *l = ecs_field_at(&it, 0, r);
      vec_t *wv = ecs_field_at(&it, 1, r);
      const ecs_parent_t *p = ecs_field_at(&it, 2, r);
      wv->x = l->x + (p ? ((const vec_t *)ecs_get(c->world, p->parent, c->world_c))->x : 0.0f);
    }
    rows += (size_t)it.count;
  }
  return rows == n ? 0 : -1;
}

static void hier_teardown(void *user, size_t n) {
  hier_ctx_t *c = user;
  (void)n;
  ecs_world_free(c->world);
  c->world = NULL;
  c->query = NULL;
}

static int hier_base_setup(void *user, size_t n) {
  hier_base_t *b = user;
  b->local = malloc(n * sizeof *b->local);
  b->world = malloc(n * sizeof *b->world);
  b->parent = malloc(n * sizeof *b->parent);
  if (!b->local || !b->world || !b->parent) {
    return -1;
  }
  /* roots first, then the children, then the grandchildren */
  for (size_t i = 0; i < n; ++i) {
    b->local[i] = 1.0f;
    if (i < HIER_ROOTS) {
      b->parent[i] = UINT32_MAX;
    } else if (i < HIER_ROOTS * 11u) {
      b->parent[i] = (uint32_t)((i - HIER_ROOTS) / 10u);
    } else {
      b->parent[i] = (uint32_t)(i - HIER_ROOTS * 10u);
    }
  }
  return 0;
}

static int hier_base_run(void *user, size_t n) {
  hier_base_t *b = user;
  for (size_t i = 0; i < n; ++i) {
    b->world[i] = b->local[i] + (b->parent[i] == UINT32_MAX ? 0.0f : b->world[b->parent[i]]);
  }
  bench_do_not_optimize(b->world);
  return 0;
}

static void hier_base_teardown(void *user, size_t n) {
  hier_base_t *b = user;
  (void)n;
  free(b->local);
  free(b->world);
  free(b->parent);
  *b = (hier_base_t){0};
}

/* ---- parents_iter: 10,000 parents x 10 children, iterated ------------------------------ */

/* 110,000 entities with a Data value: plain (no hierarchy), with the
 * built-in ChildOf (ecs_set_parent: the parent is a value), and with a
 * fragmenting ChildOf (a pair per parent: a table per parent). A query
 * {Data WRITE} adds 1 to each; ns per entity. Baseline: one array. */
enum { PARENTS = 10000, PARENTS_N = PARENTS * 11 };

typedef struct parents_ctx_t {
  int mode; /* 0 plain, 1 ecs_set_parent, 2 pair per parent */
  ecs_world_t *world;
  ecs_query_t *query;
} parents_ctx_t;

static int parents_setup(void *user, size_t n) {
  parents_ctx_t *c = user;
  (void)n;
  c->world = ecs_world_new(NULL);
  if (!c->world) {
    return -1;
  }
  ecs_component_t data = reg(c->world, "Data", sizeof(int32_t), 0, ECS_STORAGE_ARCHETYPE);
  ecs_component_t rel = reg(c->world, "ChildOfPair", 0, ECS_COMPONENT_RELATION, ECS_STORAGE_ARCHETYPE);
  for (int p = 0; p < PARENTS; ++p) {
    ecs_entity_t parent = ecs_entity_create(c->world);
    int32_t v = p;
    if (ecs_set(c->world, parent, data, &v) != ECS_OK) {
      return -1;
    }
    ecs_component_t pair = c->mode == 2 ? ecs_pair(c->world, rel, parent) : ECS_COMPONENT_NULL;
    for (int k = 0; k < 10; ++k) {
      ecs_entity_t child = ecs_entity_create(c->world);
      if (ecs_set(c->world, child, data, &v) != ECS_OK) {
        return -1;
      }
      ecs_status_t st = c->mode == 1   ? ecs_set_parent(c->world, child, parent)
                        : c->mode == 2 ? ecs_add(c->world, child, pair)
                                       : ECS_OK;
      if (st != ECS_OK) {
        return -1;
      }
    }
  }
  c->query = ecs_query_new(c->world, &(ecs_query_desc_t){.terms = {{data, ECS_ACCESS_WRITE}}});
  return c->query ? 0 : -1;
}

static int parents_run(void *user, size_t n) {
  parents_ctx_t *c = user;
  size_t rows = 0;
  ecs_iter_t it = ecs_query_iter(c->query);
  while (ecs_iter_next(&it)) {
    int32_t *d = ecs_field(&it, 0);
    for (int32_t r = 0; r < it.count; ++r) {
      d[r] += 1;
    }
    rows += (size_t)it.count;
  }
  return rows == n ? 0 : -1;
}

static void parents_teardown(void *user, size_t n) {
  parents_ctx_t *c = user;
  (void)n;
  ecs_world_free(c->world);
  c->world = NULL;
  c->query = NULL;
}

/* ---- instantiate ------------------------------------------------------------------ */

/* A prefab of a root and 5 children, each with 2 components: ns per
 * instance (6 entities). Baseline: copying the 12 values into arrays. */
enum { INST_N = 1000 };

typedef struct inst_ctx_t {
  ecs_storage_kind_t kind;
  ecs_world_t *world;
  ecs_entity_t prefab;
} inst_ctx_t;

typedef struct inst_base_t {
  vec_t *out;
} inst_base_t;

static int inst_setup(void *user, size_t n) {
  (void)user;
  (void)n;
  return 0;
}

static int inst_reset(void *user, size_t n) {
  inst_ctx_t *c = user;
  (void)n;
  ecs_world_free(c->world);
  ecs_world_desc_t wd = {.default_storage = (int32_t)c->kind};
  c->world = ecs_world_new(&wd);
  if (!c->world) {
    return -1;
  }
  ecs_component_t a = reg(c->world, "A", sizeof(vec_t), 0, c->kind);
  ecs_component_t b = reg(c->world, "B", sizeof(vec_t), 0, c->kind);
  c->prefab = ecs_prefab_new(c->world, ECS_ENTITY_NULL);
  vec_t v = {1.0f};
  if (!c->prefab || ecs_set(c->world, c->prefab, a, &v) != ECS_OK || ecs_set(c->world, c->prefab, b, &v) != ECS_OK) {
    return -1;
  }
  for (int k = 0; k < 5; ++k) {
    ecs_entity_t child = ecs_prefab_new(c->world, c->prefab);
    if (!child || ecs_set(c->world, child, a, &v) != ECS_OK || ecs_set(c->world, child, b, &v) != ECS_OK) {
      return -1;
    }
  }
  return 0;
}

static int inst_run(void *user, size_t n) {
  inst_ctx_t *c = user;
  for (size_t i = 0; i < n; ++i) {
    if (ecs_instantiate(c->world, c->prefab, NULL, 0, NULL) != ECS_OK) {
      return -1;
    }
  }
  return ecs_entity_count(c->world) == 6 * (n + 1) ? 0 : -1;
}

static void inst_teardown(void *user, size_t n) {
  inst_ctx_t *c = user;
  (void)n;
  ecs_world_free(c->world);
  c->world = NULL;
}

static int inst_base_setup(void *user, size_t n) {
  inst_base_t *b = user;
  b->out = malloc(n * 12 * sizeof *b->out);
  return b->out ? 0 : -1;
}

static int inst_base_run(void *user, size_t n) {
  inst_base_t *b = user;
  const vec_t src[12] = {{1.0f}, {1.0f}, {1.0f}, {1.0f}, {1.0f}, {1.0f},
                         {1.0f}, {1.0f}, {1.0f}, {1.0f}, {1.0f}, {1.0f}};
  for (size_t i = 0; i < n; ++i) {
    memcpy(b->out + i * 12, src, sizeof src);
  }
  bench_do_not_optimize(b->out);
  return 0;
}

static void inst_base_teardown(void *user, size_t n) {
  inst_base_t *b = user;
  (void)n;
  free(b->out);
  b->out = NULL;
}

/* ---- toggle_iter: the cost of disabling when nothing is disabled ----------------------- */

/* 100,000 entities with A and B, a query {A READ, B WRITE} adds A to B; ns
 * per entity. toggle_iter_none: nothing was ever disabled; toggle_iter_off:
 * A was disabled on every tenth entity and enabled again (the marker tags
 * exist, no entity carries one: the case that must cost at most 1.1x
 * none); toggle_iter_some: every hundredth entity has A disabled. */
enum { TOGGLE_N = 100000 };

typedef struct toggle_ctx_t {
  ecs_storage_kind_t kind;
  int mode; /* 0 none, 1 off again, 2 some disabled */
  ecs_world_t *world;
  ecs_query_t *query;
} toggle_ctx_t;

static int toggle_setup(void *user, size_t n) {
  toggle_ctx_t *c = user;
  ecs_world_desc_t wd = {.default_storage = (int32_t)c->kind};
  c->world = ecs_world_new(&wd);
  if (!c->world) {
    return -1;
  }
  ecs_component_t a = reg(c->world, "A", sizeof(int32_t), 0, c->kind);
  ecs_component_t b = reg(c->world, "B", sizeof(int32_t), 0, c->kind);
  for (size_t i = 0; i < n; ++i) {
    ecs_entity_t e = ecs_entity_create(c->world);
    int32_t v = (int32_t)i;
    if (ecs_set(c->world, e, a, &v) != ECS_OK || ecs_set(c->world, e, b, &v) != ECS_OK) {
      return -1;
    }
    if (c->mode == 1 && i % 10 == 0 &&
        (ecs_enable_component(c->world, e, a, false) != ECS_OK ||
         ecs_enable_component(c->world, e, a, true) != ECS_OK)) {
      return -1;
    }
    if (c->mode == 2 && i % 100 == 0 && ecs_enable_component(c->world, e, a, false) != ECS_OK) {
      return -1;
    }
  }
  c->query = ecs_query_new(c->world, &(ecs_query_desc_t){.terms = {{a, ECS_ACCESS_READ}, {b, ECS_ACCESS_WRITE}}});
  return c->query ? 0 : -1;
}

static int toggle_run(void *user, size_t n) {
  toggle_ctx_t *c = user;
  size_t rows = 0;
  ecs_iter_t it = ecs_query_iter(c->query);
  while (ecs_iter_next(&it)) {
    const int32_t *a = ecs_field(&it, 0);
    int32_t *b = ecs_field(&it, 1);
    if (a && b) {
      for (int32_t r = 0; r < it.count; ++r) {
        b[r] += a[r];
      }
    } else {
      for (int32_t r = 0; r < it.count; ++r) {
        *(int32_t *)ecs_field_at(&it, 1, r) += *(const int32_t *)ecs_field_at(&it, 0, r);
      }
    }
    rows += (size_t)it.count;
  }
  return rows == (c->mode == 2 ? n - n / 100 : n) ? 0 : -1;
}

static void toggle_teardown(void *user, size_t n) {
  toggle_ctx_t *c = user;
  (void)n;
  ecs_world_free(c->world);
  c->world = NULL;
  c->query = NULL;
}

/* ---- registration ---------------------------------------------------------------- */

struct relation_suite_t {
  iter_ctx_t iter[2];
  cascade_ctx_t cascade[2];
  cascade_ctx_t cascade_hier[2];
  hier_ctx_t hier[2];
  inst_ctx_t inst[2];
  parents_ctx_t parents[3];
  toggle_ctx_t toggle[2][3];
  iter_base_t iter_base;
  cascade_base_t cascade_base;
  hier_base_t hier_base;
  inst_base_t inst_base;
  iter_base_t parents_base;
};

static const bench_fns_t hier_fns = {.setup = hier_setup, .run = hier_run, .teardown = hier_teardown};
static const bench_fns_t hier_base_fns = {
    .setup = hier_base_setup, .run = hier_base_run, .teardown = hier_base_teardown};
static const bench_fns_t parents_fns = {.setup = parents_setup, .run = parents_run, .teardown = parents_teardown};
static const bench_fns_t inst_fns = {
    .setup = inst_setup, .reset = inst_reset, .run = inst_run, .teardown = inst_teardown};
static const bench_fns_t inst_base_fns = {
    .setup = inst_base_setup, .run = inst_base_run, .teardown = inst_base_teardown};

static const bench_fns_t toggle_fns = {.setup = toggle_setup, .run = toggle_run, .teardown = toggle_teardown};
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
    s->cascade_hier[k].kind = kinds[k];
    s->cascade_hier[k].builtin = true;
    s->hier[k].kind = kinds[k];
    s->inst[k].kind = kinds[k];
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
    bench_case_desc_t hp = {.workload = "hier_propagate",
                            .storage = labels[k],
                            .threads = 1,
                            .n = HIER_N,
                            .fns = hier_fns,
                            .user = &s->hier[k],
                            .baseline = hier_base_fns,
                            .baseline_user = &s->hier_base};
    bench_case_desc_t in = {.workload = "instantiate",
                            .storage = labels[k],
                            .threads = 1,
                            .n = INST_N,
                            .fns = inst_fns,
                            .user = &s->inst[k],
                            .baseline = inst_base_fns,
                            .baseline_user = &s->inst_base};
    bench_case_desc_t ch = cd;
    ch.workload = "cascade_destroy_childof";
    ch.user = &s->cascade_hier[k];
    bad |= bench_add(b, &it) | bench_add(b, &cd) | bench_add(b, &ch) | bench_add(b, &hp) | bench_add(b, &in);
  }
  static const char *const toggles[3] = {"toggle_iter_none", "toggle_iter_off", "toggle_iter_some"};
  for (int k = 0; k < 2; ++k) {
    for (int m = 0; m < 3; ++m) {
      s->toggle[k][m] = (toggle_ctx_t){.kind = kinds[k], .mode = m};
      bench_case_desc_t td = {.workload = toggles[m],
                              .storage = labels[k],
                              .threads = 1,
                              .n = TOGGLE_N,
                              .fns = toggle_fns,
                              .user = &s->toggle[k][m],
                              .baseline = iter_base_fns,
                              .baseline_user = &s->iter_base};
      bad |= bench_add(b, &td);
    }
  }
  static const char *const modes[3] = {"parents_iter_none", "parents_iter_childof", "parents_iter_pairs"};
  for (int m = 0; m < 3; ++m) {
    s->parents[m].mode = m;
    bench_case_desc_t pd = {.workload = modes[m],
                            .storage = "archetype",
                            .threads = 1,
                            .n = PARENTS_N,
                            .fns = parents_fns,
                            .user = &s->parents[m],
                            .baseline = iter_base_fns,
                            .baseline_user = &s->parents_base};
    bad |= bench_add(b, &pd);
  }
  return bad ? -1 : 0;
}
