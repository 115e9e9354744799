/* The JSON module, reading: jansson parses, the field descriptions
 * (meta.h) say where each member goes. Reads decode into a copy and
 * replace the original only when every member was accepted. */
#define _POSIX_C_SOURCE 200809L
#include "ecs/json.h"
#include "ecs/meta.h"

#include <jansson.h>

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define ECS_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define ECS_PRINTF(fmt, args)
#endif

typedef struct in_t {
  ecs_json_error_t *err;
  char path[128];
} in_t;

static const char *type_name(const json_t *j) {
  if (!j) {
    return "nothing";
  }
  switch (json_typeof(j)) {
  case JSON_OBJECT:
    return "an object";
  case JSON_ARRAY:
    return "an array";
  case JSON_STRING:
    return "a string";
  case JSON_INTEGER:
    return "an integer";
  case JSON_REAL:
    return "a number";
  case JSON_TRUE:
  case JSON_FALSE:
    return "a boolean";
  default:
    return "null";
  }
}

static ecs_status_t fail_at(in_t *in, ecs_status_t st, const char *fmt, ...) ECS_PRINTF(3, 4);
static ecs_status_t fail_at(in_t *in, ecs_status_t st, const char *fmt, ...) {
  if (in->err) {
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    in->err->status = st;
    snprintf(in->err->path, sizeof in->err->path, "%s", in->path);
    snprintf(in->err->message, sizeof in->err->message, "%.120s%s%.130s", in->path, in->path[0] ? ": " : "", msg);
  }
  return st;
}

static ecs_status_t expected(in_t *in, const char *what, const json_t *j) {
  return fail_at(in, ECS_ERR_INVALID_ARGUMENT, "expected %s, got %s", what, type_name(j));
}

/* Appends ".name" or "[k]" to the path; returns the old length to restore. */
static size_t path_push(in_t *in, const char *fmt, ...) ECS_PRINTF(2, 3);
static size_t path_push(in_t *in, const char *fmt, ...) {
  size_t len = strlen(in->path);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(in->path + len, sizeof in->path - len, fmt, ap);
  va_end(ap);
  return len;
}

static void write_int(void *p, size_t size, int64_t v) {
  switch (size) {
  case 1: {
    int8_t x = (int8_t)v;
    memcpy(p, &x, 1);
    break;
  }
  case 2: {
    int16_t x = (int16_t)v;
    memcpy(p, &x, 2);
    break;
  }
  case 4: {
    int32_t x = (int32_t)v;
    memcpy(p, &x, 4);
    break;
  }
  default:
    memcpy(p, &v, 8);
    break;
  }
}

/* An unsigned 64-bit number from an integer or a decimal string. */
static bool get_u64(const json_t *j, uint64_t *out) {
  if (json_is_integer(j)) {
    json_int_t v = json_integer_value(j);
    if (v < 0) {
      return false;
    }
    *out = (uint64_t)v;
    return true;
  }
  if (json_is_string(j)) {
    const char *s = json_string_value(j);
    if (!*s || *s == '-' || *s == '+' || *s == ' ') {
      return false;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) {
      return false;
    }
    *out = v;
    return true;
  }
  return false;
}

/* A signed 64-bit number from an integer or a decimal string (what a
 * JavaScript client sends for a value beyond 2^53). */
static bool get_i64(const json_t *j, json_int_t *out) {
  if (json_is_integer(j)) {
    *out = json_integer_value(j);
    return true;
  }
  if (json_is_string(j)) {
    const char *s = json_string_value(j);
    const char *digits = *s == '-' ? s + 1 : s;
    if (*digits < '0' || *digits > '9') {
      return false;
    }
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end) {
      return false;
    }
    *out = (json_int_t)v;
    return true;
  }
  return false;
}

static ecs_status_t read_type(in_t *in, const ecs_meta_type_t *t, const json_t *j, char *base);

