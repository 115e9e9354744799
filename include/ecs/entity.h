/** @file ecs/entity.h
 *  Entity handles. An ecs_entity_t is 64 bits: the low 32 bits are a slot
 *  index, the high 32 bits the slot's generation. Destroying an entity bumps
 *  its slot's generation, so an old handle is detected as stale and never
 *  aliases a newer entity. Index 0 is never valid: ECS_ENTITY_NULL. */
#ifndef ECS_ENTITY_H
#define ECS_ENTITY_H

#include "config.h"
#include "error.h"
#include "world.h"

ECS_EXTERN_C_BEGIN

typedef uint64_t ecs_entity_t;

/** The null handle (slot 0): never a live entity; returned on failure. */
#define ECS_ENTITY_NULL ECS_CAST(ecs_entity_t, 0)
/** Slot index of a handle. */
#define ECS_ENTITY_INDEX(e) ECS_CAST(uint32_t, (e)&0xffffffffu)
/** Generation of a handle. */
#define ECS_ENTITY_GENERATION(e) ECS_CAST(uint32_t, ECS_CAST(uint64_t, e) >> 32)
/** Builds a handle from index and generation. */
#define ECS_ENTITY_MAKE(index, gen) ECS_CAST(ecs_entity_t, (ECS_CAST(uint64_t, gen) << 32) | ECS_CAST(uint32_t, index))

/** Creates an entity with no components. Slots of destroyed entities are
 *  reused (last destroyed first) with a bumped generation. Generations of
 *  real entities stay below 2^31-1 (bit 31 marks provisional handles of
 *  command buffers): a slot destroyed at generation 2^31-2 reaches 2^31-1
 *  and is retired for good, never handed out again.
 *  Errors: returns ECS_ENTITY_NULL for a NULL world, during a tick
 *          (ECS_ERR_BUSY, not recorded: see ecs.h), or with the last
 *          status ECS_ERR_NO_MEMORY or ECS_ERR_LIMIT (2^32-1 slots).
 *  Thread-safety: owner thread, outside a tick (inside a system use the
 *  system's command buffer). */
ECS_API ecs_entity_t ecs_entity_create(ecs_world_t *world);

/** Creates @p count entities at once into @p out (in the order plain
 *  ecs_entity_create() calls would give them). All or nothing: on error no
 *  entity was created. Faster than a loop: the registry grows once.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL world, or NULL out with count >
 *          0), ECS_ERR_NO_MEMORY, ECS_ERR_LIMIT, ECS_ERR_BUSY (during a tick).
 *  Thread-safety: owner thread, outside a tick. */
ECS_API ecs_status_t ecs_entity_create_n(ecs_world_t *world, size_t count, ecs_entity_t *out);

/** Destroys @p e: ECS_ON_REMOVE observers run, every component it has is
 *  destructed (dtor hook) and removed, its handle becomes stale. (A host
 *  storage whose remove fails keeps that value until the world is freed;
 *  built-in ones never fail.) Pointers to its values are invalid afterwards.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL world), ECS_ERR_STALE_ENTITY
 *          (already destroyed, never created, or ECS_ENTITY_NULL),
 *          ECS_ERR_BUSY (during a tick); after the destroy took place, the
 *          first error of the commands its observers queued (ECS_ERR_LIMIT
 *          for a runaway, see observer.h).
 *  Thread-safety: owner thread, outside a tick. */
ECS_API ecs_status_t ecs_entity_destroy(ecs_world_t *world, ecs_entity_t e);

/** True when @p e is a live handle of @p world. False for NULL world.
 *  Thread-safety: any thread while no structural change runs. */
ECS_API bool ecs_entity_alive(const ecs_world_t *world, ecs_entity_t e);

/** Number of live entities; 0 for a NULL world.
 *  Thread-safety: any thread while no structural change runs. */
ECS_API size_t ecs_entity_count(const ecs_world_t *world);

ECS_EXTERN_C_END

#endif /* ECS_ENTITY_H */
