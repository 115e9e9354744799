/** @file ecs/resource.h
 *  Resources: world singletons. A resource's type is a registered component
 *  (so it shares name, size and hooks); the world holds at most one value
 *  per type, outside any entity. Systems declare the resources they read or
 *  write in ecs_system_desc_t. */
#ifndef ECS_RESOURCE_H
#define ECS_RESOURCE_H

#include "component.h"
#include "config.h"
#include "error.h"
#include "world.h"

ECS_EXTERN_C_BEGIN

/** Sets the singleton of type @p c to a copy of @p value (copy hook or
 *  memcpy), replacing (and destructing) any previous value. @p value may be
 *  NULL for a tag type. No observer runs.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL world, NULL value of a sized type),
 *          ECS_ERR_UNKNOWN_COMPONENT, ECS_ERR_NO_MEMORY, ECS_ERR_BUSY
 *          (creating a resource during a tick).
 *  Thread-safety: owner thread; inside a system, only by a system that
 *  declared write access to @p c, and only to replace an existing value. */
ECS_API ecs_status_t ecs_resource_set(ecs_world_t *world, ecs_component_t c, const void *value);

/** The singleton of type @p c, or NULL when absent, unknown or a tag (or
 *  @p world NULL).
 *  Ownership: the world's; valid until ecs_resource_set/remove of @p c,
 *             ecs_snapshot_load() or ecs_world_free().
 *  Thread-safety: any thread while no one sets or removes @p c. */
ECS_API void *ecs_resource_get(const ecs_world_t *world, ecs_component_t c);

/** True when the singleton of type @p c exists (tags included); false for
 *  bad arguments. Thread-safety: as ecs_resource_get(). */
ECS_API bool ecs_resource_has(const ecs_world_t *world, ecs_component_t c);

/** Destructs and removes the singleton of type @p c; absent is ECS_OK.
 *  Errors: ECS_ERR_INVALID_ARGUMENT, ECS_ERR_UNKNOWN_COMPONENT, ECS_ERR_BUSY
 *  (during a tick). Thread-safety: owner thread, outside a tick. */
ECS_API ecs_status_t ecs_resource_remove(ecs_world_t *world, ecs_component_t c);

ECS_EXTERN_C_END

#endif /* ECS_RESOURCE_H */
