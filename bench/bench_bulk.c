/* bulk_create: 10,000 entities at once with ecs_entity_create_n into a
 * fresh world (the registry grows once, inside the timed run).
 * snapshot_save / snapshot_load: a world of 100,000 entities with the four
 * components of bench_main.c, saved into a reused ecs_membuf_t and loaded
 * back from it into the same world; ns per entity. The snapshot's size is
 * printed once per case on stderr at setup, as "CASE: BYTES bytes (...)",
 * so that stdout keeps the harness's table; MB/s = BYTES / median run time
 * (bench/README.md). */
#include "bench_bulk.h"

#include "workloads.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BULK_CREATE_N = 10000, SNAPSHOT_N = 100000 };

/* ---- bulk_create ------------------------------------------------------- */

typedef struct create_ctx_t {
  ecs_world_t *world;
  ecs_entity_t *ids; /* the caller's output array, allocated once */
} create_ctx_t;

typedef struct create_base_t {
  uint64_t *slots;
} create_base_t;

static void create_teardown(void *user, size_t n) {
  create_ctx_t *c = user;
  (void)n;
  ecs_world_free(c->world);
  free(c->ids);
  *c = (create_ctx_t){0};
}

static int create_setup(void *user, size_t n) {
  create_ctx_t *c = user;
  c->ids = malloc(n * sizeof *c->ids);
  return c->ids ? 0 : -1;
}

/* A fresh world without a capacity hint: growing the registry is part of
 * what ecs_entity_create_n does, so it stays in the timed run. */
static int create_reset(void *user, size_t n) {
  create_ctx_t *c = user;
  (void)n;
  ecs_world_free(c->world);
  c->world = ecs_world_new(NULL);
  return c->world ? 0 : -1;
}

static int create_run(void *user, size_t n) {
  create_ctx_t *c = user;
  if (ecs_entity_create_n(c->world, n, c->ids) != ECS_OK) {
    return -1;
  }
  bench_do_not_optimize(c->ids);
  return ecs_entity_count(c->world) == n && ecs_entity_alive(c->world, c->ids[n - 1]) ? 0 : -1;
}

static void create_base_teardown(void *user, size_t n) {
  create_base_t *b = user;
  (void)n;
  free(b->slots);
  b->slots = NULL;
}

static int create_base_reset(void *user, size_t n) {
  create_base_teardown(user, n);
  return 0;
}

/* What a registry does at the least: allocate the slots and hand out
 * index | generation << 32 for each (slot 0 stays the null handle). */
static int create_base_run(void *user, size_t n) {
  create_base_t *b = user;
  const uint32_t generation = 0; /* every slot of a fresh registry */
  if (!(b->slots = malloc(n * sizeof *b->slots))) {
    return -1;
  }
  for (size_t i = 0; i < n; ++i) {
    b->slots[i] = (uint64_t)generation << 32 | (uint32_t)(i + 1);
  }
  bench_do_not_optimize(b->slots);
  return 0;
}

/* ---- snapshot_save / snapshot_load -------------------------------------- */

typedef struct snap_ctx_t {
  ecs_storage_kind_t kind;
  const char *workload; /* for the size line on stderr */
  const char *label;
  ecs_world_t *world;
  ecs_membuf_t buf; /* save: the output, reused; load: the saved snapshot */
  size_t bytes;     /* the snapshot's size, measured at setup */
  ecs_component_t transform, position, rotation, velocity;
} snap_ctx_t;

/* The four arrays of n values, and one buffer their bytes fit in. */
typedef struct snap_base_t {
  Transform *t;
  Position *p;
  Rotation *r;
  Velocity *v;
  unsigned char *bytes;
} snap_base_t;

static void values_at(size_t i, Transform *t, Position *p, Rotation *r, Velocity *v) {
  float f = (float)i;
  *t = (Transform){{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, f, 0, 0, 1}};
  *p = (Position){f, 0.0f, 0.0f};
  *r = (Rotation){0.0f, 0.0f, 0.0f, 1.0f};
  *v = (Velocity){1.0f, 0.0f, 0.0f};
}

static ecs_component_t register_component(ecs_world_t *w, ecs_storage_kind_t kind, const char *name, size_t size,
                                          size_t alignment) {
  ecs_component_desc_t d = {.name = name, .size = size, .alignment = alignment, .storage = kind};
  return ecs_component_register(w, &d);
}

