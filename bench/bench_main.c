/* ecs_bench: libecs workloads, each measured against a raw-C-array baseline
 * doing the same job in the same process.
 *
 * Every workload takes its storage kind as a parameter (the component
 * descriptors' .storage), so a new storage backend is benchmarked by adding
 * one line to the storages[] table below. Work that a workload is not about
 * (building the world it iterates, say) happens in setup or reset, untimed.
 *
 * usage: ecs_bench [--filter SUBSTR] [--repeat N] [--json FILE] [--list] [--help]
 *        [--scale]   (every size of the scale_* curves, bench_scale.h) */
#include "bench_bounds.h"
#include "bench_bulk.h"
#include "bench_default.h"
#include "bench_delta.h"
#include "bench_relation.h"
#include "bench_scale.h"
#if ECS_BENCH_CPP
#include "bench_cpp.h"
#endif
#include "bench_sched.h"
#include "harness.h"
#include "workloads.h"

#include <ecs.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct storage_t {
  ecs_storage_kind_t kind;
  const char *label;
} storage_t;

/* The storage kinds benchmarked; each workload runs once per entry. */
static const storage_t storages[] = {
    {ECS_STORAGE_DENSE, "dense"},
    {ECS_STORAGE_SPARSE, "sparse"},
    {ECS_STORAGE_ARCHETYPE, "archetype"},
};
#define STORAGE_COUNT (sizeof storages / sizeof storages[0])

enum {
  INSERT_N = 10000,
  ITER_SMALL_N = 10000,
  ITER_LARGE_N = 1000000,
  ADD_REMOVE_N = 10000,
  CHURN_N = 100000,
  CHURN_BATCH = 10000,
  DEFERRED_N = 100000,
  OVERHEAD_SYSTEMS = 100,
  OVERHEAD_TICKS = 100,
};

/* ---- helpers ------------------------------------------------------------ */

static ecs_component_t register_component(ecs_world_t *w, ecs_storage_kind_t kind, const char *name, size_t size,
                                          size_t alignment) {
  ecs_component_desc_t d = {.name = name, .size = size, .alignment = alignment, .storage = kind};
  return ecs_component_register(w, &d);
}

#define REGISTER(world, kind, T) register_component((world), (kind), #T, sizeof(T), ECS_ALIGNOF(T))

static Transform transform_at(float x) {
  Transform t = {{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, x, 0, 0, 1}};
  return t;
}

/* Creates a world with Position and Velocity of the given storage kind. */
static ecs_world_t *world_pos_vel(ecs_storage_kind_t kind, ecs_component_t *pos, ecs_component_t *vel) {
  ecs_world_t *w = ecs_world_new(NULL);
  if (!w) {
    return NULL;
  }
  *pos = REGISTER(w, kind, Position);
  *vel = REGISTER(w, kind, Velocity);
  if (*pos == ECS_COMPONENT_NULL || *vel == ECS_COMPONENT_NULL) {
    fprintf(stderr, "component registration failed: %s\n", ecs_last_error(w));
    ecs_world_free(w);
    return NULL;
  }
  return w;
}

/* ---- simple_insert: n entities with 4 components ------------------------ */

typedef struct insert_ctx_t {
  ecs_storage_kind_t kind;
  bool deferred; /* through a command buffer instead of ecs_set */
  ecs_world_t *world;
  ecs_cmd_buffer_t *buf;
  ecs_component_t transform, position, rotation, velocity;
} insert_ctx_t;

static void insert_free(void *user, size_t n) {
  insert_ctx_t *c = user;
  (void)n;
  ecs_cmd_buffer_free(c->buf);
  ecs_world_free(c->world);
  c->buf = NULL;
  c->world = NULL;
}

/* Every run fills a fresh world, so storage growth is part of the cost. */
static int insert_reset(void *user, size_t n) {
  insert_ctx_t *c = user;
  insert_free(c, n);
  ecs_world_desc_t desc = {.initial_entities = (uint32_t)n + 1};
  if (!(c->world = ecs_world_new(&desc))) {
    return -1;
  }
  c->transform = REGISTER(c->world, c->kind, Transform);
  c->position = REGISTER(c->world, c->kind, Position);
  c->rotation = REGISTER(c->world, c->kind, Rotation);
  c->velocity = REGISTER(c->world, c->kind, Velocity);
  if (!c->transform || !c->position || !c->rotation || !c->velocity) {
    return -1;
  }
  if (c->deferred && !(c->buf = ecs_cmd_buffer_new(c->world))) {
    return -1;
  }
  return 0;
}

