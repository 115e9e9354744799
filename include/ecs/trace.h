/** @file ecs/trace.h
 *  Tracing: spans for every tick, group, system, barrier (command apply),
 *  barrier wait and parallel_for slice, with the time each ASYNC system
 *  waited in the queue, written as Chrome trace-event JSON (complete "X"
 *  events, one track per thread) that Perfetto UI and chrome://tracing open.
 *
 *  Recording is lock-free: each thread appends to its own buffer; the
 *  buffers are written out at the end of every tick, on the ticking thread.
 *  Not tracing costs one predictable branch per span site. With the CMake
 *  option ECS_PROFILE=OFF tracing is compiled out: ecs_trace_begin() then
 *  returns ECS_ERR_UNSUPPORTED and regions cost nothing. */
#ifndef ECS_TRACE_H
#define ECS_TRACE_H

#include "config.h"
#include "error.h"
#include "io.h"
#include "scheduler.h"

ECS_EXTERN_C_BEGIN

/** Starts tracing @p s into @p out (the struct is copied; what its user
 *  points to must stay valid until ecs_trace_end(), or ecs_scheduler_free()
 *  which drops an unfinished trace). Writes the JSON header at once.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL), ECS_ERR_BUSY (already tracing,
 *  or during a tick), ECS_ERR_UNSUPPORTED (built with ECS_PROFILE=OFF),
 *  ECS_ERR_NO_MEMORY, or the writer's error.
 *  Thread-safety: world owner thread, outside a tick. */
ECS_API ecs_status_t ecs_trace_begin(ecs_scheduler_t *s, const ecs_writer_t *out);

/** Writes the spans still buffered, the thread names and the JSON footer,
 *  and stops tracing. Returns the first writer error met since
 *  ecs_trace_begin() (the trace may then be incomplete), else ECS_OK.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL), ECS_ERR_NOT_FOUND (not
 *  tracing), ECS_ERR_BUSY (during a tick).
 *  Thread-safety: world owner thread, outside a tick. */
ECS_API ecs_status_t ecs_trace_end(ecs_scheduler_t *s);

/** Spans recorded and spans dropped (a thread beyond the trace's tracks, or
 *  out of memory) since ecs_trace_begin(); both 0 when not tracing or for a
 *  NULL @p s. Either output may be NULL.
 *  Thread-safety: owner thread, or a system of @p s during a tick. */
ECS_API void ecs_trace_counts(const ecs_scheduler_t *s, uint64_t *recorded, uint64_t *dropped);

/** A host-code region inside a system; see ECS_TRACE_REGION. Its fields
 *  are the library's (done is set once the region is closed). */
typedef struct ecs_trace_region_t {
  void *trace;
  const char *name;
  uint64_t start;
  int done;
} ecs_trace_region_t;

/** Opens a region on the calling thread's track. @p name is not copied: it
 *  must stay valid until the end of the tick (a string literal is best).
 *  No-op when the system's scheduler is not tracing, @p ctx is NULL or not
 *  from a scheduler. Thread-safety: inside a system or one of its
 *  ecs_parallel_for slices, on any thread. */
ECS_API ecs_trace_region_t ecs_trace_region_begin(const ecs_system_ctx_t *ctx, const char *name);

/** Closes a region opened by ecs_trace_region_begin(), recording its span;
 *  closing it again, or a NULL @p region, does nothing.
 *  Thread-safety: the thread that opened it, before the system returns. */
ECS_API void ecs_trace_region_end(ecs_trace_region_t *region);

/** Traces the statement or block that follows as a region named @p name:
 *  ECS_TRACE_REGION(ctx, "broadphase") { ... }  Do not leave the block with
 *  break, return or goto (the region would stay open). */
#define ECS_TRACE_REGION(ctx, name)                                                                                    \
  for (ecs_trace_region_t ecs__region = ecs_trace_region_begin((ctx), (name)); !ecs__region.done;                      \
       ecs_trace_region_end(&ecs__region))

ECS_EXTERN_C_END

#endif /* ECS_TRACE_H */
