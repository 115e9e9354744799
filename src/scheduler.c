/* The tick loop: groups in order, SYNC systems on the caller's thread,
 * ASYNC systems on the executor (the worker pool's or the host's), barriers
 * applying command buffers in system order. What a system calls from its
 * callback (logging, access through its context, ecs_parallel_for) is in
 * scheduler_system.c. */
#define _POSIX_C_SOURCE 200809L
#include "platform/clock.h"
#include "scheduler_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* the tick's loop keeps its run of a system inline, and the rare end of a
 * run (a failure, an overrun) out of line */
#if defined(__GNUC__) || defined(__clang__)
#define ECS_NOINLINE __attribute__((noinline))
#define ECS_INLINE inline __attribute__((always_inline))
#else
#define ECS_NOINLINE
#define ECS_INLINE inline
#endif

static void system_free(ecs_world_t *w, s_system_t *sys) {
  ecs__strfree(w, sys->name);
  ecs_query_free(sys->query);
  ecs_cmd_buffer_free(sys->commands);
  ecs__free(w, sys->succ, (size_t)sys->succ_cap * sizeof *sys->succ);
  ecs__free(w, sys->succ_why, (size_t)sys->succ_cap * sizeof *sys->succ_why);
  for (uint32_t i = 0; i < sys->slice_buffer_count; ++i) {
    ecs_cmd_buffer_free(sys->slice_buffers[i]);
  }
  ecs__free(w, sys->slice_buffers, (size_t)sys->slice_buffer_cap * sizeof(ecs_cmd_buffer_t *));
  ecs__free(w, sys->slices, (size_t)sys->slice_cap * sizeof *sys->slices);
  for (uint32_t i = 0; i < sys->batch_count; ++i) {
    ecs__batch_free(&w->alloc, sys->batches[i]);
  }
  ecs__free(w, sys->batches, (size_t)sys->batch_cap * sizeof(ecs__batch_t *));
}

void ecs_scheduler_free(ecs_scheduler_t *s) {
  if (!s) {
    return;
  }
  ecs_world_t *w = s->world;
  ecs__world_remove_scheduler(w, s);
  ecs__trace_discard(s);
  ecs__digest_detach(s);
  if (s->owns_pool) {
    ecs_pool_free(s->pool);
  }
  for (uint32_t i = 0; i < s->system_count; ++i) {
    system_free(w, &s->systems[i]);
  }
  for (uint32_t i = 0; i < s->group_count; ++i) {
    ecs__strfree(w, s->groups[i].name);
  }
  ecs__free(w, s->systems, (size_t)s->system_cap * sizeof *s->systems);
  ecs__free(w, s->groups, (size_t)s->group_cap * sizeof *s->groups);
  ecs__free(w, s->stats, (size_t)s->group_cap * sizeof *s->stats);
  ecs__free(w, s->group_edges, (size_t)s->group_edge_count * sizeof *s->group_edges);
  ecs__free(w, s, sizeof *s);
}

ecs_pool_t *ecs_scheduler_pool(const ecs_scheduler_t *s) {
  return s ? s->pool : NULL;
}

/* Discards what a failed run of sys recorded, slices included. */
static void discard_run(s_system_t *sys) {
  ecs_cmd_buffer_clear(sys->commands);
  for (uint32_t i = 0; i < sys->slice_count; ++i) {
    ecs_cmd_buffer_clear(sys->slices[i].commands);
  }
  sys->slice_count = 0;
}

/* ---- the tick's clock ------------------------------------------------------
 * Stamps are ecs__cycles() once its rate is known (about half the cost of a
 * monotonic clock read, which is most of what timing an empty system costs), else
 * ecs__now_ns(); always the latter while tracing, whose spans are ns. */

enum { CAL_UNCHECKED = 0, CAL_RUNNING, CAL_DONE, CAL_NONE };
#define ECS__CAL_USE 1e-3  /* a rate known this well is used */
#define ECS__CAL_GOOD 1e-6 /* and this well, kept for good */

static void cal_use(ecs_scheduler_t *s, double ns_per_cycle) {
  s->ns_per_cycle = ns_per_cycle;
  s->cycle_q32 = (uint64_t)(ns_per_cycle * 4294967296.0 + 0.5);
}

