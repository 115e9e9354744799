/** @file ecs/component.h
 *  Component types and per-entity component values. A component is
 *  registered once per world; its storage kind (how its values are laid out)
 *  is chosen per component. */
#ifndef ECS_COMPONENT_H
#define ECS_COMPONENT_H

#include "config.h"
#include "entity.h"
#include "error.h"
#include "io.h"
#include "world.h"

ECS_EXTERN_C_BEGIN

/** Component id, unique within one world. 0 is never valid. */
typedef uint32_t ecs_component_t;
/** The invalid id; returned on failure, ends a query's term list. */
#define ECS_COMPONENT_NULL ECS_CAST(ecs_component_t, 0)

/** How a component's values are stored. Values at or above
 *  ECS_STORAGE_CUSTOM_BASE are kinds a host registered with
 *  ecs_storage_register() (see storage.h). docs/storages.md compares them;
 *  docs/adr/0003-default-storage.md says why ARCHETYPE is the default. */
typedef enum ecs_storage_kind_t {
  /** The world's default (ecs_world_desc_t.default_storage): ARCHETYPE
   *  unless the world says otherwise. Never a component's own kind. */
  ECS_STORAGE_DEFAULT = 0,
  ECS_STORAGE_SPARSE = 1,    /**< hash map keyed by entity: memory only for holders */
  ECS_STORAGE_ARCHETYPE = 2, /**< tables per component set: every query field is an array */
  ECS_STORAGE_DENSE = 3,     /**< sparse set per component: cheap add/remove; arrays only for one term or a pack */
  ECS_STORAGE_CUSTOM_BASE = 16,
  ECS_PRIV_STORAGE_FORCE_U32 = 0x7fffffff
} ecs_storage_kind_t;

/** Lifecycle hooks, all optional. @p count values start at @p ptr (stride =
 *  the component's size rounded up to its alignment). @p user is
 *  ecs_type_hooks_t.user.
 *  - ctor: construct values in uninitialised memory (default: zero-fill).
 *  - dtor: destroy values; the memory is released or reused afterwards.
 *  - move: construct dst from src; src is treated as destroyed afterwards
 *          (no dtor runs on it). Default: memcpy. Storages relocate values
 *          (growth, swap-remove) with it.
 *  - copy: construct dst as a copy of src (used by ecs_set; default memcpy). */
typedef void (*ecs_xtor_fn)(void *ptr, int32_t count, void *user);
typedef void (*ecs_move_fn)(void *dst, void *src, int32_t count, void *user);
typedef void (*ecs_copy_fn)(void *dst, const void *src, int32_t count, void *user);

/** Snapshot hooks (snapshot.h, ecs_component_desc_t), all optional; @p user
 *  is ecs_type_hooks_t.user. Without them a value is saved as its raw bytes
 *  (memcpy), which suits plain data on hosts of one byte order.
 *  - serialize: writes @p value through @p out in any format (under 4 GiB
 *    per value); returns ECS_OK or an error that fails the save.
 *  - deserialize: constructs a value at @p dst from the @p size bytes at
 *    @p data that serialize wrote. On error it leaves @p dst unconstructed
 *    (frees what it allocated); the load then fails with that status.
 *    A component with one of serialize/deserialize must have both.
 *  - migrate: constructs a current value at @p dst from a value saved under
 *    the older schema version @p from_version (see
 *    ecs_component_desc_t.version): @p data holds what was saved then, the
 *    raw bytes of the old layout or what the old serialize hook wrote.
 *    Error handling as deserialize. */
typedef ecs_status_t (*ecs_serialize_fn)(const void *value, const ecs_writer_t *out, void *user);
typedef ecs_status_t (*ecs_deserialize_fn)(void *dst, const void *data, size_t size, void *user);
typedef ecs_status_t (*ecs_migrate_fn)(void *dst, const void *data, size_t size, uint32_t from_version, void *user);

