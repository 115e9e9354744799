/* Scheduler: group ordering, build validation, barriers, the structural
 * freeze during a tick, error policies, the system context and logging. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecs.h"
#include "support/log_capture.h"
#include "support/owned.h"

typedef struct pos_t {
  float x, y;
} pos_t;

typedef struct vel_t {
  float dx, dy;
} vel_t;

/* Names of the systems run, space separated, in call order. */
typedef struct trace_t {
  char log[512];
} trace_t;

static void trace_add(trace_t *t, const char *name) {
  size_t n = strlen(t->log);
  snprintf(t->log + n, sizeof t->log - n, "%s%s", n ? " " : "", name);
}

static ecs_status_t sys_trace(ecs_system_ctx_t *ctx) {
  trace_add(ctx->user, ctx->name);
  return ECS_OK;
}

static ecs_scheduler_t *build_ok(ecs_scheduler_builder_t *b) {
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  assert_non_null(s);
  return s;
}

static ecs_group_t add_group(ecs_scheduler_builder_t *b, const char *name, const char *after) {
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = name, .after = {after}});
  assert_int_not_equal(g, 0);
  return g;
}

static void add_system(ecs_scheduler_builder_t *b, ecs_group_t g, const char *name, ecs_system_fn fn, void *user,
                       ecs_component_t query) {
  ecs_system_desc_t sd = {.name = name, .callback = fn, .user = user, .query.terms = {{query, ECS_ACCESS_READ}}};
  assert_int_equal(ecs_builder_add_system(b, g, &sd), ECS_OK);
}

/* Groups as text, registered left to right: "C<A<B D>C jobs!" is group C
 * after A and B, group D before C, and an ASYNC group jobs. With a trace,
 * each group gets one system of the same name. Returns the first failing
 * add's status. */
static ecs_status_t add_groups(ecs_world_t *w, ecs_scheduler_builder_t *b, const char *spec, trace_t *trace) {
  char text[128];
  snprintf(text, sizeof text, "%s", spec);
  for (char *tok = strtok(text, " "); tok; tok = strtok(NULL, " ")) {
    ecs_group_desc_t gd = {.name = tok};
    int na = 0, nb = 0;
    for (char *p = tok + strcspn(tok, "<>!"); *p;) {
      char op = *p;
      *p++ = '\0';
      if (op == '<') {
        gd.after[na++] = p;
      } else if (op == '>') {
        gd.before[nb++] = p;
      } else {
        gd.mode = ECS_GROUP_ASYNC;
      }
      p += strcspn(p, "<>!");
    }
    ecs_group_t g = ecs_builder_add_group(b, &gd);
    if (g == 0) {
      return ecs_last_status(w);
    }
    if (trace) {
      add_system(b, g, gd.name, sys_trace, trace, ECS_COMPONENT_NULL);
    }
  }
  return ECS_OK;
}

/* Systems as text: "1/mover 2/broken?" adds mover to group handle 1 and
 * broken to group 2, both tracing into @p trace and querying @p pos (if not
 * 0); a trailing '?' queries an unknown component instead, '~' has no
 * required term, '-' no callback, '=' writes pos instead of reading it. */
static ecs_status_t add_systems(ecs_scheduler_builder_t *b, const char *spec, ecs_component_t pos, trace_t *trace) {
  char text[128];
  snprintf(text, sizeof text, "%s", spec);
  for (char *tok = strtok(text, " "); tok; tok = strtok(NULL, " ")) {
    char *name = strchr(tok, '/') + 1;
    char flag = name[strcspn(name, "?~-=")];
    name[strcspn(name, "?~-=")] = '\0';
    ecs_system_desc_t sd = {.name = name, .callback = flag == '-' ? NULL : sys_trace, .user = trace};
    if (pos) {
      ecs_access_t access = flag == '~' ? ECS_ACCESS_WITHOUT : flag == '=' ? ECS_ACCESS_WRITE : ECS_ACCESS_READ;
      sd.query.terms[0] = (ecs_term_t){flag == '?' ? 99 : pos, access};
    }
    ecs_status_t st = ecs_builder_add_system(b, (ecs_group_t)atoi(tok), &sd);
    if (st != ECS_OK) {
      return st;
    }
  }
  return ECS_OK;
}

