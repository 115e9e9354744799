/** @file ecs/meta.h
 *  Component reflection: the host describes the fields of a component
 *  (name, kind, offset; enums with named constants, fixed arrays, nested
 *  structs, strings through hooks) once, and tools read values field by
 *  field: the JSON module (json.h), the inspector (inspector.h), the schema
 *  dump below. Descriptions are checked against the component's size and
 *  alignment when they are set, so a reader never goes out of bounds.
 *  Also here: what a tool needs to walk a world without knowing it
 *  (component info, component ids, live entity slots).
 *  docs/reflection.md is the guide. */
#ifndef ECS_META_H
#define ECS_META_H

#include "component.h"
#include "config.h"
#include "entity.h"
#include "error.h"
#include "io.h"
#include "typed.h"
#include "world.h"

#include <stddef.h>

ECS_EXTERN_C_BEGIN

/** What a field holds. Each scalar kind has a fixed size (BOOL is the
 *  C bool, ENTITY an ecs_entity_t); ENUM, STRUCT, CHARS and STRING take
 *  their size from the field. */
typedef enum ecs_meta_kind_t {
  ECS_META_NONE = 0, /**< invalid: a field must have a kind */
  ECS_META_I8,
  ECS_META_I16,
  ECS_META_I32,
  ECS_META_I64,
  ECS_META_U8,
  ECS_META_U16,
  ECS_META_U32,
  ECS_META_U64,
  ECS_META_F32,
  ECS_META_F64,
  ECS_META_BOOL,
  ECS_META_ENTITY, /**< an entity handle (ecs_entity_t) */
  ECS_META_ENUM,   /**< a signed integer of 1, 2, 4 or 8 bytes with named constants */
  ECS_META_STRUCT, /**< a nested struct described by ecs_meta_field_t.type */
  ECS_META_CHARS,  /**< an inline char buffer holding a NUL-terminated string (size: the buffer's bytes) */
  ECS_META_STRING, /**< a string the component owns, read and replaced through ecs_meta_field_t.string */
  ECS_META_KIND_COUNT,
  ECS_PRIV_META_FORCE_U32 = 0x7fffffff
} ecs_meta_kind_t;

/** A named constant of an ENUM field. */
typedef struct ecs_meta_constant_t {
  const char *name;
  int64_t value;
} ecs_meta_constant_t;

/** Hooks of a STRING field; @p field points at the member (e.g. a char *),
 *  @p user is ecs_meta_string_t.user.
 *  - get: the string held, or NULL for none; valid until the value changes.
 *  - set: replaces the string held by a copy of @p s (never NULL), freeing
 *    the old one as the component's hooks expect; ECS_OK or an error
 *    (e.g. ECS_ERR_NO_MEMORY), leaving the old string on error. */
typedef struct ecs_meta_string_t {
  const char *(*get)(const void *field, void *user);
  ecs_status_t (*set)(void *field, const char *s, void *user);
  void *user;
} ecs_meta_string_t;

struct ecs_meta_type_t;

/** One field of a described type. Use the ECS_META_* macros below to fill
 *  it from the member itself. */
typedef struct ecs_meta_field_t {
  const char *name;     /**< required, unique in its type */
  ecs_meta_kind_t kind; /**< required */
  size_t offset;        /**< bytes from the start of the value */
  /** Bytes of one element. Scalars: 0 or their size (the macros pass the
   *  member's size, so a wrong kind is caught). ENUM: 1, 2, 4 or 8 (0:
   *  sizeof(int)). STRUCT: 0 or the nested type's size. CHARS: the
   *  buffer's bytes (required). STRING: the member's bytes (0: a pointer's). */
  size_t size;
  uint32_t count;                       /**< elements of a fixed array; 0 or 1: one */
  const ecs_meta_constant_t *constants; /**< ENUM: its constants */
  uint32_t constant_count;              /**< ENUM: at least one */
  const struct ecs_meta_type_t *type;   /**< STRUCT: the nested type */
  const ecs_meta_string_t *string;      /**< STRING: get and set required */
} ecs_meta_field_t;