static void cal_anchor(ecs_scheduler_t *s, uint64_t cycles, uint64_t ns, uint64_t half) {
  s->cal_cycles = cycles;
  s->cal_ns = ns;
  s->cal_half = half;
  s->cal_err = 1.0;
  cal_use(s, 0.0);
}

/* The tick's start on the ns clock. Until the counter's rate is known to
 * ECS__CAL_GOOD it is also a calibration point: the clock read between two
 * counter reads, placed at their midpoint, at most half their distance
 * (+1) off. The first point is the anchor; each later one gives the rate
 * (clock distance over counter distance from the anchor) with an error
 * bound of both points' half spans over the counter distance, which
 * shrinks as ticks go by (on a GHz counter, ECS__CAL_USE after some
 * 50 us of ticks, ECS__CAL_GOOD after some 50 ms; two counter reads a
 * point). A point that disagrees with the rate in use by more than 1% (a
 * suspend, a counter reset) starts over from itself. No counter, or one
 * without a constant rate: the ns clock throughout. */
static uint64_t tick_start_ns(ecs_scheduler_t *s) {
  if (ECS_LIKELY(s->cal_state >= CAL_DONE)) {
    return ecs__now_ns();
  }
  if (s->cal_state == CAL_UNCHECKED) {
    s->cal_state = ecs__cycles_usable() ? CAL_RUNNING : CAL_NONE;
    if (s->cal_state == CAL_NONE) {
      return ecs__now_ns();
    }
    s->cal_half = 0; /* no anchor yet */
  }
  uint64_t a = ecs__cycles();
  uint64_t t = ecs__now_ns();
  uint64_t b = ecs__cycles();
  if (b < a) {
    return t;
  }
  uint64_t mid = a + (b - a) / 2;
  uint64_t half = (b - a) / 2 + 1;
  if (s->cal_half == 0 || mid <= s->cal_cycles || t <= s->cal_ns) {
    cal_anchor(s, mid, t, half);
    return t;
  }
  double span = (double)(mid - s->cal_cycles);
  double rate = (double)(t - s->cal_ns) / span;
  double used = s->ns_per_cycle;
  if (used > 0.0 && (rate > used * 1.01 || rate < used * 0.99)) {
    cal_anchor(s, mid, t, half);
    return t;
  }
  double err = (double)(half + s->cal_half) / span;
  if (err < s->cal_err) {
    s->cal_err = err;
    if (err <= ECS__CAL_USE && rate < 1e6) { /* a counter slower than 1 kHz is no use */
      cal_use(s, rate);
    }
    if (err <= ECS__CAL_GOOD) {
      s->cal_state = CAL_DONE;
    }
  }
  return t;
}

static inline uint64_t stamp(const ecs_scheduler_t *s) {
  return s->use_cycles ? ecs__cycles() : ecs__now_ns();
}

#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 ecs__u128;
#endif

/* Nanoseconds from stamp t0 to stamp t1; 0 if the counter went back. */
static inline uint64_t stamp_ns(const ecs_scheduler_t *s, uint64_t t0, uint64_t t1) {
  if (t1 <= t0) {
    return 0;
  }
  if (!s->use_cycles) {
    return t1 - t0;
  }
#if defined(__SIZEOF_INT128__)
  ecs__u128 ns = ((ecs__u128)(t1 - t0) * s->cycle_q32) >> 32;
  return ns <= UINT64_MAX ? (uint64_t)ns : UINT64_MAX;
#else
  double ns = (double)(t1 - t0) * s->ns_per_cycle;
  return ns < 1.8e19 ? (uint64_t)ns : UINT64_MAX;
#endif
}

ecs_status_t ecs_scheduler_set_timing(ecs_scheduler_t *s, bool on) {
  if (!s) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (s->world->in_tick) {
    return ECS_ERR_BUSY;
  }
  s->time_systems = on;
  s->time_groups = on;
  return ECS_OK;
}

/* ---- systems ------------------------------------------------------------- */

/* Facts the tick loop uses that never change after the build. */
static void prepare(ecs_scheduler_t *s) {
  for (uint32_t gi = 0; gi < s->group_count; ++gi) {
    s_group_t *g = &s->groups[gi];
    g->system_run_ifs = false;
    for (uint32_t i = 0; i < g->count; ++i) {
      g->system_run_ifs |= s->systems[g->first + i].run_if != NULL;
    }
  }
  s->prepared = true;
}

