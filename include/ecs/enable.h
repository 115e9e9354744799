/** @file ecs/enable.h
 *  Disabled entities and components. A disabled entity keeps its
 *  components but queries skip it (unless a query names the built-in tag
 *  "ecs.Disabled" in a term); a component disabled on one entity is
 *  skipped by the READ, WRITE and WITH terms of queries on that entity.
 *  Both are tags in ARCHETYPE storage ("ecs.Disabled", and per component
 *  "ecs.Disabled(<name>)"), so they are saved in snapshots and cost
 *  queries nothing while no entity is disabled. docs/relationships.md. */
#ifndef ECS_ENABLE_H
#define ECS_ENABLE_H

#include "command.h"
#include "component.h"
#include "config.h"
#include "entity.h"
#include "error.h"
#include "world.h"

ECS_EXTERN_C_BEGIN

/** The built-in tag "ecs.Disabled", registered on first use (ARCHETYPE).
 *  A query with a term on it (WITH: only disabled entities; OPTIONAL:
 *  both) does not skip disabled entities. ECS_COMPONENT_NULL on error.
 *  Thread-safety: owner thread outside a tick; any thread once registered. */
ECS_API ecs_component_t ecs_disabled_tag(ecs_world_t *world);

/** Enables or disables @p e (adds or removes "ecs.Disabled"; observers of
 *  it run). Enabling an enabled entity changes nothing.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL world), ECS_ERR_STALE_ENTITY,
 *          ECS_ERR_BUSY (during a tick: ecs_cmd_enable()), ECS_ERR_NO_MEMORY.
 *  Thread-safety: owner thread, outside a tick. */
ECS_API ecs_status_t ecs_enable(ecs_world_t *world, ecs_entity_t e, bool enabled);

/** False when @p e is disabled (or not alive). Thread-safety: as ecs_has(). */
ECS_API bool ecs_is_enabled(const ecs_world_t *world, ecs_entity_t e);

/** Enables or disables component @p c on @p e (whether @p e has it now or
 *  not: the switch stays until turned back). While disabled, queries with
 *  a READ, WRITE or WITH term on @p c skip @p e; ecs_get() and ecs_has()
 *  still see the value, and WITHOUT and OPTIONAL terms see it as present.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL world; @p c a built-in tag or a
 *          wildcard), ECS_ERR_STALE_ENTITY, ECS_ERR_UNKNOWN_COMPONENT,
 *          ECS_ERR_BUSY (during a tick: ecs_cmd_enable_component()),
 *          ECS_ERR_NO_MEMORY.
 *  Thread-safety: owner thread, outside a tick. */
ECS_API ecs_status_t ecs_enable_component(ecs_world_t *world, ecs_entity_t e, ecs_component_t c, bool enabled);

/** False when component @p c is disabled on @p e (also for bad arguments).
 *  Thread-safety: as ecs_has(). */
ECS_API bool ecs_is_component_enabled(const ecs_world_t *world, ecs_entity_t e, ecs_component_t c);

/** Records ecs_enable() / ecs_enable_component() (either may name a
 *  provisional entity of this buffer and round). Errors at apply are
 *  counted as failed. Recording errors: ECS_ERR_INVALID_ARGUMENT,
 *  ECS_ERR_STALE_ENTITY, ECS_ERR_UNKNOWN_COMPONENT, ECS_ERR_NO_MEMORY.
 *  Thread-safety: as ecs_cmd_add(). */
ECS_API ecs_status_t ecs_cmd_enable(ecs_cmd_buffer_t *buf, ecs_entity_t e, bool enabled);
ECS_API ecs_status_t ecs_cmd_enable_component(ecs_cmd_buffer_t *buf, ecs_entity_t e, ecs_component_t c, bool enabled);

ECS_EXTERN_C_END

#endif /* ECS_ENABLE_H */