/** A described type: a component's value, or a struct nested in one. */
typedef struct ecs_meta_type_t {
  const char *name; /**< nested structs: required; a component's: NULL means the component's name */
  size_t size;      /**< bytes; for a component 0 means the component's size, else it must be equal */
  size_t alignment; /**< power of two; 0: the component's (nested: the largest field's) */
  const ecs_meta_field_t *fields;
  uint32_t field_count;
} ecs_meta_type_t;

/** Most fields in one type, and most nesting levels. */
#define ECS_META_MAX_FIELDS 256
#define ECS_META_MAX_DEPTH 8

/** Describes the fields of component @p c with @p type (deep-copied: the
 *  host's arrays and strings need not outlive the call). Replaces an earlier
 *  description; a NULL @p type removes it. Checks, each a clear error naming
 *  the component and field: every field has a name (unique) and a kind;
 *  scalar sizes match their kind; offset + size * count within the type's
 *  size; each field aligned to its kind's alignment (which must not exceed
 *  the type's); no two fields overlap; enum sizes and constants (named,
 *  unique, in range); nested types (size, depth at most
 *  ECS_META_MAX_DEPTH); string hooks present; the component's size and
 *  alignment agree with the type's. A tag (size 0) takes no fields.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL world, any check above; the old
 *          description stays), ECS_ERR_UNKNOWN_COMPONENT, ECS_ERR_BUSY
 *          (during a tick), ECS_ERR_NO_MEMORY.
 *  Thread-safety: owner thread, outside a tick. */
ECS_API ecs_status_t ecs_meta_set(ecs_world_t *world, ecs_component_t c, const ecs_meta_type_t *type);

/** ecs_meta_set() for a typed component (ECS_META_SET_T): also checks that
 *  @p size and @p alignment, the C type's, are the component's
 *  (ECS_ERR_TYPE_MISMATCH otherwise). @p name may be NULL. */
ECS_API ecs_status_t ecs_meta_set_fields(ecs_world_t *world, ecs_component_t c, const char *name, size_t size,
                                         size_t alignment, const ecs_meta_field_t *fields, uint32_t field_count);

/** The description of @p c (the world's copy), or NULL when it has none,
 *  @p c is unknown or @p world NULL. Valid until ecs_meta_set() on @p c or
 *  ecs_world_free(). Thread-safety: any thread while no ecs_meta_set() runs. */
ECS_API const ecs_meta_type_t *ecs_meta_get(const ecs_world_t *world, ecs_component_t c);

/** Name of a kind in the schema ("f32", "enum", ...); "none" for others.
 *  Thread-safety: any thread. */
ECS_API const char *ecs_meta_kind_name(ecs_meta_kind_t kind);

/** Size and alignment of one element of @p field, as ecs_meta_set()
 *  resolved them (for a field of a type from ecs_meta_get()). Returns the
 *  size; 0 for NULL. Thread-safety: any thread. */
ECS_API size_t ecs_meta_field_size(const ecs_meta_field_t *field, size_t *alignment);

/** What the world knows of a component. */
typedef struct ecs_component_info_t {
  ecs_component_t id;
  const char *name; /**< the world's; valid for its lifetime */
  size_t size;      /**< 0 for a tag */
  size_t alignment;
  ecs_storage_kind_t storage;  /**< the resolved kind, never ECS_STORAGE_DEFAULT */
  uint32_t flags;              /**< ECS_COMPONENT_* */
  uint32_t version;            /**< schema version (ecs_component_desc_t.version) */
  ecs_type_hooks_t hooks;      /**< for constructing, copying and destroying values */
  bool is_resource;            /**< a singleton value is set (resource.h) */
  const ecs_meta_type_t *meta; /**< ecs_meta_get() */
} ecs_component_info_t;

/** Fills @p out for component @p c.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL argument), ECS_ERR_UNKNOWN_COMPONENT.
 *  Thread-safety: any thread while no registration runs. */
ECS_API ecs_status_t ecs_component_info(const ecs_world_t *world, ecs_component_t c, ecs_component_info_t *out);