/* The rare end of a run: over budget, failed, or a quarantine count. */
static ECS_NOINLINE void after_run(s_system_t *sys, ecs_status_t st, bool over_budget) {
  ecs_scheduler_t *s = sys->sched;
  ecs_log_fields_t f = {s->tick, sys->group, sys->name};
  if (over_budget) {
    uint64_t n = ++sys->over_budget_total;
    if ((n & (n - 1)) == 0 && ECS__LOG_ON(s->world, ECS_LOG_WARN)) { /* rate limit: the 1st, 2nd, 4th, 8th... */
      ecs__log_fields(s->world, ECS_LOG_WARN, &f, "over budget: %llu ns for a budget of %llu ns (overrun %llu)",
                      (unsigned long long)sys->run_ns, (unsigned long long)sys->budget_ns, (unsigned long long)n);
    }
  }
  if (st != ECS_OK) {
    ecs__log_fields(s->world, ECS_LOG_WARN, &f, "system failed: %s", ecs_err_name(st));
  }
  if (sys->quarantine_after) {
    sys->fail_streak = st == ECS_OK ? 0 : sys->fail_streak + 1;
    if (sys->fail_streak >= sys->quarantine_after) {
      sys->quarantined = true;
      ecs__log_fields(s->world, ECS_LOG_WARN, &f, "quarantined after %u consecutive failures",
                      (unsigned)sys->fail_streak);
    }
  }
}

/* Runs one system under its error policy (retries included) and records the
 * outcome in the system; safe on any thread. When timed, the run starts at
 * stamp @p start (0: read the clock now) and the stamp it ended at is
 * returned (0 otherwise): systems run back to back read the clock once
 * each. */
static ECS_INLINE uint64_t run_system(s_system_t *sys, uint64_t start) {
  ecs_scheduler_t *s = sys->sched;
  if (sys->quarantined || sys->not_due) {
    sys->status = ECS_OK; /* not run: successors are released as usual */
    sys->ran = false;
    sys->run_ns = 0;
    sys->ready_ns = 0;
    sys->over_budget_now = false;
    return start;
  }
  /* filled field by field: a designated initialiser would zero the whole
   * iterator (some 250 bytes) for every system on every tick */
  ecs_system_ctx_t ctx;
  ctx.world = s->world;
  ctx.dt = s->dt;
  ctx.tick = s->tick;
  ctx.commands = sys->commands;
  ctx.user = sys->user;
  ctx.name = sys->name;
  ctx.priv.system = sys;
  ecs_status_t st = ECS_OK;
  /* timed when asked (or tracing), or for a budget */
  const bool timed = s->timing_systems_now || sys->budget_ns != 0;
  uint64_t t0 = timed ? (start ? start : stamp(s)) : 0;
  uint64_t t1 = 0;
  bool over_budget = false;
  /* a failed run leaves nothing behind, its change-detection position
   * included: a retry or the next run sees the same changes again */
  const uint64_t position = sys->query ? ecs__query_position(sys->query) : 0;
  for (uint32_t attempt = 0; attempt < sys->attempts; ++attempt) {
    if (sys->query) {
      ctx.it = ecs_query_iter(sys->query);
    } else {
      /* no query: an iterator that is done at once */
      ctx.it.world = s->world;
      ctx.it.entities = NULL;
      ctx.it.count = 0;
      ctx.it.term_count = 0;
      ctx.it.priv.query = NULL;
      ctx.it.priv.done = true;
    }
    st = sys->callback(&ctx);
    if (st == ECS_OK) {
      break;
    }
    discard_run(sys);
    if (sys->query) {
      ecs__query_rewind(sys->query, position);
    }
  }
  uint64_t run_ns = 0;
  if (timed) {
    t1 = stamp(s);
    run_ns = stamp_ns(s, t0, t1);
    if (ECS__TRACING(s)) { /* stamps are ns while tracing */
      bool queued = sys->ready_ns != 0;
      ecs__trace_span(s->trace, sys->name, "system", t0, t1, queued ? "queued_us" : NULL,
                      queued ? (double)(t0 - sys->ready_ns) / 1000.0 : 0.0);
      sys->ready_ns = 0;
    }
    over_budget = sys->budget_ns && run_ns > sys->budget_ns;
  }
  /* every per-run field is written here: no reset pass before the group */
  sys->status = st;
  sys->ran = true;
  sys->run_ns = run_ns;
  sys->over_budget_now = over_budget;
  if (ECS_UNLIKELY(over_budget || st != ECS_OK || sys->quarantine_after)) {
    after_run(sys, st, over_budget);
  }
  return t1;
}

