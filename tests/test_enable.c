/* Disabled entities and per-entity disabled components: queries skip them
 * (table walk and probing walk), a query naming ecs.Disabled sees them,
 * commands, snapshots; ARCHETYPE and DENSE worlds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecs.h"

static const ecs_storage_kind_t kinds[] = {ECS_STORAGE_ARCHETYPE, ECS_STORAGE_DENSE};

static ecs_world_t *world_of(size_t k) {
  ecs_world_desc_t d = {.default_storage = (int32_t)kinds[k]};
  ecs_world_t *w = ecs_world_new(&d);
  assert_non_null(w);
  return w;
}

static int32_t sum_of(ecs_query_t *q) {
  int32_t sum = 0;
  ecs_iter_t it = ecs_query_iter(q);
  while (ecs_iter_next(&it)) {
    for (int32_t r = 0; r < it.count; ++r) {
      sum += *(const int32_t *)ecs_field_at(&it, 0, r);
    }
  }
  return sum;
}

static void test_disable_entities(void **state) {
  (void)state;
  for (size_t k = 0; k < 2; ++k) {
    ecs_world_t *w = world_of(k);
    ecs_component_t a = ecs_component_register_type(w, "A", 4, 4);
    ecs_component_t b = ecs_component_register_type(w, "B", 4, 4);
    ecs_entity_t e[4];
    for (int32_t i = 0; i < 4; ++i) {
      e[i] = ecs_entity_create(w);
      int32_t v = 1 << i;
      assert_int_equal(ecs_set(w, e[i], a, &v), ECS_OK);
      assert_int_equal(ecs_set(w, e[i], b, &v), ECS_OK);
    }
    ecs_query_t *qa = ecs_query_new(w, &(ecs_query_desc_t){.terms = {{a, ECS_ACCESS_READ}}});
    ecs_query_t *qab = ecs_query_new(w, &(ecs_query_desc_t){.terms = {{a, ECS_ACCESS_READ}, {b, ECS_ACCESS_READ}}});
    assert_int_equal(sum_of(qa), 15);
    assert_true(ecs_is_enabled(w, e[1]));
    assert_int_equal(ecs_enable(w, e[1], false), ECS_OK);
    assert_false(ecs_is_enabled(w, e[1]));
    assert_int_equal(sum_of(qa), 13);
    assert_int_equal(sum_of(qab), 13);
    /* it keeps its components */
    assert_int_equal(*(int32_t *)ecs_get(w, e[1], a), 2);
    /* a query naming the tag sees disabled entities */
    ecs_component_t dis = ecs_disabled_tag(w);
    ecs_query_t *qd = ecs_query_new(w, &(ecs_query_desc_t){.terms = {{a, ECS_ACCESS_READ}, {dis, ECS_ACCESS_WITH}}});
    assert_int_equal(sum_of(qd), 2);
    ecs_query_free(qd);
    qd = ecs_query_new(w, &(ecs_query_desc_t){.terms = {{a, ECS_ACCESS_READ}, {dis, ECS_ACCESS_OPTIONAL}}});
    assert_int_equal(sum_of(qd), 15);
    ecs_query_free(qd);
    /* back on; twice changes nothing */
    assert_int_equal(ecs_enable(w, e[1], true), ECS_OK);
    assert_int_equal(ecs_enable(w, e[1], true), ECS_OK);
    assert_int_equal(sum_of(qa), 15);
    /* through commands */
    ecs_cmd_buffer_t *buf = ecs_cmd_buffer_new(w);
    assert_int_equal(ecs_cmd_enable(buf, e[3], false), ECS_OK);
    ecs_entity_t p = ecs_cmd_create(buf);
    assert_int_equal(ecs_cmd_set(buf, p, a, &(int32_t){100}), ECS_OK);
    assert_int_equal(ecs_cmd_enable(buf, p, false), ECS_OK);
    assert_int_equal(ecs_cmd_buffer_apply(buf, NULL), ECS_OK);
    assert_int_equal(sum_of(qa), 7);
    /* bad input */
    ecs_entity_t dead = ecs_entity_create(w);
    assert_int_equal(ecs_entity_destroy(w, dead), ECS_OK);
    assert_int_equal(ecs_enable(w, dead, false), ECS_ERR_STALE_ENTITY);
    assert_int_equal(ecs_cmd_enable(buf, dead, false), ECS_ERR_STALE_ENTITY);
    assert_int_equal(ecs_enable(NULL, e[0], false), ECS_ERR_INVALID_ARGUMENT);
    assert_false(ecs_is_enabled(w, dead));
    ecs_cmd_buffer_free(buf);
    ecs_world_free(w);
  }
}

