/* Plugins: load order, dependencies and cycles, repeated loads, failing
 * inits, registration through a scheduler builder, finis at world free,
 * bad input, loads during a tick, and memory through the world's allocator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecs.h"
#include "support/owned.h"

/* What the plugins of a case did, space separated: "init:a init:b fini:b". */
typedef struct trace_t {
  char text[512];
} trace_t;

static void trace_add(trace_t *t, const char *what, const char *name) {
  size_t n = strlen(t->text);
  snprintf(t->text + n, sizeof t->text - n, "%s%s:%s", n ? " " : "", what, name);
}

/* The config of one load, and the state its init keeps for fini. */
typedef struct ctx_t {
  const char *name;
  trace_t *trace;
  int init_calls;
  int fini_calls;
  const void *config_seen;
  ecs_scheduler_builder_t *builder_seen;
  void *state_seen; /* what fini received */
  /* nested loads: init loads this plugin first (with next_config) */
  const ecs_plugin_t *next;
  struct ctx_t *next_config;
  ecs_status_t next_status;
  char next_error[256];
  ecs_status_t fail_with; /* init returns it */
  ecs_status_t load_in_fini;
} ctx_t;

static ecs_status_t rec_init(ecs_world_t *w, ecs_scheduler_builder_t *b, const void *config, void **state) {
  ctx_t *c = (ctx_t *)config;
  assert_non_null(c);
  assert_null(*state);
  c->init_calls++;
  c->config_seen = config;
  c->builder_seen = b;
  if (c->next) {
    c->next_status = ecs_plugin_load(w, b, c->next, c->next_config);
    snprintf(c->next_error, sizeof c->next_error, "%s", ecs_last_error(w));
    if (c->next_status != ECS_OK) {
      return c->next_status;
    }
  }
  if (c->fail_with != ECS_OK) {
    return c->fail_with;
  }
  trace_add(c->trace, "init", c->name);
  *state = c;
  return ECS_OK;
}

static void rec_fini(ecs_world_t *w, void *state) {
  ctx_t *c = state;
  c->fini_calls++;
  c->state_seen = state;
  trace_add(c->trace, "fini", c->name);
  static const ecs_plugin_t late = {.name = "late", .init = rec_init};
  c->load_in_fini = ecs_plugin_load(w, NULL, &late, c);
}

static ecs_plugin_t plugin(const char *name, const char *dep0, const char *dep1) {
  return (ecs_plugin_t){.name = name, .version = 1, .dependencies = {dep0, dep1}, .init = rec_init, .fini = rec_fini};
}

static void test_load_order_and_init_args(void **state) {
  (void)state;
  trace_t t = {{0}};
  ctx_t ca = {.name = "a", .trace = &t}, cb = {.name = "b", .trace = &t}, cc = {.name = "c", .trace = &t};
  ecs_world_t *w = world_new();
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  assert_non_null(b);
  assert_int_equal(ecs_plugin_count(w), 0);

  /* the name and the struct are copied: the caller's memory may go */
  char name_a[8] = "a";
  ecs_plugin_t pa = plugin(name_a, NULL, NULL);
  assert_int_equal(ecs_plugin_load(w, b, &pa, &ca), ECS_OK);
  memset(name_a, 'x', sizeof name_a - 1);
  memset(&pa, 0, sizeof pa);
  assert_true(ecs_plugin_loaded(w, "a"));
  assert_false(ecs_plugin_loaded(w, name_a));

  ecs_plugin_t pb = plugin("b", "a", NULL), pc = plugin("c", "a", "b");
  assert_int_equal(ecs_plugin_load(w, b, &pb, &cb), ECS_OK);
  assert_int_equal(ecs_plugin_load(w, NULL, &pc, &cc), ECS_OK);
  assert_int_equal(ecs_last_status(w), ECS_OK);
  assert_string_equal(t.text, "init:a init:b init:c");
  assert_int_equal(ecs_plugin_count(w), 3);
  assert_true(ecs_plugin_loaded(w, "b"));
  assert_true(ecs_plugin_loaded(w, "c"));
  assert_false(ecs_plugin_loaded(w, "d"));
  ctx_t *all[] = {&ca, &cb, &cc};
  for (int i = 0; i < 3; ++i) {
    assert_int_equal(all[i]->init_calls, 1);
    assert_ptr_equal(all[i]->config_seen, all[i]);
  }
  assert_ptr_equal(ca.builder_seen, b);
  assert_ptr_equal(cb.builder_seen, b);
  assert_null(cc.builder_seen); /* passed through as given */
  ecs_scheduler_builder_free(b);
  ecs_world_free(w);
}

