/* Desync localisation: two runs whose only difference is one
 * non-deterministic write are compared through their digest logs, and
 * the report names the tick, group, system, component and entity of that
 * write; in SYNC and ASYNC groups, with any thread count; through files;
 * across a rollback; for commands and for writes no system declared.
 * Corrupt files are refused and change nothing; bad arguments are
 * reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecs.h"
#include "support/failing_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct Pos {
  int32_t x, y;
} Pos;

typedef struct Vel {
  int32_t dx, dy;
} Vel;

typedef struct Heat {
  uint32_t t;
} Heat;

typedef struct Score {
  int64_t total;
} Score;

/* What differs between two runs: at tick `tick`, system `system` adds
 * `delta` to the value of entity slot `slot` (a run-specific input). */
typedef struct inject_t {
  const char *system;
  uint64_t tick;
  uint32_t slot;
  int32_t delta;
} inject_t;

typedef struct game_t {
  ecs_world_t *world;
  ecs_scheduler_t *sched;
  ecs_component_t pos, vel, heat, score;
  inject_t inject;
  ecs_entity_t ents[64];
} game_t;

static int32_t injected(const ecs_system_ctx_t *ctx, const game_t *g, ecs_entity_t e) {
  const inject_t *in = &g->inject;
  return in->system && strcmp(in->system, ctx->name) == 0 && ctx->tick == in->tick && ECS_ENTITY_INDEX(e) == in->slot
             ? in->delta
             : 0;
}

/* sim (SYNC): steer writes Vel, move writes Pos, spawn creates entities */
static ecs_status_t steer(ecs_system_ctx_t *ctx) {
  const game_t *g = ctx->user;
  while (ecs_iter_next(&ctx->it)) {
    Vel *v = ecs_field(&ctx->it, 0);
    const Pos *p = ecs_field(&ctx->it, 1);
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      v[i].dx = (p[i].y & 7) - 3 + injected(ctx, g, ctx->it.entities[i]);
      v[i].dy = (p[i].x & 3) - 1;
    }
  }
  return ECS_OK;
}

static ecs_status_t move(ecs_system_ctx_t *ctx) {
  const game_t *g = ctx->user;
  while (ecs_iter_next(&ctx->it)) {
    Pos *p = ecs_field(&ctx->it, 0);
    const Vel *v = ecs_field(&ctx->it, 1);
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      p[i].x += v[i].dx + injected(ctx, g, ctx->it.entities[i]);
      p[i].y += v[i].dy;
    }
  }
  return ECS_OK;
}

static ecs_status_t spawn(ecs_system_ctx_t *ctx) {
  const game_t *g = ctx->user;
  int extra = g->inject.system && strcmp(g->inject.system, ctx->name) == 0 && ctx->tick == g->inject.tick;
  if (ctx->tick % 7 == 0 || extra) {
    ecs_entity_t e = ecs_cmd_create(ctx->commands);
    ecs_cmd_set(ctx->commands, e, g->pos, &(Pos){(int32_t)ctx->tick + extra, 1});
    ecs_cmd_set(ctx->commands, e, g->vel, &(Vel){0, 0});
  }
  return ECS_OK;
}

/* work (ASYNC): heat writes Heat, tally writes the Score resource;
 * independent, so they may run at once */
static ecs_status_t heat(ecs_system_ctx_t *ctx) {
  const game_t *g = ctx->user;
  while (ecs_iter_next(&ctx->it)) {
    Heat *h = ecs_field(&ctx->it, 0);
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      h[i].t = h[i].t * 3u + 1u + (uint32_t)injected(ctx, g, ctx->it.entities[i]);
    }
  }
  return ECS_OK;
}

static ecs_status_t tally(ecs_system_ctx_t *ctx) {
  const game_t *g = ctx->user;
  Score *s = ecs_system_resource_mut(ctx, g->score);
  s->total += (int64_t)ctx->tick;
  if (g->inject.system && strcmp(g->inject.system, ctx->name) == 0 && ctx->tick == g->inject.tick) {
    s->total += g->inject.delta;
  }
  return ECS_OK;
}

/* post (SYNC): sneaky writes Heat through ecs_get_mut() without declaring it */
static ecs_status_t sneaky(ecs_system_ctx_t *ctx) {
  game_t *g = ctx->user;
  if (g->inject.system && strcmp(g->inject.system, ctx->name) == 0 && ctx->tick == g->inject.tick) {
    Heat *h = ecs_get(ctx->world, g->ents[g->inject.slot - 1], g->heat);
    if (h) {
      h->t += (uint32_t)g->inject.delta;
    }
  }
  return ECS_OK;
}

static const ecs_world_desc_t *world_desc; /* for game_init: NULL, or a failing allocator */

