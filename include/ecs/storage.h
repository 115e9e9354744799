/** @file ecs/storage.h
 *  The storage plug. Each component's values live in one storage instance
 *  created from an ecs_storage_vtable_t. The world constructs and copies
 *  values (ctor/copy hooks); a storage owns memory, relocation (move hook)
 *  and the destruction of a value it removes (dtor hook, so that a remove
 *  that cannot proceed leaves the value alive).
 *
 *  Contract for an implementation:
 *  - insert(e) is only called when e is absent; it returns memory for one
 *    value (uninitialised) or NULL when out of memory (state unchanged).
 *    For a zero-size component it returns any non-NULL pointer.
 *  - remove(e) is only called when e is present. It destructs the value
 *    (params.dtor, if set) and releases it, and may relocate other values
 *    (params.move). It returns ECS_OK, or ECS_ERR_NO_MEMORY with nothing
 *    changed (the value still alive) when it needs memory it cannot get.
 *  - get(e) returns the value of e, or NULL if absent. It compares the whole
 *    handle, generation included.
 *  - chunk() walks all values in chunks: start with *cursor = 0, it fills
 *    @p out and returns true until done. out->data is the contiguous values
 *    of out->entities, or NULL when the storage cannot lay them out so (the
 *    caller then uses get()). No insert/remove happens during a walk.
 *  - memory() reports bytes held, for metrics.
 *  - destroy() releases the instance's memory without running any dtor: the
 *    world destructs remaining values first (or moved them elsewhere).
 *  - get(), count(), chunk() and memory() may be called from several threads
 *    at once (systems during a tick), never concurrently with insert(),
 *    remove() or destroy(): they must not change the state.
 *  - name appears in error details; set it. */
#ifndef ECS_STORAGE_H
#define ECS_STORAGE_H

#include "component.h"
#include "config.h"
#include "entity.h"
#include "error.h"
#include "world.h"

ECS_EXTERN_C_BEGIN

/** What a storage instance is created with. The pointers stay valid for the
 *  instance's lifetime. */
typedef struct ecs_storage_params_t {
  ecs_component_t component;
  size_t size;                      /**< bytes per value, 0 for tags */
  size_t alignment;                 /**< power of two */
  size_t stride;                    /**< size rounded up to alignment */
  ecs_move_fn move;                 /**< relocation; NULL means memcpy */
  ecs_xtor_fn dtor;                 /**< destruction on remove; NULL: nothing to do */
  void *hooks_user;                 /**< user pointer for move and dtor */
  void *kind_user;                  /**< ecs_storage_vtable_t.user of the kind */
  const ecs_allocator_t *allocator; /**< always complete */
} ecs_storage_params_t;

/** One chunk of a storage walk. */
typedef struct ecs_storage_chunk_t {
  const ecs_entity_t *entities;
  void *data; /**< contiguous values (stride apart) or NULL */
  size_t count;
} ecs_storage_chunk_t;

typedef struct ecs_storage_vtable_t {
  const char *name;
  ecs_status_t (*create)(const ecs_storage_params_t *params, void **out_state);
  void (*destroy)(void *state);
  void *(*insert)(void *state, ecs_entity_t e);
  ecs_status_t (*remove)(void *state, ecs_entity_t e);
  void *(*get)(void *state, ecs_entity_t e);
  size_t (*count)(const void *state);
  bool (*chunk)(void *state, size_t *cursor, ecs_storage_chunk_t *out);
  size_t (*memory)(const void *state);
  void *user; /**< handed to every instance as params.kind_user (state shared by a kind) */
} ecs_storage_vtable_t;

/** Registers a host-defined storage kind. The vtable is copied; the name
 *  and every function must be set (user may be NULL; the name string is
 *  not copied and must outlive the world).
 *  @p out_kind receives the new kind (>= ECS_STORAGE_CUSTOM_BASE) to put in
 *  ecs_component_desc_t.storage; kinds are numbered per world.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL world, NULL or incomplete vtable,
 *          NULL out_kind), ECS_ERR_NO_MEMORY, ECS_ERR_LIMIT (64 host kinds),
 *          ECS_ERR_BUSY (during a tick).
 *  Thread-safety: owner thread, outside a tick. */
ECS_API ecs_status_t ecs_storage_register(ecs_world_t *world, const ecs_storage_vtable_t *vtable,
                                          ecs_storage_kind_t *out_kind);

