/* heavy_compute: 1,000 entities, a 4x4 matrix inverted 100 times each, split
 * over the pool with ecs_parallel_for (1 and 2 threads).
 * schedule: three systems swapping component values over five entity kinds
 * (A<->B, C<->D, C<->E), ticked through the scheduler in one SYNC group and
 * in one ASYNC group (C<->D and C<->E conflict and are serialized). */
#include "bench_sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { HEAVY_N = 1000, HEAVY_REPEAT = 100, SCHED_PER_KIND = 2000, SCHED_TICKS = 10 };

typedef struct Matrix {
  float m[16];
} Matrix;

typedef struct Pair {
  float a, b;
} Pair;

/* Inverse by cofactors; a singular matrix is left as it is. */
static void invert4(const float *m, float *out) {
  float inv[16];
  inv[0] = m[5] * m[10] * m[15] - m[5] * m[11] * m[14] - m[9] * m[6] * m[15] + m[9] * m[7] * m[14] +
           m[13] * m[6] * m[11] - m[13] * m[7] * m[10];
  inv[4] = -m[4] * m[10] * m[15] + m[4] * m[11] * m[14] + m[8] * m[6] * m[15] - m[8] * m[7] * m[14] -
           m[12] * m[6] * m[11] + m[12] * m[7] * m[10];
  inv[8] = m[4] * m[9] * m[15] - m[4] * m[11] * m[13] - m[8] * m[5] * m[15] + m[8] * m[7] * m[13] +
           m[12] * m[5] * m[11] - m[12] * m[7] * m[9];
  inv[12] = -m[4] * m[9] * m[14] + m[4] * m[10] * m[13] + m[8] * m[5] * m[14] - m[8] * m[6] * m[13] -
            m[12] * m[5] * m[10] + m[12] * m[6] * m[9];
  inv[1] = -m[1] * m[10] * m[15] + m[1] * m[11] * m[14] + m[9] * m[2] * m[15] - m[9] * m[3] * m[14] -
           m[13] * m[2] * m[11] + m[13] * m[3] * m[10];
  inv[5] = m[0] * m[10] * m[15] - m[0] * m[11] * m[14] - m[8] * m[2] * m[15] + m[8] * m[3] * m[14] +
           m[12] * m[2] * m[11] - m[12] * m[3] * m[10];
  inv[9] = -m[0] * m[9] * m[15] + m[0] * m[11] * m[13] + m[8] * m[1] * m[15] - m[8] * m[3] * m[13] -
           m[12] * m[1] * m[11] + m[12] * m[3] * m[9];
  inv[13] = m[0] * m[9] * m[14] - m[0] * m[10] * m[13] - m[8] * m[1] * m[14] + m[8] * m[2] * m[13] +
            m[12] * m[1] * m[10] - m[12] * m[2] * m[9];
  inv[2] = m[1] * m[6] * m[15] - m[1] * m[7] * m[14] - m[5] * m[2] * m[15] + m[5] * m[3] * m[14] + m[13] * m[2] * m[7] -
           m[13] * m[3] * m[6];
  inv[6] = -m[0] * m[6] * m[15] + m[0] * m[7] * m[14] + m[4] * m[2] * m[15] - m[4] * m[3] * m[14] -
           m[12] * m[2] * m[7] + m[12] * m[3] * m[6];
  inv[10] = m[0] * m[5] * m[15] - m[0] * m[7] * m[13] - m[4] * m[1] * m[15] + m[4] * m[3] * m[13] +
            m[12] * m[1] * m[7] - m[12] * m[3] * m[5];
  inv[14] = -m[0] * m[5] * m[14] + m[0] * m[6] * m[13] + m[4] * m[1] * m[14] - m[4] * m[2] * m[13] -
            m[12] * m[1] * m[6] + m[12] * m[2] * m[5];
  inv[3] = -m[1] * m[6] * m[11] + m[1] * m[7] * m[10] + m[5] * m[2] * m[11] - m[5] * m[3] * m[10] - m[9] * m[2] * m[7] +
           m[9] * m[3] * m[6];
  inv[7] = m[0] * m[6] * m[11] - m[0] * m[7] * m[10] - m[4] * m[2] * m[11] + m[4] * m[3] * m[10] + m[8] * m[2] * m[7] -
           m[8] * m[3] * m[6];
  inv[11] = -m[0] * m[5] * m[11] + m[0] * m[7] * m[9] + m[4] * m[1] * m[11] - m[4] * m[3] * m[9] - m[8] * m[1] * m[7] +
            m[8] * m[3] * m[5];
  inv[15] = m[0] * m[5] * m[10] - m[0] * m[6] * m[9] - m[4] * m[1] * m[10] + m[4] * m[2] * m[9] + m[8] * m[1] * m[6] -
            m[8] * m[2] * m[5];
  float det = m[0] * inv[0] + m[1] * inv[4] + m[2] * inv[8] + m[3] * inv[12];
  if (det == 0.0f) {
    memmove(out, m, sizeof inv);
    return;
  }
  for (int i = 0; i < 16; ++i) {
    out[i] = inv[i] / det;
  }
}