static void game_init(game_t *g, int32_t threads, inject_t inject) {
  memset(g, 0, sizeof *g);
  g->inject = inject;
  g->world = ecs_world_new(world_desc);
  assert_non_null(g->world);
  g->pos = ECS_COMPONENT(g->world, Pos);
  g->vel = ECS_COMPONENT(g->world, Vel);
  g->heat = ECS_COMPONENT(g->world, Heat);
  g->score = ECS_COMPONENT(g->world, Score);
  assert_int_equal(ecs_resource_set(g->world, g->score, &(Score){0}), ECS_OK);
  for (int i = 0; i < 40; ++i) {
    ecs_entity_t e = ecs_entity_create(g->world);
    g->ents[i] = e;
    ecs_set(g->world, e, g->pos, &(Pos){i, -i});
    ecs_set(g->world, e, g->vel, &(Vel){1, 0});
    ecs_set(g->world, e, g->heat, &(Heat){(uint32_t)i});
  }
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(g->world);
  assert_int_equal(ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.threads = threads, .inline_below_ns = 1}),
                   ECS_OK);
  ecs_group_t sim = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "sim"});
  ecs_group_t work =
      ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "work", .mode = ECS_GROUP_ASYNC, .after = {"sim"}});
  ecs_group_t post = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "post", .after = {"work"}});
  ecs_builder_add_system(
      b, sim,
      &(ecs_system_desc_t){.name = "steer",
                           .query = {.terms = {{g->vel, ECS_ACCESS_WRITE}, {g->pos, ECS_ACCESS_READ}}},
                           .callback = steer,
                           .user = g});
  ecs_builder_add_system(
      b, sim,
      &(ecs_system_desc_t){.name = "move",
                           .query = {.terms = {{g->pos, ECS_ACCESS_WRITE}, {g->vel, ECS_ACCESS_READ}}},
                           .callback = move,
                           .user = g});
  ecs_builder_add_system(b, sim, &(ecs_system_desc_t){.name = "spawn", .callback = spawn, .user = g});
  ecs_builder_add_system(
      b, work,
      &(ecs_system_desc_t){
          .name = "heat", .query = {.terms = {{g->heat, ECS_ACCESS_WRITE}}}, .callback = heat, .user = g});
  ecs_builder_add_system(b, work,
                         &(ecs_system_desc_t){.name = "tally", .writes = {g->score}, .callback = tally, .user = g});
  ecs_builder_add_system(b, post, &(ecs_system_desc_t){.name = "sneaky", .callback = sneaky, .user = g});
  assert_int_equal(ecs_scheduler_build(b, &g->sched), ECS_OK);
}

static void game_fini(game_t *g) {
  ecs_scheduler_free(g->sched);
  ecs_world_free(g->world);
}

enum { TICKS = 60 };

/* A run of TICKS ticks recorded at @p level into a new log. */
static ecs_digest_log_t *run(game_t *g, ecs_digest_level_t level) {
  ecs_digest_log_t *log = ecs_digest_log_new(g->world);
  assert_non_null(log);
  assert_int_equal(ecs_scheduler_set_digests(g->sched, log, level), ECS_OK);
  for (int t = 0; t < TICKS; ++t) {
    assert_int_equal(ecs_scheduler_tick(g->sched, 1.0 / 60, NULL), ECS_OK);
  }
  assert_int_equal(ecs_digest_log_status(log), ECS_OK);
  assert_int_equal(ecs_digest_log_first_tick(log), 1);
  assert_int_equal(ecs_digest_log_last_tick(log), TICKS);
  return log;
}

/* Compares a clean run on @p threads_a with a run on @p threads_b where
 * @p inject happens; returns the divergence (names copied into names). */
typedef struct report_t {
  ecs_divergence_t d;
  char group[32], system[32], component[32], b_system[32], b_component[32];
  char text[512];
} report_t;

static void compare_runs(int32_t threads_a, int32_t threads_b, inject_t inject, ecs_digest_level_t level,
                         report_t *out) {
  game_t a, b;
  game_init(&a, threads_a, (inject_t){0});
  game_init(&b, threads_b, inject);
  ecs_digest_log_t *la = run(&a, level);
  ecs_digest_log_t *lb = run(&b, level);
  memset(out, 0, sizeof *out);
  assert_int_equal(ecs_digest_log_compare(la, lb, &out->d), ECS_OK);
  assert_int_equal(out->d.first_tick, 1);
  assert_int_equal(out->d.last_tick, TICKS);
  size_t n = ecs_divergence_format(&out->d, out->text, sizeof out->text);
  assert_true(n > 0 && n < sizeof out->text);
  if (out->d.group) {
    snprintf(out->group, sizeof out->group, "%s", out->d.group);
    snprintf(out->system, sizeof out->system, "%s", out->d.system);
    snprintf(out->component, sizeof out->component, "%s", out->d.component);
  }
  if (out->d.b_group) {
    snprintf(out->b_system, sizeof out->b_system, "%s", out->d.b_system);
    snprintf(out->b_component, sizeof out->b_component, "%s", out->d.b_component);
  }
  assert_int_equal(ecs_scheduler_set_digests(a.sched, NULL, ECS_DIGEST_OFF), ECS_OK);
  assert_int_equal(ecs_scheduler_set_digests(b.sched, NULL, ECS_DIGEST_OFF), ECS_OK);
  ecs_digest_log_free(la);
  ecs_digest_log_free(lb);
  game_fini(&a);
  game_fini(&b);
}