static ecs_status_t read_elem(in_t *in, const ecs_meta_field_t *f, const json_t *j, char *p) {
  static const int64_t smin[] = {0, INT8_MIN, INT16_MIN, 0, INT32_MIN, 0, 0, 0, INT64_MIN};
  static const int64_t smax[] = {0, INT8_MAX, INT16_MAX, 0, INT32_MAX, 0, 0, 0, INT64_MAX};
  switch (f->kind) {
  case ECS_META_I8:
  case ECS_META_I16:
  case ECS_META_I32:
  case ECS_META_I64: {
    json_int_t v;
    if (!get_i64(j, &v)) {
      return expected(in, "an integer", j);
    }
    if (v < smin[f->size] || v > smax[f->size]) {
      return fail_at(in, ECS_ERR_INVALID_ARGUMENT, "%lld is out of range for %s", (long long)v,
                     ecs_meta_kind_name(f->kind));
    }
    write_int(p, f->size, v);
    return ECS_OK;
  }
  case ECS_META_U8:
  case ECS_META_U16:
  case ECS_META_U32:
  case ECS_META_U64:
  case ECS_META_ENTITY: {
    uint64_t v;
    if (f->kind == ECS_META_ENTITY && json_is_null(j)) {
      v = 0;
    } else if (!get_u64(j, &v)) {
      if (json_is_integer(j)) {
        return fail_at(in, ECS_ERR_INVALID_ARGUMENT, "%lld is out of range for %s", (long long)json_integer_value(j),
                       ecs_meta_kind_name(f->kind));
      }
      return expected(in, f->kind == ECS_META_ENTITY ? "an entity id" : "a non-negative integer", j);
    }
    if (f->size < 8 && v >> (f->size * 8)) {
      return fail_at(in, ECS_ERR_INVALID_ARGUMENT, "%" PRIu64 " is out of range for %s", v,
                     ecs_meta_kind_name(f->kind));
    }
    if (f->size == 8) {
      memcpy(p, &v, 8);
    } else {
      write_int(p, f->size, (int64_t)v);
    }
    return ECS_OK;
  }
  case ECS_META_F32:
  case ECS_META_F64: {
    double v;
    if (json_is_number(j)) {
      v = json_number_value(j);
    } else if (json_is_string(j) && strcmp(json_string_value(j), "nan") == 0) {
      v = NAN;
    } else if (json_is_string(j) && strcmp(json_string_value(j), "inf") == 0) {
      v = INFINITY;
    } else if (json_is_string(j) && strcmp(json_string_value(j), "-inf") == 0) {
      v = -INFINITY;
    } else {
      return expected(in, "a number", j);
    }
    if (f->kind == ECS_META_F32) {
      if (isfinite(v) && fabs(v) > FLT_MAX) {
        return fail_at(in, ECS_ERR_INVALID_ARGUMENT, "%g is out of range for f32", v);
      }
      float x = (float)v;
      memcpy(p, &x, sizeof x);
    } else {
      memcpy(p, &v, sizeof v);
    }
    return ECS_OK;
  }
  case ECS_META_BOOL: {
    if (!json_is_boolean(j)) {
      return expected(in, "a boolean", j);
    }
    bool v = json_is_true(j);
    memcpy(p, &v, sizeof v);
    return ECS_OK;
  }
  case ECS_META_ENUM: {
    if (json_is_string(j)) {
      const char *s = json_string_value(j);
      for (uint32_t i = 0; i < f->constant_count; ++i) {
        if (strcmp(f->constants[i].name, s) == 0) {
          write_int(p, f->size, f->constants[i].value);
          return ECS_OK;
        }
      }
      char names[120] = "";
      for (uint32_t i = 0; i < f->constant_count; ++i) {
        size_t n = strlen(names);
        snprintf(names + n, sizeof names - n, "%s%s", i ? ", " : "", f->constants[i].name);
      }
      return fail_at(in, ECS_ERR_INVALID_ARGUMENT, "unknown constant '%.40s' (one of %s)", s, names);
    }
    if (json_is_integer(j)) { /* the number of a value written without a constant */
      json_int_t v = json_integer_value(j);
      if (v < smin[f->size] || v > smax[f->size]) {
        return fail_at(in, ECS_ERR_INVALID_ARGUMENT, "%lld is out of range for a %zu-byte enum", (long long)v, f->size);
      }
      write_int(p, f->size, v);
      return ECS_OK;
    }
    return expected(in, "a constant name", j);
  }
  case ECS_META_STRUCT:
    return read_type(in, f->type, j, p);
  case ECS_META_CHARS: {
    if (!json_is_string(j)) {
      return expected(in, "a string", j);
    }
    size_t n = json_string_length(j);
    if (n >= f->size) {
      return fail_at(in, ECS_ERR_INVALID_ARGUMENT, "a string of %zu bytes does not fit %zu bytes (with its NUL)", n,
                     f->size);
    }
    memset(p, 0, f->size);
    memcpy(p, json_string_value(j), n);
    return ECS_OK;
  }
  case ECS_META_STRING: {
    if (!json_is_string(j)) {
      return expected(in, "a string", j);
    }
    if (strlen(json_string_value(j)) != json_string_length(j)) {
      return fail_at(in, ECS_ERR_INVALID_ARGUMENT, "a string with a NUL inside");
    }
    ecs_status_t st = f->string->set(p, json_string_value(j), f->string->user);
    return st == ECS_OK ? ECS_OK : fail_at(in, st, "the string hook failed: %s", ecs_strerror(st));
  }
  default:
    return fail_at(in, ECS_ERR_INVALID_ARGUMENT, "a field of no kind");
  }
}

