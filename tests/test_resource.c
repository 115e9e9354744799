/* Resources: world singletons keyed by component type; their lifetime hooks,
 * errors, and what systems may do with them during a tick. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ecs.h"
#include "support/owned.h"

typedef struct gravity_t {
  float g;
  int32_t steps;
} gravity_t;

static ecs_component_t register_gravity(ecs_world_t *w) {
  ecs_component_t c = ECS_COMPONENT(w, gravity_t);
  assert_int_not_equal(c, ECS_COMPONENT_NULL);
  return c;
}

static ecs_component_t register_owned(ecs_world_t *w, hook_log_t *log) {
  ecs_component_desc_t d = {
      .name = "owned_t", .size = sizeof(owned_t), .hooks = {.dtor = owned_dtor, .copy = owned_copy, .user = log}};
  ecs_component_t c = ecs_component_register(w, &d);
  assert_int_not_equal(c, ECS_COMPONENT_NULL);
  return c;
}

static ecs_component_t register_tag(ecs_world_t *w) {
  ecs_component_t c = ecs_component_register(w, &(ecs_component_desc_t){.name = "paused"});
  assert_int_not_equal(c, ECS_COMPONENT_NULL);
  return c;
}

static void test_set_get_has_remove(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_component_t grav = register_gravity(w);
  assert_false(ecs_resource_has(w, grav));
  assert_null(ecs_resource_get(w, grav));
  gravity_t v = {9.8f, 3};
  assert_int_equal(ecs_resource_set(w, grav, &v), ECS_OK);
  assert_int_equal(ecs_last_status(w), ECS_OK);
  v.g = -1; /* the world holds a copy */
  assert_true(ecs_resource_has(w, grav));
  gravity_t *got = ecs_resource_get(w, grav);
  assert_non_null(got);
  assert_ptr_not_equal(got, &v);
  assert_true(got->g == 9.8f);
  assert_int_equal(got->steps, 3);
  got->steps = 4; /* writable in place */
  assert_int_equal(((gravity_t *)ecs_resource_get(w, grav))->steps, 4);
  /* a resource is not an entity component */
  assert_int_equal(ecs_component_count(w, grav), 0);
  assert_int_equal(ecs_entity_count(w), 0);
  assert_int_equal(ecs_resource_remove(w, grav), ECS_OK);
  assert_false(ecs_resource_has(w, grav));
  assert_null(ecs_resource_get(w, grav));
  assert_int_equal(ecs_resource_remove(w, grav), ECS_OK); /* absent is fine */
  assert_int_equal(ecs_resource_set(w, grav, &(gravity_t){1.0f, 1}), ECS_OK);
  assert_true(((gravity_t *)ecs_resource_get(w, grav))->g == 1.0f);
  ecs_world_free(w);
}

static void test_set_replaces_value_with_hooks(void **state) {
  (void)state;
  hook_log_t log = {0};
  ecs_world_t *w = world_new();
  ecs_component_t owned = register_owned(w, &log);
  int32_t a = 1, b = 2;
  assert_int_equal(ecs_resource_set(w, owned, &(owned_t){&a}), ECS_OK);
  assert_int_equal(log.copy, 1);
  const owned_t *got = ecs_resource_get(w, owned);
  assert_ptr_not_equal(got->payload, &a);
  assert_int_equal(*got->payload, 1);
  assert_int_equal(ecs_resource_set(w, owned, &(owned_t){&b}), ECS_OK);
  assert_int_equal(log.dtor, 1); /* the old value */
  assert_int_equal(log.copy, 2);
  got = ecs_resource_get(w, owned);
  assert_int_equal(*got->payload, 2);
  assert_int_equal(ecs_resource_remove(w, owned), ECS_OK);
  assert_int_equal(log.dtor, 2);
  ecs_world_free(w);
  assert_int_equal(log.dtor, 2); /* not destructed again */
}

