/* Component reflection: descriptions checked against the component's size
 * and alignment, deep-copied into the world, and the schema dump. */
#include "private.h"

#include "ecs/meta.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
  const char *name;
  size_t size;
  size_t align;
} kinds[ECS_META_KIND_COUNT] = {
    [ECS_META_NONE] = {"none", 0, 0},
    [ECS_META_I8] = {"i8", 1, 1},
    [ECS_META_I16] = {"i16", 2, _Alignof(int16_t)},
    [ECS_META_I32] = {"i32", 4, _Alignof(int32_t)},
    [ECS_META_I64] = {"i64", 8, _Alignof(int64_t)},
    [ECS_META_U8] = {"u8", 1, 1},
    [ECS_META_U16] = {"u16", 2, _Alignof(uint16_t)},
    [ECS_META_U32] = {"u32", 4, _Alignof(uint32_t)},
    [ECS_META_U64] = {"u64", 8, _Alignof(uint64_t)},
    [ECS_META_F32] = {"f32", sizeof(float), _Alignof(float)},
    [ECS_META_F64] = {"f64", sizeof(double), _Alignof(double)},
    [ECS_META_BOOL] = {"bool", sizeof(bool), _Alignof(bool)},
    [ECS_META_ENTITY] = {"entity", sizeof(ecs_entity_t), _Alignof(ecs_entity_t)},
    [ECS_META_ENUM] = {"enum", 0, 0},
    [ECS_META_STRUCT] = {"struct", 0, 0},
    [ECS_META_CHARS] = {"chars", 0, 1},
    [ECS_META_STRING] = {"string", 0, 0},
};

const char *ecs_meta_kind_name(ecs_meta_kind_t kind) {
  return (kind > ECS_META_NONE && kind < ECS_META_KIND_COUNT) ? kinds[kind].name : "none";
}

/* The alignment of a string member of @p size bytes: the largest power of
 * two that divides it, at most a pointer's (char *, or a small struct of
 * pointers and sizes). */
static size_t string_align(size_t size) {
  size_t a = 1;
  while (a < _Alignof(max_align_t) && a < size && size % (a * 2) == 0) {
    a *= 2;
  }
  return a;
}

size_t ecs_meta_field_size(const ecs_meta_field_t *f, size_t *alignment) {
  size_t size = 0, align = 1;
  if (f && f->kind > ECS_META_NONE && f->kind < ECS_META_KIND_COUNT) {
    switch (f->kind) {
    case ECS_META_ENUM:
      size = f->size ? f->size : sizeof(int);
      align = size;
      break;
    case ECS_META_STRUCT:
      size = f->type ? f->type->size : 0;
      align = f->type && f->type->alignment ? f->type->alignment : 1;
      break;
    case ECS_META_CHARS:
      size = f->size;
      break;
    case ECS_META_STRING:
      size = f->size ? f->size : sizeof(char *);
      align = string_align(size);
      break;
    default:
      size = kinds[f->kind].size;
      align = kinds[f->kind].align;
      break;
    }
  }
  if (alignment) {
    *alignment = align;
  }
  return size;
}

/* ---- checking ----------------------------------------------------------- */

typedef struct check_t {
  ecs_world_t *w;
  const char *component;
  char path[160]; /* "outer.inner" of the type being checked */
} check_t;