static ecs_status_t read_type(in_t *in, const ecs_meta_type_t *t, const json_t *j, char *base) {
  if (!json_is_object(j)) {
    return expected(in, "an object", j);
  }
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)j, key, v) {
    const ecs_meta_field_t *f = NULL;
    for (uint32_t i = 0; i < t->field_count && !f; ++i) {
      f = strcmp(t->fields[i].name, key) == 0 ? &t->fields[i] : NULL;
    }
    size_t len = path_push(in, "%s%.60s", in->path[0] ? "." : "", key);
    if (!f) {
      return fail_at(in, ECS_ERR_INVALID_ARGUMENT, "unknown field");
    }
    ecs_status_t st = ECS_OK;
    if (f->count > 1) {
      if (!json_is_array(v)) {
        st = expected(in, "an array", v);
      } else if (json_array_size(v) != f->count) {
        st = fail_at(in, ECS_ERR_INVALID_ARGUMENT, "expected %u elements, got %zu", f->count, json_array_size(v));
      }
      for (uint32_t k = 0; st == ECS_OK && k < f->count; ++k) {
        size_t l2 = path_push(in, "[%u]", k);
        st = read_elem(in, f, json_array_get(v, k), base + f->offset + k * f->size);
        if (st == ECS_OK) {
          in->path[l2] = '\0';
        }
      }
    } else {
      st = read_elem(in, f, v, base + f->offset);
    }
    if (st != ECS_OK) {
      return st;
    }
    in->path[len] = '\0';
  }
  return ECS_OK;
}

/* A scratch value of a component: constructed (ctor or zeroes), or a copy
 * of @p from; destroyed by scratch_free. */
typedef struct scratch_t {
  void *p;
  size_t bytes;
  ecs_component_info_t info;
} scratch_t;

static ecs_status_t scratch_new(scratch_t *s, const ecs_component_info_t *info, const void *from) {
  s->info = *info;
  size_t align = info->alignment < sizeof(void *) ? sizeof(void *) : info->alignment;
  s->bytes = (info->size + align - 1) / align * align;
  s->p = aligned_alloc(align, s->bytes);
  if (!s->p) {
    return ECS_ERR_NO_MEMORY;
  }
  memset(s->p, 0, s->bytes);
  if (from) {
    if (info->hooks.copy) {
      info->hooks.copy(s->p, from, 1, info->hooks.user);
    } else {
      memcpy(s->p, from, info->size);
    }
  } else if (info->hooks.ctor) {
    info->hooks.ctor(s->p, 1, info->hooks.user);
  }
  return ECS_OK;
}