/* A run condition's answer. It runs inside the tick's guard: the world is
 * read-only for it, and a tick, load or structural change it attempts
 * fails with ECS_ERR_BUSY (it may be called between two stages, where the
 * guard is otherwise down for the barrier). */
static bool run_if_allows(ecs_world_t *w, ecs_run_if_fn fn, void *user) {
  if (!fn) {
    return true;
  }
  bool was = w->in_tick;
  w->in_tick = true;
  bool yes = fn(w, user);
  w->in_tick = was;
  return yes;
}

/* Whether sys's outcome ends the tick after this group's barrier. */
static bool stops_tick(const s_system_t *sys) {
  return sys->ran && sys->status != ECS_OK && sys->policy != ECS_ON_ERROR_SKIP &&
         sys->policy != ECS_ON_ERROR_QUARANTINE;
}

static void submit_system(s_system_t *sys);

/* Runs a claimed system, then hands out the systems that waited on it. */
static void system_task(s_system_t *sys) {
  (void)run_system(sys, 0);
  s_system_t *all = sys->sched->systems;
  for (uint32_t i = 0; i < sys->succ_count; ++i) {
    s_system_t *next = &all[sys->succ[i]];
    if (atomic_fetch_sub(&next->pending, 1u) == 1u) {
      submit_system(next);
    }
  }
}

/* The executor's call for one system: it runs the system unless the
 * ticking thread took it first (then there is nothing left to do). */
static void system_call(void *arg) {
  s_system_t *sys = arg;
  if (!atomic_exchange(&sys->claimed, true)) {
    system_task(sys);
  }
}

static void submit_system(s_system_t *sys) {
  const ecs_executor_t *x = &sys->sched->exec;
  if (ECS__TRACING(sys->sched)) { /* only traces show it (queued_us) */
    sys->ready_ns = ecs__now_ns();
  }
  /* stored once enqueue returns: the ticking thread reads it only after
   * the system's predecessors are done, this call among them */
  sys->exec_handle = x->enqueue(x->user, system_call, sys, 1);
}

/* Whether an ASYNC group's systems go to the pool this run. A group that
 * ran in less than inline_below_ns stays on the ticking thread. Above it,
 * the group runs the way that has been faster, inline (declared order) or
 * dispatched, each measured as a smoothed run time; every 32nd run tries
 * the other way again, since loads change. inline_below_ns == 1 always
 * dispatches. The results are the same either way. */
#define ECS__PROBE_EVERY 32u
static bool group_dispatch(const ecs_scheduler_t *s, s_group_t *g) {
  if (g->mode != ECS_GROUP_ASYNC || !s->exec.enqueue) {
    return false;
  }
  if (s->inline_below_ns <= 1) {
    return true;
  }
  if (g->last_ns != 0 && g->last_ns < s->inline_below_ns) {
    return false;
  }
  if (!g->avg_ns[1] || !g->avg_ns[0]) {
    return !g->avg_ns[1]; /* measure dispatching first, then inline */
  }
  bool faster = g->avg_ns[1] < g->avg_ns[0];
  if (++g->since_probe >= ECS__PROBE_EVERY) {
    g->since_probe = 0;
    return !faster;
  }
  return faster;
}

/* Runs the systems of group g, from stamp @p start (0: none); returns
 * false when the tick must stop. */