/** The highest component id registered (ids run from 1 to it, without
 *  gaps); 0 for none or a NULL world. Thread-safety: as ecs_component_info(). */
ECS_API ecs_component_t ecs_component_last(const ecs_world_t *world);

/** Number of entity slots (live or free, slot 0 included): indices run
 *  below it. 0 for a NULL world. Thread-safety: any thread while no
 *  structural change runs. */
ECS_API uint32_t ecs_entity_slot_count(const ecs_world_t *world);

/** The live entity in slot @p index (with its generation), or
 *  ECS_ENTITY_NULL for a free slot, an index out of range or a NULL world.
 *  Walking indices 1..ecs_entity_slot_count()-1 visits every live entity
 *  in slot order. Thread-safety: as ecs_entity_slot_count(). */
ECS_API ecs_entity_t ecs_entity_at(const ecs_world_t *world, uint32_t index);

/** Writes the schema of every component as one JSON object:
 *  `{"format":1,"components":[{"id","name","size","alignment","version",
 *  "storage","tag","transient","resource","type"}]}` where "type" is null
 *  for an undescribed component, else `{"name","size","alignment",
 *  "fields":[{"name","kind","offset","size","count"}]}` with
 *  "constants" for enums and a nested "type" for structs.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL argument), the writer's error.
 *  Thread-safety: owner thread, or any thread while no one registers. */
ECS_API ecs_status_t ecs_meta_write_schema(const ecs_world_t *world, const ecs_writer_t *out);

ECS_EXTERN_C_END

/* ---- building descriptions from the members themselves ---------------- */

#ifdef __cplusplus
#include <cstdint>
#include <type_traits>
/** The kind of a member type, for ECS_META_AUTO (C++). */
template <class M> constexpr ecs_meta_kind_t ecs_priv_meta_kind() {
  using T = typename std::remove_cv<M>::type;
  return std::is_same<T, bool>::value       ? ECS_META_BOOL
         : std::is_same<T, int8_t>::value   ? ECS_META_I8
         : std::is_same<T, int16_t>::value  ? ECS_META_I16
         : std::is_same<T, int32_t>::value  ? ECS_META_I32
         : std::is_same<T, int64_t>::value  ? ECS_META_I64
         : std::is_same<T, uint8_t>::value  ? ECS_META_U8
         : std::is_same<T, uint16_t>::value ? ECS_META_U16
         : std::is_same<T, uint32_t>::value ? ECS_META_U32
         : std::is_same<T, uint64_t>::value ? ECS_META_U64
         : std::is_same<T, float>::value    ? ECS_META_F32
         : std::is_same<T, double>::value   ? ECS_META_F64
                                            : ECS_META_NONE;
}
#define ECS_PRIV_MEMBER_SIZE(T, m) sizeof(T::m)
#define ECS_PRIV_MEMBER_ELEM_SIZE(T, m) sizeof(T::m[0])
#define ECS_PRIV_META_KIND_OF(T, m) ecs_priv_meta_kind<decltype(T::m)>()
#else
#define ECS_PRIV_MEMBER_SIZE(T, m) sizeof(((T *)0)->m)
#define ECS_PRIV_MEMBER_ELEM_SIZE(T, m) sizeof(((T *)0)->m[0])
#define ECS_PRIV_META_KIND_OF(T, m)                                                                                    \
  _Generic(((T *)0)->m, _Bool                                                                                          \
           : ECS_META_BOOL, int8_t                                                                                     \
           : ECS_META_I8, int16_t                                                                                      \
           : ECS_META_I16, int32_t                                                                                     \
           : ECS_META_I32, int64_t                                                                                     \
           : ECS_META_I64, uint8_t                                                                                     \
           : ECS_META_U8, uint16_t                                                                                     \
           : ECS_META_U16, uint32_t                                                                                    \
           : ECS_META_U32, uint64_t                                                                                    \
           : ECS_META_U64, float                                                                                       \
           : ECS_META_F32, double                                                                                      \
           : ECS_META_F64, default                                                                                     \
           : ECS_META_NONE)
#endif