static void test_fini_reverse_order_with_state(void **state) {
  (void)state;
  trace_t t = {{0}};
  ctx_t ca = {.name = "a", .trace = &t}, cb = {.name = "b", .trace = &t}, cc = {.name = "c", .trace = &t};
  ecs_world_t *w = world_new();
  ecs_plugin_t pa = plugin("a", NULL, NULL), pb = plugin("b", "a", NULL), pc = plugin("c", "b", NULL);
  pb.fini = NULL; /* optional */
  assert_int_equal(ecs_plugin_load(w, NULL, &pa, &ca), ECS_OK);
  assert_int_equal(ecs_plugin_load(w, NULL, &pb, &cb), ECS_OK);
  assert_int_equal(ecs_plugin_load(w, NULL, &pc, &cc), ECS_OK);
  assert_int_equal(ca.fini_calls + cc.fini_calls, 0);
  ecs_world_free(w);
  assert_string_equal(t.text, "init:a init:b init:c fini:c fini:a");
  assert_int_equal(ca.fini_calls, 1);
  assert_int_equal(cb.fini_calls, 0);
  assert_int_equal(cc.fini_calls, 1);
  assert_ptr_equal(ca.state_seen, &ca);
  assert_ptr_equal(cc.state_seen, &cc);
  /* no loads while the world is freed */
  assert_int_equal(ca.load_in_fini, ECS_ERR_MISUSE);
  assert_int_equal(cc.load_in_fini, ECS_ERR_MISUSE);
}

/* An init that loads its own dependency first: the dependency completes
 * first, so it comes first in load order and its fini runs last. */
static void test_nested_load_of_dependency(void **state) {
  (void)state;
  trace_t t = {{0}};
  ctx_t cbase = {.name = "base", .trace = &t};
  ecs_plugin_t pbase = plugin("base", NULL, NULL);
  ctx_t capp = {.name = "app", .trace = &t, .next = &pbase, .next_config = &cbase};
  ecs_plugin_t papp = plugin("app", NULL, NULL);
  ecs_world_t *w = world_new();
  assert_int_equal(ecs_plugin_load(w, NULL, &papp, &capp), ECS_OK);
  assert_int_equal(capp.next_status, ECS_OK);
  assert_true(ecs_plugin_loaded(w, "base"));
  assert_true(ecs_plugin_loaded(w, "app"));
  assert_int_equal(ecs_plugin_count(w), 2);
  /* a plugin that lists base as a dependency now loads */
  ctx_t cuser = {.name = "user", .trace = &t};
  ecs_plugin_t puser = plugin("user", "base", "app");
  assert_int_equal(ecs_plugin_load(w, NULL, &puser, &cuser), ECS_OK);
  ecs_world_free(w);
  assert_string_equal(t.text, "init:base init:app init:user fini:user fini:app fini:base");
}

/* A plugin that brings a component, a resource, a group and a system. */
typedef struct pos_t {
  float x, y;
} pos_t;

typedef struct gravity_t {
  float g;
} gravity_t;

typedef struct physics_state_t {
  trace_t *trace;
  ecs_component_t pos, gravity;
  float gravity_at_fini;
} physics_state_t;

static ecs_status_t sys_fall(ecs_system_ctx_t *ctx) {
  physics_state_t *ps = ctx->user;
  const gravity_t *g = ecs_system_resource(ctx, ps->gravity);
  if (!g) {
    return ECS_ERR_NOT_FOUND;
  }
  while (ecs_iter_next(&ctx->it)) {
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      pos_t *p = ecs_field_at(&ctx->it, 0, i);
      p->y -= g->g * (float)ctx->dt;
    }
  }
  return ECS_OK;
}

