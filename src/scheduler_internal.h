/* Scheduler internals shared by the builder (scheduler_build.c) and the
 * tick loop (scheduler.c). */
#ifndef ECS_SCHEDULER_INTERNAL_H
#define ECS_SCHEDULER_INTERNAL_H

#include "executor_internal.h"
#include "private.h"

/* One entry of a system's declared access. */
typedef struct access_t {
  ecs_component_t id;
  bool write;
  bool resource;
} access_t;

#define ACCESS_MAX (ECS_QUERY_MAX_TERMS + 2 * ECS_SYSTEM_MAX_RESOURCES)

/* The access a system declares (query terms that touch data, resources). */
uint32_t ecs__access_list(const ecs_system_desc_t *d, access_t *out);

typedef struct b_group_t {
  char *name;
  ecs_group_mode_t mode;
  uint64_t budget_ns;
  ecs_run_if_fn run_if;
  void *run_if_user;
  double fixed_dt;
  uint32_t max_steps;
  uint32_t every_n_ticks;
  char *after[ECS_GROUP_MAX_DEPS];
  char *before[ECS_GROUP_MAX_DEPS];
} b_group_t;

typedef struct b_system_t {
  char *name;
  uint32_t group; /* index into groups */
  ecs_system_desc_t desc;
} b_system_t;

struct ecs_scheduler_builder_t {
  ecs_world_t *world;
  b_group_t *groups;
  uint32_t group_count;
  uint32_t group_cap;
  b_system_t *systems;
  uint32_t system_count;
  uint32_t system_cap;
  ecs_status_t error; /* first error of an add call */
  char error_msg[ECS_ERROR_MAX];
  ecs_scheduler_desc_t options;
  /* systems by name (scheduler_build.c): open addressing, per slot the
   * name's hash (high half) and system index + 1 (low half), 0 empty; NULL
   * when it could not be allocated (then a scan) */
  uint64_t *name_index;
  uint32_t name_index_cap;
};

/* Whether a message at @p level reaches the sink: a filtered log then costs
 * this compare, not a call with its arguments. */
#define ECS__LOG_ON(w, level) ECS_UNLIKELY((level) >= (w)->log_level)

/* Tracing (trace.c). ECS__TRACING(s) is the one branch a span site costs. */
typedef struct ecs__trace_t ecs__trace_t;
#if ECS_PROFILE
void ecs__trace_span(ecs__trace_t *t, const char *name, const char *cat, uint64_t t0, uint64_t t1, const char *arg_name,
                     double arg);
void ecs__trace_flush(ecs__trace_t *t);
#define ECS__TRACING(s) ECS_UNLIKELY((s)->trace != NULL)
#else
#define ECS__TRACING(s) 0
static inline void ecs__trace_span(ecs__trace_t *t, const char *name, const char *cat, uint64_t t0, uint64_t t1,
                                   const char *arg_name, double arg) {
  (void)t, (void)name, (void)cat, (void)t0, (void)t1, (void)arg_name, (void)arg;
}
static inline void ecs__trace_flush(ecs__trace_t *t) {
  (void)t;
}
#endif
struct ecs_scheduler_t;
/* Drops an unfinished trace (scheduler free). */
void ecs__trace_discard(struct ecs_scheduler_t *s);

/* Why a serialized pair of an ASYNC group is ordered. */
typedef struct s_conflict_t {
  ecs_component_t id;
  bool resource;
  bool first_writes;
  bool second_writes;
} s_conflict_t;

/* A declared edge between groups, in run-order indices. */
typedef struct s_group_edge_t {
  uint32_t from;
  uint32_t to;
  bool before; /* declared with `before` by `from` (else `after` by `to`) */
} s_group_edge_t;

/* One slice of a parallel_for: a view on part of a chunk, with its own
 * command buffer so that apply order depends on slicing, not on threads. */
typedef struct s_slice_t {
  ecs_iter_t it;
  ecs_cmd_buffer_t *commands;
  ecs_chunk_fn fn;
  void *user;
  ecs_status_t status;
  const char *name; /* the system's, for traces */
  struct ecs_scheduler_t *sched;
} s_slice_t;

