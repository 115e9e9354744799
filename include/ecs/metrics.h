/** @file ecs/metrics.h
 *  Metrics: a registry of counters, gauges and histograms per world,
 *  rendered in the Prometheus text exposition format 0.0.4.
 *
 *  Built-in families, computed when rendered: live entities; entities and
 *  storage bytes per component; and per scheduler of the world: ticks,
 *  tick duration and per-system duration histograms, system failures and
 *  over-budget runs, commands applied and skipped, access violations, pool
 *  tasks run, queue depth high-water mark and worker idle time. A host adds
 *  its own with ecs_metric_register().
 *
 *  With ECS_PROFILE=OFF metrics are compiled out: registration returns
 *  NULL, updates do nothing, rendering returns ECS_ERR_UNSUPPORTED. */
#ifndef ECS_METRICS_H
#define ECS_METRICS_H

#include "config.h"
#include "error.h"
#include "io.h"
#include "world.h"

ECS_EXTERN_C_BEGIN

typedef enum ecs_metric_kind_t {
  ECS_METRIC_COUNTER = 0, /**< only goes up */
  ECS_METRIC_GAUGE,       /**< set or moved either way */
  ECS_METRIC_HISTOGRAM,   /**< observations in fixed buckets (seconds scale, 1 us .. 1 s) */
  ECS_PRIV_METRIC_FORCE_U32 = 0x7fffffff
} ecs_metric_kind_t;

typedef struct ecs_metric_t ecs_metric_t;

/** Registers a host metric. @p name must match [a-zA-Z_:][a-zA-Z0-9_:]*
 *  and not start with "ecs_" (reserved for the built-in families); @p help
 *  is one line (NULL: the name). Both are copied.
 *  Ownership: the world owns the metric; the pointer is valid until
 *             ecs_world_free().
 *  Errors: NULL for a NULL world or during a tick (nothing recorded), else
 *  with the last error: ECS_ERR_INVALID_ARGUMENT (bad name or kind, a
 *  newline in @p help),
 *  ECS_ERR_DUPLICATE (name taken), ECS_ERR_NO_MEMORY, ECS_ERR_UNSUPPORTED
 *  (ECS_PROFILE=OFF).
 *  Thread-safety: owner thread, outside a tick. */
ECS_API ecs_metric_t *ecs_metric_register(ecs_world_t *world, ecs_metric_kind_t kind, const char *name,
                                          const char *help);

/** Adds @p delta to a counter (negative and NaN deltas are ignored) or a
 *  gauge; a no-op on a histogram or NULL.
 *  Thread-safety: any thread, systems included (atomic). */
ECS_API void ecs_metric_add(ecs_metric_t *metric, double delta);

/** Sets a gauge; a no-op on other kinds or NULL.
 *  Thread-safety: any thread, systems included (atomic). */
ECS_API void ecs_metric_set(ecs_metric_t *metric, double value);

/** Records one observation in a histogram; a no-op on other kinds or NULL.
 *  Thread-safety: any thread, systems included (atomic per field: a
 *  concurrent render may see the count and the sum of different moments). */
ECS_API void ecs_metric_observe(ecs_metric_t *metric, double value);

/** Current value of a counter or gauge; a histogram's sum. 0 for NULL (and
 *  with ECS_PROFILE=OFF). Thread-safety: any thread. */
ECS_API double ecs_metric_value(const ecs_metric_t *metric);

/** Renders every metric of @p world (built-in and host) as Prometheus text
 *  0.0.4 through @p out: HELP and TYPE lines per family, histogram buckets
 *  with cumulative counts and an le label, then _sum and _count. The text
 *  is built in memory first and written in one call.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL world, NULL or incomplete
 *  writer), ECS_ERR_BUSY (during a tick), ECS_ERR_UNSUPPORTED
 *  (ECS_PROFILE=OFF), ECS_ERR_NO_MEMORY, or the writer's error.
 *  Thread-safety: world owner thread, outside a tick. */
ECS_API ecs_status_t ecs_metrics_write_prometheus(ecs_world_t *world, const ecs_writer_t *out);

ECS_EXTERN_C_END

#endif /* ECS_METRICS_H */
