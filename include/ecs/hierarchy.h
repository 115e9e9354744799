/** @file ecs/hierarchy.h
 *  The built-in hierarchy (ChildOf) and entity names. A child stores its
 *  parent as the value of the built-in component "ecs.Parent" (so all
 *  children of all parents share tables: no table per parent), and the
 *  world keeps an index of each parent's children. Destroying a parent
 *  destroys its subtree by default (ecs_hierarchy_set_policy()). Names are
 *  optional, unique among siblings, and found by path ("ship/turret_2").
 *  Both are saved in snapshots. docs/relationships.md is the guide; ADR
 *  0010 says why ChildOf does not fragment. */
#ifndef ECS_HIERARCHY_H
#define ECS_HIERARCHY_H

#include "command.h"
#include "component.h"
#include "config.h"
#include "entity.h"
#include "error.h"
#include "query.h"
#include "relation.h"
#include "world.h"

ECS_EXTERN_C_BEGIN

/** The value of the built-in component "ecs.Parent" (read it in queries:
 *  ecs_parent_component()); written only by ecs_set_parent(). */
typedef struct ecs_parent_t {
  ecs_entity_t parent; /**< the parent, alive */
  int32_t depth;       /**< 1 for a child of a root, parent's depth + 1 below */
  int32_t reserved;    /**< 0 */
} ecs_parent_t;

/** Most bytes of a name, its terminating NUL included. */
#define ECS_NAME_MAX 64

/** The id of "ecs.Parent", registered on first use (world default storage).
 *  Queries may READ it, or use it as WITH/WITHOUT/OPTIONAL; a WRITE term,
 *  ecs_add, ecs_set and ecs_remove of it are refused (ECS_ERR_INVALID_ARGUMENT):
 *  use ecs_set_parent(). ECS_COMPONENT_NULL on error (last status).
 *  Thread-safety: owner thread outside a tick; any thread once registered. */
ECS_API ecs_component_t ecs_parent_component(ecs_world_t *world);

/** Makes @p child a child of @p parent, or a root when @p parent is
 *  ECS_ENTITY_NULL. The child's subtree keeps its shape (depths follow).
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL world), ECS_ERR_STALE_ENTITY
 *          (either entity not alive), ECS_ERR_CYCLE (@p parent is @p child
 *          or one of its descendants; the detail names both),
 *          ECS_ERR_DUPLICATE (@p child's name is taken among @p parent's
 *          children), ECS_ERR_BUSY (during a tick: ecs_cmd_set_parent()),
 *          ECS_ERR_NO_MEMORY. On error nothing changed.
 *  Thread-safety: owner thread, outside a tick. */
ECS_API ecs_status_t ecs_set_parent(ecs_world_t *world, ecs_entity_t child, ecs_entity_t parent);

/** The parent of @p e; ECS_ENTITY_NULL for a root (and bad arguments).
 *  Thread-safety: as ecs_has(). */
ECS_API ecs_entity_t ecs_parent(const ecs_world_t *world, ecs_entity_t e);

/** Depth of @p e: 0 for a root, parent's + 1 below; -1 for bad arguments.
 *  Thread-safety: as ecs_has(). */
ECS_API int32_t ecs_depth(const ecs_world_t *world, ecs_entity_t e);

/** The children of @p parent in ascending slot order (deterministic: the
 *  same after a snapshot load), the first @p cap of them into @p out (may
 *  be NULL when @p cap is 0). Returns how many children there are; 0 for
 *  bad arguments. Thread-safety: owner thread (after a snapshot load the
 *  first call rebuilds the index). */
ECS_API size_t ecs_children(ecs_world_t *world, ecs_entity_t parent, ecs_entity_t *out, size_t cap);

/** What destroying a parent does to its children: ECS_TARGET_DELETE (the
 *  default: the whole subtree goes, children before parents),
 *  ECS_TARGET_REMOVE (the children become roots), ECS_TARGET_REFUSE (the
 *  destroy fails with ECS_ERR_CONFLICT while it has children).
 *  Errors: ECS_ERR_INVALID_ARGUMENT, ECS_ERR_BUSY (during a tick). */