static bool run_group(ecs_scheduler_t *s, s_group_t *g, uint64_t start) {
  s_system_t *first = &s->systems[g->first];
  /* a group that does not gain from dispatch runs here, in declared order
   * (a valid order: serialized pairs always point forward) */
  bool dispatch = group_dispatch(s, g);
  g->dispatched = dispatch;
  if (dispatch) {
    const ecs_executor_t *x = &s->exec;
    for (uint32_t i = 0; i < g->count; ++i) {
      atomic_store(&first[i].pending, first[i].pred_count);
      atomic_store(&first[i].claimed, false);
      first[i].exec_handle = NULL;
    }
    s->dispatching = true;
    for (uint32_t i = 0; i < g->count; ++i) {
      if (first[i].pred_count == 0) {
        submit_system(&first[i]);
      }
    }
    uint64_t w0 = ECS__TRACING(s) ? ecs__now_ns() : 0;
    /* In declared order, this thread runs each system no call has started
     * and waits for those that have: it never waits on a call that has not
     * started, so an executor whose workers are all busy cannot stall it.
     * Predecessors come first in declared order, so each system has been
     * handed out (and its handle stored) by the time it is reached. */
    for (uint32_t i = 0; i < g->count; ++i) {
      s_system_t *sys = &first[i];
      if (!atomic_exchange(&sys->claimed, true)) {
        system_task(sys);
      } else if (sys->exec_handle) {
        x->finish(x->user, sys->exec_handle);
        sys->exec_handle = NULL;
      }
    }
    /* the calls left have nothing to do: the systems this thread ran, and
     * the parallel_for batches (finished here, never inside a call) */
    for (uint32_t i = 0; i < g->count; ++i) {
      s_system_t *sys = &first[i];
      if (sys->exec_handle) {
        x->finish(x->user, sys->exec_handle);
        sys->exec_handle = NULL;
      }
      for (uint32_t k = 0; k < sys->batch_used; ++k) {
        ecs__batch_finish(sys->batches[k], x);
      }
      sys->batch_used = 0;
    }
    s->dispatching = false;
    if (ECS__TRACING(s)) {
      ecs__trace_span(s->trace, "wait", "barrier", w0, ecs__now_ns(), NULL, 0.0);
    }
    for (uint32_t i = 0; i < g->count; ++i) {
      if (stops_tick(&first[i])) {
        return false;
      }
    }
    return true;
  }
  uint64_t t = start; /* the group's start is its first system's */
  for (uint32_t i = 0; i < g->count; ++i) {
    t = run_system(&first[i], t);
    if (ECS_UNLIKELY(first[i].status != ECS_OK) && stops_tick(&first[i])) {
      for (uint32_t k = i + 1; k < g->count; ++k) { /* not reached this run */
        first[k].ran = false;
        first[k].run_ns = 0;
        first[k].over_budget_now = false;
      }
      return false;
    }
  }
  return true;
}

/* run_group with a digest log attached: a record after each system of a
 * SYNC group, after the whole of an ASYNC group (scheduler_digest.c). */
static ECS_NOINLINE bool run_group_digest(ecs_scheduler_t *s, s_group_t *g, uint64_t start) {
  if (g->mode == ECS_GROUP_ASYNC) {
    bool go_on = run_group(s, g, start);
    ecs__digest_group(s, g);
    return go_on;
  }
  s_system_t *first = &s->systems[g->first];
  uint64_t t = start;
  for (uint32_t i = 0; i < g->count; ++i) {
    t = run_system(&first[i], t);
    ecs__digest_system(s, g, &first[i]);
    if (ECS_UNLIKELY(first[i].status != ECS_OK) && stops_tick(&first[i])) {
      for (uint32_t k = i + 1; k < g->count; ++k) { /* not reached this run */
        first[k].ran = false;
        first[k].run_ns = 0;
        first[k].over_budget_now = false;
      }
      return false;
    }
  }
  return true;
}

/* Folds the outcome of sys, which did not run or failed, into the result. */
static void count_not_ok(s_system_t *sys, ecs_tick_result_t *r) {
  if (!sys->ran && sys->quarantined) {
    r->systems_quarantined++;
  } else if (!sys->ran && sys->not_due) {
    r->systems_not_due++;
  } else if (!sys->ran) {
    r->systems_skipped++;
  } else {
#if ECS_PROFILE
    sys->failures_total++;
#endif
    r->systems_failed++;
    if (!r->first_failed_system) {
      r->first_failed_system = sys->name;
      r->first_failed_status = sys->status;
    }
    if (!r->failed_system && stops_tick(sys)) {
      r->failed_system = sys->name; /* the first, in declared order, that stopped the tick */
      r->failed_status = sys->status;
    }
  }
}

