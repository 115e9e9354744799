/* The typed C API (typed.h) and the sized entry points: ids, sizes and types
 * tied together, per world; a size mismatch is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "ecs.h"
#include "support/log_capture.h"

typedef struct Position {
  float x, y;
} Position;

typedef struct Velocity {
  float dx, dy;
} Velocity;

typedef struct Health {
  int32_t hp;
} Health;

typedef struct Transform {
  float m[16];
} Transform;

typedef struct Counted {
  int32_t value;
} Counted;

/* The declarations would sit in a header shared by several .c files. */
ECS_DECLARE(Position);
ECS_DECLARE(Velocity);
ECS_DECLARE(Health);
ECS_DECLARE(Transform);
ECS_DECLARE(Counted);
ECS_DECLARE(Frozen);
ECS_DECLARE(Marked);

ECS_DEFINE(Position);
ECS_DEFINE(Velocity);
ECS_DEFINE(Health);
ECS_DEFINE(Transform);
ECS_DEFINE_TAG(Frozen);

/* A type with the rest of its definition: SPARSE storage and a ctor. */
static int counted_ctors;
static void counted_ctor(void *ptr, int32_t count, void *user) {
  (void)user;
  for (int32_t i = 0; i < count; ++i) {
    ((Counted *)ptr)[i].value = 7;
  }
  counted_ctors += count;
}
static const ecs_component_desc_t counted_desc = {.storage = ECS_STORAGE_SPARSE, .hooks = {.ctor = counted_ctor}};
ECS_DEFINE_WITH(Counted, &counted_desc);
static const ecs_component_desc_t marked_desc = {.storage = ECS_STORAGE_SPARSE};
ECS_DEFINE_TAG_WITH(Marked, &marked_desc);

/* ---- declare, define, register, use --------------------------------------- */

static void test_typed_roundtrip(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t pos = ECS_REGISTER(w, Position);
  assert_int_not_equal(pos, ECS_COMPONENT_NULL);
  assert_int_equal(ECS_REGISTER(w, Position), pos); /* again: the same id */
  assert_int_equal(ECS_ID(w, Position), pos);
  assert_string_equal(ecs_component_name(w, pos), "Position");
  assert_int_equal(ecs_component_size(w, pos), sizeof(Position));
  assert_int_not_equal(ECS_REGISTER(w, Velocity), ECS_COMPONENT_NULL);
  assert_int_not_equal(ECS_REGISTER(w, Frozen), ECS_COMPONENT_NULL);

  ecs_entity_t e = ecs_entity_create(w);
  assert_int_equal(ecs_set_t(w, e, Position, 1.0f, 2.0f), ECS_OK);
  assert_int_equal(ecs_set_t(w, e, Velocity, .dy = 3.0f), ECS_OK);
  const Position *p = ecs_get_t(w, e, Position);
  assert_non_null(p);
  assert_true(p->x == 1.0f && p->y == 2.0f);
  assert_ptr_equal(p, ecs_get(w, e, pos)); /* the same value as the untyped call sees */
  assert_true(ecs_get_t(w, e, Velocity)->dy == 3.0f);
  ecs_get_mut_t(w, e, Position)->x = 5.0f;
  assert_true(ecs_get_t(w, e, Position)->x == 5.0f);

  Position q = {8.0f, 9.0f};
  assert_int_equal(ecs_set_ptr_t(w, e, Position, &q), ECS_OK);
  const Position *cq = &q;
  assert_int_equal(ecs_set_ptr_t(w, e, Position, cq), ECS_OK); /* a const T * is fine too */
  assert_true(ecs_get_t(w, e, Position)->y == 9.0f);

  assert_false(ecs_has_t(w, e, Frozen));
  assert_int_equal(ecs_add_t(w, e, Frozen), ECS_OK);
  assert_true(ecs_has_t(w, e, Frozen));
  assert_int_equal(ecs_remove_t(w, e, Frozen), ECS_OK);
  assert_false(ecs_has_t(w, e, Frozen));
  assert_int_equal(ecs_remove_t(w, e, Velocity), ECS_OK);
  assert_null(ecs_get_t(w, e, Velocity));
  assert_int_equal(ecs_add_t(w, e, Velocity), ECS_OK); /* zero-initialised */
  assert_true(ecs_get_t(w, e, Velocity)->dx == 0.0f);
  ecs_world_free(w);
}

