/* Tracing: per-thread span buffers, written as Chrome trace-event JSON at
 * the end of every tick. Each thread finds its own track by comparing its
 * thread id with the tracks claimed so far; a new thread claims the next
 * track with one atomic increment. Only the owning thread appends to a
 * track; the ticking thread reads them after the barrier, when every
 * worker is idle (the pool's wait orders those accesses). */
#define _POSIX_C_SOURCE 200809L
#include "scheduler_internal.h"
#include "util/time.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#if ECS_PROFILE

typedef struct trace_span_t {
  const char *name;
  const char *cat;
  const char *arg_name; /* NULL: no argument */
  double arg;
  uint64_t t0;
  uint64_t t1;
} trace_span_t;

typedef struct trace_lane_t {
  atomic_bool ready;
  pthread_t thread;
  trace_span_t *spans;
  uint32_t count;
  uint32_t cap;
} trace_lane_t;

struct ecs__trace_t {
  ecs_world_t *world;
  ecs_writer_t out;
  ecs_status_t error; /* first writer error */
  uint64_t origin_ns;
  trace_lane_t *lanes;
  uint32_t lane_cap;
  atomic_uint lanes_claimed;
  atomic_ullong recorded;
  atomic_ullong dropped;
  ecs_membuf_t buf;
  bool first_event;
};

static trace_lane_t *lane_of(ecs__trace_t *t) {
  pthread_t self = pthread_self();
  uint32_t n = atomic_load(&t->lanes_claimed);
  for (uint32_t i = 0; i < n && i < t->lane_cap; ++i) {
    if (atomic_load_explicit(&t->lanes[i].ready, memory_order_acquire) && pthread_equal(t->lanes[i].thread, self)) {
      return &t->lanes[i];
    }
  }
  uint32_t idx = atomic_fetch_add(&t->lanes_claimed, 1u);
  if (idx >= t->lane_cap) {
    return NULL;
  }
  t->lanes[idx].thread = self;
  atomic_store_explicit(&t->lanes[idx].ready, true, memory_order_release);
  return &t->lanes[idx];
}

void ecs__trace_span(ecs__trace_t *t, const char *name, const char *cat, uint64_t t0, uint64_t t1, const char *arg_name,
                     double arg) {
  trace_lane_t *lane = lane_of(t);
  if (!lane || !ecs__grow(&t->world->alloc, (void **)&lane->spans, sizeof *lane->spans, &lane->cap,
                          (size_t)lane->count + 1, 64)) {
    atomic_fetch_add(&t->dropped, 1u);
    return;
  }
  lane->spans[lane->count++] = (trace_span_t){name, cat, arg_name, arg, t0, t1};
  atomic_fetch_add(&t->recorded, 1u);
}

/* Appends s as a JSON string body (quotes and control characters escaped). */
static void put_escaped(const ecs_writer_t *w, const char *s) {
  char tmp[8];
  for (const char *p = s; *p; ++p) {
    unsigned char c = (unsigned char)*p;
    if (c == '"' || c == '\\') {
      tmp[0] = '\\';
      tmp[1] = (char)c;
      ecs_write(w, tmp, 2);
    } else if (c < 0x20) {
      snprintf(tmp, sizeof tmp, "\\u%04x", c);
      ecs_write_str(w, tmp);
    } else {
      ecs_write(w, p, 1);
    }
  }
}

static void put_event_start(ecs__trace_t *t, const ecs_writer_t *w) {
  ecs_write_str(w, t->first_event ? "\n" : ",\n");
  t->first_event = false;
}

/* Moves the buffered JSON to the host's writer; remembers the first error,
 * buffering (out of memory) or writing. */
static void drain(ecs__trace_t *t, const ecs__sticky_t *sticky) {
  if (t->error == ECS_OK) {
    t->error = sticky->error;
  }
  if (t->buf.size > 0 && t->error == ECS_OK) {
    t->error = ecs_write(&t->out, t->buf.data, t->buf.size);
  }
  ecs_membuf_reset(&t->buf);
}

void ecs__trace_flush(ecs__trace_t *t) {
  ecs__sticky_t sticky = {ecs_membuf_writer(&t->buf), ECS_OK};
  ecs_writer_t w = ecs__sticky_writer(&sticky);
  uint32_t lanes = atomic_load(&t->lanes_claimed);
  for (uint32_t i = 0; i < lanes && i < t->lane_cap; ++i) {
    trace_lane_t *lane = &t->lanes[i];
    for (uint32_t k = 0; k < lane->count; ++k) {
      const trace_span_t *sp = &lane->spans[k];
      char num[160];
      put_event_start(t, &w);
      ecs_write_str(&w, "{\"name\":\"");
      put_escaped(&w, sp->name);
      snprintf(num, sizeof num, "\",\"cat\":\"%s\",\"ph\":\"X\",\"ts\":%.3f,\"dur\":%.3f,\"pid\":1,\"tid\":%u", sp->cat,
               (double)(sp->t0 - t->origin_ns) / 1000.0, (double)(sp->t1 - sp->t0) / 1000.0, i);
      ecs_write_str(&w, num);
      if (sp->arg_name) {
        snprintf(num, sizeof num, ",\"args\":{\"%s\":%.6g}", sp->arg_name, sp->arg);
        ecs_write_str(&w, num);
      }
      ecs_write_str(&w, "}");
    }
    lane->count = 0;
  }
  drain(t, &sticky);
}

