/** @file ecs/typed.h
 *  Typed calls: the C type of a component is named in the call, so that its
 *  id, its size and the type of the value travel together.
 *
 *  A type is declared once in a header and defined once in a .c file, as a
 *  global variable would be:
 *
 *      // components.h
 *      typedef struct Position { float x, y; } Position;
 *      ECS_DECLARE(Position);
 *      // components.c
 *      ECS_DEFINE(Position);
 *      // per world, before use
 *      ECS_REGISTER(world, Position);
 *      ecs_set_t(world, e, Position, 1.0f, 2.0f);
 *      const Position *p = ecs_get_t(world, e, Position);
 *
 *  Ids are per world: the same type may have id 3 in one world and id 7 in
 *  another. An ecs_type_t is therefore not an id but the type's name, size
 *  and alignment; each call finds the type's id in the world it is given,
 *  by name, through a one-entry cache in the ecs_type_t (checked on every
 *  use, so it is never wrong, only slower when several worlds alternate).
 *  docs/adr/0004-typed-ids.md gives the reasons; docs/typed-api.md the
 *  guide.
 *
 *  What is checked: a value given to ecs_set_t() is built as the named type
 *  (a wrong initialiser does not compile); a pointer given to
 *  ecs_set_ptr_t() must point to the named type (C11 _Generic; C++
 *  overloading); the world's component of that name must have the type's
 *  size (else ECS_ERR_TYPE_MISMATCH); and, unless ECS_TYPE_CHECKS is 0,
 *  ecs_field_t() checks that the term is the named component. */
#ifndef ECS_TYPED_H
#define ECS_TYPED_H

#include "command.h"
#include "component.h"
#include "config.h"
#include "entity.h"
#include "error.h"
#include "query.h"
#include "world.h"

ECS_EXTERN_C_BEGIN

/** A component type known at compile time: what ECS_DEFINE() makes. Its
 *  fields are constant after definition except priv, which the library
 *  updates (atomically) as a cache. */
typedef struct ecs_type_t {
  const char *name; /**< the component's name in every world (the type's name as spelled) */
  size_t size;      /**< sizeof the type; 0 for a tag */
  size_t alignment; /**< alignof the type; 1 for a tag */
  /** NULL, or the rest of the definition for ecs_type_register(): storage,
   *  hooks, flags, snapshot hooks, version (its name, size and alignment
   *  are ignored: the fields above are used). Must outlive every world. */
  const ecs_component_desc_t *desc;
  struct {
    uint32_t hint; /* the id found last time (in whichever world) */
  } priv;          /**< the library's */
} ecs_type_t;

/** Registers @p type in @p world (ecs_component_register() with the
 *  type's name, size, alignment and type->desc) and returns its id; as
 *  there, registering again returns the same id.
 *  Errors: ECS_COMPONENT_NULL for a NULL world or type, otherwise those of
 *          ecs_component_register() (in ecs_last_error()).
 *  Thread-safety: owner thread, outside a tick. */
ECS_API ecs_component_t ecs_type_register(ecs_world_t *world, ecs_type_t *type);

/** The id of @p type in @p world, or ECS_COMPONENT_NULL when the world has
 *  no component of that name (ECS_ERR_UNKNOWN_COMPONENT) or has one of
 *  another size (ECS_ERR_TYPE_MISMATCH), or for NULL arguments; the
 *  detail, naming the type and the sizes, is the world's last error
 *  (except during a tick, see ecs.h). Cost: a name comparison when the
 *  cached id fits, else a hash lookup.
 *  Thread-safety: any thread while no registration runs (so also from
 *  systems during a tick). */
ECS_API ecs_component_t ecs_type_id(ecs_world_t *world, ecs_type_t *type);

/** ecs_type_id() that records no error (for a const world, e.g. an
 *  observer's). Thread-safety: as ecs_type_id(). */
ECS_API ecs_component_t ecs_type_lookup(const ecs_world_t *world, ecs_type_t *type);

/** ecs_set_sized() of @p type's component: @p size is the size of the
 *  object at @p value and must be the type's.
 *  Errors: as ecs_set(), ecs_type_id() and ecs_set_sized()
 *          (ECS_ERR_TYPE_MISMATCH). Thread-safety: as ecs_set(). */
ECS_API ecs_status_t ecs_set_typed(ecs_world_t *world, ecs_entity_t e, ecs_type_t *type, const void *value,
                                   size_t size);

/** ecs_get() of @p type's component. NULL also when ecs_type_id() fails
 *  (its error recorded). Ownership and thread-safety: as ecs_get(). */
ECS_API void *ecs_get_typed(ecs_world_t *world, ecs_entity_t e, ecs_type_t *type);

/** ecs_has() of @p type's component; false when the world does not know
 *  the type (nothing recorded). Thread-safety: as ecs_has(). */
ECS_API bool ecs_has_typed(const ecs_world_t *world, ecs_entity_t e, ecs_type_t *type);

/** ecs_add() of @p type's component. Errors: as ecs_add() and
 *  ecs_type_id(). Thread-safety: as ecs_add(). */