#define REGISTER(world, kind, T) register_component((world), (kind), #T, sizeof(T), ECS_ALIGNOF(T))

static void snap_teardown(void *user, size_t n) {
  snap_ctx_t *c = user;
  (void)n;
  ecs_membuf_free(&c->buf);
  ecs_world_free(c->world);
  c->buf = (ecs_membuf_t){0};
  c->world = NULL;
}

/* Builds the world, saves it once (the load's source, and the size every
 * save must reproduce) and reports the size. */
static int snap_setup(void *user, size_t n) {
  snap_ctx_t *c = user;
  ecs_entity_t *ids = malloc(n * sizeof *ids);
  if (!ids || !(c->world = ecs_world_new(NULL))) {
    free(ids);
    return -1;
  }
  ecs_world_t *w = c->world;
  c->transform = REGISTER(w, c->kind, Transform);
  c->position = REGISTER(w, c->kind, Position);
  c->rotation = REGISTER(w, c->kind, Rotation);
  c->velocity = REGISTER(w, c->kind, Velocity);
  int bad = !c->transform || !c->position || !c->rotation || !c->velocity;
  if (!bad) {
    bad = ecs_entity_create_n(w, n, ids) != ECS_OK;
  }
  for (size_t i = 0; i < n && !bad; ++i) {
    Transform t;
    Position p;
    Rotation r;
    Velocity v;
    values_at(i, &t, &p, &r, &v);
    bad |= ecs_set(w, ids[i], c->transform, &t) != ECS_OK;
    bad |= ecs_set(w, ids[i], c->position, &p) != ECS_OK;
    bad |= ecs_set(w, ids[i], c->rotation, &r) != ECS_OK;
    bad |= ecs_set(w, ids[i], c->velocity, &v) != ECS_OK;
  }
  free(ids);
  ecs_writer_t out = ecs_membuf_writer(&c->buf);
  if (bad || ecs_snapshot_save(w, &out) != ECS_OK) {
    fprintf(stderr, "%s/%s: cannot build the world: %s\n", c->workload, c->label, ecs_last_error(w));
    return -1;
  }
  c->bytes = c->buf.size;
  fprintf(stderr, "%s/%s/%zu: %zu bytes (%.1f per entity)\n", c->workload, c->label, n, c->bytes,
          (double)c->bytes / (double)n);
  return 0;
}

/* Empties the buffer and keeps its memory: runs after the first save
 * allocate nothing for the output. */
static int save_reset(void *user, size_t n) {
  snap_ctx_t *c = user;
  (void)n;
  ecs_membuf_reset(&c->buf);
  return 0;
}

static int save_run(void *user, size_t n) {
  snap_ctx_t *c = user;
  (void)n;
  ecs_writer_t out = ecs_membuf_writer(&c->buf);
  if (ecs_snapshot_save(c->world, &out) != ECS_OK) {
    return -1;
  }
  bench_do_not_optimize(c->buf.data);
  return c->buf.size == c->bytes ? 0 : -1;
}

static int load_run(void *user, size_t n) {
  snap_ctx_t *c = user;
  ecs_memsrc_t src = {.data = c->buf.data, .size = c->buf.size};
  ecs_reader_t in = ecs_memreader(&src);
  if (ecs_snapshot_load(c->world, &in) != ECS_OK) {
    return -1;
  }
  return src.pos == c->bytes && ecs_entity_count(c->world) == n && ecs_component_count(c->world, c->transform) == n &&
                 ecs_component_count(c->world, c->velocity) == n
             ? 0
             : -1;
}

static void snap_base_teardown(void *user, size_t n) {
  snap_base_t *b = user;
  (void)n;
  free(b->t);
  free(b->p);
  free(b->r);
  free(b->v);
  free(b->bytes);
  *b = (snap_base_t){0};
}

static size_t snap_base_size(size_t n) {
  return n * (sizeof(Transform) + sizeof(Position) + sizeof(Rotation) + sizeof(Velocity));
}

/* Fills the arrays and copies them into the buffer once, so that the load
 * baseline starts from a "saved" buffer as the case does. */
static int snap_base_setup(void *user, size_t n) {
  snap_base_t *b = user;
  b->t = malloc(n * sizeof *b->t);
  b->p = malloc(n * sizeof *b->p);
  b->r = malloc(n * sizeof *b->r);
  b->v = malloc(n * sizeof *b->v);
  b->bytes = malloc(snap_base_size(n));
  if (!b->t || !b->p || !b->r || !b->v || !b->bytes) {
    return -1;
  }
  for (size_t i = 0; i < n; ++i) {
    values_at(i, &b->t[i], &b->p[i], &b->r[i], &b->v[i]);
  }
  return 0;
}