static void clean_runs_agree_for_any_thread_count(void **state) {
  (void)state;
  report_t r;
  compare_runs(ECS_POOL_INLINE, ECS_POOL_INLINE, (inject_t){0}, ECS_DIGEST_ENTITIES, &r);
  assert_int_equal(r.d.reason, ECS_DIVERGENCE_NONE);
  compare_runs(ECS_POOL_INLINE, 4, (inject_t){0}, ECS_DIGEST_ENTITIES, &r);
  assert_int_equal(r.d.reason, ECS_DIVERGENCE_NONE);
  compare_runs(2, 3, (inject_t){0}, ECS_DIGEST_COMPONENTS, &r);
  assert_int_equal(r.d.reason, ECS_DIVERGENCE_NONE);
  assert_non_null(strstr(r.text, "no divergence in ticks 1..60"));
}

static void names_the_sync_system_component_and_entity(void **state) {
  (void)state;
  report_t r;
  compare_runs(ECS_POOL_INLINE, ECS_POOL_INLINE, (inject_t){"move", 23, 17, 5}, ECS_DIGEST_ENTITIES, &r);
  assert_int_equal(r.d.reason, ECS_DIVERGENCE_DIGEST);
  assert_int_equal(r.d.tick, 23);
  assert_int_equal(r.d.kind, ECS_DIGEST_WRITE);
  assert_string_equal(r.group, "sim");
  assert_string_equal(r.system, "move");
  assert_string_equal(r.component, "Pos");
  assert_true(r.d.entity_known);
  assert_int_equal(ECS_ENTITY_INDEX(r.d.entity), 17);
  assert_false(r.d.entity_only_in_a || r.d.entity_only_in_b);
  assert_true(r.d.digest_a != r.d.digest_b);
  assert_non_null(strstr(r.text, "tick 23"));
  assert_non_null(strstr(r.text, "'move'"));
  assert_non_null(strstr(r.text, "'Pos'"));
  assert_non_null(strstr(r.text, "entity 17v0 differs"));

  /* the earlier system of the group: steer's Vel, not move's Pos after it */
  compare_runs(ECS_POOL_INLINE, 2, (inject_t){"steer", 41, 3, -1}, ECS_DIGEST_ENTITIES, &r);
  assert_int_equal(r.d.reason, ECS_DIVERGENCE_DIGEST);
  assert_int_equal(r.d.tick, 41);
  assert_string_equal(r.system, "steer");
  assert_string_equal(r.component, "Vel");
  assert_int_equal(ECS_ENTITY_INDEX(r.d.entity), 3);
}

static void names_the_async_system_on_several_threads(void **state) {
  (void)state;
  report_t r;
  compare_runs(ECS_POOL_INLINE, 4, (inject_t){"heat", 30, 9, 1}, ECS_DIGEST_ENTITIES, &r);
  assert_int_equal(r.d.reason, ECS_DIVERGENCE_DIGEST);
  assert_int_equal(r.d.tick, 30);
  assert_string_equal(r.group, "work");
  assert_string_equal(r.system, "heat");
  assert_string_equal(r.component, "Heat");
  assert_int_equal(ECS_ENTITY_INDEX(r.d.entity), 9);

  compare_runs(3, 2, (inject_t){"tally", 12, 0, 7}, ECS_DIGEST_ENTITIES, &r);
  assert_int_equal(r.d.reason, ECS_DIVERGENCE_DIGEST);
  assert_int_equal(r.d.tick, 12);
  assert_int_equal(r.d.kind, ECS_DIGEST_RESOURCE);
  assert_string_equal(r.system, "tally");
  assert_string_equal(r.component, "Score");
  assert_true(r.d.entity_known);
  assert_int_equal(r.d.entity, ECS_ENTITY_NULL);
  assert_non_null(strstr(r.text, "the resource differs"));
}