/* One entity's worth of values, the same for both insert paths. */
typedef struct insert_values_t {
  Transform t;
  Position p;
  Rotation r;
  Velocity v;
} insert_values_t;

static insert_values_t insert_values(size_t i) {
  float f = (float)i;
  return (insert_values_t){transform_at(f), {f, 0.0f, 0.0f}, {0.0f, 0.0f, 0.0f, 1.0f}, {1.0f, 0.0f, 0.0f}};
}

static int insert_run(void *user, size_t n) {
  insert_ctx_t *c = user;
  ecs_world_t *w = c->world;
  int bad = 0;
  for (size_t i = 0; i < n; ++i) {
    insert_values_t v = insert_values(i);
    ecs_entity_t e = ecs_entity_create(w);
    bad |= ecs_set(w, e, c->transform, &v.t) != ECS_OK;
    bad |= ecs_set(w, e, c->position, &v.p) != ECS_OK;
    bad |= ecs_set(w, e, c->rotation, &v.r) != ECS_OK;
    bad |= ecs_set(w, e, c->velocity, &v.v) != ECS_OK;
  }
  return bad || ecs_entity_count(w) != n ? -1 : 0;
}

static int insert_cmd_run(void *user, size_t n) {
  insert_ctx_t *c = user;
  ecs_cmd_buffer_t *buf = c->buf;
  int bad = 0;
  for (size_t i = 0; i < n; ++i) {
    insert_values_t v = insert_values(i);
    ecs_entity_t e = ecs_cmd_create(buf);
    bad |= ecs_cmd_set(buf, e, c->transform, &v.t) != ECS_OK;
    bad |= ecs_cmd_set(buf, e, c->position, &v.p) != ECS_OK;
    bad |= ecs_cmd_set(buf, e, c->rotation, &v.r) != ECS_OK;
    bad |= ecs_cmd_set(buf, e, c->velocity, &v.v) != ECS_OK;
  }
  ecs_cmd_stats_t stats;
  bad |= ecs_cmd_buffer_apply(buf, &stats) != ECS_OK;
  return bad || stats.applied != 5 * n || ecs_entity_count(c->world) != n ? -1 : 0;
}

typedef struct insert_base_t {
  Transform *t;
  Position *p;
  Rotation *r;
  Velocity *v;
} insert_base_t;

static void insert_base_free(void *user, size_t n) {
  insert_base_t *b = user;
  (void)n;
  free(b->t);
  free(b->p);
  free(b->r);
  free(b->v);
  *b = (insert_base_t){0};
}

static int insert_base_reset(void *user, size_t n) {
  insert_base_free(user, n);
  return 0;
}

/* Allocates the four arrays (the ECS builds its storage too) and fills them. */
static int insert_base_run(void *user, size_t n) {
  insert_base_t *b = user;
  b->t = malloc(n * sizeof *b->t);
  b->p = malloc(n * sizeof *b->p);
  b->r = malloc(n * sizeof *b->r);
  b->v = malloc(n * sizeof *b->v);
  if (!b->t || !b->p || !b->r || !b->v) {
    return -1;
  }
  for (size_t i = 0; i < n; ++i) {
    insert_values_t v = insert_values(i);
    b->t[i] = v.t;
    b->p[i] = v.p;
    b->r[i] = v.r;
    b->v[i] = v.v;
  }
  bench_do_not_optimize(b->t);
  bench_do_not_optimize(b->p);
  bench_do_not_optimize(b->r);
  bench_do_not_optimize(b->v);
  return 0;
}

/* ---- simple_iter: Position += Velocity over a query --------------------- */

typedef struct iter_ctx_t {
  ecs_storage_kind_t kind;
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
  ecs_component_t pos, vel;
  if (!(c->world = world_pos_vel(c->kind, &pos, &vel))) {
    return -1;
  }
  /* DENSE: Position and Velocity packed, so that the query walks two
   * contiguous columns (docs/storages.md) */
  ecs_component_t members[2] = {pos, vel};
  int bad = c->kind == ECS_STORAGE_DENSE && ecs_component_pack(c->world, members, 2) != ECS_OK;
  for (size_t i = 0; i < n; ++i) {
    ecs_entity_t e = ecs_entity_create(c->world);
    bad |= ecs_set(c->world, e, pos, &(Position){(float)i, 0.0f, 0.0f}) != ECS_OK;
    bad |= ecs_set(c->world, e, vel, &(Velocity){0.001f, 0.002f, 0.003f}) != ECS_OK;
  }
  ecs_query_desc_t q = {.terms = {{pos, ECS_ACCESS_WRITE}, {vel, ECS_ACCESS_READ}}};
  c->query = ecs_query_new(c->world, &q);
  return bad || !c->query ? -1 : 0;
}

