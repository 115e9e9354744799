/* The library's side of an executor (implemented in pool.c, next to the
 * other code that touches threads): a batch of items that any thread may
 * claim, so that the thread waiting for the batch runs every item no call
 * has started and then waits only for items already running elsewhere.
 * This is what lets a task wait for nested work on a host's job system
 * whose workers may all be busy (docs/adr/0005-executor.md). */
#ifndef ECS_EXECUTOR_INTERNAL_H
#define ECS_EXECUTOR_INTERNAL_H

#include "ecs/executor.h"
#include "ecs/world.h"

/* Runs item @p index of @p items. */
typedef void (*ecs__item_fn)(void *items, uint32_t index);

/* Opaque; its address stays fixed from ecs__batch_new() to
 * ecs__batch_free(), since calls the executor has not made yet point at
 * it. */
typedef struct ecs__batch_t ecs__batch_t;

/* A batch record, or NULL (allocation or a mutex could not be had). */
ecs__batch_t *ecs__batch_new(const ecs_allocator_t *a);
/* Frees a batch whose handle was finished (or that never ran). NULL: no-op. */
void ecs__batch_free(const ecs_allocator_t *a, ecs__batch_t *b);

/* Runs items [0, count) with @p run: asks @p x for up to x->workers calls
 * (at most count - 1: this thread is one more), runs on this thread every
 * item no call has claimed, then sleeps until the items claimed by calls
 * have returned. On return every item has run and its writes are visible
 * here. The executor's handle is kept in the batch for ecs__batch_finish();
 * the batch must not be run again before that. Any thread, inside a call
 * too: it never waits for a call that has not started. */
void ecs__batch_run(ecs__batch_t *b, const ecs_executor_t *x, ecs__item_fn run, void *items, uint32_t count);

/* Finishes the handle the last ecs__batch_run() kept (if any): the calls
 * still queued have nothing left to do. Ticking thread only, outside any
 * call; afterwards the batch may run again or be freed. */
void ecs__batch_finish(ecs__batch_t *b, const ecs_executor_t *x);

/* Whether @p x is a valid executor descriptor: all zero (none), or both
 * callbacks with workers in range. */
bool ecs__executor_valid(const ecs_executor_t *x);

#endif /* ECS_EXECUTOR_INTERNAL_H */