/* Fields read on every tick come first, together, so that a tick over
 * many small systems touches one or two cache lines per system; the rest
 * (declared access, statistics, buffers) follows. */
typedef struct s_system_t {
  /* hot: every tick */
  ecs_system_fn callback;
  void *user;
  ecs_query_t *query;
  ecs_cmd_buffer_t *commands;
  struct ecs_scheduler_t *sched;
  ecs_run_if_fn run_if;
  uint64_t run_ns;   /* duration of this tick's run, retries included */
  uint64_t ready_ns; /* when an ASYNC system was handed to the pool (tracing) */
  uint64_t budget_ns;
  ecs_status_t status; /* outcome of this tick */
  uint32_t attempts;
  uint32_t quarantine_after; /* 0: never */
  uint32_t slice_count;
  atomic_uint violations; /* undeclared accesses this tick */
  atomic_uint pending;    /* predecessors still running this tick */
  atomic_bool claimed;    /* dispatched: taken by its executor call or by the ticking thread */
  void *exec_handle;      /* dispatched: the executor's handle for its call, until finished */
  ecs_error_policy_t policy;
  bool ran;
  bool quarantined;
  bool not_due;         /* its run condition said no this tick */
  bool over_budget_now; /* this tick */
  /* the rest */
  char *name;
  const char *group; /* its group's name, for log fields */
  void *run_if_user;
  uint32_t fail_streak;
  /* ASYNC groups: systems of the group that must wait for this one
   * (declared access conflicts, serialized in declared order) */
  uint32_t *succ;         /* indices into the scheduler's systems */
  s_conflict_t *succ_why; /* parallel to succ */
  uint32_t succ_count;
  uint32_t succ_cap;
  uint32_t pred_count;
  ecs__histogram_t hist; /* run time, for metrics */
  uint64_t failures_total;
  uint64_t over_budget_total;
  /* parallel_for slices and their buffers, reused across ticks */
  s_slice_t *slices;
  uint32_t slice_cap;
  ecs_cmd_buffer_t **slice_buffers;
  uint32_t slice_buffer_count;
  uint32_t slice_buffer_cap;
  /* parallel_for batches (fixed addresses: executor calls point at them);
   * in a dispatched group, [0, batch_used) still hold handles that the
   * ticking thread finishes at the group's end */
  ecs__batch_t **batches;
  uint32_t batch_count;
  uint32_t batch_cap;
  uint32_t batch_used;
  access_t access[ACCESS_MAX]; /* declared, for run-time checks */
  uint32_t access_count;
} s_system_t;

typedef struct s_group_t {
  char *name;
  ecs_group_mode_t mode;
  uint64_t budget_ns;
  ecs_run_if_fn run_if;
  void *run_if_user;
  double fixed_dt;
  double accumulator;   /* fixed-step time owed */
  uint64_t last_ns;     /* its previous run, to decide whether dispatch pays */
  uint64_t avg_ns[2];   /* smoothed run time inline [0] and dispatched [1]; 0: not measured yet */
  uint32_t since_probe; /* runs since the slower way was last measured again */
  bool dispatched;      /* how its latest run went */
  bool system_run_ifs;  /* a system of the group has a run condition */
  uint32_t max_steps;
  uint32_t every_n_ticks;
  uint64_t over_budget_total;
  uint32_t first; /* systems[first, first + count) */
  uint32_t count;
} s_group_t;