static int iter_run(void *user, size_t n) {
  iter_ctx_t *c = user;
  size_t rows = 0;
  ecs_iter_t it = ecs_query_iter(c->query);
  while (ecs_iter_next(&it)) {
    /* two contiguous columns where the storage gives them, else per row */
    Position *pcol = ecs_field(&it, 0);
    const Velocity *vcol = ecs_field(&it, 1);
    if (pcol && vcol) {
      for (int32_t i = 0; i < it.count; ++i) {
        pcol[i].x += vcol[i].x;
        pcol[i].y += vcol[i].y;
        pcol[i].z += vcol[i].z;
      }
    } else {
      for (int32_t i = 0; i < it.count; ++i) {
        Position *p = ecs_field_at(&it, 0, i);
        const Velocity *v = ecs_field_at(&it, 1, i);
        p->x += v->x;
        p->y += v->y;
        p->z += v->z;
      }
    }
    rows += (size_t)it.count;
  }
  return rows == n ? 0 : -1;
}

typedef struct iter_base_t {
  Position *p;
  Velocity *v;
} iter_base_t;

static void iter_base_teardown(void *user, size_t n) {
  iter_base_t *b = user;
  (void)n;
  free(b->p);
  free(b->v);
  *b = (iter_base_t){0};
}

static int iter_base_setup(void *user, size_t n) {
  iter_base_t *b = user;
  b->p = malloc(n * sizeof *b->p);
  b->v = malloc(n * sizeof *b->v);
  if (!b->p || !b->v) {
    return -1;
  }
  for (size_t i = 0; i < n; ++i) {
    b->p[i] = (Position){(float)i, 0.0f, 0.0f};
    b->v[i] = (Velocity){0.001f, 0.002f, 0.003f};
  }
  return 0;
}

static int iter_base_run(void *user, size_t n) {
  iter_base_t *b = user;
  Position *p = b->p;
  const Velocity *v = b->v;
  for (size_t i = 0; i < n; ++i) {
    p[i].x += v[i].x;
    p[i].y += v[i].y;
    p[i].z += v[i].z;
  }
  bench_do_not_optimize(p);
  return 0;
}

/* ---- add_remove: add then remove Velocity on n entities ----------------- */

/* Shared by add_remove and deferred: n entities holding a Position. */
typedef struct entities_ctx_t {
  ecs_storage_kind_t kind;
  ecs_world_t *world;
  ecs_cmd_buffer_t *buf; /* deferred only */
  ecs_entity_t *entities;
  ecs_component_t pos, vel;
} entities_ctx_t;

static void entities_teardown(void *user, size_t n) {
  entities_ctx_t *c = user;
  (void)n;
  ecs_cmd_buffer_free(c->buf);
  ecs_world_free(c->world);
  free(c->entities);
  c->buf = NULL;
  c->world = NULL;
  c->entities = NULL;
}

static int entities_setup(void *user, size_t n) {
  entities_ctx_t *c = user;
  if (!(c->world = world_pos_vel(c->kind, &c->pos, &c->vel)) || !(c->entities = malloc(n * sizeof *c->entities))) {
    return -1;
  }
  int bad = 0;
  for (size_t i = 0; i < n; ++i) {
    c->entities[i] = ecs_entity_create(c->world);
    bad |= ecs_set(c->world, c->entities[i], c->pos, &(Position){(float)i, 0.0f, 0.0f}) != ECS_OK;
  }
  return bad ? -1 : 0;
}

static int add_remove_run(void *user, size_t n) {
  entities_ctx_t *c = user;
  ecs_world_t *w = c->world;
  int bad = 0;
  for (size_t i = 0; i < n; ++i) {
    bad |= ecs_add(w, c->entities[i], c->vel) != ECS_OK;
  }
  bad |= ecs_component_count(w, c->vel) != n;
  for (size_t i = 0; i < n; ++i) {
    bad |= ecs_remove(w, c->entities[i], c->vel) != ECS_OK;
  }
  return bad || ecs_component_count(w, c->vel) != 0 ? -1 : 0;
}

/* What a recorded command holds: entity, component, kind. */
typedef struct base_cmd_t {
  uint64_t entity;
  uint32_t component;
  uint8_t kind;
} base_cmd_t;

typedef struct flags_base_t {
  unsigned char *has_vel;
  Velocity *vel;
  /* deferred only: the recorded operations */
  base_cmd_t *cmds;
  size_t cmd_count;
  size_t cmd_cap;
} flags_base_t;

