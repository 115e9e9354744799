/* Observers: add/set/remove callbacks on direct calls and at command apply,
 * commands they queue, entity destroy, ordering and runaway recursion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecs.h"
#include "support/owned.h"

#include <stdio.h>
#include <string.h>

typedef struct health_t {
  int32_t hp;
} health_t;

typedef struct log_t {
  char text[1024];
  ecs_component_t regen; /* for the chaining observer */
  ecs_status_t busy;
} log_t;

static void note(ecs_observer_ctx_t *ctx) {
  log_t *l = ctx->user;
  static const char *const names[] = {"add", "set", "remove"};
  char item[64];
  int32_t hp = ctx->value ? ((const health_t *)ctx->value)->hp : -1;
  snprintf(item, sizeof item, "%s:%u:%d ", names[ctx->event], ECS_ENTITY_INDEX(ctx->entity), (int)hp);
  strncat(l->text, item, sizeof l->text - strlen(l->text) - 1);
}

static ecs_world_t *observed_world(log_t *l, ecs_component_t *hp, ecs_storage_kind_t kind) {
  ecs_world_t *w = world_new();
  *hp = ecs_component_register(w, &(ecs_component_desc_t){.name = "health", .size = sizeof(health_t), .storage = kind});
  for (int ev = ECS_ON_ADD; ev <= ECS_ON_REMOVE; ++ev) {
    assert_int_equal(ecs_observer_register(w, &(ecs_observer_desc_t){*hp, (ecs_observer_event_t)ev, note, l}), ECS_OK);
  }
  return w;
}

static void test_direct_calls_fire_in_order(void **state) {
  (void)state;
  const ecs_storage_kind_t kinds[] = {ECS_STORAGE_DENSE, ECS_STORAGE_SPARSE, ECS_STORAGE_ARCHETYPE};
  for (size_t k = 0; k < 3; ++k) {
    log_t l = {0};
    ecs_component_t hp;
    ecs_world_t *w = observed_world(&l, &hp, kinds[k]);
    ecs_entity_t e = ecs_entity_create(w);
    ecs_add(w, e, hp);
    ecs_add(w, e, hp); /* present: no event */
    ecs_set(w, e, hp, &(health_t){7});
    ecs_remove(w, e, hp);
    ecs_set(w, e, hp, &(health_t){9}); /* absent: add then set */
    ecs_entity_destroy(w, e);          /* remove on destroy */
    assert_string_equal(l.text, "add:1:0 set:1:7 remove:1:7 add:1:9 set:1:9 remove:1:9 ");
    ecs_world_free(w);
  }
}

static void test_command_apply_fires_in_recorded_order(void **state) {
  (void)state;
  log_t l = {0};
  ecs_component_t hp;
  ecs_world_t *w = observed_world(&l, &hp, ECS_STORAGE_DENSE);
  ecs_cmd_buffer_t *b = ecs_cmd_buffer_new(w);
  ecs_entity_t e1 = ecs_cmd_create(b);
  ecs_entity_t e2 = ecs_cmd_create(b);
  ecs_cmd_set(b, e2, hp, &(health_t){2});
  ecs_cmd_set(b, e1, hp, &(health_t){1});
  ecs_cmd_destroy(b, e2);
  assert_string_equal(l.text, ""); /* nothing before the apply */
  assert_int_equal(ecs_cmd_buffer_apply(b, NULL), ECS_OK);
  assert_string_equal(l.text, "add:2:2 set:2:2 add:1:1 set:1:1 remove:2:2 ");
  ecs_cmd_buffer_free(b);
  ecs_world_free(w);
}

/* Gives every new health a regen component, through a command. */
static void add_regen(ecs_observer_ctx_t *ctx) {
  log_t *l = ctx->user;
  ecs_cmd_set(ctx->commands, ctx->entity, l->regen, &(int32_t){5});
  /* a direct structural call is refused here */
  l->busy = ecs_entity_destroy((ecs_world_t *)ctx->world, ctx->entity);
}

typedef struct seen_t {
  ecs_component_t hp, regen;
  int with_both;
} seen_t;

