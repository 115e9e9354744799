/* Workloads of ecs-trace (and anything else that wants a ready-made
 * simulation to look at): each one registers its components, creates its
 * entities and adds its groups and systems to a scheduler builder.
 *
 *   particles  ARCHETYPE positions and velocities; an ASYNC group integrates
 *              them with ecs_parallel_for beside an ageing system, a SYNC
 *              group respawns the particles that left the box or grew old,
 *              through command buffers.
 *   boids      the physics and ai plugins of examples/plugins, as in
 *              examples/boids.
 *   mixed      DENSE, SPARSE and ARCHETYPE components under mixed queries;
 *              an ASYNC group with a conflicting pair that the scheduler
 *              serializes (ECS_CONFLICT_SERIALIZE), then a SYNC group. */
#ifndef ECS_TRACE_WORKLOADS_H
#define ECS_TRACE_WORKLOADS_H

#include <ecs.h>

typedef struct workload_t workload_t;

/* The workload names, NULL-terminated, in --help order. */
extern const char *const workload_names[];

/* One line describing workload @p name ("" for an unknown name). */
const char *workload_summary(const char *name);

/* The number of entities (particles, agents) workload @p name uses when
 * asked for 0. */
uint32_t workload_default_agents(const char *name);

/* Sets workload @p name up in @p world: components, @p agents entities (0:
 * the default) and its groups and systems on @p b. Also sets the options of
 * @p b that the workload needs (conflict policy), keeping @p threads.
 * Ownership: *out holds the data the systems point to; free it with
 *            workload_free() after the scheduler built from @p b.
 * Errors: ECS_ERR_NOT_FOUND (unknown name), ECS_ERR_NO_MEMORY, or the first
 *         registration error (detail in ecs_last_error(world)).
 * Thread-safety: world owner thread, before the scheduler is built. */
ecs_status_t workload_create(const char *name, ecs_world_t *world, ecs_scheduler_builder_t *b, int32_t threads,
                             uint32_t agents, workload_t **out);

/* Frees what workload_create() returned. NULL is a no-op. */
void workload_free(workload_t *w);

#endif /* ECS_TRACE_WORKLOADS_H */