static void test_group_order(void **state) {
  (void)state;
  static const struct {
    const char *groups, *expect;
  } cases[] = {
      {"C A B", "C A B"},           /* no edges: registration order */
      {"C A B<C", "C A B"},         /* an edge that already holds */
      {"C<B A B", "A B C"},         /* the earliest ready group goes first */
      {"C A>C B", "A C B"},         /* before edges */
      {"C>B A<B B", "C B A"},       /* before and after mixed */
      {"C<A<B B A", "B A C"},       /* two edges on one group */
      {"D<C C<B B<A A", "A B C D"}, /* a chain written backwards */
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    print_message("groups: %s\n", cases[k].groups);
    ecs_world_t *w = world_new();
    ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
    trace_t trace = {""};
    assert_int_equal(add_groups(w, b, cases[k].groups, &trace), ECS_OK);
    ecs_scheduler_t *s = build_ok(b);
    const char *names[4] = {NULL};
    uint32_t n = ecs_scheduler_group_order(s, names, 4);
    char order[64] = "";
    for (uint32_t i = 0; i < n; ++i) {
      snprintf(order + strlen(order), sizeof order - strlen(order), "%s%s", i ? " " : "", names[i]);
    }
    assert_string_equal(order, cases[k].expect);
    ecs_tick_result_t r;
    assert_int_equal(ecs_scheduler_tick(s, 0, &r), ECS_OK);
    assert_string_equal(trace.log, cases[k].expect);
    assert_int_equal(r.group_count, n);
    for (uint32_t i = 0; i < n; ++i) {
      assert_string_equal(r.groups[i].name, names[i]);
    }
    ecs_scheduler_free(s);
    ecs_world_free(w);
  }
}

static void test_systems_run_in_declared_order(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  trace_t trace = {""};
  assert_int_equal(add_groups(w, b, "first second<first", NULL), ECS_OK);
  assert_int_equal(add_systems(b, "2/s2_a 1/s1_z 1/s1_a 2/s2_b 1/s1_m", ECS_COMPONENT_NULL, &trace), ECS_OK);
  ecs_scheduler_t *s = build_ok(b);
  for (int i = 0; i < 2; ++i) {
    ecs_tick_result_t r;
    assert_int_equal(ecs_scheduler_tick(s, 0, &r), ECS_OK);
    assert_int_equal(r.systems_run, 5);
    assert_int_equal(r.groups[0].systems_run, 3);
    assert_int_equal(r.groups[1].systems_run, 2);
  }
  assert_string_equal(trace.log, "s1_z s1_a s1_m s2_a s2_b s1_z s1_a s1_m s2_a s2_b");
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

/* Counts live bytes, so a failed build can be shown to leave nothing behind. */
typedef struct counting_alloc_t {
  size_t live;
} counting_alloc_t;

static void *ca_alloc(void *user, size_t size) {
  ((counting_alloc_t *)user)->live += size;
  return malloc(size);
}

static void *ca_realloc(void *user, void *ptr, size_t old_size, size_t new_size) {
  ((counting_alloc_t *)user)->live += new_size - old_size;
  return realloc(ptr, new_size);
}

static void ca_free(void *user, void *ptr, size_t size) {
  ((counting_alloc_t *)user)->live -= size;
  free(ptr);
}

static void test_build_errors(void **state) {
  (void)state;
  static const struct {
    const char *name, *groups, *systems;
    ecs_status_t add_status; /* of the failing add call; ECS_OK: only build fails */
    ecs_status_t build_status;
    const char *msg[3]; /* in ecs_last_error after the failing call */
    const char *not_msg;
  } cases[] = {
      {"cycle via after",
       "delta<gamma alpha<gamma beta<alpha gamma<beta",
       "",
       ECS_OK,
       ECS_ERR_CYCLE,
       {"alpha -> beta", "beta -> gamma", "gamma -> alpha"},
       "delta"},
      {"cycle via before",
       "alpha>beta beta>gamma gamma>alpha",
       "",
       ECS_OK,
       ECS_ERR_CYCLE,
       {"alpha -> beta", "beta -> gamma", "gamma -> alpha"},
       NULL},
      {"x after and before y", "x<y>y y", "", ECS_OK, ECS_ERR_CYCLE, {"x -> y", "y -> x"}, NULL},
      {"self after", "solo<solo", "", ECS_OK, ECS_ERR_CYCLE, {"solo -> solo"}, NULL},
      {"self before", "solo>solo", "", ECS_OK, ECS_ERR_CYCLE, {"solo -> solo"}, NULL},
      {"unknown after", "g<ghost", "", ECS_OK, ECS_ERR_NOT_FOUND, {"ghost"}, NULL},
      {"unknown before", "g>phantom", "", ECS_OK, ECS_ERR_NOT_FOUND, {"phantom"}, NULL},
      {"duplicate group", "twice twice", "", ECS_ERR_DUPLICATE, ECS_ERR_DUPLICATE, {"twice"}, NULL},
      {"duplicate system", "g", "1/mover 1/mover", ECS_ERR_DUPLICATE, ECS_ERR_DUPLICATE, {"mover"}, NULL},
      {"duplicate across groups", "g h", "1/mover 2/mover", ECS_ERR_DUPLICATE, ECS_ERR_DUPLICATE, {"mover"}, NULL},
      {"async write/read conflict",
       "jobs!",
       "1/reader 1/writer=",
       ECS_OK,
       ECS_ERR_CONFLICT,
       {"'reader' and 'writer'", "'jobs'", "component 'pos_t' ('reader' reads, 'writer' writes)"},
       NULL},
      {"query, unknown component", "g h", "1/fine 2/broken?", ECS_OK, ECS_ERR_UNKNOWN_COMPONENT, {"broken"}, NULL},
      {"query, no required term", "g", "1/fine 1/broken~", ECS_OK, ECS_ERR_INVALID_ARGUMENT, {"broken"}, NULL},
      {"bad group handle", "g", "9/lost", ECS_ERR_INVALID_ARGUMENT, ECS_ERR_INVALID_ARGUMENT, {"lost"}, NULL},
      {"no callback", "g", "1/idle-", ECS_ERR_INVALID_ARGUMENT, ECS_ERR_INVALID_ARGUMENT, {"callback"}, NULL},
      {"empty system name", "g", "1/", ECS_ERR_INVALID_ARGUMENT, ECS_ERR_INVALID_ARGUMENT, {"name"}, NULL},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    print_message("case: %s\n", cases[k].name);
    counting_alloc_t ca = {0};
    ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.allocator = {ca_alloc, ca_realloc, ca_free, &ca}});
    assert_non_null(w);
    ecs_component_t pos = ECS_COMPONENT(w, pos_t);
    assert_int_equal(ecs_set(w, ecs_entity_create(w), pos, &(pos_t){1, 2}), ECS_OK);
    size_t live = ca.live;
    uint64_t checksum = ecs_world_checksum(w);
    ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
    ecs_status_t st = add_groups(w, b, cases[k].groups, NULL);
    if (st == ECS_OK) {
      st = add_systems(b, cases[k].systems, pos, NULL);
    }
    assert_int_equal(st, cases[k].add_status);
    ecs_scheduler_t *s = (ecs_scheduler_t *)&ca; /* must be reset to NULL */
    assert_int_equal(ecs_scheduler_build(b, &s), cases[k].build_status);
    assert_null(s);
    for (int i = 0; i < 3 && cases[k].msg[i]; ++i) {
      assert_non_null(strstr(ecs_last_error(w), cases[k].msg[i]));
    }
    if (cases[k].not_msg) {
      assert_null(strstr(ecs_last_error(w), cases[k].not_msg));
    }
    /* nothing left behind, and the world still works */
    assert_int_equal(ca.live, live);
    assert_int_equal(ecs_world_checksum(w), checksum);
    b = ecs_scheduler_builder_new(w);
    trace_t trace = {""};
    add_system(b, add_group(b, "g", NULL), "ok", sys_trace, &trace, pos);
    s = build_ok(b);
    assert_int_equal(ecs_scheduler_tick(s, 0, NULL), ECS_OK);
    assert_string_equal(trace.log, "ok");
    ecs_scheduler_free(s);
    ecs_world_free(w);
    assert_int_equal(ca.live, 0);
  }
}

