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
 *  own group before the barrier, and always sees those of earlier groups.
 *
 *  An ASYNC group runs its systems on the worker pool, or on the host's job
 *  system through an executor (executor.h). The builder checks
 *  the declared access of every pair of systems in such a group (query
 *  terms: WRITE writes, READ and OPTIONAL read; resources: writes[] and
 *  reads[]); two systems conflict when one writes what the other reads or
 *  writes. By option a conflict is an error naming both systems and the
 *  component, or the pair is serialized in declared order. Independent
 *  systems run at the same time. Buffers are still applied in declared
 *  order, and entity ids are allocated at apply, so the world after a tick
 *  is the same for any number of threads. */
#ifndef ECS_SCHEDULER_H
#define ECS_SCHEDULER_H

#include "command.h"
#include "component.h"
#include "config.h"
#include "error.h"
#include "executor.h"
#include "io.h"
#include "pool.h"
#include "query.h"
#include "world.h"

ECS_EXTERN_C_BEGIN

#define ECS_GROUP_MAX_DEPS 8       /**< after[] / before[] entries per group */
#define ECS_SYSTEM_MAX_RESOURCES 8 /**< reads[] / writes[] entries per system */

typedef enum ecs_group_mode_t {
  ECS_GROUP_SYNC = 0,  /**< systems in order on the caller's thread */
  ECS_GROUP_ASYNC = 1, /**< independent systems at once on the worker pool */
  ECS_PRIV_GROUP_FORCE_U32 = 0x7fffffff
} ecs_group_mode_t;

/** A run condition: evaluated on the ticking thread before the group or
 *  system it guards; false skips it. A group's condition is evaluated once
 *  per tick (a fixed-step group that is not allowed to run accumulates no
 *  time); a system's once per run of its group: once per tick, or once per
 *  fixed step in a fixed-step group. It must be pure and only read the
 *  world (it decides, it does not act): it runs inside the tick, so
 *  ecs_scheduler_tick(), ecs_scheduler_set_tick(), snapshot loads and
 *  structural changes called from it fail with ECS_ERR_BUSY. */
typedef bool (*ecs_run_if_fn)(const ecs_world_t *world, void *user);

/** A work group. Zero-initialise; names in after/before end at the first
 *  NULL. The strings are copied. */
typedef struct ecs_group_desc_t {
  const char *name;                       /**< required, unique */
  ecs_group_mode_t mode;                  /**< default SYNC */
  const char *after[ECS_GROUP_MAX_DEPS];  /**< groups that must run before this one */
  const char *before[ECS_GROUP_MAX_DEPS]; /**< groups that must run after this one */
  uint64_t budget_ns;   /**< time budget of a run of the group (0: none); see ecs_system_desc_t.budget_ns */
  ecs_run_if_fn run_if; /**< optional run condition for the whole group */
  void *run_if_user;
  /** Fixed timestep in seconds (0: none): the group runs 0..N times per
   *  tick, each run with ctx->dt = fixed_dt and its own barrier, from an
   *  accumulator fed by the tick's dt. A dt that is negative or NaN adds
   *  no time; an infinite one owes more than max_steps (below).
   *  ecs_scheduler_fixed_step() tells how far the accumulator is into the
   *  next step, for interpolating what is rendered. */
  double fixed_dt;
  /** Most fixed steps in one tick (0: 8). Time beyond that is dropped (and
   *  counted in ecs_tick_result_t.fixed_steps_dropped, saturating) rather
   *  than carried: only the fraction of a step stays in the accumulator.
   *  The guard against the spiral of death, where each slow tick owes more
   *  steps and becomes slower; one huge or infinite dt costs one tick of
   *  max_steps and nothing after it. */
  uint32_t max_steps;
  /** Run only every N-th tick (tick % N == 0); 0 or 1: every tick. */
  uint32_t every_n_ticks;
} ecs_group_desc_t;

/** Group handle within one builder; 0 is invalid. */
typedef uint32_t ecs_group_t;

