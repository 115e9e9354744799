/** @file ecs/relation.h
 *  Relationships: a pair (relation, target) is a component id. A relation
 *  is a component registered with ECS_COMPONENT_RELATION (a tag, or a type
 *  whose values every pair of it carries); the target is any live entity.
 *  ecs_pair() gives the pair's id, registered on first use with the
 *  relation's size, alignment, hooks, storage kind and flags, so that
 *  ecs_add, ecs_set, ecs_remove, ecs_has, ecs_get, commands, queries,
 *  snapshots and the scheduler's access analysis treat it as any other
 *  component. docs/relationships.md is the guide; ADR 0010 the design. */
#ifndef ECS_RELATION_H
#define ECS_RELATION_H

#include "command.h"
#include "component.h"
#include "config.h"
#include "entity.h"
#include "error.h"
#include "query.h"
#include "world.h"

ECS_EXTERN_C_BEGIN

/** What destroying a target does to the pairs (relation, target) that
 *  other entities hold; chosen per relation with ecs_relation_set_policy(). */
typedef enum ecs_target_policy_t {
  /** The pair is removed from every holder (ECS_ON_REMOVE observers and the
   *  dtor hook run, as for ecs_remove), then the target is destroyed. */
  ECS_TARGET_REMOVE = 0,
  /** Every holder is destroyed too, and so on through the holders' own
   *  targets (a cascade). */
  ECS_TARGET_DELETE = 1,
  /** The destroy is refused with ECS_ERR_CONFLICT while some entity holds a
   *  pair of the relation with the target; nothing changes. */
  ECS_TARGET_REFUSE = 2,
  ECS_PRIV_TARGET_FORCE_U32 = 0x7fffffff
} ecs_target_policy_t;

/** The id of the pair (@p relation, @p target), registered on first use.
 *  The pair's values have @p relation's size and hooks (a tag relation
 *  gives tag pairs); its storage kind is @p relation's. The same
 *  arguments always give the same id in one world; ids differ between
 *  worlds (snapshots match pairs by relation name and target handle).
 *  Ids stay registered after the target dies (the pair then has no holder
 *  and ecs_pair() refuses the dead handle): each distinct pair costs one
 *  component record for the world's life.
 *  Errors: returns ECS_COMPONENT_NULL for a NULL world, or with the last
 *          status: ECS_ERR_UNKNOWN_COMPONENT (@p relation unknown),
 *          ECS_ERR_INVALID_ARGUMENT (@p relation was not registered with
 *          ECS_COMPONENT_RELATION, or is itself a pair), ECS_ERR_STALE_ENTITY
 *          (@p target not alive; provisional handles are refused: commands
 *          take them through ecs_cmd_add_pair()), ECS_ERR_BUSY (during a
 *          tick, for a pair not registered yet; not recorded),
 *          ECS_ERR_NO_MEMORY, ECS_ERR_LIMIT.
 *  Thread-safety: owner thread outside a tick; during a tick any thread,
 *  for pairs already registered (a lookup). */
ECS_API ecs_component_t ecs_pair(ecs_world_t *world, ecs_component_t relation, ecs_entity_t target);

/** The wildcard id of @p relation: as a query term it matches an entity
 *  holding any pair of @p relation (ecs_iter_pair() tells which); in a
 *  system's access it covers every pair of the relation. It holds no
 *  values itself and cannot be added to an entity.
 *  Errors and thread-safety as ecs_pair() (registered on first use). */
ECS_API ecs_component_t ecs_pair_wildcard(ecs_world_t *world, ecs_component_t relation);

/** True when @p c is a pair id (not a wildcard). False for bad arguments.
 *  Thread-safety: any thread while no registration runs. */
ECS_API bool ecs_component_is_pair(const ecs_world_t *world, ecs_component_t c);

/** The relation of pair or wildcard @p c; ECS_COMPONENT_NULL for other ids.
 *  Thread-safety: as ecs_component_is_pair(). */
