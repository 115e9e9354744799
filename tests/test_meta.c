#define _POSIX_C_SOURCE 200809L
/* Component reflection (meta.h): descriptions checked against size and
 * alignment, the world's copy, component info, entity slots, the schema. */
#include <ecs.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef struct Vec2 {
  float x, y;
} Vec2;

typedef enum Mode { MODE_IDLE = 0, MODE_RUN = 1, MODE_FLEE = -2 } Mode;

typedef struct Every {
  int8_t i8;
  int16_t i16;
  int32_t i32;
  int64_t i64;
  uint8_t u8;
  uint16_t u16;
  uint32_t u32;
  uint64_t u64;
  float f32;
  double f64;
  bool flag;
  ecs_entity_t target;
  Mode mode;
  Vec2 pos;
  float v[3];
  char label[16];
  char *text;
} Every;

ECS_DECLARE(Every);
ECS_DEFINE(Every);

static const char *text_get(const void *field, void *user) {
  (void)user;
  return *(char *const *)field;
}

static ecs_status_t text_set(void *field, const char *s, void *user) {
  (void)user;
  char *copy = strdup(s);
  if (!copy) {
    return ECS_ERR_NO_MEMORY;
  }
  free(*(char **)field);
  *(char **)field = copy;
  return ECS_OK;
}

static const ecs_meta_string_t text_hooks = {text_get, text_set, NULL};
static const ecs_meta_constant_t modes[] = {{"IDLE", MODE_IDLE}, {"RUN", MODE_RUN}, {"FLEE", MODE_FLEE}};
static const ecs_meta_field_t vec2_fields[] = {ECS_META_AUTO(Vec2, x), ECS_META_AUTO(Vec2, y)};
static const ecs_meta_type_t vec2_type = ECS_META_TYPE(Vec2, vec2_fields);

static const ecs_meta_field_t every_fields[] = {
    ECS_META_AUTO(Every, i8),
    ECS_META_AUTO(Every, i16),
    ECS_META_AUTO(Every, i32),
    ECS_META_AUTO(Every, i64),
    ECS_META_AUTO(Every, u8),
    ECS_META_AUTO(Every, u16),
    ECS_META_AUTO(Every, u32),
    ECS_META_AUTO(Every, u64),
    ECS_META_AUTO(Every, f32),
    ECS_META_AUTO(Every, f64),
    ECS_META_AUTO(Every, flag),
    ECS_META_FIELD(Every, target, ECS_META_ENTITY),
    ECS_META_ENUM(Every, mode, modes),
    ECS_META_STRUCT(Every, pos, &vec2_type),
    ECS_META_ARRAY(Every, v, ECS_META_F32),
    ECS_META_CHARS(Every, label),
    ECS_META_STRING(Every, text, &text_hooks),
};

static void test_auto_kinds(void **state) {
  (void)state;
  assert_int_equal(every_fields[0].kind, ECS_META_I8);
  assert_int_equal(every_fields[3].kind, ECS_META_I64);
  assert_int_equal(every_fields[7].kind, ECS_META_U64);
  assert_int_equal(every_fields[8].kind, ECS_META_F32);
  assert_int_equal(every_fields[9].kind, ECS_META_F64);
  assert_int_equal(every_fields[10].kind, ECS_META_BOOL);
  assert_int_equal(every_fields[14].count, 3);
  assert_int_equal(every_fields[14].size, sizeof(float));
  assert_int_equal(every_fields[12].constant_count, 3);
  assert_int_equal(every_fields[15].size, 16);
  assert_int_equal(every_fields[1].offset, offsetof(Every, i16));
}

static void test_describe_every_kind(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  assert_int_not_equal(ECS_REGISTER(w, Every), ECS_COMPONENT_NULL);
  assert_int_equal(ECS_META_SET_T(w, Every, every_fields), ECS_OK);
  const ecs_meta_type_t *t = ecs_meta_get(w, ECS_ID(w, Every));
  assert_non_null(t);
  assert_string_equal(t->name, "Every");
  assert_int_equal(t->size, sizeof(Every));
  assert_int_equal(t->alignment, ECS_ALIGNOF(Every));
  assert_int_equal(t->field_count, ECS_META_COUNT(every_fields));
  /* the world's copy resolves sizes and counts */
  assert_int_equal(t->fields[12].size, sizeof(Mode));
  assert_int_equal(t->fields[13].type->field_count, 2);
  assert_string_equal(t->fields[13].type->name, "Vec2");
  assert_int_equal(t->fields[0].count, 1);
  assert_ptr_not_equal(t->fields[12].constants, modes); /* copied */
  assert_string_equal(t->fields[12].constants[2].name, "FLEE");
  assert_int_equal(t->fields[12].constants[2].value, MODE_FLEE);
  assert_true(t->fields[16].string->get == text_get);
  /* describing again replaces; NULL removes */
  assert_int_equal(ecs_meta_set(w, ECS_ID(w, Every), NULL), ECS_OK);
  assert_null(ecs_meta_get(w, ECS_ID(w, Every)));
  assert_int_equal(ECS_META_SET_T(w, Every, every_fields), ECS_OK);
  ecs_world_free(w);
}