/** What a tick does when a system's callback returns an error. */
typedef enum ecs_error_policy_t {
  ECS_ON_ERROR_FAIL = 0, /**< default: discard its commands, stop the tick after this group's barrier */
  ECS_ON_ERROR_SKIP,     /**< discard its commands, count it, go on */
  ECS_ON_ERROR_RETRY,    /**< discard its commands and run it again, up to max_retries; then as FAIL */
  /** A circuit breaker: each failure is handled as SKIP; after
   *  quarantine_after consecutive failures the system is disabled (no
   *  longer run; counted in ecs_tick_result_t.systems_quarantined; logged
   *  once) until ecs_scheduler_enable_system(). Other systems, including
   *  those that use its output, keep running on whatever it last wrote. */
  ECS_ON_ERROR_QUARANTINE,
  ECS_PRIV_ON_ERROR_FORCE_U32 = 0x7fffffff
} ecs_error_policy_t;

/** What a system callback gets. Valid only during the call. In an ASYNC
 *  group the callback runs on a worker thread; it may read the world (its
 *  declared components and resources), write values it declared WRITE in
 *  place, and record structural changes in @ref commands. Calls made during
 *  a tick do not update the world's last error (they may run on several
 *  threads at once); their return codes tell. */
typedef struct ecs_system_ctx_t {
  ecs_world_t *world;         /**< access per the system's declared terms and resources */
  ecs_iter_t it;              /**< a fresh iterator of the system's query (done at once if it has none) */
  double dt;                  /**< seconds, as passed to ecs_scheduler_tick() */
  uint64_t tick;              /**< 1 for the first tick */
  ecs_cmd_buffer_t *commands; /**< this system's buffer: the only way to change structure */
  void *user;                 /**< ecs_system_desc_t.user */
  const char *name;           /**< the system's name */
  struct {
    void *system;
  } priv; /**< the library's */
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
  uint32_t max_retries;      /**< for ECS_ON_ERROR_RETRY; 0 means 1 */
  uint32_t quarantine_after; /**< for ECS_ON_ERROR_QUARANTINE; 0 means 3 */
  /** Time budget of one run in nanoseconds (0: none). A run over budget is
   *  counted (tick result, metrics) and logged at WARN with the measured
   *  time, rate-limited to the 1st, 2nd, 4th, 8th... overrun. A system with
   *  a budget is timed even with ecs_scheduler_desc_t.timing off. */
  uint64_t budget_ns;
  ecs_run_if_fn run_if; /**< optional run condition */
  void *run_if_user;
} ecs_system_desc_t;

/** What the builder does with two systems of an ASYNC group whose declared
 *  access conflicts. */
typedef enum ecs_conflict_policy_t {
  ECS_CONFLICT_REJECT = 0, /**< default: ecs_scheduler_build() fails with ECS_ERR_CONFLICT */
  ECS_CONFLICT_SERIALIZE,  /**< the later-declared system waits for the earlier one */
  ECS_PRIV_CONFLICT_FORCE_U32 = 0x7fffffff
} ecs_conflict_policy_t;

/** Whether ecs_system_get() and friends check a system's declared access. */
typedef enum ecs_access_check_t {
  ECS_ACCESS_CHECK_DEFAULT = 0, /**< on in debug builds, off when NDEBUG is defined */
  ECS_ACCESS_CHECK_ON,
  ECS_ACCESS_CHECK_OFF,
  ECS_PRIV_ACCESS_CHECK_FORCE_U32 = 0x7fffffff
} ecs_access_check_t;

/** Whether the scheduler measures how long systems and groups take. */
typedef enum ecs_timing_t {
  /** ECS_TIMING_ON in a profiling build (ECS_PROFILE=ON, the default);
   *  with ECS_PROFILE=OFF groups are timed and systems are not. */
  ECS_TIMING_DEFAULT = 0,
  ECS_TIMING_ON,  /**< every system run, group run and barrier */
  ECS_TIMING_OFF, /**< only what needs a clock: budgets, ASYNC dispatch, the tick */
  ECS_PRIV_TIMING_FORCE_U32 = 0x7fffffff
} ecs_timing_t;