static ecs_status_t physics_init(ecs_world_t *w, ecs_scheduler_builder_t *b, const void *config, void **state) {
  physics_state_t *ps = (physics_state_t *)config;
  if (!b) {
    return ECS_ERR_INVALID_ARGUMENT; /* this plugin needs a builder */
  }
  ps->pos = ECS_COMPONENT(w, pos_t);
  ps->gravity = ECS_COMPONENT(w, gravity_t);
  if (!ps->pos || !ps->gravity) {
    return ecs_last_status(w);
  }
  ecs_status_t st = ecs_resource_set(w, ps->gravity, &(gravity_t){10.0f});
  if (st != ECS_OK) {
    return st;
  }
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "physics"});
  if (!g) {
    return ecs_last_status(w);
  }
  ecs_system_desc_t sd = {.name = "fall",
                          .callback = sys_fall,
                          .user = ps,
                          .query.terms = {{ps->pos, ECS_ACCESS_WRITE}},
                          .reads = {ps->gravity}};
  st = ecs_builder_add_system(b, g, &sd);
  if (st != ECS_OK) {
    return st;
  }
  *state = ps;
  return ECS_OK;
}

/* The world is still whole at fini: the resource can be read. */
static void physics_fini(ecs_world_t *w, void *state) {
  physics_state_t *ps = state;
  const gravity_t *g = ecs_resource_get(w, ps->gravity);
  ps->gravity_at_fini = g ? g->g : -1.0f;
  trace_add(ps->trace, "fini", ecs_component_name(w, ps->pos));
}

static const ecs_plugin_t physics_plugin = {
    .name = "physics", .version = 10203, .init = physics_init, .fini = physics_fini};

static void test_registers_through_builder(void **state) {
  (void)state;
  trace_t t = {{0}};
  physics_state_t ps = {.trace = &t};
  ecs_world_t *w = world_new();

  /* without a builder this init declines, and nothing is recorded */
  assert_int_equal(ecs_plugin_load(w, NULL, &physics_plugin, &ps), ECS_ERR_INVALID_ARGUMENT);
  assert_non_null(strstr(ecs_last_error(w), "plugin 'physics' init failed"));
  assert_false(ecs_plugin_loaded(w, "physics"));

  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  assert_non_null(b);
  assert_int_equal(ecs_plugin_load(w, b, &physics_plugin, &ps), ECS_OK);
  assert_int_equal(ecs_component_lookup(w, "pos_t"), ps.pos);
  assert_true(ecs_resource_has(w, ps.gravity));

  ecs_entity_t e = ecs_entity_create(w);
  assert_int_equal(ecs_set(w, e, ps.pos, &(pos_t){1.0f, 100.0f}), ECS_OK);
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  ecs_tick_result_t r;
  assert_int_equal(ecs_scheduler_tick(s, 0.5, &r), ECS_OK);
  assert_int_equal(r.systems_run, 1);
  const pos_t *p = ecs_get(w, e, ps.pos);
  assert_non_null(p);
  assert_true(p->y == 95.0f);
  assert_true(p->x == 1.0f);

  ((gravity_t *)ecs_resource_get(w, ps.gravity))->g = 3.0f;
  ecs_scheduler_free(s);
  ecs_world_free(w);
  assert_true(ps.gravity_at_fini == 3.0f);
  assert_string_equal(t.text, "fini:pos_t");
}

static void test_missing_dependency(void **state) {
  (void)state;
  trace_t t = {{0}};
  ctx_t cb = {.name = "ai", .trace = &t};
  ecs_world_t *w = world_new();
  ecs_plugin_t pb = plugin("ai", "physics", NULL);
  assert_int_equal(ecs_plugin_load(w, NULL, &pb, &cb), ECS_ERR_NOT_FOUND);
  assert_int_equal(ecs_last_status(w), ECS_ERR_NOT_FOUND);
  assert_string_equal(ecs_last_error(w), "plugin 'ai' depends on 'physics', which is not loaded (load it first)");
  assert_int_equal(cb.init_calls, 0);
  assert_false(ecs_plugin_loaded(w, "ai"));
  assert_int_equal(ecs_plugin_count(w), 0);
  /* the second dependency is checked too */
  ctx_t cp = {.name = "physics", .trace = &t};
  ecs_plugin_t pp = plugin("physics", NULL, NULL);
  assert_int_equal(ecs_plugin_load(w, NULL, &pp, &cp), ECS_OK);
  ecs_plugin_t pb2 = plugin("ai", "physics", "audio");
  assert_int_equal(ecs_plugin_load(w, NULL, &pb2, &cb), ECS_ERR_NOT_FOUND);
  assert_string_equal(ecs_last_error(w), "plugin 'ai' depends on 'audio', which is not loaded (load it first)");
  /* once the dependency is loaded, the plugin loads */
  assert_int_equal(ecs_plugin_load(w, NULL, &pb, &cb), ECS_OK);
  assert_int_equal(cb.init_calls, 1);
  ecs_world_free(w);
}

