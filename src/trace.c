/* Tracing: per-thread span buffers, written as Chrome trace-event JSON at
 * the end of every tick. Each thread finds its own track by comparing its
 * thread id with the tracks claimed so far; a new thread claims the next
 * track with one atomic increment. Only the owning thread appends to a
 * track; the ticking thread reads them after the barrier, when every
 * worker is idle (the pool's wait orders those accesses).
 *
 * The file is the JSON array form with one event per line, each followed
 * by ",": a tick's events are formatted into one buffer and handed to the
 * writer in one call, then flushed, so the file only ever ends between two
 * events and a trace cut short still loads (the viewers add the "]"). */
#define _POSIX_C_SOURCE 200809L
#include "platform/clock.h"
#include "platform/platform.h"
#include "scheduler_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

ecs_status_t ecs_trace_begin(ecs_scheduler_t *s, const ecs_writer_t *out) {
  if (!out) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  return ecs_trace_begin_desc(s, &(ecs_trace_desc_t){.out = *out});
}

ecs_status_t ecs_trace_file_flush(void *file) {
  if (!file) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  return fflush((FILE *)file) == 0 ? ECS_OK : ECS_ERR_IO;
}

#if ECS_PROFILE

/* Upper bounds of one thread_name event and of the last event with the
 * closing bracket: the bytes a size cap keeps back for ecs_trace_end(). */
enum { TRACE_THREAD_META_MAX = 160, TRACE_END_MAX = 256 };

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
  ecs__thread_id_t thread;
  trace_span_t *spans;
  uint32_t count;
  uint32_t cap;
} trace_lane_t;

struct ecs__trace_t {
  ecs_world_t *world;
  ecs_writer_t out;
  ecs_status_t (*flush)(void *user);
  ecs_status_t error; /* first writer or flush error */
  uint64_t origin_ns;
  long pid;
  trace_lane_t *lanes;
  uint32_t lane_cap;
  uint32_t lanes_named; /* tracks [0, lanes_named) have their thread_name in the file */
  atomic_uint lanes_claimed;
  atomic_ullong recorded;
  atomic_ullong dropped;
  uint64_t max_bytes; /* 0: no cap */
  uint64_t reserve;   /* bytes kept back for ecs_trace_end() */
  uint64_t written;   /* bytes the writer took */
  atomic_bool capped; /* past max_bytes: every span is dropped */
  uint64_t capped_ns; /* when it happened */
  ecs_membuf_t buf;
};