static void components_level_names_no_entity(void **state) {
  (void)state;
  report_t r;
  compare_runs(2, ECS_POOL_INLINE, (inject_t){"move", 8, 2, 1}, ECS_DIGEST_COMPONENTS, &r);
  assert_int_equal(r.d.reason, ECS_DIVERGENCE_DIGEST);
  assert_int_equal(r.d.tick, 8);
  assert_string_equal(r.system, "move");
  assert_string_equal(r.component, "Pos");
  assert_false(r.d.entity_known);
  assert_non_null(strstr(r.text, "entity unknown"));
}

static void commands_and_undeclared_writes(void **state) {
  (void)state;
  report_t r;
  /* an extra create on one side: the barrier's record of spawn's commands
   * exists on one side only */
  compare_runs(ECS_POOL_INLINE, ECS_POOL_INLINE, (inject_t){"spawn", 10, 0, 0}, ECS_DIGEST_ENTITIES, &r);
  assert_int_equal(r.d.reason, ECS_DIVERGENCE_RECORD);
  assert_int_equal(r.d.tick, 10);
  assert_string_equal(r.group, "work"); /* a goes on with the next group... */
  assert_string_equal(r.system, "heat");
  assert_string_equal(r.b_system, "spawn"); /* ...where b applies spawn's commands */
  assert_string_equal(r.b_component, "(entities)");
  assert_non_null(strstr(r.text, "record different things"));

  /* the same create on both sides, another value: the Pos record of spawn's commands */
  compare_runs(ECS_POOL_INLINE, ECS_POOL_INLINE, (inject_t){"spawn", 14, 0, 0}, ECS_DIGEST_ENTITIES, &r);
  assert_int_equal(r.d.reason, ECS_DIVERGENCE_DIGEST);
  assert_int_equal(r.d.tick, 14);
  assert_int_equal(r.d.kind, ECS_DIGEST_COMMANDS);
  assert_string_equal(r.system, "spawn");
  assert_string_equal(r.component, "Pos");
  assert_int_equal(ECS_ENTITY_INDEX(r.d.entity), 42); /* tick 7 created slot 41, tick 14 slot 42 */

  /* a write no system declared: the world checksum at the end of the tick */
  compare_runs(ECS_POOL_INLINE, ECS_POOL_INLINE, (inject_t){"sneaky", 33, 5, 1}, ECS_DIGEST_ENTITIES, &r);
  assert_int_equal(r.d.reason, ECS_DIVERGENCE_DIGEST);
  assert_int_equal(r.d.tick, 33);
  assert_int_equal(r.d.kind, ECS_DIGEST_TICK);
  assert_non_null(strstr(r.text, "no system declared"));
}

static void files_round_trip_and_corruption_is_refused(void **state) {
  (void)state;
  game_t g;
  game_init(&g, ECS_POOL_INLINE, (inject_t){0});
  ecs_digest_log_t *log = run(&g, ECS_DIGEST_ENTITIES);
  char path[256];
  const char *dir = getenv("TMPDIR");
  snprintf(path, sizeof path, "%s/libecs_test_digest_%ld.bin", dir && *dir ? dir : "/tmp", (long)getpid());
  assert_int_equal(ecs_digest_log_save_file(log, path), ECS_OK);
  ecs_digest_log_t *loaded = ecs_digest_log_new(g.world);
  assert_int_equal(ecs_digest_log_load_file(loaded, path), ECS_OK);
  assert_int_equal(ecs_digest_log_count(loaded), ecs_digest_log_count(log));
  ecs_divergence_t d;
  assert_int_equal(ecs_digest_log_compare(log, loaded, &d), ECS_OK);
  assert_int_equal(d.reason, ECS_DIVERGENCE_NONE);
  /* records read back as written */
  ecs_digest_record_t ra, rb;
  for (size_t i = 0; i < ecs_digest_log_count(log); i += 17) {
    assert_int_equal(ecs_digest_log_record(log, i, &ra), ECS_OK);
    assert_int_equal(ecs_digest_log_record(loaded, i, &rb), ECS_OK);
    assert_int_equal(ra.tick, rb.tick);
    assert_int_equal(ra.digest, rb.digest);
    assert_string_equal(ra.system, rb.system);
    assert_string_equal(ra.component, rb.component);
    assert_int_equal(ra.entry_count, rb.entry_count);
    if (ra.entry_count) {
      assert_memory_equal(ra.entries, rb.entries, ra.entry_count * sizeof *ra.entries);
    }
  }
  assert_int_equal(ecs_digest_log_record(log, ecs_digest_log_count(log), &ra), ECS_ERR_NOT_FOUND);

  /* every flipped byte and every truncation is refused; the log keeps its records */
  ecs_membuf_t buf = {0};
  ecs_writer_t w = ecs_membuf_writer(&buf);
  assert_int_equal(ecs_digest_log_save(log, &w), ECS_OK);
  size_t count = ecs_digest_log_count(loaded);
  for (size_t i = 0; i < buf.size; i += buf.size / 97 + 1) {
    buf.data[i] ^= 0x40;
    ecs_memsrc_t src = {buf.data, buf.size, 0};
    ecs_reader_t rd = ecs_memreader(&src);
    ecs_status_t st = ecs_digest_log_load(loaded, &rd);
    assert_true(st == ECS_ERR_SNAPSHOT_CORRUPT || st == ECS_ERR_SNAPSHOT_VERSION);
    buf.data[i] ^= 0x40;
    assert_int_equal(ecs_digest_log_count(loaded), count);
  }
  for (size_t n = 0; n < buf.size; n += buf.size / 31 + 1) {
    ecs_memsrc_t src = {buf.data, n, 0};
    ecs_reader_t rd = ecs_memreader(&src);
    assert_int_equal(ecs_digest_log_load(loaded, &rd), ECS_ERR_SNAPSHOT_CORRUPT);
  }
  assert_int_equal(ecs_digest_log_compare(log, loaded, &d), ECS_OK);
  assert_int_equal(d.reason, ECS_DIVERGENCE_NONE);
  /* a snapshot is not a digest log */
  ecs_membuf_reset(&buf);
  assert_int_equal(ecs_scheduler_set_digests(g.sched, NULL, ECS_DIGEST_OFF), ECS_OK);
  assert_int_equal(ecs_snapshot_save(g.world, &w), ECS_OK);
  ecs_memsrc_t src = {buf.data, buf.size, 0};
  ecs_reader_t rd = ecs_memreader(&src);
  assert_int_equal(ecs_digest_log_load(loaded, &rd), ECS_ERR_SNAPSHOT_CORRUPT);
  assert_int_equal(ecs_digest_log_load_file(loaded, "/nonexistent/dir/log"), ECS_ERR_IO);
  assert_int_equal(ecs_digest_log_save_file(log, "/nonexistent/dir/log"), ECS_ERR_IO);
  ecs_membuf_free(&buf);
  unlink(path);
  ecs_digest_log_free(loaded);
  ecs_digest_log_free(log);
  game_fini(&g);
}

