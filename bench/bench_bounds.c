/* The bounds of a large world: curves "scale_<curve>_<size>" beside those
 * of bench_scale.c, for sizes an engine reaches (millions of entities,
 * 100k tables, 10k observers). Each is a cost per unit, so a cost that
 * grows linearly with the size is a flat line:
 *
 *   scale_create_N        ecs_bulk_create of N entities with 2 values (per entity)
 *   scale_iterate_N       the README loop over those N entities (per entity)
 *   scale_rss_N           peak resident memory of a process holding them
 *                         (bytes per entity, unit "bytes")
 *   scale_snapshot_N      ecs_snapshot_save of them to a writer that drops
 *                         the bytes (per entity)
 *   scale_snapshot_rss_N  the save's peak memory on top of the world's
 *                         (bytes per entity, unit "bytes")
 *   scale_load_rss_N      the peak memory of loading them back from a file
 *                         on top of the world's (bytes per entity, "bytes")
 *   scale_query_new_T     ecs_query_new, one pass and ecs_query_free with
 *                         T archetype tables in the world (per table)
 *   scale_new_table_T     an entity created into a table that does not
 *                         exist yet, T tables existing (per new table)
 *   scale_observed_set_K  ecs_set of a component with one ON_SET observer
 *                         while K components have one each (per set)
 *   scale_observer_add_K  registering K observers on K components (per observer)
 *
 * A default run measures the smallest size of each curve; `--scale` all. */
#include "bench_bounds.h"

#include "bench_default.h"
#include "workloads.h"

#include <ecs.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  NEW_TABLES = 256, /* per run of scale_new_table */
  OBSERVED_SETS = 10000,
  TAGS = 460, /* a table per pair of tags: C(460, 2) = 105,570 tables at most */
  NAME_LEN = 40,
};

static const uint32_t entity_sizes[] = {100000, 1000000, 3000000, 10000000};
static const uint32_t rss_sizes[] = {100000, 1000000, 10000000};
static const uint32_t table_sizes[] = {1000, 10000, 100000};
static const uint32_t new_table_sizes[] = {100, 1000, 10000, 100000};
static const uint32_t observer_sizes[] = {10, 100, 1000, 10000};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a world of N entities with a Position and a Velocity ------------------ */

typedef struct big_ctx_t {
  uint32_t entities;
  ecs_world_t *world;
  ecs_component_t pos, vel;
  ecs_query_t *query;
  Position *p; /* the values bulk creation copies */
  Velocity *v;
} big_ctx_t;

static int big_world(big_ctx_t *c) {
  ecs_world_free(c->world);
  c->world = ecs_world_new(NULL);
  if (!c->world) {
    return -1;
  }
  c->pos = ECS_COMPONENT(c->world, Position);
  c->vel = ECS_COMPONENT(c->world, Velocity);
  return c->pos && c->vel ? 0 : -1;
}

static int big_values(big_ctx_t *c) {
  c->p = malloc((size_t)c->entities * sizeof *c->p);
  c->v = malloc((size_t)c->entities * sizeof *c->v);
  if (!c->p || !c->v) {
    return -1;
  }
  for (uint32_t i = 0; i < c->entities; ++i) {
    c->p[i] = (Position){(float)i, 0.0f, 0.0f};
    c->v[i] = (Velocity){0.001f, 0.002f, 0.003f};
  }
  return 0;
}

static int big_populate(big_ctx_t *c) {
  ecs_bulk_desc_t d = {.count = c->entities, .components = {c->pos, c->vel}, .values = {c->p, c->v}};
  return ecs_bulk_create(c->world, &d, NULL) == ECS_OK ? 0 : -1;
}

static void big_teardown(void *user, size_t n) {
  big_ctx_t *c = user;
  (void)n;
  ecs_world_free(c->world);
  free(c->p);
  free(c->v);
  *c = (big_ctx_t){.entities = c->entities};
}