/** Scheduler options. Zero-initialise; zero fields mean defaults. */
typedef struct ecs_scheduler_desc_t {
  ecs_pool_t *pool; /**< a pool to share (not freed by the scheduler); NULL: see threads */
  /** Threads of the pool the scheduler creates when @ref pool is NULL and
   *  an ASYNC group exists or this is not 0: 0 = online CPUs - 1,
   *  ECS_POOL_INLINE = no threads (everything on the caller's thread). */
  int32_t threads;
  ecs_conflict_policy_t on_conflict;
  ecs_access_check_t check_access;
  /** An ASYNC group whose previous run took less than this many
   *  nanoseconds runs its systems on the ticking thread instead, in
   *  declared order (handing tiny systems to workers costs more than it
   *  saves; the results are the same either way). A longer group runs the
   *  way that has been faster for it, dispatched or inline (smoothed run
   *  times), and tries the other way every 32nd run. 0: 20 microseconds;
   *  1: always dispatch. ecs_parallel_for still uses the pool. */
  uint64_t inline_below_ns;
  /** Timing of systems and groups; ecs_scheduler_set_timing() changes it
   *  between ticks. On, every system run is timed (the metric
   *  ecs_system_duration_seconds; last_run_ns and the critical path of
   *  ecs_scheduler_describe()) and so are every group's run and barrier
   *  (ecs_group_stats_t.run_ns and apply_ns), at one clock read per system
   *  run. Off, run_ns and apply_ns are 0, a system's last_run_ns is 0 and
   *  the system histograms get no samples. What needs a clock still has
   *  one: a system with a budget_ns is timed for its budget (its
   *  last_run_ns is that time; it adds no sample), a group with a budget
   *  and an ASYNC group (choosing between dispatching and running inline)
   *  time their runs without reporting them, and tracing times everything.
   *  The tick's duration_ns (and ecs_tick_duration_seconds) is always
   *  measured. Results are the same either way. */
  ecs_timing_t timing;
  /** The host's job system (executor.h): ASYNC groups and ecs_parallel_for()
   *  run on it instead of a pool, and the scheduler starts no thread. All
   *  zero (the default): the pool (above). When set, @ref pool must be NULL
   *  and @ref threads 0; ecs_scheduler_pool() is then NULL. Copied; its user
   *  pointer must outlive the scheduler. The world after each tick is the
   *  same as on the pool or on the caller's thread alone. */
  ecs_executor_t executor;
} ecs_scheduler_desc_t;

typedef struct ecs_scheduler_builder_t ecs_scheduler_builder_t;
typedef struct ecs_scheduler_t ecs_scheduler_t;

/** Per-group figures of the last tick. */
typedef struct ecs_group_stats_t {
  const char *name;
  uint64_t run_ns;   /**< running its systems (0 with timing off) */
  uint64_t apply_ns; /**< its barrier: applying command buffers (0 with timing off) */
  size_t commands_applied;
  uint32_t systems_run;
  uint32_t runs; /**< times the group ran this tick (fixed steps; 0 when skipped) */
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
  /** The system that stopped the tick (FAIL, or RETRY out of retries; the
   *  first in declared order); when none did, the first that failed
   *  (SKIP, QUARANTINE); NULL when none failed. */
  const char *failed_system;
  ecs_status_t failed_status;      /**< what it returned */
  uint32_t access_violations;      /**< undeclared accesses refused by the checks */
  uint32_t systems_quarantined;    /**< disabled by ECS_ON_ERROR_QUARANTINE, not run */
  uint32_t systems_not_due;        /**< skipped by a run condition, an interval or a fixed step not due */
  uint32_t fixed_steps_dropped;    /**< fixed steps dropped by the max_steps guard */
  uint32_t budget_overruns;        /**< system and group runs over their budget */
  const ecs_group_stats_t *groups; /**< in run order; valid until the next tick */
  uint32_t group_count;
  const char *first_failed_system;  /**< the first system that failed this tick, whatever its policy, or NULL */
  ecs_status_t first_failed_status; /**< what it returned */
} ecs_tick_result_t;

/** Starts a schedule for @p world. NULL on a NULL world or out of memory.
 *  Ownership: consumed by ecs_scheduler_build(), or freed with
 *  ecs_scheduler_builder_free(). Thread-safety: owner thread. */
ECS_API ecs_scheduler_builder_t *ecs_scheduler_builder_new(ecs_world_t *world);

/** Sets the scheduler options (copied). Call before ecs_scheduler_build().
 *  Ownership: a pool given in desc->pool stays the caller's and must outlive
 *             the scheduler.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL builder or desc, threads out of
 *  range, unknown conflict policy, access check or timing; an executor
 *  given in part, with more than ECS_EXECUTOR_MAX_WORKERS workers, or
 *  together with a pool or threads); also kept for
 *  ecs_scheduler_build() (not for a NULL builder).
 *  Thread-safety: owner thread. */
ECS_API ecs_status_t ecs_builder_set_options(ecs_scheduler_builder_t *b, const ecs_scheduler_desc_t *desc);

/** Frees a builder that was not built. NULL is a no-op.
 *  Thread-safety: owner thread. */