static void test_cycles(void **state) {
  (void)state;
  trace_t t = {{0}};
  ecs_world_t *w = world_new();

  /* a plugin that lists itself */
  ctx_t cs = {.name = "selfish", .trace = &t};
  ecs_plugin_t ps = plugin("selfish", "selfish", NULL);
  assert_int_equal(ecs_plugin_load(w, NULL, &ps, &cs), ECS_ERR_CYCLE);
  assert_string_equal(ecs_last_error(w), "plugin 'selfish' depends on itself: selfish -> selfish");
  assert_int_equal(cs.init_calls, 0);

  /* x's init loads y, which depends on x (still being loaded) */
  ecs_plugin_t py = plugin("y", "x", NULL), px = plugin("x", NULL, NULL);
  ctx_t cy = {.name = "y", .trace = &t};
  ctx_t cx = {.name = "x", .trace = &t, .next = &py, .next_config = &cy};
  assert_int_equal(ecs_plugin_load(w, NULL, &px, &cx), ECS_ERR_CYCLE);
  assert_int_equal(cx.next_status, ECS_ERR_CYCLE);
  assert_string_equal(cx.next_error, "plugin dependency cycle: x -> y -> x");
  assert_string_equal(ecs_last_error(w), "plugin 'x' init failed: plugin dependency cycle: x -> y -> x");
  assert_int_equal(cy.init_calls, 0);

  /* three deep: p loads q, q loads r, r depends on p */
  ecs_plugin_t pr = plugin("r", "p", NULL), pq = plugin("q", NULL, NULL), pp = plugin("p", NULL, NULL);
  ctx_t cr = {.name = "r", .trace = &t};
  ctx_t cq = {.name = "q", .trace = &t, .next = &pr, .next_config = &cr};
  ctx_t cp = {.name = "p", .trace = &t, .next = &pq, .next_config = &cq};
  assert_int_equal(ecs_plugin_load(w, NULL, &pp, &cp), ECS_ERR_CYCLE);
  assert_string_equal(cq.next_error, "plugin dependency cycle: p -> q -> r -> p");

  /* an init that loads its own plugin again */
  ecs_plugin_t pagain = plugin("again", NULL, NULL);
  ctx_t cagain2 = {.name = "again", .trace = &t};
  ctx_t cagain = {.name = "again", .trace = &t, .next = &pagain, .next_config = &cagain2};
  assert_int_equal(ecs_plugin_load(w, NULL, &pagain, &cagain), ECS_ERR_CYCLE);
  assert_string_equal(cagain.next_error, "plugin dependency cycle: again -> again");
  assert_int_equal(cagain2.init_calls, 0);

  assert_int_equal(ecs_plugin_count(w), 0);
  assert_string_equal(t.text, "");
  const char *none[] = {"selfish", "x", "y", "p", "q", "r", "again"};
  for (size_t i = 0; i < sizeof none / sizeof none[0]; ++i) {
    assert_false(ecs_plugin_loaded(w, none[i]));
  }
  ecs_world_free(w);
  assert_string_equal(t.text, ""); /* no fini for any of them */
}