static ecs_status_t bad(check_t *ck, const char *fmt, ...) ECS_PRINTF(2, 3);
static ecs_status_t bad(check_t *ck, const char *fmt, ...) {
  char msg[ECS_ERROR_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return ecs__fail(ck->w, ECS_ERR_INVALID_ARGUMENT, "component '%s': %s%s%s", ck->component, ck->path,
                   ck->path[0] ? ": " : "", msg);
}

static bool is_pow2(size_t x) {
  return x && !(x & (x - 1));
}

static ecs_status_t check_type(check_t *ck, const ecs_meta_type_t *t, unsigned depth);

static ecs_status_t check_enum(check_t *ck, const ecs_meta_field_t *f, size_t size) {
  if (size != 1 && size != 2 && size != 4 && size != 8) {
    return bad(ck, "field '%s': an enum is 1, 2, 4 or 8 bytes, not %zu", f->name, size);
  }
  if (!f->constants || f->constant_count == 0) {
    return bad(ck, "field '%s': an enum needs its constants", f->name);
  }
  int64_t lo = size == 8 ? INT64_MIN : -(INT64_C(1) << (size * 8 - 1));
  int64_t hi = size == 8 ? INT64_MAX : (INT64_C(1) << (size * 8 - 1)) - 1;
  for (uint32_t i = 0; i < f->constant_count; ++i) {
    const ecs_meta_constant_t *k = &f->constants[i];
    if (!k->name || !k->name[0]) {
      return bad(ck, "field '%s': constant %u has no name", f->name, i);
    }
    if (k->value < lo || k->value > hi) {
      return bad(ck, "field '%s': constant '%s' = %lld does not fit %zu bytes", f->name, k->name, (long long)k->value,
                 size);
    }
    for (uint32_t j = 0; j < i; ++j) {
      if (strcmp(f->constants[j].name, k->name) == 0) {
        return bad(ck, "field '%s': constant '%s' twice", f->name, k->name);
      }
    }
  }
  return ECS_OK;
}

static ecs_status_t check_field(check_t *ck, const ecs_meta_type_t *t, const ecs_meta_field_t *f, size_t t_align,
                                unsigned depth, size_t *extent) {
  if (!f->name || !f->name[0]) {
    return bad(ck, "a field has no name");
  }
  if (f->kind <= ECS_META_NONE || f->kind >= ECS_META_KIND_COUNT) {
    return bad(ck, "field '%s': no kind or an unknown kind (%d)", f->name, (int)f->kind);
  }
  size_t align;
  size_t size = ecs_meta_field_size(f, &align);
  switch (f->kind) {
  case ECS_META_ENUM: {
    ecs_status_t st = check_enum(ck, f, size);
    if (st != ECS_OK) {
      return st;
    }
    break;
  }
  case ECS_META_STRUCT: {
    if (!f->type) {
      return bad(ck, "field '%s': a struct field needs its type", f->name);
    }
    size_t len = strlen(ck->path);
    snprintf(ck->path + len, sizeof ck->path - len, "%s%s", len ? "." : "", f->name);
    ecs_status_t st = check_type(ck, f->type, depth + 1);
    ck->path[len] = '\0';
    if (st != ECS_OK) {
      return st;
    }
    size = f->type->size;
    ecs_meta_field_size(f, &align);
    if (f->size && f->size != size) {
      return bad(ck, "field '%s': the member is %zu bytes, its type '%s' %zu", f->name, f->size, f->type->name, size);
    }
    break;
  }
  case ECS_META_CHARS:
    if (size == 0) {
      return bad(ck, "field '%s': a chars field needs the buffer's size", f->name);
    }
    break;
  case ECS_META_STRING:
    if (!f->string || !f->string->get || !f->string->set) {
      return bad(ck, "field '%s': a string field needs get and set hooks", f->name);
    }
    break;
  default:
    if (f->size && f->size != size) {
      return bad(ck, "field '%s': %s is %zu bytes, the member %zu", f->name, kinds[f->kind].name, size, f->size);
    }
    break;
  }
  uint32_t count = f->count ? f->count : 1;
  if (size > SIZE_MAX / count || f->offset > t->size || size * count > t->size - f->offset) {
    return bad(ck, "field '%s': offset %zu + %u x %zu bytes is outside the type's %zu bytes", f->name, f->offset, count,
               size, t->size);
  }
  if (align > t_align) {
    return bad(ck, "field '%s': %s needs alignment %zu, the type has %zu", f->name, kinds[f->kind].name, align,
               t_align);
  }
  if (f->offset % align) {
    return bad(ck, "field '%s': offset %zu is not aligned to %zu (%s)", f->name, f->offset, align, kinds[f->kind].name);
  }
  *extent = size * count;
  return ECS_OK;
}

static ecs_status_t check_type(check_t *ck, const ecs_meta_type_t *t, unsigned depth) {
  if (depth > ECS_META_MAX_DEPTH) {
    return bad(ck, "nested more than %d levels deep", ECS_META_MAX_DEPTH);
  }
  if (depth > 0 && (!t->name || !t->name[0])) {
    return bad(ck, "a nested type has no name");
  }
  if (t->field_count > ECS_META_MAX_FIELDS) {
    return bad(ck, "%u fields, at most %d", t->field_count, ECS_META_MAX_FIELDS);
  }
  if (t->field_count && !t->fields) {
    return bad(ck, "%u fields but no field array", t->field_count);
  }
  if (t->alignment && !is_pow2(t->alignment)) {
    return bad(ck, "alignment %zu is not a power of two", t->alignment);
  }
  if (t->alignment && t->size % t->alignment) {
    return bad(ck, "size %zu is not a multiple of the alignment %zu", t->size, t->alignment);
  }
  size_t t_align = t->alignment;
  if (!t_align) { /* nested, undeclared: the largest field's */
    t_align = 1;
    for (uint32_t i = 0; i < t->field_count; ++i) {
      size_t a;
      ecs_meta_field_size(&t->fields[i], &a);
      t_align = a > t_align ? a : t_align;
    }
  }
  for (uint32_t i = 0; i < t->field_count; ++i) {
    const ecs_meta_field_t *f = &t->fields[i];
    size_t extent = 0;
    ecs_status_t st = check_field(ck, t, f, t_align, depth, &extent);
    if (st != ECS_OK) {
      return st;
    }
    for (uint32_t j = 0; j < i; ++j) {
      const ecs_meta_field_t *g = &t->fields[j];
      if (strcmp(g->name, f->name) == 0) {
        return bad(ck, "field '%s' twice", f->name);
      }
      size_t g_align = 0, g_size = ecs_meta_field_size(g, &g_align) * (g->count ? g->count : 1);
      if (extent && g_size && f->offset < g->offset + g_size && g->offset < f->offset + extent) {
        return bad(ck, "field '%s' (bytes %zu..%zu) overlaps field '%s' (bytes %zu..%zu)", f->name, f->offset,
                   f->offset + extent - 1, g->name, g->offset, g->offset + g_size - 1);
      }
    }
  }
  return ECS_OK;
}

/* ---- the world's copy --------------------------------------------------- */

static void type_free(ecs_world_t *w, ecs_meta_type_t *t);

static void field_free(ecs_world_t *w, ecs_meta_field_t *f) {
  ecs__strfree(w, (char *)f->name);
  if (f->constants) {
    for (uint32_t i = 0; i < f->constant_count; ++i) {
      ecs__strfree(w, (char *)f->constants[i].name);
    }
    ecs__free(w, (void *)f->constants, f->constant_count * sizeof *f->constants);
  }
  if (f->kind == ECS_META_STRUCT) {
    type_free(w, (ecs_meta_type_t *)f->type);
  }
  ecs__free(w, (void *)f->string, f->string ? sizeof *f->string : 0);
}

static void type_free(ecs_world_t *w, ecs_meta_type_t *t) {
  if (!t) {
    return;
  }
  ecs_meta_field_t *fields = (ecs_meta_field_t *)t->fields;
  if (fields) {
    for (uint32_t i = 0; i < t->field_count; ++i) {
      field_free(w, &fields[i]);
    }
    ecs__free(w, fields, t->field_count * sizeof *fields);
  }
  ecs__strfree(w, (char *)t->name);
  ecs__free(w, t, sizeof *t);
}

void ecs__meta_free(ecs_world_t *w, ecs_meta_type_t *t) {
  type_free(w, t);
}

/* A deep copy with every size and alignment resolved, so readers need no
 * defaults; NULL when memory runs out (nothing leaks). */
static ecs_meta_type_t *type_copy(ecs_world_t *w, const ecs_meta_type_t *src, const char *name, size_t size,
                                  size_t align) {
  ecs_meta_type_t *t = ecs__alloc(w, sizeof *t);
  if (!t) {
    return NULL;
  }
  memset(t, 0, sizeof *t);
  t->size = size;
  t->alignment = align;
  t->name = ecs__strdup(w, name);
  if (!t->name) {
    goto out_free;
  }
  if (src->field_count) {
    ecs_meta_field_t *fields = ecs__alloc(w, src->field_count * sizeof *fields);
    if (!fields) {
      goto out_free;
    }
    memset(fields, 0, src->field_count * sizeof *fields);
    t->fields = fields;
    t->field_count = src->field_count;
    for (uint32_t i = 0; i < src->field_count; ++i) {
      const ecs_meta_field_t *sf = &src->fields[i];
      ecs_meta_field_t *f = &fields[i];
      f->kind = sf->kind;
      f->offset = sf->offset;
      f->count = sf->count ? sf->count : 1;
      size_t a;
      f->size = sf->kind == ECS_META_STRUCT ? sf->type->size : ecs_meta_field_size(sf, &a);
      f->name = ecs__strdup(w, sf->name);
      if (!f->name) {
        goto out_free;
      }
      if (sf->kind == ECS_META_ENUM) {
        ecs_meta_constant_t *k = ecs__alloc(w, sf->constant_count * sizeof *k);
        if (!k) {
          goto out_free;
        }
        memset(k, 0, sf->constant_count * sizeof *k);
        f->constants = k;
        f->constant_count = sf->constant_count;
        for (uint32_t j = 0; j < sf->constant_count; ++j) {
          k[j].value = sf->constants[j].value;
          k[j].name = ecs__strdup(w, sf->constants[j].name);
          if (!k[j].name) {
            goto out_free;
          }
        }
      } else if (sf->kind == ECS_META_STRUCT) {
        size_t na;
        ecs_meta_field_size(sf, &na);
        f->type = type_copy(w, sf->type, sf->type->name, sf->type->size, na);
        if (!f->type) {
          goto out_free;
        }
      } else if (sf->kind == ECS_META_STRING) {
        ecs_meta_string_t *h = ecs__alloc(w, sizeof *h);
        if (!h) {
          goto out_free;
        }
        *h = *sf->string;
        f->string = h;
      }
    }
  }
  return t;
out_free:
  type_free(w, t);
  return NULL;
}

/* ---- the public calls --------------------------------------------------- */

static ecs_status_t meta_set(ecs_world_t *world, ecs_component_t c, const ecs_meta_type_t *type) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (world->in_tick) {
    return ecs__fail(world, ECS_ERR_BUSY, "ecs_meta_set during a tick");
  }
  ecs__component_t *r = ecs__component_get(world, c);
  if (!r) {
    return ecs__fail(world, ECS_ERR_UNKNOWN_COMPONENT, "component id %u is not registered", c);
  }
  if (!type) {
    type_free(world, r->meta);
    r->meta = NULL;
    ecs__ok(world);
    return ECS_OK;
  }
  check_t ck = {world, r->name, ""};
  if (type->size && type->size != r->size) {
    return bad(&ck, "the description is %zu bytes, the component %zu", type->size, r->size);
  }
  if (type->alignment && type->alignment != r->alignment) {
    return bad(&ck, "the description has alignment %zu, the component %zu", type->alignment, r->alignment);
  }
  if (r->size == 0 && type->field_count) {
    return bad(&ck, "a tag has no fields");
  }
  ecs_meta_type_t resolved = *type;
  resolved.size = r->size;
  resolved.alignment = r->alignment ? r->alignment : 1;
  ecs_status_t st = check_type(&ck, &resolved, 0);
  if (st != ECS_OK) {
    return st;
  }
  ecs_meta_type_t *copy =
      type_copy(world, &resolved, type->name ? type->name : r->name, resolved.size, resolved.alignment);
  if (!copy) {
    return ecs__fail(world, ECS_ERR_NO_MEMORY, "cannot describe component '%s'", r->name);
  }
  type_free(world, r->meta);
  r->meta = copy;
  ecs__ok(world);
  return ECS_OK;
}