static void flags_base_teardown(void *user, size_t n) {
  flags_base_t *b = user;
  (void)n;
  free(b->has_vel);
  free(b->vel);
  free(b->cmds);
  *b = (flags_base_t){0};
}

static int flags_base_setup(void *user, size_t n) {
  flags_base_t *b = user;
  b->has_vel = calloc(n, sizeof *b->has_vel);
  b->vel = malloc(n * sizeof *b->vel);
  return b->has_vel && b->vel ? 0 : -1;
}

static int add_remove_base_run(void *user, size_t n) {
  flags_base_t *b = user;
  for (size_t i = 0; i < n; ++i) {
    b->has_vel[i] = 1;
    b->vel[i] = (Velocity){0.0f, 0.0f, 0.0f};
  }
  bench_do_not_optimize(b->has_vel);
  bench_do_not_optimize(b->vel);
  for (size_t i = 0; i < n; ++i) {
    b->has_vel[i] = 0;
  }
  bench_do_not_optimize(b->has_vel);
  return 0;
}

/* ---- churn: create + destroy entities with 2 components in batches ------ */

typedef struct churn_ctx_t {
  ecs_storage_kind_t kind;
  uint32_t extra_types; /* more registered component types (unused): destroy must not visit them */
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
  (void)n;
  c->world = world_pos_vel(c->kind, &c->pos, &c->vel);
  c->batch = malloc(CHURN_BATCH * sizeof *c->batch);
  for (uint32_t t = 0; c->world && t < c->extra_types; ++t) {
    char name[32];
    snprintf(name, sizeof name, "Unused%u", (unsigned)t);
    if (!register_component(c->world, c->kind, name, sizeof(Position), ECS_ALIGNOF(Position))) {
      return -1;
    }
  }
  return c->world && c->batch ? 0 : -1;
}

static int churn_run(void *user, size_t n) {
  churn_ctx_t *c = user;
  ecs_world_t *w = c->world;
  int bad = 0;
  for (size_t done = 0; done < n; done += CHURN_BATCH) {
    size_t count = n - done < CHURN_BATCH ? n - done : CHURN_BATCH;
    bad |= churn_batch(w, c->pos, c->vel, c->batch, count);
  }
  return bad || ecs_entity_count(w) != 0 ? -1 : 0;
}

/* Slots with generations and a LIFO free list, values in plain arrays. */
typedef struct churn_base_t {
  Position *pos;
  Velocity *vel;
  uint32_t *generation;
  uint32_t *next_free;
  unsigned char *alive;
  uint64_t *batch;
  uint32_t count;
  uint32_t cap;
  uint32_t free_head; /* UINT32_MAX: empty */
} churn_base_t;

static void churn_base_teardown(void *user, size_t n) {
  churn_base_t *b = user;
  (void)n;
  free(b->pos);
  free(b->vel);
  free(b->generation);
  free(b->next_free);
  free(b->alive);
  free(b->batch);
  *b = (churn_base_t){0};
}

static int churn_base_setup(void *user, size_t n) {
  churn_base_t *b = user;
  (void)n;
  b->cap = CHURN_BATCH;
  b->pos = malloc(b->cap * sizeof *b->pos);
  b->vel = malloc(b->cap * sizeof *b->vel);
  b->generation = calloc(b->cap, sizeof *b->generation);
  b->next_free = malloc(b->cap * sizeof *b->next_free);
  b->alive = calloc(b->cap, sizeof *b->alive);
  b->batch = malloc(CHURN_BATCH * sizeof *b->batch);
  b->free_head = UINT32_MAX;
  return b->pos && b->vel && b->generation && b->next_free && b->alive && b->batch ? 0 : -1;
}

static int churn_base_run(void *user, size_t n) {
  churn_base_t *b = user;
  int bad = 0;
  for (size_t done = 0; done < n; done += CHURN_BATCH) {
    size_t count = n - done < CHURN_BATCH ? n - done : CHURN_BATCH;
    for (size_t i = 0; i < count; ++i) {
      uint32_t idx = b->free_head;
      if (idx != UINT32_MAX) {
        b->free_head = b->next_free[idx];
      } else if (b->count < b->cap) {
        idx = b->count++;
      } else {
        return -1; /* never more than one batch alive */
      }
      b->alive[idx] = 1;
      b->pos[idx] = (Position){(float)i, 0.0f, 0.0f};
      b->vel[idx] = (Velocity){1.0f, 0.0f, 0.0f};
      b->batch[i] = (uint64_t)b->generation[idx] << 32 | idx;
    }
    bench_do_not_optimize(b->pos);
    bench_do_not_optimize(b->vel);
    for (size_t i = 0; i < count; ++i) {
      uint32_t idx = (uint32_t)b->batch[i];
      bad |= !b->alive[idx] || b->generation[idx] != (uint32_t)(b->batch[i] >> 32);
      b->alive[idx] = 0;
      b->generation[idx]++;
      b->next_free[idx] = b->free_head;
      b->free_head = idx;
    }
  }
  return bad ? -1 : 0;
}