static void test_copy_is_deep(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t c = ECS_COMPONENT(w, Vec2);
  char name[8] = "x";
  ecs_meta_field_t fields[] = {ECS_META_AUTO(Vec2, x), ECS_META_AUTO(Vec2, y)};
  fields[0].name = name;
  ecs_meta_type_t t = {NULL, 0, 0, fields, 2};
  assert_int_equal(ecs_meta_set(w, c, &t), ECS_OK);
  strcpy(name, "zz");
  memset(fields, 0, sizeof fields);
  const ecs_meta_type_t *got = ecs_meta_get(w, c);
  assert_string_equal(got->name, "Vec2"); /* NULL name: the component's */
  assert_string_equal(got->fields[0].name, "x");
  assert_int_equal(got->fields[1].offset, offsetof(Vec2, y));
  ecs_world_free(w);
}

typedef struct bad_case_t {
  const char *what;
  ecs_meta_field_t fields[3];
  uint32_t count;
  const char *message; /* part of ecs_last_error() */
} bad_case_t;

typedef struct Pair {
  int32_t a;
  int32_t b;
} Pair;

static const ecs_meta_constant_t one_const[] = {{"A", 0}};
static const ecs_meta_constant_t big_const[] = {{"HUGE", 300}};
static const ecs_meta_constant_t dup_const[] = {{"A", 0}, {"A", 1}};

static void test_bad_descriptions(void **state) {
  (void)state;
  static const bad_case_t cases[] = {
      {"overlap",
       {{"a", ECS_META_I32, 0, 0, 1, NULL, 0, NULL, NULL}, {"b", ECS_META_I16, 2, 0, 1, NULL, 0, NULL, NULL}},
       2,
       "overlaps field 'a'"},
      {"out of range", {{"a", ECS_META_I64, 4, 0, 1, NULL, 0, NULL, NULL}}, 1, "outside the type's 8 bytes"},
      {"array out of range", {{"a", ECS_META_I32, 0, 0, 3, NULL, 0, NULL, NULL}}, 1, "outside"},
      {"misaligned", {{"a", ECS_META_I32, 2, 0, 1, NULL, 0, NULL, NULL}}, 1, "not aligned to 4"},
      {"over-aligned", {{"a", ECS_META_F64, 0, 0, 1, NULL, 0, NULL, NULL}}, 1, "needs alignment 8"},
      {"wrong kind for the member", {ECS_META_FIELD(Pair, a, ECS_META_I16)}, 1, "i16 is 2 bytes, the member 4"},
      {"no name", {{NULL, ECS_META_I32, 0, 0, 1, NULL, 0, NULL, NULL}}, 1, "no name"},
      {"no kind", {{"a", ECS_META_NONE, 0, 0, 1, NULL, 0, NULL, NULL}}, 1, "no kind"},
      {"unknown kind", {{"a", (ecs_meta_kind_t)99, 0, 0, 1, NULL, 0, NULL, NULL}}, 1, "unknown kind"},
      {"twice",
       {{"a", ECS_META_I32, 0, 0, 1, NULL, 0, NULL, NULL}, {"a", ECS_META_I32, 4, 0, 1, NULL, 0, NULL, NULL}},
       2,
       "field 'a' twice"},
      {"enum size", {{"a", ECS_META_ENUM, 0, 3, 1, one_const, 1, NULL, NULL}}, 1, "1, 2, 4 or 8 bytes"},
      {"enum no constants", {{"a", ECS_META_ENUM, 0, 4, 1, NULL, 0, NULL, NULL}}, 1, "needs its constants"},
      {"enum out of range", {{"a", ECS_META_ENUM, 0, 1, 1, big_const, 1, NULL, NULL}}, 1, "does not fit 1 bytes"},
      {"enum duplicate", {{"a", ECS_META_ENUM, 0, 4, 1, dup_const, 2, NULL, NULL}}, 1, "constant 'A' twice"},
      {"struct without type", {{"a", ECS_META_STRUCT, 0, 8, 1, NULL, 0, NULL, NULL}}, 1, "needs its type"},
      {"string without hooks", {{"a", ECS_META_STRING, 0, 8, 1, NULL, 0, NULL, NULL}}, 1, "get and set hooks"},
      {"chars without size", {{"a", ECS_META_CHARS, 0, 0, 1, NULL, 0, NULL, NULL}}, 1, "buffer's size"},
  };
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t c = ECS_COMPONENT(w, Pair);
  ecs_meta_field_t good[] = {ECS_META_AUTO(Pair, a), ECS_META_AUTO(Pair, b)};
  ecs_meta_type_t good_t = {NULL, 0, 0, good, 2};
  assert_int_equal(ecs_meta_set(w, c, &good_t), ECS_OK);
  ecs_entity_t e = ecs_entity_create(w);
  Pair p = {1, 2};
  assert_int_equal(ecs_set(w, e, c, &p), ECS_OK);
  uint64_t sum = ecs_world_checksum(w);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    ecs_meta_type_t t = {NULL, 0, 0, cases[i].fields, cases[i].count};
    ecs_status_t st = ecs_meta_set(w, c, &t);
    if (st != ECS_ERR_INVALID_ARGUMENT || !strstr(ecs_last_error(w), cases[i].message)) {
      fail_msg("case '%s': status %s, message '%s'", cases[i].what, ecs_err_name(st), ecs_last_error(w));
    }
    assert_non_null(strstr(ecs_last_error(w), "component 'Pair'"));
    /* the old description stays, the world is untouched */
    assert_int_equal(ecs_meta_get(w, c)->field_count, 2);
    assert_int_equal(ecs_world_checksum(w), sum);
  }
  ecs_world_free(w);
}