static void trace_free(ecs__trace_t *t) {
  ecs_world_t *w = t->world;
  for (uint32_t i = 0; i < t->lane_cap; ++i) {
    ecs__free(w, t->lanes[i].spans, (size_t)t->lanes[i].cap * sizeof *t->lanes[i].spans);
  }
  ecs__free(w, t->lanes, (size_t)t->lane_cap * sizeof *t->lanes);
  ecs_membuf_free(&t->buf);
  ecs__free(w, t, sizeof *t);
}

ecs_status_t ecs_trace_begin(ecs_scheduler_t *s, const ecs_writer_t *out) {
  if (!s || !out || !out->write) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_world_t *w = s->world;
  if (s->trace || w->in_tick) {
    return ecs__fail(w, ECS_ERR_BUSY, "already tracing, or called during a tick");
  }
  ecs__trace_t *t = ecs__calloc(w, sizeof *t);
  if (!t) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot start a trace");
  }
  t->world = w;
  t->out = *out;
  t->buf.allocator = &w->alloc;
  t->first_event = true;
  /* a track for the ticking thread, one per worker, one spare */
  t->lane_cap = (s->pool ? ecs_pool_threads(s->pool) : 0) + 2;
  t->lanes = ecs__calloc(w, (size_t)t->lane_cap * sizeof *t->lanes);
  if (!t->lanes) {
    trace_free(t);
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot start a trace");
  }
  t->origin_ns = ecs__now_ns();
  (void)lane_of(t); /* track 0 is the ticking thread */
  ecs_status_t st = ecs_write_str(out, "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[");
  if (st != ECS_OK) {
    trace_free(t);
    return ecs__fail(w, st, "trace writer failed: %s", ecs_strerror(st));
  }
  s->trace = t;
  ecs__ok(w);
  return ECS_OK;
}

ecs_status_t ecs_trace_end(ecs_scheduler_t *s) {
  if (!s) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs__trace_t *t = s->trace;
  if (!t) {
    return ecs__fail(s->world, ECS_ERR_NOT_FOUND, "the scheduler is not tracing");
  }
  if (s->world->in_tick) {
    return ecs__fail(s->world, ECS_ERR_BUSY, "ecs_trace_end during a tick");
  }
  ecs__trace_flush(t);
  ecs__sticky_t sticky = {ecs_membuf_writer(&t->buf), ECS_OK};
  ecs_writer_t w = ecs__sticky_writer(&sticky);
  uint32_t lanes = atomic_load(&t->lanes_claimed);
  for (uint32_t i = 0; i < lanes && i < t->lane_cap; ++i) {
    char meta[160];
    put_event_start(t, &w);
    if (i == 0) {
      snprintf(meta, sizeof meta,
               "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,\"args\":{\"name\":\"main\"}}");
    } else {
      snprintf(meta, sizeof meta,
               "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%u,\"args\":{\"name\":\"worker %u\"}}", i, i);
    }
    ecs_write_str(&w, meta);
  }
  ecs_write_str(&w, "\n]}\n");
  drain(t, &sticky);
  ecs_status_t st = t->error;
  s->trace = NULL;
  trace_free(t);
  return st;
}

void ecs__trace_discard(ecs_scheduler_t *s) {
  if (s->trace) {
    trace_free(s->trace);
    s->trace = NULL;
  }
}

void ecs_trace_counts(const ecs_scheduler_t *s, uint64_t *recorded, uint64_t *dropped) {
  const ecs__trace_t *t = s ? s->trace : NULL;
  if (recorded) {
    *recorded = t ? atomic_load(&t->recorded) : 0;
  }
  if (dropped) {
    *dropped = t ? atomic_load(&t->dropped) : 0;
  }
}

ecs_trace_region_t ecs_trace_region_begin(const ecs_system_ctx_t *ctx, const char *name) {
  s_system_t *sys = ctx ? ctx->priv.system : NULL;
  ecs__trace_t *t = sys ? sys->sched->trace : NULL;
  return (ecs_trace_region_t){t, name, t ? ecs__now_ns() : 0, 0};
}

void ecs_trace_region_end(ecs_trace_region_t *region) {
  if (region && region->trace && !region->done) {
    ecs__trace_span(region->trace, region->name ? region->name : "region", "host", region->start, ecs__now_ns(), NULL,
                    0.0);
  }
  if (region) {
    region->done = 1;
  }
}

#else /* !ECS_PROFILE: tracing compiled out */

ecs_status_t ecs_trace_begin(ecs_scheduler_t *s, const ecs_writer_t *out) {
  if (!s || !out || !out->write) {
    return ECS_ERR_INVALID_ARGUMENT; /* the same checks as a profiling build */
  }
  return ecs__fail(s->world, ECS_ERR_UNSUPPORTED, "built without ECS_PROFILE: no tracing");
}

ecs_status_t ecs_trace_end(ecs_scheduler_t *s) {
  return s ? ECS_ERR_NOT_FOUND : ECS_ERR_INVALID_ARGUMENT;
}

void ecs_trace_counts(const ecs_scheduler_t *s, uint64_t *recorded, uint64_t *dropped) {
  (void)s;
  if (recorded) {
    *recorded = 0;
  }
  if (dropped) {
    *dropped = 0;
  }
}

ecs_trace_region_t ecs_trace_region_begin(const ecs_system_ctx_t *ctx, const char *name) {
  (void)ctx;
  return (ecs_trace_region_t){NULL, name, 0, 0};
}

void ecs_trace_region_end(ecs_trace_region_t *region) {
  if (region) {
    region->done = 1;
  }
}

void ecs__trace_discard(ecs_scheduler_t *s) {
  (void)s;
}

#endif