/* Applies one command buffer at the barrier; returns the first error so far. */
static ecs_status_t apply_buffer(ecs_cmd_buffer_t *buf, ecs_tick_result_t *r, ecs_group_stats_t *gs,
                                 ecs_status_t first_error) {
  if (ecs_cmd_buffer_count(buf) == 0) {
    return first_error; /* the common case: applying nothing is a no-op, skip its setup */
  }
  ecs_cmd_stats_t cs;
  ecs_status_t st = ecs__cmd_buffer_apply(buf, &cs);
  gs->commands_applied += cs.applied;
  r->commands_skipped += cs.skipped;
  return first_error != ECS_OK ? first_error : st;
}

/* After a run of group g: each system's outcome folded into the result,
 * and the barrier, in one pass. The barrier applies buffers in declared
 * system order, each system's slices after it in slice order; never
 * completion order. Returns the first apply error. */
static ECS_INLINE ecs_status_t close_group_impl(const ecs_scheduler_t *s, const s_group_t *g, ecs_tick_result_t *r,
                                                ecs_group_stats_t *gs, const bool digest) {
  ecs_status_t first_error = ECS_OK;
  uint32_t run = 0;
  uint32_t overruns = 0;
#if ECS_PROFILE
  const bool sample = s->timing_systems_now; /* not budget-only times: samples of every run or none */
#endif
  s_system_t *sys = &s->systems[g->first];
  s_system_t *const end = sys + g->count;
  for (; sys != end; ++sys) {
    /* counted and reset here, after every run of the group: not reset
     * before each run, which would cost a locked store per system */
    uint32_t v = atomic_load_explicit(&sys->violations, memory_order_relaxed);
    if (ECS_UNLIKELY(v != 0)) {
      r->access_violations += v;
      atomic_store_explicit(&sys->violations, 0u, memory_order_relaxed);
    }
    overruns += sys->over_budget_now;
    if (ECS_LIKELY(sys->ran && sys->status == ECS_OK)) {
      run++;
    } else {
      count_not_ok(sys, r);
    }
#if ECS_PROFILE
    if (sample && sys->ran) {
      double sec = (double)sys->run_ns / 1e9;
      if (sec <= ecs__hist_bounds[0]) { /* the first bucket, as ecs__hist_observe() finds it, without the call */
        sys->hist.counts[0]++;
        sys->hist.count++;
        sys->hist.sum += sec;
      } else {
        ecs__hist_observe(&sys->hist, sec);
      }
    }
#endif
    if (digest) {
      ecs__digest_commands_begin((ecs_scheduler_t *)s, sys);
    }
    first_error = apply_buffer(sys->commands, r, gs, first_error);
    if (ECS_UNLIKELY(sys->slice_count != 0)) {
      for (uint32_t k = 0; k < sys->slice_count; ++k) {
        first_error = apply_buffer(sys->slices[k].commands, r, gs, first_error);
      }
      sys->slice_count = 0;
    }
    if (digest) {
      ecs__digest_commands_end((ecs_scheduler_t *)s, g, sys);
    }
  }
  r->systems_run += run;
  gs->systems_run += run;
  r->budget_overruns += overruns;
  return first_error;
}

static ecs_status_t close_group(const ecs_scheduler_t *s, const s_group_t *g, ecs_tick_result_t *r,
                                ecs_group_stats_t *gs) {
  return close_group_impl(s, g, r, gs, false);
}

/* close_group with a digest log attached: a record after each system's
 * commands are applied. */
static ECS_NOINLINE ecs_status_t close_group_digest(const ecs_scheduler_t *s, const s_group_t *g, ecs_tick_result_t *r,
                                                    ecs_group_stats_t *gs) {
  return close_group_impl(s, g, r, gs, true);
}

/* How many times group g runs this tick: 0 when an interval, a run
 * condition or the fixed-step accumulator says it is not due. */
