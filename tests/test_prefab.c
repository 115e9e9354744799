/* Prefabs: skipped by queries, instantiated with their child tree through
 * the copy hooks, overrides per instance, pairs inside the tree remapped,
 * bad input, commands; ARCHETYPE and DENSE worlds, the latter also with
 * more than 8 DENSE components (entities then list theirs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ecs_storage_kind_t kinds[] = {ECS_STORAGE_ARCHETYPE, ECS_STORAGE_DENSE, ECS_STORAGE_DENSE};
enum { WORLDS = 3 };

static ecs_world_t *world_of(size_t k) {
  ecs_world_desc_t d = {.default_storage = (int32_t)kinds[k]};
  ecs_world_t *w = ecs_world_new(&d);
  assert_non_null(w);
  for (int i = 0; k == 2 && i < 10; ++i) {
    char name[16];
    snprintf(name, sizeof name, "Unused%d", i);
    assert_int_not_equal(ecs_component_register_type(w, name, 4, 4), ECS_COMPONENT_NULL);
  }
  return w;
}

/* A component owning heap memory: copies must be deep. */
typedef struct label_t {
  char *text;
} label_t;

static int copies;

static void label_copy(void *dst, const void *src, int32_t n, void *user) {
  (void)user;
  for (int32_t i = 0; i < n; ++i) {
    const char *s = ((const label_t *)src)[i].text;
    char *d = s ? malloc(strlen(s) + 1) : NULL;
    if (d) {
      strcpy(d, s);
    }
    ((label_t *)dst)[i].text = d;
    copies++;
  }
}

static void label_dtor(void *ptr, int32_t n, void *user) {
  (void)user;
  for (int32_t i = 0; i < n; ++i) {
    free(((label_t *)ptr)[i].text);
  }
}

static void test_instantiate(void **state) {
  (void)state;
  for (size_t k = 0; k < WORLDS; ++k) {
    ecs_world_t *w = world_of(k);
    ecs_component_t hp = ecs_component_register_type(w, "Hp", 4, 4);
    ecs_component_desc_t ld = {.name = "Label",
                               .size = sizeof(label_t),
                               .hooks = {.copy = label_copy, .dtor = label_dtor},
                               .flags = ECS_COMPONENT_TRANSIENT};
    ecs_component_t label = ecs_component_register(w, &ld);
    ecs_component_desc_t rd = {.name = "Aims", .flags = ECS_COMPONENT_RELATION};
    ecs_component_t aims = ecs_component_register(w, &rd);
    /* a ship prefab with two turrets; the second aims at the first */
    ecs_entity_t ship = ecs_prefab_new(w, ECS_ENTITY_NULL);
    assert_int_equal(ecs_set_name(w, ship, "ship"), ECS_OK);
    assert_int_equal(ecs_set(w, ship, hp, &(int32_t){100}), ECS_OK);
    label_t l = {"hull"};
    assert_int_equal(ecs_set(w, ship, label, &l), ECS_OK);
    ecs_entity_t t1 = ecs_prefab_new(w, ship);
    ecs_entity_t t2 = ecs_prefab_new(w, ship);
    assert_int_equal(ecs_set_name(w, t1, "turret_1"), ECS_OK);
    assert_int_equal(ecs_set_name(w, t2, "turret_2"), ECS_OK);
    assert_int_equal(ecs_set(w, t1, hp, &(int32_t){10}), ECS_OK);
    assert_int_equal(ecs_set(w, t2, hp, &(int32_t){20}), ECS_OK);
    assert_int_equal(ecs_add(w, t2, ecs_pair(w, aims, t1)), ECS_OK);

    /* prefabs are skipped by queries */
    ecs_query_t *q = ecs_query_new(w, &(ecs_query_desc_t){.terms = {{hp, ECS_ACCESS_READ}}});
    assert_int_equal(ecs_query_count(q), 0);

    ecs_entity_t a = ECS_ENTITY_NULL, b = ECS_ENTITY_NULL;
    copies = 0;
    assert_int_equal(ecs_instantiate(w, ship, NULL, 0, &a), ECS_OK);
    assert_int_equal(copies, 1);
    ecs_override_t ov[] = {{hp, &(int32_t){250}}};
    assert_int_equal(ecs_instantiate(w, ship, ov, 1, &b), ECS_OK);
    assert_int_equal(ecs_query_count(q), 6);
    assert_int_equal(*(int32_t *)ecs_get(w, a, hp), 100);
    assert_int_equal(*(int32_t *)ecs_get(w, b, hp), 250); /* the override */
    assert_false(ecs_has(w, a, ecs_prefab_tag(w)));
    label_t *la = ecs_get(w, a, label);
    assert_string_equal(la->text, "hull");
    assert_ptr_not_equal(la->text, ((label_t *)ecs_get(w, ship, label))->text); /* a deep copy */
    /* the child tree, names kept; the root unnamed */
    assert_null(ecs_get_name(w, a));
    ecs_entity_t at1 = ecs_lookup_path(w, a, "turret_1");
    ecs_entity_t at2 = ecs_lookup_path(w, a, "turret_2");
    assert_int_not_equal(at1, ECS_ENTITY_NULL);
    assert_int_equal(ecs_parent(w, at2), a);
    assert_int_equal(*(int32_t *)ecs_get(w, at2, hp), 20);
    /* the pair inside the tree points at the instance's own turret */
    assert_int_equal(ecs_target(w, at2, aims, 0), at1);
    /* instances are independent of each other and of the prefab */
    *(int32_t *)ecs_get(w, at1, hp) = 1;
    assert_int_equal(*(int32_t *)ecs_get(w, ecs_lookup_path(w, b, "turret_1"), hp), 10);
    assert_int_equal(*(int32_t *)ecs_get(w, t1, hp), 10);
    /* destroying an instance takes its turrets only */
    assert_int_equal(ecs_entity_destroy(w, a), ECS_OK);
    assert_false(ecs_entity_alive(w, at1));
    assert_true(ecs_entity_alive(w, t1));
    assert_int_equal(ecs_query_count(q), 3);

    /* through a command */
    ecs_cmd_buffer_t *buf = ecs_cmd_buffer_new(w);
    ecs_entity_t p = ecs_cmd_instantiate(buf, ship);
    assert_int_not_equal(p, ECS_ENTITY_NULL);
    assert_int_equal(ecs_cmd_set(buf, p, hp, &(int32_t){7}), ECS_OK);
    assert_int_equal(ecs_cmd_buffer_apply(buf, NULL), ECS_OK);
    ecs_entity_t c = ecs_cmd_buffer_resolve(buf, p);
    assert_int_equal(*(int32_t *)ecs_get(w, c, hp), 7);
    assert_int_equal(ecs_children(w, c, NULL, 0), 2);
    ecs_cmd_buffer_free(buf);
    ecs_query_free(q);

    /* prefabs survive a snapshot into a fresh world and instantiate there */
    ecs_membuf_t mb = {0};
    ecs_writer_t out = ecs_membuf_writer(&mb);
    assert_int_equal(ecs_snapshot_save(w, &out), ECS_OK);
    ecs_world_t *w2 = world_of(k);
    ecs_component_t hp2 = ecs_component_register_type(w2, "Hp", 4, 4);
    ecs_component_register(w2, &ld);
    ecs_component_register(w2, &rd);
    ecs_memsrc_t src = {mb.data, mb.size, 0};
    ecs_reader_t in = ecs_memreader(&src);
    assert_int_equal(ecs_snapshot_load(w2, &in), ECS_OK);
    ecs_query_t *q2 = ecs_query_new(w2, &(ecs_query_desc_t){.terms = {{hp2, ECS_ACCESS_READ}}});
    size_t before = ecs_query_count(q2);
    ecs_entity_t d = ECS_ENTITY_NULL;
    assert_int_equal(ecs_instantiate(w2, ship, NULL, 0, &d), ECS_OK);
    assert_int_equal(ecs_query_count(q2), before + 3);
    assert_int_not_equal(ecs_lookup_path(w2, d, "turret_2"), ECS_ENTITY_NULL);
    ecs_membuf_free(&mb);
    ecs_world_free(w2);
    ecs_world_free(w);
  }
}