/* A rollback and re-simulation replaces the records of the ticks played
 * again: the log then equals a straight run's. */
static void rollback_replaces_the_ticks_played_again(void **state) {
  (void)state;
  game_t a, b;
  game_init(&a, ECS_POOL_INLINE, (inject_t){0});
  game_init(&b, 2, (inject_t){"move", 25, 4, 9}); /* a misprediction at tick 25... */
  ecs_digest_log_t *la = run(&a, ECS_DIGEST_ENTITIES);
  ecs_digest_log_t *lb = ecs_digest_log_new(b.world);
  assert_int_equal(ecs_scheduler_set_digests(b.sched, lb, ECS_DIGEST_ENTITIES), ECS_OK);
  ecs_rollback_t *rb = ecs_rollback_new(b.world, 4);
  for (int t = 1; t <= 40; ++t) {
    assert_int_equal(ecs_scheduler_tick(b.sched, 1.0 / 60, NULL), ECS_OK);
    if (t == 20) {
      assert_int_equal(ecs_rollback_save(rb, 20), ECS_OK);
    }
  }
  ecs_divergence_t d;
  assert_int_equal(ecs_digest_log_compare(la, lb, &d), ECS_OK);
  assert_int_equal(d.reason, ECS_DIVERGENCE_DIGEST);
  assert_int_equal(d.tick, 25);
  /* ...corrected: back to 20, play again without it */
  b.inject = (inject_t){0};
  assert_int_equal(ecs_rollback_restore(rb, 20), ECS_OK);
  for (int t = 21; t <= TICKS; ++t) {
    assert_int_equal(ecs_scheduler_tick(b.sched, 1.0 / 60, NULL), ECS_OK);
  }
  assert_int_equal(ecs_digest_log_count(lb), ecs_digest_log_count(la));
  assert_int_equal(ecs_digest_log_compare(la, lb, &d), ECS_OK);
  assert_int_equal(d.reason, ECS_DIVERGENCE_NONE);

  /* only the ticks both hold are compared */
  ecs_digest_log_drop_before(lb, 31);
  assert_int_equal(ecs_digest_log_first_tick(lb), 31);
  assert_int_equal(ecs_digest_log_compare(la, lb, &d), ECS_OK);
  assert_int_equal(d.first_tick, 31);
  assert_int_equal(d.reason, ECS_DIVERGENCE_NONE);
  ecs_digest_log_drop_before(lb, 1000);
  assert_int_equal(ecs_digest_log_count(lb), 0);
  assert_int_equal(ecs_digest_log_compare(la, lb, &d), ECS_ERR_NOT_FOUND);
  assert_int_equal(d.reason, ECS_DIVERGENCE_NONE);

  ecs_rollback_free(rb);
  assert_int_equal(ecs_scheduler_set_digests(a.sched, NULL, ECS_DIGEST_OFF), ECS_OK);
  ecs_digest_log_free(la);
  game_fini(&a);
  ecs_scheduler_free(b.sched); /* with the log still attached: detached by the free */
  b.sched = NULL;
  ecs_digest_log_free(lb); /* before its world */
  game_fini(&b);
}

