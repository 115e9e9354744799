/* The JSON module, writing: values as text by walking the field
 * descriptions (meta.h); no JSON library needed for this half. */
#define _POSIX_C_SOURCE 200809L
#include "ecs/json.h"
#include "ecs/meta.h"

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

typedef struct out_t {
  const ecs_writer_t *w;
  ecs_status_t st;
} out_t;

static void emit(out_t *o, const char *s, size_t n) {
  if (o->st == ECS_OK && n) {
    o->st = ecs_write(o->w, s, n);
  }
}

static void emits(out_t *o, const char *s) {
  emit(o, s, strlen(s));
}

static void emitf(out_t *o, const char *fmt, ...) ECS_PRINTF(2, 3);
static void emitf(out_t *o, const char *fmt, ...) {
  char buf[64];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0) {
    emit(o, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
  }
}

/* A JSON string of at most @p max bytes of @p s (a chars buffer need not
 * be terminated); bytes that are not valid UTF-8 are written as U+FFFD so
 * that the output always parses. */
static void emit_str(out_t *o, const char *s, size_t max) {
  emit(o, "\"", 1);
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < max && p[i]) {
    unsigned char c = p[i];
    if (c == '"' || c == '\\') {
      char esc[2] = {'\\', (char)c};
      emit(o, esc, 2);
      ++i;
    } else if (c < 0x20) {
      emitf(o, "\\u%04x", (unsigned)c);
      ++i;
    } else if (c < 0x80) {
      emit(o, (const char *)p + i, 1);
      ++i;
    } else {
      size_t n = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
      bool ok = n && i + n <= max;
      for (size_t k = 1; ok && k < n; ++k) {
        ok = (p[i + k] & 0xc0) == 0x80;
      }
      if (ok) {
        emit(o, (const char *)p + i, n);
        i += n;
      } else {
        emits(o, "\\ufffd");
        ++i;
      }
    }
  }
  emit(o, "\"", 1);
}

/* The shortest text that reads back as the same float or double. */
static void emit_real(out_t *o, double v, bool single) {
  if (isnan(v)) {
    emits(o, "\"nan\"");
    return;
  }
  if (isinf(v)) {
    emits(o, v > 0 ? "\"inf\"" : "\"-inf\"");
    return;
  }
  if (v == 0 && signbit(v)) {
    emits(o, "-0.0"); /* "-0" would read back as the integer 0 */
    return;
  }
  char buf[40];
  for (int prec = single ? 6 : 15; prec <= 17; ++prec) {
    snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (single ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v) {
      break;
    }
  }
  /* a JSON number needs a digit before '.' and no "inf"; %g gives both */
  emits(o, buf);
}

static int64_t read_int(const void *p, size_t size) {
  switch (size) {
  case 1: {
    int8_t v;
    memcpy(&v, p, 1);
    return v;
  }
  case 2: {
    int16_t v;
    memcpy(&v, p, 2);
    return v;
  }
  case 4: {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
  }
  default: {
    int64_t v;
    memcpy(&v, p, 8);
    return v;
  }
  }
}

static uint64_t read_uint(const void *p, size_t size) {
  switch (size) {
  case 1:
    return *(const uint8_t *)p;
  case 2: {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
  }
  case 4: {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
  }
  default: {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
  }
  }
}

static void emit_type(out_t *o, const ecs_meta_type_t *t, const char *base);

static void emit_elem(out_t *o, const ecs_meta_field_t *f, const char *p) {
  switch (f->kind) {
  case ECS_META_I8:
  case ECS_META_I16:
  case ECS_META_I32:
  case ECS_META_I64:
    emitf(o, "%" PRId64, read_int(p, f->size));
    break;
  case ECS_META_U8:
  case ECS_META_U16:
  case ECS_META_U32:
  case ECS_META_U64: {
    uint64_t v = read_uint(p, f->size);
    emitf(o, v > INT64_MAX ? "\"%" PRIu64 "\"" : "%" PRIu64, v);
    break;
  }
  case ECS_META_ENTITY: {
    ecs_entity_t v;
    memcpy(&v, p, sizeof v);
    emitf(o, v > INT64_MAX ? "\"%" PRIu64 "\"" : "%" PRIu64, (uint64_t)v);
    break;
  }
  case ECS_META_F32: {
    float v;
    memcpy(&v, p, sizeof v);
    emit_real(o, v, true);
    break;
  }
  case ECS_META_F64: {
    double v;
    memcpy(&v, p, sizeof v);
    emit_real(o, v, false);
    break;
  }
  case ECS_META_BOOL: {
    bool v;
    memcpy(&v, p, sizeof v);
    emits(o, v ? "true" : "false");
    break;
  }
  case ECS_META_ENUM: {
    int64_t v = read_int(p, f->size);
    for (uint32_t i = 0; i < f->constant_count; ++i) {
      if (f->constants[i].value == v) {
        emit_str(o, f->constants[i].name, SIZE_MAX);
        return;
      }
    }
    emitf(o, "%" PRId64, v);
    break;
  }
  case ECS_META_STRUCT:
    emit_type(o, f->type, p);
    break;
  case ECS_META_CHARS:
    emit_str(o, p, f->size);
    break;
  case ECS_META_STRING: {
    const char *s = f->string->get(p, f->string->user);
    if (s) {
      emit_str(o, s, SIZE_MAX);
    } else {
      emits(o, "null");
    }
    break;
  }
  default:
    emits(o, "null");
    break;
  }
}