static void test_define_with_desc_and_tag(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t c = ECS_REGISTER(w, Counted);
  assert_int_equal(ecs_component_storage(w, c), ECS_STORAGE_SPARSE);
  ecs_entity_t e = ecs_entity_create(w);
  counted_ctors = 0;
  assert_int_equal(ecs_add_t(w, e, Counted), ECS_OK);
  assert_int_equal(counted_ctors, 1);
  assert_int_equal(ecs_get_t(w, e, Counted)->value, 7);

  ecs_component_t frozen = ECS_REGISTER(w, Frozen);
  assert_int_equal(ecs_component_size(w, frozen), 0);
  assert_int_equal(ecs_component_storage(w, frozen), ECS_STORAGE_ARCHETYPE);

  /* a tag with a definition of its own keeps its storage and stays size 0 */
  ecs_component_t marked = ECS_REGISTER(w, Marked);
  assert_int_equal(ecs_component_size(w, marked), 0);
  assert_int_equal(ecs_component_storage(w, marked), ECS_STORAGE_SPARSE);
  assert_int_equal(ecs_add_t(w, e, Marked), ECS_OK);
  assert_true(ecs_has_t(w, e, Marked));
  ecs_world_free(w);
}

/* ---- refusals -------------------------------------------------------------- */

static void test_set_sized_refuses_size_mismatch(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t transform = ECS_REGISTER(w, Transform);
  ecs_entity_t e = ecs_entity_create(w);
  Health health = {100};
  /* the bug typed calls exist for: a 4-byte value for a 64-byte component */
  assert_int_equal(ecs_set_sized(w, e, transform, &health, sizeof health), ECS_ERR_TYPE_MISMATCH);
  assert_int_equal(ecs_last_status(w), ECS_ERR_TYPE_MISMATCH);
  assert_non_null(strstr(ecs_last_error(w), "'Transform'"));
  assert_non_null(strstr(ecs_last_error(w), "64 bytes"));
  assert_non_null(strstr(ecs_last_error(w), "4 bytes"));
  assert_false(ecs_has(w, e, transform)); /* nothing changed */
  assert_string_equal(ecs_err_name(ECS_ERR_TYPE_MISMATCH), "ERR_TYPE_MISMATCH");

  /* the right size goes through; a tag takes size 0 and no value */
  Transform t = {{1.0f}};
  assert_int_equal(ecs_set_sized(w, e, transform, &t, sizeof t), ECS_OK);
  ecs_component_t frozen = ECS_REGISTER(w, Frozen);
  assert_int_equal(ecs_set_sized(w, e, frozen, NULL, 0), ECS_OK);
  assert_true(ecs_has(w, e, frozen));
  assert_int_equal(ecs_set_sized(w, e, frozen, &t, sizeof t), ECS_ERR_TYPE_MISMATCH);

  /* typed: a value whose size is not the type's */
  assert_int_equal(ecs_set_typed(w, e, ECS_TYPE(Transform), &health, sizeof health), ECS_ERR_TYPE_MISMATCH);
  assert_non_null(strstr(ecs_last_error(w), "'Transform'"));

  /* unknown ids and stale entities answer as ecs_set() does */
  assert_int_equal(ecs_set_sized(w, e, 999, &t, sizeof t), ECS_ERR_UNKNOWN_COMPONENT);
  ecs_entity_destroy(w, e);
  assert_int_equal(ecs_set_sized(w, e, transform, &t, sizeof t), ECS_ERR_STALE_ENTITY);
  assert_int_equal(ecs_set_sized(NULL, e, transform, &t, sizeof t), ECS_ERR_INVALID_ARGUMENT);
  ecs_world_free(w);
}

