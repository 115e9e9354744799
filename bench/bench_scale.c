/* How cost grows with the world instead of the work. Four curves, each a
 * workload "scale_<curve>_<size>" so that one JSON holds every point:
 *
 *   scale_churn_types_K  create, set 2 components, destroy (per entity),
 *                        with K component types registered in all
 *   scale_build_N        ecs_builder_add_system of N systems into one
 *                        ASYNC group (2 terms each, conflicts serialized)
 *                        and ecs_scheduler_build (per system)
 *   scale_tick_N         one empty SYNC system with a 2-term query run by
 *                        ecs_scheduler_tick, N systems (per system per tick)
 *   scale_iter_tables_T  Position += Velocity over a query matching T
 *                        archetype tables of 10 entities (per table)
 *
 * A cost that does not grow with the size is a flat line on the plot of
 * bench/plot_scale.py. */
#include "bench_scale.h"

#include "workloads.h"

#include <ecs.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  CHURN_ENTITIES = 2000, /* per run: one batch created, then destroyed */
  TICK_SYSTEM_RUNS = 100000,
  TICK_ENTITIES = 100,
  ITER_TABLE_VISITS = 65536, /* per run: passes over the tables */
  ITER_ROWS = 10,            /* entities per table */
  ITER_TAGS = 16,            /* 2^16 tables at most */
  NAME_MAX_LEN = 40,
};

static const uint32_t churn_sizes[] = {2, 10, 100, 1000, 10000};
static const uint32_t build_sizes[] = {250, 500, 1000, 2000, 5000, 10000};
static const uint32_t tick_sizes[] = {100, 300, 1000, 3000, 5000, 10000};
static const uint32_t iter_sizes[] = {16, 100, 1024, 4096, 16384, 65536};
/* the two points of each curve in a default run */
static const uint32_t build_default[] = {1000, 5000};
static const uint32_t tick_default[] = {100, 5000};
static const uint32_t iter_default[] = {100, 65536};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
  ecs_storage_kind_t kind;
  const char *label;
} churn_kinds[] = {{ECS_STORAGE_DENSE, "dense"}, {ECS_STORAGE_SPARSE, "sparse"}, {ECS_STORAGE_ARCHETYPE, "archetype"}};

static ecs_status_t empty_system(ecs_system_ctx_t *ctx) {
  (void)ctx;
  return ECS_OK;
}

static ecs_component_t add_component(ecs_world_t *w, const char *name, size_t size, size_t align,
                                     ecs_storage_kind_t kind) {
  ecs_component_desc_t d = {.name = name, .size = size, .alignment = align, .storage = kind};
  return ecs_component_register(w, &d);
}

/* ---- churn with K registered component types ---------------------------- */

typedef struct churn_ctx_t {
  ecs_storage_kind_t kind;
  uint32_t types; /* registered in all, Position and Velocity included */
  ecs_world_t *world;
  ecs_entity_t *batch;
  ecs_component_t pos, vel;
} churn_ctx_t;

static void churn_teardown(void *user, size_t n) {
  churn_ctx_t *c = user;
  (void)n;
  ecs_world_free(c->world);
  free(c->batch);
  c->world = NULL;
  c->batch = NULL;
}

static int churn_setup(void *user, size_t n) {
  churn_ctx_t *c = user;
  if (!(c->world = ecs_world_new(NULL)) || !(c->batch = malloc(n * sizeof *c->batch))) {
    return -1;
  }
  c->pos = add_component(c->world, "Position", sizeof(Position), ECS_ALIGNOF(Position), c->kind);
  c->vel = add_component(c->world, "Velocity", sizeof(Velocity), ECS_ALIGNOF(Velocity), c->kind);
  int bad = !c->pos || !c->vel;
  for (uint32_t t = 2; t < c->types && !bad; ++t) {
    char name[32];
    snprintf(name, sizeof name, "Unused%u", (unsigned)t);
    bad |= !add_component(c->world, name, sizeof(Position), ECS_ALIGNOF(Position), c->kind);
  }
  return bad ? -1 : 0;
}

