/* No heap allocation per entity per tick in steady state (STYLE.md: "no
 * hidden allocation on a hot path"). A world of 2,000 entities with one
 * component of each storage kind (every kind takes every role once over
 * the table below) is ticked by a scheduler with SYNC groups and an ASYNC
 * group on a pool of 2 threads: systems iterate queries and write in
 * place, one splits its query with ecs_parallel_for, two record commands
 * that set components the entities already have (one on the ticking
 * thread, one on a worker). After a warm-up, the world's allocator must
 * see no call at all over 50 ticks, also with churn (k entities destroyed
 * and k created with components every tick). A last case
 * checks that the count does see a system that allocates per entity, so
 * that the assertions above can fail. Run under TSan in CI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecs.h"
#include "support/counting_alloc.h"

#include <stdio.h>

enum {
  ENTITIES = 2000,
  WARMUP_TICKS = 20,
  MEASURED_TICKS = 50,
  CHURN = 16,     /* entities destroyed and created per tick in test_churn */
  SLICE_ROWS = 64 /* rows per ecs_parallel_for task */
};

typedef struct Pos {
  float x, y, z;
} Pos;

typedef struct Vel {
  float x, y, z;
} Vel;

/* Held by every other entity; restore sets hp to max, wear takes 1 off. */
typedef struct Health {
  int32_t hp, max;
} Health;

/* The storage kind of each component. */
typedef struct roles_t {
  const char *name;
  ecs_storage_kind_t pos, vel, health;
} roles_t;

static const roles_t roles[] = {
    {"pos=dense vel=archetype health=sparse", ECS_STORAGE_DENSE, ECS_STORAGE_ARCHETYPE, ECS_STORAGE_SPARSE},
    {"pos=archetype vel=sparse health=dense", ECS_STORAGE_ARCHETYPE, ECS_STORAGE_SPARSE, ECS_STORAGE_DENSE},
    {"pos=sparse vel=dense health=archetype", ECS_STORAGE_SPARSE, ECS_STORAGE_DENSE, ECS_STORAGE_ARCHETYPE},
};
#define ROLES_COUNT (sizeof roles / sizeof roles[0])

typedef struct steady_t {
  counting_t ca; /* the world's allocator */
  ecs_world_t *world;
  ecs_scheduler_t *sched;
  ecs_component_t pos, vel, health;
  uint32_t entities;
  uint32_t churn;     /* destroyed and created per tick */
  bool leak;          /* self-check: spin allocates once per entity */
  uint32_t systems;   /* systems every tick runs */
  uint64_t creates;   /* entities the churn system has created so far */
  ecs_entity_t first; /* the first entity made, a Health holder (without churn) */
  size_t per_tick[MEASURED_TICKS];
} steady_t;

/* Pos += Vel * dt, in place. */
static ecs_status_t integrate(ecs_system_ctx_t *ctx) {
  float dt = (float)ctx->dt;
  while (ecs_iter_next(&ctx->it)) {
    Pos *pc = ecs_field(&ctx->it, 0);
    const Vel *vc = ecs_field(&ctx->it, 1);
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      Pos *p = pc ? &pc[i] : ecs_field_at(&ctx->it, 0, i);
      const Vel *v = vc ? &vc[i] : ecs_field_at(&ctx->it, 1, i);
      p->x += v->x * dt;
      p->y += v->y * dt;
      p->z += v->z * dt;
    }
  }
  return ECS_OK;
}

/* Records a set of Health (which every matched entity has) per entity. */
static ecs_status_t restore(ecs_system_ctx_t *ctx) {
  const steady_t *st = ctx->user;
  ecs_status_t status = ECS_OK;
  while (ecs_iter_next(&ctx->it)) {
    for (int32_t i = 0; i < ctx->it.count && status == ECS_OK; ++i) {
      const Health *h = ecs_field_at(&ctx->it, 0, i);
      status = ecs_cmd_set(ctx->commands, ctx->it.entities[i], st->health, &(Health){h->max, h->max});
    }
  }
  return status;
}