static int create_setup(void *user, size_t n) {
  (void)n;
  return big_values(user);
}

static int create_reset(void *user, size_t n) {
  (void)n;
  return big_world(user);
}

static int create_run(void *user, size_t n) {
  (void)n;
  return big_populate(user);
}

/* Raw: the two arrays allocated and filled from the same values. */
static int create_base_run(void *user, size_t n) {
  big_ctx_t *c = user;
  Position *p = malloc(n * sizeof *p);
  Velocity *v = malloc(n * sizeof *v);
  if (!p || !v) {
    free(p);
    free(v);
    return -1;
  }
  memcpy(p, c->p, n * sizeof *p);
  memcpy(v, c->v, n * sizeof *v);
  bench_do_not_optimize(p);
  bench_do_not_optimize(v);
  free(p);
  free(v);
  return 0;
}

static void create_base_teardown(void *user, size_t n) {
  big_ctx_t *c = user;
  (void)n;
  free(c->p);
  free(c->v);
  c->p = NULL;
  c->v = NULL;
}

static int iterate_setup(void *user, size_t n) {
  big_ctx_t *c = user;
  (void)n;
  if (big_values(c) != 0 || big_world(c) != 0 || big_populate(c) != 0) {
    return -1;
  }
  free(c->p); /* copied into the world */
  free(c->v);
  c->p = NULL;
  c->v = NULL;
  c->query =
      ecs_query_new(c->world, &(ecs_query_desc_t){.terms = {{c->pos, ECS_ACCESS_WRITE}, {c->vel, ECS_ACCESS_READ}}});
  return c->query ? 0 : -1;
}

static int iterate_run(void *user, size_t n) {
  return move_pass(((big_ctx_t *)user)->query, NULL) == n ? 0 : -1;
}

static int iterate_base_setup(void *user, size_t n) {
  (void)n;
  return big_values(user);
}

static int iterate_base_run(void *user, size_t n) {
  big_ctx_t *c = user;
  Position *p = c->p;
  const Velocity *v = c->v;
  for (size_t i = 0; i < n; ++i) {
    p[i].x += v[i].x;
    p[i].y += v[i].y;
    p[i].z += v[i].z;
  }
  bench_do_not_optimize(p);
  return 0;
}

/* ---- snapshots of N entities ---------------------------------------------- */

static ecs_status_t drop_bytes(void *user, const void *data, size_t size) {
  (void)data;
  *(size_t *)user += size;
  return ECS_OK;
}

static int snapshot_run(void *user, size_t n) {
  big_ctx_t *c = user;
  size_t bytes = 0;
  ecs_writer_t out = {drop_bytes, &bytes};
  (void)n;
  return ecs_snapshot_save(c->world, &out) == ECS_OK && bytes > 0 ? 0 : -1;
}

/* Raw: the two arrays copied into one new block, as a save that buffers. */
static int snapshot_base_run(void *user, size_t n) {
  big_ctx_t *c = user;
  char *block = malloc(n * (sizeof *c->p + sizeof *c->v));
  if (!block) {
    return -1;
  }
  memcpy(block, c->p, n * sizeof *c->p);
  memcpy(block + n * sizeof *c->p, c->v, n * sizeof *c->v);
  bench_do_not_optimize(block);
  free(block);
  return 0;
}

/* ---- queries, new tables and T existing tables ----------------------------- */

typedef struct tables_ctx_t {
  uint32_t tables;
  ecs_world_t *world;
  ecs_component_t pos, vel;
  ecs_component_t tags[TAGS];
  uint16_t (*pairs)[2]; /* by table: its two tags */
} tables_ctx_t;

/* Table t holds Position, Velocity and a pair of tags of its own: every
 * table has the same number of components, whatever the count. */
static int table_entity(tables_ctx_t *c, uint32_t t) {
  ecs_bulk_desc_t d = {.count = 1, .components = {c->pos, c->vel, c->tags[c->pairs[t][0]], c->tags[c->pairs[t][1]]}};
  return ecs_bulk_create(c->world, &d, NULL) == ECS_OK ? 0 : -1;
}

