/** @file ecs/world.h
 *  The world: one opaque state holding entities, components and their
 *  storages. Nothing is global: many worlds may live in one process, each
 *  used by one thread at a time (its owner). */
#ifndef ECS_WORLD_H
#define ECS_WORLD_H

#include "config.h"
#include "error.h"
#include "log.h"

ECS_EXTERN_C_BEGIN

typedef struct ecs_world_t ecs_world_t;

/** A replaceable allocator. All three functions must be set, or none (all
 *  zero means the C library). Sizes are passed back on realloc and free so
 *  that a pool or arena allocator needs no headers of its own.
 *  alloc/realloc return NULL on failure; the library then reports
 *  ECS_ERR_NO_MEMORY and leaves its state unchanged. Returned memory must be
 *  aligned for any standard type (like malloc). With ASYNC groups or
 *  ecs_parallel_for, systems record commands on worker threads and those
 *  allocate: the allocator must then be thread-safe (libc's is). */
typedef struct ecs_allocator_t {
  void *(*alloc)(void *user, size_t size);
  void *(*realloc)(void *user, void *ptr, size_t old_size, size_t new_size);
  void (*free)(void *user, void *ptr, size_t size);
  void *user;
} ecs_allocator_t;

/** World options. Zero-initialise, then set what you need; every zero field
 *  means its default. */
typedef struct ecs_world_desc_t {
  ecs_allocator_t allocator; /**< default: malloc/realloc/free */
  ecs_log_fn log;            /**< default: ecs_log_stderr */
  void *log_user;            /**< passed to @ref log */
  ecs_log_level_t log_level; /**< minimum level; ECS_LOG_DEFAULT (0) means WARN */
  uint32_t initial_entities; /**< capacity hint for the entity registry */
  /** Storage of components registered with ECS_STORAGE_DEFAULT (and by
   *  ECS_COMPONENT), an ecs_storage_kind_t (component.h):
   *  ECS_STORAGE_ARCHETYPE when 0, else a built-in kind (ECS_STORAGE_DENSE,
   *  ECS_STORAGE_SPARSE). */
  int32_t default_storage;
} ecs_world_desc_t;

/** Creates a world. @p desc may be NULL (all defaults).
 *  Ownership: the caller owns the world; free it with ecs_world_free().
 *  Errors: returns NULL when @p desc is invalid (an allocator given in part,
 *          a log level or default storage out of range) or memory runs out; use
 *          ecs_world_create() to learn which.
 *  Thread-safety: any thread; the calling thread becomes the owner. */
ECS_API ecs_world_t *ecs_world_new(const ecs_world_desc_t *desc);

/** Like ecs_world_new() but reports why creation failed.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (out is NULL, partial allocator, log
 *          level or default storage out of range),
 *          ECS_ERR_NO_MEMORY. On failure *out is set to NULL.
 *  Thread-safety: any thread. */
ECS_API ecs_status_t ecs_world_create(const ecs_world_desc_t *desc, ecs_world_t **out);

/** Frees the world: runs every loaded plugin's fini (plugin.h), then the
 *  dtor hook of every live component value and resource, and frees every
 *  storage, query and host metric the world owns. NULL is a no-op. Every
 *  pointer into the world, and every handle it owns, is invalid afterwards.
 *  Ownership: schedulers, builders, command buffers and rollback rings made
 *             for the world are the host's: free them first.
 *  Thread-safety: owner thread, outside a tick; no other call on the world
 *  may run. */
ECS_API void ecs_world_free(ecs_world_t *world);

/** Detail of the last error on @p world ("entity 5v2 is stale"), or "" if
 *  the last fallible call succeeded. Calls made from systems and observers
 *  do not update it (ecs.h). Valid until the next call on the world.
 *  Returns a static message for a NULL world.
 *  Thread-safety: owner thread. */
ECS_API const char *ecs_last_error(const ecs_world_t *world);

/** Status of the last fallible call on @p world (ECS_OK if it succeeded),
 *  updated as ecs_last_error(); ECS_ERR_INVALID_ARGUMENT for a NULL world.
 *  Thread-safety: owner thread. */