static void scratch_free(scratch_t *s) {
  if (s->p) {
    if (s->info.hooks.dtor) {
      s->info.hooks.dtor(s->p, 1, s->info.hooks.user);
    }
    free(s->p);
    s->p = NULL;
  }
}

static ecs_status_t parse(const char *json, size_t len, json_t **out, in_t *in) {
  if (!json) {
    return fail_at(in, ECS_ERR_INVALID_ARGUMENT, "no JSON text");
  }
  if (len > ECS_JSON_MAX_TEXT) {
    return fail_at(in, ECS_ERR_INVALID_ARGUMENT, "%zu bytes of JSON, at most %u", len, ECS_JSON_MAX_TEXT);
  }
  json_error_t je;
  *out = json_loadb(json, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
  if (!*out) {
    if (in->err) {
      in->err->line = je.line;
      in->err->column = je.column;
    }
    return fail_at(in, ECS_ERR_INVALID_ARGUMENT, "malformed JSON at line %d, column %d: %s", je.line, je.column,
                   je.text);
  }
  return ECS_OK;
}

static void err_init(ecs_json_error_t *err) {
  if (err) {
    memset(err, 0, sizeof *err);
  }
}

/* Decodes @p j into scratch @p s (a copy of the current value or a new
 * one); the path starts with the component's name. */
static ecs_status_t decode(in_t *in, scratch_t *s, const json_t *j) {
  const ecs_component_info_t *info = &s->info;
  if (info->size == 0) {
    return json_is_true(j) ? ECS_OK : expected(in, "true (a tag)", j);
  }
  if (!info->meta) {
    return fail_at(in, ECS_ERR_INVALID_ARGUMENT, "component '%s' has no field description (ecs_meta_set)", info->name);
  }
  return read_type(in, info->meta, j, s->p);
}

ecs_status_t ecs_json_read_value(const ecs_world_t *world, ecs_component_t c, const char *json, size_t len, void *value,
                                 ecs_json_error_t *err) {
  err_init(err);
  in_t in = {err, ""};
  ecs_component_info_t info = {0};
  if (!world || (!value && c && ecs_component_size(world, c))) {
    return fail_at(&in, ECS_ERR_INVALID_ARGUMENT, "NULL world or value");
  }
  if (ecs_component_info(world, c, &info) != ECS_OK) {
    return fail_at(&in, ECS_ERR_UNKNOWN_COMPONENT, "component id %u is not registered", c);
  }
  snprintf(in.path, sizeof in.path, "%.60s", info.name);
  json_t *j = NULL;
  ecs_status_t st = parse(json, len, &j, &in);
  if (st != ECS_OK) {
    return st;
  }
  scratch_t s = {0};
  st = info.size ? scratch_new(&s, &info, value) : ECS_OK;
  if (st != ECS_OK) {
    fail_at(&in, st, "cannot allocate a value");
  } else {
    s.info = info;
    st = decode(&in, &s, j);
  }
  if (st == ECS_OK && info.size && value) { /* replace: destroy the old value, move the new one in */
    if (info.hooks.dtor) {
      info.hooks.dtor(value, 1, info.hooks.user);
    }
    if (info.hooks.move) {
      info.hooks.move(value, s.p, 1, info.hooks.user);
    } else {
      memcpy(value, s.p, info.size);
    }
    free(s.p); /* moved from: no dtor */
    s.p = NULL;
  }
  scratch_free(&s);
  json_decref(j);
  return st;
}

/* Decodes the value for component @p c of @p e into @p s. */
static ecs_status_t decode_for(ecs_world_t *world, ecs_entity_t e, const ecs_component_info_t *info, const json_t *j,
                               scratch_t *s, in_t *in) {
  memset(s, 0, sizeof *s);
  s->info = *info;
  if (info->size) {
    const void *cur = ecs_has(world, e, info->id) ? ecs_get(world, e, info->id) : NULL;
    ecs_status_t st = scratch_new(s, info, cur);
    if (st != ECS_OK) {
      return fail_at(in, st, "cannot allocate a value");
    }
  }
  return decode(in, s, j);
}

ecs_status_t ecs_json_set_component(ecs_world_t *world, ecs_entity_t e, ecs_component_t c, const char *json, size_t len,
                                    ecs_json_error_t *err) {
  err_init(err);
  in_t in = {err, ""};
  if (!world) {
    return fail_at(&in, ECS_ERR_INVALID_ARGUMENT, "NULL world");
  }
  ecs_component_info_t info = {0};
  if (ecs_component_info(world, c, &info) != ECS_OK) {
    return fail_at(&in, ECS_ERR_UNKNOWN_COMPONENT, "component id %u is not registered", c);
  }
  snprintf(in.path, sizeof in.path, "%.60s", info.name);
  if (!ecs_entity_alive(world, e)) {
    return fail_at(&in, ECS_ERR_STALE_ENTITY, "entity %" PRIu32 "v%" PRIu32 " is not alive", ECS_ENTITY_INDEX(e),
                   ECS_ENTITY_GENERATION(e));
  }
  json_t *j = NULL;
  ecs_status_t st = parse(json, len, &j, &in);
  if (st != ECS_OK) {
    return st;
  }
  scratch_t s = {0};
  st = decode_for(world, e, &info, j, &s, &in);
  if (st == ECS_OK) {
    st = ecs_set(world, e, c, s.p);
    if (st != ECS_OK) {
      fail_at(&in, st, "%s", ecs_last_error(world));
    }
  }
  scratch_free(&s);
  json_decref(j);
  return st;
}

ecs_status_t ecs_json_set_entity(ecs_world_t *world, ecs_entity_t e, const char *json, size_t len,
                                 ecs_json_error_t *err) {
  err_init(err);
  in_t in = {err, ""};
  if (!world) {
    return fail_at(&in, ECS_ERR_INVALID_ARGUMENT, "NULL world");
  }
  if (!ecs_entity_alive(world, e)) {
    return fail_at(&in, ECS_ERR_STALE_ENTITY, "entity %" PRIu32 "v%" PRIu32 " is not alive", ECS_ENTITY_INDEX(e),
                   ECS_ENTITY_GENERATION(e));
  }
  json_t *root = NULL;
  ecs_status_t st = parse(json, len, &root, &in);
  if (st != ECS_OK) {
    return st;
  }
  const json_t *comps = root;
  if (json_is_object(root) && json_is_object(json_object_get(root, "components"))) {
    comps = json_object_get(root, "components");
  }
  scratch_t *vals = NULL;
  size_t n = 0;
  if (!json_is_object(comps)) {
    st = expected(&in, "an object of components", comps);
    goto out;
  }
  size_t total = json_object_size(comps);
  vals = calloc(total ? total : 1, sizeof *vals);
  if (!vals) {
    st = fail_at(&in, ECS_ERR_NO_MEMORY, "cannot allocate");
    goto out;
  }
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)comps, key, v) {
    snprintf(in.path, sizeof in.path, "%.60s", key);
    ecs_component_t c = ecs_component_lookup(world, key);
    ecs_component_info_t info = {0};
    if (!c || ecs_component_info(world, c, &info) != ECS_OK) {
      st = fail_at(&in, ECS_ERR_UNKNOWN_COMPONENT, "unknown component");
      goto out;
    }
    if (json_is_null(v) && info.size && !info.meta) {
      continue; /* as written for an undescribed component: left alone */
    }
    st = decode_for(world, e, &info, v, &vals[n], &in);
    ++n; /* freed below either way */
    if (st != ECS_OK) {
      goto out;
    }
  }
  in.path[0] = '\0';
  for (size_t i = 0; i < n; ++i) {
    st = ecs_set(world, e, vals[i].info.id, vals[i].p);
    if (st != ECS_OK) {
      snprintf(in.path, sizeof in.path, "%.60s", vals[i].info.name);
      fail_at(&in, st, "%s (%zu of %zu components set)", ecs_last_error(world), i, n);
      break;
    }
  }
out:
  for (size_t i = 0; i < n; ++i) {
    scratch_free(&vals[i]);
  }
  free(vals);
  json_decref(root);
  return st;
}