static ecs_status_t sys_spawn(ecs_system_ctx_t *ctx) {
  const seen_t *s = ctx->user;
  ecs_entity_t e = ecs_cmd_create(ctx->commands);
  return ecs_cmd_set(ctx->commands, e, s->hp, &(health_t){10});
}

static ecs_status_t sys_count(ecs_system_ctx_t *ctx) {
  seen_t *s = ctx->user;
  while (ecs_iter_next(&ctx->it)) {
    s->with_both += ctx->it.count;
  }
  return ECS_OK;
}

/* At a barrier, what observers queue is applied in the same barrier: the
 * next group sees the chained component. */
static void test_observer_commands_at_barrier(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  log_t l = {0};
  seen_t s = {0};
  s.hp = ECS_COMPONENT(w, health_t);
  s.regen = l.regen = ecs_component_register_type(w, "regen", sizeof(int32_t), 0);
  assert_int_equal(ecs_observer_register(w, &(ecs_observer_desc_t){s.hp, ECS_ON_ADD, add_regen, &l}), ECS_OK);
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_group_t g1 = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "spawn"});
  ecs_group_t g2 = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "count", .after = {"spawn"}});
  ecs_builder_add_system(b, g1, &(ecs_system_desc_t){.name = "spawner", .callback = sys_spawn, .user = &s});
  ecs_builder_add_system(b, g2,
                         &(ecs_system_desc_t){.name = "counter",
                                              .query = {.terms = {{s.hp, ECS_ACCESS_READ}, {s.regen, ECS_ACCESS_READ}}},
                                              .callback = sys_count,
                                              .user = &s});
  ecs_scheduler_t *sch = NULL;
  assert_int_equal(ecs_scheduler_build(b, &sch), ECS_OK);
  ecs_tick_result_t r;
  assert_int_equal(ecs_scheduler_tick(sch, 0.0, &r), ECS_OK);
  assert_int_equal(s.with_both, 1);
  assert_int_equal(r.commands_applied, 3); /* create, set health, set regen */
  assert_int_equal(l.busy, ECS_ERR_BUSY);
  assert_int_equal(ecs_entity_count(w), 1);
  ecs_scheduler_free(sch);
  ecs_world_free(w);
}

/* Every add creates another entity with the component: a runaway, cut off
 * after a bounded number of rounds with ECS_ERR_LIMIT; the world stays
 * usable. */
static void multiply(ecs_observer_ctx_t *ctx) {
  const ecs_component_t *hp = ctx->user;
  ecs_entity_t e = ecs_cmd_create(ctx->commands);
  ecs_cmd_add(ctx->commands, e, *hp);
}

static void test_runaway_recursion(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.log_level = ECS_LOG_OFF});
  ecs_component_t hp = ECS_COMPONENT(w, health_t);
  assert_int_equal(ecs_observer_register(w, &(ecs_observer_desc_t){hp, ECS_ON_ADD, multiply, &hp}), ECS_OK);
  ecs_entity_t e = ecs_entity_create(w);
  assert_int_equal(ecs_add(w, e, hp), ECS_ERR_LIMIT);
  size_t n = ecs_entity_count(w);
  assert_true(n > 10 && n < 40); /* a few rounds happened, then it stopped */
  ecs_entity_t f = ecs_entity_create(w);
  assert_int_not_equal(f, ECS_ENTITY_NULL);
  assert_int_equal(ecs_set(w, f, hp, &(health_t){1}), ECS_ERR_LIMIT); /* still a runaway, still bounded */
  ecs_world_free(w);
}

/* An entity destroyed fires ON_REMOVE for each of its components in id
 * order, whatever their storage kinds (the entity's table and the other
 * kinds are walked as one list), also after a component changed kind; the
 * values are readable in the observer. */
typedef struct remove_log_t {
  ecs_component_t seen[16];
  int32_t values[16];
  int count;
} remove_log_t;

static void log_remove(ecs_observer_ctx_t *ctx) {
  remove_log_t *l = ctx->user;
  l->values[l->count] = ctx->value ? *(const int32_t *)ctx->value : -1;
  l->seen[l->count++] = ctx->component;
}