static int save_base_run(void *user, size_t n) {
  snap_base_t *b = user;
  unsigned char *at = b->bytes;
  memcpy(at, b->t, n * sizeof *b->t);
  at += n * sizeof *b->t;
  memcpy(at, b->p, n * sizeof *b->p);
  at += n * sizeof *b->p;
  memcpy(at, b->r, n * sizeof *b->r);
  at += n * sizeof *b->r;
  memcpy(at, b->v, n * sizeof *b->v);
  bench_do_not_optimize(b->bytes);
  return 0;
}

static int load_base_setup(void *user, size_t n) {
  return snap_base_setup(user, n) == 0 ? save_base_run(user, n) : -1;
}

static int load_base_run(void *user, size_t n) {
  snap_base_t *b = user;
  const unsigned char *at = b->bytes;
  /* the buffer may have changed, as far as the compiler knows */
  bench_do_not_optimize(b->bytes);
  memcpy(b->t, at, n * sizeof *b->t);
  at += n * sizeof *b->t;
  memcpy(b->p, at, n * sizeof *b->p);
  at += n * sizeof *b->p;
  memcpy(b->r, at, n * sizeof *b->r);
  at += n * sizeof *b->r;
  memcpy(b->v, at, n * sizeof *b->v);
  bench_do_not_optimize(b->t);
  bench_do_not_optimize(b->p);
  bench_do_not_optimize(b->r);
  bench_do_not_optimize(b->v);
  return 0;
}

/* ---- registration -------------------------------------------------------- */

struct bulk_suite_t {
  ecs_storage_kind_t kind;
  const char *label;
  create_ctx_t create;
  create_base_t create_base;
  snap_ctx_t save, load;
  snap_base_t save_base, load_base;
};

bulk_suite_t *bench_bulk_new(ecs_storage_kind_t kind, const char *label) {
  bulk_suite_t *s = calloc(1, sizeof *s);
  if (s) {
    s->kind = kind;
    s->label = label;
  }
  return s;
}

void bench_bulk_free(bulk_suite_t *s) {
  free(s);
}

static const bench_fns_t create_fns = {
    .setup = create_setup, .reset = create_reset, .run = create_run, .teardown = create_teardown};
static const bench_fns_t create_base_fns = {
    .reset = create_base_reset, .run = create_base_run, .teardown = create_base_teardown};
static const bench_fns_t save_fns = {
    .setup = snap_setup, .reset = save_reset, .run = save_run, .teardown = snap_teardown};
static const bench_fns_t save_base_fns = {
    .setup = snap_base_setup, .run = save_base_run, .teardown = snap_base_teardown};
static const bench_fns_t load_fns = {.setup = snap_setup, .run = load_run, .teardown = snap_teardown};
static const bench_fns_t load_base_fns = {
    .setup = load_base_setup, .run = load_base_run, .teardown = snap_base_teardown};

static int add(bench_t *b, const bulk_suite_t *s, const char *workload, size_t n, const bench_fns_t *fns, void *user,
               const bench_fns_t *base, void *base_user) {
  bench_case_desc_t d = {.workload = workload,
                         .storage = s->label,
                         .threads = 1,
                         .n = n,
                         .fns = *fns,
                         .user = user,
                         .baseline = *base,
                         .baseline_user = base_user};
  return bench_add(b, &d);
}

int bench_bulk_register(bench_t *b, bulk_suite_t *s, bool first) {
  int bad = 0;
  s->save = (snap_ctx_t){.kind = s->kind, .workload = "snapshot_save", .label = s->label};
  s->load = (snap_ctx_t){.kind = s->kind, .workload = "snapshot_load", .label = s->label};
  bad |= add(b, s, "snapshot_save", SNAPSHOT_N, &save_fns, &s->save, &save_base_fns, &s->save_base);
  bad |= add(b, s, "snapshot_load", SNAPSHOT_N, &load_fns, &s->load, &load_base_fns, &s->load_base);
  if (first) {
    /* no components involved: the storage kind does not matter */
    bad |= add(b, s, "bulk_create", BULK_CREATE_N, &create_fns, &s->create, &create_base_fns, &s->create_base);
  }
  return bad ? -1 : 0;
}