static void test_unregistered_and_clashing_types(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_entity_t e = ecs_entity_create(w);
  /* never registered in this world: refused, named */
  assert_int_equal(ecs_set_t(w, e, Position, 1.0f, 2.0f), ECS_ERR_UNKNOWN_COMPONENT);
  assert_non_null(strstr(ecs_last_error(w), "'Position'"));
  assert_int_equal(ECS_ID(w, Position), ECS_COMPONENT_NULL);
  assert_null(ecs_get_t(w, e, Position));
  assert_false(ecs_has_t(w, e, Position));
  assert_int_equal(ecs_add_t(w, e, Position), ECS_ERR_UNKNOWN_COMPONENT);
  assert_int_equal(ecs_remove_t(w, e, Position), ECS_ERR_UNKNOWN_COMPONENT);

  /* a component of the same name and another size (another definition of
   * the struct in some other part of the program): every typed call refuses */
  ecs_component_t other = ecs_component_register_type(w, "Position", 12, 4);
  assert_int_not_equal(other, ECS_COMPONENT_NULL);
  assert_int_equal(ECS_ID(w, Position), ECS_COMPONENT_NULL);
  assert_int_equal(ecs_last_status(w), ECS_ERR_TYPE_MISMATCH);
  assert_non_null(strstr(ecs_last_error(w), "8 bytes"));
  assert_non_null(strstr(ecs_last_error(w), "12 bytes"));
  assert_int_equal(ecs_set_t(w, e, Position, 1.0f, 2.0f), ECS_ERR_TYPE_MISMATCH);
  assert_false(ecs_has(w, e, other));
  assert_int_equal(ECS_REGISTER(w, Position), ECS_COMPONENT_NULL); /* a duplicate */
  assert_int_equal(ecs_last_status(w), ECS_ERR_DUPLICATE);

  /* NULL arguments */
  assert_int_equal(ecs_type_id(NULL, ECS_TYPE(Position)), ECS_COMPONENT_NULL);
  assert_int_equal(ecs_type_id(w, NULL), ECS_COMPONENT_NULL);
  assert_int_equal(ecs_last_status(w), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_type_register(w, NULL), ECS_COMPONENT_NULL);
  assert_int_equal(ecs_type_lookup(NULL, ECS_TYPE(Position)), ECS_COMPONENT_NULL);
  assert_int_equal(ecs_set_typed(NULL, e, ECS_TYPE(Position), NULL, 0), ECS_ERR_INVALID_ARGUMENT);
  assert_null(ecs_get_typed(NULL, e, ECS_TYPE(Position)));
  assert_false(ecs_has_typed(NULL, e, ECS_TYPE(Position)));
  assert_int_equal(ecs_add_typed(NULL, e, ECS_TYPE(Position)), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_remove_typed(NULL, e, ECS_TYPE(Position)), ECS_ERR_INVALID_ARGUMENT);
  ecs_world_free(w);
}

/* ---- several worlds -------------------------------------------------------- */

static void test_ids_per_world(void **state) {
  (void)state;
  /* registered in opposite orders: the same type has different ids */
  ecs_world_t *a = ecs_world_new(NULL);
  ecs_world_t *b = ecs_world_new(NULL);
  ecs_component_t pa = ECS_REGISTER(a, Position);
  ecs_component_t va = ECS_REGISTER(a, Velocity);
  ecs_component_t vb = ECS_REGISTER(b, Velocity);
  ecs_component_t hb = ECS_REGISTER(b, Health);
  ecs_component_t pb = ECS_REGISTER(b, Position);
  assert_int_not_equal(pa, pb);
  assert_int_not_equal(va, vb);
  assert_int_equal(pa, vb); /* id 1 is Position in a, Velocity in b */
  ecs_entity_t ea = ecs_entity_create(a);
  ecs_entity_t eb = ecs_entity_create(b);
  /* alternate between the worlds: the cached id is checked on every use */
  for (int i = 0; i < 4; ++i) {
    assert_int_equal(ecs_set_t(a, ea, Position, (float)i, 0.0f), ECS_OK);
    assert_int_equal(ecs_set_t(b, eb, Position, 0.0f, (float)i), ECS_OK);
    assert_int_equal(ECS_ID(a, Position), pa);
    assert_int_equal(ECS_ID(b, Position), pb);
  }
  assert_true(ecs_get_t(a, ea, Position)->x == 3.0f);
  assert_true(ecs_get_t(b, eb, Position)->y == 3.0f);
  assert_false(ecs_has(b, eb, vb)); /* nor Health: the ids of a never reached b */
  assert_false(ecs_has(b, eb, hb));

  /* a world that does not know the type while another does */
  ecs_world_t *c = ecs_world_new(NULL);
  ecs_component_t hc = ECS_REGISTER(c, Health); /* id 1, as Position in a */
  ecs_entity_t ec = ecs_entity_create(c);
  assert_int_equal(ECS_ID(a, Position), pa); /* the hint now says 1 */
  assert_int_equal(ecs_set_t(c, ec, Position, 1.0f, 1.0f), ECS_ERR_UNKNOWN_COMPONENT);
  assert_false(ecs_has(c, ec, hc));
  ecs_world_free(c);
  ecs_world_free(b);
  ecs_world_free(a);
}