static void emit_type(out_t *o, const ecs_meta_type_t *t, const char *base) {
  emit(o, "{", 1);
  for (uint32_t i = 0; i < t->field_count; ++i) {
    const ecs_meta_field_t *f = &t->fields[i];
    if (i) {
      emit(o, ",", 1);
    }
    emit_str(o, f->name, SIZE_MAX);
    emit(o, ":", 1);
    if (f->count > 1) {
      emit(o, "[", 1);
      for (uint32_t k = 0; k < f->count; ++k) {
        if (k) {
          emit(o, ",", 1);
        }
        emit_elem(o, f, base + f->offset + k * f->size);
      }
      emit(o, "]", 1);
    } else {
      emit_elem(o, f, base + f->offset);
    }
  }
  emit(o, "}", 1);
}

static void emit_value(out_t *o, const ecs_component_info_t *info, const void *value) {
  if (info->size == 0) {
    emits(o, "true");
  } else if (!info->meta) {
    emits(o, "null");
  } else {
    emit_type(o, info->meta, value);
  }
}

ecs_status_t ecs_json_write_value(const ecs_world_t *world, ecs_component_t c, const void *value,
                                  const ecs_writer_t *out) {
  if (!world || !out) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_component_info_t info = {0};
  ecs_status_t st = ecs_component_info(world, c, &info);
  if (st != ECS_OK) {
    return st;
  }
  if (info.size && !value) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  out_t o = {out, ECS_OK};
  emit_value(&o, &info, value);
  return o.st;
}

static void emit_entity(out_t *o, ecs_world_t *world, ecs_entity_t e) {
  emitf(o, "{\"id\":%" PRIu64 ",\"index\":%" PRIu32 ",\"generation\":%" PRIu32 ",\"components\":{", (uint64_t)e,
        ECS_ENTITY_INDEX(e), ECS_ENTITY_GENERATION(e));
  bool first = true;
  ecs_component_t last = ecs_component_last(world);
  for (ecs_component_t c = 1; c <= last; ++c) {
    if (!ecs_has(world, e, c)) {
      continue;
    }
    ecs_component_info_t info = {0};
    ecs_component_info(world, c, &info);
    if (!first) {
      emit(o, ",", 1);
    }
    first = false;
    emit_str(o, info.name, SIZE_MAX);
    emit(o, ":", 1);
    emit_value(o, &info, info.size ? ecs_get(world, e, c) : NULL);
  }
  emits(o, "}}");
}

ecs_status_t ecs_json_write_entity(ecs_world_t *world, ecs_entity_t e, const ecs_writer_t *out) {
  if (!world || !out) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (!ecs_entity_alive(world, e)) {
    return ECS_ERR_STALE_ENTITY;
  }
  out_t o = {out, ECS_OK};
  emit_entity(&o, world, e);
  return o.st;
}

ecs_status_t ecs_json_write_world(ecs_world_t *world, const ecs_writer_t *out) {
  if (!world || !out) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  out_t o = {out, ECS_OK};
  emits(&o, "{\"entities\":[");
  uint32_t slots = ecs_entity_slot_count(world);
  bool first = true;
  for (uint32_t i = 1; i < slots && o.st == ECS_OK; ++i) {
    ecs_entity_t e = ecs_entity_at(world, i);
    if (e) {
      emits(&o, first ? "\n" : ",\n");
      first = false;
      emit_entity(&o, world, e);
    }
  }
  emits(&o, "\n]}\n");
  return o.st;
}

ecs_status_t ecs_json_write_query(ecs_world_t *world, ecs_query_t *query, const ecs_writer_t *out) {
  if (!world || !query || !out) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  out_t o = {out, ECS_OK};
  emits(&o, "{\"entities\":[");
  bool first = true;
  ecs_iter_t it = ecs_query_iter(query);
  while (ecs_iter_next(&it)) {
    for (int32_t r = 0; r < it.count; ++r) {
      emits(&o, first ? "\n" : ",\n");
      first = false;
      emit_entity(&o, world, it.entities[r]);
    }
  }
  emits(&o, "\n]}\n");
  return o.st;
}