typedef struct Inner {
  int32_t a;
  int32_t b;
} Inner;
typedef struct Outer {
  int32_t head;
  Inner in;
} Outer;

static void test_nested_errors_name_the_path(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t c = ECS_COMPONENT(w, Outer);
  ecs_meta_field_t inner_bad[] = {{"a", ECS_META_I32, 0, 0, 1, NULL, 0, NULL, NULL},
                                  {"b", ECS_META_I32, 6, 0, 1, NULL, 0, NULL, NULL}};
  ecs_meta_type_t inner_t = {"Inner", sizeof(Inner), 0, inner_bad, 2};
  ecs_meta_field_t outer[] = {ECS_META_AUTO(Outer, head), ECS_META_STRUCT(Outer, in, &inner_t)};
  ecs_meta_type_t outer_t = {NULL, 0, 0, outer, 2};
  assert_int_equal(ecs_meta_set(w, c, &outer_t), ECS_ERR_INVALID_ARGUMENT);
  assert_non_null(strstr(ecs_last_error(w), "in: field 'b': offset 6 + 1 x 4 bytes is outside"));
  /* a nested type of the wrong size */
  inner_bad[1].offset = 4;
  inner_t.size = 4;
  assert_int_equal(ecs_meta_set(w, c, &outer_t), ECS_ERR_INVALID_ARGUMENT);
  inner_t.size = sizeof(Inner);
  assert_int_equal(ecs_meta_set(w, c, &outer_t), ECS_OK);
  /* nesting too deep: a type that contains itself */
  ecs_meta_field_t self[1] = {{"me", ECS_META_STRUCT, 0, 0, 1, NULL, 0, NULL, NULL}};
  ecs_meta_type_t self_t = {"Self", sizeof(Outer), 4, self, 1};
  self[0].type = &self_t;
  ecs_meta_type_t top = {NULL, 0, 0, self, 1};
  assert_int_equal(ecs_meta_set(w, c, &top), ECS_ERR_INVALID_ARGUMENT);
  assert_non_null(strstr(ecs_last_error(w), "nested more than"));
  ecs_world_free(w);
}