static int churn_run(void *user, size_t n) {
  churn_ctx_t *c = user;
  ecs_world_t *w = c->world;
  int bad = churn_batch(w, c->pos, c->vel, c->batch, n);
  return bad || ecs_entity_count(w) != 0 ? -1 : 0;
}

/* Slots with generations and a LIFO free list, values in plain arrays: the
 * work of a churn without the registry of types (it does not grow). */
typedef struct churn_base_t {
  Position *pos;
  Velocity *vel;
  uint32_t *generation;
  uint32_t *next_free;
  uint64_t *batch;
  uint32_t count;
  uint32_t free_head;
} churn_base_t;

static void churn_base_teardown(void *user, size_t n) {
  churn_base_t *b = user;
  (void)n;
  free(b->pos);
  free(b->vel);
  free(b->generation);
  free(b->next_free);
  free(b->batch);
  *b = (churn_base_t){0};
}

static int churn_base_setup(void *user, size_t n) {
  churn_base_t *b = user;
  b->pos = malloc(n * sizeof *b->pos);
  b->vel = malloc(n * sizeof *b->vel);
  b->generation = calloc(n, sizeof *b->generation);
  b->next_free = malloc(n * sizeof *b->next_free);
  b->batch = malloc(n * sizeof *b->batch);
  b->free_head = UINT32_MAX;
  return b->pos && b->vel && b->generation && b->next_free && b->batch ? 0 : -1;
}

static int churn_base_run(void *user, size_t n) {
  churn_base_t *b = user;
  for (size_t i = 0; i < n; ++i) {
    uint32_t idx = b->free_head;
    if (idx != UINT32_MAX) {
      b->free_head = b->next_free[idx];
    } else if (b->count < n) {
      idx = b->count++;
    } else {
      return -1;
    }
    b->pos[idx] = (Position){(float)i, 0.0f, 0.0f};
    b->vel[idx] = (Velocity){1.0f, 0.0f, 0.0f};
    b->batch[i] = (uint64_t)b->generation[idx] << 32 | idx;
  }
  bench_do_not_optimize(b->pos);
  bench_do_not_optimize(b->vel);
  for (size_t i = 0; i < n; ++i) {
    uint32_t idx = (uint32_t)b->batch[i];
    if (b->generation[idx] != (uint32_t)(b->batch[i] >> 32)) {
      return -1;
    }
    b->generation[idx]++;
    b->next_free[idx] = b->free_head;
    b->free_head = idx;
  }
  return 0;
}

/* ---- schedule build: N systems in one ASYNC group ------------------------ */

/* System i writes component i % K and reads another one, K = N / 2: each
 * component has about two writers and two readers, so the serialized
 * conflicts (the edges) grow with N, as the work does. A host builds its
 * schedule once, from a cold cache: every run starts after a sweep of a
 * buffer larger than the L2 cache, so that a small build does not run on
 * the memory the previous run left in the cache. */
enum { COLD_SWEEP_BYTES = 16u << 20 };

typedef struct build_ctx_t {
  uint32_t systems;
  ecs_world_t *world;
  ecs_component_t *comps;
  uint32_t comp_count;
  char (*names)[NAME_MAX_LEN];
  ecs_scheduler_t *sched;
  unsigned char *sweep;
} build_ctx_t;

static void build_teardown(void *user, size_t n) {
  build_ctx_t *c = user;
  (void)n;
  ecs_scheduler_free(c->sched);
  ecs_world_free(c->world);
  free(c->comps);
  free(c->names);
  free(c->sweep);
  c->sched = NULL;
  c->world = NULL;
  c->comps = NULL;
  c->names = NULL;
  c->sweep = NULL;
}

static int build_setup(void *user, size_t n) {
  build_ctx_t *c = user;
  (void)n;
  c->comp_count = c->systems / 2 > 2 ? c->systems / 2 : 2;
  c->comps = malloc(c->comp_count * sizeof *c->comps);
  c->names = malloc(c->systems * sizeof *c->names);
  c->sweep = malloc(COLD_SWEEP_BYTES);
  if (!c->comps || !c->names || !c->sweep || !(c->world = ecs_world_new(NULL))) {
    return -1;
  }
  for (uint32_t k = 0; k < c->comp_count; ++k) {
    char name[32];
    snprintf(name, sizeof name, "C%u", (unsigned)k);
    if (!(c->comps[k] = add_component(c->world, name, sizeof(float), ECS_ALIGNOF(float), ECS_STORAGE_DEFAULT))) {
      return -1;
    }
  }
  for (uint32_t i = 0; i < c->systems; ++i) {
    snprintf(c->names[i], NAME_MAX_LEN, "system_%05u", (unsigned)i);
  }
  return 0;
}

