/** @file ecs/trace.h
 *  Tracing: spans for every tick, group, system, barrier (command apply),
 *  barrier wait and parallel_for slice, with the time each ASYNC system
 *  waited in the queue, written as Chrome trace-event JSON (complete "X"
 *  events, one track per thread) that Perfetto UI and chrome://tracing open.
 *
 *  The file is the JSON array form, one event per line: "[", then every
 *  event followed by ",", and at ecs_trace_end() a last event and "]".
 *  Events are written whole, a tick's worth at a time, and the writer is
 *  flushed after each batch (ecs_trace_desc_t.flush), so a trace cut short
 *  (the process killed, ecs_trace_end() never called) ends on a whole event
 *  and still opens: both viewers accept the array form without its "]".
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

/** How to trace; zero-initialise, then set at least out. */
typedef struct ecs_trace_desc_t {
  /** Required: where the JSON goes. Copied; what its user points to must
   *  stay valid until ecs_trace_end(), or ecs_scheduler_free() which drops
   *  an unfinished trace. */
  ecs_writer_t out;
  /** Optional: called with out.user after the header and after each batch
   *  of whole events (one per tick), so that what a buffered sink holds
   *  reaches its file at event boundaries. NULL: never called. For
   *  ecs_file_writer(), pass ecs_trace_file_flush. An error counts as a
   *  writer error. */
  ecs_status_t (*flush)(void *user);
  /** 0: no limit. Else the trace never grows beyond this many bytes: a
   *  tick whose events would cross the cap is dropped whole, and so is
   *  every span after it (ecs_trace_counts() counts them as dropped);
   *  the file stays valid, and ecs_trace_end() still closes it, its last
   *  event saying how many were dropped. The header and the closing
   *  events need a few hundred bytes plus 160 per thread: a smaller cap
   *  is ECS_ERR_INVALID_ARGUMENT. */
  uint64_t max_bytes;
  /** The process's name in the viewers (a "process_name" metadata event);
   *  read during ecs_trace_begin_desc() only. NULL: "libecs". */
  const char *process_name;
} ecs_trace_desc_t;

/** Starts tracing @p s as @p desc says (the struct is copied). Writes the
 *  header (the "[", the process and main thread names) at once and calls
 *  desc->flush. Events carry the process id as "pid".
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL @p s or @p desc, no out.write, a
 *  max_bytes too small for the header and the closing events),
 *  ECS_ERR_BUSY (already tracing, or during a tick), ECS_ERR_UNSUPPORTED
 *  (built with ECS_PROFILE=OFF), ECS_ERR_NO_MEMORY, or the writer's or the
 *  flush's error. Thread-safety: world owner thread, outside a tick. */
ECS_API ecs_status_t ecs_trace_begin_desc(ecs_scheduler_t *s, const ecs_trace_desc_t *desc);

/** ecs_trace_begin_desc() with only the writer set: @p out is copied (what
 *  its user points to must stay valid until ecs_trace_end(), or
 *  ecs_scheduler_free() which drops an unfinished trace), no flush, no
 *  size cap. Errors and thread-safety as ecs_trace_begin_desc() (a NULL
 *  @p out is ECS_ERR_INVALID_ARGUMENT). */
ECS_API ecs_status_t ecs_trace_begin(ecs_scheduler_t *s, const ecs_writer_t *out);

/** A flush for ecs_trace_desc_t.flush when the writer is
 *  ecs_file_writer(@p file): fflush(@p file). A NULL @p file is
 *  ECS_ERR_INVALID_ARGUMENT; a failed fflush is ECS_ERR_IO.
 *  Thread-safety: as stdio allows for the FILE. */
ECS_API ecs_status_t ecs_trace_file_flush(void *file);

/** Writes the spans still buffered (unless past the size cap), the names of
 *  the threads not yet named, a last instant event "trace end" (or "events
 *  dropped" when spans were dropped) whose args give the spans recorded and
 *  dropped and whether the size cap was reached, and the closing "]"; calls
 *  the flush, and stops tracing. Returns the first writer or flush error met since
 *  ecs_trace_begin() (the trace may then be incomplete), else ECS_OK.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL), ECS_ERR_NOT_FOUND (not
 *  tracing), ECS_ERR_BUSY (during a tick).
 *  Thread-safety: world owner thread, outside a tick. */
ECS_API ecs_status_t ecs_trace_end(ecs_scheduler_t *s);

/** Spans recorded (written, or buffered to be written) and spans dropped
 *  (a thread beyond the trace's tracks, out of memory, or past
 *  ecs_trace_desc_t.max_bytes) since ecs_trace_begin(); both 0 when not
 *  tracing or for a NULL @p s. Either output may be NULL.
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
  for (ecs_trace_region_t ecs_priv_region = ecs_trace_region_begin((ctx), (name)); !ecs_priv_region.done;              \
       ecs_trace_region_end(&ecs_priv_region))

ECS_EXTERN_C_END

#endif /* ECS_TRACE_H */