static int tables_setup(void *user, size_t n) {
  tables_ctx_t *c = user;
  (void)n;
  uint32_t count = c->tables + NEW_TABLES;
  if (!(c->pairs = malloc((size_t)count * sizeof *c->pairs))) {
    return -1;
  }
  uint32_t t = 0;
  for (uint16_t i = 0; i < TAGS && t < count; ++i) {
    for (uint16_t j = (uint16_t)(i + 1); j < TAGS && t < count; ++j, ++t) {
      c->pairs[t][0] = i;
      c->pairs[t][1] = j;
    }
  }
  return t == count ? 0 : -1;
}

static int tables_world(tables_ctx_t *c) {
  ecs_world_free(c->world);
  if (!(c->world = ecs_world_new(NULL))) {
    return -1;
  }
  c->pos = ECS_COMPONENT(c->world, Position);
  c->vel = ECS_COMPONENT(c->world, Velocity);
  int bad = !c->pos || !c->vel;
  for (int k = 0; k < TAGS; ++k) {
    char name[16];
    snprintf(name, sizeof name, "Tag%d", k);
    bad |= !(c->tags[k] = ecs_component_register_type(c->world, name, 0, 0));
  }
  for (uint32_t t = 0; t < c->tables && !bad; ++t) {
    bad |= table_entity(c, t);
  }
  return bad ? -1 : 0;
}

static void tables_teardown(void *user, size_t n) {
  tables_ctx_t *c = user;
  (void)n;
  ecs_world_free(c->world);
  free(c->pairs);
  c->world = NULL;
  c->pairs = NULL;
}

static int query_new_setup(void *user, size_t n) {
  return tables_setup(user, n) != 0 ? -1 : tables_world(user);
}

static int query_new_run(void *user, size_t n) {
  tables_ctx_t *c = user;
  ecs_query_t *q = ecs_query_new(c->world, &(ecs_query_desc_t){.terms = {{c->pos, ECS_ACCESS_READ}}});
  if (!q) {
    return -1;
  }
  size_t rows = 0;
  ecs_iter_t it = ecs_query_iter(q);
  while (ecs_iter_next(&it)) {
    rows += (size_t)it.count;
  }
  ecs_query_free(q);
  return rows == n ? 0 : -1;
}

static int new_table_reset(void *user, size_t n) {
  (void)n;
  return tables_world(user); /* tables stay for a world's life: a fresh world each run */
}

static int new_table_run(void *user, size_t n) {
  tables_ctx_t *c = user;
  int bad = 0;
  for (uint32_t j = 0; j < n; ++j) {
    bad |= table_entity(c, c->tables + j);
  }
  return bad ? -1 : 0;
}

/* ---- observers -------------------------------------------------------------- */

typedef struct observer_ctx_t {
  uint32_t observers;
  ecs_world_t *world;
  ecs_component_t *comps;
  ecs_entity_t e;
  uint64_t calls;
} observer_ctx_t;

static void count_call(ecs_observer_ctx_t *ctx) {
  ++*(uint64_t *)ctx->user;
}

static int observer_world(observer_ctx_t *c, bool observe) {
  ecs_world_free(c->world);
  if (!(c->world = ecs_world_new(NULL))) {
    return -1;
  }
  int bad = 0;
  for (uint32_t k = 0; k < c->observers && !bad; ++k) {
    char name[24];
    snprintf(name, sizeof name, "Observed%u", (unsigned)k);
    bad |= !(c->comps[k] = ecs_component_register_type(c->world, name, sizeof(float), 0));
    if (observe && !bad) {
      bad |= ecs_observer_register(c->world, &(ecs_observer_desc_t){.component = c->comps[k],
                                                                    .event = ECS_ON_SET,
                                                                    .callback = count_call,
                                                                    .user = &c->calls}) != ECS_OK;
    }
  }
  c->e = ecs_entity_create(c->world);
  return bad || !c->e ? -1 : 0;
}