static trace_lane_t *lane_of(ecs__trace_t *t) {
  ecs__thread_id_t self = ecs__thread_self();
  uint32_t n = atomic_load(&t->lanes_claimed);
  for (uint32_t i = 0; i < n && i < t->lane_cap; ++i) {
    if (atomic_load_explicit(&t->lanes[i].ready, memory_order_acquire) &&
        ecs__thread_id_equal(t->lanes[i].thread, self)) {
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
  if (atomic_load_explicit(&t->capped, memory_order_relaxed)) {
    atomic_fetch_add(&t->dropped, 1u); /* past the size cap: nothing more is written, so nothing is kept */
    return;
  }
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

/* One thread_name event, with its trailing ",\n". */
static void put_thread_name(const ecs__trace_t *t, const ecs_writer_t *w, uint32_t lane) {
  char meta[TRACE_THREAD_META_MAX];
  if (lane == 0) {
    snprintf(meta, sizeof meta,
             "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%ld,\"tid\":0,\"args\":{\"name\":\"main\"}},\n", t->pid);
  } else {
    snprintf(meta, sizeof meta,
             "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%ld,\"tid\":%u,\"args\":{\"name\":\"worker %u\"}},\n",
             t->pid, lane, lane);
  }
  ecs_write_str(w, meta);
}

/* Hands the buffered events to the host's writer, then flushes it;
 * remembers the first error, buffering (out of memory), writing or
 * flushing. After an error nothing more is written. */
static void drain(ecs__trace_t *t, const ecs__sticky_t *sticky) {
  if (t->error == ECS_OK) {
    t->error = sticky->error;
  }
  if (t->buf.size > 0 && t->error == ECS_OK) {
    t->error = ecs_write(&t->out, t->buf.data, t->buf.size);
    t->written += t->error == ECS_OK ? t->buf.size : 0;
    if (t->error == ECS_OK && t->flush) {
      t->error = t->flush(t->out.user);
    }
  }
  ecs_membuf_reset(&t->buf);
}

void ecs__trace_flush(ecs__trace_t *t) {
  ecs__sticky_t sticky = {ecs_membuf_writer(&t->buf), ECS_OK};
  ecs_writer_t w = ecs__sticky_writer(&sticky);
  uint32_t lanes = atomic_load(&t->lanes_claimed);
  lanes = lanes < t->lane_cap ? lanes : t->lane_cap;
  uint64_t spans = 0;
  for (uint32_t i = t->lanes_named; i < lanes; ++i) {
    put_thread_name(t, &w, i);
  }
  for (uint32_t i = 0; i < lanes; ++i) {
    trace_lane_t *lane = &t->lanes[i];
    for (uint32_t k = 0; k < lane->count; ++k) {
      const trace_span_t *sp = &lane->spans[k];
      char num[192];
      ecs_write_str(&w, "{\"name\":\"");
      put_escaped(&w, sp->name);
      snprintf(num, sizeof num, "\",\"cat\":\"%s\",\"ph\":\"X\",\"ts\":%.3f,\"dur\":%.3f,\"pid\":%ld,\"tid\":%u",
               sp->cat, (double)(sp->t0 - t->origin_ns) / 1000.0, (double)(sp->t1 - sp->t0) / 1000.0, t->pid, i);
      ecs_write_str(&w, num);
      if (sp->arg_name) {
        snprintf(num, sizeof num, ",\"args\":{\"%s\":%.6g}", sp->arg_name, sp->arg);
        ecs_write_str(&w, num);
      }
      ecs_write_str(&w, "},\n");
    }
    spans += lane->count;
    lane->count = 0;
  }
  /* A batch that would cross the cap is dropped whole, and tracing stops:
   * the file keeps only whole ticks and room for the closing events. */
  if (t->max_bytes && t->buf.size > 0 && t->written + t->buf.size + t->reserve > t->max_bytes) {
    ecs_membuf_reset(&t->buf);
    atomic_fetch_sub(&t->recorded, spans);
    atomic_fetch_add(&t->dropped, spans);
    atomic_store(&t->capped, true);
    t->capped_ns = ecs__now_ns();
    return;
  }
  t->lanes_named = lanes;
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

ecs_status_t ecs_trace_begin_desc(ecs_scheduler_t *s, const ecs_trace_desc_t *desc) {
  if (!s || !desc) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_world_t *w = s->world;
  if (!desc->out.write) {
    return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "trace descriptor: no writer (out.write is NULL)");
  }
  if (s->trace || w->in_tick) {
    return ecs__fail(w, ECS_ERR_BUSY, "already tracing, or called during a tick");
  }
  ecs__trace_t *t = ecs__calloc(w, sizeof *t);
  if (!t) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot start a trace");
  }
  t->world = w;
  t->out = desc->out;
  t->flush = desc->flush;
  t->max_bytes = desc->max_bytes;
  t->pid = ecs__process_id();
  t->buf.allocator = &w->alloc;
  /* a track for the ticking thread, one per worker, one spare */
  t->lane_cap = s->exec.workers + 2;
  t->reserve = (uint64_t)t->lane_cap * TRACE_THREAD_META_MAX + TRACE_END_MAX;
  t->lanes = ecs__calloc(w, (size_t)t->lane_cap * sizeof *t->lanes);
  if (!t->lanes) {
    trace_free(t);
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot start a trace");
  }
  ecs__sticky_t sticky = {ecs_membuf_writer(&t->buf), ECS_OK};
  ecs_writer_t hw = ecs__sticky_writer(&sticky);
  char meta[96];
  snprintf(meta, sizeof meta, "[\n{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%ld,\"tid\":0,\"args\":{\"name\":\"",
           t->pid);
  ecs_write_str(&hw, meta);
  put_escaped(&hw, desc->process_name ? desc->process_name : "libecs");
  ecs_write_str(&hw, "\"}},\n");
  put_thread_name(t, &hw, 0);
  if (sticky.error != ECS_OK) {
    trace_free(t);
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot start a trace");
  }
  if (t->max_bytes && t->max_bytes < t->buf.size + t->reserve) {
    uint64_t need = t->buf.size + t->reserve;
    trace_free(t);
    return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT,
                     "trace max_bytes %" PRIu64 " is below the %" PRIu64 " bytes the header and closing events need",
                     desc->max_bytes, need);
  }
  t->origin_ns = ecs__now_ns();
  (void)lane_of(t); /* track 0 is the ticking thread */
  t->lanes_named = 1;
  drain(t, &sticky);
  if (t->error != ECS_OK) {
    ecs_status_t st = t->error;
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
  lanes = lanes < t->lane_cap ? lanes : t->lane_cap;
  for (uint32_t i = t->lanes_named; i < lanes; ++i) {
    put_thread_name(t, &w, i);
  }
  /* The last event has no "," after it, so the finished file is strict
   * JSON; it sits where the trace stopped, at the cap if there was one. */
  bool capped = atomic_load(&t->capped);
  uint64_t dropped = atomic_load(&t->dropped);
  uint64_t at = capped ? t->capped_ns : ecs__now_ns();
  char last[TRACE_END_MAX];
  snprintf(last, sizeof last,
           "{\"name\":\"%s\",\"cat\":\"trace\",\"ph\":\"i\",\"s\":\"g\",\"ts\":%.3f,\"pid\":%ld,\"tid\":0,"
           "\"args\":{\"recorded\":%llu,\"dropped\":%llu,\"size_cap_reached\":%s}}\n]\n",
           dropped ? "events dropped" : "trace end", (double)(at - t->origin_ns) / 1000.0, t->pid,
           (unsigned long long)atomic_load(&t->recorded), (unsigned long long)dropped, capped ? "true" : "false");
  ecs_write_str(&w, last);
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

ecs_status_t ecs_trace_begin_desc(ecs_scheduler_t *s, const ecs_trace_desc_t *desc) {
  if (!s || !desc) {
    return ECS_ERR_INVALID_ARGUMENT; /* the same checks as a profiling build */
  }
  if (!desc->out.write) {
    return ecs__fail(s->world, ECS_ERR_INVALID_ARGUMENT, "trace descriptor: no writer (out.write is NULL)");
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