static int build_reset(void *user, size_t n) {
  build_ctx_t *c = user;
  (void)n;
  ecs_scheduler_free(c->sched); /* the previous run's; freeing is not timed */
  c->sched = NULL;
  memset(c->sweep, 0x5a, COLD_SWEEP_BYTES);
  bench_do_not_optimize(c->sweep);
  return 0;
}

static int build_run(void *user, size_t n) {
  build_ctx_t *c = user;
  (void)n;
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(c->world);
  if (!b) {
    return -1;
  }
  int bad = ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.threads = ECS_POOL_INLINE,
                                                               .on_conflict = ECS_CONFLICT_SERIALIZE}) != ECS_OK;
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "main", .mode = ECS_GROUP_ASYNC});
  uint32_t k = c->comp_count;
  for (uint32_t i = 0; i < c->systems; ++i) {
    uint32_t w = i % k;
    uint32_t r = (uint32_t)(((uint64_t)i * 2654435761u + 7u) % k);
    r = r == w ? (r + 1) % k : r;
    ecs_system_desc_t d = {
        .name = c->names[i],
        .query = {.terms = {{c->comps[w], ECS_ACCESS_WRITE}, {c->comps[r], ECS_ACCESS_READ}}},
        .callback = empty_system,
    };
    bad |= ecs_builder_add_system(b, g, &d) != ECS_OK;
  }
  if (ecs_scheduler_build(b, &c->sched) != ECS_OK) { /* frees the builder */
    fprintf(stderr, "scale_build: %s\n", ecs_last_error(c->world));
    return -1;
  }
  return bad ? -1 : 0;
}

/* ---- tick: N empty systems in one SYNC group ----------------------------- */

typedef struct tick_ctx_t {
  uint32_t systems;
  ecs_world_t *world;
  ecs_scheduler_t *sched;
} tick_ctx_t;

static void tick_teardown(void *user, size_t n) {
  tick_ctx_t *c = user;
  (void)n;
  ecs_scheduler_free(c->sched);
  ecs_world_free(c->world);
  c->sched = NULL;
  c->world = NULL;
}

static int tick_setup(void *user, size_t n) {
  tick_ctx_t *c = user;
  (void)n;
  if (!(c->world = ecs_world_new(NULL))) {
    return -1;
  }
  ecs_component_t pos = add_component(c->world, "Position", sizeof(Position), ECS_ALIGNOF(Position), 0);
  ecs_component_t vel = add_component(c->world, "Velocity", sizeof(Velocity), ECS_ALIGNOF(Velocity), 0);
  int bad = !pos || !vel;
  for (int i = 0; i < TICK_ENTITIES && !bad; ++i) {
    ecs_entity_t e = ecs_entity_create(c->world);
    bad |= ecs_set(c->world, e, pos, &(Position){(float)i, 0.0f, 0.0f}) != ECS_OK;
    bad |= ecs_set(c->world, e, vel, &(Velocity){1.0f, 0.0f, 0.0f}) != ECS_OK;
  }
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(c->world);
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "main", .mode = ECS_GROUP_SYNC});
  for (uint32_t i = 0; i < c->systems; ++i) {
    char name[NAME_MAX_LEN];
    snprintf(name, sizeof name, "system_%05u", (unsigned)i);
    ecs_builder_add_system(b, g,
                           &(ecs_system_desc_t){.name = name,
                                                .query = {.terms = {{pos, ECS_ACCESS_WRITE}, {vel, ECS_ACCESS_READ}}},
                                                .callback = empty_system});
  }
  if (ecs_scheduler_build(b, &c->sched) != ECS_OK) {
    fprintf(stderr, "scale_tick: %s\n", ecs_last_error(c->world));
    return -1;
  }
  return bad ? -1 : 0;
}