/* Turns Vel by 90 degrees about z: the values stay bounded. */
static ecs_status_t spin_slice(ecs_iter_t *chunk, ecs_cmd_buffer_t *commands, void *user) {
  steady_t *st = user;
  (void)commands;
  Vel *vc = ecs_field(chunk, 0);
  for (int32_t i = 0; i < chunk->count; ++i) {
    Vel *v = vc ? &vc[i] : ecs_field_at(chunk, 0, i);
    *v = (Vel){-v->y, v->x, v->z};
    if (st->leak) {
      /* what a per-entity allocation through the world's allocator looks
       * like to the count (the allocator is the counting one) */
      counting_free(&st->ca, counting_alloc(&st->ca, sizeof *v), sizeof *v);
    }
  }
  return ECS_OK;
}

static ecs_status_t spin(ecs_system_ctx_t *ctx) {
  return ecs_parallel_for(ctx, SLICE_ROWS, spin_slice, ctx->user);
}

static ecs_status_t wear(ecs_system_ctx_t *ctx) {
  while (ecs_iter_next(&ctx->it)) {
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      Health *h = ecs_field_at(&ctx->it, 0, i);
      h->hp -= 1;
    }
  }
  return ECS_OK;
}

/* Records a set of every entity's Pos to its value, from a worker thread. */
static ecs_status_t echo(ecs_system_ctx_t *ctx) {
  const steady_t *st = ctx->user;
  ecs_status_t status = ECS_OK;
  while (ecs_iter_next(&ctx->it)) {
    for (int32_t i = 0; i < ctx->it.count && status == ECS_OK; ++i) {
      status = ecs_cmd_set(ctx->commands, ctx->it.entities[i], st->pos, ecs_field_at(&ctx->it, 0, i));
    }
  }
  return status;
}

/* Destroys the first st->churn entities the query yields and creates as
 * many, each with Pos and Vel, every other one with Health too. */
static ecs_status_t churn(ecs_system_ctx_t *ctx) {
  steady_t *st = ctx->user;
  ecs_status_t status = ECS_OK;
  uint32_t destroyed = 0;
  while (destroyed < st->churn && ecs_iter_next(&ctx->it)) {
    for (int32_t i = 0; i < ctx->it.count && destroyed < st->churn && status == ECS_OK; ++i, ++destroyed) {
      status = ecs_cmd_destroy(ctx->commands, ctx->it.entities[i]);
    }
  }
  for (uint32_t k = 0; k < st->churn && status == ECS_OK; ++k, ++st->creates) {
    ecs_entity_t e = ecs_cmd_create(ctx->commands);
    float f = (float)(st->creates % 100);
    status = e == ECS_ENTITY_NULL ? ECS_ERR_NO_MEMORY : ECS_OK;
    if (status == ECS_OK) {
      status = ecs_cmd_set(ctx->commands, e, st->pos, &(Pos){f, 0.0f, 0.0f});
    }
    if (status == ECS_OK) {
      status = ecs_cmd_set(ctx->commands, e, st->vel, &(Vel){1.0f, f, 0.0f});
    }
    if (status == ECS_OK && k % 2 == 0) {
      status = ecs_cmd_set(ctx->commands, e, st->health, &(Health){100, 100});
    }
  }
  return destroyed == st->churn ? status : ECS_ERR_NOT_FOUND;
}

static void add_system(ecs_scheduler_builder_t *b, ecs_group_t g, ecs_system_desc_t d, steady_t *st) {
  d.user = st;
  assert_int_equal(ecs_builder_add_system(b, g, &d), ECS_OK);
  st->systems++;
}

static ecs_component_t component(ecs_world_t *w, const char *name, size_t size, size_t align, ecs_storage_kind_t kind) {
  ecs_component_t c = ecs_component_register(
      w, &(ecs_component_desc_t){.name = name, .size = size, .alignment = align, .storage = kind});
  assert_int_not_equal(c, ECS_COMPONENT_NULL);
  return c;
}