ECS_API ecs_status_t ecs_last_status(const ecs_world_t *world);

/** A 64-bit digest of the world's whole state: entity slots with
 *  generations, component definitions, every component value and every
 *  resource. Each value is hashed with its entity and component and the
 *  value hashes are summed, so the digest does not depend on storage kind
 *  or layout, and storages are read one array after another (several
 *  GB/s: cheap enough for every tick). Two worlds that went through the
 *  same operations hash equal; use it to check determinism. Values are
 *  hashed as raw bytes, read as little-endian words (so hosts of both byte
 *  orders agree on the same bytes); padding inside component structs must
 *  be deterministic too (zero-initialise values); components flagged
 *  ECS_COMPONENT_TRANSIENT (pointers, handles) are left out.
 *  Returns 0 for NULL. Cost: O(values + entity slots).
 *  Thread-safety: any thread while no one changes the world. */
ECS_API uint64_t ecs_world_checksum(const ecs_world_t *world);

/** Gives memory back: every archetype table (the default storage) shrinks
 *  its arrays to its row count, and the tables left without rows are
 *  removed, with their types and cached transitions; the next entity that
 *  needs such a type creates its table again. Call it after a level unloads
 *  or a burst of short-lived component combinations; a world never shrinks
 *  on its own, so that entities moving in and out of a table do not pay for
 *  allocations every time.
 *  Pointers into archetype components are invalid afterwards (as after any
 *  structural change), and no iterator may be alive across the call;
 *  queries stay valid (their caches follow the removed tables).
 *  @p freed (may be NULL) receives the bytes given back.
 *  Errors:    ECS_ERR_INVALID_ARGUMENT (@p world is NULL), ECS_ERR_BUSY
 *             (during a tick or an observer; nothing changes). A smaller
 *             block the allocator refuses leaves that array as it was.
 *  When no memory is left for the remapping, the empty tables stay.
 *  Cost: O(tables + entity slots + cached query tables + the values of
 *  tables that shrink).
 *  Thread-safety: owner thread, outside a tick. */
ECS_API ecs_status_t ecs_world_shrink(ecs_world_t *world, size_t *freed);

/** The library version as "MAJOR.MINOR.PATCH"; static. Thread-safety: any. */
ECS_API const char *ecs_version(void);

/** The library version as one number, MAJOR * 10000 + MINOR * 100 + PATCH
 *  (10000 for 1.0.0): the ECS_VERSION of the headers the library was built
 *  with, which may differ from the headers a host compiles against when it
 *  links a shared libecs. Thread-safety: any thread. */
ECS_API int32_t ecs_version_number(void);

/** Replaces the world's log sink: @p fn receives every message from now on,
 *  with @p user as its first argument; NULL restores the default,
 *  ecs_log_stderr. The level is unchanged.
 *  Ownership: @p user stays the host's and must stay valid until the sink
 *             is replaced again or the world is freed.
 *  Errors:    ECS_ERR_INVALID_ARGUMENT (@p world is NULL), ECS_ERR_BUSY
 *             (during a tick or an observer; the sink is unchanged).
 *  Thread-safety: owner thread, outside a tick. Workers read the sink only
 *             while a tick runs, so no call may race with it. */
ECS_API ecs_status_t ecs_world_set_log(ecs_world_t *world, ecs_log_fn fn, void *user);

/** Sets the minimum level of the world's messages (ECS_LOG_OFF silences
 *  it); ECS_LOG_DEFAULT means WARN, as in ecs_world_desc_t.
 *  Errors:    ECS_ERR_INVALID_ARGUMENT (@p world is NULL, @p level out of
 *             range; the level is unchanged), ECS_ERR_BUSY (during a tick or
 *             an observer).
 *  Thread-safety: owner thread, outside a tick, as ecs_world_set_log(). */
ECS_API ecs_status_t ecs_world_set_log_level(ecs_world_t *world, ecs_log_level_t level);

ECS_EXTERN_C_END

#endif /* ECS_WORLD_H */