static void test_errors(void **state) {
  (void)state;
  static const struct {
    const char *name;
    ecs_component_t c; /* 0 .. 3; 1 is gravity, 2 the tag */
    bool null_value;
    bool remove;
    ecs_status_t expect;
  } cases[] = {
      {"set unknown id", 3, false, false, ECS_ERR_UNKNOWN_COMPONENT},
      {"set id 0", 0, false, false, ECS_ERR_UNKNOWN_COMPONENT},
      {"remove unknown id", 3, false, true, ECS_ERR_UNKNOWN_COMPONENT},
      {"remove id 0", 0, false, true, ECS_ERR_UNKNOWN_COMPONENT},
      {"set NULL value of a sized type", 1, true, false, ECS_ERR_INVALID_ARGUMENT},
      {"set NULL value of a tag", 2, true, false, ECS_OK},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    print_message("case: %s\n", cases[k].name);
    ecs_world_t *w = world_new();
    assert_int_equal(register_gravity(w), 1);
    assert_int_equal(register_tag(w), 2);
    gravity_t v = {1, 1};
    ecs_status_t st = cases[k].remove ? ecs_resource_remove(w, cases[k].c)
                                      : ecs_resource_set(w, cases[k].c, cases[k].null_value ? NULL : &v);
    assert_int_equal(st, cases[k].expect);
    assert_int_equal(ecs_last_status(w), cases[k].expect);
    assert_int_equal(ecs_resource_has(w, cases[k].c), cases[k].expect == ECS_OK && !cases[k].remove);
    if (cases[k].expect != ECS_OK) {
      assert_true(strlen(ecs_last_error(w)) > 0);
      assert_null(ecs_resource_get(w, cases[k].c));
    }
    ecs_world_free(w);
  }
  assert_int_equal(ecs_resource_set(NULL, 1, &(gravity_t){0, 0}), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_resource_remove(NULL, 1), ECS_ERR_INVALID_ARGUMENT);
  assert_null(ecs_resource_get(NULL, 1));
  assert_false(ecs_resource_has(NULL, 1));
}

static void test_tag_resource(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_component_t paused = register_tag(w);
  assert_int_equal(ecs_resource_set(w, paused, NULL), ECS_OK);
  assert_true(ecs_resource_has(w, paused));
  assert_null(ecs_resource_get(w, paused)); /* no value to point at */
  assert_int_equal(ecs_resource_set(w, paused, NULL), ECS_OK);
  assert_true(ecs_resource_has(w, paused));
  assert_int_equal(ecs_resource_remove(w, paused), ECS_OK);
  assert_false(ecs_resource_has(w, paused));
  ecs_world_free(w);
}

static void test_world_free_destructs_resources(void **state) {
  (void)state;
  hook_log_t log = {0};
  ecs_world_t *w = world_new();
  ecs_component_t owned = register_owned(w, &log);
  ecs_entity_t e = ecs_entity_create(w);
  int32_t a = 5, b = 6;
  assert_int_equal(ecs_resource_set(w, owned, &(owned_t){&a}), ECS_OK);
  /* the same type as an entity component is a separate value */
  assert_int_equal(ecs_set(w, e, owned, &(owned_t){&b}), ECS_OK);
  assert_int_equal(*((const owned_t *)ecs_resource_get(w, owned))->payload, 5);
  assert_int_equal(*((const owned_t *)ecs_get(w, e, owned))->payload, 6);
  assert_int_equal(log.copy, 2);
  assert_int_equal(log.dtor, 0);
  ecs_world_free(w);
  assert_int_equal(log.dtor, 2); /* resource and component, once each */
}

/* Scheduler plumbing for the tick tests. */
typedef struct probe_t {
  ecs_component_t type;
  int calls;
  ecs_status_t status; /* what the probed call returned */
} probe_t;

static ecs_status_t sys_step_gravity(ecs_system_ctx_t *ctx) {
  probe_t *p = ctx->user;
  gravity_t *g = ecs_resource_get(ctx->world, p->type);
  assert_non_null(g);
  g->steps++;
  p->calls++;
  return ECS_OK;
}

static ecs_status_t sys_replace_gravity(ecs_system_ctx_t *ctx) {
  probe_t *p = ctx->user;
  const gravity_t *g = ecs_resource_get(ctx->world, p->type);
  p->status = ecs_resource_set(ctx->world, p->type, &(gravity_t){g->g * 2, g->steps});
  p->calls++;
  return ECS_OK;
}

static ecs_status_t sys_create_resource(ecs_system_ctx_t *ctx) {
  probe_t *p = ctx->user;
  p->status = ecs_resource_set(ctx->world, p->type, &(gravity_t){1, 1});
  p->calls++;
  return ECS_OK;
}

static ecs_status_t sys_remove_resource(ecs_system_ctx_t *ctx) {
  probe_t *p = ctx->user;
  p->status = ecs_resource_remove(ctx->world, p->type);
  p->calls++;
  return ECS_OK;
}

static ecs_status_t sys_create_tag_resource(ecs_system_ctx_t *ctx) {
  probe_t *p = ctx->user;
  p->status = ecs_resource_set(ctx->world, p->type, NULL);
  p->calls++;
  return ECS_OK;
}

/* Builds one group with one system writing @p type and runs @p ticks ticks. */
static void run_system(ecs_world_t *w, ecs_system_fn fn, probe_t *probe, int ticks) {
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  assert_non_null(b);
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "main"});
  assert_int_not_equal(g, 0);
  ecs_system_desc_t sd = {.name = "probe", .callback = fn, .user = probe, .writes = {probe->type}};
  assert_int_equal(ecs_builder_add_system(b, g, &sd), ECS_OK);
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  for (int i = 0; i < ticks; ++i) {
    ecs_tick_result_t r;
    assert_int_equal(ecs_scheduler_tick(s, 1.0 / 60, &r), ECS_OK);
    assert_int_equal(r.systems_run, 1);
  }
  ecs_scheduler_free(s);
}