/* The bug-report workflow: a replay and a digest log recorded together;
 * verifying the replay where one system misbehaves finds the tick, and
 * the digest logs name the system. */
static ecs_status_t no_input(ecs_world_t *world, uint64_t tick, const void *input, size_t size, void *user) {
  (void)world, (void)tick, (void)input, (void)size;
  (*(int *)user)++;
  return ECS_OK;
}

static void replay_verification_with_digests(void **state) {
  (void)state;
  game_t g;
  game_init(&g, 2, (inject_t){0});
  for (int t = 0; t < 5; ++t) {
    assert_int_equal(ecs_scheduler_tick(g.sched, 0.0, NULL), ECS_OK);
  }
  ecs_replay_t *r = ecs_replay_new(g.world);
  assert_int_equal(ecs_replay_start(r, 5), ECS_OK);
  ecs_digest_log_t *recorded = ecs_digest_log_new(g.world);
  assert_int_equal(ecs_scheduler_set_digests(g.sched, recorded, ECS_DIGEST_ENTITIES), ECS_OK);
  for (uint64_t t = 6; t <= 50; ++t) {
    assert_int_equal(ecs_replay_record(r, t, NULL, 0), ECS_OK);
    assert_int_equal(ecs_scheduler_tick(g.sched, 0.0, NULL), ECS_OK);
    assert_int_equal(ecs_replay_mark(r, t, ecs_world_checksum(g.world)), ECS_OK);
  }
  /* the re-run misbehaves at tick 27 in heat (ASYNC, on the pool) */
  ecs_digest_log_t *rerun = ecs_digest_log_new(g.world);
  assert_int_equal(ecs_scheduler_set_digests(g.sched, rerun, ECS_DIGEST_ENTITIES), ECS_OK);
  g.inject = (inject_t){"heat", 27, 12, 3};
  uint64_t bad = 0;
  int applied = 0;
  assert_int_equal(ecs_replay_verify(r, g.sched, 0.0, no_input, &applied, &bad), ECS_OK);
  assert_int_equal(bad, 27);
  assert_int_equal(applied, 27 - 5);
  ecs_divergence_t d;
  assert_int_equal(ecs_digest_log_compare(recorded, rerun, &d), ECS_OK);
  assert_int_equal(d.first_tick, 6);
  assert_int_equal(d.last_tick, 27);
  assert_int_equal(d.reason, ECS_DIVERGENCE_DIGEST);
  assert_int_equal(d.tick, 27);
  assert_string_equal(d.system, "heat");
  assert_string_equal(d.component, "Heat");
  assert_int_equal(ECS_ENTITY_INDEX(d.entity), 12);
  assert_int_equal(ecs_scheduler_set_digests(g.sched, NULL, ECS_DIGEST_OFF), ECS_OK);
  ecs_digest_log_free(recorded);
  ecs_digest_log_free(rerun);
  ecs_replay_free(r);
  game_fini(&g);
}

/* Every allocation of attaching, recording, saving and loading failing in
 * turn: a clear error, the ticks unaffected, nothing else changed; then
 * success. */