typedef struct ecs_type_hooks_t {
  ecs_xtor_fn ctor;
  ecs_xtor_fn dtor;
  ecs_move_fn move;
  ecs_copy_fn copy;
  void *user;
} ecs_type_hooks_t;

/** Component flags (ecs_component_desc_t.flags). */
enum {
  /** Values are runtime-only (pointers, handles, caches): ecs_world_checksum
   *  and snapshots skip them, since they differ between processes. */
  ECS_COMPONENT_TRANSIENT = 1u << 0,
  /** A relation: usable in pairs (relation.h, ecs_pair()). Its pairs take
   *  its size, hooks, storage kind and other flags. */
  ECS_COMPONENT_RELATION = 1u << 1
};

/** Component definition. Zero-initialise; zero fields mean defaults. */
typedef struct ecs_component_desc_t {
  const char *name;           /**< required, unique per world; copied */
  size_t size;                /**< bytes per value; 0 makes a tag (presence only) */
  size_t alignment;           /**< power of two <= 4096; 0: derived from size (max 16) */
  ecs_storage_kind_t storage; /**< default ECS_STORAGE_DEFAULT: the world's default (ARCHETYPE) */
  ecs_type_hooks_t hooks;
  uint32_t flags; /**< ECS_COMPONENT_* bits */
  /* snapshots (snapshot.h); the hooks get hooks.user */
  ecs_serialize_fn serialize;     /**< default: the value's raw bytes */
  ecs_deserialize_fn deserialize; /**< required with serialize, and only with it */
  /** Schema version of the value layout, saved in snapshots (default 0).
   *  Bump it when the layout changes, and give migrate to load values saved
   *  under older versions. */
  uint32_t version;
  ecs_migrate_fn migrate;
} ecs_component_desc_t;

/** Registers a component.
 *  Registering an existing name again with the same size, alignment,
 *  storage kind, flags and version returns the existing id (so
 *  ECS_COMPONENT may run twice); its hooks are not compared or replaced.
 *  Ownership: the descriptor and name are copied; hooks.user is kept.
 *  Errors: returns ECS_COMPONENT_NULL for a NULL world, during a tick
 *          (ECS_ERR_BUSY, not recorded: see ecs.h), or with the last
 *          status: ECS_ERR_INVALID_ARGUMENT (NULL desc, NULL or empty name,
 *          unknown flags, alignment not a power of two <= 4096, size above
 *          INT32_MAX, serialize without deserialize or the reverse),
 *          ECS_ERR_DUPLICATE (name taken with a different definition),
 *          ECS_ERR_UNSUPPORTED (storage kind not available),
 *          ECS_ERR_NO_MEMORY, ECS_ERR_LIMIT (too many components), or a
 *          failing host storage's create() status.
 *  Thread-safety: owner thread, outside a tick. */
ECS_API ecs_component_t ecs_component_register(ecs_world_t *world, const ecs_component_desc_t *desc);

/** Shorthand used by ECS_COMPONENT: registers a plain type with default
 *  storage and no hooks (@p name copied). Errors and thread-safety as
 *  ecs_component_register(). */
ECS_API ecs_component_t ecs_component_register_type(ecs_world_t *world, const char *name, size_t size,
                                                    size_t alignment);

/** An expression: registers type @p T (name "T" as spelled, sizeof,
 *  alignof, the world's default storage, no hooks) and yields its
 *  ecs_component_t; ECS_COMPONENT_NULL on error. As
 *  ecs_component_register_type(). Variadic so that a C++ type with a comma
 *  passes whole: ECS_COMPONENT(w, std::pair<int, int>) (but a C++ type with
 *  a constructor, destructor or copy needs hooks: use ecs.hpp). For the
 *  typed calls (ecs_set_t, ecs_get_t...) use ECS_DECLARE/ECS_DEFINE and
 *  ECS_REGISTER instead (typed.h). */