static void test_system_writes_resource_in_tick(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_component_t grav = register_gravity(w);
  assert_int_equal(ecs_resource_set(w, grav, &(gravity_t){9.8f, 0}), ECS_OK);
  probe_t probe = {.type = grav};
  run_system(w, sys_step_gravity, &probe, 3);
  assert_int_equal(probe.calls, 3);
  assert_int_equal(((gravity_t *)ecs_resource_get(w, grav))->steps, 3);
  /* replacing an existing value through ecs_resource_set is allowed too */
  probe_t replace = {.type = grav, .status = ECS_ERR_MISUSE};
  run_system(w, sys_replace_gravity, &replace, 2);
  assert_int_equal(replace.status, ECS_OK);
  assert_true(((gravity_t *)ecs_resource_get(w, grav))->g == 9.8f * 4);
  ecs_world_free(w);
}

static void test_create_in_tick_is_busy(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_component_t grav = register_gravity(w);
  probe_t probe = {.type = grav};
  run_system(w, sys_create_resource, &probe, 2);
  assert_int_equal(probe.calls, 2);
  assert_int_equal(probe.status, ECS_ERR_BUSY);
  assert_false(ecs_resource_has(w, grav));
  assert_int_equal(ecs_resource_set(w, grav, &(gravity_t){1, 1}), ECS_OK); /* fine after the tick */
  ecs_world_free(w);
}

static void test_create_tag_in_tick_is_busy(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_component_t paused = register_tag(w);
  probe_t probe = {.type = paused};
  run_system(w, sys_create_tag_resource, &probe, 1);
  assert_int_equal(probe.status, ECS_ERR_BUSY);
  assert_false(ecs_resource_has(w, paused));
  ecs_world_free(w);
}

static void test_remove_in_tick_is_busy(void **state) {
  (void)state;
  hook_log_t log = {0};
  ecs_world_t *w = world_new();
  ecs_component_t owned = register_owned(w, &log);
  ecs_component_t paused = register_tag(w);
  int32_t a = 3;
  assert_int_equal(ecs_resource_set(w, owned, &(owned_t){&a}), ECS_OK);
  assert_int_equal(ecs_resource_set(w, paused, NULL), ECS_OK);
  const ecs_component_t types[] = {owned, paused};
  for (size_t k = 0; k < 2; ++k) {
    probe_t probe = {.type = types[k]};
    run_system(w, sys_remove_resource, &probe, 1);
    assert_int_equal(probe.status, ECS_ERR_BUSY);
    assert_true(ecs_resource_has(w, types[k]));
  }
  assert_int_equal(log.dtor, 0);
  assert_int_equal(*((const owned_t *)ecs_resource_get(w, owned))->payload, 3);
  ecs_world_free(w);
  assert_int_equal(log.dtor, 1);
}

static void test_system_with_unknown_resource_fails_build(void **state) {
  (void)state;
  for (int writes = 0; writes < 2; ++writes) {
    print_message("unknown id in %s\n", writes ? "writes" : "reads");
    ecs_world_t *w = world_new();
    ecs_component_t grav = register_gravity(w);
    ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
    ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "main"});
    ecs_system_desc_t sd = {.name = "reader", .callback = sys_step_gravity};
    sd.reads[0] = grav;
    if (writes) {
      sd.writes[0] = grav;
      sd.writes[1] = 77;
    } else {
      sd.reads[1] = 77;
    }
    assert_int_equal(ecs_builder_add_system(b, g, &sd), ECS_ERR_UNKNOWN_COMPONENT);
    ecs_scheduler_t *s = (ecs_scheduler_t *)&sd; /* must be reset to NULL */
    assert_int_equal(ecs_scheduler_build(b, &s), ECS_ERR_UNKNOWN_COMPONENT);
    assert_null(s);
    assert_int_equal(ecs_last_status(w), ECS_ERR_UNKNOWN_COMPONENT);
    assert_non_null(strstr(ecs_last_error(w), "reader"));
    ecs_world_free(w);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_set_get_has_remove),
      cmocka_unit_test(test_set_replaces_value_with_hooks),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_tag_resource),
      cmocka_unit_test(test_world_free_destructs_resources),
      cmocka_unit_test(test_system_writes_resource_in_tick),
      cmocka_unit_test(test_create_in_tick_is_busy),
      cmocka_unit_test(test_create_tag_in_tick_is_busy),
      cmocka_unit_test(test_remove_in_tick_is_busy),
      cmocka_unit_test(test_system_with_unknown_resource_fails_build),
  };
  return cmocka_run_group_tests_name("resource", tests, NULL, NULL);
}