static void test_build_reports_kept_add_error(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  add_group(b, "twice", NULL);
  assert_int_equal(ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "twice"}), 0);
  add_group(b, "other", NULL);
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_ERR_DUPLICATE);
  assert_int_equal(ecs_last_status(w), ECS_ERR_DUPLICATE);
  assert_non_null(strstr(ecs_last_error(w), "twice"));
  ecs_world_free(w);
}

static void test_bad_query_error_keeps_detail(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_system_desc_t sd = {.name = "broken", .callback = sys_trace, .query.terms = {{99, ECS_ACCESS_READ}}};
  assert_int_equal(ecs_builder_add_system(b, add_group(b, "g", NULL), &sd), ECS_OK);
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_ERR_UNKNOWN_COMPONENT);
  assert_non_null(strstr(ecs_last_error(w), "broken"));
  assert_non_null(strstr(ecs_last_error(w), "component id 99 is not registered"));
  ecs_world_free(w);
}

static void test_invalid_arguments(void **state) {
  (void)state;
  assert_null(ecs_scheduler_builder_new(NULL));
  assert_int_equal(ecs_builder_add_group(NULL, &(ecs_group_desc_t){.name = "g"}), 0);
  ecs_system_desc_t sd = {.name = "s", .callback = sys_trace};
  assert_int_equal(ecs_builder_add_system(NULL, 1, &sd), ECS_ERR_INVALID_ARGUMENT);
  ecs_scheduler_t *s = (ecs_scheduler_t *)&s;
  assert_int_equal(ecs_scheduler_build(NULL, &s), ECS_ERR_INVALID_ARGUMENT);
  assert_null(s);
  assert_int_equal(ecs_scheduler_tick(NULL, 0, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_scheduler_tick_count(NULL), 0);
  assert_int_equal(ecs_scheduler_group_order(NULL, NULL, 0), 0);
  ecs_scheduler_free(NULL);
  ecs_scheduler_builder_free(NULL);
  /* NULL descriptors, a NULL or empty group name, a NULL system name */
  const ecs_group_desc_t bad_groups[] = {{.name = NULL}, {.name = ""}};
  for (int k = 0; k < 5; ++k) {
    ecs_world_t *w = world_new();
    ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
    ecs_group_t g = add_group(b, "g", NULL);
    ecs_status_t st = ECS_OK;
    if (k < 3) {
      st = ecs_builder_add_group(b, k == 0 ? NULL : &bad_groups[k - 1]) ? ECS_OK : ecs_last_status(w);
    } else {
      st = ecs_builder_add_system(b, g, k == 3 ? NULL : &(ecs_system_desc_t){.callback = sys_trace});
    }
    assert_int_equal(st, ECS_ERR_INVALID_ARGUMENT);
    assert_int_equal(ecs_scheduler_build(b, &s), ECS_ERR_INVALID_ARGUMENT);
    assert_null(s);
    b = ecs_scheduler_builder_new(w);
    assert_int_equal(ecs_scheduler_build(b, NULL), ECS_ERR_INVALID_ARGUMENT); /* b is freed */
    ecs_world_free(w);
  }
}

static void test_empty_scheduler_ticks(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_scheduler_t *s = build_ok(ecs_scheduler_builder_new(w));
  for (uint64_t i = 1; i <= 3; ++i) {
    ecs_tick_result_t r;
    assert_int_equal(ecs_scheduler_tick(s, 0.1, &r), ECS_OK);
    assert_int_equal(r.status, ECS_OK);
    assert_int_equal(r.tick, i);
    assert_int_equal(r.group_count, 0);
    assert_int_equal(r.systems_run + r.systems_failed + r.systems_skipped, 0);
    assert_int_equal(r.commands_applied, 0);
    assert_null(r.failed_system);
  }
  assert_int_equal(ecs_scheduler_tick_count(s), 3);
  assert_int_equal(ecs_scheduler_group_order(s, NULL, 0), 0);
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

typedef struct barrier_probe_t {
  ecs_component_t pos;
  size_t seen_same[2], seen_later[2], alive_same[2];
} barrier_probe_t;

static size_t iter_count(ecs_iter_t *it) {
  size_t n = 0;
  while (ecs_iter_next(it)) {
    n += (size_t)it->count;
  }
  return n;
}

static ecs_status_t sys_spawn3(ecs_system_ctx_t *ctx) {
  barrier_probe_t *p = ctx->user;
  for (int i = 0; i < 3; ++i) {
    ecs_entity_t e = ecs_cmd_create(ctx->commands);
    assert_true(ECS_ENTITY_IS_PROVISIONAL(e));
    assert_int_equal(ecs_cmd_set(ctx->commands, e, p->pos, &(pos_t){(float)i, 0}), ECS_OK);
  }
  return ECS_OK;
}

static ecs_status_t sys_observe_same(ecs_system_ctx_t *ctx) {
  barrier_probe_t *p = ctx->user;
  p->seen_same[ctx->tick - 1] = iter_count(&ctx->it);
  p->alive_same[ctx->tick - 1] = ecs_entity_count(ctx->world);
  return ECS_OK;
}

static ecs_status_t sys_observe_later(ecs_system_ctx_t *ctx) {
  barrier_probe_t *p = ctx->user;
  p->seen_later[ctx->tick - 1] = iter_count(&ctx->it);
  return ECS_OK;
}

static void test_barrier_between_groups(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  barrier_probe_t p = {.pos = ECS_COMPONENT(w, pos_t)};
  for (int i = 0; i < 2; ++i) {
    assert_int_equal(ecs_set(w, ecs_entity_create(w), p.pos, &(pos_t){9, 9}), ECS_OK);
  }
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_group_t observe = add_group(b, "observe", "spawn"); /* registered first, runs second */
  ecs_group_t spawn = add_group(b, "spawn", NULL);
  add_system(b, observe, "later", sys_observe_later, &p, p.pos);
  add_system(b, spawn, "spawner", sys_spawn3, &p, ECS_COMPONENT_NULL);
  add_system(b, spawn, "same_group", sys_observe_same, &p, p.pos);
  ecs_scheduler_t *s = build_ok(b);
  for (int t = 0; t < 2; ++t) {
    ecs_tick_result_t r;
    assert_int_equal(ecs_scheduler_tick(s, 0, &r), ECS_OK);
    assert_int_equal(p.seen_same[t], 2 + 3 * (size_t)t);
    assert_int_equal(p.alive_same[t], 2 + 3 * (size_t)t);
    assert_int_equal(p.seen_later[t], 5 + 3 * (size_t)t);
    assert_int_equal(r.systems_run, 3);
    assert_int_equal(r.commands_applied, 6);
    assert_int_equal(r.commands_skipped, 0);
    assert_int_equal(r.group_count, 2);
    assert_string_equal(r.groups[0].name, "spawn");
    assert_int_equal(r.groups[0].commands_applied, 6);
    assert_int_equal(r.groups[0].systems_run, 2);
    assert_string_equal(r.groups[1].name, "observe");
    assert_int_equal(r.groups[1].commands_applied, 0);
    assert_int_equal(r.groups[1].systems_run, 1);
  }
  assert_int_equal(ecs_entity_count(w), 8);
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

typedef struct order_probe_t {
  ecs_component_t vel;
  ecs_entity_t target;
} order_probe_t;

static ecs_status_t sys_destroy_target(ecs_system_ctx_t *ctx) {
  const order_probe_t *p = ctx->user;
  return ecs_cmd_destroy(ctx->commands, p->target);
}

static ecs_status_t sys_add_to_target(ecs_system_ctx_t *ctx) {
  const order_probe_t *p = ctx->user;
  return ecs_cmd_add(ctx->commands, p->target, p->vel);
}

static void test_barrier_applies_in_system_order(void **state) {
  (void)state;
  for (int destroy_first = 0; destroy_first < 2; ++destroy_first) {
    ecs_world_t *w = world_new();
    order_probe_t p = {.vel = ECS_COMPONENT(w, vel_t), .target = ecs_entity_create(w)};
    ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
    ecs_group_t g = add_group(b, "g", NULL);
    add_system(b, g, "first", destroy_first ? sys_destroy_target : sys_add_to_target, &p, ECS_COMPONENT_NULL);
    add_system(b, g, "second", destroy_first ? sys_add_to_target : sys_destroy_target, &p, ECS_COMPONENT_NULL);
    ecs_scheduler_t *s = build_ok(b);
    ecs_tick_result_t r;
    assert_int_equal(ecs_scheduler_tick(s, 0, &r), ECS_OK);
    assert_false(ecs_entity_alive(w, p.target));
    assert_int_equal(r.commands_applied, destroy_first ? 1 : 2);
    assert_int_equal(r.commands_skipped, destroy_first ? 1 : 0);
    assert_int_equal(ecs_component_count(w, p.vel), 0);
    ecs_scheduler_free(s);
    ecs_world_free(w);
  }
}

typedef struct busy_probe_t {
  ecs_component_t pos, vel;
  ecs_entity_t e, created;
  ecs_component_t registered;
  ecs_status_t st[8];
} busy_probe_t;

static ecs_status_t sys_structural(ecs_system_ctx_t *ctx) {
  busy_probe_t *p = ctx->user;
  ecs_world_t *w = ctx->world;
  p->created = ecs_entity_create(w);
  p->st[0] = ecs_last_status(w);
  p->st[1] = ecs_add(w, p->e, p->vel);
  p->st[2] = ecs_remove(w, p->e, p->pos);
  p->st[3] = ecs_entity_destroy(w, p->e);
  p->registered = ecs_component_register_type(w, "late", 4, 4);
  p->st[4] = ecs_last_status(w);
  p->st[5] = ecs_set(w, p->e, p->vel, &(vel_t){1, 1}); /* would add */
  p->st[6] = ecs_cmd_buffer_apply(ctx->commands, NULL);
  p->st[7] = ecs_set(w, p->e, p->pos, &(pos_t){5, 6}); /* overwrites in place */
  return ECS_OK;
}

static void test_structural_calls_in_tick_are_busy(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  busy_probe_t p = {.pos = ECS_COMPONENT(w, pos_t), .vel = ECS_COMPONENT(w, vel_t), .e = ecs_entity_create(w)};
  assert_int_equal(ecs_set(w, p.e, p.pos, &(pos_t){1, 2}), ECS_OK);
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  add_system(b, add_group(b, "g", NULL), "meddler", sys_structural, &p, p.pos);
  ecs_scheduler_t *s = build_ok(b);
  assert_int_equal(ecs_scheduler_tick(s, 0, NULL), ECS_OK);
  for (int i = 0; i < 7; ++i) {
    print_message("call %d\n", i);
    /* 0 and 4 read the last status, which calls in a tick leave alone */
    assert_int_equal(p.st[i], i == 0 || i == 4 ? ECS_OK : ECS_ERR_BUSY);
  }
  assert_int_equal(p.st[7], ECS_OK);
  assert_int_equal(p.created, ECS_ENTITY_NULL);
  assert_int_equal(p.registered, ECS_COMPONENT_NULL);
  assert_int_equal(ecs_component_lookup(w, "late"), ECS_COMPONENT_NULL);
  assert_true(ecs_entity_alive(w, p.e));
  assert_int_equal(ecs_entity_count(w), 1);
  assert_false(ecs_has(w, p.e, p.vel));
  const pos_t *v = ecs_get(w, p.e, p.pos);
  assert_true(v->x == 5 && v->y == 6);
  /* outside the tick the same calls work again */
  assert_int_equal(ecs_add(w, p.e, p.vel), ECS_OK);
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

/* One system of the policy tests: spawns an entity marked with its own
 * marker (plus the attempt number) and fails its first fail_times calls. */
typedef struct policy_sys_t {
  trace_t *trace;
  ecs_component_t pos;
  int marker, fail_times, calls;
} policy_sys_t;

static ecs_status_t sys_policy(ecs_system_ctx_t *ctx) {
  policy_sys_t *p = ctx->user;
  p->calls++;
  trace_add(p->trace, ctx->name);
  ecs_entity_t e = ecs_cmd_create(ctx->commands);
  assert_int_equal(ecs_cmd_set(ctx->commands, e, p->pos, &(pos_t){(float)(p->marker + p->calls), 0}), ECS_OK);
  return p->calls <= p->fail_times ? ECS_ERR_NOT_FOUND : ECS_OK;
}

static uint32_t marker_mask(ecs_world_t *w, ecs_component_t pos) {
  ecs_query_t *q = ecs_query_new(w, &(ecs_query_desc_t){.terms = {{pos, ECS_ACCESS_READ}}});
  uint32_t mask = 0;
  ecs_iter_t it = ecs_query_iter(q);
  while (ecs_iter_next(&it)) {
    for (int32_t i = 0; i < it.count; ++i) {
      mask |= 1u << (int)((const pos_t *)ecs_field_at(&it, 0, i))->x;
    }
  }
  ecs_query_free(q);
  return mask;
}

#define BIT(n) (1u << (n))

static void test_error_policies(void **state) {
  (void)state;
  static const struct {
    const char *name;
    ecs_error_policy_t policy;
    uint32_t max_retries;
    int fail_times;
    ecs_status_t status;
    int calls;
    uint32_t run, failed, skipped, g0_run, g1_run;
    size_t g0_applied;
    const char *trace;
    uint32_t markers;
  } cases[] = {
      {"fail", ECS_ON_ERROR_FAIL, 0, 99, ECS_ERR_SYSTEM_FAILED, 1, 1, 1, 2, 1, 0, 2, "s1 s2", BIT(1)},
      {"skip", ECS_ON_ERROR_SKIP, 0, 99, ECS_OK, 1, 3, 1, 0, 2, 1, 4, "s1 s2 s3 s4", BIT(1) | BIT(3) | BIT(4)},
      {"retry twice, then ok", ECS_ON_ERROR_RETRY, 2, 2, ECS_OK, 3, 4, 0, 0, 3, 1, 6, "s1 s2 s2 s2 s3 s4",
       BIT(1) | BIT(13) | BIT(3) | BIT(4)},
      {"retries exhausted", ECS_ON_ERROR_RETRY, 2, 99, ECS_ERR_SYSTEM_FAILED, 3, 1, 1, 2, 1, 0, 2, "s1 s2 s2 s2",
       BIT(1)},
      {"max_retries 0 means 1", ECS_ON_ERROR_RETRY, 0, 1, ECS_OK, 2, 4, 0, 0, 3, 1, 6, "s1 s2 s2 s3 s4",
       BIT(1) | BIT(12) | BIT(3) | BIT(4)},
      {"one retry exhausted", ECS_ON_ERROR_RETRY, 0, 99, ECS_ERR_SYSTEM_FAILED, 2, 1, 1, 2, 1, 0, 2, "s1 s2 s2",
       BIT(1)},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    print_message("case: %s\n", cases[k].name);
    ecs_world_t *w = world_new();
    ecs_component_t pos = ECS_COMPONENT(w, pos_t);
    trace_t trace = {""};
    policy_sys_t sys[4] = {{&trace, pos, 0, 0, 0},
                           {&trace, pos, 10, cases[k].fail_times, 0},
                           {&trace, pos, 2, 0, 0},
                           {&trace, pos, 3, 0, 0}};
    ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
    ecs_group_t g1 = add_group(b, "g1", NULL);
    ecs_group_t g2 = add_group(b, "g2", "g1");
    add_system(b, g1, "s1", sys_policy, &sys[0], ECS_COMPONENT_NULL);
    ecs_system_desc_t sd = {.name = "s2",
                            .callback = sys_policy,
                            .user = &sys[1],
                            .on_error = cases[k].policy,
                            .max_retries = cases[k].max_retries};
    assert_int_equal(ecs_builder_add_system(b, g1, &sd), ECS_OK);
    add_system(b, g1, "s3", sys_policy, &sys[2], ECS_COMPONENT_NULL);
    add_system(b, g2, "s4", sys_policy, &sys[3], ECS_COMPONENT_NULL);
    ecs_scheduler_t *s = build_ok(b);
    ecs_tick_result_t r;
    assert_int_equal(ecs_scheduler_tick(s, 0, &r), cases[k].status);
    assert_int_equal(r.status, cases[k].status);
    assert_int_equal(ecs_last_status(w), cases[k].status);
    if (cases[k].status != ECS_OK) {
      assert_non_null(strstr(ecs_last_error(w), "s2"));
    }
    assert_int_equal(sys[1].calls, cases[k].calls);
    assert_string_equal(trace.log, cases[k].trace);
    assert_int_equal(r.systems_run, cases[k].run);
    assert_int_equal(r.systems_failed, cases[k].failed);
    assert_int_equal(r.systems_skipped, cases[k].skipped);
    assert_int_equal(r.groups[0].systems_run, cases[k].g0_run);
    assert_int_equal(r.groups[1].systems_run, cases[k].g1_run);
    assert_int_equal(r.groups[0].commands_applied, cases[k].g0_applied);
    assert_int_equal(marker_mask(w, pos), cases[k].markers);
    if (cases[k].failed) {
      assert_string_equal(r.failed_system, "s2");
      assert_int_equal(r.failed_status, ECS_ERR_NOT_FOUND);
    } else {
      assert_null(r.failed_system);
    }
    ecs_scheduler_free(s);
    ecs_world_free(w);
  }
}

typedef struct ctx_probe_t {
  ecs_world_t *world;
  uint64_t tick;
  double dt;
  const char *name;
  void *user;
  bool has_commands;
  int matched;
  bool no_query_done;
  ecs_scheduler_t *sched;
  ecs_status_t nested;
} ctx_probe_t;

static ecs_status_t sys_probe_ctx(ecs_system_ctx_t *ctx) {
  ctx_probe_t *p = ctx->user;
  p->world = ctx->world;
  p->tick = ctx->tick;
  p->dt = ctx->dt;
  p->name = ctx->name;
  p->user = ctx->user;
  p->has_commands = ctx->commands != NULL;
  p->matched = 0;
  while (ecs_iter_next(&ctx->it)) {
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      const pos_t *v = ecs_field_at(&ctx->it, 0, i);
      p->matched |= 1 << (int)v->x;
    }
  }
  return ECS_OK;
}

static ecs_status_t sys_no_query(ecs_system_ctx_t *ctx) {
  ctx_probe_t *p = ctx->user;
  p->no_query_done = !ecs_iter_next(&ctx->it) && ctx->it.count == 0;
  ecs_tick_result_t inner;
  p->nested = ecs_scheduler_tick(p->sched, 1.0, &inner);
  assert_int_equal(inner.status, ECS_ERR_BUSY);
  return ECS_OK;
}

/* A SKIP and a QUARANTINE system fail before a FAIL system stops the tick:
 * the result and the last error name the one that stopped it, and keep the
 * first failure apart. In a SYNC and in an ASYNC group. */
static ecs_status_t always_fails(ecs_system_ctx_t *ctx) {
  (void)ctx;
  return ECS_ERR_INVALID_ARGUMENT;
}

static ecs_status_t fails_io(ecs_system_ctx_t *ctx) {
  (void)ctx;
  return ECS_ERR_IO;
}

static void test_failure_report_names_the_stopper(void **state) {
  (void)state;
  for (int mode = 0; mode < 2; ++mode) {
    ecs_world_t *w = world_new();
    ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
    ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.threads = 1, .inline_below_ns = 1});
    ecs_group_t g =
        ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "g", .mode = mode ? ECS_GROUP_ASYNC : ECS_GROUP_SYNC});
    ecs_builder_add_system(
        b, g, &(ecs_system_desc_t){.name = "skip1", .callback = always_fails, .on_error = ECS_ON_ERROR_SKIP});
    ecs_builder_add_system(
        b, g, &(ecs_system_desc_t){.name = "quar3", .callback = always_fails, .on_error = ECS_ON_ERROR_QUARANTINE});
    ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "fatal", .callback = fails_io});
    ecs_scheduler_t *s = build_ok(b);
    ecs_tick_result_t r;
    assert_int_equal(ecs_scheduler_tick(s, 0.0, &r), ECS_ERR_SYSTEM_FAILED);
    assert_int_equal(r.systems_failed, 3);
    assert_string_equal(r.failed_system, "fatal");
    assert_int_equal(r.failed_status, ECS_ERR_IO);
    assert_string_equal(r.first_failed_system, "skip1");
    assert_int_equal(r.first_failed_status, ECS_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(ecs_last_error(w), "'fatal'"));
    ecs_scheduler_free(s);
    ecs_world_free(w);
  }
  /* nothing stopped the tick: the first failure is the one named */
  ecs_world_t *w = world_new();
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "g"});
  ecs_builder_add_system(
      b, g, &(ecs_system_desc_t){.name = "skip1", .callback = always_fails, .on_error = ECS_ON_ERROR_SKIP});
  ecs_scheduler_t *s = build_ok(b);
  ecs_tick_result_t r;
  assert_int_equal(ecs_scheduler_tick(s, 0.0, &r), ECS_OK);
  assert_string_equal(r.failed_system, "skip1");
  assert_string_equal(r.first_failed_system, "skip1");
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

