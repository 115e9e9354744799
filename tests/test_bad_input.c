/* Bad input: every public call with a NULL world, NULL descriptor, stale or
 * null entity, or unknown component returns its documented error and leaves
 * the world consistent and usable. */
#define _POSIX_C_SOURCE 200809L /* platform/platform.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ecs.h"
#include "platform/platform.h" /* ECS__PLATFORM_THREADS */

typedef struct position_t {
  float x, y;
} position_t;

typedef struct fx_t {
  ecs_world_t *w;
  ecs_component_t pos, tag;
  ecs_entity_t live, stale;
  ecs_query_t *q;
  ecs_cmd_buffer_t *buf;
} fx_t;

#define UNKNOWN_C ((ecs_component_t)999)
#define NEVER_CREATED ECS_ENTITY_MAKE(9999, 0)

static void fx_init(fx_t *f) {
  f->w = ecs_world_new(NULL);
  assert_non_null(f->w);
  f->pos = ECS_COMPONENT(f->w, position_t);
  f->tag = ecs_component_register_type(f->w, "tag", 0, 0);
  f->live = ecs_entity_create(f->w);
  assert_int_equal(ecs_set(f->w, f->live, f->pos, &(position_t){1, 2}), ECS_OK);
  f->stale = ecs_entity_create(f->w);
  assert_int_equal(ecs_set(f->w, f->stale, f->pos, &(position_t){3, 4}), ECS_OK);
  assert_int_equal(ecs_entity_destroy(f->w, f->stale), ECS_OK);
  f->q = ecs_query_new(f->w, &(ecs_query_desc_t){{{f->pos, ECS_ACCESS_READ}}});
  assert_non_null(f->q);
  f->buf = ecs_cmd_buffer_new(f->w);
  assert_non_null(f->buf);
  assert_int_equal(ecs_last_status(f->w), ECS_OK);
}

static void fx_fini(fx_t *f) {
  ecs_cmd_buffer_free(f->buf);
  ecs_world_free(f->w);
}

/* The world is as fx_init left it, and still works. */
static void fx_check_usable(fx_t *f, const char *call) {
  const position_t *p = ecs_get(f->w, f->live, f->pos);
  if (!ecs_entity_alive(f->w, f->live) || !p || p->x != 1 || p->y != 2 || ecs_entity_alive(f->w, f->stale) ||
      ecs_entity_count(f->w) != 1 || ecs_component_count(f->w, f->pos) != 1) {
    fail_msg("%s: world state changed", call);
  }
  ecs_entity_t e = ecs_entity_create(f->w);
  if (!e || ecs_add(f->w, e, f->pos) != ECS_OK || ecs_add(f->w, e, f->tag) != ECS_OK || ecs_query_count(f->q) != 2 ||
      strcmp(ecs_last_error(f->w), "") != 0) {
    fail_msg("%s: world no longer usable: %s", call, ecs_last_error(f->w));
  }
  ecs_query_t *q2 = ecs_query_new(f->w, &(ecs_query_desc_t){{{f->pos, ECS_ACCESS_READ}, {f->tag, ECS_ACCESS_WITH}}});
  if (!q2 || ecs_query_count(q2) != 1 || ecs_entity_destroy(f->w, e) != ECS_OK) {
    fail_msg("%s: query or destroy failed afterwards", call);
  }
}

/* calls that need statements */
static int64_t iter_null_query(void) {
  ecs_iter_t it = ecs_query_iter(NULL);
  return ecs_iter_next(&it) || it.count != 0;
}

static int64_t frees_null(void) {
  ecs_query_free(NULL);
  ecs_world_free(NULL);
  ecs_cmd_buffer_free(NULL);
  ecs_scheduler_builder_free(NULL);
  ecs_scheduler_free(NULL);
  return 0;
}

static int64_t register_vtable_without_get(fx_t *f) {
  ecs_storage_vtable_t vt = *ecs_storage_dense_vtable();
  vt.get = NULL;
  ecs_storage_kind_t kind;
  return ecs_storage_register(f->w, &vt, &kind);
}

static int64_t register_vtable_without_name(fx_t *f) {
  ecs_storage_vtable_t vt = *ecs_storage_dense_vtable();
  vt.name = NULL;
  ecs_storage_kind_t kind;
  return ecs_storage_register(f->w, &vt, &kind);
}