static void matrix_work(Matrix *x) {
  for (int k = 0; k < HEAVY_REPEAT; ++k) {
    invert4(x->m, x->m); /* inverting twice returns (about) the start */
  }
}

static Matrix matrix_at(size_t i) {
  float f = 1.0f + (float)(i % 7);
  return (Matrix){{f, 0, 0, 1, 0, 2, 0, 0, 0, 0, 3, 0, 0, 1, 0, 4}};
}

typedef struct heavy_ctx_t {
  ecs_storage_kind_t kind;
  int threads;
  ecs_world_t *world;
  ecs_scheduler_t *sched;
} heavy_ctx_t;

typedef struct heavy_base_t {
  Matrix data[HEAVY_N];
} heavy_base_t;

typedef struct swap_ctx_t {
  ecs_storage_kind_t kind;
  ecs_group_mode_t mode;
  ecs_world_t *world;
  ecs_scheduler_t *sched;
} swap_ctx_t;

/* The same memory work as the systems: each swaps a value of one array
 * with a value of another (the systems' two components). */
typedef struct swap_base_t {
  Pair a[3 * SCHED_PER_KIND], b[3 * SCHED_PER_KIND];
  Pair c1[2 * SCHED_PER_KIND], d[2 * SCHED_PER_KIND];
  Pair c2[2 * SCHED_PER_KIND], e[2 * SCHED_PER_KIND];
} swap_base_t;

struct sched_suite_t {
  ecs_storage_kind_t kind;
  const char *label;
  heavy_ctx_t heavy[2];
  heavy_base_t heavy_base;
  swap_ctx_t swap[2];
  swap_base_t swap_base;
};

static ecs_status_t heavy_slice(ecs_iter_t *chunk, ecs_cmd_buffer_t *commands, void *user) {
  (void)commands;
  (void)user;
  Matrix *col = ecs_field(chunk, 0);
  for (int32_t i = 0; i < chunk->count; ++i) {
    matrix_work(col ? &col[i] : ecs_field_at(chunk, 0, i));
  }
  return ECS_OK;
}

static ecs_status_t heavy_system(ecs_system_ctx_t *ctx) {
  return ecs_parallel_for(ctx, 64, heavy_slice, NULL);
}

static void sched_teardown(ecs_world_t **world, ecs_scheduler_t **sched) {
  ecs_scheduler_free(*sched);
  ecs_world_free(*world);
  *sched = NULL;
  *world = NULL;
}

static void heavy_teardown(void *user, size_t n) {
  heavy_ctx_t *c = user;
  (void)n;
  sched_teardown(&c->world, &c->sched);
}