struct ecs_scheduler_t {
  ecs_world_t *world;
  s_group_t *groups; /* in run order */
  uint32_t group_count;
  s_system_t *systems; /* grouped by run order, declared order within */
  uint32_t system_count;
  uint32_t group_cap;
  uint32_t system_cap;
  ecs_group_stats_t *stats;
  uint64_t tick;
  double dt; /* of the running tick, for tasks */
  /* this tick's timing, set at its start (workers read it): the configured
   * one, or everything when tracing */
  bool timing_systems_now;
  bool timing_groups_now;
  bool use_cycles;     /* stamps are ecs__cycles() (calibrated), else ns */
  double ns_per_cycle; /* the counter's calibrated rate; 0: not yet */
  uint64_t cycle_q32;  /* the same, fixed point: ns per cycle * 2^32 */
  /* where ASYNC groups and parallel_for go: the host's executor, or the
   * pool's; all zero (no enqueue) when everything runs on the caller's
   * thread */
  ecs_executor_t exec;
  ecs_pool_t *pool; /* the built-in pool, when the work goes there */
  bool owns_pool;
  /* an ASYNC group's systems are out on the executor: parallel_for leaves
   * its handles for the ticking thread to finish at the group's end (set
   * and cleared by the ticking thread around the group) */
  bool dispatching;
  bool check_access;
  uint64_t inline_below_ns;
  bool prepared; /* the first tick's one-time work is done (scheduler.c) */
  /* ecs_scheduler_desc_t.timing and ecs_scheduler_set_timing() */
  bool time_systems; /* each system run: metrics, describe */
  bool time_groups;  /* group run and barrier: ecs_group_stats_t */
  /* calibration of ecs__cycles() against ecs__now_ns() (scheduler.c) */
  uint8_t cal_state;
  uint64_t cal_cycles; /* the anchor: a counter value... */
  uint64_t cal_ns;     /* ...and the clock read at that value */
  uint64_t cal_half;   /* how far the clock read may be from cal_cycles */
  double cal_err;      /* relative error bound of ns_per_cycle */
  ecs__trace_t *trace; /* NULL when not tracing */
  /* totals for metrics, kept by the ticking thread */
  ecs__histogram_t tick_hist;
  uint64_t commands_applied_total;
  uint64_t commands_skipped_total;
  uint64_t access_violations_total;
  s_group_edge_t *group_edges;
  uint32_t group_edge_count;
  struct ecs__digest_t *digest; /* NULL: no digest log attached (scheduler_digest.c) */
};

/* ---- digests (scheduler_digest.c), called only with s->digest set ---- */
typedef struct ecs__digest_t ecs__digest_t;
void ecs__digest_detach(ecs_scheduler_t *s);
void ecs__digest_tick_begin(ecs_scheduler_t *s);
void ecs__digest_system(ecs_scheduler_t *s, const s_group_t *g, const s_system_t *sys);
void ecs__digest_group(ecs_scheduler_t *s, const s_group_t *g);
void ecs__digest_commands_begin(ecs_scheduler_t *s, const s_system_t *sys);
void ecs__digest_commands_end(ecs_scheduler_t *s, const s_group_t *g, const s_system_t *sys);
void ecs__digest_tick_end(ecs_scheduler_t *s);

/* A new scheduler takes the state a snapshot load left for it, if any
 * matches its groups and systems (scheduler_state.c). */
void ecs__sched_state_adopt(ecs_scheduler_t *s);

/* ---- conflict analysis (scheduler_conflicts.c) ---- */

/* A group's access lists, copied as its systems are built: the analysis
 * then reads them from here, not from the systems (which with thousands of
 * systems are far apart in memory, and long out of the cache). */
typedef struct c_lists_t {
  access_t *own;    /* by offset[sys] + pos */
  uint32_t *offset; /* by system of the group (and one past): where its list starts */
  uint32_t len;     /* accesses listed */
  uint32_t cap;     /* of own */
  uint32_t writes;  /* accesses that write */
  size_t ids;       /* one more than the largest id listed */
} c_lists_t;

/* Appends the access list of system i of the group; false when out of memory. */
bool ecs__c_lists_add(ecs_world_t *w, c_lists_t *l, uint32_t i, const s_system_t *sys);
void ecs__c_lists_free(ecs_world_t *w, c_lists_t *l, uint32_t systems);

/* Orders the conflicting systems of ASYNC group g (built, with their access
 * lists in l): under ECS_CONFLICT_REJECT the first conflicting pair in
 * declared order is an error, else each conflict is an edge from the
 * earlier-declared system to the later one. */
ecs_status_t ecs__order_conflicts(ecs_scheduler_builder_t *b, ecs_scheduler_t *s, const s_group_t *g,
                                  const c_lists_t *l);

#endif /* ECS_SCHEDULER_INTERNAL_H */