#define ECS_COMPONENT(world, ...)                                                                                      \
  ecs_component_register_type((world), #__VA_ARGS__, sizeof(__VA_ARGS__), ECS_ALIGNOF(__VA_ARGS__))

/** The id registered under @p name, or ECS_COMPONENT_NULL if none (also for
 *  NULL arguments). Thread-safety: any thread while no registration runs
 *  (so also from systems during a tick). */
ECS_API ecs_component_t ecs_component_lookup(const ecs_world_t *world, const char *name);

/** Name of component @p c, or NULL if @p c is unknown (or @p world NULL).
 *  Ownership: the world's; valid for the world's lifetime.
 *  Thread-safety: as ecs_component_lookup(). */
ECS_API const char *ecs_component_name(const ecs_world_t *world, ecs_component_t c);

/** Size in bytes of component @p c (0 for tags, unknown ids and a NULL
 *  world). Thread-safety: as ecs_component_lookup(). */
ECS_API size_t ecs_component_size(const ecs_world_t *world, ecs_component_t c);

/** Number of entities that have component @p c (0 for unknown ids and a
 *  NULL world). Thread-safety: any thread while no structural change runs
 *  (so also from systems during a tick). */
ECS_API size_t ecs_component_count(const ecs_world_t *world, ecs_component_t c);

/** Adds component @p c to entity @p e, zero-initialised (or by its ctor
 *  hook), then runs its ECS_ON_ADD observers. Adding a component the entity
 *  already has changes nothing.
 *  Ownership: the world owns the value; a pointer from ecs_get() stays valid
 *             until the next structural change of that component's storage
 *             (for ARCHETYPE components: of any archetype component, since
 *             rows move between tables; for a packed component: of any
 *             member of its pack), a storage move, a snapshot load or
 *             ecs_world_free().
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL world), ECS_ERR_STALE_ENTITY,
 *          ECS_ERR_UNKNOWN_COMPONENT, ECS_ERR_NO_MEMORY, ECS_ERR_BUSY (called
 *          during a scheduler tick); after the add took place, the first
 *          error of the commands its observers queued (ECS_ERR_LIMIT for a
 *          runaway, see observer.h).
 *  Thread-safety: owner thread, outside a tick; inside a system use the
 *             system's command buffer. */
ECS_API ecs_status_t ecs_add(ecs_world_t *world, ecs_entity_t e, ecs_component_t c);

/** Sets the value of component @p c on @p e from @p value (copied with the
 *  copy hook or memcpy), adding the component first if missing. An existing
 *  value is destructed (dtor hook) before the copy. Then ECS_ON_ADD (if it
 *  was added) and ECS_ON_SET observers run. For a tag @p value may be NULL.
 *  Precondition: when @p e does not have @p c yet, @p value must not
 *  point into @p c's own storage (e.g. a pointer from ecs_get() of another
 *  entity): the insert may move those values. Copy it to a local first.
 *  Ownership: @p value stays the caller's; see ecs_add() for the stored one.
 *  Errors: as ecs_add(), plus ECS_ERR_INVALID_ARGUMENT when @p value is NULL
 *          for a component with a size; ECS_ERR_BUSY only when it would add.
 *  Thread-safety: as ecs_add(), except that during a tick a system that
 *  declared WRITE access to @p c may overwrite a value @p e already has, in
 *  place (no observers run; it counts as a write for ECS_CHANGED()). */
ECS_API ecs_status_t ecs_set(ecs_world_t *world, ecs_entity_t e, ecs_component_t c, const void *value);

/** ecs_set() that also states the size of the object at @p value, and is
 *  refused when it is not the component's size: the entry point for code
 *  that knows the type it hands over (the typed macros of typed.h, the C++
 *  layer, language bindings), so that a value of one type is never read as
 *  another. @p size is 0 for a tag (then @p value may be NULL).
 *  Errors: as ecs_set(), plus ECS_ERR_TYPE_MISMATCH when @p size differs
 *          from the component's (the detail names the component and both
 *          sizes; nothing changed).
 *  Thread-safety: as ecs_set(). */
ECS_API ecs_status_t ecs_set_sized(ecs_world_t *world, ecs_entity_t e, ecs_component_t c, const void *value,
                                   size_t size);

/** Most components in one ecs_bulk_create() call. */
#define ECS_BULK_MAX_COMPONENTS 32

/** What ecs_bulk_create() makes: @ref count entities, each with every
 *  component of @ref components. Zero-initialise, then set what you need. */
typedef struct ecs_bulk_desc_t {
  size_t count;                                        /**< entities to create (0: nothing) */
  ecs_component_t components[ECS_BULK_MAX_COMPONENTS]; /**< ends at the first 0; each once */
  /** Per component, NULL (values constructed: ctor hook or zeroes) or an
   *  array of @ref count values, copied (copy hook or memcpy); unused for
   *  tags. The arrays stay the caller's. */
  const void *values[ECS_BULK_MAX_COMPONENTS];
} ecs_bulk_desc_t;

/** Creates desc->count entities with desc->components in one step: the
 *  same handles, values and iteration order as a loop of
 *  ecs_entity_create() and one ecs_set() per component, but each entity is
 *  placed once, straight in its final table (ARCHETYPE components: the
 *  values are copied column by column), and every allocation is made up
 *  front. All or nothing: on any error no entity was created and no value
 *  changed (a table created for the set of components may remain, empty).
 *  Observers run after every entity is placed, in the loop's order (entity
 *  by entity, ECS_ON_ADD then ECS_ON_SET per component in desc order).
 *  @p out receives the handles (may be NULL when count is 0 or the handles
 *  are not needed: then pass NULL).
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL world or desc, a component twice
 *          or more than ECS_BULK_MAX_COMPONENTS, values for a component of
 *          size 0 are ignored), ECS_ERR_UNKNOWN_COMPONENT, ECS_ERR_BUSY
 *          (during a tick), ECS_ERR_LIMIT (too many entities),
 *          ECS_ERR_NO_MEMORY, a host storage's error; observer errors as
 *          ecs_add() (the entities then exist).
 *  Thread-safety: owner thread, outside a tick (a system uses
 *  ecs_cmd_bulk_create()). */
ECS_API ecs_status_t ecs_bulk_create(ecs_world_t *world, const ecs_bulk_desc_t *desc, ecs_entity_t *out);

/** Removes component @p c from @p e: ECS_ON_REMOVE observers run, then its
 *  dtor hook. Removing a component the entity does not have changes nothing
 *  and returns ECS_OK. Pointers to the value are invalid afterwards.
 *  Errors: ECS_ERR_INVALID_ARGUMENT, ECS_ERR_STALE_ENTITY,
 *          ECS_ERR_UNKNOWN_COMPONENT, ECS_ERR_BUSY (during a tick),
 *          ECS_ERR_NO_MEMORY (an ARCHETYPE component: the entity's other
 *          values move to another table, which may need to grow; the
 *          entity then keeps @p c, though its ECS_ON_REMOVE observers have
 *          run) or a host storage's remove() status;
 *          after the remove took place, observer errors as ecs_add().
 *  Thread-safety: as ecs_add(). */
ECS_API ecs_status_t ecs_remove(ecs_world_t *world, ecs_entity_t e, ecs_component_t c);

/** Pointer to the value of @p c on @p e, or NULL if the entity does not have
 *  it, is stale, @p c is unknown or a tag (use ecs_has() for tags), or
 *  @p world is NULL. A stale entity or unknown component also sets the
 *  world's last error; success and mere absence leave it untouched (so
 *  concurrent readers never write).
 *  Ownership: see ecs_add(). Thread-safety: owner thread, or a system that
 *  declared access to @p c. */
ECS_API void *ecs_get(ecs_world_t *world, ecs_entity_t e, ecs_component_t c);

/** True when live entity @p e has component @p c. False for bad arguments.
 *  Thread-safety: as ecs_get(). */
ECS_API bool ecs_has(const ecs_world_t *world, ecs_entity_t e, ecs_component_t c);

ECS_EXTERN_C_END

#endif /* ECS_COMPONENT_H */