static void test_set_tick(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_scheduler_t *s = build_ok(b);
  ecs_tick_result_t r;
  ecs_scheduler_tick(s, 0, &r);
  assert_int_equal(r.tick, 1);
  assert_int_equal(ecs_scheduler_set_tick(s, 100), ECS_OK);
  assert_int_equal(ecs_scheduler_tick_count(s), 100);
  ecs_scheduler_tick(s, 0, &r);
  assert_int_equal(r.tick, 101);
  assert_int_equal(ecs_scheduler_set_tick(NULL, 1), ECS_ERR_INVALID_ARGUMENT);
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

static void test_system_context(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_component_t pos = ECS_COMPONENT(w, pos_t);
  ecs_component_t vel = ECS_COMPONENT(w, vel_t);
  /* entities marked 0..5; only 1, 2 and 4 have both components */
  for (int i = 0; i < 6; ++i) {
    ecs_entity_t e = ecs_entity_create(w);
    assert_int_equal(ecs_set(w, e, pos, &(pos_t){(float)i, 0}), ECS_OK);
    if (i == 1 || i == 2 || i == 4) {
      assert_int_equal(ecs_add(w, e, vel), ECS_OK);
    }
  }
  ctx_probe_t p = {0};
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_group_t g = add_group(b, "g", NULL);
  ecs_system_desc_t sd = {.name = "probe",
                          .callback = sys_probe_ctx,
                          .user = &p,
                          .query.terms = {{pos, ECS_ACCESS_READ}, {vel, ECS_ACCESS_READ}}};
  assert_int_equal(ecs_builder_add_system(b, g, &sd), ECS_OK);
  assert_int_equal(
      ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "bare", .callback = sys_no_query, .user = &p}), ECS_OK);
  ecs_scheduler_t *s = build_ok(b);
  p.sched = s;
  static const double dts[] = {0.5, 0.25, 2.0};
  for (uint64_t t = 1; t <= 3; ++t) {
    p.nested = ECS_OK;
    ecs_tick_result_t r;
    assert_int_equal(ecs_scheduler_tick(s, dts[t - 1], &r), ECS_OK);
    assert_int_equal(r.tick, t);
    assert_int_equal(ecs_scheduler_tick_count(s), t); /* the nested call did not count */
    assert_int_equal(p.tick, t);
    assert_true(p.dt == dts[t - 1]);
    assert_ptr_equal(p.world, w);
    assert_ptr_equal(p.user, &p);
    assert_string_equal(p.name, "probe");
    assert_true(p.has_commands);
    assert_int_equal(p.matched, (1 << 1) | (1 << 2) | (1 << 4));
    assert_true(p.no_query_done);
    assert_int_equal(p.nested, ECS_ERR_BUSY);
    assert_int_equal(r.systems_run, 2);
  }
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