static int observer_setup(void *user, size_t n) {
  observer_ctx_t *c = user;
  (void)n;
  c->comps = calloc(c->observers, sizeof *c->comps);
  return c->comps ? 0 : -1;
}

static void observer_teardown(void *user, size_t n) {
  observer_ctx_t *c = user;
  (void)n;
  ecs_world_free(c->world);
  free(c->comps);
  *c = (observer_ctx_t){.observers = c->observers};
}

static int observed_set_setup(void *user, size_t n) {
  return observer_setup(user, n) != 0 ? -1 : observer_world(user, true);
}

static int observed_set_run(void *user, size_t n) {
  observer_ctx_t *c = user;
  uint64_t before = c->calls;
  int bad = 0;
  for (size_t i = 0; i < n; ++i) {
    float v = (float)i;
    bad |= ecs_set(c->world, c->e, c->comps[0], &v) != ECS_OK;
  }
  return bad || c->calls - before != n ? -1 : 0;
}

static int observer_add_reset(void *user, size_t n) {
  (void)n;
  return observer_world(user, false);
}

static int observer_add_run(void *user, size_t n) {
  observer_ctx_t *c = user;
  int bad = 0;
  for (size_t k = 0; k < n; ++k) {
    bad |= ecs_observer_register(c->world, &(ecs_observer_desc_t){.component = c->comps[k],
                                                                  .event = ECS_ON_SET,
                                                                  .callback = count_call,
                                                                  .user = &c->calls}) != ECS_OK;
  }
  return bad ? -1 : 0;
}

/* ---- registration --------------------------------------------------------- */

typedef struct bounds_case_t {
  char workload[NAME_LEN];
  union {
    big_ctx_t big;
    tables_ctx_t tables;
    observer_ctx_t observer;
    bench_memory_ctx_t memory;
  } ctx, base;
} bounds_case_t;

struct bounds_suite_t {
  bool sweep;
  bounds_case_t *cases;
  size_t count;
  size_t cap;
};

bounds_suite_t *bench_bounds_new(bool sweep) {
  bounds_suite_t *s = calloc(1, sizeof *s);
  if (!s) {
    return NULL;
  }
  s->sweep = sweep;
  /* the case structs are handed to the harness by address: no realloc */
  s->cap = 3 * COUNT(entity_sizes) + 3 * COUNT(rss_sizes) + COUNT(table_sizes) + COUNT(new_table_sizes) +
           2 * COUNT(observer_sizes);
  if (!(s->cases = calloc(s->cap, sizeof *s->cases))) {
    free(s);
    return NULL;
  }
  return s;
}

void bench_bounds_free(bounds_suite_t *s) {
  if (s) {
    free(s->cases);
    free(s);
  }
}

static bounds_case_t *next_case(bounds_suite_t *s, const char *curve, uint32_t size) {
  if (s->count == s->cap) {
    return NULL;
  }
  bounds_case_t *c = &s->cases[s->count++];
  snprintf(c->workload, sizeof c->workload, "scale_%s_%u", curve, (unsigned)size);
  return c;
}

typedef struct curve_t {
  const char *name;
  const uint32_t *sizes;
  size_t count;
  bench_fns_t fns, base;
  const char *unit;
} curve_t;

/* The size a case of this curve runs n operations for. */
static size_t ops(const curve_t *k, uint32_t size) {
  if (strcmp(k->name, "new_table") == 0) {
    return NEW_TABLES;
  }
  if (strcmp(k->name, "observed_set") == 0) {
    return OBSERVED_SETS;
  }
  return size;
}