/** The built-in DENSE storage: sparse set with a packed value array and a
 *  paged sparse index. Exposed so a host storage can wrap it.
 *  Ownership: a static vtable, valid for the process; never NULL.
 *  Thread-safety: any thread. */
ECS_API const ecs_storage_vtable_t *ecs_storage_dense_vtable(void);

/** The built-in SPARSE storage: values in one contiguous array beside their
 *  entities, a hash index from entity to position; memory only for
 *  holders. A walk is one chunk, in insertion order except that a removal
 *  moves the last value into the hole.
 *  Ownership and thread-safety as ecs_storage_dense_vtable(). */
ECS_API const ecs_storage_vtable_t *ecs_storage_sparse_vtable(void);

/** Moves component @p c to storage kind @p kind, keeping every value (moved
 *  with the move hook or memcpy; no ctor/dtor runs). All or nothing: on
 *  error the component stays where it was with all its values. Queries of
 *  the component follow it. Moving to the kind it already has is ECS_OK.
 *  Ownership: pointers to @p c's values are invalid after a move.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL world), ECS_ERR_UNKNOWN_COMPONENT,
 *          ECS_ERR_UNSUPPORTED (kind not available, or @p c is packed:
 *          see ecs_component_pack()), ECS_ERR_BUSY (during a tick),
 *          ECS_ERR_NO_MEMORY, or the new host storage's create() status.
 *  Thread-safety: owner thread, outside a tick; no iteration of @p c may be
 *  in progress. */
ECS_API ecs_status_t ecs_component_set_storage(ecs_world_t *world, ecs_component_t c, ecs_storage_kind_t kind);

/** Most components one pack may have. */
#define ECS_PACK_MAX_MEMBERS 16

/** Packs DENSE components: from now on
 *  the entities that have every one of the @p count components sit at the
 *  front of each member's packed array, in the same order. A query whose
 *  READ/WRITE/WITH terms include every member walks that front part with a
 *  contiguous ecs_field() for each member, as fast as plain arrays, instead
 *  of driving from one member and looking the others up per row.
 *
 *  The price is paid on structural changes: adding the last missing member
 *  to an entity, or removing one it has, also swaps its rows in the other
 *  members (O(members), no allocation). Packing sorts the existing values
 *  once. Iteration order over a member follows the pack; it stays
 *  deterministic. A pack lasts as long as the world, and survives a
 *  snapshot load (it is sorted again after one). A component belongs to one
 *  pack at most; a packed component cannot change its storage kind.
 *  Packing the same set again (in any order) is ECS_OK and changes nothing.
 *  Pointers to the members' values are invalid after a pack is made.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL world or @p components, @p count
 *          outside 2..ECS_PACK_MAX_MEMBERS, a component named twice),
 *          ECS_ERR_UNKNOWN_COMPONENT, ECS_ERR_UNSUPPORTED (a member is not
 *          DENSE), ECS_ERR_CONFLICT (a member is in another pack),
 *          ECS_ERR_BUSY (during a tick), ECS_ERR_NO_MEMORY. On error
 *          nothing changed.
 *  Thread-safety: owner thread, outside a tick; no iteration of a member
 *  may be in progress. */
ECS_API ecs_status_t ecs_component_pack(ecs_world_t *world, const ecs_component_t *components, int32_t count);

/** Storage kind of component @p c, never ECS_STORAGE_DEFAULT for a
 *  registered one (ECS_STORAGE_DEFAULT for unknown ids and a NULL world). Thread-safety: as ecs_component_lookup(). */
ECS_API ecs_storage_kind_t ecs_component_storage(const ecs_world_t *world, ecs_component_t c);

/** Bytes held by component @p c's storage (0 for unknown ids and a NULL
 *  world). Thread-safety: as ecs_component_count(). */
ECS_API size_t ecs_component_memory(const ecs_world_t *world, ecs_component_t c);

/** The digest of one component: its values (as in ecs_world_checksum()
 *  of world.h) and its resource, for telling which component two worlds
 *  differ in. 0 for a NULL world, an unknown id or a transient component,
 *  never 0 otherwise. Thread-safety: as ecs_world_checksum(). */
ECS_API uint64_t ecs_component_checksum(const ecs_world_t *world, ecs_component_t component);

ECS_EXTERN_C_END

#endif /* ECS_STORAGE_H */