static const position_t origin = {0, 0};
static ecs_storage_kind_t out_kind;

/* X(name, expression evaluated with fixture f, expected value, world's last
 * status afterwards). Pointers are compared as "is NULL" (1) or not (0);
 * calls on a NULL world leave the fixture's world at ECS_OK. */
#define BAD_CASES(X)                                                                                                   \
  X(world_create_null_out, ecs_world_create(NULL, NULL), ECS_ERR_INVALID_ARGUMENT, ECS_OK)                             \
  X(last_error_null_world, ecs_last_error(NULL) != NULL && ecs_last_error(NULL)[0] != '\0', 1, ECS_OK)                 \
  X(last_status_null_world, ecs_last_status(NULL), ECS_ERR_INVALID_ARGUMENT, ECS_OK)                                   \
  X(free_null, frees_null(), 0, ECS_OK)                                                                                \
  X(entity_create_null_world, ecs_entity_create(NULL), ECS_ENTITY_NULL, ECS_OK)                                        \
  X(entity_destroy_null_world, ecs_entity_destroy(NULL, f->live), ECS_ERR_INVALID_ARGUMENT, ECS_OK)                    \
  X(entity_destroy_stale, ecs_entity_destroy(f->w, f->stale), ECS_ERR_STALE_ENTITY, ECS_ERR_STALE_ENTITY)              \
  X(entity_destroy_null_entity, ecs_entity_destroy(f->w, ECS_ENTITY_NULL), ECS_ERR_STALE_ENTITY, ECS_ERR_STALE_ENTITY) \
  X(entity_destroy_never_created, ecs_entity_destroy(f->w, NEVER_CREATED), ECS_ERR_STALE_ENTITY, ECS_ERR_STALE_ENTITY) \
  X(entity_alive_null_world, ecs_entity_alive(NULL, f->live), false, ECS_OK)                                           \
  X(entity_alive_stale, ecs_entity_alive(f->w, f->stale), false, ECS_OK)                                               \
  X(entity_alive_null_entity, ecs_entity_alive(f->w, ECS_ENTITY_NULL), false, ECS_OK)                                  \
  X(entity_count_null_world, ecs_entity_count(NULL), 0, ECS_OK)                                                        \
  X(register_null_world, ecs_component_register(NULL, &(ecs_component_desc_t){.name = "n"}), 0, ECS_OK)                \
  X(register_null_desc, ecs_component_register(f->w, NULL), 0, ECS_ERR_INVALID_ARGUMENT)                               \
  X(register_null_name, ecs_component_register(f->w, &(ecs_component_desc_t){.size = 4}), 0, ECS_ERR_INVALID_ARGUMENT) \
  X(register_duplicate, ecs_component_register(f->w, &(ecs_component_desc_t){.name = "position_t", .size = 4}), 0,     \
    ECS_ERR_DUPLICATE)                                                                                                 \
  X(register_type_null_world, ecs_component_register_type(NULL, "n", 4, 0), 0, ECS_OK)                                 \
  X(register_type_null_name, ecs_component_register_type(f->w, NULL, 4, 0), 0, ECS_ERR_INVALID_ARGUMENT)               \
  X(lookup_null_world, ecs_component_lookup(NULL, "position_t"), 0, ECS_OK)                                            \
  X(lookup_null_name, ecs_component_lookup(f->w, NULL), 0, ECS_OK)                                                     \
  X(lookup_unknown, ecs_component_lookup(f->w, "nope"), 0, ECS_OK)                                                     \
  X(name_null_world, ecs_component_name(NULL, f->pos) == NULL, 1, ECS_OK)                                              \
  X(name_unknown, ecs_component_name(f->w, UNKNOWN_C) == NULL, 1, ECS_OK)                                              \
  X(name_null_component, ecs_component_name(f->w, ECS_COMPONENT_NULL) == NULL, 1, ECS_OK)                              \
  X(size_null_world, ecs_component_size(NULL, f->pos), 0, ECS_OK)                                                      \
  X(size_unknown, ecs_component_size(f->w, UNKNOWN_C), 0, ECS_OK)                                                      \
  X(count_null_world, ecs_component_count(NULL, f->pos), 0, ECS_OK)                                                    \
  X(count_unknown, ecs_component_count(f->w, UNKNOWN_C), 0, ECS_OK)                                                    \
  X(memory_null_world, ecs_component_memory(NULL, f->pos), 0, ECS_OK)                                                  \
  X(memory_unknown, ecs_component_memory(f->w, UNKNOWN_C), 0, ECS_OK)                                                  \
  X(add_null_world, ecs_add(NULL, f->live, f->tag), ECS_ERR_INVALID_ARGUMENT, ECS_OK)                                  \
  X(add_stale, ecs_add(f->w, f->stale, f->tag), ECS_ERR_STALE_ENTITY, ECS_ERR_STALE_ENTITY)                            \
  X(add_null_entity, ecs_add(f->w, ECS_ENTITY_NULL, f->tag), ECS_ERR_STALE_ENTITY, ECS_ERR_STALE_ENTITY)               \
  X(add_unknown, ecs_add(f->w, f->live, UNKNOWN_C), ECS_ERR_UNKNOWN_COMPONENT, ECS_ERR_UNKNOWN_COMPONENT)              \
  X(add_null_component, ecs_add(f->w, f->live, ECS_COMPONENT_NULL), ECS_ERR_UNKNOWN_COMPONENT,                         \
    ECS_ERR_UNKNOWN_COMPONENT)                                                                                         \
  X(set_null_world, ecs_set(NULL, f->live, f->pos, &origin), ECS_ERR_INVALID_ARGUMENT, ECS_OK)                         \
  X(set_stale, ecs_set(f->w, f->stale, f->pos, &origin), ECS_ERR_STALE_ENTITY, ECS_ERR_STALE_ENTITY)                   \
  X(set_null_entity, ecs_set(f->w, ECS_ENTITY_NULL, f->pos, &origin), ECS_ERR_STALE_ENTITY, ECS_ERR_STALE_ENTITY)      \
  X(set_unknown, ecs_set(f->w, f->live, UNKNOWN_C, &origin), ECS_ERR_UNKNOWN_COMPONENT, ECS_ERR_UNKNOWN_COMPONENT)     \
  X(set_null_value, ecs_set(f->w, f->live, f->pos, NULL), ECS_ERR_INVALID_ARGUMENT, ECS_ERR_INVALID_ARGUMENT)          \
  X(remove_null_world, ecs_remove(NULL, f->live, f->pos), ECS_ERR_INVALID_ARGUMENT, ECS_OK)                            \
  X(remove_stale, ecs_remove(f->w, f->stale, f->pos), ECS_ERR_STALE_ENTITY, ECS_ERR_STALE_ENTITY)                      \
  X(remove_null_entity, ecs_remove(f->w, ECS_ENTITY_NULL, f->pos), ECS_ERR_STALE_ENTITY, ECS_ERR_STALE_ENTITY)         \
  X(remove_unknown, ecs_remove(f->w, f->live, UNKNOWN_C), ECS_ERR_UNKNOWN_COMPONENT, ECS_ERR_UNKNOWN_COMPONENT)        \
  X(get_null_world, ecs_get(NULL, f->live, f->pos) == NULL, 1, ECS_OK)                                                 \
  X(get_stale, ecs_get(f->w, f->stale, f->pos) == NULL, 1, ECS_ERR_STALE_ENTITY)                                       \
  X(get_null_entity, ecs_get(f->w, ECS_ENTITY_NULL, f->pos) == NULL, 1, ECS_ERR_STALE_ENTITY)                          \
  X(get_unknown, ecs_get(f->w, f->live, UNKNOWN_C) == NULL, 1, ECS_ERR_UNKNOWN_COMPONENT)                              \
  X(has_null_world, ecs_has(NULL, f->live, f->pos), false, ECS_OK)                                                     \
  X(has_stale, ecs_has(f->w, f->stale, f->pos), false, ECS_OK)                                                         \
  X(has_null_entity, ecs_has(f->w, ECS_ENTITY_NULL, f->pos), false, ECS_OK)                                            \
  X(has_unknown, ecs_has(f->w, f->live, UNKNOWN_C), false, ECS_OK)                                                     \
  X(query_new_null_world, ecs_query_new(NULL, &(ecs_query_desc_t){{{f->pos, ECS_ACCESS_READ}}}) == NULL, 1, ECS_OK)    \
  X(query_new_null_desc, ecs_query_new(f->w, NULL) == NULL, 1, ECS_ERR_INVALID_ARGUMENT)                               \
  X(query_new_empty, ecs_query_new(f->w, &(ecs_query_desc_t){0}) == NULL, 1, ECS_ERR_INVALID_ARGUMENT)                 \
  X(query_new_unknown, ecs_query_new(f->w, &(ecs_query_desc_t){{{UNKNOWN_C, ECS_ACCESS_READ}}}) == NULL, 1,            \
    ECS_ERR_UNKNOWN_COMPONENT)                                                                                         \
  X(query_term_count_null, ecs_query_term_count(NULL), 0, ECS_OK)                                                      \
  X(query_count_null, ecs_query_count(NULL), 0, ECS_OK)                                                                \
  X(query_iter_null, iter_null_query(), 0, ECS_OK)                                                                     \
  X(iter_next_null, ecs_iter_next(NULL), false, ECS_OK)                                                                \
  X(field_null, ecs_field(NULL, 0) == NULL, 1, ECS_OK)                                                                 \
  X(field_at_null, ecs_field_at(NULL, 0, 0) == NULL, 1, ECS_OK)                                                        \
  X(storage_register_null_world, ecs_storage_register(NULL, ecs_storage_dense_vtable(), &out_kind),                    \
    ECS_ERR_INVALID_ARGUMENT, ECS_OK)                                                                                  \
  X(storage_register_null_vtable, ecs_storage_register(f->w, NULL, &out_kind), ECS_ERR_INVALID_ARGUMENT,               \
    ECS_ERR_INVALID_ARGUMENT)                                                                                          \
  X(storage_register_null_out, ecs_storage_register(f->w, ecs_storage_dense_vtable(), NULL), ECS_ERR_INVALID_ARGUMENT, \
    ECS_ERR_INVALID_ARGUMENT)                                                                                          \
  X(storage_register_incomplete, register_vtable_without_get(f), ECS_ERR_INVALID_ARGUMENT, ECS_ERR_INVALID_ARGUMENT)   \
  X(storage_register_no_name, register_vtable_without_name(f), ECS_ERR_INVALID_ARGUMENT, ECS_ERR_INVALID_ARGUMENT)     \
  X(set_storage_null_world, ecs_component_set_storage(NULL, f->pos, ECS_STORAGE_DENSE), ECS_ERR_INVALID_ARGUMENT,      \
    ECS_OK)                                                                                                            \
  X(set_storage_unknown, ecs_component_set_storage(f->w, UNKNOWN_C, ECS_STORAGE_DENSE), ECS_ERR_UNKNOWN_COMPONENT,     \
    ECS_ERR_UNKNOWN_COMPONENT)                                                                                         \
  X(set_storage_unsupported, ecs_component_set_storage(f->w, f->pos, (ecs_storage_kind_t)99), ECS_ERR_UNSUPPORTED,     \
    ECS_ERR_UNSUPPORTED)                                                                                               \
  X(component_storage_null_world, ecs_component_storage(NULL, f->pos), ECS_STORAGE_DEFAULT, ECS_OK)                    \
  X(component_storage_unknown, ecs_component_storage(f->w, UNKNOWN_C), ECS_STORAGE_DEFAULT, ECS_OK)                    \
  X(checksum_null_world, ecs_world_checksum(NULL), 0, ECS_OK)                                                          \
  X(resource_set_null_world, ecs_resource_set(NULL, f->pos, &origin), ECS_ERR_INVALID_ARGUMENT, ECS_OK)                \
  X(resource_set_unknown, ecs_resource_set(f->w, UNKNOWN_C, &origin), ECS_ERR_UNKNOWN_COMPONENT,                       \
    ECS_ERR_UNKNOWN_COMPONENT)                                                                                         \
  X(resource_set_null_value, ecs_resource_set(f->w, f->pos, NULL), ECS_ERR_INVALID_ARGUMENT, ECS_ERR_INVALID_ARGUMENT) \
  X(resource_get_null_world, ecs_resource_get(NULL, f->pos) == NULL, 1, ECS_OK)                                        \
  X(resource_get_unknown, ecs_resource_get(f->w, UNKNOWN_C) == NULL, 1, ECS_OK)                                        \
  X(resource_has_null_world, ecs_resource_has(NULL, f->pos), false, ECS_OK)                                            \
  X(resource_has_unknown, ecs_resource_has(f->w, UNKNOWN_C), false, ECS_OK)                                            \
  X(resource_remove_null_world, ecs_resource_remove(NULL, f->pos), ECS_ERR_INVALID_ARGUMENT, ECS_OK)                   \
  X(resource_remove_unknown, ecs_resource_remove(f->w, UNKNOWN_C), ECS_ERR_UNKNOWN_COMPONENT,                          \
    ECS_ERR_UNKNOWN_COMPONENT)                                                                                         \
  X(cmd_buffer_new_null_world, ecs_cmd_buffer_new(NULL) == NULL, 1, ECS_OK)                                            \
  X(cmd_create_null_buffer, ecs_cmd_create(NULL), ECS_ENTITY_NULL, ECS_OK)                                             \
  X(cmd_destroy_null_buffer, ecs_cmd_destroy(NULL, f->live), ECS_ERR_INVALID_ARGUMENT, ECS_OK)                         \
  X(cmd_destroy_stale, ecs_cmd_destroy(f->buf, f->stale), ECS_ERR_STALE_ENTITY, ECS_OK)                                \
  X(cmd_add_null_buffer, ecs_cmd_add(NULL, f->live, f->pos), ECS_ERR_INVALID_ARGUMENT, ECS_OK)                         \
  X(cmd_add_stale, ecs_cmd_add(f->buf, f->stale, f->pos), ECS_ERR_STALE_ENTITY, ECS_OK)                                \
  X(cmd_add_null_entity, ecs_cmd_add(f->buf, ECS_ENTITY_NULL, f->pos), ECS_ERR_STALE_ENTITY, ECS_OK)                   \
  X(cmd_add_unknown, ecs_cmd_add(f->buf, f->live, UNKNOWN_C), ECS_ERR_UNKNOWN_COMPONENT, ECS_OK)                       \
  X(cmd_set_null_buffer, ecs_cmd_set(NULL, f->live, f->pos, &origin), ECS_ERR_INVALID_ARGUMENT, ECS_OK)                \
  X(cmd_set_null_value, ecs_cmd_set(f->buf, f->live, f->pos, NULL), ECS_ERR_INVALID_ARGUMENT, ECS_OK)                  \
  X(cmd_remove_null_buffer, ecs_cmd_remove(NULL, f->live, f->pos), ECS_ERR_INVALID_ARGUMENT, ECS_OK)                   \
  X(cmd_remove_unknown, ecs_cmd_remove(f->buf, f->live, UNKNOWN_C), ECS_ERR_UNKNOWN_COMPONENT, ECS_OK)                 \
  X(cmd_buffer_count_null, ecs_cmd_buffer_count(NULL), 0, ECS_OK)                                                      \
  X(cmd_buffer_apply_null, ecs_cmd_buffer_apply(NULL, NULL), ECS_ERR_INVALID_ARGUMENT, ECS_OK)                         \
  X(scheduler_builder_new_null_world, ecs_scheduler_builder_new(NULL) == NULL, 1, ECS_OK)                              \
  X(scheduler_tick_null, ecs_scheduler_tick(NULL, 0.0, NULL), ECS_ERR_INVALID_ARGUMENT, ECS_OK)                        \
  X(register_unsupported_storage, ecs_component_register(f->w, &(ecs_component_desc_t){.name = "u", .storage = 99}),   \
    0, ECS_ERR_UNSUPPORTED)