static void test_load_twice(void **state) {
  (void)state;
  trace_t t = {{0}};
  ctx_t c = {.name = "a", .trace = &t}, c2 = {.name = "a2", .trace = &t};
  ecs_world_t *w = world_new();
  ecs_plugin_t p = plugin("a", NULL, NULL);
  p.version = 100;
  assert_int_equal(ecs_plugin_load(w, NULL, &p, &c), ECS_OK);
  assert_int_equal(ecs_plugin_load(w, NULL, &p, &c2), ECS_OK); /* no-op */
  assert_int_equal(ecs_last_status(w), ECS_OK);
  assert_int_equal(c.init_calls, 1);
  assert_int_equal(c2.init_calls, 0);
  assert_int_equal(ecs_plugin_count(w), 1);

  p.version = 200;
  assert_int_equal(ecs_plugin_load(w, NULL, &p, &c2), ECS_ERR_DUPLICATE);
  assert_string_equal(ecs_last_error(w), "plugin 'a' version 100 is loaded; cannot load version 200");
  assert_int_equal(c2.init_calls, 0);
  assert_true(ecs_plugin_loaded(w, "a"));
  assert_int_equal(ecs_plugin_count(w), 1);
  ecs_world_free(w);
  assert_string_equal(t.text, "init:a fini:a");
  assert_int_equal(c.fini_calls, 1);
  assert_int_equal(c2.fini_calls, 0);
}

static ecs_status_t clash_init(ecs_world_t *w, ecs_scheduler_builder_t *b, const void *config, void **state) {
  (void)b;
  (void)config;
  (void)state;
  /* pos_t is already registered with another size */
  ecs_component_t c = ecs_component_register_type(w, "pos_t", 3, 1);
  return c ? ECS_OK : ecs_last_status(w);
}

static void test_init_failure(void **state) {
  (void)state;
  trace_t t = {{0}};
  ecs_world_t *w = world_new();

  /* an init that fails without a detail of its own */
  ctx_t c = {.name = "bad", .trace = &t, .fail_with = ECS_ERR_UNSUPPORTED};
  ecs_plugin_t p = plugin("bad", NULL, NULL);
  assert_int_equal(ecs_plugin_load(w, NULL, &p, &c), ECS_ERR_UNSUPPORTED);
  assert_int_equal(ecs_last_status(w), ECS_ERR_UNSUPPORTED);
  assert_string_equal(ecs_last_error(w), "plugin 'bad' init failed: operation not supported by this storage or build");
  assert_int_equal(c.init_calls, 1);
  assert_false(ecs_plugin_loaded(w, "bad"));
  assert_int_equal(ecs_plugin_count(w), 0);

  /* the init's own detail is kept */
  assert_int_not_equal(ECS_COMPONENT(w, pos_t), ECS_COMPONENT_NULL);
  ecs_plugin_t clash = {.name = "clash", .init = clash_init, .fini = rec_fini};
  assert_int_equal(ecs_plugin_load(w, NULL, &clash, NULL), ECS_ERR_DUPLICATE);
  assert_non_null(strstr(ecs_last_error(w), "plugin 'clash' init failed: component 'pos_t' already registered"));
  assert_false(ecs_plugin_loaded(w, "clash"));

  /* the name was not taken: a working version loads */
  c.fail_with = ECS_OK;
  assert_int_equal(ecs_plugin_load(w, NULL, &p, &c), ECS_OK);
  assert_int_equal(c.init_calls, 2);
  ecs_world_free(w);
  assert_string_equal(t.text, "init:bad fini:bad"); /* fini only for the load that succeeded */
  assert_int_equal(c.fini_calls, 1);
}

