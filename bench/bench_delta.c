/* Delta workloads of ecs_bench: a world of 10,000 entities with the four
 * components of bench_main.c, 1% of its values (the Position of 400
 * entities spread over the world) written since the baseline.
 * - delta_save: ecs_delta_save() of that change, beside (as the baseline
 *   figure) ecs_snapshot_save() of the whole world: the time ratio;
 * - delta_bytes: the delta's size in bytes, beside the full snapshot's
 *   size: the size ratio (unit "bytes", from the quantity hook).
 * Both are visible in `ecs_bench --json`. */
#include "bench_delta.h"

#include "workloads.h"

#include <stdio.h>
#include <stdlib.h>

enum { DELTA_N = 10000, DELTA_CHANGED = 400 };

struct delta_suite_t {
  ecs_storage_kind_t kind;
  const char *label;
  ecs_world_t *world;
  ecs_component_t pos;
  ecs_entity_t *ids;
  ecs_membuf_t buf;
  uint64_t base;
  uint32_t round;
};

static int build(delta_suite_t *s, size_t n) {
  if (s->world) {
    return 0;
  }
  s->ids = malloc(n * sizeof *s->ids);
  if (!s->ids || !(s->world = ecs_world_new(NULL))) {
    return -1;
  }
  ecs_world_t *w = s->world;
  ecs_component_t comps[4];
  const char *names[4] = {"Transform", "Position", "Rotation", "Velocity"};
  const size_t sizes[4] = {sizeof(Transform), sizeof(Position), sizeof(Rotation), sizeof(Velocity)};
  for (int k = 0; k < 4; ++k) {
    comps[k] =
        ecs_component_register(w, &(ecs_component_desc_t){.name = names[k], .size = sizes[k], .storage = s->kind});
    if (!comps[k]) {
      return -1;
    }
  }
  s->pos = comps[1];
  if (ecs_entity_create_n(w, n, s->ids) != ECS_OK) {
    return -1;
  }
  int bad = 0;
  for (size_t i = 0; i < n; ++i) {
    float f = (float)i;
    bad |= ecs_set(w, s->ids[i], comps[0], &(Transform){{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, f, 0, 0, 1}}) != ECS_OK;
    bad |= ecs_set(w, s->ids[i], comps[1], &(Position){f, 0, 0}) != ECS_OK;
    bad |= ecs_set(w, s->ids[i], comps[2], &(Rotation){0, 0, 0, 1}) != ECS_OK;
    bad |= ecs_set(w, s->ids[i], comps[3], &(Velocity){1, 0, 0}) != ECS_OK;
  }
  return bad || ecs_delta_enable(w) != ECS_OK ? -1 : 0;
}

/* A new baseline, then 1% of the values written. */
static int change(delta_suite_t *s) {
  const size_t n = DELTA_N; /* also for delta_bytes, whose n is 1 */
  s->base = ecs_delta_tick(s->world);
  s->round++;
  for (size_t k = 0; k < DELTA_CHANGED; ++k) {
    size_t i = (k * 7919u + s->round * 31u) % n;
    if (ecs_set(s->world, s->ids[i], s->pos, &(Position){(float)k, (float)s->round, 0}) != ECS_OK) {
      return -1;
    }
  }
  ecs_membuf_reset(&s->buf);
  return 0;
}

static int delta_setup(void *user, size_t n) {
  return build(user, n);
}

static int delta_reset(void *user, size_t n) {
  (void)n;
  return change(user);
}

static int delta_run(void *user, size_t n) {
  delta_suite_t *s = user;
  (void)n;
  ecs_writer_t out = ecs_membuf_writer(&s->buf);
  if (ecs_delta_save(s->world, &(ecs_delta_desc_t){.baseline_tick = s->base}, &out, NULL) != ECS_OK) {
    fprintf(stderr, "delta_save: %s\n", ecs_last_error(s->world));
    return -1;
  }
  bench_do_not_optimize(s->buf.data);
  return 0;
}

static int full_reset(void *user, size_t n) {
  delta_suite_t *s = user;
  (void)n;
  ecs_membuf_reset(&s->buf);
  return 0;
}

static int full_run(void *user, size_t n) {
  delta_suite_t *s = user;
  (void)n;
  ecs_writer_t out = ecs_membuf_writer(&s->buf);
  if (ecs_snapshot_save(s->world, &out) != ECS_OK) {
    return -1;
  }
  bench_do_not_optimize(s->buf.data);
  return 0;
}

static double delta_bytes(void *user, size_t n) {
  delta_suite_t *s = user;
  (void)n;
  return (double)s->buf.size;
}

delta_suite_t *bench_delta_new(ecs_storage_kind_t kind, const char *label) {
  delta_suite_t *s = calloc(1, sizeof *s);
  if (s) {
    s->kind = kind;
    s->label = label;
  }
  return s;
}

void bench_delta_free(delta_suite_t *s) {
  if (!s) {
    return;
  }
  ecs_membuf_free(&s->buf);
  ecs_world_free(s->world);
  free(s->ids);
  free(s);
}

int bench_delta_register(bench_t *b, delta_suite_t *s) {
  /* both cases share the world; the full save is the baseline figure */
  bench_fns_t delta = {.setup = delta_setup, .reset = delta_reset, .run = delta_run};
  bench_fns_t full = {.setup = delta_setup, .reset = full_reset, .run = full_run};
  int bad = bench_add(b, &(bench_case_desc_t){.workload = "delta_save",
                                              .storage = s->label,
                                              .n = DELTA_N,
                                              .fns = delta,
                                              .user = s,
                                              .baseline = full,
                                              .baseline_user = s});
  bench_fns_t delta_size = delta;
  delta_size.quantity = delta_bytes;
  bench_fns_t full_size = full;
  full_size.quantity = delta_bytes;
  bad |= bench_add(b, &(bench_case_desc_t){.workload = "delta_bytes",
                                           .storage = s->label,
                                           .n = 1,
                                           .fns = delta_size,
                                           .user = s,
                                           .baseline = full_size,
                                           .baseline_user = s,
                                           .unit = "bytes"});
  return bad;
}