/* ---- deferred: n queued ecs_cmd_add applied in one apply ---------------- */

static int deferred_setup(void *user, size_t n) {
  entities_ctx_t *c = user;
  if (entities_setup(c, n) != 0) {
    return -1;
  }
  c->buf = ecs_cmd_buffer_new(c->world);
  return c->buf ? 0 : -1;
}

/* Takes Velocity off again so every run adds it to all n entities. */
static int deferred_reset(void *user, size_t n) {
  entities_ctx_t *c = user;
  int bad = 0;
  for (size_t i = 0; i < n; ++i) {
    bad |= ecs_remove(c->world, c->entities[i], c->vel) != ECS_OK;
  }
  return bad ? -1 : 0;
}

static int deferred_run(void *user, size_t n) {
  entities_ctx_t *c = user;
  int bad = 0;
  for (size_t i = 0; i < n; ++i) {
    bad |= ecs_cmd_add(c->buf, c->entities[i], c->vel) != ECS_OK;
  }
  ecs_cmd_stats_t stats;
  bad |= ecs_cmd_buffer_apply(c->buf, &stats) != ECS_OK;
  return bad || stats.applied != n || ecs_component_count(c->world, c->vel) != n ? -1 : 0;
}

static int deferred_base_reset(void *user, size_t n) {
  flags_base_t *b = user;
  memset(b->has_vel, 0, n * sizeof *b->has_vel);
  return 0;
}

static int deferred_base_run(void *user, size_t n) {
  flags_base_t *b = user;
  b->cmd_count = 0;
  for (size_t i = 0; i < n; ++i) {
    if (b->cmd_count == b->cmd_cap) {
      size_t cap = b->cmd_cap ? b->cmd_cap * 2 : 64;
      base_cmd_t *cmds = realloc(b->cmds, cap * sizeof *cmds);
      if (!cmds) {
        return -1;
      }
      b->cmds = cmds;
      b->cmd_cap = cap;
    }
    /* what ecs_cmd_add records: "add component 2 to entity i" */
    b->cmds[b->cmd_count++] = (base_cmd_t){.entity = i, .component = 2, .kind = 1};
  }
  bench_do_not_optimize(b->cmds);
  for (size_t i = 0; i < b->cmd_count; ++i) {
    size_t e = (size_t)b->cmds[i].entity;
    if (!b->has_vel[e]) {
      b->has_vel[e] = 1;
      b->vel[e] = (Velocity){0.0f, 0.0f, 0.0f};
    }
  }
  bench_do_not_optimize(b->has_vel);
  bench_do_not_optimize(b->vel);
  return 0;
}

/* ---- overhead: a scheduler tick of empty systems in one SYNC group ------ */

typedef struct overhead_ctx_t {
  ecs_timing_t timing; /* the default (every system timed), or off */
  ecs_world_t *world;
  ecs_scheduler_t *sched;
} overhead_ctx_t;

static ecs_status_t empty_system(ecs_system_ctx_t *ctx) {
  (void)ctx;
  return ECS_OK;
}

static void overhead_teardown(void *user, size_t n) {
  overhead_ctx_t *c = user;
  (void)n;
  ecs_scheduler_free(c->sched);
  ecs_world_free(c->world);
  c->sched = NULL;
  c->world = NULL;
}

static int overhead_setup(void *user, size_t n) {
  overhead_ctx_t *c = user;
  (void)n;
  if (!(c->world = ecs_world_new(NULL))) {
    return -1;
  }
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(c->world);
  ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.timing = c->timing});
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "main", .mode = ECS_GROUP_SYNC});
  for (int i = 0; i < OVERHEAD_SYSTEMS; ++i) {
    char name[32];
    snprintf(name, sizeof name, "empty_%03d", i);
    ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = name, .callback = empty_system});
  }
  if (ecs_scheduler_build(b, &c->sched) != ECS_OK) {
    fprintf(stderr, "scheduler build failed: %s\n", ecs_last_error(c->world));
    return -1;
  }
  return 0;
}

