/** @file ecs/scheduler.h
 *  The scheduler: work groups of systems, built once, ticked every frame.
 *
 *  A builder collects groups and systems; ecs_scheduler_build() validates
 *  them (names, dependencies, cycles) and returns an immutable scheduler.
 *  Each tick runs the groups in topological order of their after/before
 *  edges, ties broken by registration order, so the order is the same on
 *  every run. A SYNC group runs its systems in declared order on the
 *  caller's thread. Systems record structural changes in their own command
 *  buffer; at the end of each group (the barrier) the buffers are applied in
 *  system order. A system therefore never sees structural changes of its
 *  own group before the barrier, and always sees those of earlier groups. */
#ifndef ECS_SCHEDULER_H
#define ECS_SCHEDULER_H

#include "command.h"
#include "component.h"
#include "config.h"
#include "error.h"
#include "query.h"
#include "world.h"

ECS_EXTERN_C_BEGIN

#define ECS_GROUP_MAX_DEPS 8       /**< after[] / before[] entries per group */
#define ECS_SYSTEM_MAX_RESOURCES 8 /**< reads[] / writes[] entries per system */

typedef enum ecs_group_mode_t {
  ECS_GROUP_SYNC = 0,  /**< systems in order on the caller's thread */
  ECS_GROUP_ASYNC = 1, /**< systems on the worker pool (not available yet: build fails) */
  ECS__GROUP_FORCE_U32 = 0x7fffffff
} ecs_group_mode_t;

/** A work group. Zero-initialise; names in after/before end at the first
 *  NULL. The strings are copied. */
typedef struct ecs_group_desc_t {
  const char *name;                       /**< required, unique */
  ecs_group_mode_t mode;                  /**< default SYNC */
  const char *after[ECS_GROUP_MAX_DEPS];  /**< groups that must run before this one */
  const char *before[ECS_GROUP_MAX_DEPS]; /**< groups that must run after this one */
} ecs_group_desc_t;

/** Group handle within one builder; 0 is invalid. */
typedef uint32_t ecs_group_t;

/** What a tick does when a system's callback returns an error. */
typedef enum ecs_error_policy_t {
  ECS_ON_ERROR_FAIL = 0, /**< default: discard its commands, stop the tick after this group's barrier */
  ECS_ON_ERROR_SKIP,     /**< discard its commands, count it, go on */
  ECS_ON_ERROR_RETRY,    /**< discard its commands and run it again, up to max_retries; then as FAIL */
  ECS__ON_ERROR_FORCE_U32 = 0x7fffffff
} ecs_error_policy_t;

/** What a system callback gets. Valid only during the call. */
typedef struct ecs_system_ctx_t {
  ecs_world_t *world;         /**< access per the system's declared terms and resources */
  ecs_iter_t it;              /**< a fresh iterator of the system's query (done at once if it has none) */
  double dt;                  /**< seconds, as passed to ecs_scheduler_tick() */
  uint64_t tick;              /**< 1 for the first tick */
  ecs_cmd_buffer_t *commands; /**< this system's buffer: the only way to change structure */
  void *user;                 /**< ecs_system_desc_t.user */
  const char *name;           /**< the system's name */
} ecs_system_ctx_t;

/** A system callback: ECS_OK, or an error handled by the system's policy. */
typedef ecs_status_t (*ecs_system_fn)(ecs_system_ctx_t *ctx);

/** A system. Zero-initialise. Query terms are the system's component access
 *  set; reads/writes list resource types (component ids, 0 ends a list). */
typedef struct ecs_system_desc_t {
  const char *name; /**< required, unique across the scheduler; copied */
  ecs_query_desc_t query;
  ecs_component_t reads[ECS_SYSTEM_MAX_RESOURCES];
  ecs_component_t writes[ECS_SYSTEM_MAX_RESOURCES];
  ecs_system_fn callback; /**< required */
  void *user;
  ecs_error_policy_t on_error;
  uint32_t max_retries; /**< for ECS_ON_ERROR_RETRY; 0 means 1 */
} ecs_system_desc_t;

typedef struct ecs_scheduler_builder_t ecs_scheduler_builder_t;
typedef struct ecs_scheduler_t ecs_scheduler_t;