ecs_status_t ecs_meta_set(ecs_world_t *world, ecs_component_t c, const ecs_meta_type_t *type) {
  return meta_set(world, c, type);
}

ecs_status_t ecs_meta_set_fields(ecs_world_t *world, ecs_component_t c, const char *name, size_t size, size_t alignment,
                                 const ecs_meta_field_t *fields, uint32_t field_count) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs__component_t *r = ecs__component_get(world, c);
  if (r && (r->size != size || r->alignment != alignment)) {
    return ecs__fail(world, ECS_ERR_TYPE_MISMATCH,
                     "component '%s' is %zu bytes aligned to %zu, the described type %zu bytes aligned to %zu", r->name,
                     r->size, r->alignment, size, alignment);
  }
  ecs_meta_type_t t = {name, size, alignment, fields, field_count};
  return meta_set(world, c, &t);
}

const ecs_meta_type_t *ecs_meta_get(const ecs_world_t *world, ecs_component_t c) {
  const ecs__component_t *r = world ? ecs__component_get(world, c) : NULL;
  return r ? r->meta : NULL;
}

ecs_status_t ecs_component_info(const ecs_world_t *world, ecs_component_t c, ecs_component_info_t *out) {
  if (!world || !out) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  const ecs__component_t *r = ecs__component_get(world, c);
  if (!r) {
    return ECS_ERR_UNKNOWN_COMPONENT;
  }
  out->id = r->id;
  out->name = r->name;
  out->size = r->size;
  out->alignment = r->alignment;
  out->storage = r->kind;
  out->flags = r->flags;
  out->version = r->version;
  out->hooks = r->hooks;
  out->is_resource = r->resource != NULL;
  out->meta = r->meta;
  return ECS_OK;
}