/* n = systems x ticks, so ns/op is per system per tick. */
static int overhead_run(void *user, size_t n) {
  overhead_ctx_t *c = user;
  int bad = 0;
  for (size_t t = 0; t < n / OVERHEAD_SYSTEMS; ++t) {
    bad |= ecs_scheduler_tick(c->sched, 1.0 / 60.0, NULL) != ECS_OK;
  }
  return bad ? -1 : 0;
}

typedef int (*base_system_fn)(void *ctx);

typedef struct overhead_base_t {
  base_system_fn fns[OVERHEAD_SYSTEMS];
} overhead_base_t;

static int base_empty_system(void *ctx) {
  (void)ctx;
  return 0;
}

static int overhead_base_setup(void *user, size_t n) {
  overhead_base_t *b = user;
  (void)n;
  for (int i = 0; i < OVERHEAD_SYSTEMS; ++i) {
    b->fns[i] = base_empty_system;
  }
  return 0;
}

static int overhead_base_run(void *user, size_t n) {
  overhead_base_t *b = user;
  int bad = 0;
  for (size_t t = 0; t < n / OVERHEAD_SYSTEMS; ++t) {
    /* the table may have changed, as far as the compiler knows */
    bench_do_not_optimize(b->fns);
    for (int i = 0; i < OVERHEAD_SYSTEMS; ++i) {
      bad |= b->fns[i](b);
    }
  }
  return bad;
}

/* ---- registration ------------------------------------------------------- */

/* Every workload's state for one storage kind; lives in main. */
/* ---- frag_iter: 26 archetypes x 20 entities sharing Data ---------------- */

enum { FRAG_KINDS = 26, FRAG_PER_KIND = 20 };

typedef struct frag_ctx_t {
  ecs_storage_kind_t kind;
  ecs_world_t *world;
  ecs_query_t *query;
} frag_ctx_t;

static void frag_teardown(void *user, size_t n) {
  frag_ctx_t *c = user;
  (void)n;
  ecs_world_free(c->world);
  c->world = NULL;
}

/* Each entity has Data and one of 26 other components, so archetype storage
 * holds 26 small tables: the iteration cost per chunk shows. */
static int frag_setup(void *user, size_t n) {
  frag_ctx_t *c = user;
  (void)n;
  if (!(c->world = ecs_world_new(NULL))) {
    return -1;
  }
  ecs_component_t data = register_component(c->world, c->kind, "Data", sizeof(float), ECS_ALIGNOF(float));
  int bad = data == ECS_COMPONENT_NULL;
  for (int k = 0; k < FRAG_KINDS && !bad; ++k) {
    char name[2] = {(char)('A' + k), '\0'};
    ecs_component_t letter = register_component(c->world, c->kind, name, sizeof(float), ECS_ALIGNOF(float));
    for (int i = 0; i < FRAG_PER_KIND && letter; ++i) {
      ecs_entity_t e = ecs_entity_create(c->world);
      bad |= ecs_set(c->world, e, data, &(float){1.0f}) != ECS_OK;
      bad |= ecs_add(c->world, e, letter) != ECS_OK;
    }
    bad |= letter == ECS_COMPONENT_NULL;
  }
  c->query = ecs_query_new(c->world, &(ecs_query_desc_t){.terms = {{data, ECS_ACCESS_WRITE}}});
  return bad || !c->query ? -1 : 0;
}

static int frag_run(void *user, size_t n) {
  frag_ctx_t *c = user;
  size_t rows = 0;
  ecs_iter_t it = ecs_query_iter(c->query);
  while (ecs_iter_next(&it)) {
    float *col = ecs_field(&it, 0);
    for (int32_t i = 0; i < it.count; ++i) {
      float *d = col ? &col[i] : ecs_field_at(&it, 0, i);
      *d = *d * 2.0f > 1e30f ? 1.0f : *d * 2.0f; /* stays finite over many runs */
    }
    rows += (size_t)it.count;
  }
  return rows == n ? 0 : -1;
}

typedef struct frag_base_t {
  float data[FRAG_KINDS * FRAG_PER_KIND];
} frag_base_t;

static int frag_base_run(void *user, size_t n) {
  frag_base_t *b = user;
  for (size_t i = 0; i < n; ++i) {
    b->data[i] = b->data[i] * 2.0f > 1e30f ? 1.0f : b->data[i] * 2.0f;
  }
  bench_do_not_optimize(b->data);
  return 0;
}