/* ON_REMOVE in component id order, whether the world asks its few DENSE
 * and SPARSE components or keeps per-entity lists (extra: more DENSE
 * components registered first, past the limit). */
static void destroy_fires_in_id_order(int extra) {
  ecs_world_t *w = world_new();
  for (int k = 0; k < extra; ++k) {
    char name[16];
    snprintf(name, sizeof name, "extra%d", k);
    assert_int_not_equal(
        ecs_component_register(w, &(ecs_component_desc_t){.name = name, .size = 4, .storage = ECS_STORAGE_DENSE}),
        ECS_COMPONENT_NULL);
  }
  const ecs_storage_kind_t kinds[6] = {ECS_STORAGE_DENSE,     ECS_STORAGE_ARCHETYPE, ECS_STORAGE_SPARSE,
                                       ECS_STORAGE_ARCHETYPE, ECS_STORAGE_DENSE,     ECS_STORAGE_ARCHETYPE};
  ecs_component_t c[6];
  remove_log_t log = {0};
  for (int k = 0; k < 6; ++k) {
    char name[8];
    snprintf(name, sizeof name, "k%d", k);
    c[k] = ecs_component_register(w, &(ecs_component_desc_t){.name = name, .size = 4, .storage = kinds[k]});
    assert_int_equal(
        ecs_observer_register(
            w, &(ecs_observer_desc_t){.component = c[k], .event = ECS_ON_REMOVE, .callback = log_remove, .user = &log}),
        ECS_OK);
  }
  /* one moves from DENSE to ARCHETYPE, one the other way */
  assert_int_equal(ecs_component_set_storage(w, c[0], ECS_STORAGE_ARCHETYPE), ECS_OK);
  assert_int_equal(ecs_component_set_storage(w, c[3], ECS_STORAGE_DENSE), ECS_OK);
  ecs_entity_t e = ecs_entity_create(w);
  ecs_entity_t other = ecs_entity_create(w);
  for (int k = 5; k >= 0; --k) { /* added in reverse: the order is by id */
    if (k != 2) {
      ecs_set(w, e, c[k], &(int32_t){k * 10});
    }
    ecs_set(w, other, c[k], &(int32_t){-1});
  }
  assert_int_equal(ecs_entity_destroy(w, e), ECS_OK);
  assert_int_equal(log.count, 5);
  const int expect[5] = {0, 1, 3, 4, 5};
  for (int i = 0; i < 5; ++i) {
    assert_int_equal(log.seen[i], c[expect[i]]);
    assert_int_equal(log.values[i], expect[i] * 10);
  }
  for (int k = 0; k < 6; ++k) {
    assert_int_equal(ecs_component_count(w, c[k]), 1);
    assert_true(ecs_has(w, other, c[k]));
  }
  ecs_world_free(w);
}

static void test_destroy_fires_in_id_order(void **state) {
  (void)state;
  destroy_fires_in_id_order(0);
  destroy_fires_in_id_order(10);
}

static void test_register_errors(void **state) {
  (void)state;
  ecs_world_t *w = world_new();
  ecs_component_t hp = ECS_COMPONENT(w, health_t);
  assert_int_equal(ecs_observer_register(NULL, &(ecs_observer_desc_t){hp, ECS_ON_ADD, note, NULL}),
                   ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_observer_register(w, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_observer_register(w, &(ecs_observer_desc_t){hp, ECS_ON_ADD, NULL, NULL}),
                   ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_observer_register(w, &(ecs_observer_desc_t){hp, (ecs_observer_event_t)9, note, NULL}),
                   ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_observer_register(w, &(ecs_observer_desc_t){999, ECS_ON_ADD, note, NULL}),
                   ECS_ERR_UNKNOWN_COMPONENT);
  ecs_world_free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_direct_calls_fire_in_order),
      cmocka_unit_test(test_command_apply_fires_in_recorded_order),
      cmocka_unit_test(test_observer_commands_at_barrier),
      cmocka_unit_test(test_runaway_recursion),
      cmocka_unit_test(test_register_errors),
      cmocka_unit_test(test_destroy_fires_in_id_order),

  };
  return cmocka_run_group_tests_name("observer", tests, NULL, NULL);
}