ECS_API ecs_status_t ecs_hierarchy_set_policy(ecs_world_t *world, ecs_target_policy_t policy);

/** Starts an iteration of @p query in depth order: every matching root
 *  (no parent) first, then every matching entity of depth 1, and so on,
 *  so that a system can propagate from parents to children in one pass
 *  (a parent's row is visited before its children's). Chunks and fields
 *  as ecs_query_iter(); a chunk holds rows of one depth. Cost: one walk
 *  of the query per depth level present in the world.
 *  Thread-safety: as ecs_query_iter(). */
ECS_API ecs_iter_t ecs_query_iter_depth(ecs_query_t *query);

/** The query @p it iterates (NULL for NULL): a system walks its own query
 *  in depth order with ecs_query_iter_depth(ecs_iter_query(&ctx->it)).
 *  Thread-safety: any thread. */
ECS_API ecs_query_t *ecs_iter_query(const ecs_iter_t *it);

/** Records ecs_set_parent(); either handle may be provisional (this
 *  buffer, this round). Errors at apply are counted as failed
 *  (ecs_cmd_stats_t), with nothing changed for that command.
 *  Errors (recording): ECS_ERR_INVALID_ARGUMENT (NULL buffer),
 *          ECS_ERR_STALE_ENTITY, ECS_ERR_NO_MEMORY.
 *  Thread-safety: as ecs_cmd_add(). */
ECS_API ecs_status_t ecs_cmd_set_parent(ecs_cmd_buffer_t *buf, ecs_entity_t child, ecs_entity_t parent);

/** Names @p e (copied), or clears its name when @p name is NULL. A name is
 *  1 to ECS_NAME_MAX - 1 bytes, without '/', unique among its siblings
 *  (the children of one parent, or the roots). Stored as the value of the
 *  built-in component "ecs.Name" (saved in snapshots).
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL world, empty name, a '/', too
 *          long), ECS_ERR_STALE_ENTITY, ECS_ERR_DUPLICATE (a sibling has
 *          it), ECS_ERR_BUSY (during a tick), ECS_ERR_NO_MEMORY. On error
 *          nothing changed.
 *  Thread-safety: owner thread, outside a tick. */
ECS_API ecs_status_t ecs_set_name(ecs_world_t *world, ecs_entity_t e, const char *name);

/** Records ecs_set_name() (@p e may be provisional; the name is copied
 *  now). At apply a duplicate among siblings is counted as failed.
 *  Errors (recording): ECS_ERR_INVALID_ARGUMENT (NULL buffer, empty name,
 *          a '/', too long), ECS_ERR_STALE_ENTITY, ECS_ERR_NO_MEMORY.
 *  Thread-safety: as ecs_cmd_add(). */
ECS_API ecs_status_t ecs_cmd_set_name(ecs_cmd_buffer_t *buf, ecs_entity_t e, const char *name);

/** The name of @p e, or NULL when it has none (or for bad arguments).
 *  Ownership: the world's; valid until the name changes or @p e dies.
 *  Thread-safety: as ecs_has(). */
ECS_API const char *ecs_get_name(const ecs_world_t *world, ecs_entity_t e);

/** The entity at @p path below @p scope (ECS_ENTITY_NULL: the roots):
 *  names separated by '/', e.g. "ship/turret_2". ECS_ENTITY_NULL when no
 *  entity has that path (or for bad arguments).
 *  Thread-safety: owner thread (it may rebuild the index after a load). */
ECS_API ecs_entity_t ecs_lookup_path(ecs_world_t *world, ecs_entity_t scope, const char *path);

/** Writes the path of @p e from its root ("ship/turret_2"; an unnamed
 *  entity on the way is written as "#<index>v<generation>") into @p buf
 *  (NUL-terminated, truncated to @p cap). Returns the full length (as
 *  snprintf does); 0 for bad arguments. Thread-safety: as ecs_has(). */
ECS_API size_t ecs_entity_path(const ecs_world_t *world, ecs_entity_t e, char *buf, size_t cap);

ECS_EXTERN_C_END

#endif /* ECS_HIERARCHY_H */