ecs_component_t ecs_component_last(const ecs_world_t *world) {
  return world && world->component_count > 1 ? world->component_count - 1 : 0;
}

uint32_t ecs_entity_slot_count(const ecs_world_t *world) {
  return world ? world->record_count : 0;
}

ecs_entity_t ecs_entity_at(const ecs_world_t *world, uint32_t index) {
  if (!world || index == 0 || index >= world->record_count || !world->records[index].alive) {
    return ECS_ENTITY_NULL;
  }
  return ECS_ENTITY_MAKE(index, world->records[index].generation);
}

/* ---- schema dump -------------------------------------------------------- */

typedef struct out_t {
  ecs__sticky_t sticky;
  ecs_writer_t w;
} out_t;

static void put(out_t *o, const char *fmt, ...) ECS_PRINTF(2, 3);
static void put(out_t *o, const char *fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0) {
    ecs_write(&o->w, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
  }
}

static void put_str(out_t *o, const char *s) {
  ecs_write(&o->w, "\"", 1);
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; ++p) {
    if (*p == '"' || *p == '\\') {
      char esc[2] = {'\\', (char)*p};
      ecs_write(&o->w, esc, 2);
    } else if (*p < 0x20) {
      put(o, "\\u%04x", (unsigned)*p);
    } else {
      ecs_write(&o->w, p, 1);
    }
  }
  ecs_write(&o->w, "\"", 1);
}