ECS_API void ecs_scheduler_builder_free(ecs_scheduler_builder_t *b);

/** Adds a group (the descriptor and its strings are copied). Returns its
 *  handle, or 0 on error: ECS_ERR_INVALID_ARGUMENT (NULL desc, missing
 *  name, fixed_dt outside [0, 3600] seconds, unknown mode),
 *  ECS_ERR_DUPLICATE (name taken), ECS_ERR_NO_MEMORY. The error is also
 *  kept and returned by ecs_scheduler_build(), detail in
 *  ecs_last_error(world); a NULL builder returns 0 and records nothing.
 *  Unknown after/before names are found by ecs_scheduler_build().
 *  Thread-safety: owner thread. */
ECS_API ecs_group_t ecs_builder_add_group(ecs_scheduler_builder_t *b, const ecs_group_desc_t *desc);

/** Adds a system to group @p g; systems of a group run in the order added.
 *  The descriptor is copied (name included; user and run_if_user are kept).
 *  Errors (also kept for ecs_scheduler_build(), except for a NULL builder):
 *  ECS_ERR_INVALID_ARGUMENT (NULL builder or desc, no name, no callback,
 *  bad group, unknown error policy), ECS_ERR_DUPLICATE (name taken),
 *  ECS_ERR_UNKNOWN_COMPONENT (an id in reads[]/writes[]), ECS_ERR_NO_MEMORY.
 *  The query is checked by ecs_scheduler_build().
 *  Thread-safety: owner thread. */
ECS_API ecs_status_t ecs_builder_add_system(ecs_scheduler_builder_t *b, ecs_group_t g, const ecs_system_desc_t *desc);

/** Validates and builds the schedule; frees @p b in every case.
 *  Ownership: on success *out is the caller's; free it with
 *             ecs_scheduler_free() before the world.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL @p b or @p out); the first error
 *  of an add or set_options call; a system's query error, as
 *  ecs_query_new() (ecs_last_error names the system); ECS_ERR_NOT_FOUND
 *  (after/before names a group that does not exist); ECS_ERR_CYCLE
 *  (ecs_last_error names the cycle, "a -> b -> a"); ECS_ERR_CONFLICT (two
 *  systems of an ASYNC group conflict under ECS_CONFLICT_REJECT:
 *  ecs_last_error names both systems, the component or resource and each
 *  one's access); ECS_ERR_BUSY (called during a tick, from a system);
 *  ECS_ERR_NO_MEMORY, or a pool creation error. On error
 *  *out is NULL and the world is unchanged.
 *  Thread-safety: owner thread, outside a tick (not from a system). */
ECS_API ecs_status_t ecs_scheduler_build(ecs_scheduler_builder_t *b, ecs_scheduler_t **out);

/** Runs one frame; see the file comment. @p result may be NULL.
 *  Ownership: result->groups and result->failed_system point into the
 *             scheduler: groups until the next tick, names until
 *             ecs_scheduler_free().
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL scheduler), ECS_ERR_BUSY (called
 *  from inside a tick, a system or an observer), ECS_ERR_SYSTEM_FAILED (a
 *  system failed under FAIL or RETRY policy: the tick stopped after that
 *  group's barrier; in a SYNC group the systems after it did not run, in
 *  an ASYNC group the others ran), or the first command-apply error. The
 *  world stays consistent in every case. The last error is set once, at
 *  the end of the tick.
 *  Thread-safety: world owner thread; one tick at a time per world. */
ECS_API ecs_status_t ecs_scheduler_tick(ecs_scheduler_t *s, double dt, ecs_tick_result_t *result);

/** Frees the scheduler, its queries and command buffers (unapplied commands
 *  are discarded), the pool it created (not a shared one) and a trace in
 *  progress (dropped unfinished: call ecs_trace_end() first). NULL is a
 *  no-op. Free it before its world.
 *  Thread-safety: owner thread, outside a tick. */
ECS_API void ecs_scheduler_free(ecs_scheduler_t *s);

/** A slice of a system's query for ecs_parallel_for(): @p chunk holds
 *  up to rows_per_task rows of one query chunk (use it->count, it->entities,
 *  ecs_field(), ecs_field_at(); do not call ecs_iter_next() on it).
 *  Structural changes go to @p commands, this slice's own buffer. */
typedef ecs_status_t (*ecs_chunk_fn)(ecs_iter_t *chunk, ecs_cmd_buffer_t *commands, void *user);