/* ---- queries --------------------------------------------------------------- */

static void test_typed_fields(void **state) {
  (void)state;
  log_capture_t log = {0};
  ecs_world_desc_t wd = {.log = capture_log, .log_user = &log};
  ecs_world_t *w = ecs_world_new(&wd);
  ecs_component_t pos = ECS_REGISTER(w, Position);
  ecs_component_t vel = ECS_REGISTER(w, Velocity);
  ECS_REGISTER(w, Transform);
  for (int i = 0; i < 5; ++i) {
    ecs_entity_t e = ecs_entity_create(w);
    ecs_set_t(w, e, Position, (float)i, 0.0f);
    ecs_set_t(w, e, Velocity, 1.0f, 0.5f);
  }
  ecs_query_t *q = ecs_query_new(w, &(ecs_query_desc_t){.terms = {{pos, ECS_ACCESS_WRITE}, {vel, ECS_ACCESS_READ}}});
  int rows = 0;
  ecs_iter_t it = ecs_query_iter(q);
  while (ecs_iter_next(&it)) {
    Position *p = ecs_field_t(&it, Position, 0);
    const Velocity *v = ecs_field_t(&it, Velocity, 1);
    assert_non_null(p);
    assert_non_null(v);
    for (int32_t i = 0; i < it.count; ++i) {
      p[i].x += v[i].dx;
      assert_ptr_equal(ecs_field_at_t(&it, Position, 0, i), &p[i]);
      ++rows;
    }
  }
  assert_int_equal(rows, 5);
  assert_int_equal(log.count, 0);

  /* the wrong type for a term: NULL, an ERROR naming both */
  it = ecs_query_iter(q);
  assert_true(ecs_iter_next(&it));
  assert_null(ecs_field_typed(&it, 1, ECS_TYPE(Position)));
  assert_int_equal(log.count, 1);
  assert_int_equal(log.level, ECS_LOG_ERROR);
  assert_non_null(strstr(log.last, "term 1 is component 'Velocity'"));
  assert_non_null(strstr(log.last, "not type 'Position'"));
  assert_int_equal(ecs_last_status(w), ECS_ERR_TYPE_MISMATCH);
  /* another size too, and a type the term's entities do not have */
  assert_null(ecs_field_typed(&it, 0, ECS_TYPE(Transform)));
  assert_non_null(strstr(log.last, "(64 bytes"));
  assert_null(ecs_field_at_typed(&it, 0, 0, ECS_TYPE(Velocity)));
  assert_null(ecs_field_at_typed(&it, 0, 99, ECS_TYPE(Position))); /* a row out of range */
  assert_null(ecs_field_typed(&it, 7, ECS_TYPE(Position)));        /* a term out of range */
  while (ecs_iter_next(&it)) {
  }
  assert_null(ecs_field_typed(NULL, 0, ECS_TYPE(Position)));
  ecs_world_free(w);
}

/* A system reads its fields through the typed accessor; a wrong type in a
 * system fails the run (NULL field) and records nothing during the tick. */