/* n = systems x ticks: ns/op is per system per tick. */
static int tick_run(void *user, size_t n) {
  tick_ctx_t *c = user;
  int bad = 0;
  for (size_t t = 0; t < n / c->systems; ++t) {
    bad |= ecs_scheduler_tick(c->sched, 1.0 / 60.0, NULL) != ECS_OK;
  }
  return bad ? -1 : 0;
}

typedef int (*base_system_fn)(void *ctx);

typedef struct tick_base_t {
  uint32_t systems;
  base_system_fn *fns;
} tick_base_t;

static int base_empty_system(void *ctx) {
  (void)ctx;
  return 0;
}

static void tick_base_teardown(void *user, size_t n) {
  tick_base_t *b = user;
  (void)n;
  free(b->fns);
  b->fns = NULL;
}

static int tick_base_setup(void *user, size_t n) {
  tick_base_t *b = user;
  (void)n;
  if (!(b->fns = malloc(b->systems * sizeof *b->fns))) {
    return -1;
  }
  for (uint32_t i = 0; i < b->systems; ++i) {
    b->fns[i] = base_empty_system;
  }
  return 0;
}

/* The same calls through an array of function pointers. */
static int tick_base_run(void *user, size_t n) {
  tick_base_t *b = user;
  int bad = 0;
  for (size_t t = 0; t < n / b->systems; ++t) {
    bench_do_not_optimize(b->fns);
    for (uint32_t i = 0; i < b->systems; ++i) {
      bad |= b->fns[i](b);
    }
  }
  return bad;
}

/* ---- iteration over T archetype tables ----------------------------------- */

/* Table t holds Position, Velocity and the tags of the bits of t. */
typedef struct iter_ctx_t {
  uint32_t tables;
  ecs_world_t *world;
  ecs_query_t *query;
} iter_ctx_t;

static void iter_teardown(void *user, size_t n) {
  iter_ctx_t *c = user;
  (void)n;
  ecs_world_free(c->world); /* frees the query too */
  c->world = NULL;
  c->query = NULL;
}

static int iter_setup(void *user, size_t n) {
  iter_ctx_t *c = user;
  (void)n;
  if (!(c->world = ecs_world_new(NULL))) {
    return -1;
  }
  ecs_component_t pos = add_component(c->world, "Position", sizeof(Position), ECS_ALIGNOF(Position), 0);
  ecs_component_t vel = add_component(c->world, "Velocity", sizeof(Velocity), ECS_ALIGNOF(Velocity), 0);
  ecs_component_t tags[ITER_TAGS];
  int bad = !pos || !vel;
  for (int k = 0; k < ITER_TAGS; ++k) {
    char name[16];
    snprintf(name, sizeof name, "Tag%d", k);
    bad |= !(tags[k] = add_component(c->world, name, 0, 0, 0));
  }
  Position p[ITER_ROWS];
  Velocity v[ITER_ROWS];
  for (int i = 0; i < ITER_ROWS; ++i) {
    p[i] = (Position){(float)i, 0.0f, 0.0f};
    v[i] = (Velocity){0.001f, 0.002f, 0.003f};
  }
  for (uint32_t t = 0; t < c->tables && !bad; ++t) {
    ecs_bulk_desc_t d = {.count = ITER_ROWS, .components = {pos, vel}, .values = {p, v}};
    int m = 2;
    for (int k = 0; k < ITER_TAGS; ++k) {
      if (t & (1u << k)) {
        d.components[m++] = tags[k];
      }
    }
    bad |= ecs_bulk_create(c->world, &d, NULL) != ECS_OK;
  }
  c->query = ecs_query_new(c->world, &(ecs_query_desc_t){.terms = {{pos, ECS_ACCESS_WRITE}, {vel, ECS_ACCESS_READ}}});
  return bad || !c->query ? -1 : 0;
}

/* n = tables x passes: ns/op is per table visited. */
static int iter_run(void *user, size_t n) {
  iter_ctx_t *c = user;
  size_t chunks = 0;
  for (size_t pass = 0; pass < n / c->tables; ++pass) {
    size_t k = 0;
    if (move_pass(c->query, &k) == SIZE_MAX) {
      return -1;
    }
    chunks += k;
  }
  return chunks == n ? 0 : -1;
}