/** Per-group figures of the last tick. */
typedef struct ecs_group_stats_t {
  const char *name;
  uint64_t run_ns;   /**< running its systems */
  uint64_t apply_ns; /**< its barrier: applying command buffers */
  size_t commands_applied;
  uint32_t systems_run;
} ecs_group_stats_t;

/** Outcome of one tick. */
typedef struct ecs_tick_result_t {
  ecs_status_t status; /**< ECS_OK, ECS_ERR_SYSTEM_FAILED, or a barrier error */
  uint64_t tick;
  uint32_t systems_run;     /**< callbacks that returned ECS_OK */
  uint32_t systems_skipped; /**< not run (the tick stopped early) */
  uint32_t systems_failed;  /**< returned an error (after retries) */
  size_t commands_applied;
  size_t commands_skipped; /**< on entities dead at apply time */
  uint64_t duration_ns;
  const char *failed_system;       /**< first failing system, or NULL */
  ecs_status_t failed_status;      /**< what it returned */
  const ecs_group_stats_t *groups; /**< in run order; valid until the next tick */
  uint32_t group_count;
} ecs_tick_result_t;

/** Starts a schedule for @p world. NULL on a NULL world or out of memory.
 *  Ownership: consumed by ecs_scheduler_build(), or freed with
 *  ecs_scheduler_builder_free(). Thread-safety: owner thread. */
ECS_API ecs_scheduler_builder_t *ecs_scheduler_builder_new(ecs_world_t *world);

/** Frees a builder that was not built. NULL is a no-op. */
ECS_API void ecs_scheduler_builder_free(ecs_scheduler_builder_t *b);

/** Adds a group. Returns its handle, or 0 on error (NULL arguments, missing
 *  name, duplicate name, out of memory): the error is also kept and
 *  returned by ecs_scheduler_build(), detail in ecs_last_error(world). */
ECS_API ecs_group_t ecs_builder_add_group(ecs_scheduler_builder_t *b, const ecs_group_desc_t *desc);

/** Adds a system to group @p g; systems of a group run in the order added.
 *  Errors (also kept for ecs_scheduler_build()): ECS_ERR_INVALID_ARGUMENT
 *  (NULL, no name, no callback, bad group, bad query), ECS_ERR_DUPLICATE,
 *  ECS_ERR_UNKNOWN_COMPONENT, ECS_ERR_NO_MEMORY. */
ECS_API ecs_status_t ecs_builder_add_system(ecs_scheduler_builder_t *b, ecs_group_t g, const ecs_system_desc_t *desc);

/** Validates and builds the schedule; frees @p b in every case.
 *  Errors: the first error of an add call; ECS_ERR_NOT_FOUND (after/before
 *  names a group that does not exist); ECS_ERR_CYCLE (ecs_last_error names
 *  the cycle, "a -> b -> a"); ECS_ERR_UNSUPPORTED (ASYNC group);
 *  ECS_ERR_NO_MEMORY. On error *out is NULL and the world is unchanged.
 *  Thread-safety: owner thread. */
ECS_API ecs_status_t ecs_scheduler_build(ecs_scheduler_builder_t *b, ecs_scheduler_t **out);

/** Runs one frame; see the file comment. @p result may be NULL.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL scheduler), ECS_ERR_BUSY (called
 *  from inside a tick), ECS_ERR_SYSTEM_FAILED (a system failed under FAIL
 *  or RETRY policy: the tick stopped after that group's barrier), or the
 *  first command-apply error. The world stays consistent in every case.
 *  Thread-safety: world owner thread. */
ECS_API ecs_status_t ecs_scheduler_tick(ecs_scheduler_t *s, double dt, ecs_tick_result_t *result);

/** Frees the scheduler, its queries and command buffers (unapplied commands
 *  are discarded). NULL is a no-op. Free it before its world. */
ECS_API void ecs_scheduler_free(ecs_scheduler_t *s);

/** Number of ticks run so far. */
ECS_API uint64_t ecs_scheduler_tick_count(const ecs_scheduler_t *s);

/** Group names in run order, for display: writes up to @p cap names and
 *  returns the number of groups. */
ECS_API uint32_t ecs_scheduler_group_order(const ecs_scheduler_t *s, const char **names, uint32_t cap);

ECS_EXTERN_C_END

#endif /* ECS_SCHEDULER_H */