/* The world and its schedule: groups "spawn" (SYNC, with churn only),
 * "early" (SYNC) and "late" (ASYNC, on a pool of 2 threads, always
 * dispatched to it). */
static void steady_init(steady_t *st, const roles_t *r, uint32_t entities, uint32_t churn_per_tick) {
  *st = (steady_t){.entities = entities, .churn = churn_per_tick};
  ecs_world_desc_t desc = {.allocator = counting_allocator(&st->ca)};
  st->world = ecs_world_new(&desc);
  assert_non_null(st->world);
  ecs_world_t *w = st->world;
  st->pos = component(w, "Pos", sizeof(Pos), ECS_ALIGNOF(Pos), r->pos);
  st->vel = component(w, "Vel", sizeof(Vel), ECS_ALIGNOF(Vel), r->vel);
  st->health = component(w, "Health", sizeof(Health), ECS_ALIGNOF(Health), r->health);
  for (uint32_t i = 0; i < entities; ++i) {
    ecs_entity_t e = ecs_entity_create(w);
    assert_int_equal(ecs_set(w, e, st->pos, &(Pos){(float)i, 0.0f, 0.0f}), ECS_OK);
    assert_int_equal(ecs_set(w, e, st->vel, &(Vel){1.0f, 0.5f, 0.0f}), ECS_OK);
    if (i == 0) {
      st->first = e;
    }
    if (i % 2 == 0) {
      int32_t max = 100 + (int32_t)(i % 7);
      assert_int_equal(ecs_set(w, e, st->health, &(Health){max, max}), ECS_OK);
    }
  }

  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  assert_non_null(b);
  ecs_scheduler_desc_t opts = {.threads = 2, .inline_below_ns = 1};
  assert_int_equal(ecs_builder_set_options(b, &opts), ECS_OK);
  if (churn_per_tick > 0) {
    ecs_group_t spawn = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "spawn"});
    add_system(
        b, spawn,
        (ecs_system_desc_t){.name = "churn", .query = {.terms = {{st->pos, ECS_ACCESS_READ}}}, .callback = churn}, st);
  }
  ecs_group_desc_t early_desc = {.name = "early", .mode = ECS_GROUP_SYNC};
  if (churn_per_tick > 0) {
    early_desc.after[0] = "spawn";
  }
  ecs_group_t early = ecs_builder_add_group(b, &early_desc);
  ecs_group_t late =
      ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "late", .mode = ECS_GROUP_ASYNC, .after = {"early"}});
  add_system(b, early,
             (ecs_system_desc_t){.name = "integrate",
                                 .query = {.terms = {{st->pos, ECS_ACCESS_WRITE}, {st->vel, ECS_ACCESS_READ}}},
                                 .callback = integrate},
             st);
  add_system(
      b, early,
      (ecs_system_desc_t){.name = "restore", .query = {.terms = {{st->health, ECS_ACCESS_READ}}}, .callback = restore},
      st);
  /* no two of these conflict (the default policy would reject the build):
   * all three run at once on the pool */
  add_system(b, late,
             (ecs_system_desc_t){.name = "spin", .query = {.terms = {{st->vel, ECS_ACCESS_WRITE}}}, .callback = spin},
             st);
  add_system(
      b, late,
      (ecs_system_desc_t){.name = "wear", .query = {.terms = {{st->health, ECS_ACCESS_WRITE}}}, .callback = wear}, st);
  add_system(b, late,
             (ecs_system_desc_t){.name = "echo", .query = {.terms = {{st->pos, ECS_ACCESS_READ}}}, .callback = echo},
             st);
  assert_int_equal(ecs_scheduler_build(b, &st->sched), ECS_OK);
  assert_non_null(ecs_scheduler_pool(st->sched));
  assert_int_equal(ecs_pool_threads(ecs_scheduler_pool(st->sched)), 2);
}

static void steady_fini(steady_t *st) {
  ecs_scheduler_free(st->sched);
  ecs_world_free(st->world);
}