/* The same values in T pairs of separately allocated blocks (room for 16
 * rows, as a table's columns have), walked through an array of pointers:
 * what the memory layout costs without a library. */
typedef struct iter_block_t {
  Position *p;
  Velocity *v;
  uint32_t count;
} iter_block_t;

typedef struct iter_base_t {
  uint32_t tables;
  iter_block_t *blocks;
} iter_base_t;

static void iter_base_teardown(void *user, size_t n) {
  iter_base_t *b = user;
  (void)n;
  for (uint32_t t = 0; b->blocks && t < b->tables; ++t) {
    free(b->blocks[t].p);
    free(b->blocks[t].v);
  }
  free(b->blocks);
  b->blocks = NULL;
}

static int iter_base_setup(void *user, size_t n) {
  iter_base_t *b = user;
  (void)n;
  if (!(b->blocks = calloc(b->tables, sizeof *b->blocks))) {
    return -1;
  }
  for (uint32_t t = 0; t < b->tables; ++t) {
    iter_block_t *k = &b->blocks[t];
    k->p = malloc(16 * sizeof *k->p);
    k->v = malloc(16 * sizeof *k->v);
    if (!k->p || !k->v) {
      return -1;
    }
    k->count = ITER_ROWS;
    for (int i = 0; i < ITER_ROWS; ++i) {
      k->p[i] = (Position){(float)i, 0.0f, 0.0f};
      k->v[i] = (Velocity){0.001f, 0.002f, 0.003f};
    }
  }
  return 0;
}

static int iter_base_run(void *user, size_t n) {
  iter_base_t *b = user;
  for (size_t pass = 0; pass < n / b->tables; ++pass) {
    for (uint32_t t = 0; t < b->tables; ++t) {
      iter_block_t *k = &b->blocks[t];
      Position *p = k->p;
      const Velocity *v = k->v;
      for (uint32_t i = 0; i < k->count; ++i) {
        p[i].x += v[i].x;
        p[i].y += v[i].y;
        p[i].z += v[i].z;
      }
    }
    bench_do_not_optimize(b->blocks);
  }
  return 0;
}

/* ---- registration --------------------------------------------------------- */

typedef struct scale_case_t {
  char workload[NAME_MAX_LEN];
  union {
    churn_ctx_t churn;
    build_ctx_t build;
    tick_ctx_t tick;
    iter_ctx_t iter;
  } ctx;
  union {
    churn_base_t churn;
    tick_base_t tick;
    iter_base_t iter;
  } base;
} scale_case_t;

struct scale_suite_t {
  bool sweep;
  scale_case_t *cases;
  size_t count;
  size_t cap;
};

static const bench_fns_t churn_fns = {.setup = churn_setup, .run = churn_run, .teardown = churn_teardown};
static const bench_fns_t churn_base_fns = {
    .setup = churn_base_setup, .run = churn_base_run, .teardown = churn_base_teardown};
static const bench_fns_t build_fns = {
    .setup = build_setup, .reset = build_reset, .run = build_run, .teardown = build_teardown};
static const bench_fns_t tick_fns = {.setup = tick_setup, .run = tick_run, .teardown = tick_teardown};
static const bench_fns_t tick_base_fns = {
    .setup = tick_base_setup, .run = tick_base_run, .teardown = tick_base_teardown};
static const bench_fns_t iter_fns = {.setup = iter_setup, .run = iter_run, .teardown = iter_teardown};
static const bench_fns_t iter_base_fns = {
    .setup = iter_base_setup, .run = iter_base_run, .teardown = iter_base_teardown};

bool bench_scale_take_flag(int *argc, char **argv) {
  bool found = false;
  int out = 1;
  for (int i = 1; i < *argc; ++i) {
    if (strcmp(argv[i], "--scale") == 0) {
      found = true;
    } else {
      argv[out++] = argv[i];
    }
  }
  if (out < *argc) {
    argv[out] = NULL;
  }
  *argc = out;
  return found;
}

