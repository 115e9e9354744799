#define _POSIX_C_SOURCE 200809L
/* The JSON module (json.h): round trips of every field kind, bad values
 * with their JSON paths, and the world intact after each error. */
#include <ecs.h>
#include <ecs/json.h>

#include <jansson.h>

#include <math.h>
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
  char label[8];
  char *text;
} Every;

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

static void every_copy(void *dst, const void *src, int32_t count, void *user) {
  (void)user;
  for (int32_t i = 0; i < count; ++i) {
    Every *d = (Every *)dst + i;
    const Every *s = (const Every *)src + i;
    memcpy(d, s, sizeof *d); /* padding too: the checksum reads it */
    d->text = s->text ? strdup(s->text) : NULL;
  }
}

static void every_dtor(void *ptr, int32_t count, void *user) {
  (void)user;
  for (int32_t i = 0; i < count; ++i) {
    free(((Every *)ptr)[i].text);
  }
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

typedef struct fixture_t {
  ecs_world_t *w;
  ecs_component_t every, vec2, tag, opaque;
} fixture_t;

static void fixture_init(fixture_t *f) {
  f->w = ecs_world_new(NULL);
  ecs_component_desc_t d = {.name = "Every", .size = sizeof(Every), .alignment = ECS_ALIGNOF(Every)};
  d.hooks.copy = every_copy;
  d.hooks.dtor = every_dtor;
  f->every = ecs_component_register(f->w, &d);
  assert_int_equal(ecs_meta_set_fields(f->w, f->every, "Every", sizeof(Every), ECS_ALIGNOF(Every), every_fields,
                                       ECS_META_COUNT(every_fields)),
                   ECS_OK);
  ecs_component_desc_t v = {.name = "Vec2", .size = sizeof(Vec2), .alignment = 4, .storage = ECS_STORAGE_SPARSE};
  f->vec2 = ecs_component_register(f->w, &v);
  assert_int_equal(ecs_meta_set(f->w, f->vec2, &vec2_type), ECS_OK);
  f->tag = ecs_component_register_type(f->w, "Tag", 0, 0);
  f->opaque = ecs_component_register_type(f->w, "Opaque", 8, 8);
}

static char *dump_entity(ecs_world_t *w, ecs_entity_t e) {
  ecs_membuf_t buf = {0};
  ecs_writer_t out = ecs_membuf_writer(&buf);
  assert_int_equal(ecs_json_write_entity(w, e, &out), ECS_OK);
  assert_int_equal(ecs_write(&out, "", 1), ECS_OK);
  return (char *)buf.data; /* malloc'd by the default allocator */
}

static Every sample(void) {
  Every v;
  memset(&v, 0, sizeof v);
  v.i8 = INT8_MIN;
  v.i16 = -12345;
  v.i32 = INT32_MAX;
  v.i64 = INT64_MIN;
  v.u8 = 255;
  v.u16 = 65535;
  v.u32 = UINT32_MAX;
  v.u64 = UINT64_MAX;
  v.f32 = 0.1f;
  v.f64 = -1.0 / 3.0;
  v.flag = true;
  v.target = ECS_ENTITY_MAKE(7, 3);
  v.mode = MODE_FLEE;
  v.pos.x = 1.5f;
  v.pos.y = -2.25f;
  v.v[0] = 1e-30f;
  v.v[1] = 3.4e38f;
  v.v[2] = -0.0f;
  memcpy(v.label, "h\"\xc3\xa9\n", 6); /* quote, e-acute (2 bytes), newline */
  v.text = "tab\there \\ \xe2\x82\xac";
  return v;
}

static void assert_every_equal(const Every *a, const Every *b) {
  assert_int_equal(a->i8, b->i8);
  assert_int_equal(a->i16, b->i16);
  assert_int_equal(a->i32, b->i32);
  assert_true(a->i64 == b->i64);
  assert_int_equal(a->u8, b->u8);
  assert_int_equal(a->u16, b->u16);
  assert_int_equal(a->u32, b->u32);
  assert_true(a->u64 == b->u64);
  assert_memory_equal(&a->f32, &b->f32, sizeof a->f32);
  assert_memory_equal(&a->f64, &b->f64, sizeof a->f64);
  assert_int_equal(a->flag, b->flag);
  assert_true(a->target == b->target);
  assert_int_equal(a->mode, b->mode);
  assert_memory_equal(&a->pos, &b->pos, sizeof a->pos);
  assert_memory_equal(a->v, b->v, sizeof a->v);
  assert_memory_equal(a->label, b->label, sizeof a->label);
  assert_string_equal(a->text, b->text);
}

static void test_round_trip_every_kind(void **state) {
  (void)state;
  fixture_t f;
  fixture_init(&f);
  ecs_entity_t a = ecs_entity_create(f.w);
  Every v = sample();
  assert_int_equal(ecs_set(f.w, a, f.every, &v), ECS_OK);
  Vec2 p = {3.0f, 4.0f};
  assert_int_equal(ecs_set(f.w, a, f.vec2, &p), ECS_OK);
  assert_int_equal(ecs_add(f.w, a, f.tag), ECS_OK);
  uint64_t opaque = 42;
  assert_int_equal(ecs_set(f.w, a, f.opaque, &opaque), ECS_OK);

  char *text = dump_entity(f.w, a);
  /* what the text says, checked through another parser */
  json_error_t je;
  json_t *root = json_loads(text, 0, &je);
  assert_non_null(root);
  json_t *every = json_object_get(json_object_get(root, "components"), "Every");
  assert_int_equal(json_integer_value(json_object_get(every, "i8")), -128);
  assert_string_equal(json_string_value(json_object_get(every, "u64")), "18446744073709551615");
  assert_string_equal(json_string_value(json_object_get(every, "mode")), "FLEE");
  assert_true(json_number_value(json_object_get(json_object_get(every, "pos"), "y")) == -2.25);
  assert_int_equal(json_array_size(json_object_get(every, "v")), 3);
  assert_string_equal(json_string_value(json_object_get(every, "label")), "h\"\xc3\xa9\n");
  assert_true(json_is_true(json_object_get(json_object_get(root, "components"), "Tag")));
  assert_true(json_is_null(json_object_get(json_object_get(root, "components"), "Opaque")));
  assert_int_equal(json_integer_value(json_object_get(root, "index")), ECS_ENTITY_INDEX(a));
  json_decref(root);
  assert_non_null(strstr(text, "\"f32\":0.1,")); /* shortest text that reads back */

  /* back onto a new entity: same values, same text but for the ids */
  ecs_entity_t b = ecs_entity_create(f.w);
  ecs_json_error_t err;
  assert_int_equal(ecs_json_set_entity(f.w, b, text, strlen(text), &err), ECS_OK);
  assert_every_equal(ecs_get(f.w, a, f.every), ecs_get(f.w, b, f.every));
  assert_memory_equal(ecs_get(f.w, b, f.vec2), &p, sizeof p);
  assert_true(ecs_has(f.w, b, f.tag));
  assert_false(ecs_has(f.w, b, f.opaque)); /* null: an undescribed component is left alone */
  assert_int_equal(ecs_set(f.w, b, f.opaque, &opaque), ECS_OK);
  char *text_b = dump_entity(f.w, b);
  assert_string_equal(strstr(text, "\"components\""), strstr(text_b, "\"components\""));
  free(text_b);
  free(text);
  ecs_world_free(f.w);
}

static void test_non_finite_and_unnamed(void **state) {
  (void)state;
  fixture_t f;
  fixture_init(&f);
  ecs_entity_t a = ecs_entity_create(f.w);
  Every v = sample();
  v.f32 = NAN;
  v.f64 = -INFINITY;
  v.v[0] = INFINITY;
  v.mode = (Mode)5; /* no constant: written as its number */
  v.text = NULL;
  v.u64 = 5;
  assert_int_equal(ecs_set(f.w, a, f.every, &v), ECS_OK);
  char *text = dump_entity(f.w, a);
  assert_non_null(strstr(text, "\"f32\":\"nan\""));
  assert_non_null(strstr(text, "\"f64\":\"-inf\""));
  assert_non_null(strstr(text, "\"mode\":5"));
  assert_non_null(strstr(text, "\"text\":null"));
  assert_non_null(strstr(text, "\"u64\":5,"));
  /* null is no string: reading it back refuses the text field only */
  ecs_entity_t b = ecs_entity_create(f.w);
  ecs_json_error_t err;
  assert_int_equal(ecs_json_set_entity(f.w, b, text, strlen(text), &err), ECS_ERR_INVALID_ARGUMENT);
  assert_string_equal(err.path, "Every.text");
  assert_false(ecs_has(f.w, b, f.every));
  const char *ok = "{\"f32\":\"nan\",\"f64\":\"-inf\",\"mode\":5,\"v\":[\"inf\",0,1]}";
  assert_int_equal(ecs_json_set_component(f.w, b, f.every, ok, strlen(ok), &err), ECS_OK);
  const Every *got = ecs_get(f.w, b, f.every);
  assert_true(isnan(got->f32));
  assert_true(isinf(got->f64) && got->f64 < 0);
  assert_true(isinf(got->v[0]));
  assert_int_equal(got->mode, 5);
  free(text);
  ecs_world_free(f.w);
}

typedef struct bad_t {
  const char *json;
  ecs_status_t status;
  const char *path;
  const char *message;
} bad_t;

static void test_bad_values_leave_the_world_intact(void **state) {
  (void)state;
  static const bad_t cases[] = {
      {"{\"Every\":{\"i8\":300}}", ECS_ERR_INVALID_ARGUMENT, "Every.i8", "Every.i8: 300 is out of range for i8"},
      {"{\"Every\":{\"i16\":-40000}}", ECS_ERR_INVALID_ARGUMENT, "Every.i16", "out of range for i16"},
      {"{\"Every\":{\"u8\":-1}}", ECS_ERR_INVALID_ARGUMENT, "Every.u8", "-1 is out of range for u8"},
      {"{\"Every\":{\"u32\":4294967296}}", ECS_ERR_INVALID_ARGUMENT, "Every.u32", "out of range for u32"},
      {"{\"Every\":{\"u64\":\"12x\"}}", ECS_ERR_INVALID_ARGUMENT, "Every.u64", "expected a non-negative integer"},
      {"{\"Every\":{\"u64\":\"99999999999999999999\"}}", ECS_ERR_INVALID_ARGUMENT, "Every.u64", "non-negative"},
      {"{\"Every\":{\"i32\":1.5}}", ECS_ERR_INVALID_ARGUMENT, "Every.i32", "expected an integer, got a number"},
      {"{\"Every\":{\"i32\":\"12a\"}}", ECS_ERR_INVALID_ARGUMENT, "Every.i32", "expected an integer, got a string"},
      {"{\"Every\":{\"i64\":\" 5\"}}", ECS_ERR_INVALID_ARGUMENT, "Every.i64", "expected an integer, got a string"},
      {"{\"Every\":{\"i64\":\"-9223372036854775809\"}}", ECS_ERR_INVALID_ARGUMENT, "Every.i64", "expected an integer"},
      {"{\"Every\":{\"i8\":\"-129\"}}", ECS_ERR_INVALID_ARGUMENT, "Every.i8", "-129 is out of range for i8"},
      {"{\"Every\":{\"f32\":\"x\"}}", ECS_ERR_INVALID_ARGUMENT, "Every.f32",
       "Every.f32: expected a number, got a string"},
      {"{\"Every\":{\"f32\":1e39}}", ECS_ERR_INVALID_ARGUMENT, "Every.f32", "out of range for f32"},
      {"{\"Every\":{\"flag\":1}}", ECS_ERR_INVALID_ARGUMENT, "Every.flag", "expected a boolean, got an integer"},
      {"{\"Every\":{\"target\":-3}}", ECS_ERR_INVALID_ARGUMENT, "Every.target", "out of range for entity"},
      {"{\"Every\":{\"mode\":\"WALK\"}}", ECS_ERR_INVALID_ARGUMENT, "Every.mode",
       "unknown constant 'WALK' (one of IDLE, RUN, FLEE)"},
      {"{\"Every\":{\"mode\":true}}", ECS_ERR_INVALID_ARGUMENT, "Every.mode", "expected a constant name"},
      {"{\"Every\":{\"pos\":{\"x\":\"1\"}}}", ECS_ERR_INVALID_ARGUMENT, "Every.pos.x", "expected a number"},
      {"{\"Every\":{\"pos\":[1,2]}}", ECS_ERR_INVALID_ARGUMENT, "Every.pos", "expected an object, got an array"},
      {"{\"Every\":{\"v\":[1,2]}}", ECS_ERR_INVALID_ARGUMENT, "Every.v", "expected 3 elements, got 2"},
      {"{\"Every\":{\"v\":[1,null,3]}}", ECS_ERR_INVALID_ARGUMENT, "Every.v[1]", "expected a number, got null"},
      {"{\"Every\":{\"v\":7}}", ECS_ERR_INVALID_ARGUMENT, "Every.v", "expected an array"},
      {"{\"Every\":{\"label\":\"12345678\"}}", ECS_ERR_INVALID_ARGUMENT, "Every.label", "does not fit 8 bytes"},
      {"{\"Every\":{\"label\":3}}", ECS_ERR_INVALID_ARGUMENT, "Every.label", "expected a string"},
      {"{\"Every\":{\"text\":\"a\\u0000b\"}}", ECS_ERR_INVALID_ARGUMENT, "", "malformed JSON"},
      {"{\"Every\":{\"nope\":1}}", ECS_ERR_INVALID_ARGUMENT, "Every.nope", "Every.nope: unknown field"},
      {"{\"Every\":[]}", ECS_ERR_INVALID_ARGUMENT, "Every", "expected an object"},
      {"{\"Nope\":{}}", ECS_ERR_UNKNOWN_COMPONENT, "Nope", "Nope: unknown component"},
      {"{\"Tag\":false}", ECS_ERR_INVALID_ARGUMENT, "Tag", "expected true (a tag)"},
      {"{\"Opaque\":{\"a\":1}}", ECS_ERR_INVALID_ARGUMENT, "Opaque", "has no field description"},
      {"{\"Every\":{\"i8\":1}", ECS_ERR_INVALID_ARGUMENT, "", "malformed JSON at line 1"},
      {"{\"Every\":{\"i8\":1,\"i8\":2}}", ECS_ERR_INVALID_ARGUMENT, "", "malformed JSON"},
      {"[1,2]", ECS_ERR_INVALID_ARGUMENT, "", "expected an object of components, got an array"},
      {"", ECS_ERR_INVALID_ARGUMENT, "", "malformed JSON"},
      /* the first components are good: nothing is applied all the same */
      {"{\"Vec2\":{\"x\":9},\"Tag\":true,\"Every\":{\"i8\":1,\"pos\":{\"y\":false}}}", ECS_ERR_INVALID_ARGUMENT,
       "Every.pos.y", "expected a number, got a boolean"},
  };
  fixture_t f;
  fixture_init(&f);
  ecs_entity_t a = ecs_entity_create(f.w);
  Every v = sample();
  assert_int_equal(ecs_set(f.w, a, f.every, &v), ECS_OK);
  Vec2 p = {3.0f, 4.0f};
  assert_int_equal(ecs_set(f.w, a, f.vec2, &p), ECS_OK);
  uint64_t sum = ecs_world_checksum(f.w);
  char *before = dump_entity(f.w, a);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    ecs_json_error_t err;
    ecs_status_t st = ecs_json_set_entity(f.w, a, cases[i].json, strlen(cases[i].json), &err);
    if (st != cases[i].status || strcmp(err.path, cases[i].path) != 0 || !strstr(err.message, cases[i].message) ||
        err.status != st) {
      fail_msg("case %zu (%s): %s, path '%s', message '%s'", i, cases[i].json, ecs_err_name(st), err.path, err.message);
    }
    assert_int_equal(ecs_world_checksum(f.w), sum);
    char *after = dump_entity(f.w, a);
    assert_string_equal(after, before); /* the string too, which the checksum does not see */
    free(after);
    assert_false(ecs_has(f.w, a, f.tag));
  }
  /* the world is usable: a good edit goes through */
  const char *good = "{\"Every\":{\"i8\":5,\"text\":\"new\",\"i64\":\"-9007199254740993\"},\"Tag\":true}";
  assert_int_equal(ecs_json_set_entity(f.w, a, good, strlen(good), NULL), ECS_OK);
  assert_int_equal(((const Every *)ecs_get(f.w, a, f.every))->i8, 5);
  assert_true(((const Every *)ecs_get(f.w, a, f.every))->i64 == INT64_C(-9007199254740993)); /* from a string */
  assert_string_equal(((const Every *)ecs_get(f.w, a, f.every))->text, "new");
  assert_int_equal(((const Every *)ecs_get(f.w, a, f.every))->i16, -12345); /* others kept */
  assert_true(ecs_has(f.w, a, f.tag));
  free(before);
  ecs_world_free(f.w);
}