static uint32_t group_steps(ecs_scheduler_t *s, s_group_t *g, double dt, ecs_tick_result_t *r) {
  if (g->every_n_ticks > 1 && s->tick % g->every_n_ticks != 0) {
    return 0;
  }
  if (!run_if_allows(s->world, g->run_if, g->run_if_user)) {
    return 0;
  }
  if (g->fixed_dt <= 0.0) {
    return 1;
  }
  /* NaN and negative dt add no time (!(dt > 0) holds for NaN) */
  g->accumulator += dt > 0.0 ? dt : 0.0;
  double owed = g->accumulator / g->fixed_dt;
  if (owed < (double)g->max_steps + 1.0) {
    uint32_t steps = (uint32_t)owed;
    g->accumulator -= (double)steps * g->fixed_dt;
    if (g->accumulator < 0.0) { /* rounding: never owe negative time */
      g->accumulator = 0.0;
    }
    return steps;
  }
  /* more than max_steps owed (an infinite dt too): run max_steps and drop
   * the rest instead of owing it to the next tick; only the fraction of a
   * step is carried, so one huge dt cannot poison later ticks */
  double dropped = owed - (double)g->max_steps;
  uint64_t total = (uint64_t)r->fixed_steps_dropped + (dropped < (double)UINT32_MAX ? (uint64_t)dropped : UINT32_MAX);
  r->fixed_steps_dropped = total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
  double whole = owed < 9.0e15 ? (double)(uint64_t)owed : owed; /* above 2^53 every double is whole */
  double rest = g->accumulator - whole * g->fixed_dt;
  g->accumulator = rest >= 0.0 && rest < g->fixed_dt ? rest : 0.0; /* NaN (inf - inf) too */
  return g->max_steps;
}

/* One run of group g (a stage): its systems, then its barrier. Returns
 * false when the tick must stop. */
static bool run_stage(ecs_scheduler_t *s, uint32_t gi, double dt, ecs_tick_result_t *r, ecs_status_t *apply_error) {
  ecs_world_t *w = s->world;
  s_group_t *g = &s->groups[gi];
  ecs_group_stats_t *gs = &s->stats[gi];
  s->dt = dt;
  /* every condition before any system runs: the systems may write values
   * in place that a condition reads. A system without one is never not
   * due; run_system writes the rest of each run's fields. */
  s_system_t *first = &s->systems[g->first];
  for (uint32_t i = 0; g->system_run_ifs && i < g->count; ++i) {
    if (first[i].run_if) {
      first[i].not_due = !run_if_allows(w, first[i].run_if, first[i].run_if_user);
    }
  }
  /* timed when asked (or tracing), for a budget, or for an ASYNC group to
   * choose between dispatching and running inline (group_dispatch) */
  const bool report = s->timing_groups_now;
  const bool timed =
      report || g->budget_ns != 0 || (g->mode == ECS_GROUP_ASYNC && s->exec.enqueue && s->inline_below_ns > 1);
  uint64_t g0 = timed ? stamp(s) : 0;
  w->in_tick = true;
  bool go_on = ECS_UNLIKELY(s->digest != NULL) ? run_group_digest(s, g, g0) : run_group(s, g, g0);
  w->in_tick = false;
  uint64_t g1 = timed ? stamp(s) : 0;
  ecs_status_t st = ECS_UNLIKELY(s->digest != NULL) ? close_group_digest(s, g, r, gs) : close_group(s, g, r, gs);
  if (st != ECS_OK && *apply_error == ECS_OK) {
    *apply_error = st;
  }
  uint64_t g2 = report ? stamp(s) : 0;
  gs->runs++;
  if (!timed) {
    return go_on;
  }
  uint64_t run_ns = stamp_ns(s, g0, g1);
  g->last_ns = run_ns;
  uint64_t *avg = &g->avg_ns[g->dispatched];
  *avg = *avg ? (*avg * 7 + run_ns) / 8 : run_ns;
  if (report) {
    gs->run_ns += run_ns;
    gs->apply_ns += stamp_ns(s, g1, g2);
  }
  if (g->budget_ns && run_ns > g->budget_ns) {
    r->budget_overruns++;
    uint64_t n = ++g->over_budget_total;
    if ((n & (n - 1)) == 0 && ECS__LOG_ON(w, ECS_LOG_WARN)) {
      ecs_log_fields_t f = {s->tick, g->name, NULL};
      ecs__log_fields(w, ECS_LOG_WARN, &f, "group over budget: %llu ns for a budget of %llu ns (overrun %llu)",
                      (unsigned long long)run_ns, (unsigned long long)g->budget_ns, (unsigned long long)n);
    }
  }
  if (ECS__TRACING(s)) { /* stamps are ns while tracing */
    ecs__trace_span(s->trace, "apply", "barrier", g1, g2, "commands", (double)gs->commands_applied);
    ecs__trace_span(s->trace, g->name, "group", g0, g2, NULL, 0.0);
  }
  return go_on;
}