/** A field of kind @p kind at member @p m of struct @p T (its offset and
 *  size from the member): `ECS_META_FIELD(Position, x, ECS_META_F32)`. */
#define ECS_META_FIELD(T, m, kind)                                                                                     \
  { #m, (kind), offsetof(T, m), ECS_PRIV_MEMBER_SIZE(T, m), 1, ECS_PRIV_NULL, 0, ECS_PRIV_NULL, ECS_PRIV_NULL }
/** A scalar field whose kind follows from the member's type (the fixed-width
 *  integers of stdint.h, float, double, bool); any other type gives
 *  ECS_META_NONE, which ecs_meta_set() refuses. An entity handle is a
 *  uint64_t to the compiler: describe it with ECS_META_FIELD(T, m, ECS_META_ENTITY). */
#define ECS_META_AUTO(T, m) ECS_META_FIELD(T, m, ECS_PRIV_META_KIND_OF(T, m))
/** A fixed array member `float v[3]` of elements of kind @p kind. */
#define ECS_META_ARRAY(T, m, kind)                                                                                     \
  {                                                                                                                    \
#m, (kind), offsetof(T, m), ECS_PRIV_MEMBER_ELEM_SIZE(T, m),                                                       \
        ECS_CAST(uint32_t, ECS_PRIV_MEMBER_SIZE(T, m) / ECS_PRIV_MEMBER_ELEM_SIZE(T, m)), ECS_PRIV_NULL, 0,            \
        ECS_PRIV_NULL, ECS_PRIV_NULL                                                                                   \
  }
/** An enum member with the constants of the array @p consts (a true array,
 *  not a pointer: its length is taken with sizeof). */
#define ECS_META_ENUM(T, m, consts)                                                                                    \
  {                                                                                                                    \
#m, ECS_META_ENUM, offsetof(T, m), ECS_PRIV_MEMBER_SIZE(T, m), 1, (consts),                                        \
        ECS_CAST(uint32_t, sizeof(consts) / sizeof((consts)[0])), ECS_PRIV_NULL, ECS_PRIV_NULL                         \
  }
/** A nested struct member described by @p meta_type (an ecs_meta_type_t *). */
#define ECS_META_STRUCT(T, m, meta_type)                                                                               \
  { #m, ECS_META_STRUCT, offsetof(T, m), ECS_PRIV_MEMBER_SIZE(T, m), 1, ECS_PRIV_NULL, 0, (meta_type), ECS_PRIV_NULL }
/** An inline `char m[N]` holding a NUL-terminated string. */
#define ECS_META_CHARS(T, m)                                                                                           \
  { #m, ECS_META_CHARS, offsetof(T, m), ECS_PRIV_MEMBER_SIZE(T, m), 1, ECS_PRIV_NULL, 0, ECS_PRIV_NULL, ECS_PRIV_NULL }
/** A string member read and replaced through @p hooks (an ecs_meta_string_t *). */
#define ECS_META_STRING(T, m, hooks)                                                                                   \
  { #m, ECS_META_STRING, offsetof(T, m), ECS_PRIV_MEMBER_SIZE(T, m), 1, ECS_PRIV_NULL, 0, ECS_PRIV_NULL, (hooks) }
/** Number of elements of a field array. */
#define ECS_META_COUNT(fields) ECS_CAST(uint32_t, sizeof(fields) / sizeof((fields)[0]))
/** A nested type description for struct @p T from the array @p fields. */
#define ECS_META_TYPE(T, fields)                                                                                       \
  { #T, sizeof(T), ECS_ALIGNOF(T), (fields), ECS_META_COUNT(fields) }
/** Describes typed component @p T (typed.h: ECS_DECLARE/ECS_DEFINE,
 *  registered in @p world) with the field array @p fields; the C type's
 *  size and alignment are checked against the component's. Yields an
 *  ecs_status_t. */
#define ECS_META_SET_T(world, T, fields)                                                                               \
  ecs_meta_set_fields((world), ECS_ID((world), T), #T, sizeof(T), ECS_ALIGNOF(T), (fields), ECS_META_COUNT(fields))

#endif /* ECS_META_H */