static void out_of_memory(void **state) {
  (void)state;
  for (int op = 0; op < 4; ++op) {
    bool done = false;
    for (size_t fail_at = 1; !done; ++fail_at) {
      failing_t f = {0, SIZE_MAX};
      ecs_world_desc_t desc = {.allocator = failing_allocator(&f)};
      world_desc = &desc;
      game_t g;
      game_init(&g, ECS_POOL_INLINE, (inject_t){0});
      world_desc = NULL;
      ecs_digest_log_t *log = ecs_digest_log_new(g.world);
      assert_non_null(log);
      ecs_membuf_t buf = {0};
      if (op >= 2) { /* a log to save and load */
        assert_int_equal(ecs_scheduler_set_digests(g.sched, log, ECS_DIGEST_ENTITIES), ECS_OK);
        for (int t = 0; t < 5; ++t) {
          assert_int_equal(ecs_scheduler_tick(g.sched, 0.0, NULL), ECS_OK);
        }
        assert_int_equal(ecs_scheduler_set_digests(g.sched, NULL, ECS_DIGEST_OFF), ECS_OK);
        ecs_writer_t out = ecs_membuf_writer(&buf);
        assert_int_equal(ecs_digest_log_save(log, &out), ECS_OK);
      }
      size_t count = ecs_digest_log_count(log);
      if (op == 1) {
        assert_int_equal(ecs_scheduler_set_digests(g.sched, log, ECS_DIGEST_ENTITIES), ECS_OK);
      }
      f.fail_at = f.calls + fail_at;
      ecs_status_t st;
      if (op == 0) {
        st = ecs_scheduler_set_digests(g.sched, log, ECS_DIGEST_ENTITIES);
        f.fail_at = SIZE_MAX;
        assert_int_equal(ecs_scheduler_tick(g.sched, 0.0, NULL), ECS_OK);
        assert_int_equal(ecs_digest_log_count(log) > 0, st == ECS_OK); /* attached or not at all */
      } else if (op == 1) {
        for (int t = 0; t < 8; ++t) {
          assert_int_equal(ecs_scheduler_tick(g.sched, 0.0, NULL), ECS_OK); /* the ticks go on */
        }
        f.fail_at = SIZE_MAX;
        st = ecs_digest_log_status(log);
        if (st != ECS_OK) {
          ecs_divergence_t d;
          assert_int_equal(ecs_digest_log_compare(log, log, &d), ECS_ERR_NO_MEMORY);
          ecs_writer_t out = ecs_membuf_writer(&buf);
          assert_int_equal(ecs_digest_log_save(log, &out), ECS_ERR_NO_MEMORY);
          ecs_digest_log_clear(log); /* and it records again */
          assert_int_equal(ecs_scheduler_tick(g.sched, 0.0, NULL), ECS_OK);
          assert_int_equal(ecs_digest_log_status(log), ECS_OK);
          assert_int_equal(ecs_digest_log_first_tick(log), 9);
        }
      } else if (op == 2) {
        ecs_membuf_t again = {.allocator = &(ecs_allocator_t){f_alloc, f_realloc, f_free, &f}};
        ecs_writer_t o2 = ecs_membuf_writer(&again);
        st = ecs_digest_log_save(log, &o2);
        f.fail_at = SIZE_MAX;
        ecs_membuf_free(&again);
      } else {
        ecs_digest_log_t *copy = ecs_digest_log_new(g.world);
        ecs_memsrc_t src = {buf.data, buf.size, 0};
        ecs_reader_t in = ecs_memreader(&src);
        st = copy ? ecs_digest_log_load(copy, &in) : ECS_ERR_NO_MEMORY;
        f.fail_at = SIZE_MAX;
        if (copy) {
          assert_int_equal(ecs_digest_log_count(copy), st == ECS_OK ? count : 0);
        }
        ecs_digest_log_free(copy);
      }
      f.fail_at = SIZE_MAX;
      if (st == ECS_OK) {
        done = true;
      } else {
        assert_int_equal(st, ECS_ERR_NO_MEMORY);
      }
      if (op >= 2) {
        assert_int_equal(ecs_digest_log_count(log), count);
      }
      ecs_membuf_free(&buf);
      ecs_digest_log_free(log);
      game_fini(&g);
    }
  }
}

static int noop_count;
static ecs_status_t noop(ecs_system_ctx_t *ctx) {
  (void)ctx;
  noop_count++;
  return ECS_OK;
}

static bool set_digests_from_a_condition(const ecs_world_t *w, void *user) {
  (void)w;
  game_t *g = user;
  ecs_digest_log_t *log = ecs_digest_log_new(g->world);
  ecs_status_t st = ecs_scheduler_set_digests(g->sched, log, ECS_DIGEST_COMPONENTS);
  ecs_digest_log_free(log);
  return st == ECS_ERR_BUSY;
}