ECS_API ecs_status_t ecs_add_typed(ecs_world_t *world, ecs_entity_t e, ecs_type_t *type);

/** ecs_remove() of @p type's component. Errors: as ecs_remove() and
 *  ecs_type_id(). Thread-safety: as ecs_remove(). */
ECS_API ecs_status_t ecs_remove_typed(ecs_world_t *world, ecs_entity_t e, ecs_type_t *type);

/** ecs_cmd_set_sized() of @p type's component. Errors: as ecs_cmd_set()
 *  and ecs_type_id() (the detail in ecs_cmd_buffer_last_error(): recording
 *  never writes to the world). Thread-safety: as ecs_cmd_set(). */
ECS_API ecs_status_t ecs_cmd_set_typed(ecs_cmd_buffer_t *buf, ecs_entity_t e, ecs_type_t *type, const void *value,
                                       size_t size);

/** ecs_cmd_add() of @p type's component. Errors and thread-safety as
 *  ecs_cmd_set_typed(). */
ECS_API ecs_status_t ecs_cmd_add_typed(ecs_cmd_buffer_t *buf, ecs_entity_t e, ecs_type_t *type);

/** ecs_cmd_remove() of @p type's component. Errors and thread-safety as
 *  ecs_cmd_set_typed(). */
ECS_API ecs_status_t ecs_cmd_remove_typed(ecs_cmd_buffer_t *buf, ecs_entity_t e, ecs_type_t *type);

/** ecs_field() that checks that term @p term is @p type's component: the
 *  chunk's first value must be that component's value of the chunk's first
 *  entity. On a mismatch (or when the world does not know the type) it
 *  returns NULL and logs an ERROR naming the term's component, the type
 *  and both sizes (and records ECS_ERR_TYPE_MISMATCH outside a tick).
 *  Cost: a lookup per chunk. Ownership and thread-safety: as ecs_field(). */
ECS_API void *ecs_field_typed(const ecs_iter_t *it, int32_t term, ecs_type_t *type);

/** ecs_field_at() with the check of ecs_field_typed() on that row. */
ECS_API void *ecs_field_at_typed(const ecs_iter_t *it, int32_t term, int32_t row, ecs_type_t *type);

ECS_EXTERN_C_END

/** Whether ecs_field_t() and ecs_field_at_t() check the term's component:
 *  1 unless NDEBUG is defined. A host may define it (0 or 1) before
 *  including libecs headers. */
#ifndef ECS_TYPE_CHECKS
#ifdef NDEBUG
#define ECS_TYPE_CHECKS 0
#else
#define ECS_TYPE_CHECKS 1
#endif
#endif

/* How the macros below build a value of type T, and check a pointer to
 * one: a compound literal and _Generic in C, a temporary and overloading in
 * C++. Not part of the API. */
#ifdef __cplusplus
extern "C++" {
template <class T> inline const T *ecs_priv_value(const T &value) {
  return &value;
}
template <class T> inline const T *ecs_priv_typed_ptr(const T *ptr) {
  return ptr;
}
}
#define ECS_PRIV_VALUE(T, ...) ecs_priv_value<T>(T{__VA_ARGS__})
#define ECS_PRIV_TYPED_PTR(T, ptr) ecs_priv_typed_ptr<T>(ptr)
#define ECS_PRIV_NULL nullptr
#else
#define ECS_PRIV_VALUE(T, ...) (&(T){__VA_ARGS__})
#define ECS_PRIV_TYPED_PTR(T, ptr) _Generic((ptr), T * : (ptr), const T * : (ptr))
#define ECS_PRIV_NULL NULL
#endif

/** The ecs_type_t of type @p T (a pointer): ECS_TYPE(Position). @p T is a
 *  plain identifier (a typedef name), as in every macro below. */
#define ECS_TYPE(T) (&ecs_type_of_##T)

/** Declares type @p T for the typed calls, in a header:
 *  `ECS_DECLARE(Position);` (an extern ecs_type_t named ecs_type_of_T). */
#define ECS_DECLARE(T) extern ecs_type_t ecs_type_of_##T

/** Defines type @p T, once in the program: `ECS_DEFINE(Position);`. */
#define ECS_DEFINE(T) ecs_type_t ecs_type_of_##T = {#T, sizeof(T), ECS_ALIGNOF(T), ECS_PRIV_NULL, {0}}

/** Defines type @p T with the rest of its definition in @p desc, a pointer
 *  to an ecs_component_desc_t with static storage duration (storage kind,
 *  hooks, flags, snapshot hooks): `ECS_DEFINE_WITH(Name, &name_desc);`. */
#define ECS_DEFINE_WITH(T, desc) ecs_type_t ecs_type_of_##T = {#T, sizeof(T), ECS_ALIGNOF(T), (desc), {0}}

/** Defines a tag @p T (size 0, presence only); no C type is needed:
 *  `ECS_DECLARE(Frozen);` and `ECS_DEFINE_TAG(Frozen);`. */