static int heavy_setup(void *user, size_t n) {
  heavy_ctx_t *c = user;
  if (!(c->world = ecs_world_new(NULL))) {
    return -1;
  }
  ecs_component_t mat = ecs_component_register(
      c->world, &(ecs_component_desc_t){.name = "Matrix", .size = sizeof(Matrix), .storage = c->kind});
  for (size_t i = 0; i < n; ++i) {
    Matrix m = matrix_at(i);
    ecs_set(c->world, ecs_entity_create(c->world), mat, &m);
  }
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(c->world);
  /* the caller helps while it waits: N threads = N - 1 workers + caller */
  ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.threads = c->threads > 1 ? c->threads - 1 : ECS_POOL_INLINE});
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "compute"});
  ecs_builder_add_system(
      b, g,
      &(ecs_system_desc_t){.name = "invert", .query = {.terms = {{mat, ECS_ACCESS_WRITE}}}, .callback = heavy_system});
  return ecs_scheduler_build(b, &c->sched) == ECS_OK ? 0 : -1;
}

static int heavy_run(void *user, size_t n) {
  heavy_ctx_t *c = user;
  ecs_tick_result_t r;
  (void)n;
  return ecs_scheduler_tick(c->sched, 0.0, &r) == ECS_OK && r.systems_run == 1 ? 0 : -1;
}

static int heavy_base_setup(void *user, size_t n) {
  heavy_base_t *b = user;
  for (size_t i = 0; i < n; ++i) {
    b->data[i] = matrix_at(i);
  }
  return 0;
}

static int heavy_base_run(void *user, size_t n) {
  heavy_base_t *b = user;
  for (size_t i = 0; i < n; ++i) {
    matrix_work(&b->data[i]);
  }
  bench_do_not_optimize(b->data);
  return 0;
}

/* ---- schedule ------------------------------------------------------------- */

/* Swaps the values of the query's two terms in every row. */
static ecs_status_t swap_system(ecs_system_ctx_t *ctx) {
  while (ecs_iter_next(&ctx->it)) {
    Pair *x = ecs_field(&ctx->it, 0);
    Pair *y = ecs_field(&ctx->it, 1);
    if (x && y) { /* arrays (the default storage): the loop the docs teach */
      for (int32_t i = 0; i < ctx->it.count; ++i) {
        float t = x[i].a;
        x[i].a = y[i].b;
        y[i].b = t;
      }
      continue;
    }
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      Pair *p = x ? &x[i] : ecs_field_at(&ctx->it, 0, i);
      Pair *q = y ? &y[i] : ecs_field_at(&ctx->it, 1, i);
      float t = p->a;
      p->a = q->b;
      q->b = t;
    }
  }
  return ECS_OK;
}

static void swap_teardown(void *user, size_t n) {
  swap_ctx_t *c = user;
  (void)n;
  sched_teardown(&c->world, &c->sched);
}

static int swap_setup(void *user, size_t n) {
  swap_ctx_t *c = user;
  (void)n;
  if (!(c->world = ecs_world_new(NULL))) {
    return -1;
  }
  static const char *const names[5] = {"A", "B", "C", "D", "E"};
  ecs_component_t comp[5];
  for (int k = 0; k < 5; ++k) {
    comp[k] = ecs_component_register(
        c->world, &(ecs_component_desc_t){.name = names[k], .size = sizeof(Pair), .storage = c->kind});
  }
  /* five entity kinds: AB, ABCD, ABCE, CD, CE */
  static const int kinds[5][4] = {{0, 1, -1, -1}, {0, 1, 2, 3}, {0, 1, 2, 4}, {2, 3, -1, -1}, {2, 4, -1, -1}};
  for (int k = 0; k < 5; ++k) {
    for (int i = 0; i < SCHED_PER_KIND; ++i) {
      ecs_entity_t e = ecs_entity_create(c->world);
      for (int j = 0; j < 4 && kinds[k][j] >= 0; ++j) {
        ecs_set(c->world, e, comp[kinds[k][j]], &(Pair){(float)i, (float)j});
      }
    }
  }
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(c->world);
  ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.threads = 1, .on_conflict = ECS_CONFLICT_SERIALIZE});
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "swaps", .mode = c->mode});
  static const int pairs[3][2] = {{0, 1}, {2, 3}, {2, 4}};
  static const char *const sys[3] = {"swap_ab", "swap_cd", "swap_ce"};
  for (int s = 0; s < 3; ++s) {
    ecs_system_desc_t d = {
        .name = sys[s],
        .query = {.terms = {{comp[pairs[s][0]], ECS_ACCESS_WRITE}, {comp[pairs[s][1]], ECS_ACCESS_WRITE}}},
        .callback = swap_system};
    ecs_builder_add_system(b, g, &d);
  }
  return ecs_scheduler_build(b, &c->sched) == ECS_OK ? 0 : -1;
}