static void case_init(bounds_case_t *c, const curve_t *k, uint32_t size) {
  if (strncmp(k->name, "rss", 3) == 0 || strcmp(k->name, "snapshot_rss") == 0 || strcmp(k->name, "load_rss") == 0) {
    bool snap = strcmp(k->name, "snapshot_rss") == 0, load = strcmp(k->name, "load_rss") == 0;
    c->ctx.memory = (bench_memory_ctx_t){.what = snap ? "ecs+snapshot" : load ? "ecs+load" : "ecs"};
    c->base.memory = (bench_memory_ctx_t){.what = snap || load ? "ecs" : "raw"};
  } else if (strcmp(k->name, "query_new") == 0 || strcmp(k->name, "new_table") == 0) {
    c->ctx.tables = (tables_ctx_t){.tables = size};
  } else if (strncmp(k->name, "observ", 6) == 0) {
    c->ctx.observer = (observer_ctx_t){.observers = size};
  } else {
    c->ctx.big = (big_ctx_t){.entities = size};
    c->base.big = (big_ctx_t){.entities = size};
  }
}

int bench_bounds_register(bench_t *b, bounds_suite_t *s) {
  const curve_t curves[] = {
      {"create",
       entity_sizes,
       COUNT(entity_sizes),
       {.setup = create_setup, .reset = create_reset, .run = create_run, .teardown = big_teardown},
       {.setup = create_setup, .run = create_base_run, .teardown = create_base_teardown},
       NULL},
      {"iterate",
       entity_sizes,
       COUNT(entity_sizes),
       {.setup = iterate_setup, .run = iterate_run, .teardown = big_teardown},
       {.setup = iterate_base_setup, .run = iterate_base_run, .teardown = create_base_teardown},
       NULL},
      {"rss", rss_sizes, COUNT(rss_sizes), bench_memory_fns(), bench_memory_fns(), "bytes"},
      {"snapshot",
       entity_sizes,
       COUNT(entity_sizes),
       {.setup = iterate_setup, .run = snapshot_run, .teardown = big_teardown},
       {.setup = iterate_base_setup, .run = snapshot_base_run, .teardown = create_base_teardown},
       NULL},
      {"snapshot_rss", rss_sizes, COUNT(rss_sizes), bench_memory_fns(), bench_memory_fns(), "bytes"},
      {"load_rss", rss_sizes, COUNT(rss_sizes), bench_memory_fns(), bench_memory_fns(), "bytes"},
      {"query_new",
       table_sizes,
       COUNT(table_sizes),
       {.setup = query_new_setup, .run = query_new_run, .teardown = tables_teardown},
       {0},
       NULL},
      {"new_table",
       new_table_sizes,
       COUNT(new_table_sizes),
       {.setup = tables_setup, .reset = new_table_reset, .run = new_table_run, .teardown = tables_teardown},
       {0},
       NULL},
      {"observed_set",
       observer_sizes,
       COUNT(observer_sizes),
       {.setup = observed_set_setup, .run = observed_set_run, .teardown = observer_teardown},
       {0},
       NULL},
      {"observer_add",
       observer_sizes,
       COUNT(observer_sizes),
       {.setup = observer_setup, .reset = observer_add_reset, .run = observer_add_run, .teardown = observer_teardown},
       {0},
       NULL},
  };
  int bad = 0;
  for (size_t k = 0; k < COUNT(curves); ++k) {
    for (size_t i = 0; i < (s->sweep ? curves[k].count : 1); ++i) {
      bounds_case_t *c = next_case(s, curves[k].name, curves[k].sizes[i]);
      if (!c) {
        return -1;
      }
      case_init(c, &curves[k], curves[k].sizes[i]);
      bench_case_desc_t d = {
          .workload = c->workload,
          .storage = "default",
          .threads = 1,
          .n = ops(&curves[k], curves[k].sizes[i]),
          .fns = curves[k].fns,
          .user = &c->ctx,
          .baseline = curves[k].base,
          .baseline_user = &c->base,
          .unit = curves[k].unit,
      };
      bad |= bench_add(b, &d);
    }
  }
  return bad ? -1 : 0;
}