static void test_read_value_in_place(void **state) {
  (void)state;
  fixture_t f;
  fixture_init(&f);
  Vec2 p = {1.0f, 2.0f};
  ecs_json_error_t err;
  const char *j = "{\"y\":7.5}";
  assert_int_equal(ecs_json_read_value(f.w, f.vec2, j, strlen(j), &p, &err), ECS_OK);
  assert_true(p.x == 1.0f && p.y == 7.5f);
  const char *bad = "{\"x\":3,\"y\":\"no\"}";
  assert_int_equal(ecs_json_read_value(f.w, f.vec2, bad, strlen(bad), &p, &err), ECS_ERR_INVALID_ARGUMENT);
  assert_string_equal(err.message, "Vec2.y: expected a number, got a string");
  assert_true(p.x == 1.0f && p.y == 7.5f); /* all or nothing */
  assert_int_equal(ecs_json_read_value(f.w, 99, j, strlen(j), &p, &err), ECS_ERR_UNKNOWN_COMPONENT);
  assert_int_equal(ecs_json_read_value(NULL, f.vec2, j, strlen(j), &p, &err), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_json_read_value(f.w, f.vec2, NULL, 0, &p, &err), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_json_read_value(f.w, f.vec2, j, (size_t)ECS_JSON_MAX_TEXT + 1, &p, &err),
                   ECS_ERR_INVALID_ARGUMENT);
  assert_non_null(strstr(err.message, "at most"));
  /* malformed: line and column */
  const char *broken = "{\n  \"x\": ,}";
  assert_int_equal(ecs_json_read_value(f.w, f.vec2, broken, strlen(broken), &p, &err), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(err.line, 2);
  assert_true(err.column > 0);
  /* a string field through its hooks, in place: the old string freed, no leak */
  Every e;
  memset(&e, 0, sizeof e);
  e.text = strdup("old");
  const char *t = "{\"text\":\"newer\",\"label\":\"ok\"}";
  assert_int_equal(ecs_json_read_value(f.w, f.every, t, strlen(t), &e, &err), ECS_OK);
  assert_string_equal(e.text, "newer");
  assert_string_equal(e.label, "ok");
  free(e.text);
  /* a tag: true, with no value */
  assert_int_equal(ecs_json_read_value(f.w, f.tag, "true", 4, NULL, &err), ECS_OK);
  ecs_world_free(f.w);
}

static void test_set_component_and_errors(void **state) {
  (void)state;
  fixture_t f;
  fixture_init(&f);
  ecs_entity_t a = ecs_entity_create(f.w);
  ecs_json_error_t err;
  const char *j = "{\"x\":1,\"y\":2}";
  assert_int_equal(ecs_json_set_component(f.w, a, f.vec2, j, strlen(j), &err), ECS_OK); /* adds */
  assert_true(((const Vec2 *)ecs_get(f.w, a, f.vec2))->y == 2.0f);
  assert_int_equal(ecs_json_set_component(f.w, a, f.tag, "true", 4, &err), ECS_OK);
  assert_true(ecs_has(f.w, a, f.tag));
  assert_int_equal(ecs_json_set_component(f.w, a, 99, j, strlen(j), &err), ECS_ERR_UNKNOWN_COMPONENT);
  ecs_entity_t dead = ecs_entity_create(f.w);
  assert_int_equal(ecs_entity_destroy(f.w, dead), ECS_OK);
  assert_int_equal(ecs_json_set_component(f.w, dead, f.vec2, j, strlen(j), &err), ECS_ERR_STALE_ENTITY);
  assert_non_null(strstr(err.message, "is not alive"));
  assert_int_equal(ecs_json_set_entity(f.w, dead, "{}", 2, &err), ECS_ERR_STALE_ENTITY);
  assert_int_equal(ecs_json_set_entity(NULL, a, "{}", 2, &err), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_json_set_component(NULL, a, f.vec2, "{}", 2, &err), ECS_ERR_INVALID_ARGUMENT);
  ecs_world_free(f.w);
}

static char *dump_with(ecs_status_t (*fn)(ecs_world_t *, const ecs_writer_t *), ecs_world_t *w) {
  ecs_membuf_t buf = {0};
  ecs_writer_t out = ecs_membuf_writer(&buf);
  assert_int_equal(fn(w, &out), ECS_OK);
  assert_int_equal(ecs_write(&out, "", 1), ECS_OK);
  return (char *)buf.data;
}

static void test_world_and_query(void **state) {
  (void)state;
  fixture_t f;
  fixture_init(&f);
  ecs_entity_t e[5];
  assert_int_equal(ecs_entity_create_n(f.w, 5, e), ECS_OK);
  for (int i = 0; i < 5; ++i) {
    Vec2 p = {(float)i, 0};
    assert_int_equal(ecs_set(f.w, e[i], f.vec2, &p), ECS_OK);
    if (i % 2) {
      assert_int_equal(ecs_add(f.w, e[i], f.tag), ECS_OK);
    }
  }
  assert_int_equal(ecs_entity_destroy(f.w, e[2]), ECS_OK);
  char *text = dump_with(ecs_json_write_world, f.w);
  json_error_t je;
  json_t *root = json_loads(text, 0, &je);
  assert_non_null(root);
  json_t *list = json_object_get(root, "entities");
  assert_int_equal(json_array_size(list), 4);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 2), "index")), ECS_ENTITY_INDEX(e[3]));
  assert_true(json_number_value(json_object_get(
                  json_object_get(json_object_get(json_array_get(list, 3), "components"), "Vec2"), "x")) == 4.0);
  json_decref(root);
  free(text);

  ecs_query_desc_t qd = {{{f.vec2, ECS_ACCESS_READ}, {f.tag, ECS_ACCESS_WITH}}};
  ecs_query_t *q = ecs_query_new(f.w, &qd);
  ecs_membuf_t buf = {0};
  ecs_writer_t out = ecs_membuf_writer(&buf);
  assert_int_equal(ecs_json_write_query(f.w, q, &out), ECS_OK);
  assert_int_equal(ecs_write(&out, "", 1), ECS_OK);
  root = json_loads((const char *)buf.data, 0, &je);
  assert_non_null(root);
  assert_int_equal(json_array_size(json_object_get(root, "entities")), 2);
  json_decref(root);
  ecs_membuf_free(&buf);
  assert_int_equal(ecs_json_write_query(f.w, NULL, &out), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_json_write_world(NULL, &out), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_json_write_entity(f.w, e[2], &out), ECS_ERR_STALE_ENTITY);
  assert_int_equal(ecs_json_write_value(f.w, 99, NULL, &out), ECS_ERR_UNKNOWN_COMPONENT);
  assert_int_equal(ecs_json_write_value(f.w, f.vec2, NULL, &out), ECS_ERR_INVALID_ARGUMENT);
  ecs_query_free(q);
  ecs_world_free(f.w);
}

static ecs_status_t fail_after(void *user, const void *data, size_t size) {
  (void)data;
  (void)size;
  int *left = user;
  return (*left)-- > 0 ? ECS_OK : ECS_ERR_IO;
}

static void test_writer_errors_stop(void **state) {
  (void)state;
  fixture_t f;
  fixture_init(&f);
  ecs_entity_t a = ecs_entity_create(f.w);
  Every v = sample();
  assert_int_equal(ecs_set(f.w, a, f.every, &v), ECS_OK);
  for (int n = 0; n < 40; n += 7) {
    int left = n;
    ecs_writer_t out = {fail_after, &left};
    assert_int_equal(ecs_json_write_entity(f.w, a, &out), ECS_ERR_IO);
    assert_int_equal(left, -1); /* nothing written after the failure */
  }
  ecs_world_free(f.w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_every_kind),
      cmocka_unit_test(test_non_finite_and_unnamed),
      cmocka_unit_test(test_bad_values_leave_the_world_intact),
      cmocka_unit_test(test_read_value_in_place),
      cmocka_unit_test(test_set_component_and_errors),
      cmocka_unit_test(test_world_and_query),
      cmocka_unit_test(test_writer_errors_stop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