#define ECS_DEFINE_TAG(T) ecs_type_t ecs_type_of_##T = {#T, 0, 1, ECS_PRIV_NULL, {0}}

/** Defines a tag @p T with the rest of its definition in @p desc (a
 *  storage kind, say), as ECS_DEFINE_WITH does for a type:
 *  `ECS_DEFINE_TAG_WITH(Poisoned, &sparse_desc);`. */
#define ECS_DEFINE_TAG_WITH(T, desc) ecs_type_t ecs_type_of_##T = {#T, 0, 1, (desc), {0}}

/** Registers type @p T in @p world and yields its id (ecs_type_register()). */
#define ECS_REGISTER(world, T) ecs_type_register((world), ECS_TYPE(T))

/** The id of type @p T in @p world (ecs_type_id()): for the untyped calls,
 *  query terms and system descriptors. */
#define ECS_ID(world, T) ecs_type_id((world), ECS_TYPE(T))

/** Sets @p T on @p e to the value built from the initialisers that follow:
 *  `ecs_set_t(w, e, Position, 1.0f, 2.0f)` or
 *  `ecs_set_t(w, e, Position, .y = 2.0f)`. An initialiser that does not fit
 *  @p T does not compile. Yields an ecs_status_t (ecs_set_typed()). */
#define ecs_set_t(world, e, T, ...) ecs_set_typed((world), (e), ECS_TYPE(T), ECS_PRIV_VALUE(T, __VA_ARGS__), sizeof(T))

/** Sets @p T on @p e to a copy of `*ptr`; @p ptr must be a `T *` or a
 *  `const T *` (anything else does not compile). */
#define ecs_set_ptr_t(world, e, T, ptr)                                                                                \
  ecs_set_typed((world), (e), ECS_TYPE(T), ECS_PRIV_TYPED_PTR(T, ptr), sizeof(*(ptr)))

/** `const T *` to @p e's value of @p T, or NULL (ecs_get_typed()). */
#define ecs_get_t(world, e, T) ECS_CAST(const T *, ecs_get_typed((world), (e), ECS_TYPE(T)))

/** `T *` to @p e's value of @p T, for writing in place, or NULL. */
#define ecs_get_mut_t(world, e, T) ECS_CAST(T *, ecs_get_typed((world), (e), ECS_TYPE(T)))

/** True when @p e has @p T (ecs_has_typed()). */
#define ecs_has_t(world, e, T) ecs_has_typed((world), (e), ECS_TYPE(T))

/** Adds @p T to @p e (ecs_add_typed()). */
#define ecs_add_t(world, e, T) ecs_add_typed((world), (e), ECS_TYPE(T))

/** Removes @p T from @p e (ecs_remove_typed()). */
#define ecs_remove_t(world, e, T) ecs_remove_typed((world), (e), ECS_TYPE(T))

/** Records setting @p T on @p e, as ecs_set_t() (ecs_cmd_set_typed()). */
#define ecs_cmd_set_t(buf, e, T, ...)                                                                                  \
  ecs_cmd_set_typed((buf), (e), ECS_TYPE(T), ECS_PRIV_VALUE(T, __VA_ARGS__), sizeof(T))

/** Records setting @p T on @p e to a copy of `*ptr`, as ecs_set_ptr_t(). */
#define ecs_cmd_set_ptr_t(buf, e, T, ptr)                                                                              \
  ecs_cmd_set_typed((buf), (e), ECS_TYPE(T), ECS_PRIV_TYPED_PTR(T, ptr), sizeof(*(ptr)))

/** Records adding @p T to @p e (ecs_cmd_add_typed()). */
#define ecs_cmd_add_t(buf, e, T) ecs_cmd_add_typed((buf), (e), ECS_TYPE(T))

/** Records removing @p T from @p e (ecs_cmd_remove_typed()). */
#define ecs_cmd_remove_t(buf, e, T) ecs_cmd_remove_typed((buf), (e), ECS_TYPE(T))

/** The chunk's values of term @p term as a `T *` array (assign it to a
 *  `const T *` for a READ term), or NULL as ecs_field(). With
 *  ECS_TYPE_CHECKS (debug builds) it is ecs_field_typed(): NULL and an
 *  ERROR in the log when the term is not @p T. ecs_field_at_t(it, T,
 *  term, row) is the same for one row's value (ecs_field_at(), every
 *  storage). */
#if ECS_TYPE_CHECKS
#define ecs_field_t(it, T, term) ECS_CAST(T *, ecs_field_typed((it), (term), ECS_TYPE(T)))
#define ecs_field_at_t(it, T, term, row) ECS_CAST(T *, ecs_field_at_typed((it), (term), (row), ECS_TYPE(T)))
#else
#define ecs_field_t(it, T, term) ECS_CAST(T *, ((void)sizeof(ecs_type_of_##T), ecs_field((it), (term))))
#define ecs_field_at_t(it, T, term, row)                                                                               \
  ECS_CAST(T *, ((void)sizeof(ecs_type_of_##T), ecs_field_at((it), (term), (row))))
#endif

#endif /* ECS_TYPED_H */