static void test_component_mismatch(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t c = ECS_COMPONENT(w, Pair);
  ecs_meta_field_t f[] = {ECS_META_AUTO(Pair, a)};
  ecs_meta_type_t t = {NULL, 4, 0, f, 1};
  assert_int_equal(ecs_meta_set(w, c, &t), ECS_ERR_INVALID_ARGUMENT);
  assert_non_null(strstr(ecs_last_error(w), "the description is 4 bytes, the component 8"));
  t.size = 0;
  t.alignment = 8;
  assert_int_equal(ecs_meta_set(w, c, &t), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_meta_set_fields(w, c, "Pair", 16, 4, f, 1), ECS_ERR_TYPE_MISMATCH);
  assert_int_equal(ecs_meta_set(w, 99, &t), ECS_ERR_UNKNOWN_COMPONENT);
  assert_int_equal(ecs_meta_set(NULL, c, &t), ECS_ERR_INVALID_ARGUMENT);
  ecs_component_t tag = ecs_component_register_type(w, "Tag", 0, 0);
  assert_int_equal(ecs_meta_set(w, tag, &t), ECS_ERR_INVALID_ARGUMENT);
  ecs_meta_type_t empty = {NULL, 0, 0, NULL, 0};
  assert_int_equal(ecs_meta_set(w, tag, &empty), ECS_OK);
  ecs_meta_type_t no_array = {NULL, 0, 0, NULL, 2};
  assert_int_equal(ecs_meta_set(w, c, &no_array), ECS_ERR_INVALID_ARGUMENT);
  assert_null(ecs_meta_get(w, 99));
  assert_null(ecs_meta_get(NULL, c));
  ecs_world_free(w);
}

static void test_info_and_slots(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  assert_int_equal(ecs_component_last(w), 0);
  ecs_component_desc_t d = {
      .name = "Sparse", .size = 4, .storage = ECS_STORAGE_SPARSE, .version = 3, .flags = ECS_COMPONENT_TRANSIENT};
  ecs_component_t s = ecs_component_register(w, &d);
  ecs_component_t p = ECS_COMPONENT(w, Pair);
  assert_int_equal(ecs_component_last(w), p);
  ecs_component_info_t info;
  assert_int_equal(ecs_component_info(w, s, &info), ECS_OK);
  assert_string_equal(info.name, "Sparse");
  assert_int_equal(info.storage, ECS_STORAGE_SPARSE);
  assert_int_equal(info.version, 3);
  assert_int_equal(info.flags, ECS_COMPONENT_TRANSIENT);
  assert_null(info.meta);
  assert_int_equal(ecs_component_info(w, p, &info), ECS_OK);
  assert_int_equal(info.storage, ECS_STORAGE_ARCHETYPE);
  assert_int_equal(info.size, sizeof(Pair));
  assert_int_equal(ecs_component_info(w, 77, &info), ECS_ERR_UNKNOWN_COMPONENT);
  assert_int_equal(ecs_component_info(NULL, p, &info), ECS_ERR_INVALID_ARGUMENT);

  ecs_entity_t e[4];
  assert_int_equal(ecs_entity_create_n(w, 4, e), ECS_OK);
  assert_int_equal(ecs_entity_destroy(w, e[1]), ECS_OK);
  uint32_t n = ecs_entity_slot_count(w);
  assert_int_equal(n, 5);
  ecs_entity_t seen[8];
  uint32_t count = 0;
  for (uint32_t i = 0; i < n; ++i) {
    ecs_entity_t x = ecs_entity_at(w, i);
    if (x) {
      seen[count++] = x;
    }
  }
  assert_int_equal(count, 3);
  assert_int_equal(seen[0], e[0]);
  assert_int_equal(seen[1], e[2]);
  assert_int_equal(seen[2], e[3]);
  ecs_entity_t again = ecs_entity_create(w); /* reuses slot of e[1], next generation */
  assert_int_equal(ecs_entity_at(w, ECS_ENTITY_INDEX(e[1])), again);
  assert_int_equal(ecs_entity_at(w, 1000), ECS_ENTITY_NULL);
  assert_int_equal(ecs_entity_at(NULL, 1), ECS_ENTITY_NULL);
  assert_int_equal(ecs_entity_slot_count(NULL), 0);
  ecs_world_free(w);
}

