/** @file ecs/prefab.h
 *  Prefabs: template entities (with children) that queries skip by
 *  default, copied into ordinary entities by ecs_instantiate(). A prefab
 *  carries the built-in tag "ecs.Prefab" (ARCHETYPE); a query with a term
 *  on that tag sees prefabs. docs/relationships.md. */
#ifndef ECS_PREFAB_H
#define ECS_PREFAB_H

#include "command.h"
#include "component.h"
#include "config.h"
#include "entity.h"
#include "error.h"
#include "world.h"

ECS_EXTERN_C_BEGIN

/** The built-in tag "ecs.Prefab", registered on first use.
 *  Thread-safety: owner thread outside a tick; any thread once registered. */
ECS_API ecs_component_t ecs_prefab_tag(ecs_world_t *world);

/** Creates a prefab: an entity with "ecs.Prefab", the child of @p parent
 *  (ECS_ENTITY_NULL: a root; else a prefab). Give it components with
 *  ecs_set()/ecs_add(), a name with ecs_set_name().
 *  Errors: returns ECS_ENTITY_NULL with the last status:
 *          ECS_ERR_INVALID_ARGUMENT (@p parent is not a prefab),
 *          ECS_ERR_STALE_ENTITY, ECS_ERR_BUSY (during a tick, not
 *          recorded), ECS_ERR_NO_MEMORY, ECS_ERR_LIMIT.
 *  Thread-safety: owner thread, outside a tick. */
ECS_API ecs_entity_t ecs_prefab_new(ecs_world_t *world, ecs_entity_t parent);

/** A value that replaces the prefab's in one instance (or adds a component
 *  the prefab lacks), at the instance's root. */
typedef struct ecs_override_t {
  ecs_component_t component;
  const void *value; /**< copied (copy hook); NULL only for a tag */
} ecs_override_t;

/** Creates an instance of @p prefab: a new entity with a copy of each of
 *  the prefab's components (copy hooks; "ecs.Prefab" and the name are not
 *  copied) and, below it, a copy of the prefab's child tree (names kept,
 *  parents set, depth order as in the prefab). Pairs whose target lies in
 *  the prefab's tree point at the instance's copy of that target. The
 *  root takes the @p count values of @p overrides instead of the
 *  prefab's. Observers run as for ecs_set() of each value. @p out gets the
 *  instance's root (may be NULL).
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL world, @p prefab not a prefab,
 *          an override of a built-in component, a wildcard, or with a NULL
 *          value for a component with a size, @p count < 0 or
 *          @p overrides NULL with @p count > 0), ECS_ERR_STALE_ENTITY,
 *          ECS_ERR_UNKNOWN_COMPONENT, ECS_ERR_BUSY (during a tick:
 *          ecs_cmd_instantiate()), ECS_ERR_NO_MEMORY (the entities made so
 *          far are destroyed again).
 *  Thread-safety: owner thread, outside a tick. */
ECS_API ecs_status_t ecs_instantiate(ecs_world_t *world, ecs_entity_t prefab, const ecs_override_t *overrides,
                                     int32_t count, ecs_entity_t *out);

/** Records ecs_instantiate() without overrides; returns a provisional
 *  handle of the instance's root for later commands of this buffer and
 *  round (ECS_ENTITY_NULL on a recording error: ECS_ERR_STALE_ENTITY,
 *  ECS_ERR_LIMIT, ECS_ERR_NO_MEMORY in ecs_cmd_buffer_last_error()). At
 *  apply a prefab that is gone or not a prefab fails the command (counted),
 *  and the handle resolves to ECS_ENTITY_NULL.
 *  Thread-safety: as ecs_cmd_create(). */
ECS_API ecs_entity_t ecs_cmd_instantiate(ecs_cmd_buffer_t *buf, ecs_entity_t prefab);

ECS_EXTERN_C_END

#endif /* ECS_PREFAB_H */