/* One tick that must run every system and apply every command. */
static void tick(steady_t *st) {
  ecs_tick_result_t r;
  assert_int_equal(ecs_scheduler_tick(st->sched, 1.0 / 60.0, &r), ECS_OK);
  assert_int_equal(r.systems_run, st->systems);
  assert_int_equal(r.systems_failed, 0);
  /* restore: one per Health holder (churn changed them before it ran);
   * echo: one per entity; churn: destroy, create, 2 sets per entity and a
   * third for every other one */
  size_t expected =
      ecs_component_count(st->world, st->health) + st->entities + (size_t)st->churn * 4 + (st->churn + 1) / 2;
  assert_int_equal(r.commands_applied, expected);
  assert_int_equal(r.commands_skipped, 0);
  assert_int_equal(ecs_entity_count(st->world), st->entities);
}

/* Warms up, then records the allocator calls (alloc + realloc) of each of
 * MEASURED_TICKS ticks in st->per_tick; returns their sum. */
static size_t measure(steady_t *st) {
  for (int t = 0; t < WARMUP_TICKS; ++t) {
    tick(st);
  }
  size_t total = 0;
  for (int t = 0; t < MEASURED_TICKS; ++t) {
    size_t before = counting_calls(&st->ca);
    tick(st);
    st->per_tick[t] = counting_calls(&st->ca) - before;
    total += st->per_tick[t];
  }
  return total;
}

static void print_per_tick(const steady_t *st) {
  char line[8 * MEASURED_TICKS + 1];
  size_t at = 0;
  for (int t = 0; t < MEASURED_TICKS && at < sizeof line; ++t) {
    int n = snprintf(line + at, sizeof line - at, " %zu", st->per_tick[t]);
    at += n > 0 ? (size_t)n : 0;
  }
  print_message("allocator calls per measured tick:%s\n", line);
}

/* Every tick did what it should: the pool ran tasks, restore then wear
 * left every holder at max - 1. */
static void check_work_done(steady_t *st) {
  ecs_pool_stats_t ps;
  ecs_pool_stats(ecs_scheduler_pool(st->sched), &ps);
  assert_true(ps.tasks_run >= (uint64_t)(WARMUP_TICKS + MEASURED_TICKS));
  const Health *h = ecs_get(st->world, st->first, st->health);
  assert_non_null(h);
  assert_int_equal(h->hp, h->max - 1);
}

/* No structural change: not one allocator call over the measured ticks. */
static void test_no_allocation_per_tick(void **state) {
  (void)state;
  for (size_t r = 0; r < ROLES_COUNT; ++r) {
    print_message("%s\n", roles[r].name);
    steady_t st;
    steady_init(&st, &roles[r], ENTITIES, 0);
    size_t total = measure(&st);
    if (total != 0) {
      print_per_tick(&st);
    }
    assert_int_equal(total, 0);
    check_work_done(&st);
    steady_fini(&st);
  }
}

/* CHURN entities destroyed and CHURN created (through commands) per tick.
 * The registry reuses the freed slots, DENSE, SPARSE and ARCHETYPE arrays
 * and the command buffers keep their capacity (the SPARSE index has room
 * for the holders and never needs tombstones): nothing allocates. */
static void test_churn(void **state) {
  (void)state;
  for (size_t r = 0; r < ROLES_COUNT; ++r) {
    steady_t st;
    steady_init(&st, &roles[r], ENTITIES, CHURN);
    size_t total = measure(&st);
    bool over = total > 0;
    if (over) {
      print_per_tick(&st);
    }
    assert_false(over);
    steady_fini(&st);
  }
}

/* The count sees a system that allocates once per entity, on the pool's
 * threads too: the assertions above can fail. */
static void test_detects_per_entity_allocation(void **state) {
  (void)state;
  steady_t st;
  steady_init(&st, &roles[0], ENTITIES, 0);
  st.leak = true;
  measure(&st);
  for (int t = 0; t < MEASURED_TICKS; ++t) {
    assert_true(st.per_tick[t] >= ENTITIES);
  }
  steady_fini(&st);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_no_allocation_per_tick),
      cmocka_unit_test(test_churn),
      cmocka_unit_test(test_detects_per_entity_allocation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