static const char *storage_name(ecs_storage_kind_t k, char *buf, size_t cap) {
  switch (k) {
  case ECS_STORAGE_ARCHETYPE:
    return "archetype";
  case ECS_STORAGE_DENSE:
    return "dense";
  case ECS_STORAGE_SPARSE:
    return "sparse";
  default:
    snprintf(buf, cap, "custom:%d", (int)k);
    return buf;
  }
}

static void put_type(out_t *o, const ecs_meta_type_t *t) {
  ecs_write_str(&o->w, "{\"name\":");
  put_str(o, t->name);
  put(o, ",\"size\":%zu,\"alignment\":%zu,\"fields\":[", t->size, t->alignment);
  for (uint32_t i = 0; i < t->field_count; ++i) {
    const ecs_meta_field_t *f = &t->fields[i];
    ecs_write_str(&o->w, i ? ",{\"name\":" : "{\"name\":");
    put_str(o, f->name);
    put(o, ",\"kind\":\"%s\",\"offset\":%zu,\"size\":%zu,\"count\":%u", ecs_meta_kind_name(f->kind), f->offset, f->size,
        f->count);
    if (f->kind == ECS_META_ENUM) {
      ecs_write_str(&o->w, ",\"constants\":[");
      for (uint32_t j = 0; j < f->constant_count; ++j) {
        ecs_write_str(&o->w, j ? ",{\"name\":" : "{\"name\":");
        put_str(o, f->constants[j].name);
        put(o, ",\"value\":%lld}", (long long)f->constants[j].value);
      }
      ecs_write_str(&o->w, "]");
    } else if (f->kind == ECS_META_STRUCT) {
      ecs_write_str(&o->w, ",\"type\":");
      put_type(o, f->type);
    }
    ecs_write_str(&o->w, "}");
  }
  ecs_write_str(&o->w, "]}");
}

ecs_status_t ecs_meta_write_schema(const ecs_world_t *world, const ecs_writer_t *out) {
  if (!world || !out || !out->write) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  out_t o = {{*out, ECS_OK}, {0}};
  o.w = ecs__sticky_writer(&o.sticky);
  ecs_write_str(&o.w, "{\"format\":1,\"components\":[");
  for (uint32_t i = 1; i < world->component_count; ++i) {
    const ecs__component_t *c = world->components[i];
    char kind[32];
    ecs_write_str(&o.w, i > 1 ? ",\n{\"id\":" : "\n{\"id\":");
    put(&o, "%u,\"name\":", c->id);
    put_str(&o, c->name);
    put(&o, ",\"size\":%zu,\"alignment\":%zu,\"version\":%u,\"storage\":\"%s\",\"tag\":%s,\"transient\":%s", c->size,
        c->alignment, c->version, storage_name(c->kind, kind, sizeof kind), c->size ? "false" : "true",
        (c->flags & ECS_COMPONENT_TRANSIENT) ? "true" : "false");
    put(&o, ",\"resource\":%s,\"type\":", c->resource ? "true" : "false");
    if (c->meta) {
      put_type(&o, c->meta);
    } else {
      ecs_write_str(&o.w, "null");
    }
    ecs_write_str(&o.w, "}");
  }
  ecs_write_str(&o.w, "\n]}\n");
  return o.sticky.error;
}
