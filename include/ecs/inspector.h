/** @file ecs/inspector.h
 *  The inspector module (library ecs_inspector: CMake option
 *  ECS_BUILD_INSPECTOR, needs Debian's libmicrohttpd-dev and the JSON
 *  module; not part of the core libecs): an HTTP server with a JSON API
 *  and one web page that shows a world live: entities, component values
 *  (editable when the host allows it), the schedule graph with timings and
 *  a tick-time chart. docs/inspector.md lists the endpoints.
 *
 *  It never touches the world from another thread: the host calls
 *  ecs_inspector_poll() from its loop between ticks, and every request is
 *  read, answered (and an edit applied, with ecs_set()) inside that call,
 *  on the host's thread. The server has no thread of its own.
 *
 *  Safe by default: it binds 127.0.0.1 only, rejects requests whose Host
 *  header names another machine (DNS rebinding), is read-only unless
 *  allow_writes is set, asks for `Authorization: Bearer TOKEN` on /api/
 *  when a token is set, and bounds request bodies, header memory and
 *  connections. */
#ifndef ECS_INSPECTOR_H
#define ECS_INSPECTOR_H

#include "config.h"
#include "error.h"
#include "scheduler.h"
#include "world.h"

ECS_EXTERN_C_BEGIN

typedef struct ecs_inspector_t ecs_inspector_t;

/** Inspector options. Zero-initialise; zero fields mean the defaults. */
typedef struct ecs_inspector_desc_t {
  uint16_t port;            /**< TCP port; 0 picks a free one (see ecs_inspector_port()) */
  const char *bind_address; /**< IPv4 address to listen on; default "127.0.0.1" (copied) */
  bool allow_writes;        /**< accept value edits (PUT); default read-only (403) */
  const char *token;        /**< when set, /api/ needs "Authorization: Bearer <token>" (copied) */
  size_t max_body;          /**< largest request body in bytes (413 beyond); default 65536 */
  uint32_t max_connections; /**< open connections at once; default 64 */
  uint32_t timeout_s;       /**< an idle connection is closed after it; default 10 */
  /** Schedule shown by /api/schedule and sampled for per-system times
   *  (may be NULL: no schedule). Not owned; must outlive the inspector or
   *  be replaced with ecs_inspector_set_scheduler(). */
  ecs_scheduler_t *scheduler;
  /** Per-system times are sampled every this many recorded ticks
   *  (ecs_scheduler_describe() between ticks); default 10. */
  uint32_t sample_every;
  /** Serve the page from this file instead of the copy built in (for
   *  working on it without rebuilding); read at each request. Copied. */
  const char *page_path;
} ecs_inspector_desc_t;

/** Starts the server for @p world (listening at once; requests wait for
 *  ecs_inspector_poll()). @p desc may be NULL (all defaults).
 *  Ownership: free with ecs_inspector_free() before the world.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL world or out, a bind address
 *          that is not an IPv4 address), ECS_ERR_IO (cannot listen: the
 *          port is taken...), ECS_ERR_NO_MEMORY. *out is NULL on failure.
 *  Thread-safety: owner thread of @p world, outside a tick. */
ECS_API ecs_status_t ecs_inspector_new(ecs_world_t *world, const ecs_inspector_desc_t *desc, ecs_inspector_t **out);

/** Stops listening, closes every connection and frees @p insp. NULL is a
 *  no-op. Thread-safety: as ecs_inspector_new(). */
ECS_API void ecs_inspector_free(ecs_inspector_t *insp);

/** The port the server listens on (the one picked for port 0); 0 for NULL. */
ECS_API uint16_t ecs_inspector_port(const ecs_inspector_t *insp);

/** Serves what is ready: accepts connections, reads requests and answers
 *  them, waiting at most @p timeout_ms for the first event (0: not at all;
 *  a host at 60 Hz calls it with 0 each frame, or with the time left in
 *  its frame). Edits are applied here, between ticks, with ecs_set();
 *  observers run as for any ecs_set().
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL), ECS_ERR_IO (the server failed).
 *  Thread-safety: owner thread of the world, outside a tick. */
ECS_API ecs_status_t ecs_inspector_poll(ecs_inspector_t *insp, uint32_t timeout_ms);

/** Records the outcome of a tick for /api/metrics and the page's chart
 *  (the last 240 ticks are kept), and every sample_every ticks the
 *  per-system times of the scheduler. Call it after each
 *  ecs_scheduler_tick(). NULL arguments are ignored.
 *  Thread-safety: owner thread, outside a tick. */
ECS_API void ecs_inspector_record_tick(ecs_inspector_t *insp, const ecs_tick_result_t *result);

/** Replaces the schedule shown (NULL: none); the samples of the old one
 *  are dropped. Thread-safety: owner thread, outside a tick. */
ECS_API void ecs_inspector_set_scheduler(ecs_inspector_t *insp, ecs_scheduler_t *scheduler);

/** Requests answered so far, by class: [0] 2xx, [1] 4xx, [2] 5xx; for
 *  tests and a host's own metrics. Thread-safety: owner thread. */
ECS_API void ecs_inspector_counts(const ecs_inspector_t *insp, uint64_t out[3]);

ECS_EXTERN_C_END

#endif /* ECS_INSPECTOR_H */