ecs_status_t ecs_scheduler_tick(ecs_scheduler_t *s, double dt, ecs_tick_result_t *result) {
  if (!s) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_world_t *w = s->world;
  ecs_tick_result_t local = {0};
  ecs_tick_result_t *r = result ? result : &local;
  *r = (ecs_tick_result_t){0};
  if (w->in_tick) {
    r->status = ecs__fail(w, ECS_ERR_BUSY, "ecs_scheduler_tick called from inside a tick");
    return r->status;
  }
  if (ECS_UNLIKELY(!s->prepared)) {
    prepare(s);
  }
  uint64_t t0 = tick_start_ns(s);
  const bool tracing = ECS__TRACING(s);
  s->timing_systems_now = s->time_systems || tracing;
  s->timing_groups_now = s->time_groups || tracing;
  s->use_cycles = !tracing && s->ns_per_cycle > 0.0;
  r->tick = ++s->tick;
  if (ECS_UNLIKELY(s->digest != NULL)) {
    ecs__digest_tick_begin(s);
  }
  r->groups = s->stats;
  r->group_count = s->group_count;
  ecs_status_t apply_error = ECS_OK;
  bool stop = false;
  for (uint32_t gi = 0; gi < s->group_count; ++gi) {
    s_group_t *g = &s->groups[gi];
    s->stats[gi] = (ecs_group_stats_t){.name = g->name};
    if (stop) {
      r->systems_skipped += g->count;
      continue;
    }
    uint32_t steps = group_steps(s, g, dt, r);
    if (steps == 0) {
      r->systems_not_due += g->count;
    }
    for (uint32_t k = 0; k < steps && !stop; ++k) {
      stop = !run_stage(s, gi, g->fixed_dt > 0.0 ? g->fixed_dt : dt, r, &apply_error);
    }
    r->commands_applied += s->stats[gi].commands_applied;
  }
  s->dt = dt;
  if (ECS_UNLIKELY(s->digest != NULL)) {
    ecs__digest_tick_end(s);
  }
  if (!r->failed_system) { /* nothing stopped the tick: name the first failure */
    r->failed_system = r->first_failed_system;
    r->failed_status = r->first_failed_status;
  }
  uint64_t t1 = ecs__now_ns();
  r->duration_ns = t1 - t0;
#if ECS_PROFILE
  /* metrics: folded on the ticking thread, once per tick (systems: per
   * stage, in close_group) */
  ecs__hist_observe(&s->tick_hist, (double)r->duration_ns / 1e9);
  s->commands_applied_total += r->commands_applied;
  s->commands_skipped_total += r->commands_skipped;
  s->access_violations_total += r->access_violations;
#endif
  if (ECS__TRACING(s)) {
    ecs__trace_span(s->trace, "tick", "tick", t0, t1, "dt", dt);
    ecs__trace_flush(s->trace);
  }
  r->status = stop ? ECS_ERR_SYSTEM_FAILED : apply_error;
  if (ECS__LOG_ON(w, ECS_LOG_DEBUG)) {
    ecs_log_fields_t tf = {r->tick, NULL, NULL};
    ecs__log_fields(w, ECS_LOG_DEBUG, &tf,
                    "tick done: duration_us=%.1f commands_applied=%zu systems_run=%u systems_failed=%u",
                    (double)r->duration_ns / 1000.0, r->commands_applied, r->systems_run, r->systems_failed);
  }
  if (r->status == ECS_OK) {
    ecs__ok(w);
  } else if (stop) {
    ecs__fail(w, r->status, "system '%s' failed: %s", r->failed_system, ecs_strerror(r->failed_status));
  } else {
    ecs__fail(w, r->status, "command apply failed: %s", ecs_strerror(r->status));
  }
  return r->status;
}