#define DEFINE_CASE(name, expr, expect, status)                                                                        \
  static int64_t run_##name(fx_t *f) {                                                                                 \
    (void)f;                                                                                                           \
    return (int64_t)(expr);                                                                                            \
  }
BAD_CASES(DEFINE_CASE)
#undef DEFINE_CASE

typedef struct bad_case_t {
  const char *call;
  int64_t (*run)(fx_t *f);
  int64_t expect;
  ecs_status_t status;
} bad_case_t;

static const bad_case_t bad_cases[] = {
#define CASE_ROW(name, expr, expect, status) {#name, run_##name, (int64_t)(expect), status},
    BAD_CASES(CASE_ROW)
#undef CASE_ROW
};

static void test_bad_input_table(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; ++i) {
    const bad_case_t *c = &bad_cases[i];
    fx_t f;
    fx_init(&f);
    int64_t got = c->run(&f);
    if (got != c->expect) {
      fail_msg("%s: returned %lld, want %lld", c->call, (long long)got, (long long)c->expect);
    }
    ecs_status_t st = ecs_last_status(f.w);
    if (st != c->status) {
      fail_msg("%s: last status %s, want %s", c->call, ecs_err_name(st), ecs_err_name(c->status));
    }
    if ((st != ECS_OK) != (ecs_last_error(f.w)[0] != '\0')) {
      fail_msg("%s: last error \"%s\" does not match status %s", c->call, ecs_last_error(f.w), ecs_err_name(st));
    }
    if (ecs_cmd_buffer_count(f.buf) != 0) {
      fail_msg("%s: a command was recorded", c->call);
    }
    fx_check_usable(&f, c->call);
    fx_fini(&f);
  }
}