static void test_schema(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  assert_int_not_equal(ECS_REGISTER(w, Every), ECS_COMPONENT_NULL);
  assert_int_equal(ECS_META_SET_T(w, Every, every_fields), ECS_OK);
  ecs_component_desc_t d = {.name = "Quote\"d", .size = 0, .storage = ECS_STORAGE_DENSE};
  assert_int_not_equal(ecs_component_register(w, &d), ECS_COMPONENT_NULL);
  ecs_membuf_t buf = {0};
  ecs_writer_t out = ecs_membuf_writer(&buf);
  assert_int_equal(ecs_meta_write_schema(w, &out), ECS_OK);
  assert_int_equal(ecs_write(&out, "", 1), ECS_OK);
  const char *s = (const char *)buf.data;
  assert_non_null(strstr(s, "{\"format\":1,\"components\":["));
  assert_non_null(strstr(s, "\"name\":\"Every\",\"size\":"));
  assert_non_null(strstr(s, "\"storage\":\"archetype\",\"tag\":false"));
  assert_non_null(strstr(s, "{\"name\":\"i8\",\"kind\":\"i8\",\"offset\":0,\"size\":1,\"count\":1}"));
  assert_non_null(strstr(s, "\"kind\":\"enum\""));
  assert_non_null(strstr(s, "{\"name\":\"FLEE\",\"value\":-2}"));
  assert_non_null(strstr(s, "\"kind\":\"struct\""));
  assert_non_null(strstr(s, "\"type\":{\"name\":\"Vec2\",\"size\":8,\"alignment\":4,\"fields\":[{\"name\":\"x\""));
  assert_non_null(strstr(s, "\"name\":\"v\",\"kind\":\"f32\",\"offset\":"));
  assert_non_null(strstr(s, ",\"count\":3}"));
  assert_non_null(strstr(s, "\"kind\":\"chars\""));
  assert_non_null(strstr(s, "\"kind\":\"string\""));
  assert_non_null(strstr(s, "\"name\":\"Quote\\\"d\""));
  assert_non_null(strstr(s, "\"storage\":\"dense\",\"tag\":true,\"transient\":false,\"resource\":false,\"type\":null"));
  ecs_membuf_free(&buf);
  assert_int_equal(ecs_meta_write_schema(NULL, &out), ECS_ERR_INVALID_ARGUMENT);
  ecs_world_free(w);
}

static ecs_status_t failing_write(void *user, const void *data, size_t size) {
  (void)data;
  (void)size;
  int *calls = user;
  return ++*calls > 3 ? ECS_ERR_IO : ECS_OK;
}

static void test_schema_writer_error(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  assert_int_not_equal(ECS_REGISTER(w, Every), ECS_COMPONENT_NULL);
  assert_int_equal(ECS_META_SET_T(w, Every, every_fields), ECS_OK);
  int calls = 0;
  ecs_writer_t out = {failing_write, &calls};
  assert_int_equal(ecs_meta_write_schema(w, &out), ECS_ERR_IO);
  assert_int_equal(calls, 4); /* stopped at the first failure */
  ecs_world_free(w);
}

static void test_kind_names(void **state) {
  (void)state;
  assert_string_equal(ecs_meta_kind_name(ECS_META_U16), "u16");
  assert_string_equal(ecs_meta_kind_name(ECS_META_ENTITY), "entity");
  assert_string_equal(ecs_meta_kind_name(ECS_META_NONE), "none");
  assert_string_equal(ecs_meta_kind_name((ecs_meta_kind_t)500), "none");
  size_t a = 0;
  assert_int_equal(ecs_meta_field_size(NULL, &a), 0);
  ecs_meta_field_t e = {"e", ECS_META_ENUM, 0, 0, 1, one_const, 1, NULL, NULL};
  assert_int_equal(ecs_meta_field_size(&e, &a), sizeof(int));
  assert_int_equal(a, sizeof(int));
  ecs_meta_field_t s = {"s", ECS_META_STRING, 0, 0, 1, NULL, 0, NULL, NULL};
  assert_int_equal(ecs_meta_field_size(&s, &a), sizeof(char *));
  assert_int_equal(a, ECS_ALIGNOF(char *));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_auto_kinds),
      cmocka_unit_test(test_describe_every_kind),
      cmocka_unit_test(test_copy_is_deep),
      cmocka_unit_test(test_bad_descriptions),
      cmocka_unit_test(test_nested_errors_name_the_path),
      cmocka_unit_test(test_component_mismatch),
      cmocka_unit_test(test_info_and_slots),
      cmocka_unit_test(test_schema),
      cmocka_unit_test(test_schema_writer_error),
      cmocka_unit_test(test_kind_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