/** Splits the rest of the system's iteration (ctx->it) into slices of at
 *  most @p rows_per_task rows (0 or less: 1024) and runs @p fn on each, on
 *  the scheduler's executor when it has one with workers (else in order on
 *  this thread), then waits for all of them: this thread runs the slices no
 *  worker has started and waits only for those running elsewhere, so it
 *  works inside an ASYNC system whatever the executor's workers are doing,
 *  and does not wait for other systems. Each slice records into its own command
 *  buffer; at the barrier they are applied after the system's own buffer,
 *  in slice order, so the result does not depend on the number of threads.
 *  @p user is passed to every slice, possibly on several threads at once.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL ctx or fn, ctx not from a
 *  scheduler), ECS_ERR_NO_MEMORY (no slice ran), or the first (in slice
 *  order) error a slice returned (every slice ran). Returned from the
 *  callback, it fails the run like any other error, discarding the
 *  slices' commands too.
 *  Thread-safety: from inside the system's callback only. */
ECS_API ecs_status_t ecs_parallel_for(ecs_system_ctx_t *ctx, int32_t rows_per_task, ecs_chunk_fn fn, void *user);

/** Component @p c of entity @p e for reading, through the system's
 *  declared access: the system must have @p c as a READ, WRITE or OPTIONAL
 *  term. With access checks on (ecs_scheduler_desc_t.check_access) an
 *  undeclared read returns NULL, logs an ERROR naming the system and the
 *  component, and counts in ecs_tick_result_t.access_violations; with them
 *  off it is ecs_get(). NULL also when @p e lacks @p c or is stale, and for
 *  a NULL @p ctx or one not from a scheduler.
 *  Ownership: as ecs_get(); do not keep it past the barrier.
 *  Thread-safety: inside the system's callback, or its ecs_parallel_for
 *  slices (safe from several threads). */
ECS_API const void *ecs_system_get(const ecs_system_ctx_t *ctx, ecs_entity_t e, ecs_component_t c);

/** As ecs_system_get() (checks, ownership, thread-safety), for writing in
 *  place: requires a WRITE term. */
ECS_API void *ecs_system_get_mut(const ecs_system_ctx_t *ctx, ecs_entity_t e, ecs_component_t c);

/** The resource of type @p c for reading: requires @p c in reads[] or
 *  writes[]. NULL also when absent or a tag. Checks, ownership and
 *  thread-safety as ecs_system_get(). */
ECS_API const void *ecs_system_resource(const ecs_system_ctx_t *ctx, ecs_component_t c);

/** The resource of type @p c for writing in place: requires @p c in
 *  writes[]. Otherwise (checks, ownership, thread-safety) as
 *  ecs_system_resource(). */
ECS_API void *ecs_system_resource_mut(const ecs_system_ctx_t *ctx, ecs_component_t c);

/** Logs @p fmt (printf style) through the world's sink with the tick, the
 *  system's group and the system's name as fields. Dropped below the
 *  world's level, and for a NULL @p ctx or @p fmt. Messages are truncated
 *  to 255 bytes. Thread-safety: inside the system's callback or its slices
 *  (the sink may be called from a worker thread). */
ECS_API void ecs_system_log(const ecs_system_ctx_t *ctx, ecs_log_level_t level, const char *fmt, ...)
#if defined(__MINGW32__) /* the library formats with C99 rules (%zu), not msvcrt's */
    __attribute__((format(gnu_printf, 3, 4)))
#elif defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/** Enables a system that ECS_ON_ERROR_QUARANTINE disabled (its failure
 *  count starts again from 0). Enabling an enabled system is ECS_OK.
 *  Errors: ECS_ERR_INVALID_ARGUMENT, ECS_ERR_NOT_FOUND (no such system),
 *  ECS_ERR_BUSY (during a tick). Thread-safety: owner thread. */
ECS_API ecs_status_t ecs_scheduler_enable_system(ecs_scheduler_t *s, const char *name);

/** False when @p name is quarantined (or unknown, or an argument is NULL).
 *  Thread-safety: owner thread, outside a tick of @p s. */
ECS_API bool ecs_scheduler_system_enabled(const ecs_scheduler_t *s, const char *name);

/** Output formats of ecs_scheduler_describe(). */
typedef enum ecs_describe_format_t {
  ECS_DESCRIBE_JSON = 0,
  ECS_DESCRIBE_DOT, /**< Graphviz: `dot -Tsvg schedule.dot` */
  ECS_PRIV_DESCRIBE_FORCE_U32 = 0x7fffffff
} ecs_describe_format_t;