static void test_bad_prefab_input(void **state) {
  (void)state;
  ecs_world_t *w = world_of(0);
  ecs_component_t hp = ecs_component_register_type(w, "Hp", 4, 4);
  ecs_entity_t plain = ecs_entity_create(w);
  ecs_entity_t prefab = ecs_prefab_new(w, ECS_ENTITY_NULL);
  ecs_entity_t out = 42;
  size_t before = ecs_entity_count(w);
  assert_int_equal(ecs_instantiate(w, plain, NULL, 0, &out), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(out, 42);
  assert_int_equal(ecs_prefab_new(w, plain), ECS_ENTITY_NULL);
  assert_int_equal(ecs_last_status(w), ECS_ERR_INVALID_ARGUMENT);
  ecs_override_t bad[] = {{hp, NULL}};
  assert_int_equal(ecs_instantiate(w, prefab, bad, 1, &out), ECS_ERR_INVALID_ARGUMENT);
  ecs_override_t unknown[] = {{999, &(int32_t){1}}};
  assert_int_equal(ecs_instantiate(w, prefab, unknown, 1, &out), ECS_ERR_UNKNOWN_COMPONENT);
  ecs_override_t builtin[] = {{ecs_parent_component(w), &(ecs_parent_t){prefab, 1, 0}}};
  assert_int_equal(ecs_instantiate(w, prefab, builtin, 1, &out), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_instantiate(w, prefab, NULL, 1, &out), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_entity_count(w), before);
  /* a command on a non-prefab: counted as failed at apply */
  ecs_cmd_buffer_t *buf = ecs_cmd_buffer_new(w);
  ecs_entity_t p = ecs_cmd_instantiate(buf, plain);
  assert_int_not_equal(p, ECS_ENTITY_NULL);
  ecs_cmd_stats_t s;
  assert_int_equal(ecs_cmd_buffer_apply(buf, &s), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(s.failed, 1);
  assert_int_equal(ecs_cmd_buffer_resolve(buf, p), ECS_ENTITY_NULL);
  assert_int_equal(ecs_entity_count(w), before);
  ecs_cmd_buffer_free(buf);
  ecs_world_free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_instantiate),
      cmocka_unit_test(test_bad_prefab_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