ECS_API ecs_component_t ecs_pair_relation(const ecs_world_t *world, ecs_component_t c);

/** The target of pair @p c (possibly no longer alive); ECS_ENTITY_NULL for
 *  other ids and wildcards. Thread-safety: as ecs_component_is_pair(). */
ECS_API ecs_entity_t ecs_pair_target(const ecs_world_t *world, ecs_component_t c);

/** The @p index-th target (0 first, in the order the pairs were first
 *  registered) of the pairs of @p relation that @p e holds, or
 *  ECS_ENTITY_NULL when there are fewer (also for bad arguments).
 *  Cost: a scan of e's type on ARCHETYPE; one lookup per registered pair
 *  of the relation on other kinds.
 *  Thread-safety: as ecs_has(). */
ECS_API ecs_entity_t ecs_target(const ecs_world_t *world, ecs_entity_t e, ecs_component_t relation, int32_t index);

/** Sets what destroying a target of @p relation does to its pairs (see
 *  ecs_target_policy_t; the default is ECS_TARGET_REMOVE).
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL world, unknown policy, not a
 *          relation), ECS_ERR_UNKNOWN_COMPONENT, ECS_ERR_BUSY (during a
 *          tick).
 *  Thread-safety: owner thread, outside a tick. */
ECS_API ecs_status_t ecs_relation_set_policy(ecs_world_t *world, ecs_component_t relation, ecs_target_policy_t policy);

/** The pair that term @p term matched for row @p row of the iterator's
 *  chunk: for a wildcard term the first pair of its relation (in
 *  registration order) the entity holds, for a pair term that pair;
 *  ECS_COMPONENT_NULL for other terms, an absent OPTIONAL or WITHOUT term,
 *  rows out of range and NULL. ecs_pair_target() of it is the row's
 *  target. On the archetype walk every row of a chunk has the same pair.
 *  Thread-safety: as ecs_field_at(). */
ECS_API ecs_component_t ecs_iter_pair(const ecs_iter_t *it, int32_t term, int32_t row);

/** Records adding the pair (@p relation, @p target) to @p e. Either handle
 *  may be provisional (from ecs_cmd_create() of this buffer, this round):
 *  the pair is registered at apply time, when the target is real. At apply,
 *  a dead target (or one whose create failed) fails the command
 *  (ECS_ERR_STALE_ENTITY, counted in ecs_cmd_stats_t.failed) and changes
 *  nothing; a dead @p e skips it, as other commands.
 *  Errors (recording): ECS_ERR_INVALID_ARGUMENT (NULL buffer, @p relation
 *          not a relation), ECS_ERR_UNKNOWN_COMPONENT, ECS_ERR_STALE_ENTITY
 *          (a real handle already dead, a provisional one of another
 *          buffer or round), ECS_ERR_NO_MEMORY; details in
 *          ecs_cmd_buffer_last_error().
 *  Thread-safety: as ecs_cmd_add(). */
ECS_API ecs_status_t ecs_cmd_add_pair(ecs_cmd_buffer_t *buf, ecs_entity_t e, ecs_component_t relation,
                                      ecs_entity_t target);
/** As ecs_cmd_add_pair(), setting the pair's value from @p value (copied
 *  now, with the relation's copy hook; NULL only for a tag relation). */
ECS_API ecs_status_t ecs_cmd_set_pair(ecs_cmd_buffer_t *buf, ecs_entity_t e, ecs_component_t relation,
                                      ecs_entity_t target, const void *value);
/** As ecs_cmd_add_pair(), removing the pair (nothing to do when @p e does
 *  not hold it, or the pair was never registered). */
ECS_API ecs_status_t ecs_cmd_remove_pair(ecs_cmd_buffer_t *buf, ecs_entity_t e, ecs_component_t relation,
                                         ecs_entity_t target);

ECS_EXTERN_C_END

#endif /* ECS_RELATION_H */