static void bad_arguments(void **state) {
  (void)state;
  game_t g;
  game_init(&g, ECS_POOL_INLINE, (inject_t){0});
  ecs_digest_log_t *log = ecs_digest_log_new(g.world);
  ecs_digest_log_t *other = ecs_digest_log_new(g.world);
  assert_null(ecs_digest_log_new(NULL));
  assert_int_equal(ecs_scheduler_set_digests(NULL, log, ECS_DIGEST_ENTITIES), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_scheduler_set_digests(g.sched, log, (ecs_digest_level_t)7), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_digest_log_status(NULL), ECS_ERR_INVALID_ARGUMENT);
  ecs_divergence_t d;
  assert_int_equal(ecs_digest_log_compare(NULL, log, &d), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_digest_log_compare(log, other, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_digest_log_compare(log, other, &d), ECS_ERR_NOT_FOUND); /* both empty */
  assert_int_equal(ecs_divergence_format(NULL, NULL, 0), 0);
  d = (ecs_divergence_t){.reason = ECS_DIVERGENCE_NONE, .first_tick = 1, .last_tick = 2};
  assert_true(ecs_divergence_format(&d, NULL, 0) > 0); /* the length it needs */
  assert_int_equal(ecs_digest_log_record(NULL, 0, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_digest_log_save(NULL, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_digest_log_load(log, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_digest_log_save_file(log, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_digest_log_load_file(NULL, "x"), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_digest_log_count(NULL), 0);
  assert_int_equal(ecs_digest_log_first_tick(NULL), 0);
  assert_int_equal(ecs_digest_log_last_tick(log), 0);
  ecs_digest_log_clear(NULL);
  ecs_digest_log_drop_before(NULL, 3);
  ecs_digest_log_free(NULL);

  /* one scheduler per log; an attached log cannot be loaded into */
  assert_int_equal(ecs_scheduler_set_digests(g.sched, log, ECS_DIGEST_COMPONENTS), ECS_OK);
  game_t h;
  game_init(&h, ECS_POOL_INLINE, (inject_t){0});
  assert_int_equal(ecs_scheduler_set_digests(h.sched, log, ECS_DIGEST_COMPONENTS), ECS_ERR_INVALID_ARGUMENT);
  game_fini(&h);
  assert_int_equal(ecs_scheduler_set_digests(g.sched, log, ECS_DIGEST_ENTITIES), ECS_OK); /* a new level */
  assert_int_equal(ecs_scheduler_tick(g.sched, 0.0, NULL), ECS_OK);
  ecs_membuf_t buf = {0};
  ecs_writer_t w = ecs_membuf_writer(&buf);
  assert_int_equal(ecs_digest_log_save(log, &w), ECS_OK);
  ecs_memsrc_t src = {buf.data, buf.size, 0};
  ecs_reader_t rd = ecs_memreader(&src);
  assert_int_equal(ecs_digest_log_load(log, &rd), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_digest_log_load(other, &rd), ECS_OK);
  /* moving to another log; clearing */
  assert_int_equal(ecs_scheduler_set_digests(g.sched, other, ECS_DIGEST_COMPONENTS), ECS_OK);
  assert_int_equal(ecs_scheduler_tick(g.sched, 0.0, NULL), ECS_OK);
  assert_int_equal(ecs_digest_log_last_tick(other), 2);
  assert_int_equal(ecs_digest_log_last_tick(log), 1);
  ecs_digest_log_clear(other);
  assert_int_equal(ecs_digest_log_count(other), 0);
  assert_int_equal(ecs_scheduler_set_digests(g.sched, NULL, ECS_DIGEST_COMPONENTS), ECS_OK);
  /* a log of another world (its allocator) records this scheduler */
  ecs_world_t *elsewhere = ecs_world_new(NULL);
  ecs_digest_log_t *foreign = ecs_digest_log_new(elsewhere);
  assert_int_equal(ecs_scheduler_set_digests(g.sched, foreign, ECS_DIGEST_ENTITIES), ECS_OK);
  assert_int_equal(ecs_scheduler_tick(g.sched, 0.0, NULL), ECS_OK);
  assert_true(ecs_digest_log_count(foreign) > 0);
  ecs_digest_log_free(foreign);
  ecs_world_free(elsewhere);
  /* freeing a log a scheduler records into detaches it: the ticks go on */
  ecs_digest_log_t *third = ecs_digest_log_new(g.world);
  assert_int_equal(ecs_scheduler_set_digests(g.sched, third, ECS_DIGEST_ENTITIES), ECS_OK);
  ecs_digest_log_free(third);
  assert_int_equal(ecs_scheduler_tick(g.sched, 0.0, NULL), ECS_OK);
  ecs_membuf_free(&buf);
  ecs_digest_log_free(log);
  ecs_digest_log_free(other);
  game_fini(&g);

  /* during a tick: busy */
  game_t c = {0};
  c.world = ecs_world_new(NULL);
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(c.world);
  ecs_group_t grp = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "g"});
  ecs_builder_add_system(
      b, grp,
      &(ecs_system_desc_t){.name = "s", .callback = noop, .run_if = set_digests_from_a_condition, .run_if_user = &c});
  assert_int_equal(ecs_scheduler_build(b, &c.sched), ECS_OK);
  noop_count = 0;
  assert_int_equal(ecs_scheduler_tick(c.sched, 0.0, NULL), ECS_OK);
  assert_int_equal(noop_count, 1);
  game_fini(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(clean_runs_agree_for_any_thread_count),
      cmocka_unit_test(names_the_sync_system_component_and_entity),
      cmocka_unit_test(names_the_async_system_on_several_threads),
      cmocka_unit_test(components_level_names_no_entity),
      cmocka_unit_test(commands_and_undeclared_writes),
      cmocka_unit_test(files_round_trip_and_corruption_is_refused),
      cmocka_unit_test(rollback_replaces_the_ticks_played_again),
      cmocka_unit_test(replay_verification_with_digests),
      cmocka_unit_test(bad_arguments),
      cmocka_unit_test(out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