static void test_bad_input(void **state) {
  (void)state;
  enum { OK_WORLD, NULL_WORLD };
  static const struct {
    const char *name;
    int world;
    bool null_plugin;
    ecs_plugin_t plugin;
    bool foreign_builder;
  } cases[] = {
      {"NULL world", NULL_WORLD, false, {.name = "a", .init = rec_init}, false},
      {"NULL plugin", OK_WORLD, true, {0}, false},
      {"NULL name", OK_WORLD, false, {.init = rec_init}, false},
      {"empty name", OK_WORLD, false, {.name = "", .init = rec_init}, false},
      {"NULL init", OK_WORLD, false, {.name = "a", .fini = rec_fini}, false},
      {"empty dependency", OK_WORLD, false, {.name = "a", .dependencies = {"b", ""}, .init = rec_init}, false},
      {"builder of another world", OK_WORLD, false, {.name = "a", .init = rec_init}, true},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    print_message("case: %s\n", cases[k].name);
    trace_t t = {{0}};
    ctx_t c = {.name = "a", .trace = &t};
    ecs_world_t *w = world_new();
    ecs_world_t *other = world_new();
    ecs_scheduler_builder_t *b = cases[k].foreign_builder ? ecs_scheduler_builder_new(other) : NULL;
    ecs_status_t st =
        ecs_plugin_load(cases[k].world == NULL_WORLD ? NULL : w, b, cases[k].null_plugin ? NULL : &cases[k].plugin, &c);
    assert_int_equal(st, ECS_ERR_INVALID_ARGUMENT);
    if (cases[k].world == OK_WORLD) {
      assert_int_equal(ecs_last_status(w), ECS_ERR_INVALID_ARGUMENT);
      assert_string_not_equal(ecs_last_error(w), "");
    }
    assert_int_equal(c.init_calls, 0);
    assert_int_equal(ecs_plugin_count(w), 0);
    assert_false(ecs_plugin_loaded(w, "a"));
    ecs_scheduler_builder_free(b);
    ecs_world_free(other);
    ecs_world_free(w);
    assert_string_equal(t.text, "");
  }
  ecs_world_t *w = world_new();
  assert_false(ecs_plugin_loaded(NULL, "a"));
  assert_false(ecs_plugin_loaded(w, NULL));
  assert_int_equal(ecs_plugin_count(NULL), 0);
  ecs_world_free(w);
}

typedef struct tick_load_t {
  ctx_t plugin_ctx;
  ecs_status_t status;
  int runs;
} tick_load_t;

static ecs_status_t sys_load_plugin(ecs_system_ctx_t *ctx) {
  tick_load_t *tl = ctx->user;
  static const ecs_plugin_t p = {.name = "late", .init = rec_init};
  tl->status = ecs_plugin_load(ctx->world, NULL, &p, &tl->plugin_ctx);
  tl->runs++;
  return ECS_OK;
}

static void test_load_during_tick_is_busy(void **state) {
  (void)state;
  trace_t t = {{0}};
  tick_load_t tl = {.plugin_ctx = {.name = "late", .trace = &t}};
  ecs_world_t *w = world_new();
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  assert_non_null(b);
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "main"});
  assert_int_not_equal(g, 0);
  assert_int_equal(
      ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "loader", .callback = sys_load_plugin, .user = &tl}),
      ECS_OK);
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  assert_int_equal(ecs_scheduler_tick(s, 0.0, NULL), ECS_OK);
  assert_int_equal(tl.runs, 1);
  assert_int_equal(tl.status, ECS_ERR_BUSY);
  assert_int_equal(tl.plugin_ctx.init_calls, 0);
  assert_false(ecs_plugin_loaded(w, "late"));
  ecs_scheduler_free(s);
  /* after the tick the same load works */
  static const ecs_plugin_t p = {.name = "late", .init = rec_init};
  assert_int_equal(ecs_plugin_load(w, NULL, &p, &tl.plugin_ctx), ECS_OK);
  assert_true(ecs_plugin_loaded(w, "late"));
  ecs_world_free(w);
}

/* Counts live blocks and bytes; fails every call from fail_at on. */
typedef struct counting_t {
  size_t live_blocks;
  size_t live_bytes;
  size_t calls;
  size_t fail_at; /* 0: never */
} counting_t;

static void *c_alloc(void *user, size_t size) {
  counting_t *c = user;
  if (c->fail_at && ++c->calls >= c->fail_at) {
    return NULL;
  }
  void *p = malloc(size);
  if (p) {
    c->live_blocks++;
    c->live_bytes += size;
  }
  return p;
}

static void *c_realloc(void *user, void *ptr, size_t old_size, size_t new_size) {
  counting_t *c = user;
  if (c->fail_at && ++c->calls >= c->fail_at) {
    return NULL;
  }
  void *p = realloc(ptr, new_size);
  if (p) {
    c->live_bytes += new_size;
    c->live_bytes -= old_size;
  }
  return p;
}

static void c_free(void *user, void *ptr, size_t size) {
  counting_t *c = user;
  c->live_blocks--;
  c->live_bytes -= size;
  free(ptr);
}

static ecs_world_t *counted_world(counting_t *c) {
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.allocator = {c_alloc, c_realloc, c_free, c}});
  assert_non_null(w);
  return w;
}

