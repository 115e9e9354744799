/* What a system calls from inside its callback: logging with its fields,
 * access to components and resources through its declared access, and
 * ecs_parallel_for, which splits its iteration into slices on the
 * scheduler's executor. */
#define _POSIX_C_SOURCE 200809L
#include "platform/clock.h"
#include "scheduler_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- logging from a system ----------------------------------------------- */

void ecs_system_log(const ecs_system_ctx_t *ctx, ecs_log_level_t level, const char *fmt, ...) {
  s_system_t *sys = ctx ? ctx->priv.system : NULL;
  if (!sys || !fmt || level < sys->sched->world->log_level) {
    return;
  }
  char msg[ECS_ERROR_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  ecs_log_fields_t f = {sys->sched->tick, sys->group, sys->name};
  ecs__log_fields(sys->sched->world, level, &f, "%s", msg);
}

/* ---- access through the system context ----------------------------------- */

static bool wildcard_covers(const ecs_world_t *w, ecs_component_t wildcard, ecs_component_t c) {
  const ecs__component_t *wc = ecs__component_get(w, wildcard);
  const ecs__component_t *pc = ecs__component_get(w, c);
  return wc && pc && wc->relation != 0 && wc->target == 0 && pc->relation == wc->relation && pc->target != 0;
}

/* True when sys declared c (as a resource or a component) with at least
 * the access asked for; else the violation is logged and counted. */
static bool access_allowed(s_system_t *sys, ecs_component_t c, bool resource, bool write) {
  if (!sys->sched->check_access) {
    return true;
  }
  for (uint32_t i = 0; i < sys->access_count; ++i) {
    const access_t *a = &sys->access[i];
    if (a->id == c && a->resource == resource && (a->write || !write)) {
      return true;
    }
    /* a wildcard (relation.h) covers every pair of its relation */
    if (!resource && !a->resource && (a->write || !write) && wildcard_covers(sys->sched->world, a->id, c)) {
      return true;
    }
  }
  atomic_fetch_add(&sys->violations, 1u);
  const char *name = ecs_component_name(sys->sched->world, c);
  ecs_log_fields_t f = {sys->sched->tick, sys->group, sys->name};
  ecs__log_fields(sys->sched->world, ECS_LOG_ERROR, &f, "%s of %s '%s' not declared", write ? "write" : "read",
                  resource ? "resource" : "component", name ? name : "?");
  return false;
}

static void *system_get(const ecs_system_ctx_t *ctx, ecs_entity_t e, ecs_component_t c, bool write) {
  if (!ctx || !ctx->priv.system) {
    return NULL;
  }
  return access_allowed(ctx->priv.system, c, false, write) ? ecs_get(ctx->world, e, c) : NULL;
}

const void *ecs_system_get(const ecs_system_ctx_t *ctx, ecs_entity_t e, ecs_component_t c) {
  return system_get(ctx, e, c, false);
}

void *ecs_system_get_mut(const ecs_system_ctx_t *ctx, ecs_entity_t e, ecs_component_t c) {
  return system_get(ctx, e, c, true);
}

static void *system_resource(const ecs_system_ctx_t *ctx, ecs_component_t c, bool write) {
  if (!ctx || !ctx->priv.system) {
    return NULL;
  }
  return access_allowed(ctx->priv.system, c, true, write) ? ecs_resource_get(ctx->world, c) : NULL;
}

const void *ecs_system_resource(const ecs_system_ctx_t *ctx, ecs_component_t c) {
  return system_resource(ctx, c, false);
}

void *ecs_system_resource_mut(const ecs_system_ctx_t *ctx, ecs_component_t c) {
  return system_resource(ctx, c, true);
}

/* ---- parallel iteration inside a system ---------------------------------- */

static void slice_task(s_slice_t *sl) {
  uint64_t t0 = ECS__TRACING(sl->sched) ? ecs__now_ns() : 0;
  sl->status = sl->fn(&sl->it, sl->commands, sl->user);
  if (ECS__TRACING(sl->sched)) {
    ecs__trace_span(sl->sched->trace, sl->name, "slice", t0, ecs__now_ns(), "rows", (double)sl->it.count);
  }
}

static void slice_item(void *items, uint32_t index) {
  slice_task(&((s_slice_t *)items)[index]);
}

/* A batch for this call of parallel_for, created on first use and kept.
 * While the group is out on the executor, each call takes its own batch,
 * whose handle the ticking thread finishes at the group's end; otherwise
 * the call finishes it itself and the next call reuses it. */
static ecs__batch_t *slice_batch(s_system_t *sys, ecs_world_t *w) {
  uint32_t k = sys->batch_used;
  if (k < sys->batch_count) {
    return sys->batches[k];
  }
  if (!ecs__grow(&w->alloc, (void **)&sys->batches, sizeof(ecs__batch_t *), &sys->batch_cap, (size_t)k + 1, 4)) {
    return NULL;
  }
  ecs__batch_t *b = ecs__batch_new(&w->alloc);
  if (b) {
    sys->batches[sys->batch_count++] = b;
  }
  return b;
}

/* The command buffer of slice k, created on first use and kept. */
static ecs_cmd_buffer_t *slice_buffer(s_system_t *sys, ecs_world_t *w, uint32_t k) {
  if (k < sys->slice_buffer_count) {
    return sys->slice_buffers[k];
  }
  if (!ecs__grow(&w->alloc, (void **)&sys->slice_buffers, sizeof(ecs_cmd_buffer_t *), &sys->slice_buffer_cap,
                 (size_t)k + 1, 8)) {
    return NULL;
  }
  ecs_cmd_buffer_t *b = ecs_cmd_buffer_new(w);
  if (b) {
    sys->slice_buffers[sys->slice_buffer_count++] = b;
  }
  return b;
}

/* Appends slices covering it's current chunk. */
static ecs_status_t add_slices(s_system_t *sys, const ecs_iter_t *it, int32_t rows, ecs_chunk_fn fn, void *user) {
  ecs_world_t *w = sys->sched->world;
  for (int32_t start = 0; start < it->count; start += rows) {
    ecs_cmd_buffer_t *buf = slice_buffer(sys, w, sys->slice_count);
    if (!buf || !ecs__grow(&w->alloc, (void **)&sys->slices, sizeof *sys->slices, &sys->slice_cap,
                           (size_t)sys->slice_count + 1, 8)) {
      return ECS_ERR_NO_MEMORY;
    }
    s_slice_t *sl = &sys->slices[sys->slice_count++];
    sl->it = *it;
    sl->it.entities += start;
    sl->it.count = it->count - start < rows ? it->count - start : rows;
    for (int32_t t = 0; t < it->term_count; ++t) {
      sl->it.priv.columns[t] = ecs__iter_column_at(it, t, start);
    }
    sl->it.priv.done = true; /* a view: ecs_iter_next() on it ends at once */
    sl->commands = buf;
    sl->fn = fn;
    sl->user = user;
    sl->status = ECS_OK;
    sl->name = sys->name;
    sl->sched = sys->sched;
  }
  return ECS_OK;
}

ecs_status_t ecs_parallel_for(ecs_system_ctx_t *ctx, int32_t rows_per_task, ecs_chunk_fn fn, void *user) {
  if (!ctx || !fn || !ctx->priv.system) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  s_system_t *sys = ctx->priv.system;
  int32_t rows = rows_per_task > 0 ? rows_per_task : 1024;
  uint32_t first = sys->slice_count;
  ecs_status_t st = ECS_OK;
  while (st == ECS_OK && ecs_iter_next(&ctx->it)) {
    st = add_slices(sys, &ctx->it, rows, fn, user);
  }
  if (st != ECS_OK) {
    return st;
  }
  /* every slice is in place before the first is handed out: the array
   * must not move under a running slice */
  ecs_scheduler_t *s = sys->sched;
  const ecs_executor_t *x = &s->exec;
  uint32_t n = sys->slice_count - first;
  ecs__batch_t *b = x->enqueue && x->workers > 0 && n > 1 ? slice_batch(sys, s->world) : NULL;
  if (b) {
    /* this thread runs every slice no call has started, then waits only
     * for those running elsewhere: safe inside a call too */
    ecs__batch_run(b, x, slice_item, &sys->slices[first], n);
    if (s->dispatching) {
      sys->batch_used++; /* never finish inside a call */
    } else {
      ecs__batch_finish(b, x);
    }
  } else { /* no executor, or no batch to be had: in order, here */
    for (uint32_t i = first; i < sys->slice_count; ++i) {
      slice_task(&sys->slices[i]);
    }
  }
  for (uint32_t i = first; i < sys->slice_count; ++i) {
    if (sys->slices[i].status != ECS_OK) {
      return sys->slices[i].status;
    }
  }
  return ECS_OK;
}