static ecs_status_t sys_move(ecs_system_ctx_t *ctx) {
  while (ecs_iter_next(&ctx->it)) {
    Position *p = ecs_field_t(&ctx->it, Position, 0);
    const Velocity *v = ecs_field_t(&ctx->it, Velocity, 1);
    if (!p || !v) {
      return ECS_ERR_TYPE_MISMATCH;
    }
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      p[i].x += v[i].dx;
      if (ecs_cmd_set_t(ctx->commands, ctx->it.entities[i], Health, (int32_t)p[i].x) != ECS_OK) {
        return ECS_ERR_NO_MEMORY;
      }
    }
  }
  return ECS_OK;
}

static void test_typed_in_systems_and_commands(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t pos = ECS_REGISTER(w, Position);
  ecs_component_t vel = ECS_REGISTER(w, Velocity);
  ECS_REGISTER(w, Health);
  ECS_REGISTER(w, Frozen);
  ecs_cmd_buffer_t *buf = ecs_cmd_buffer_new(w);
  ecs_entity_t made = ecs_cmd_create(buf);
  assert_int_equal(ecs_cmd_set_t(buf, made, Position, 2.0f, 0.0f), ECS_OK);
  Velocity v = {1.0f, 0.0f};
  assert_int_equal(ecs_cmd_set_ptr_t(buf, made, Velocity, &v), ECS_OK);
  assert_int_equal(ecs_cmd_add_t(buf, made, Frozen), ECS_OK);
  assert_int_equal(ecs_cmd_remove_t(buf, made, Frozen), ECS_OK);
  /* refusals are recorded in the buffer, never in the world */
  Health h = {1};
  assert_int_equal(ecs_cmd_set_sized(buf, made, pos, &h, sizeof h), ECS_ERR_TYPE_MISMATCH);
  assert_non_null(strstr(ecs_cmd_buffer_last_error(buf), "'Position' is 8 bytes, the value 4 bytes"));
  assert_int_equal(ecs_cmd_set_typed(buf, made, ECS_TYPE(Position), &h, sizeof h), ECS_ERR_TYPE_MISMATCH);
  assert_int_equal(ecs_cmd_set_t(buf, made, Transform, {0}), ECS_ERR_UNKNOWN_COMPONENT);
  assert_non_null(strstr(ecs_cmd_buffer_last_error(buf), "'Transform' is not registered"));
  assert_int_equal(ecs_cmd_add_t(buf, made, Transform), ECS_ERR_UNKNOWN_COMPONENT);
  assert_int_equal(ecs_cmd_remove_typed(buf, made, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_cmd_add_typed(NULL, made, ECS_TYPE(Frozen)), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_cmd_set_sized(NULL, made, pos, &h, sizeof h), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_cmd_buffer_count(buf), 5);
  assert_int_equal(ecs_last_status(w), ECS_OK);
  assert_int_equal(ecs_cmd_buffer_apply(buf, NULL), ECS_OK);
  ecs_entity_t e = ecs_cmd_buffer_resolve(buf, made);
  assert_true(ecs_get_t(w, e, Position)->x == 2.0f);
  assert_false(ecs_has_t(w, e, Frozen));
  ecs_cmd_buffer_free(buf);

  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "sim"});
  ecs_builder_add_system(b, g,
                         &(ecs_system_desc_t){.name = "move",
                                              .callback = sys_move,
                                              .query.terms = {{pos, ECS_ACCESS_WRITE}, {vel, ECS_ACCESS_READ}}});
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  assert_int_equal(ecs_scheduler_tick(s, 0.016, NULL), ECS_OK);
  assert_true(ecs_get_t(w, e, Position)->x == 3.0f);
  assert_int_equal(ecs_get_t(w, e, Health)->hp, 3);
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_typed_roundtrip),
      cmocka_unit_test(test_define_with_desc_and_tag),
      cmocka_unit_test(test_set_sized_refuses_size_mismatch),
      cmocka_unit_test(test_unregistered_and_clashing_types),
      cmocka_unit_test(test_ids_per_world),
      cmocka_unit_test(test_typed_fields),
      cmocka_unit_test(test_typed_in_systems_and_commands),
  };
  return cmocka_run_group_tests_name("typed", tests, NULL, NULL);
}