typedef struct suite_t {
  frag_ctx_t frag;
  frag_base_t frag_base;
  insert_ctx_t insert, insert_cmd;
  insert_base_t insert_base, insert_cmd_base;
  iter_ctx_t iter_small, iter_large;
  iter_base_t iter_small_base, iter_large_base;
  entities_ctx_t add_remove, deferred;
  flags_base_t add_remove_base, deferred_base;
  churn_ctx_t churn, churn_wide;
  churn_base_t churn_base;
  overhead_ctx_t overhead;
  overhead_ctx_t overhead_untimed;
  overhead_base_t overhead_base;
} suite_t;

static const bench_fns_t insert_fns = {.reset = insert_reset, .run = insert_run, .teardown = insert_free};
static const bench_fns_t insert_cmd_fns = {.reset = insert_reset, .run = insert_cmd_run, .teardown = insert_free};
static const bench_fns_t insert_base_fns = {
    .reset = insert_base_reset, .run = insert_base_run, .teardown = insert_base_free};
static const bench_fns_t frag_fns = {.setup = frag_setup, .run = frag_run, .teardown = frag_teardown};
static const bench_fns_t frag_base_fns = {.run = frag_base_run};
static const bench_fns_t iter_fns = {.setup = iter_setup, .run = iter_run, .teardown = iter_teardown};
static const bench_fns_t iter_base_fns = {
    .setup = iter_base_setup, .run = iter_base_run, .teardown = iter_base_teardown};
static const bench_fns_t add_remove_fns = {
    .setup = entities_setup, .run = add_remove_run, .teardown = entities_teardown};
static const bench_fns_t add_remove_base_fns = {
    .setup = flags_base_setup, .run = add_remove_base_run, .teardown = flags_base_teardown};
static const bench_fns_t churn_fns = {.setup = churn_setup, .run = churn_run, .teardown = churn_teardown};
static const bench_fns_t churn_base_fns = {
    .setup = churn_base_setup, .run = churn_base_run, .teardown = churn_base_teardown};
static const bench_fns_t deferred_fns = {
    .setup = deferred_setup, .reset = deferred_reset, .run = deferred_run, .teardown = entities_teardown};
static const bench_fns_t deferred_base_fns = {
    .setup = flags_base_setup, .reset = deferred_base_reset, .run = deferred_base_run, .teardown = flags_base_teardown};
static const bench_fns_t overhead_fns = {.setup = overhead_setup, .run = overhead_run, .teardown = overhead_teardown};
static const bench_fns_t overhead_base_fns = {.setup = overhead_base_setup, .run = overhead_base_run};

static int add_case(bench_t *b, const char *workload, const storage_t *st, size_t n, const bench_fns_t *fns, void *user,
                    const bench_fns_t *base, void *base_user) {
  bench_case_desc_t d = {
      .workload = workload,
      .storage = st->label,
      .threads = 1,
      .n = n,
      .fns = *fns,
      .user = user,
      .baseline = *base,
      .baseline_user = base_user,
  };
  return bench_add(b, &d);
}

/* Adds every workload for storage @p st; @p first is true for the first
 * storage kind, the only one the storage-independent workloads run with. */