scale_suite_t *bench_scale_new(bool sweep) {
  scale_suite_t *s = calloc(1, sizeof *s);
  if (!s) {
    return NULL;
  }
  s->sweep = sweep;
  /* the case structs are handed to the harness by address: no realloc */
  s->cap = COUNT(churn_sizes) * COUNT(churn_kinds) + COUNT(build_sizes) + COUNT(tick_sizes) + COUNT(iter_sizes);
  if (!(s->cases = calloc(s->cap, sizeof *s->cases))) {
    free(s);
    return NULL;
  }
  return s;
}

void bench_scale_free(scale_suite_t *s) {
  if (s) {
    free(s->cases);
    free(s);
  }
}

static scale_case_t *next_case(scale_suite_t *s, const char *curve, uint32_t size) {
  if (s->count == s->cap) {
    return NULL;
  }
  scale_case_t *c = &s->cases[s->count++];
  snprintf(c->workload, sizeof c->workload, "scale_%s_%u", curve, (unsigned)size);
  return c;
}

static int add(bench_t *b, const scale_case_t *c, const char *storage, size_t n, const bench_fns_t *fns, void *user,
               const bench_fns_t *base, void *base_user) {
  bench_case_desc_t d = {
      .workload = c->workload,
      .storage = storage,
      .threads = 1,
      .n = n,
      .fns = *fns,
      .user = user,
      .baseline = base ? *base : (bench_fns_t){0},
      .baseline_user = base_user,
  };
  return bench_add(b, &d);
}

int bench_scale_register(bench_t *b, scale_suite_t *s) {
  int bad = 0;
  /* churn: the default run has churn and churn_1000_types (bench_main.c) */
  for (size_t k = 0; s->sweep && k < COUNT(churn_kinds); ++k) {
    for (size_t i = 0; i < COUNT(churn_sizes); ++i) {
      scale_case_t *c = next_case(s, "churn_types", churn_sizes[i]);
      if (!c) {
        return -1;
      }
      c->ctx.churn = (churn_ctx_t){.kind = churn_kinds[k].kind, .types = churn_sizes[i]};
      bad |=
          add(b, c, churn_kinds[k].label, CHURN_ENTITIES, &churn_fns, &c->ctx.churn, &churn_base_fns, &c->base.churn);
    }
  }
  const uint32_t *sizes = s->sweep ? build_sizes : build_default;
  size_t count = s->sweep ? COUNT(build_sizes) : COUNT(build_default);
  for (size_t i = 0; i < count; ++i) {
    scale_case_t *c = next_case(s, "build", sizes[i]);
    if (!c) {
      return -1;
    }
    c->ctx.build = (build_ctx_t){.systems = sizes[i]};
    bad |= add(b, c, "default", sizes[i], &build_fns, &c->ctx.build, NULL, NULL);
  }
  sizes = s->sweep ? tick_sizes : tick_default;
  count = s->sweep ? COUNT(tick_sizes) : COUNT(tick_default);
  for (size_t i = 0; i < count; ++i) {
    scale_case_t *c = next_case(s, "tick", sizes[i]);
    if (!c) {
      return -1;
    }
    size_t ticks = TICK_SYSTEM_RUNS / sizes[i] > 10 ? TICK_SYSTEM_RUNS / sizes[i] : 10;
    c->ctx.tick = (tick_ctx_t){.systems = sizes[i]};
    c->base.tick = (tick_base_t){.systems = sizes[i]};
    bad |= add(b, c, "default", ticks * sizes[i], &tick_fns, &c->ctx.tick, &tick_base_fns, &c->base.tick);
  }
  sizes = s->sweep ? iter_sizes : iter_default;
  count = s->sweep ? COUNT(iter_sizes) : COUNT(iter_default);
  for (size_t i = 0; i < count; ++i) {
    scale_case_t *c = next_case(s, "iter_tables", sizes[i]);
    if (!c) {
      return -1;
    }
    size_t passes = ITER_TABLE_VISITS / sizes[i] > 1 ? ITER_TABLE_VISITS / sizes[i] : 1;
    c->ctx.iter = (iter_ctx_t){.tables = sizes[i]};
    c->base.iter = (iter_base_t){.tables = sizes[i]};
    bad |= add(b, c, "default", passes * sizes[i], &iter_fns, &c->ctx.iter, &iter_base_fns, &c->base.iter);
  }
  return bad ? -1 : 0;
}