/* n = rows touched per run: AB 3 kinds, CD 2, CE 2 (x SCHED_PER_KIND), per tick */
static int swap_run(void *user, size_t n) {
  swap_ctx_t *c = user;
  (void)n;
  for (int t = 0; t < SCHED_TICKS; ++t) {
    ecs_tick_result_t r;
    if (ecs_scheduler_tick(c->sched, 0.0, &r) != ECS_OK || r.systems_run != 3) {
      return -1;
    }
  }
  return 0;
}

static void swap_pairs(Pair *x, Pair *y, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    float t = x[i].a;
    x[i].a = y[i].b;
    y[i].b = t;
  }
}

static int swap_base_run(void *user, size_t n) {
  swap_base_t *b = user;
  (void)n;
  for (int t = 0; t < SCHED_TICKS; ++t) {
    swap_pairs(b->a, b->b, 3 * SCHED_PER_KIND);
    swap_pairs(b->c1, b->d, 2 * SCHED_PER_KIND);
    swap_pairs(b->c2, b->e, 2 * SCHED_PER_KIND);
  }
  bench_do_not_optimize(b);
  return 0;
}

sched_suite_t *bench_sched_new(ecs_storage_kind_t kind, const char *label) {
  sched_suite_t *s = calloc(1, sizeof *s);
  if (s) {
    s->kind = kind;
    s->label = label;
  }
  return s;
}

void bench_sched_free(sched_suite_t *s) {
  free(s);
}

static const bench_fns_t heavy_fns = {.setup = heavy_setup, .run = heavy_run, .teardown = heavy_teardown};
static const bench_fns_t heavy_base_fns = {.setup = heavy_base_setup, .run = heavy_base_run};
static const bench_fns_t swap_fns = {.setup = swap_setup, .run = swap_run, .teardown = swap_teardown};
static const bench_fns_t swap_base_fns = {.run = swap_base_run};

int bench_sched_register(bench_t *b, sched_suite_t *s, bool first) {
  int bad = 0;
  for (int i = 0; i < 2; ++i) {
    s->swap[i] = (swap_ctx_t){.kind = s->kind, .mode = i ? ECS_GROUP_ASYNC : ECS_GROUP_SYNC};
    bench_case_desc_t d = {.workload = i ? "schedule_async" : "schedule_sync",
                           .storage = s->label,
                           .threads = i ? 2 : 1,
                           .n = (size_t)7 * SCHED_PER_KIND * SCHED_TICKS,
                           .fns = swap_fns,
                           .user = &s->swap[i],
                           .baseline = swap_base_fns,
                           .baseline_user = &s->swap_base};
    bad |= bench_add(b, &d);
  }
  for (int i = 0; first && i < 2; ++i) {
    s->heavy[i] = (heavy_ctx_t){.kind = s->kind, .threads = i + 1};
    bench_case_desc_t d = {.workload = "heavy_compute",
                           .storage = s->label,
                           .threads = i + 1,
                           .n = HEAVY_N,
                           .fns = heavy_fns,
                           .user = &s->heavy[i],
                           .baseline = heavy_base_fns,
                           .baseline_user = &s->heavy_base};
    bad |= bench_add(b, &d);
  }
  return bad ? -1 : 0;
}