static int register_suite(bench_t *b, suite_t *s, const storage_t *st, bool first) {
  ecs_storage_kind_t k = st->kind;
  s->insert = (insert_ctx_t){.kind = k};
  s->insert_cmd = (insert_ctx_t){.kind = k, .deferred = true};
  s->iter_small = (iter_ctx_t){.kind = k};
  s->iter_large = (iter_ctx_t){.kind = k};
  s->add_remove = (entities_ctx_t){.kind = k};
  s->deferred = (entities_ctx_t){.kind = k};
  s->churn = (churn_ctx_t){.kind = k};
  s->churn_wide = (churn_ctx_t){.kind = k, .extra_types = 998};
  s->frag = (frag_ctx_t){.kind = k};
  int bad = 0;
  bad |= add_case(b, "frag_iter", st, (size_t)FRAG_KINDS * FRAG_PER_KIND, &frag_fns, &s->frag, &frag_base_fns,
                  &s->frag_base);
  bad |= add_case(b, "simple_insert", st, INSERT_N, &insert_fns, &s->insert, &insert_base_fns, &s->insert_base);
  bad |= add_case(b, "simple_insert_cmd", st, INSERT_N, &insert_cmd_fns, &s->insert_cmd, &insert_base_fns,
                  &s->insert_cmd_base);
  bad |= add_case(b, "simple_iter", st, ITER_SMALL_N, &iter_fns, &s->iter_small, &iter_base_fns, &s->iter_small_base);
  bad |= add_case(b, "simple_iter", st, ITER_LARGE_N, &iter_fns, &s->iter_large, &iter_base_fns, &s->iter_large_base);
  bad |= add_case(b, "add_remove", st, ADD_REMOVE_N, &add_remove_fns, &s->add_remove, &add_remove_base_fns,
                  &s->add_remove_base);
  bad |= add_case(b, "churn", st, CHURN_N, &churn_fns, &s->churn, &churn_base_fns, &s->churn_base);
  bad |= add_case(b, "churn_1000_types", st, CHURN_N, &churn_fns, &s->churn_wide, &churn_base_fns, &s->churn_base);
  bad |= add_case(b, "deferred", st, DEFERRED_N, &deferred_fns, &s->deferred, &deferred_base_fns, &s->deferred_base);
  if (first) {
    /* no components involved: the storage kind does not matter */
    s->overhead = (overhead_ctx_t){.timing = ECS_TIMING_DEFAULT};
    s->overhead_untimed = (overhead_ctx_t){.timing = ECS_TIMING_OFF};
    bad |= add_case(b, "overhead", st, (size_t)OVERHEAD_SYSTEMS * OVERHEAD_TICKS, &overhead_fns, &s->overhead,
                    &overhead_base_fns, &s->overhead_base);
    bad |= add_case(b, "overhead_untimed", st, (size_t)OVERHEAD_SYSTEMS * OVERHEAD_TICKS, &overhead_fns,
                    &s->overhead_untimed, &overhead_base_fns, &s->overhead_base);
  }
  return bad ? -1 : 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "--memory-child") == 0) {
    return bench_memory_child(argc, argv); /* internal: memory_rss runs the program again */
  }
  bench_t *b = bench_new();
  bool sweep = bench_scale_take_flag(&argc, argv);
  scale_suite_t *scale = bench_scale_new(sweep);
  bounds_suite_t *bounds = bench_bounds_new(sweep);
  default_suite_t *defaults = bench_default_new();
#if ECS_BENCH_CPP
  cpp_suite_t *cpp = NULL;
#endif
  suite_t *suites = calloc(STORAGE_COUNT, sizeof *suites);
  sched_suite_t *sched[STORAGE_COUNT] = {NULL};
  bulk_suite_t *bulk[STORAGE_COUNT] = {NULL};
  delta_suite_t *delta[STORAGE_COUNT] = {NULL};
  relation_suite_t *relation = NULL;
  int rc = 1;
  if (!b || !suites || !defaults || !scale || !bounds || bench_default_register(b, defaults) != 0) {
    fprintf(stderr, "out of memory\n");
    goto out;
  }
  for (size_t i = 0; i < STORAGE_COUNT; ++i) {
    sched[i] = bench_sched_new(storages[i].kind, storages[i].label);
    bulk[i] = bench_bulk_new(storages[i].kind, storages[i].label);
    if (!sched[i] || !bulk[i] || register_suite(b, &suites[i], &storages[i], i == 0) != 0 ||
        bench_sched_register(b, sched[i], i == 0) != 0 || bench_bulk_register(b, bulk[i], i == 0) != 0) {
      fprintf(stderr, "cannot register the %s workloads\n", storages[i].label);
      goto out;
    }
  }
  for (size_t i = 0; i < STORAGE_COUNT; ++i) {
    delta[i] = bench_delta_new(storages[i].kind, storages[i].label);
    if (!delta[i] || bench_delta_register(b, delta[i]) != 0) {
      fprintf(stderr, "cannot register the %s delta workloads\n", storages[i].label);
      goto out;
    }
  }
  if (bench_scale_register(b, scale) != 0 || bench_bounds_register(b, bounds) != 0) {
    fprintf(stderr, "cannot register the scale workloads\n");
    goto out;
  }
  relation = bench_relation_new();
  if (!relation || bench_relation_register(b, relation) != 0) {
    fprintf(stderr, "cannot register the relationship workloads\n");
    goto out;
  }
#if ECS_BENCH_CPP
  cpp = bench_cpp_new();
  if (!cpp || bench_cpp_register(b, cpp) != 0) {
    fprintf(stderr, "cannot register the C++ workload\n");
    goto out;
  }
#endif
  rc = bench_main(b, argc, argv);
out:
  bench_relation_free(relation);
  for (size_t i = 0; i < STORAGE_COUNT; ++i) {
    bench_bulk_free(bulk[i]);
    bench_delta_free(delta[i]);
    bench_sched_free(sched[i]);
  }
  free(suites);
#if ECS_BENCH_CPP
  bench_cpp_free(cpp);
#endif
  bench_scale_free(scale);
  bench_bounds_free(bounds);
  bench_default_free(defaults);
  bench_free(b);
  return rc;
}