static void test_disable_components(void **state) {
  (void)state;
  for (size_t k = 0; k < 2; ++k) {
    ecs_world_t *w = world_of(k);
    ecs_component_t a = ecs_component_register_type(w, "A", 4, 4);
    ecs_component_t b = ecs_component_register_type(w, "B", 4, 4);
    ecs_entity_t e[3];
    for (int32_t i = 0; i < 3; ++i) {
      e[i] = ecs_entity_create(w);
      int32_t v = 1 << i;
      assert_int_equal(ecs_set(w, e[i], a, &v), ECS_OK);
      assert_int_equal(ecs_set(w, e[i], b, &v), ECS_OK);
    }
    ecs_query_t *qa = ecs_query_new(w, &(ecs_query_desc_t){.terms = {{a, ECS_ACCESS_READ}}});
    ecs_query_t *qb = ecs_query_new(w, &(ecs_query_desc_t){.terms = {{b, ECS_ACCESS_READ}}});
    assert_int_equal(ecs_enable_component(w, e[0], a, false), ECS_OK);
    assert_false(ecs_is_component_enabled(w, e[0], a));
    assert_true(ecs_is_component_enabled(w, e[0], b));
    assert_true(ecs_has(w, e[0], a));
    assert_int_equal(sum_of(qa), 6);
    assert_int_equal(sum_of(qb), 7); /* the entity's other components are seen */
    ecs_cmd_buffer_t *buf = ecs_cmd_buffer_new(w);
    assert_int_equal(ecs_cmd_enable_component(buf, e[0], a, true), ECS_OK);
    assert_int_equal(ecs_cmd_enable_component(buf, e[2], b, false), ECS_OK);
    assert_int_equal(ecs_cmd_enable_component(buf, e[2], 999, false), ECS_ERR_UNKNOWN_COMPONENT);
    assert_int_equal(ecs_cmd_buffer_apply(buf, NULL), ECS_OK);
    assert_int_equal(sum_of(qa), 7);
    assert_int_equal(sum_of(qb), 3);
    /* bad input */
    assert_int_equal(ecs_enable_component(w, e[0], 999, false), ECS_ERR_UNKNOWN_COMPONENT);
    assert_int_equal(ecs_enable_component(w, e[0], ecs_disabled_tag(w), false), ECS_ERR_INVALID_ARGUMENT);
    /* saved in snapshots */
    ecs_membuf_t mb = {0};
    ecs_writer_t out = ecs_membuf_writer(&mb);
    assert_int_equal(ecs_snapshot_save(w, &out), ECS_OK);
    uint64_t sum = ecs_world_checksum(w);
    assert_int_equal(ecs_enable_component(w, e[2], b, true), ECS_OK);
    assert_int_equal(ecs_enable(w, e[1], false), ECS_OK);
    ecs_memsrc_t src = {mb.data, mb.size, 0};
    ecs_reader_t in = ecs_memreader(&src);
    assert_int_equal(ecs_snapshot_load(w, &in), ECS_OK);
    assert_int_equal(ecs_world_checksum(w), sum);
    assert_false(ecs_is_component_enabled(w, e[2], b));
    assert_true(ecs_is_enabled(w, e[1]));
    assert_int_equal(sum_of(qb), 3);
    /* a fresh world registers the built-in tags as it loads */
    assert_int_equal(ecs_enable(w, e[1], false), ECS_OK);
    ecs_membuf_reset(&mb);
    assert_int_equal(ecs_snapshot_save(w, &out), ECS_OK);
    uint64_t sum2 = ecs_world_checksum(w);
    ecs_world_t *w2 = world_of(k);
    ecs_component_t a2 = ecs_component_register_type(w2, "A", 4, 4);
    ecs_component_t b2 = ecs_component_register_type(w2, "B", 4, 4);
    ecs_memsrc_t src2 = {mb.data, mb.size, 0};
    ecs_reader_t in2 = ecs_memreader(&src2);
    assert_int_equal(ecs_snapshot_load(w2, &in2), ECS_OK);
    assert_int_equal(ecs_world_checksum(w2), sum2);
    assert_false(ecs_is_enabled(w2, e[1]));
    assert_false(ecs_is_component_enabled(w2, e[2], b2));
    ecs_query_t *q2 = ecs_query_new(w2, &(ecs_query_desc_t){.terms = {{b2, ECS_ACCESS_READ}}});
    assert_int_equal(sum_of(q2), 1); /* e[1] disabled, B off on e[2] */
    (void)a2;
    ecs_world_free(w2);
    ecs_membuf_free(&mb);
    ecs_cmd_buffer_free(buf);
    ecs_world_free(w);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_disable_entities),
      cmocka_unit_test(test_disable_components),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