/** Writes the built schedule as data: groups in run order (mode, budget),
 *  systems (declared component reads/writes, resource reads/writes, last
 *  measured time, quarantine), and every ordering edge with its reason:
 *  "after"/"before" (declared between groups), "barrier" (a group's
 *  barrier before the next group), "order" (declared order in a SYNC
 *  group), "conflict" / "resource_conflict" (serialized pair in an ASYNC
 *  group, naming the component and each side's access); plus the critical
 *  path by the last tick's measured times (per group: the SYNC sum, or the
 *  longest chain of an ASYNC group, plus the barrier). This answers why any
 *  two systems did not run at the same time.
 *  Errors: ECS_ERR_INVALID_ARGUMENT, ECS_ERR_NO_MEMORY, the writer's error.
 *  Thread-safety: owner thread, outside a tick. */
ECS_API ecs_status_t ecs_scheduler_describe(const ecs_scheduler_t *s, const ecs_writer_t *out,
                                            ecs_describe_format_t format);

/** The pool the scheduler runs ASYNC groups on (NULL if none, with a host
 *  executor, or for a NULL @p s). Ownership: the scheduler's if it created
 *  it (freed by ecs_scheduler_free()), else the shared one the host gave.
 *  Thread-safety: any thread. */
ECS_API ecs_pool_t *ecs_scheduler_pool(const ecs_scheduler_t *s);

/** Switches the timing of systems and groups on or off from the next tick
 *  on, as ecs_scheduler_desc_t.timing = ECS_TIMING_ON or ECS_TIMING_OFF
 *  (see there: budgets and tracing still time what they need). Nothing
 *  else changes: results, order and determinism are the same either way.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL), ECS_ERR_BUSY (during a tick:
 *  from a system, a run condition or an observer).
 *  Thread-safety: world owner thread, outside a tick. */
ECS_API ecs_status_t ecs_scheduler_set_timing(ecs_scheduler_t *s, bool on);

/** Sets the number of ticks run so far (the next tick is @p tick + 1).
 *  Nothing else changes (fixed-step accumulators, quarantine): a snapshot
 *  load or rollback restore already restores the whole scheduler state,
 *  tick count included, so it needs no call to this.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL), ECS_ERR_BUSY (during a tick).
 *  Thread-safety: world owner thread, outside a tick. */
ECS_API ecs_status_t ecs_scheduler_set_tick(ecs_scheduler_t *s, uint64_t tick);

/** Number of ticks run so far (0 for NULL). Thread-safety: owner thread, or
 *  a system of @p s during its tick (ctx->tick is the same number). */
ECS_API uint64_t ecs_scheduler_tick_count(const ecs_scheduler_t *s);

/** Where a fixed-step group stands between two steps. */
typedef struct ecs_fixed_step_t {
  double fixed_dt;    /**< the group's step, seconds */
  double accumulator; /**< time owed to the next step, seconds, in [0, fixed_dt) */
  /** accumulator / fixed_dt, in [0, 1): how far the present is from the
   *  last step towards the next. A renderer draws
   *  previous + (current - previous) * alpha to move smoothly at any frame
   *  rate (docs/scheduler.md, "Your main loop"). */
  double alpha;
} ecs_fixed_step_t;

/** Fills @p out for the fixed-step group named @p group, as of the end of
 *  the last tick (all zero but fixed_dt before the first).
 *  Errors: ECS_ERR_INVALID_ARGUMENT (a NULL argument, or the group has no
 *  fixed_dt), ECS_ERR_NOT_FOUND (no such group).
 *  Thread-safety: owner thread, outside a tick of @p s. */
ECS_API ecs_status_t ecs_scheduler_fixed_step(const ecs_scheduler_t *s, const char *group, ecs_fixed_step_t *out);

/** Group names in run order, for display: writes up to @p cap names into
 *  @p names (which may be NULL to count) and returns the number of groups
 *  (0 for a NULL @p s). Ownership: the names are the scheduler's, valid
 *  until ecs_scheduler_free(). Thread-safety: any thread. */
ECS_API uint32_t ecs_scheduler_group_order(const ecs_scheduler_t *s, const char **names, uint32_t cap);

ECS_EXTERN_C_END

#endif /* ECS_SCHEDULER_H */