static void test_double_destroy(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_entity_t e = ecs_entity_create(w);
  ecs_entity_t other = ecs_entity_create(w);
  assert_int_equal(ecs_entity_destroy(w, e), ECS_OK);
  assert_int_equal(ecs_entity_destroy(w, e), ECS_ERR_STALE_ENTITY);
  assert_int_equal(ecs_entity_destroy(w, e), ECS_ERR_STALE_ENTITY);
  assert_int_equal(ecs_entity_count(w), 1);
  assert_true(ecs_entity_alive(w, other));
  /* the slot went onto the free list once, so it comes back once */
  ecs_entity_t a = ecs_entity_create(w);
  ecs_entity_t b = ecs_entity_create(w);
  assert_int_equal(ECS_ENTITY_INDEX(a), ECS_ENTITY_INDEX(e));
  assert_int_not_equal(ECS_ENTITY_INDEX(b), ECS_ENTITY_INDEX(e));
  assert_int_not_equal(ECS_ENTITY_INDEX(b), ECS_ENTITY_INDEX(other));
  ecs_world_free(w);
}

static void test_set_null_value_keeps_previous(void **state) {
  (void)state;
  fx_t f;
  fx_init(&f);
  assert_int_equal(ecs_set(f.w, f.live, f.pos, NULL), ECS_ERR_INVALID_ARGUMENT);
  const position_t *p = ecs_get(f.w, f.live, f.pos);
  assert_true(p && p->x == 1 && p->y == 2);
  ecs_entity_t e = ecs_entity_create(f.w);
  assert_int_equal(ecs_set(f.w, e, f.pos, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_false(ecs_has(f.w, e, f.pos)); /* nothing was added */
  assert_int_equal(ecs_component_count(f.w, f.pos), 1);
  assert_int_equal(ecs_set(f.w, e, f.tag, NULL), ECS_OK); /* a tag needs no value */
  assert_true(ecs_has(f.w, e, f.tag));
  fx_fini(&f);
}

/* Successful fallible calls: each clears the detail of an earlier failure. */
#define SUCCESS_CALLS(X)                                                                                               \
  X(entity_create, ecs_entity_create(f->w) != ECS_ENTITY_NULL)                                                         \
  X(entity_destroy, ecs_entity_destroy(f->w, f->live) == ECS_OK)                                                       \
  X(add, ecs_add(f->w, f->live, f->tag) == ECS_OK)                                                                     \
  X(set, ecs_set(f->w, f->live, f->pos, &origin) == ECS_OK)                                                            \
  X(remove, ecs_remove(f->w, f->live, f->pos) == ECS_OK)                                                               \
  X(remove_absent, ecs_remove(f->w, f->live, f->tag) == ECS_OK)                                                        \
  X(component_register, ecs_component_register_type(f->w, "other", 4, 0) != ECS_COMPONENT_NULL)                        \
  X(component_register_again, ecs_component_register_type(f->w, "tag", 0, 0) == f->tag)                                \
  X(query_new, ecs_query_new(f->w, &(ecs_query_desc_t){{{f->pos, ECS_ACCESS_READ}}}) != NULL)                          \
  X(storage_register, ecs_storage_register(f->w, ecs_storage_dense_vtable(), &out_kind) == ECS_OK)

#define DEFINE_SUCCESS(name, expr)                                                                                     \
  static bool ok_##name(fx_t *f) {                                                                                     \
    return (expr);                                                                                                     \
  }
SUCCESS_CALLS(DEFINE_SUCCESS)
#undef DEFINE_SUCCESS

static void test_last_error_cleared_by_success(void **state) {
  (void)state;
  const struct {
    const char *call;
    bool (*run)(fx_t *f);
  } calls[] = {
#define SUCCESS_ROW(name, expr) {#name, ok_##name},
      SUCCESS_CALLS(SUCCESS_ROW)
#undef SUCCESS_ROW
  };
  for (size_t i = 0; i < sizeof calls / sizeof calls[0]; ++i) {
    fx_t f;
    fx_init(&f);
    assert_int_equal(ecs_entity_destroy(f.w, f.stale), ECS_ERR_STALE_ENTITY);
    assert_true(strlen(ecs_last_error(f.w)) > 0);
    if (!calls[i].run(&f) || ecs_last_status(f.w) != ECS_OK || strcmp(ecs_last_error(f.w), "") != 0) {
      fail_msg("%s: left status %s, \"%s\"", calls[i].call, ecs_err_name(ecs_last_status(f.w)), ecs_last_error(f.w));
    }
    fx_fini(&f);
  }
  assert_non_null(ecs_last_error(NULL));
}

/* ecs_get(): a stale entity or unknown component sets the last error;
 * success and mere absence leave it untouched (concurrent readers never
 * write to the world). */
static void test_get_reports_why(void **state) {
  (void)state;
  fx_t f;
  fx_init(&f);
  ecs_entity_t e = ecs_entity_create(f.w);
  assert_int_equal(ecs_entity_destroy(f.w, f.stale), ECS_ERR_STALE_ENTITY);
  char before[256];
  snprintf(before, sizeof before, "%s", ecs_last_error(f.w));
  assert_null(ecs_get(f.w, e, f.pos)); /* absent */
  assert_non_null(ecs_get(f.w, f.live, f.pos));
  assert_int_equal(ecs_last_status(f.w), ECS_ERR_STALE_ENTITY);
  assert_string_equal(ecs_last_error(f.w), before);
  assert_int_equal(ecs_add(f.w, e, f.tag), ECS_OK);
  assert_null(ecs_get(f.w, e, UNKNOWN_C));
  assert_int_equal(ecs_last_status(f.w), ECS_ERR_UNKNOWN_COMPONENT);
  assert_null(ecs_get(f.w, f.stale, f.pos));
  assert_int_equal(ecs_last_status(f.w), ECS_ERR_STALE_ENTITY);
  fx_fini(&f);
}

static void bump_int(void *arg) {
  ++*(int *)arg;
}

/* A build without threads (WebAssembly without -pthread) refuses worker
 * threads with a clear code and makes the default pool inline; a build
 * with threads gives the default pool at least one worker. Either way the
 * refused call leaves nothing behind and the next one works. */
static void test_pool_threads_in_this_build(void **state) {
  (void)state;
  ecs_pool_t *p = (ecs_pool_t *)&p; /* not NULL: the call must clear it */
#if ECS__PLATFORM_THREADS
  assert_int_equal(ecs_pool_create(&(ecs_pool_desc_t){.threads = 2}, &p), ECS_OK);
  assert_int_equal(ecs_pool_threads(p), 2);
  ecs_pool_free(p);
  assert_int_equal(ecs_pool_create(NULL, &p), ECS_OK);
  assert_true(ecs_pool_threads(p) >= 1);
#else
  assert_int_equal(ecs_pool_create(&(ecs_pool_desc_t){.threads = 2}, &p), ECS_ERR_UNSUPPORTED);
  assert_null(p);
  assert_int_equal(ecs_pool_create(NULL, &p), ECS_OK);
  assert_int_equal(ecs_pool_threads(p), 0); /* the inline pool */
#endif
  int hits = 0;
  assert_int_equal(ecs_pool_submit(p, bump_int, &hits), ECS_OK);
  assert_int_equal(ecs_pool_wait(p), ECS_OK);
  assert_int_equal(hits, 1);
  ecs_pool_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bad_input_table),
      cmocka_unit_test(test_pool_threads_in_this_build),
      cmocka_unit_test(test_double_destroy),
      cmocka_unit_test(test_set_null_value_keeps_previous),
      cmocka_unit_test(test_last_error_cleared_by_success),
      cmocka_unit_test(test_get_reports_why),
  };
  return cmocka_run_group_tests_name("bad_input", tests, NULL, NULL);
}