static void test_no_leak(void **state) {
  (void)state;
  counting_t c = {0};
  trace_t t = {{0}};
  ecs_world_t *w = counted_world(&c);
  ctx_t ctx[12];
  char names[12][20]; /* "plugin_" and any int */
  ecs_plugin_t ps[12];
  for (int i = 0; i < 12; ++i) { /* enough to grow the registry a few times */
    snprintf(names[i], sizeof names[i], "plugin_%d", i);
    ctx[i] = (ctx_t){.name = names[i], .trace = &t};
    ps[i] = plugin(names[i], i > 0 ? names[i - 1] : NULL, NULL);
    assert_int_equal(ecs_plugin_load(w, NULL, &ps[i], &ctx[i]), ECS_OK);
  }
  /* failures along the way free what they took */
  ctx_t failing = {.name = "failing", .trace = &t, .fail_with = ECS_ERR_INVALID_ARGUMENT};
  ecs_plugin_t pf = plugin("failing", NULL, NULL);
  assert_int_equal(ecs_plugin_load(w, NULL, &pf, &failing), ECS_ERR_INVALID_ARGUMENT);
  ecs_plugin_t py = plugin("y", "x", NULL), px = plugin("x", NULL, NULL);
  ctx_t cy = {.name = "y", .trace = &t};
  ctx_t cx = {.name = "x", .trace = &t, .next = &py, .next_config = &cy};
  assert_int_equal(ecs_plugin_load(w, NULL, &px, &cx), ECS_ERR_CYCLE);
  physics_state_t phys = {.trace = &t};
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  assert_int_equal(ecs_plugin_load(w, b, &physics_plugin, &phys), ECS_OK);
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  ecs_scheduler_free(s);
  assert_int_equal(ecs_plugin_count(w), 13);
  ecs_world_free(w);
  assert_int_equal(c.live_blocks, 0);
  assert_int_equal(c.live_bytes, 0);
}

/* Every allocation failing in turn: a load either succeeds or reports
 * ECS_ERR_NO_MEMORY without running init, and nothing leaks. */
static void test_out_of_memory(void **state) {
  (void)state;
  bool succeeded = false;
  for (size_t fail_at = 1; fail_at < 64 && !succeeded; ++fail_at) {
    counting_t c = {0};
    trace_t t = {{0}};
    ecs_world_t *w = counted_world(&c);
    c.fail_at = fail_at;
    c.calls = 0;
    ctx_t cbase = {.name = "base", .trace = &t};
    ecs_plugin_t pbase = plugin("base", NULL, NULL);
    ctx_t capp = {.name = "app", .trace = &t, .next = &pbase, .next_config = &cbase};
    ecs_plugin_t papp = plugin("app", NULL, NULL);
    ecs_status_t st = ecs_plugin_load(w, NULL, &papp, &capp);
    if (st == ECS_OK) {
      succeeded = true;
      assert_int_equal(ecs_plugin_count(w), 2);
    } else {
      assert_int_equal(st, ECS_ERR_NO_MEMORY);
      assert_non_null(strstr(ecs_last_error(w), "plugin '")); /* the detail names the plugin */
      assert_int_equal(ecs_plugin_count(w), 0);
      assert_int_equal(cbase.init_calls, 0);
    }
    ecs_world_free(w);
    assert_int_equal(capp.fini_calls, st == ECS_OK ? 1 : 0);
    assert_int_equal(cbase.fini_calls, capp.fini_calls);
    assert_int_equal(c.live_blocks, 0);
    assert_int_equal(c.live_bytes, 0);
  }
  assert_true(succeeded);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_load_order_and_init_args),
      cmocka_unit_test(test_fini_reverse_order_with_state),
      cmocka_unit_test(test_nested_load_of_dependency),
      cmocka_unit_test(test_registers_through_builder),
      cmocka_unit_test(test_missing_dependency),
      cmocka_unit_test(test_cycles),
      cmocka_unit_test(test_load_twice),
      cmocka_unit_test(test_init_failure),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_load_during_tick_is_busy),
      cmocka_unit_test(test_no_leak),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests_name("plugin", tests, NULL, NULL);
}