static ecs_status_t sys_spawn1(ecs_system_ctx_t *ctx) {
  ecs_entity_t e = ecs_cmd_create(ctx->commands);
  return ecs_cmd_set(ctx->commands, e, *(const ecs_component_t *)ctx->user, &(pos_t){1, 1});
}

static ecs_status_t sys_explode(ecs_system_ctx_t *ctx) {
  (void)ctx;
  return ECS_ERR_LIMIT;
}

static void test_tick_logs(void **state) {
  (void)state;
  log_capture_t cap = {0};
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.log = capture_log, .log_user = &cap, .log_level = ECS_LOG_DEBUG});
  assert_non_null(w);
  ecs_component_t pos = ECS_COMPONENT(w, pos_t);
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  add_system(b, add_group(b, "g", NULL), "spawn1", sys_spawn1, &pos, ECS_COMPONENT_NULL);
  ecs_scheduler_t *s = build_ok(b);
  for (int t = 1; t <= 3; ++t) {
    cap.count = 0;
    assert_int_equal(ecs_scheduler_tick(s, 0, NULL), ECS_OK);
    assert_int_equal(cap.count, 1); /* exactly one line per tick */
    assert_int_equal(cap.level, ECS_LOG_DEBUG);
    char want[32];
    snprintf(want, sizeof want, "tick=%d ", t);
    assert_non_null(strstr(cap.last, want));
    assert_non_null(strstr(cap.last, "commands_applied=2"));
  }
  ecs_scheduler_free(s);
  ecs_world_free(w);
  /* at the default level (WARN) only the failure is logged */
  cap = (log_capture_t){0};
  w = ecs_world_new(&(ecs_world_desc_t){.log = capture_log, .log_user = &cap});
  b = ecs_scheduler_builder_new(w);
  ecs_system_desc_t sd = {.name = "exploder", .callback = sys_explode, .on_error = ECS_ON_ERROR_SKIP};
  assert_int_equal(ecs_builder_add_system(b, add_group(b, "g", NULL), &sd), ECS_OK);
  s = build_ok(b);
  assert_int_equal(ecs_scheduler_tick(s, 0, NULL), ECS_OK);
  assert_int_equal(cap.count, 1);
  assert_int_equal(cap.level, ECS_LOG_WARN);
  assert_non_null(strstr(cap.last, "exploder"));
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_group_order),
      cmocka_unit_test(test_systems_run_in_declared_order),
      cmocka_unit_test(test_build_errors),
      cmocka_unit_test(test_build_reports_kept_add_error),
      cmocka_unit_test(test_bad_query_error_keeps_detail),
      cmocka_unit_test(test_invalid_arguments),
      cmocka_unit_test(test_empty_scheduler_ticks),
      cmocka_unit_test(test_barrier_between_groups),
      cmocka_unit_test(test_barrier_applies_in_system_order),
      cmocka_unit_test(test_structural_calls_in_tick_are_busy),
      cmocka_unit_test(test_error_policies),
      cmocka_unit_test(test_system_context),
      cmocka_unit_test(test_set_tick),
      cmocka_unit_test(test_failure_report_names_the_stopper),
      cmocka_unit_test(test_tick_logs),
  };
  return cmocka_run_group_tests_name("scheduler", tests, NULL, NULL);
}
